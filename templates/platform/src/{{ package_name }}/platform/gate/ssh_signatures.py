"""SSH signatures on review records, made and checked by OpenSSH's own `ssh-keygen -Y`.

Owners keep their public keys in `policies/allowed_signers` (one line per key:
`@alice ssh-ed25519 AAAA... alice@laptop`). The gate never trusts that file as written: it keeps
only lines whose principals are owners and whose keys are plain public keys (no wildcards, no
certificate authorities, no options), pins every key to the review namespace, and hands
`ssh-keygen` that file. A signature made with any other key, for another principal or over other
bytes does not verify.
"""

from __future__ import annotations

import re
import shutil
import subprocess  # noqa: S404 - ssh-keygen with fixed arguments, no shell
import tempfile
from dataclasses import dataclass
from pathlib import Path

NAMESPACE = "paved-roads-review"
ALLOWED_SIGNERS = Path("policies/allowed_signers")
KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
_KEY_BLOB = re.compile(r"[A-Za-z0-9+/]+={0,3}")
_PATTERN_CHARS = frozenset("*?!,\"'")
_FINGERPRINT = re.compile(r"key (SHA256:[A-Za-z0-9+/]+)")


@dataclass(frozen=True)
class SignerKey:
    principal: str
    key_type: str
    blob: str

    def line(self) -> str:
        return f'{self.principal} namespaces="{NAMESPACE}" {self.key_type} {self.blob}'


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problem: str = ""
    fingerprint: str = ""  # SHA256:... of the key that made a good signature


def ssh_keygen() -> str | None:
    return shutil.which("ssh-keygen")


def parse_allowed_signers(text: str, owners: set[str], normalize) -> tuple[list[SignerKey], list[str]]:
    """Owners' keys from an allowed-signers file, and one line per entry that was left out (why)."""
    keys, skipped = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) < 3 or fields[1] not in KEY_TYPES or not _KEY_BLOB.fullmatch(fields[2]):
            skipped.append(f"line {number}: expected '<owner handle> <key type> <base64 key> [comment]'")
            continue
        principal = fields[0]
        if _PATTERN_CHARS & set(principal):
            skipped.append(f"line {number}: principal {principal!r} must be one owner handle, not a pattern or list")
            continue
        handle = normalize(principal)
        if handle not in owners:
            skipped.append(f"line {number}: {handle} is not an owner")
            continue
        keys.append(SignerKey(handle, fields[1], fields[2]))
    return keys, skipped


def sign(message: bytes, key: Path) -> bytes:
    """An armored SSH signature of `message` by `key` (a private key, or a public key held by ssh-agent)."""
    binary = ssh_keygen()
    if binary is None:
        raise ValueError("ssh-keygen not found: install OpenSSH (7.9+) to sign reviews")
    if not key.is_file():
        raise ValueError(f"signing key {key} does not exist")
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [binary, "-Y", "sign", "-q", "-f", str(key), "-n", NAMESPACE],
        input=message,
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.startswith(b"-----BEGIN SSH SIGNATURE-----"):
        detail = done.stderr.decode(errors="replace").strip().splitlines()
        raise ValueError(f"ssh-keygen could not sign with {key}: {detail[-1] if detail else 'no output'}")
    return done.stdout


def verify(message: bytes, signature: bytes, keys: list[SignerKey], principal: str) -> Verdict:
    """Did `principal`'s key (as listed in `keys`) sign exactly `message` in the review namespace?"""
    binary = ssh_keygen()
    if binary is None:
        return Verdict(False, "ssh-keygen not found: signatures cannot be checked on this machine")
    with tempfile.TemporaryDirectory(prefix="review-verify-") as folder:
        allowed = Path(folder) / "allowed_signers"
        allowed.write_text("".join(key.line() + "\n" for key in keys), encoding="utf-8")
        sig = Path(folder) / "review.sig"
        sig.write_bytes(signature)
        args = ["-Y", "verify", "-f", str(allowed), "-I", principal, "-n", NAMESPACE, "-s", str(sig)]
        done = _run(binary, args, message)
        if done.returncode == 0:
            found = _FINGERPRINT.search(done.stdout)
            return Verdict(True, fingerprint=found.group(1) if found else "")
        listed_for = _principals(binary, allowed, sig)
        if listed_for and principal not in listed_for:
            return Verdict(False, f"signed with the key of {', '.join(listed_for)}, not of {principal}")
        if not any(key.principal == principal for key in keys):
            return Verdict(False, f"{ALLOWED_SIGNERS} lists no key for {principal}")
        if listed_for:
            return Verdict(False, "the record was changed after it was signed")
        return Verdict(False, f"signed with a key {ALLOWED_SIGNERS} does not list for {principal}")


def _principals(binary: str, allowed: Path, sig: Path) -> list[str]:
    done = _run(binary, ["-Y", "find-principals", "-f", str(allowed), "-s", str(sig)], b"")
    return sorted(done.stdout.split()) if done.returncode == 0 else []


def _run(binary: str, args: list[str], message: bytes) -> _Done:
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [binary, *args], input=message, capture_output=True, timeout=60, check=False
    )
    return _Done(done.returncode, done.stdout.decode(errors="replace"))


@dataclass(frozen=True)
class _Done:
    returncode: int
    stdout: str
