"""The audit trail: who decided what, with which model and prompt, when.

log.py          AuditLog: append-only, hash-chained (SHA-256 or HMAC-SHA-256) records in SQLite
checkpoint.py   signed heads kept outside the log: a cut tail, an emptied or deleted log fails verify
keys.py         the per-project content key (keyed `hash_text`), key ids
"""
