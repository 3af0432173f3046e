"""Document metadata: who owns a document, how secret it is, how fresh, what it may be used for.

Metadata comes from Markdown/text front matter, HTML `<meta>` tags, a `<file>.meta.yml`
sidecar (any format, PDF included) or the API body. Unknown keys are an error, not a
silent default: a typo such as `clasification: restricted` must never publish a
restricted document as internal.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from ...auth import CLEARANCES
from ...errors import MetadataError

DOCUMENT_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,127}$"
DocumentId = Annotated[str, StringConstraints(pattern=DOCUMENT_ID_PATTERN)]
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)


class DocumentMetadata(BaseModel):
    """Everything but the text; None means "use the ingest default"."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: DocumentId | None = None
    title: str | None = Field(default=None, max_length=300)
    source: str | None = Field(default=None, max_length=1000)
    owner: str | None = Field(default=None, max_length=200)
    classification: str | None = None
    effective_date: date | None = None
    updated_date: date | None = None
    permissible_use: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]] | None = None

    @field_validator("classification")
    @classmethod
    def _known_classification(cls, value: str | None) -> str | None:
        if value is not None and value not in CLEARANCES:
            raise ValueError(f"must be one of {', '.join(CLEARANCES)}")
        return value

    def merged(self, other: DocumentMetadata) -> DocumentMetadata:
        """`other`'s values win where set (a sidecar overrides front matter)."""
        return self.model_copy(update=other.model_dump(exclude_none=True))


def parse_metadata(raw: object, *, where: str) -> DocumentMetadata:
    """Validate a mapping of metadata, turning the first error into one readable line."""
    if raw is None:
        return DocumentMetadata()
    if not isinstance(raw, dict):
        raise MetadataError(f"{where}: metadata must be a mapping of key: value")
    try:
        return DocumentMetadata.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "metadata"
        if first["type"] == "extra_forbidden":
            known = ", ".join(DocumentMetadata.model_fields)
            raise MetadataError(f"{where}: unknown metadata field {field!r}; known: {known}") from error
        raise MetadataError(f"{where}: {field}: {first['msg']}") from error


def split_front_matter(text: str, *, where: str) -> tuple[DocumentMetadata, str, int]:
    """Metadata from a leading `---` YAML block, the text after it, and where that text starts."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return DocumentMetadata(), text, 0
    try:
        raw = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        raise MetadataError(f"{where}: front matter is not valid YAML ({str(error).splitlines()[0]})") from error
    return parse_metadata(raw, where=where), text[match.end() :], match.end()


def read_sidecar(path: Path) -> DocumentMetadata:
    """`<file>.meta.yml` next to a document, when present."""
    sidecar = sidecar_path(path)
    if not sidecar.is_file():
        return DocumentMetadata()
    try:
        raw = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise MetadataError(f"{sidecar.name}: not valid YAML ({str(error).splitlines()[0]})") from error
    return parse_metadata(raw, where=sidecar.name)


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.yml")


def document_id_for(relative: Path) -> str:
    """A stable id from a path: `HR/Leave Policy.md` -> `hr-leave-policy`."""
    stem = relative.with_suffix("").as_posix().lower()
    slug = re.sub(r"[^a-z0-9._]+", "-", stem).strip("-.")
    return slug[:128] or "document"
