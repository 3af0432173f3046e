"""Append-only, hash-chained audit log: who decided what, with which model and prompt, when.

Each record carries the hash of the record before it; the hash is SHA-256 over the record's
canonical JSON (sorted keys, no spaces, ASCII) including `seq` and `prev_hash`, so changing,
deleting, inserting or reordering any record breaks the chain at that record. With an HMAC key
(high tier) the hash is HMAC-SHA-256: whoever can rewrite the file still cannot recompute a
valid chain without the key.

Storage is SQLite in WAL mode, not JSONL, because a transaction gives what a hand-rolled file
format would have to re-implement: a process killed mid-append leaves no torn record (the
uncommitted WAL frames are ignored), `BEGIN IMMEDIATE` takes the write lock *before* the chain
head is read, so writers in other threads and processes queue instead of forking the chain,
and `seq` is the primary key, so two records can never claim the same place. The file must
live on a local disk (WAL needs shared memory; not NFS).

Records hold hashes and metadata, never content: `log.hash_text()` the prompt and the answer (an
HMAC under the project's key, see `keys.py`), and `append` refuses raw-looking values (see
`AuditContentError`). The chain proves no record inside the log changed; checkpoints kept outside
it (`checkpoint.py`) prove the log was not cut short or rolled back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _json_str  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, Literal

from ... import ENV_PREFIX
from ..errors import AuditContentError, AuditError, CursorMoved
from ..schema_migrations import Migration, migrate_sqlite
from ..sqlite_db import immediate_transaction
from .checkpoint import Checkpoint, append_checkpoint, signature_problem, signed
from .keys import KEY_FILE, KEYED_HASH, ContentHasher, hmac_pads, key_id, load_or_create_key, read_key

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
MAX_FIELD_CHARS = 256  # metadata fits; a pasted prompt or document does not
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# The canonical JSON of a record, keys in sorted order. `details` is spliced in as already
# canonical JSON text, so verifying does not re-parse it (a changed byte still changes the hash).
_CANONICAL = (
    '{"action":%s,"actor":%s,"decision":%s,"details":%s,"input_hash":%s,"model":%s,'
    '"output_hash":%s,"prev_hash":%s,"prompt_version":%s,"seq":%d,"ts":%s}'
)
_SELECT_ALL = (
    "SELECT seq, ts, actor, action, decision, model, prompt_version, input_hash, output_hash, details,"
    " prev_hash, hash FROM audit_records ORDER BY seq"
)
_INSERT = (
    "INSERT INTO audit_records (seq, ts, actor, action, decision, model, prompt_version, input_hash,"
    " output_hash, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_records (
    seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    decision TEXT NOT NULL, model TEXT NOT NULL, prompt_version TEXT NOT NULL,
    input_hash TEXT NOT NULL, output_hash TEXT NOT NULL, details TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_records_no_update BEFORE UPDATE ON audit_records
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: records cannot be updated'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_no_delete BEFORE DELETE ON audit_records
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: records cannot be deleted'); END;
"""
MIGRATIONS = (Migration(1, "audit records and meta, as of template 0.1.0", _SCHEMA),)


@dataclass(frozen=True, slots=True)
class Advance:
    """Move `source`'s cursor from `expected` to `to` in the same transaction as the append."""

    source: str
    expected: str | None
    to: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What a caller asserts; the log adds seq, ts and the chain hashes."""

    actor: str
    action: str
    decision: str
    model: str = ""
    prompt_version: str = ""
    input_hash: str = ""
    output_hash: str = ""
    details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    ts: str
    actor: str
    action: str
    decision: str
    model: str
    prompt_version: str
    input_hash: str
    output_hash: str
    details: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _Ticket:
    """One queued append waiting for a group commit."""

    entry: AuditEntry
    details_json: str
    record: AuditRecord | None = None
    error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """`records` = how many records verified before the first bad one (all of them when ok)."""

    ok: bool
    records: int
    first_bad: int | None
    reason: str


class AuditLog:
    """One SQLite file per log; safe to share between threads and processes."""

    def __init__(
        self,
        path: Path,
        *,
        hmac_key: bytes | None = None,
        hash_key: bytes | None = None,
        durability: Literal["full", "normal"] = "full",
        checkpoint_file: Path | None = None,
        checkpoint_every: int = 1000,
    ) -> None:
        """`durability="full"` fsyncs every commit; `"normal"` survives process crashes but may
        lose the last commits on power loss (the chain stays intact either way). `hash_key` keys
        `hash_text` and signs checkpoints of an unkeyed chain; without one, a random key is kept
        next to the log (`audit_hash.key`), created the first time it is needed. With
        `checkpoint_file`, the head is checkpointed there every `checkpoint_every` records this
        object writes and on `close()`."""
        self.path = Path(path)
        self._key = hmac_key or None
        self._scheme = "hmac-sha256" if self._key else "sha256"
        self._key_id = key_id(self._key) if self._key else ""
        self._hmac_pads = hmac_pads(self._key) if self._key else None
        self._hash_key = hash_key or None
        self._hasher: ContentHasher | None = None
        self._checkpoint_file = checkpoint_file
        self._checkpoint_every = max(1, checkpoint_every)
        self._unchecked = 0  # records committed here since the last automatic checkpoint
        self._synchronous = {"full": "FULL", "normal": "NORMAL"}[durability]
        self._lock = threading.Lock()  # one writer per object; other objects and processes wait in SQLite
        self._queue_lock = threading.Lock()
        self._queue: list[_Ticket] = []
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    # -- writing -------------------------------------------------------------------------------

    def append(
        self,
        *,
        actor: str,
        action: str,
        decision: str,
        model: str = "",
        prompt_version: str = "",
        input_hash: str = "",
        output_hash: str = "",
        details: dict[str, Any] | None = None,
    ) -> AuditRecord:
        """Append one record; returns once it is committed (and fsynced with durability="full").

        Group commit: threads appending through the same AuditLog at the same time share one
        transaction. Whoever takes the writer lock commits every record queued so far, so under
        load one fsync serves many callers instead of each waiting for its own.
        """
        entry = AuditEntry(actor, action, decision, model, prompt_version, input_hash, output_hash, details)
        ticket = _Ticket(entry, _canonical_details(entry))
        with self._queue_lock:
            self._queue.append(ticket)
        with self._lock:
            if ticket.record is None and ticket.error is None:  # nobody committed it for us
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                try:
                    records = self._commit([(queued.entry, queued.details_json) for queued in batch])
                except BaseException as error:
                    for queued in batch:
                        queued.error = error
                else:
                    for queued, record in zip(batch, records, strict=True):
                        queued.record = record
        if isinstance(ticket.error, AuditError):
            raise AuditError(str(ticket.error)) from ticket.error
        if ticket.error is not None:
            raise AuditError(f"audit log {self.path}: append failed: {ticket.error}") from ticket.error
        assert ticket.record is not None
        return ticket.record

    def append_many(self, entries: Iterable[AuditEntry], *, advance: Advance | None = None) -> list[AuditRecord]:
        """Batch mode: all entries in one transaction and one fsync; all are written or none.

        With `advance`, the records and a per-source cursor commit together (compare-and-set:
        `CursorMoved` if the cursor is no longer `advance.expected`), so a feeder that retries
        after a crash (an outbox drain) appends each entry exactly once.
        """
        prepared = [(entry, _canonical_details(entry)) for entry in entries]
        with self._lock:
            return self._commit(prepared, advance)

    def cursor(self, source: str) -> str | None:
        """Where `source` last advanced to (None: never)."""
        conn = self._reader()
        if conn is None:
            return None
        with closing(conn):
            row = conn.execute("SELECT value FROM audit_meta WHERE key = ?", (f"cursor:{source}",)).fetchone()
        return None if row is None else row[0]

    def _commit(self, prepared: list[tuple[AuditEntry, str]], advance: Advance | None = None) -> list[AuditRecord]:
        """Chain and insert validated entries in one transaction; the caller holds `self._lock`."""
        with self._write() as conn:
            if advance is not None:
                key = f"cursor:{advance.source}"
                row = conn.execute("SELECT value FROM audit_meta WHERE key = ?", (key,)).fetchone()
                if (row[0] if row else None) != advance.expected:
                    raise CursorMoved(f"audit cursor {advance.source!r} moved past {advance.expected!r}")
                conn.execute(
                    "INSERT INTO audit_meta (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, advance.to),
                )
            seq, prev = _read_head(conn)
            records, rows = [], []
            ts = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            for entry, details_json in prepared:
                seq += 1
                row = (
                    seq, ts, entry.actor, entry.action, entry.decision, entry.model,
                    entry.prompt_version, entry.input_hash, entry.output_hash, details_json, prev,
                )  # fmt: skip
                prev = self._digest(row)
                rows.append((*row, prev))
                records.append(AuditRecord(*row[:9], json.loads(details_json), row[10], prev))
            conn.executemany(_INSERT, rows)
            self._set_head(conn, seq, prev)
        self._unchecked += len(records)
        if self._checkpoint_file is not None and self._unchecked >= self._checkpoint_every:
            self._write_checkpoint(seq, prev)
        return records

    def close(self) -> None:
        """Checkpoint the head if this object wrote records since the last one; close the connection."""
        with self._lock:
            if self._checkpoint_file is not None and self._unchecked:
                try:
                    head = self.head()
                except (AuditError, sqlite3.DatabaseError) as error:
                    log.warning("audit checkpoint not written on close: %s", error)
                else:
                    self._write_checkpoint(head.seq, head.hash)
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def _write_checkpoint(self, seq: int, hash_: str) -> None:
        """Best effort: the records are committed already, so a full disk here must not fail the append."""
        assert self._checkpoint_file is not None
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            checkpoint = signed(self._checkpoint_key(create=True) or b"", seq, hash_, now)
            append_checkpoint(self._checkpoint_file, checkpoint)
        except (OSError, ValueError) as error:
            log.warning("audit checkpoint of record %d not written to %s: %s", seq, self._checkpoint_file, error)
            return
        self._unchecked = 0

    # -- reading -------------------------------------------------------------------------------

    def records(self) -> Iterator[AuditRecord]:
        """Every record in chain order, streamed from its own read snapshot (writers go on)."""
        conn = self._reader()
        if conn is None:
            return
        with closing(conn):
            for row in conn.execute(_SELECT_ALL):
                yield AuditRecord(*row[:9], json.loads(row[9]), row[10], row[11])

    def open(self) -> None:
        """Open the log's database now, creating or migrating its schema, rather than at the first append."""
        with self._lock:
            self._connect()

    def head(self) -> Checkpoint:
        """The current chain head (unsigned); `checkpoint()` signs it for keeping elsewhere."""
        conn = self._reader()
        if conn is None:
            return Checkpoint(0, GENESIS_HASH)
        with closing(conn):
            return Checkpoint(*_read_head(conn))

    def checkpoint(self) -> Checkpoint:
        """The head, timestamped and signed: keep it outside this file (see `checkpoint.py`)."""
        head = self.head()
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return signed(self._checkpoint_key(create=True) or b"", head.seq, head.hash, now)

    def hash_text(self, text: str) -> str:
        """Keyed fingerprint of content (`hmac-sha256:<hex>`) for `input_hash`, `output_hash` and details.

        Proves what was sent to whoever holds the project's key, and nothing to anyone guessing.
        """
        if self._hasher is None:
            self._hasher = ContentHasher(self._hash_key or load_or_create_key(self.path.parent / KEY_FILE))
        return self._hasher(text)

    def verify(self, *, checkpoints: Iterable[Checkpoint] = ()) -> VerifyResult:
        """Recompute the chain; report the first record that was modified, deleted, inserted or moved.

        Checkpoints taken earlier (and kept outside this file) also catch a cut-off tail, an
        emptied or deleted log, and a log rewritten from some record on (a fork).
        """
        known = sorted(checkpoints, key=lambda checkpoint: checkpoint.seq)
        key = self._checkpoint_key(create=False)
        for checkpoint in known:
            problem = signature_problem(checkpoint, key)
            if problem:
                return VerifyResult(False, 0, None, problem)
        expected = known[-1] if known else None
        try:
            conn = self._reader()
            if conn is None:
                if expected and expected.seq > 0:
                    reason = f"audit log {self.path} is missing or empty, but {expected.label} says it held records"
                    return _fail(0, 1, reason)
                return VerifyResult(True, 0, None, f"no audit log at {self.path} yet (0 records)")
            with closing(conn):
                conn.execute("BEGIN")  # one consistent snapshot while writers go on
                return self._verify_chain(conn, known)
        except AuditError as error:
            return VerifyResult(False, 0, None, str(error))
        except sqlite3.DatabaseError as error:
            return VerifyResult(False, 0, None, f"audit log is not a readable SQLite database: {self.path}: {error}")

    def _verify_chain(self, conn: sqlite3.Connection, checkpoints: list[Checkpoint]) -> VerifyResult:
        problem = self._scheme_problem(conn)
        if problem:
            return VerifyResult(False, 0, None, problem)
        at = {checkpoint.seq: checkpoint for checkpoint in checkpoints}
        good, prev = 0, GENESIS_HASH
        for row in conn.execute(_SELECT_ALL):
            seq, expected = row[0], good + 1
            if seq != expected:
                return _fail(good, min(seq, expected), f"record {expected} is missing or out of place (found {seq})")
            if row[10] != prev:
                return _fail(good, seq, f"record {seq}: prev_hash does not link to record {seq - 1}")
            if not hmac.compare_digest(self._digest(row[:11]), row[11]):
                return _fail(good, seq, f"record {seq}: content does not match its hash (modified or forged)")
            if seq in at and row[11] != at[seq].hash:
                return _fail(good, seq, f"record {seq} differs from {at[seq].label}: the log was rewritten from there")
            prev, good = row[11], seq
        head = _read_head(conn)
        if head != (good, prev):
            return _fail(good, good + 1, f"log ends at record {good} but its head says {head[0]}: truncated")
        if checkpoints and checkpoints[-1].seq > good:
            reason = f"log ends at record {good}, before {checkpoints[-1].label}: truncated or rolled back"
            return _fail(good, good + 1, reason)
        return VerifyResult(True, good, None, f"{good} records verified ({self._scheme})")

    # -- internals -----------------------------------------------------------------------------

    def _digest(self, row: tuple[Any, ...]) -> str:
        seq, ts, actor, action, decision, model, pv, ih, oh, details, prev = row
        text = _CANONICAL % (
            _json_str(action), _json_str(actor), _json_str(decision), details, _json_str(ih),
            _json_str(model), _json_str(oh), _json_str(prev), _json_str(pv), seq, _json_str(ts),
        )  # fmt: skip
        if self._hmac_pads is None:
            return hashlib.sha256(text.encode("ascii")).hexdigest()
        inner, outer = self._hmac_pads[0].copy(), self._hmac_pads[1].copy()
        inner.update(text.encode("ascii"))
        outer.update(inner.digest())
        return outer.hexdigest()  # == hmac.new(key, text, "sha256").hexdigest(), twice as fast

    def _checkpoint_key(self, *, create: bool) -> bytes | None:
        """The chain's HMAC key when it has one, else the content key (never created to verify)."""
        if self._key or self._hash_key:
            return self._key or self._hash_key
        path = self.path.parent / KEY_FILE
        return load_or_create_key(path) if create else read_key(path)

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # never reuse a connection across fork
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None, check_same_thread=False)
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError as error:
                conn.close()
                raise AuditError(f"audit log is not a readable SQLite database: {self.path}: {error}") from error
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
            try:
                with immediate_transaction(conn):
                    migrate_sqlite(conn, "audit", MIGRATIONS)
                    # Once per connection: the scheme is fixed when the log is created, and verify
                    # re-checks it, so a later swap is caught there rather than on every append.
                    self._check_scheme(conn)
            except BaseException:
                conn.close()
                raise
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _reader(self) -> sqlite3.Connection | None:
        """A separate connection for reading, so a long verify never holds this object's lock."""
        if not self.path.exists():
            return None
        conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        try:
            found = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audit_records'").fetchone()[0]
        except sqlite3.DatabaseError as error:
            conn.close()
            raise AuditError(f"audit log is not a readable SQLite database: {self.path}: {error}") from error
        if found == 0:
            conn.close()  # created this instant by a writer, or emptied: either way no records yet
            return None
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with immediate_transaction(self._connect()) as conn:  # the write lock before reading the head
            yield conn

    def _scheme_problem(self, conn: sqlite3.Connection) -> str:
        meta = dict(conn.execute("SELECT key, value FROM audit_meta WHERE key IN ('scheme', 'key_id')"))
        scheme, key_id = meta.get("scheme", self._scheme), meta.get("key_id", self._key_id)
        if scheme == self._scheme and key_id == self._key_id:
            return ""
        if scheme == "hmac-sha256" and not self._key:
            return f"audit log {self.path} is HMAC-keyed: set {ENV_PREFIX}AUDIT_HMAC_KEY to append or verify"
        if scheme == "sha256":
            return f"audit log {self.path} is not HMAC-keyed but a key was given (downgraded or created without one)"
        return f"audit log {self.path}: {ENV_PREFIX}AUDIT_HMAC_KEY is not the key this log was created with"

    def _check_scheme(self, conn: sqlite3.Connection) -> None:
        problem = self._scheme_problem(conn)
        if problem:
            raise AuditError(problem)
        conn.executemany(
            "INSERT INTO audit_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            [("scheme", self._scheme), ("key_id", self._key_id)],
        )

    def _set_head(self, conn: sqlite3.Connection, seq: int, hash_: str) -> None:
        conn.execute(
            "INSERT INTO audit_meta (key, value) VALUES ('head', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (f"{seq}:{hash_}",),
        )


def _read_head(conn: sqlite3.Connection) -> tuple[int, str]:
    row = conn.execute("SELECT value FROM audit_meta WHERE key = 'head'").fetchone()
    if row is None:
        return 0, GENESIS_HASH
    seq, _, hash_ = row[0].partition(":")
    return int(seq), hash_


def _fail(good: int, bad: int, reason: str) -> VerifyResult:
    return VerifyResult(False, good, bad, reason)


def check_entry(entry: AuditEntry) -> None:
    """Refuse an entry `append` would refuse, before it is queued somewhere to be appended later."""
    _canonical_details(entry)


def _canonical_details(entry: AuditEntry) -> str:
    """Validate an entry (no raw content, no emails) and return its details as canonical JSON."""
    for name in ("actor", "action", "decision", "model", "prompt_version"):
        _check_value(name, getattr(entry, name))
    if not entry.actor or not entry.action or not entry.decision:
        raise AuditContentError("audit log: actor, action and decision must not be empty")
    for name in ("input_hash", "output_hash"):
        value = getattr(entry, name)
        if value and not (isinstance(value, str) and KEYED_HASH.fullmatch(value)):
            raise AuditContentError(
                f"audit log: {name} must be '' or 'hmac-sha256:<64 hex>' from log.hash_text(); raw text and"
                " unkeyed hashes are never stored"
            )
    details = entry.details or {}
    _check_details("details", details)
    try:
        return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise AuditContentError(f"audit log: details must be plain JSON values ({error})") from error


def _check_details(where: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _check_value(f"{where} key", key)
            _check_details(f"{where}[{key!r}]", item)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_details(f"{where}[{index}]", item)
    elif isinstance(value, str):
        _check_value(where, value)


def _check_value(where: str, value: object) -> None:
    if not isinstance(value, str):
        raise AuditContentError(f"audit log: {where} must be a string, got {type(value).__name__}")
    if len(value) > MAX_FIELD_CHARS:
        raise AuditContentError(
            f"audit log: {where} is {len(value)} characters (max {MAX_FIELD_CHARS}); store hash_text(value) instead"
        )
    if _EMAIL.search(value):
        raise AuditContentError(f"audit log: {where} contains an email address; store an id or hash_text(value)")
