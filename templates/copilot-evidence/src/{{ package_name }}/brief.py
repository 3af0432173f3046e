"""A brief: the requirements a draft must answer, read from Markdown, CSV, a DOCX table or the API.

Every requirement keeps one id from import to export (`R3` or the RFP's own `SEC-04`), so a
reviewer can trace each section of the draft, each gap and each exported paragraph back to
the line of the brief that asked for it. Bad input is refused with one line naming the place.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from .records import InvalidRequest, Requirement

MAX_REQUIREMENTS = 200
MAX_REQUIREMENT_CHARS = 2000
REQUIREMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
# "R1: text", "REQ-004 - text", "**SEC.2** text", "[R7] text": an id the RFP gave the requirement.
_LEADING_ID = re.compile(r"^\s*(?:\*\*|\[)?(?P<id>[A-Z]{1,6}[-._]?\d{1,4}(?:\.\d{1,3})*)(?:\*\*|\])?\s*[:.)\u2013-]\s+")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+(.*)$")
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES = {"text/markdown": "markdown", "text/csv": "csv", DOCX_MEDIA_TYPE: "docx"}


class BriefError(InvalidRequest):
    """A brief that cannot be read; the detail names the line, column or field."""

    code = "copilot.brief"


@dataclass(frozen=True)
class ParsedBrief:
    title: str
    requirements: list[Requirement]


def _clean(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def _with_ids(rows: list[tuple[str, str, str, str]], where: str) -> list[Requirement]:
    """Give unnumbered requirements `R<n>` ids (skipping ids the brief already uses); refuse duplicates."""
    if not rows:
        raise BriefError(f"{where}: no requirements found")
    if len(rows) > MAX_REQUIREMENTS:
        raise BriefError(f"{where}: {len(rows)} requirements; at most {MAX_REQUIREMENTS} per brief")
    taken = {row[0] for row in rows if row[0]}
    counter = 0
    requirements: list[Requirement] = []
    seen: set[str] = set()
    for number, (given, text, section, owner) in enumerate(rows, start=1):
        requirement_id = given
        if not requirement_id:
            counter += 1
            while f"R{counter}" in taken:
                counter += 1
            requirement_id = f"R{counter}"
        if not REQUIREMENT_ID.match(requirement_id):
            raise BriefError(
                f"{where}: requirement {number}: id {requirement_id!r} must match {REQUIREMENT_ID.pattern}"
            )
        if requirement_id in seen:
            raise BriefError(f"{where}: requirement id {requirement_id!r} is used twice")
        if not text:
            raise BriefError(f"{where}: requirement {requirement_id}: text is empty")
        if len(text) > MAX_REQUIREMENT_CHARS:
            raise BriefError(f"{where}: requirement {requirement_id}: longer than {MAX_REQUIREMENT_CHARS} characters")
        seen.add(requirement_id)
        requirements.append(Requirement(requirement_id, text, section, owner))
    return requirements


def _split_id(text: str) -> tuple[str, str]:
    match = _LEADING_ID.match(text)
    return (match.group("id"), text[match.end() :].strip()) if match else ("", text)


def parse_markdown(text: str, *, title: str = "") -> ParsedBrief:
    """One requirement per list item; `##` headings name sections. Without list items, each heading
    below the title is one requirement (its paragraph is added to its text)."""
    lines = text.splitlines()
    doc_title = title
    section = ""
    items: list[tuple[str, str, str, str]] = []
    headed: list[list[str]] = []  # [heading, paragraph lines...] for the no-list-items case
    current: list[str] | None = None
    for line in lines:
        heading = _HEADING.match(line)
        item = _ITEM.match(line)
        if heading:
            level, heading_text = len(heading.group(1)), _clean(heading.group(2))
            if level == 1 and not doc_title:
                doc_title = heading_text
            else:
                section = heading_text
                headed.append([heading_text])
            current = None
        elif item:
            current = [_clean(item.group(1))]
            given, body = _split_id(current[0])
            items.append((given, body, section, ""))
        elif line.strip() and current is not None and line.startswith((" ", "\t")):
            given, body, sec, owner = items[-1]
            items[-1] = (given, f"{body} {_clean(line)}", sec, owner)
        elif line.strip() and headed and not items:
            headed[-1].append(_clean(line))
        elif not line.strip():
            current = None
    if not items:
        for heading_text, *paragraph in headed:
            given, body = _split_id(heading_text)
            items.append((given, " ".join([body, *paragraph]).strip(), "", ""))
    return ParsedBrief(doc_title or "Untitled brief", _with_ids(items, "Markdown brief"))


def parse_csv(text: str, *, title: str = "") -> ParsedBrief:
    """Columns `requirement` (or `text`), and optionally `id`, `section`, `owner`; header row first."""
    try:
        return _parse_csv(text, title)
    except csv.Error as error:
        raise BriefError(f"CSV brief: not readable as CSV ({error})") from error


def _parse_csv(text: str, title: str) -> ParsedBrief:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    fields = {name.strip().lower(): name for name in (reader.fieldnames or []) if name}
    text_column = fields.get("requirement") or fields.get("text")
    if text_column is None:
        found = ", ".join(fields) or "none"
        raise BriefError(f"CSV brief: needs a 'requirement' column (found: {found})")
    rows = []
    for row in reader:
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue
        rows.append(
            (
                (row.get(fields.get("id", ""), "") or "").strip(),
                _clean(row.get(text_column) or ""),
                _clean(row.get(fields.get("section", ""), "") or ""),
                _clean(row.get(fields.get("owner", ""), "") or ""),
            )
        )
    return ParsedBrief(title or "Untitled brief", _with_ids(rows, "CSV brief"))


def parse_docx(data: bytes, *, title: str = "") -> ParsedBrief:
    """The first table whose header row has a `Requirement` column (an RFP's compliance matrix)."""
    from docx import Document  # python-docx; imported here so the CLI starts fast
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(io.BytesIO(data))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as error:
        raise BriefError(f"DOCX brief: not a readable .docx file ({type(error).__name__})") from error
    except Exception as error:  # zipfile.BadZipFile and lxml errors on a damaged package
        raise BriefError(f"DOCX brief: not a readable .docx file ({type(error).__name__})") from error
    doc_title = title or next(
        (
            p.text.strip()
            for p in document.paragraphs
            if p.style.name.startswith(("Title", "Heading")) and p.text.strip()
        ),
        "",
    )
    for table in document.tables:
        if not table.rows:
            continue
        header = [_clean(cell.text).lower() for cell in table.rows[0].cells]
        column = next((i for i, name in enumerate(header) if name in ("requirement", "requirements", "text")), None)
        if column is None:
            continue

        where = {name: header.index(name) for name in ("id", "section", "owner") if name in header}
        rows = []
        for table_row in table.rows[1:]:
            values = [_clean(c.text) for c in table_row.cells]
            if any(values):
                extra = [values[where[name]] if name in where else "" for name in ("id", "section", "owner")]
                rows.append((extra[0], values[column], extra[1], extra[2]))
        return ParsedBrief(doc_title or "Untitled brief", _with_ids(rows, "DOCX brief"))
    raise BriefError("DOCX brief: no table with a 'Requirement' column found")


def parse_brief(content: bytes, media_type: str, *, title: str = "") -> ParsedBrief:
    """Dispatch on the upload's media type (`text/markdown`, `text/csv` or the DOCX type)."""
    kind = MEDIA_TYPES.get(media_type.split(";")[0].strip().lower())
    if kind is None:
        accepted = ", ".join(MEDIA_TYPES)
        raise BriefError(f"Content-Type: {media_type or 'none'!r} is not a brief format; send one of {accepted}")
    if kind == "docx":
        return parse_docx(content, title=title)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BriefError(f"{kind} brief: not UTF-8 text (byte {error.start})") from error
    return parse_markdown(text, title=title) if kind == "markdown" else parse_csv(text, title=title)
