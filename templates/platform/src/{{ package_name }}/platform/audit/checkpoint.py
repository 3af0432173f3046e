"""Checkpoints: the audit log's signed head, kept outside the log, so a cut tail or a rollback shows.

A hash chain proves that no record *inside* the log changed, but not that the log is still as
long as it was: cutting the tail and rewriting the stored head, emptying the table or deleting
the file leaves a chain that verifies. A checkpoint (sequence number, record hash, time, an HMAC
signature) written somewhere else closes that gap: `verify` fails when the log is shorter than a
checkpoint or holds a different record at its sequence number.

Checkpoints are one JSON object per line. The runtime appends one to the local checkpoint file
(`var/audit-checkpoints.jsonl`) whenever a process that appended records closes; `audit
checkpoint` prints one (keep it in a ticket, a CI artifact, a log pipeline); the gate verifies
against every checkpoint it knows and writes the head it verified into the evidence bundle.
A checkpoint can only make verification stricter: a forged one cannot make a changed log pass.
The local file sits next to the log and catches accidents and casual edits; someone who can
rewrite both needs a copy kept where they cannot write (CI artifacts, a log pipeline).
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .keys import key_id

CHECKPOINT_FILE = "audit-checkpoints.jsonl"
_PURPOSE = b"paved-roads audit checkpoint v1"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain head at some moment: `seq` records, the last one hashing to `hash`."""

    seq: int
    hash: str
    time: str = ""
    key_id: str = ""
    signature: str = ""  # HMAC-SHA-256 over seq, hash and time; "" for an unsigned, in-memory head
    origin: str = ""  # where it was read from (file:line), for messages

    def to_json(self) -> str:
        body = {"seq": self.seq, "hash": self.hash, "time": self.time, "key_id": self.key_id}
        return json.dumps({**body, "signature": self.signature}, sort_keys=True)

    @property
    def label(self) -> str:
        where = f" in {self.origin}" if self.origin else ""
        return f"checkpoint {self.seq}{f' of {self.time}' if self.time else ''}{where}"


def signature(key: bytes, seq: int, hash_: str, time: str) -> str:
    signing_key = hmac.new(key, _PURPOSE, "sha256").digest()  # never the same MAC as a record's
    return hmac.new(signing_key, f"{seq}\n{hash_}\n{time}".encode("ascii"), "sha256").hexdigest()


def signed(key: bytes, seq: int, hash_: str, time: str) -> Checkpoint:
    return Checkpoint(seq, hash_, time, key_id(key), signature(key, seq, hash_, time))


def signature_problem(checkpoint: Checkpoint, key: bytes | None) -> str:
    """Why `checkpoint`'s signature cannot be trusted, or "" when it verifies (or it has none)."""
    if not checkpoint.signature:
        return ""
    if key is None:
        return f"{checkpoint.label}: its signature cannot be checked, no audit key is configured or stored here"
    if checkpoint.key_id != key_id(key):
        return f"{checkpoint.label}: signed with another key ({checkpoint.key_id}, this log's is {key_id(key)})"
    expected = signature(key, checkpoint.seq, checkpoint.hash, checkpoint.time)
    if not hmac.compare_digest(expected, checkpoint.signature):
        return f"{checkpoint.label}: its signature does not verify (edited or forged)"
    return ""


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Every checkpoint in a JSONL file (one JSON object works too); ValueError names a bad line."""
    if not path.is_file():
        return []
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            checkpoint = Checkpoint(
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                time=str(data.get("time", "")),
                key_id=str(data.get("key_id", "")),
                signature=str(data.get("signature", "")),
                origin=f"{path}:{number}",
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not an audit checkpoint ({error})") from error
        if checkpoint.seq < 0:
            raise ValueError(f"{path}:{number}: not an audit checkpoint (negative seq)")
        found.append(checkpoint)
    return found


def append_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Add one line to a checkpoint file (created if missing); one write, so lines never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(descriptor, (checkpoint.to_json() + "\n").encode("utf-8"))
    finally:
        os.close(descriptor)
