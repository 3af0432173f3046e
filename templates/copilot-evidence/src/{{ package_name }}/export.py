"""Export a draft: Markdown with footnotes, HTML with linked citations, DOCX with one comment per span, or JSON.

Every format carries the same things: one section per requirement (its id first), each kept
claim with the quotes that support it (source id, version, character offsets), the gap list,
and what was not kept and why. Nothing is exported that the ledger cannot trace.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, replace
from html import escape
from typing import Any

from .drafting import cite, kept
from .records import Claim, Draft, Evidence, Requirement, SourceVersion

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx_safe(draft: Draft) -> Draft:
    claims = [
        replace(
            c,
            text=_xml_safe(c.text),
            reasons=[_xml_safe(r) for r in c.reasons],
            evidence=[replace(ev, quote=_xml_safe(ev.quote)) for ev in c.evidence],
        )
        for c in draft.claims
    ]
    requirements = [replace(r, text=_xml_safe(r.text)) for r in draft.requirements]
    return replace(draft, title=_xml_safe(draft.title), claims=claims, requirements=requirements)


def to_json(draft: Draft) -> dict[str, Any]:
    return asdict(draft)  # the API's draft body: str, int, float, bool, lists and dicts only


def _sections(draft: Draft) -> list[tuple[Requirement, list[Claim]]]:
    return [
        (requirement, [c for c in draft.claims if c.requirement_id == requirement.id and kept(c, draft.on_unsupported)])
        for requirement in draft.requirements
    ]


def _dropped(draft: Draft) -> list[Claim]:
    return [claim for claim in draft.claims if not kept(claim, draft.on_unsupported)]


def _why(claim: Claim) -> str:
    if claim.review == "rejected":
        return f"rejected by {claim.reviewed_by}"
    return "; ".join(claim.reasons) or claim.status


def _shown(claim: Claim) -> str:
    """The claim as a reader sees it, an unsupported or stale one flagged before its full stop."""
    return claim.text if claim.status == "supported" else cite(claim.text, f"[{claim.status.upper()}]")


def _note(ev: Evidence, sources: dict[str, SourceVersion]) -> str:
    quote = " ".join(ev.quote.split()).replace('"', "'")
    return f'{_where(ev, sources)}: "{quote}"{_checks(ev)}'


def _checks(ev: Evidence) -> str:
    unverified = "" if ev.verified else "; WARNING: no longer matches the source"
    return unverified + ("" if ev.current else "; STALE: the source has a newer version")


def _where(ev: Evidence, sources: dict[str, SourceVersion]) -> str:
    source = sources.get(ev.source_id)
    title = f" ({source.title})" if source else ""
    role = "cited" if ev.cited else "corroborating"
    return f"{ev.source_id}{title}, version {ev.version[:12]}, characters {ev.start}-{ev.end}, {role}"


def _header(draft: Draft) -> str:
    return (
        f"Draft {draft.id}, version {draft.version}, status {draft.status}; "
        f"{draft.prompt_version}, evidence rules {draft.policy_version}"
    )


def to_markdown(draft: Draft, sources: dict[str, SourceVersion]) -> str:
    lines = [f"# {draft.title}", "", f"_{_header(draft)}_", ""]
    notes: list[str] = []
    for requirement, claims in _sections(draft):
        lines += [f"## {requirement.id}: {requirement.text}", ""]
        body = []
        for claim in claims:
            refs = ""
            for ev in claim.evidence:
                notes.append(f"[^{len(notes) + 1}]: {_note(ev, sources)}")
                refs += f"[^{len(notes)}]"
            body.append(f"{_shown(claim)}{refs}")
        if body:
            lines += [" ".join(body), ""]
        if requirement.id in draft.gaps:
            lines += ["**Gap:** no source in the library supports an answer to this requirement.", ""]
    if draft.gaps:
        lines += ["## Gaps", "", *[f"- {gap}: {_text_of(draft, gap)}" for gap in draft.gaps], ""]
    if dropped := _dropped(draft):
        lines += ["## Not kept", "", *[f"- {c.id}: {c.text} ({_why(c)})" for c in dropped], ""]
    return "\n".join([*lines, *notes]).rstrip() + "\n"


def _text_of(draft: Draft, requirement_id: str) -> str:
    return next((r.text for r in draft.requirements if r.id == requirement_id), "")


STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}"
    ".unsupported,.stale{background:#ffe1dc}.gap{background:#fff1c2;padding:.3rem .6rem}"
    "sup a{text-decoration:none}blockquote{margin:.2rem 0 .6rem 1rem;color:#333}"
)


def to_html(draft: Draft, sources: dict[str, SourceVersion]) -> str:
    """A standalone page: each citation links to its footnote, which quotes the span."""
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(draft.title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{escape(draft.title)}</h1><p><em>{escape(_header(draft))}</em></p>"
    ]
    notes: list[str] = []
    for requirement, claims in _sections(draft):
        parts.append(
            f"<section id='{escape(requirement.id)}'><h2>{escape(requirement.id)}: {escape(requirement.text)}</h2><p>"
        )
        for claim in claims:
            refs = ""
            for ev in claim.evidence:
                notes.append(
                    f"<li id='fn-{len(notes) + 1}'>{escape(_where(ev, sources) + _checks(ev))}"
                    f"<blockquote>{escape(ev.quote)}</blockquote></li>"
                )
                refs += f"<sup><a href='#fn-{len(notes)}'>[{len(notes)}]</a></sup>"
            parts.append(
                f"<span class='claim {claim.status}' id='{escape(claim.id)}'>{escape(_shown(claim))}</span>{refs} "
            )
        parts.append("</p>")
        if requirement.id in draft.gaps:
            parts.append("<p class='gap'><strong>Gap:</strong> no source in the library supports an answer.</p>")
        parts.append("</section>")
    if draft.gaps:
        items = "".join(f"<li>{escape(g)}: {escape(_text_of(draft, g))}</li>" for g in draft.gaps)
        parts.append(f"<h2>Gaps</h2><ul class='gaps'>{items}</ul>")
    if dropped := _dropped(draft):
        items = "".join(f"<li>{escape(c.id)}: {escape(c.text)} ({escape(_why(c))})</li>" for c in dropped)
        parts.append(f"<h2>Not kept</h2><ul>{items}</ul>")
    parts.append(f"<h2>Sources</h2><ol class='notes'>{''.join(notes)}</ol></body></html>")
    return "".join(parts)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Word documents are XML: control characters and lone surrogates become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def to_docx(draft: Draft, sources: dict[str, SourceVersion]) -> bytes:
    """A Word document: one heading per requirement, one Word comment per evidence span quoting it."""
    from docx import Document  # python-docx, imported on use

    draft = _docx_safe(draft)
    sources = {key: replace(source, title=_xml_safe(source.title)) for key, source in sources.items()}
    document = Document()
    document.add_heading(draft.title, level=0)
    document.add_paragraph().add_run(_header(draft)).italic = True
    for requirement, claims in _sections(draft):
        document.add_heading(f"{requirement.id}: {requirement.text}", level=1)
        paragraph = document.add_paragraph()
        for claim in claims:
            run = paragraph.add_run(_shown(claim))
            for ev in claim.evidence:
                document.add_comment(run, text=_note(ev, sources), author="evidence copilot", initials="EC")
            paragraph.add_run(" ")
        if requirement.id in draft.gaps:
            document.add_paragraph("Gap: no source in the library supports an answer to this requirement.")
    if draft.gaps:
        document.add_heading("Gaps", level=1)
        for gap in draft.gaps:
            document.add_paragraph(f"{gap}: {_text_of(draft, gap)}", style="List Bullet")
    if dropped := _dropped(draft):
        document.add_heading("Not kept", level=1)
        for claim in dropped:
            document.add_paragraph(f"{claim.id}: {claim.text} ({_why(claim)})", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
