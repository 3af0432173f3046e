"""Markdown, plain text, HTML, PDF and DOCX to sections of plain text under their headings.

A section keeps its heading path (`Refunds > Timing`) and its offset in the document's
extracted text, which is what citations point into. Content a reader cannot see is
dropped here, because hidden text is where indirect prompt injections like to live:
HTML comments, `<script>`/`<style>`, elements marked `hidden`, `aria-hidden` or styled
invisible, and HTML comments inside Markdown.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

from ...errors import ParseError
from .metadata import DocumentMetadata, MetadataError, parse_metadata, split_front_matter

FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
}
_WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Section:
    heading: str
    text: str
    start: int


@dataclass(frozen=True)
class ParsedDocument:
    """Extracted text split into heading-aware sections, plus what the file said about itself."""

    text: str
    sections: tuple[Section, ...]
    metadata: DocumentMetadata
    format: str
    title: str


class _SectionBuilder:
    """Collects text under a heading stack and records each section's offset in the full text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.sections: list[Section] = []
        self.headings: list[tuple[int, str]] = []
        self._buffer: list[str] = []
        self._length = 0

    def heading(self, level: int, title: str) -> None:
        self.flush()
        title = _tidy(title)
        self.headings = [(lvl, text) for lvl, text in self.headings if lvl < level] + [(level, title)]

    def add(self, text: str) -> None:
        self._buffer.append(text)

    def flush(self) -> None:
        body = _tidy("\n".join(self._buffer))
        self._buffer = []
        if not body:
            return
        start = self._length + 2 if self.parts else 0
        self.parts.append(body)
        self._length = start + len(body)
        self.sections.append(Section(" > ".join(text for _, text in self.headings), body, start))

    def result(self) -> tuple[str, tuple[Section, ...]]:
        self.flush()
        return "\n\n".join(self.parts), tuple(self.sections)


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")
_MD_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# A line of one repeated punctuation mark: a setext/RST heading underline, an overline or a thematic break.
_MD_RULE = re.compile(r"^\s{0,3}([=\-~^*+#_\"'`:.])(?:\s*\1){2,}\s*$")
# A pipe table's delimiter row: `| --- | :---: |`.
_MD_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
# Strong emphasis; `__name__` without a space inside is a dunder name, not emphasis, and stays.
_MD_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|(?<!\w)__(?=\S)([^_]*\s[^_]*?)(?<=\S)__(?!\w)")
# Setext and RST underlines: `=` is a top-level heading, `-` the next level, any other mark the one below.
_UNDERLINE_LEVELS = {"=": 1, "-": 2}


def parse_markdown(source: str, *, where: str) -> ParsedDocument:
    """Markdown (CommonMark headings, setext or `#`) and reStructuredText-style underlined headings.

    Code spans keep their content verbatim (`` `__hash__` `` stays `__hash__`, ``a[i:j]`` stays `a[i:j]`);
    heading underlines, overlines, thematic breaks and table delimiter rows never reach the text; table
    rows stay one line each, so a chunk keeps the row structure.
    """
    metadata, body, _ = split_front_matter(source, where=where)
    builder = _SectionBuilder()
    in_fence = False
    lines = _MD_COMMENT.sub("", body).splitlines()
    for number, line in enumerate(lines):
        if _MD_FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            builder.add(line)
            continue
        if _MD_RULE.match(line) or _MD_TABLE_DELIMITER.match(line):
            continue  # an underline (its heading line was handled below), an overline or a rule
        following = lines[number + 1] if number + 1 < len(lines) else ""
        underline = _MD_RULE.match(following)
        if underline and line.strip() and not line.startswith((" ", "\t")) and len(following.strip()) >= 3:
            builder.heading(_UNDERLINE_LEVELS.get(underline.group(1), 3), _inline_markdown(line.strip()))
        elif heading := _MD_HEADING.match(line):
            builder.heading(len(heading.group(1)), _inline_markdown(heading.group(2)))
        else:
            builder.add(_inline_markdown(line))
    text, sections = builder.result()
    first_heading = next((s.heading.split(" > ")[0] for s in sections if s.heading), "")
    return ParsedDocument(text, sections, metadata, "markdown", metadata.title or first_heading)


def _inline_markdown(line: str) -> str:
    """Drop link/image/strong markup outside code spans; a code span keeps its content, minus the backticks."""
    parts = []
    position = 0
    for span in _MD_CODE_SPAN.finditer(line):
        parts.append(_inline_prose(line[position : span.start()]))
        parts.append(span.group(2).strip() if span.group(2).strip() else span.group(2))
        position = span.end()
    parts.append(_inline_prose(line[position:]))
    return "".join(parts)


def _inline_prose(text: str) -> str:
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    return _MD_STRONG.sub(lambda match: match.group(1) or match.group(2), text)


def parse_text(source: str, *, where: str) -> ParsedDocument:
    metadata, body, _ = split_front_matter(source, where=where)
    builder = _SectionBuilder()
    builder.add(body)
    text, sections = builder.result()
    return ParsedDocument(text, sections, metadata, "text", metadata.title or "")


_HTML_SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
_HTML_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_HTML_BLOCK = {"p", "div", "li", "ul", "ol", "tr", "table", "section", "article", "br", "blockquote", "pre", "dd", "dt"}
_HTML_CELL = {"td", "th"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0(?![.\d])")
_META_KEYS = {"classification", "owner", "source", "effective_date", "updated_date", "permissible_use", "id", "title"}


class _HtmlExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = _SectionBuilder()
        self.meta: dict[str, object] = {}
        self.title = ""
        self._skip_depth = 0
        self._in_title = False
        self._heading: tuple[int, list[str]] | None = None
        self._cells = 0  # cells seen in the current table row
        self._line: list[str] = []  # inline text of the current block: one line of the extracted text

    def _end_line(self) -> None:
        if self._line:
            self.builder.add("".join(self._line))
            self._line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "meta" and attributes.get("name", "").lower() in _META_KEYS:
            name = attributes["name"].lower()
            content = attributes.get("content", "")
            self.meta[name] = (
                [use.strip() for use in content.split(",") if use.strip()] if name == "permissible_use" else content
            )
        if tag == "title":
            self._in_title = True
        if tag in _HTML_VOID:
            if tag == "br" and not self._skip_depth:
                self._end_line()
            return
        if self._skip_depth or tag in _HTML_SKIP or _is_hidden(attributes):
            self._skip_depth += 1
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._end_line()
            self._heading = (int(tag[1]), [])
        elif tag in _HTML_CELL:
            self._cells += 1
            if self._cells > 1:  # the cells of one row stay on one line, separated as in a Markdown table
                self._line.append(" | ")
        elif tag in _HTML_BLOCK:
            self._cells = 0
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _HTML_VOID:
            return
        if self._skip_depth:
            self._skip_depth -= 1
            return
        if self._heading and re.fullmatch(r"h[1-6]", tag):
            level, words = self._heading
            self._heading = None
            self.builder.heading(level, " ".join("".join(words).split()))
        elif tag in _HTML_BLOCK:
            self._end_line()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._skip_depth:
            return
        if self._heading is not None:
            self._heading[1].append(data)
        else:
            self._line.append(data)


def _is_hidden(attributes: dict[str, str]) -> bool:
    return (
        "hidden" in attributes
        or attributes.get("aria-hidden", "").lower() == "true"
        or bool(_HIDDEN_STYLE.search(attributes.get("style", "").lower()))
    )


def parse_html(source: str, *, where: str) -> ParsedDocument:
    extractor = _HtmlExtractor()
    extractor.feed(source)
    extractor.close()
    extractor._end_line()
    metadata = parse_metadata(extractor.meta, where=where) if extractor.meta else DocumentMetadata()
    text, sections = extractor.builder.result()
    first_heading = next((s.heading.split(" > ")[0] for s in sections if s.heading), "")
    title = metadata.title or " ".join(extractor.title.split()) or first_heading
    return ParsedDocument(text, sections, metadata, "html", title)


def parse_pdf(path: Path, *, where: str) -> ParsedDocument:
    """Text per page (pure-Python `pypdf`); each page is a section headed `Page N`."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError as error:
        raise ParseError(f"{where}: reading PDF needs pypdf: pip install 'pypdf>=5'") from error
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise ParseError(f"{where}: PDF is encrypted")
        builder = _SectionBuilder()
        for number, page in enumerate(reader.pages, start=1):
            builder.heading(1, f"Page {number}")
            builder.add(page.extract_text() or "")
        info_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PyPdfError, ValueError, KeyError, OSError) as error:
        if isinstance(error, ParseError):
            raise
        raise ParseError(f"{where}: not a readable PDF ({error})") from error
    text, sections = builder.result()
    if not text.strip():
        raise ParseError(f"{where}: PDF has no extractable text (scanned images need OCR first)")
    return ParsedDocument(text, sections, DocumentMetadata(), "pdf", str(info_title).strip())


def parse_docx(path: Path, *, where: str) -> ParsedDocument:
    """A Word document's paragraphs and tables (standard library only: the package is a zip of XML).

    `Heading N` and `Title` paragraph styles become section headings; each table row is one line
    with its cells joined by " | ", so a requirement and its answer stay together.
    """
    try:
        with zipfile.ZipFile(path) as package:
            root = ElementTree.fromstring(package.read("word/document.xml"))  # noqa: S314 - a local file being ingested
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as error:
        raise ParseError(f"{where}: not a readable .docx file ({type(error).__name__})") from error
    body = root.find(f"{_WORD_NS}body")
    builder = _SectionBuilder()
    title = ""
    for element in [] if body is None else list(body):
        if element.tag == f"{_WORD_NS}p":
            text = "".join(node.text or "" for node in element.iter(f"{_WORD_NS}t"))
            style = element.find(f"{_WORD_NS}pPr/{_WORD_NS}pStyle")
            name = (style.get(f"{_WORD_NS}val") or "") if style is not None else ""
            if name == "Title" or name.startswith("Heading"):
                level = int(name[7:]) if name[7:].isdigit() else 1
                title = title or text.strip()
                builder.heading(level, text)
            else:
                builder.add(text)
        elif element.tag == f"{_WORD_NS}tbl":
            for row in element.iter(f"{_WORD_NS}tr"):
                cells = ["".join(t.text or "" for t in cell.iter(f"{_WORD_NS}t")) for cell in row.iter(f"{_WORD_NS}tc")]
                builder.add(" | ".join(" ".join(cell.split()) for cell in cells))
    text, sections = builder.result()
    if not text.strip():
        raise ParseError(f"{where}: the .docx file has no text")
    return ParsedDocument(text, sections, DocumentMetadata(), "docx", title)


def parse_content(content: str, format: str, *, where: str) -> ParsedDocument:
    """Parse text content in a named format (the API path: no files involved)."""
    parsers = {"markdown": parse_markdown, "text": parse_text, "html": parse_html}
    if format not in parsers:
        raise ParseError(f"{where}: format must be one of {', '.join(parsers)}")
    try:
        parsed = parsers[format](content, where=where)
    except MetadataError as error:
        raise ParseError(str(error)) from error
    if not parsed.text.strip():  # an empty document would match every other empty one as a "duplicate"
        raise ParseError(f"{where}: no text to index (the file is empty or holds only metadata)")
    return parsed


def parse_file(path: Path, *, where: str) -> ParsedDocument:
    """Parse one file by its suffix; every failure becomes a `ParseError` naming the file."""
    format = FORMATS.get(path.suffix.lower())
    if format is None:
        raise ParseError(f"{where}: unsupported file type {path.suffix!r}; supported: {', '.join(sorted(FORMATS))}")
    if format == "pdf":
        return parse_pdf(path, where=where)
    if format == "docx":
        return parse_docx(path, where=where)
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ParseError(f"{where}: not UTF-8 text ({error.reason} at byte {error.start})") from error
    except OSError as error:
        raise ParseError(f"{where}: cannot read ({error.strerror})") from error
    return parse_content(content, format, where=where)


def _tidy(text: str) -> str:
    """Collapse runs of spaces and blank lines; keep paragraph breaks for sentence splitting."""
    lines = [" ".join(line.replace("\x00", "").split()) for line in text.splitlines()]
    paragraphs = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", paragraphs).strip()
