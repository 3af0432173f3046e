"""The audit trail: who decided what, with which model and prompt, when.

log.py    AuditLog: append-only, hash-chained (SHA-256 or HMAC-SHA-256) records in SQLite
"""
