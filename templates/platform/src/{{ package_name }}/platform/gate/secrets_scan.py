"""Secret scan of the project's files with detect-secrets, in-process.

The scope matches the pre-commit `detect-secrets` hook, so the gate never disagrees with what a
developer saw at commit time: tests and eval datasets are excluded (they hold fake credentials on
purpose, to test the guards), and so are build output and local data. A line may opt out with
`# pragma: allowlist secret`; findings audited as false positives in `.secrets.baseline` pass.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

# Same exclusions as the detect-secrets hook in .pre-commit-config.yaml.
EXCLUDED_TOP_DIRS = frozenset({"tests", "evals", "var", ".venv"})
EXCLUDED_NAMES = frozenset({".secrets.baseline"})
MAX_FILE_BYTES = 512 * 1024
_SHOWN_FINDINGS = 10


def scan_files(root: Path, files: list[Path], *, cache: Path | None = None) -> dict[str, Any]:
    """Findings as [{file, line, type}] plus how many files were scanned and by which scanner.

    detect-secrets costs ~15 ms a file; `cache` (a JSON file under var/) keeps each file's findings
    by content hash, so a rerun rescans only what changed. CI starts without it.
    """
    candidates = [
        path
        for path in files
        if path.relative_to(root).parts[0] not in EXCLUDED_TOP_DIRS
        and path.name not in EXCLUDED_NAMES
        and path.stat().st_size <= MAX_FILE_BYTES
        and _is_text(path)
    ]
    try:
        findings, scanner = _detect_secrets_cached(root, candidates, cache), "detect-secrets"
    except ImportError:
        findings, scanner = _token_patterns(root, candidates), "platform token patterns (detect-secrets not installed)"
    audited = _audited_false_positives(root / ".secrets.baseline")
    findings = [{k: v for k, v in f.items() if k != "hash"} for f in findings if (f["file"], f["hash"]) not in audited]
    figure = f"{len(candidates)} files scanned by {scanner}, {len(findings)} finding(s)"
    return {
        "scanner": scanner,
        "files_scanned": len(candidates),
        "findings": findings[:_SHOWN_FINDINGS],
        "error": None,
        "evidence": [{"file": "(tracked files)", "sha256": "", "figure": figure}],
    }


def _is_text(path: Path) -> bool:
    with path.open("rb") as handle:
        return b"\0" not in handle.read(2048)


def _detect_secrets_cached(root: Path, files: list[Path], cache: Path | None) -> list[dict[str, Any]]:
    from detect_secrets.__version__ import VERSION

    scanner = f"detect-secrets {VERSION}"
    digests = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in files}
    known: dict[str, Any] = {}
    if cache is not None and cache.is_file():
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
            if stored.get("scanner") == scanner:
                known = stored.get("files", {})
        except (json.JSONDecodeError, AttributeError):
            known = {}
    fresh = [path for path in files if known.get(_key(root, path), {}).get("sha256") != digests[path]]
    for finding_list, path in _group(_detect_secrets(root, fresh), root, fresh):
        known[_key(root, path)] = {"sha256": digests[path], "findings": finding_list}
    current = {_key(root, path) for path in files}
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        entries = {name: entry for name, entry in known.items() if name in current}
        payload = {"scanner": scanner, "files": entries}
        cache.write_text(json.dumps(payload, sort_keys=True), encoding="utf-8")
    return [finding for path in files for finding in known[_key(root, path)]["findings"]]


def _key(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _group(findings: list[dict[str, Any]], root: Path, files: list[Path]) -> list[tuple[list[dict[str, Any]], Path]]:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        by_file.setdefault(finding["file"], []).append(finding)
    return [(by_file.get(_key(root, path), []), path) for path in files]


def _detect_secrets(root: Path, files: list[Path]) -> list[dict[str, Any]]:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    collection = SecretsCollection(root=str(root))
    with default_settings():
        for path in files:
            collection.scan_file(str(path.relative_to(root)))
    return [
        {"file": Path(filename).as_posix(), "line": secret.line_number, "type": secret.type, "hash": secret.secret_hash}
        for filename, secrets in sorted(collection.data.items())
        for secret in sorted(secrets, key=lambda s: s.line_number or 0)
    ]


def _token_patterns(root: Path, files: list[Path]) -> list[dict[str, Any]]:
    """Fallback: the runtime secrets guard's prefix-anchored token formats (no entropy heuristics)."""
    from ..guardrails.secrets import TOKEN_PATTERNS

    findings = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            if "pragma: allowlist secret" in line:
                continue
            for kind, (pattern, _score) in TOKEN_PATTERNS.items():
                for match in pattern.finditer(line):
                    digest = hashlib.sha1(match.group().encode()).hexdigest()  # noqa: S324 - detect-secrets' id scheme
                    findings.append(
                        {"file": path.relative_to(root).as_posix(), "line": number, "type": kind, "hash": digest}
                    )
    return findings


def _audited_false_positives(baseline: Path) -> set[tuple[str, str]]:
    """(file, hashed secret) pairs a person marked `is_secret: false` in `.secrets.baseline`."""
    if not baseline.is_file():
        return set()
    try:
        results = json.loads(baseline.read_text(encoding="utf-8")).get("results", {})
    except (json.JSONDecodeError, AttributeError):
        return set()
    return {
        (filename, entry.get("hashed_secret", ""))
        for filename, entries in results.items()
        for entry in entries
        if entry.get("is_secret") is False
    }
