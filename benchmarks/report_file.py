"""Where every benchmark leaves its numbers: one Markdown file under benchmarks/results/, echoed."""

from __future__ import annotations

import sys
from pathlib import Path


def write_report(path: Path, text: str) -> None:
    """Write `text` (newline-terminated) to `path`, print it, and say where it went on stderr."""
    text = text if text.endswith("\n") else text + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {path}", file=sys.stderr)
