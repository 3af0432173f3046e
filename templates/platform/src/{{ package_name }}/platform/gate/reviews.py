"""Review evidence for the high tier that the change author cannot manufacture.

Two sources, both checked by the gate (the policy decides what counts):

- **the code host** (CI): the pull request's reviews read from the GitHub REST API with the job's
  token (`github_reviews.py`); a review counts on the head commit only.
- **SSH-signed records** (locally, other hosts): `docs/reviews/<date>-<owner>-<commit>.yml`
  plus `<file>.sig`, written by `<project> review --reviewer @alice --key ~/.ssh/id_ed25519`:

```yaml
reviewer: "@alice"
decision: approved          # approved | changes_requested
commit: 1a2b3c4d...         # the commit reviewed (HEAD when signing; the tree must be clean)
change: sha256:5f0c...      # fingerprint of every tracked file outside docs/reviews/ at that commit
date: 2025-01-31T10:12:00Z
note: checked the eval diff and the rollback plan
```

The `.sig` is `ssh-keygen -Y sign` over the record's exact bytes in the `paved-roads-review`
namespace; it verifies only with the key `policies/allowed_signers` lists for that owner. When
`REVIEW_BASE` names the base commit (CI sets it), keys are read from that commit, so a key added
by the change itself cannot sign for it. Any later change outside `docs/reviews/` makes the
record stale; an unsigned, forged, stale or non-owner record never counts.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from .git import project_files, run_git
from .github_reviews import pull_request_from_env, read_reviews
from .repo_facts import codeowners
from .ssh_signatures import ALLOWED_SIGNERS, SignerKey, parse_allowed_signers, sign, verify

REVIEWS_DIR = Path("docs/reviews")
DECISIONS = ("approved", "changes_requested")
_SLUG = re.compile(r"[^a-z0-9]+")
_COMMIT = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_EXCLUDE_REVIEWS = f":(exclude){REVIEWS_DIR.as_posix()}"


def normalize_handle(value: str) -> str:
    """ "@Alice", "alice" -> "@alice"; e-mail addresses stay as they are (lower-cased)."""
    text = str(value).strip().lower()
    if "@" in text.lstrip("@"):
        return text.lstrip("@") if text.count("@") > 1 else text
    return "@" + text.lstrip("@") if text else ""


def project_owners(root: Path, listed: list[str]) -> list[str]:
    """Owners from governance.yml (`listed`) and CODEOWNERS, as normalised handles."""
    owners = {normalize_handle(owner) for owner in listed}
    return sorted(owners | {normalize_handle(owner) for owner in codeowners(root)["owners"]})


def change_fingerprint(root: Path) -> str:
    """sha256 over (path, content) of every project file outside `docs/reviews/`."""
    digest = hashlib.sha256()
    for path in project_files(root):
        relative = path.relative_to(root)
        if relative.parts[: len(REVIEWS_DIR.parts)] == REVIEWS_DIR.parts:
            continue
        digest.update(relative.as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def signer_keys(root: Path, owners: set[str]) -> tuple[list[SignerKey], str, list[str]]:
    """Owners' keys, where they were read from, and the allowed-signers lines left out (and why)."""
    base = os.environ.get("REVIEW_BASE", "").strip()
    if base:
        text = run_git(root, "show", f"{base}:{ALLOWED_SIGNERS.as_posix()}")
        source = f"{ALLOWED_SIGNERS} at base {base[:12]}"
        if text is None:
            return [], f"{source} (not found there)", []
    else:
        path = root / ALLOWED_SIGNERS
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        source = f"{ALLOWED_SIGNERS} in the working tree (set REVIEW_BASE in CI)"
    keys, skipped = parse_allowed_signers(text, owners, normalize_handle)
    return keys, source, [f"{ALLOWED_SIGNERS} {line}" for line in skipped]


def load_reviews(root: Path, keys: list[SignerKey]) -> list[dict[str, Any]]:
    """Every local record with its signature checked and its staleness decided."""
    current = change_fingerprint(root)
    head = (run_git(root, "rev-parse", "HEAD") or "").strip()
    records = []
    for path in sorted((root / REVIEWS_DIR).glob("*.y*ml")):
        raw = path.read_bytes()
        record = _parse(raw)
        record["file"] = path.relative_to(root).as_posix()
        record["sha256"] = hashlib.sha256(raw).hexdigest()
        signature_path = path.with_name(path.name + ".sig")
        if not signature_path.is_file():
            verdict = ("missing", f"not signed (no {signature_path.name})", "")
        elif record["problems"]:
            verdict = ("invalid", "malformed records are not checked", "")
        else:
            checked = verify(raw, signature_path.read_bytes(), keys, record["reviewer"])
            verdict = ("valid", "", checked.fingerprint) if checked.ok else ("invalid", checked.problem, "")
        record["signature"], record["signature_problem"], record["signer"] = verdict
        record["stale"] = _staleness(root, record, current, head)
        records.append(record)
    return records


def _parse(raw: bytes) -> dict[str, Any]:
    problems: list[str] = []
    try:
        data = yaml.safe_load(raw.decode("utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError):
        data, problems = {}, ["not valid YAML"]
    if not isinstance(data, dict):
        data, problems = {}, ["must be a mapping"]
    for key in ("reviewer", "decision", "commit", "change", "date"):
        if not data.get(key) and not problems:
            problems.append(f"missing {key}")
    if data.get("decision") and data["decision"] not in DECISIONS:
        problems.append(f"decision must be one of {', '.join(DECISIONS)}")
    if data.get("commit") and not _COMMIT.fullmatch(str(data["commit"])):
        problems.append("commit must be a full commit id")
    return {
        "source": "ssh",
        "reviewer": normalize_handle(str(data.get("reviewer", ""))),
        "decision": str(data.get("decision", "")),
        "commit": str(data.get("commit", "")),
        "change": str(data.get("change", "")),
        "date": str(data.get("date", "")),
        "problems": problems,
    }


def _staleness(root: Path, record: dict[str, Any], current: str, head: str) -> str | None:
    """Why the record no longer describes the change in front of the gate, or None."""
    commit = record["commit"]
    if not head:
        return "the reviewed commit cannot be checked: not a git repository"
    if record["change"] != current:
        changed = run_git(root, "diff", "--name-only", commit, "--", ".", _EXCLUDE_REVIEWS) if commit else None
        files = changed.split() if changed else []
        since = f": {', '.join(files[:3])}{' ...' if len(files) > 3 else ''} changed since" if files else ""
        return f"review is of commit {commit[:7] or '?'}, not of the change as it is now{since}"
    if run_git(root, "merge-base", "--is-ancestor", commit, "HEAD") is None:
        return f"review is of commit {commit[:7]}, which is not in this branch's history"
    return None


def write_review(
    root: Path, *, reviewer: str, key: Path, owners: list[str], decision: str = "approved", note: str = ""
) -> Path:
    """Sign `reviewer`'s decision on the commit checked out now; returns the record's path."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    handle = normalize_handle(reviewer)
    if not handle or handle == "@":
        raise ValueError("reviewer must be a GitHub handle such as @alice")
    if handle not in owners:
        raise ValueError(f"{handle} is not an owner ({', '.join(owners) or 'none listed'}): only owners' reviews count")
    commit = (run_git(root, "rev-parse", "HEAD") or "").strip()
    if not commit:
        raise ValueError("a review approves a commit: commit the change first (no git HEAD here)")
    dirty = run_git(root, "status", "--porcelain", "--untracked-files=no", "--", ".", _EXCLUDE_REVIEWS)
    if dirty is None or dirty.strip():
        shown = ", ".join(line[3:] for line in (dirty or "?").splitlines()[:3])
        raise ValueError(f"uncommitted changes ({shown}): commit them first, a review approves a commit")
    now = datetime.now(UTC)
    record = {
        "reviewer": handle,
        "decision": decision,
        "commit": commit,
        "change": change_fingerprint(root),
        "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "note": note,
    }
    text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True)
    # A commit id looks like a hex secret to detect-secrets (the gate's scan and the pre-commit hook).
    text = text.replace(f"commit: {commit}\n", f"commit: {commit}  # pragma: allowlist secret\n").encode("utf-8")
    signature = sign(text, key)
    keys, source, _ = signer_keys(root, set(owners))
    checked = verify(text, signature, keys, handle)
    if not checked.ok:
        raise ValueError(
            f"this signature would not count: {checked.problem} ({source}); add '{handle} <your public key>'"
            f" to {ALLOWED_SIGNERS} in a reviewed change first"
        )
    folder = root / REVIEWS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now.date().isoformat()}-{_SLUG.sub('-', handle).strip('-')}-{commit[:8]}.yml"
    path.write_bytes(text)
    path.with_name(path.name + ".sig").write_bytes(signature)
    return path


def review_facts(
    root: Path, *, owners: list[str], author: str, aliases: list[str], read_code_host: bool
) -> dict[str, Any]:
    """The change under review, its author, and every review from every source (the policy decides)."""
    keys, keys_from, notes = signer_keys(root, set(owners))
    records = load_reviews(root, keys)
    facts: dict[str, Any] = {
        "change": change_fingerprint(root),
        "commit": (run_git(root, "rev-parse", "HEAD") or "").strip(),
        "source": "ssh",
        "keys_from": keys_from,
        "team_members": [],
        "error": None,
    }
    pull = pull_request_from_env() if read_code_host else None
    if pull is not None:
        facts["source"] = f"github {pull.label} + ssh"
        try:
            github = read_reviews(pull, set(owners), normalize_handle)
        except ValueError as error:
            facts["error"] = str(error)
        else:
            author, aliases = github["author"], [*aliases, github["author"]]
            records = [*github["records"], *records]
            facts["team_members"], notes = github["team_members"], [*notes, *github["notes"]]
            facts["error"] = _checkout_problem(root, github["head"], pull.label)
    evidence = [
        {"file": r["file"], "sha256": r.get("sha256", ""), "figure": f"{r['reviewer']} {r['decision']}"}
        for r in records
    ]
    evidence.append({"file": keys_from, "sha256": "", "figure": f"{len(keys)} owner key(s)"})
    return {
        **facts,
        "author": normalize_handle(author) if author != "unknown" else "unknown",
        "author_aliases": sorted({normalize_handle(alias) for alias in aliases if alias}),
        "notes": notes,
        "records": [{k: v for k, v in r.items() if k != "sha256"} for r in records],
        "evidence": evidence,
    }


def _checkout_problem(root: Path, head: str, label: str) -> str | None:
    """The job must check the pull request's head (or GitHub's merge commit on top of it)."""
    checked_out = {(run_git(root, "rev-parse", ref) or "").strip() for ref in ("HEAD", "HEAD^2")}
    if head in checked_out:
        return None
    here = (run_git(root, "rev-parse", "--short", "HEAD") or "?").strip()
    return f"the checked-out commit {here} is not {label}'s head {head[:7]} (pushed since the job started?): re-run"
