"""Every exception the platform raises on purpose, under one root: `PlatformError`.

A message is the line a person reads: it names the setting, file, control or route at fault
and, where it can, what to do next. Library code raises; the CLI prints one line and exits 1,
the API answers `{"error": ..., "detail": ...}` (see `api.py`). Catch `PlatformError` to handle
them all; a bare `Exception` from platform code is a bug.

    PlatformError
    ├── ConfigError          a setting, governance.yml or a policy file is wrong
    │   └── AssetError       a prompt, dataset or policy asset is missing or malformed
    │       └── DatasetError a dataset line or its metadata is malformed
    ├── ApiError             a request is refused (HTTP `status`, `code`); patterns subclass it
    │   ├── AuthError        missing or unknown key, missing scope, rate limit
    │   │   └── SessionRevoked   a reviewer's browser session ended: its client lost its key or scope
    │   └── NotFound         no such record, or not visible to the caller (404)
    ├── Refused              a control (guardrails, budget, gateway, ...) said no
    ├── BudgetExceeded       a hard budget limit would be crossed
    ├── AuditError           the audit log cannot be written as asked
    │   └── CursorMoved      another feeder advanced a source's cursor first (re-read and retry)
    ├── AuditContentError    a field looks like raw content; the audit log stores hashes only
    ├── ProviderError        one provider call failed (retried, then the next route is tried)
    ├── GatewayError         every route failed; the message lists each one and why
    ├── SchemaError          a database is newer than this code, or a schema migration failed
    └── ConstraintError      a unique or foreign-key constraint refused a database write
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .gateway.types import ErrorKind


class PlatformError(Exception):
    """The root of every error the platform raises on purpose."""


class ConfigError(PlatformError, ValueError):
    """A setting is wrong; the message names it and says what is accepted."""


class AssetError(ConfigError):
    """An asset file is missing or malformed; the message names the file and the field."""


class DatasetError(AssetError):
    """A dataset line or its metadata is malformed; the message names file and line."""


class ApiError(PlatformError):
    """A refused request: `status` is the HTTP status, `code` names the rule that refused it.

    Subclasses set `status` and `code`; the platform app turns any of them into the same JSON
    body (`{"error": code, "detail": ...}`), so no pattern registers its own handler.
    """

    status = 400
    code = "request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class AuthError(ApiError):
    """The caller is not let in: 401 (no or unknown key), 403 (missing scope), 429 (rate limit)."""

    code = "auth"

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


class SessionRevoked(AuthError):
    """A reviewer page session ended because its client was removed, re-keyed or lost the scope (401)."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, detail)


class NotFound(ApiError):
    """No such record, or one the caller may not see (the two look the same from outside)."""

    status = 404
    code = "not_found"


class Refused(PlatformError):
    """A control refused the request; `control` names it for the API and the audit log.

    `retry_after_s` set: the refusal is temporary (the API answers 429 with `Retry-After`).
    """

    def __init__(self, control: str, reason: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(f"{control}: {reason}")
        self.control = control
        self.reason = reason
        self.retry_after_s = retry_after_s


class BudgetExceeded(PlatformError, RuntimeError):
    """A hard limit would be crossed; the message names the governance setting that stopped it.

    `retry_after_s` set: spend leaves room, but calls in flight hold it; retrying later may fit.
    """

    def __init__(self, *, setting: str, feature: str, scope: str, message: str, retry_after_s: float | None = None):
        super().__init__(message)
        self.setting, self.feature, self.scope = setting, feature, scope
        self.retry_after_s = retry_after_s


class AuditError(PlatformError, RuntimeError):
    """The audit log cannot be written as asked (wrong key, inconsistent head, unreadable file)."""


class CursorMoved(AuditError):
    """Another writer advanced the source's cursor first; re-read it and append what is left."""


class AuditContentError(PlatformError, ValueError):
    """A field looks like raw content or PII; the audit log stores hashes and metadata only."""


class ProviderError(PlatformError):
    """A single provider call failed; the message must never contain credentials."""

    def __init__(self, kind: ErrorKind, detail: str, *, retry_after_s: float | None = None):
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.retry_after_s = retry_after_s


class GatewayError(PlatformError, RuntimeError):
    """Every route in the chain failed; the message lists each provider and why."""

    def __init__(self, message: str, failures: Sequence[str] = ()):
        super().__init__(message)
        self.failures = tuple(failures)


class RouteFailed(PlatformError):
    """One gateway route gave up; the message is the line that ends up in `GatewayError` (internal)."""


class MetadataError(PlatformError, ValueError):
    """Document metadata is missing or wrong; the message names the field and what is accepted."""


class ParseError(PlatformError, ValueError):
    """A document could not be read; the message says why, for the ingest report."""


class IngestDenied(PlatformError, PermissionError):
    """The caller may not write a document at this classification (or overwrite this one)."""


class RetrievalLeak(PlatformError, RuntimeError):
    """A backend returned a chunk the caller may not see; the request is refused, never answered."""

    control = "retrieval.clearance"


class SchemaError(PlatformError, RuntimeError):
    """A database's schema cannot be brought to this code's version; the message names the store."""


class ConstraintError(PlatformError):
    """A unique or foreign-key constraint refused a write (SQLite or PostgreSQL alike)."""


class LabFailed(PlatformError):
    """An academy lab check found work still to do (`lab check N`); the message says what."""
