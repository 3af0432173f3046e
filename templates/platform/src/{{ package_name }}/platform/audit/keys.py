"""The audit log's keys: a per-project content key (keyed hashes of prompts and answers) and key ids.

`input_hash`/`output_hash` are HMAC-SHA-256 of the text under a per-project key, written
`hmac-sha256:<hex>`. A plain SHA-256 of a short, guessable text (a question with a card number,
an e-mail) can be confirmed by anyone who guesses it; a keyed hash only by whoever holds the key.
The key is `AUDIT_HASH_KEY` when set (production: from the secret store), else a random key
generated on first use next to the log (`var/audit_hash.key`, mode 0600).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

HASH_PREFIX = "hmac-sha256:"
KEY_FILE = "audit_hash.key"
KEYED_HASH = re.compile(r"hmac-sha256:[0-9a-f]{64}")


def key_id(key: bytes) -> str:
    """A short public name for a key (never the key): lets a reader tell which key signed what."""
    return hashlib.sha256(b"audit-key-id:" + key).hexdigest()[:16]


class ContentHasher:
    """`hasher(text)` -> "hmac-sha256:<hex>" under one key; the keyed pads are hashed once."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the audit hash key must be at least 16 bytes")
        self.key_id = key_id(key)
        self._pads = hmac_pads(key)

    def __call__(self, text: str) -> str:
        inner, outer = self._pads[0].copy(), self._pads[1].copy()
        inner.update(text.encode("utf-8"))
        outer.update(inner.digest())
        return HASH_PREFIX + outer.hexdigest()


def hmac_pads(key: bytes) -> tuple[Any, Any]:
    """HMAC-SHA-256 (RFC 2104) with the keyed pads hashed once, not once per message."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    return hashlib.sha256(bytes(b ^ 0x36 for b in block)), hashlib.sha256(bytes(b ^ 0x5C for b in block))


def load_or_create_key(path: Path) -> bytes:
    """A random 32-byte key kept in `path` (mode 0600), created on first use; safe across processes."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    except ValueError as error:
        raise ValueError(f"{path} does not hold a hex key: {error}") from error
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, os.urandom(32).hex().encode("ascii") + b"\n")
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    try:
        os.link(temporary, path)  # atomic and refuses to replace: the first process to get here wins
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def read_key(path: Path) -> bytes | None:
    """The stored key, or None when there is none yet (reading never creates one)."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        return None
