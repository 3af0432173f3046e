"""Exports carry requirement ids, the quotes behind every claim and the gap list; the DOCX is read back."""

import io
import re

from docx import Document

from .copilot_fixtures import copilot, drafted

REQUIREMENTS = ("When are approved refunds paid back?", "What is the price of the premium plan?")


def test_markdown_has_a_section_per_requirement_footnotes_and_gaps(runtime, tmp_path) -> None:
    service = copilot(runtime, tmp_path)
    draft = drafted(service, *REQUIREMENTS)
    markdown = service.export(draft.id, "md", actor="reader")
    assert "## R1: When are approved refunds paid back?" in markdown
    assert "## Gaps\n\n- R2: What is the price of the premium plan?" in markdown
    assert re.search(r"\[\^1\]: (refund-policy \(Refund policy\)|support-faq \(Support FAQ\)), version ", markdown)
    assert '"Approved refunds are paid back to the original payment method within 14 days."' in markdown


def test_html_links_each_citation_to_its_quote(runtime, tmp_path) -> None:
    service = copilot(runtime, tmp_path)
    draft = drafted(service, *REQUIREMENTS)
    html = service.export(draft.id, "html", actor="reader")
    assert "<section id='R1'>" in html and "<ul class='gaps'><li>R2: " in html
    assert "<sup><a href='#fn-1'>[1]</a></sup>" in html and re.search("<li id='fn-1'>(refund-policy|support-faq)", html)
    assert "<blockquote>Approved refunds are paid back" in html


def test_docx_reads_back_with_a_comment_quoting_each_span(runtime, tmp_path) -> None:
    service = copilot(runtime, tmp_path)
    draft = drafted(service, *REQUIREMENTS)
    document = Document(io.BytesIO(service.export(draft.id, "docx", actor="reader")))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == [f"R1: {REQUIREMENTS[0]}", f"R2: {REQUIREMENTS[1]}"] and "Gaps" in headings
    comments = [comment.text for comment in document.comments]
    spans = [ev for claim in draft.claims for ev in claim.evidence]
    assert len(comments) == len(spans) > 0
    for comment, ev in zip(comments, spans, strict=True):
        assert comment.startswith(f"{ev.source_id} (") and f"characters {ev.start}-{ev.end}" in comment
        assert " ".join(ev.quote.split()) in comment
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Approved refunds are paid back to the original payment method within 14 days." in body
    assert "R2: What is the price of the premium plan?" in body.split("Gaps", 1)[1]
