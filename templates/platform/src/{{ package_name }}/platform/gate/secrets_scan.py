"""Secret scan of the project's files with detect-secrets, in-process.

The scope matches the pre-commit `detect-secrets` hook, so the gate never disagrees with what a
developer saw at commit time: tests and eval datasets are excluded (they hold fake credentials on
purpose, to test the guards), and so are build output and local data. A line may opt out with
`# pragma: allowlist secret`; findings audited as false positives in `.secrets.baseline` pass.

detect-secrets costs ~15 ms a file, most of the gate's time. So the scan starts first, in forked
worker processes, while the gate collects its other facts, and a cache under `var/` keeps each
file's findings by content hash so a local rerun rescans only what changed (CI starts cold).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

# Same exclusions as the detect-secrets hook in .pre-commit-config.yaml.
EXCLUDED_TOP_DIRS = frozenset({"tests", "evals", "var", ".venv"})
EXCLUDED_NAMES = frozenset({".secrets.baseline"})
MAX_FILE_BYTES = 512 * 1024
_SHOWN_FINDINGS = 10
_MIN_FILES_PER_WORKER = 20


class SecretScan:
    """A scan started now and read later: `SecretScan(root, files, cache=...).result()`."""

    def __init__(self, root: Path, files: list[Path], *, cache: Path | None = None) -> None:
        self.root, self.cache = root, cache
        self.candidates = [path for path in files if _in_scope(root, path)]
        self.digests = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in self.candidates}
        self.scanner = _scanner_name()
        self.known = self._cached() if self.scanner.startswith("detect-secrets") else {}
        fresh = [p for p in self.candidates if self.known.get(_key(root, p), {}).get("sha256") != self.digests[p]]
        self._pool, self._futures = _start(root, fresh, self.scanner)
        self._fresh = fresh

    def result(self) -> dict[str, Any]:
        try:
            findings = [finding for future in self._futures for finding in future.result()]
        finally:
            if self._pool is not None:
                self._pool.shutdown()
        by_file: dict[str, list[dict[str, Any]]] = {}
        for finding in findings:
            by_file.setdefault(finding["file"], []).append(finding)
        for path in self._fresh:
            self.known[_key(self.root, path)] = {
                "sha256": self.digests[path],
                "findings": by_file.get(_key(self.root, path), []),
            }
        self._save()
        audited = _audited_false_positives(self.root / ".secrets.baseline")
        current = [f for path in self.candidates for f in self.known[_key(self.root, path)]["findings"]]
        kept = [{k: v for k, v in f.items() if k != "hash"} for f in current if (f["file"], f["hash"]) not in audited]
        figure = f"{len(self.candidates)} files scanned by {self.scanner}, {len(kept)} finding(s)"
        return {
            "scanner": self.scanner,
            "files_scanned": len(self.candidates),
            "findings": kept[:_SHOWN_FINDINGS],
            "error": None,
            "evidence": [{"file": "(project files)", "sha256": "", "figure": figure}],
        }

    def _cached(self) -> dict[str, Any]:
        if self.cache is None or not self.cache.is_file():
            return {}
        try:
            stored = json.loads(self.cache.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return {}
        return stored.get("files", {}) if isinstance(stored, dict) and stored.get("scanner") == self.scanner else {}

    def _save(self) -> None:
        if self.cache is None or not self.scanner.startswith("detect-secrets"):
            return
        current = {_key(self.root, path) for path in self.candidates}
        entries = {name: entry for name, entry in self.known.items() if name in current}
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        self.cache.write_text(json.dumps({"scanner": self.scanner, "files": entries}, sort_keys=True), encoding="utf-8")


def scan_files(root: Path, files: list[Path], *, cache: Path | None = None) -> dict[str, Any]:
    """Scan and wait: findings as [{file, line, type}] plus how many files were scanned and by what."""
    return SecretScan(root, files, cache=cache).result()


def _in_scope(root: Path, path: Path) -> bool:
    relative = path.relative_to(root)
    if relative.parts[0] in EXCLUDED_TOP_DIRS or path.name in EXCLUDED_NAMES:
        return False
    if path.stat().st_size > MAX_FILE_BYTES:
        return False
    with path.open("rb") as handle:
        return b"\0" not in handle.read(2048)


def _key(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def _scanner_name() -> str:
    try:
        from detect_secrets.__version__ import VERSION
    except ImportError:
        return "platform token patterns (detect-secrets not installed)"
    return f"detect-secrets {VERSION}"


class _Done:
    """A finished result with the `Future.result()` interface, for scans run inline."""

    def __init__(self, value: list[dict[str, Any]]) -> None:
        self.value = value

    def result(self) -> list[dict[str, Any]]:
        return self.value


def _start(root: Path, fresh: list[Path], scanner: str) -> tuple[ProcessPoolExecutor | None, list[Future | _Done]]:
    """Fork up to one worker per core for the files to scan; small scans and non-fork platforms run inline."""
    names = [_key(root, path) for path in fresh]
    scan = _scan_chunk if scanner.startswith("detect-secrets") else _token_patterns
    workers = min(os.cpu_count() or 1, len(names) // _MIN_FILES_PER_WORKER)
    # Forking a process that runs other threads can deadlock the child: scan inline then.
    if workers < 1 or "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return None, [_Done(scan(str(root), names))]
    chunks = [names[index::workers] for index in range(workers)]
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    return pool, [pool.submit(scan, str(root), chunk) for chunk in chunks]


def _scan_chunk(root: str, names: list[str]) -> list[dict[str, Any]]:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    collection = SecretsCollection(root=root)
    with default_settings():
        for name in names:
            collection.scan_file(name)
    return [
        {"file": Path(name).as_posix(), "line": secret.line_number, "type": secret.type, "hash": secret.secret_hash}
        for name, secrets in sorted(collection.data.items())
        for secret in sorted(secrets, key=lambda s: s.line_number or 0)
    ]


def _token_patterns(root: str, names: list[str]) -> list[dict[str, Any]]:
    """Fallback: the runtime secrets guard's prefix-anchored token formats (no entropy heuristics)."""
    from ..guardrails.secrets import TOKEN_PATTERNS

    findings = []
    for name in names:
        text = (Path(root) / name).read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if "pragma: allowlist secret" in line:
                continue
            for kind, (pattern, _score) in TOKEN_PATTERNS.items():
                for match in pattern.finditer(line):
                    digest = hashlib.sha1(match.group().encode()).hexdigest()  # noqa: S324 - detect-secrets' id scheme
                    findings.append({"file": name, "line": number, "type": kind, "hash": digest})
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
