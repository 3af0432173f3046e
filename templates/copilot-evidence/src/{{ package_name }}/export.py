"""Export a draft as Markdown with one footnote per evidence span, or as JSON."""

from __future__ import annotations

from typing import Any

from .records import Draft, Source
from .schemas import DraftOut


def to_json(draft: Draft) -> dict[str, Any]:
    return DraftOut.of(draft).model_dump(mode="json")


def to_markdown(draft: Draft, sources: dict[str, Source]) -> str:
    """Each kept claim is followed by footnotes that quote its spans; dropped claims are listed last."""
    body: list[str] = []
    notes: list[str] = []
    dropped: list[str] = []
    for claim in draft.claims:
        if claim.status == "unsupported" and draft.on_unsupported == "remove":
            dropped.append(f"- {claim.text}")
            continue
        refs = ""
        for ev in claim.evidence:
            notes.append(_footnote(len(notes) + 1, ev.source_id, ev.start, ev.end, ev.quote, ev.verified, sources))
            refs += f"[^{len(notes)}]"
        flag = " **[unsupported]**" if claim.status == "unsupported" else ""
        body.append(f"{claim.text}{flag}{refs}")
    lines = [f"# {draft.instruction}", "", " ".join(body) or "_No claim in this draft is supported by the sources._"]
    lines += ["", f"<!-- draft {draft.id} · {draft.prompt_version} · evidence rules {draft.policy_version} -->"]
    if dropped:
        lines += [
            "",
            f"## Removed: claims with fewer than {draft.min_evidence_per_claim} verified span(s)",
            "",
            *dropped,
        ]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"


def _footnote(
    number: int, source_id: str, start: int, end: int, quote: str, verified: bool, sources: dict[str, Source]
) -> str:
    source = sources.get(source_id)
    title = f" ({source.title})" if source else ""
    check = "" if verified else " - WARNING: this span no longer matches the source"
    quoted = " ".join(quote.split()).replace('"', "'")
    return f'[^{number}]: `{source_id}`{title}, characters {start}-{end}: "{quoted}"{check}'
