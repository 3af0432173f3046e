"""The project's command line: platform commands every pattern gets.

A pattern's `cli.py` calls `build_cli(hooks)` and adds its own commands, so
`serve`, `demo`, `eval`, `gate`, `audit verify` and `cost report` look the same in
every generated project.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup, TyperOption

from .. import ENV_PREFIX, PROJECT_SLUG
from .errors import ConfigError
from .gate.commands import add_gate_commands

if TYPE_CHECKING:  # imported by the commands that need them: `--help` loads typer and nothing heavy
    from .pattern import PatternHooks
    from .runtime import Runtime

SLO_RULES = Path("var/prometheus/slo-rules.yml")  # generated, like every file in var/


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one red line on stderr and return the Exit to raise."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def open_runtime() -> Runtime:
    """Build the runtime, turning configuration mistakes into one readable line."""
    try:
        from .runtime import Runtime  # imported when a command needs it: `--help` stays fast
        from .settings import get_settings

        return Runtime.from_settings(get_settings())
    except (ConfigError, ValueError) as error:
        raise fail(str(error).splitlines()[0]) from error


def log_to_file() -> None:
    """Library warnings and log records (pypdf's "incorrect startxref", ...) go to var/logs/cli.log, not the terminal.

    Commands print what the user needs; anything a dependency has to say is kept for whoever debugs it.
    """
    import logging
    import os

    folder = Path(os.environ.get(f"{ENV_PREFIX}DATA_DIR", "var")) / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(folder / "cli.log", encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()  # a read-only checkout: drop them rather than print them
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)
    logging.captureWarnings(True)


class CommandGroup(TyperGroup):
    """A command group whose `--help` flag reads False when it is not given, as a flag should.

    Typer leaves an absent flag at None and builds a pydantic validator to coerce that None, so
    every subcommand (`<slug> ask --help`) imported pydantic just to learn the group's own
    `--help` was not given (0.1-0.2 s). A flag that already holds a bool is taken as it is.
    """

    def get_help_option(self, ctx: typer.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False
        return option


def command_group(help: str) -> typer.Typer:
    """A group of subcommands (`audit verify`, `cost report`) that starts as fast as the top level."""
    return typer.Typer(help=help, cls=CommandGroup, no_args_is_help=True)


def build_cli(hooks: PatternHooks) -> typer.Typer:
    app = typer.Typer(name=PROJECT_SLUG, cls=CommandGroup, no_args_is_help=True, add_completion=False)

    @app.callback()
    def _every_command() -> None:
        log_to_file()

    audit = command_group("Inspect the hash-chained audit log.")
    cost = command_group("Spend against the budget in governance.yml.")
    slo = command_group("Service level objectives (slo.yml) and their alert rules.")
    app.add_typer(audit, name="audit")
    app.add_typer(cost, name="cost")
    app.add_typer(slo, name="slo")

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    ) -> None:
        """Run the HTTP API (FastAPI + uvicorn); SIGTERM drains in-flight requests, then exits."""
        from .serving import serve as run_server

        runtime = open_runtime()  # fail fast on bad configuration, before binding a port
        drain_s = runtime.settings.shutdown_drain_s
        runtime.close()
        run_server(hooks.create_app(), host=host, port=port, drain_s=drain_s)

    @app.command()
    def demo() -> None:
        """Show the pattern working end to end, offline."""
        runtime = open_runtime()
        try:
            hooks.demo(runtime)
        finally:
            runtime.close()

    @app.command()
    def check() -> None:
        """Validate settings, governance.yml, pricing and guard configuration."""
        from .gate.repo_facts import skipped_template_changes

        runtime = open_runtime()
        typer.echo(f"ok: {runtime.governance.feature} ({runtime.governance.risk_tier} tier) configuration is valid")
        for line in skipped_template_changes(runtime.settings.project_root):
            typer.secho(f"warning: {line}", fg=typer.colors.YELLOW, err=True)
        runtime.close()

    @app.command()
    def migrate() -> None:
        """Bring every database of this project to its newest schema (start-up does it too); print each store."""
        from .schema_migrations import RESULTS

        runtime = open_runtime()
        try:
            runtime.audit.open()
            if hooks.open_stores is not None:
                hooks.open_stores(runtime)
        finally:
            runtime.close()
        for result in RESULTS:
            typer.echo(result.line())

    @audit.command("verify")
    def audit_verify(
        checkpoint: Annotated[
            list[Path] | None,
            typer.Option(help="Also verify against the checkpoints in this file (JSONL; repeatable)"),
        ] = None,
    ) -> None:
        """Check the hash chain against every known checkpoint; exit 1 naming the first problem.

        Checkpoints in the project's checkpoint file (var/audit-checkpoints.jsonl) always count.
        """
        from .audit.checkpoint import read_checkpoints

        runtime = open_runtime()
        try:
            files = [runtime.checkpoint_file, *(checkpoint or [])]
            try:
                known = [found for path in files for found in read_checkpoints(path)]
            except (OSError, ValueError) as error:
                raise fail(str(error)) from error
            missing = [str(path) for path in checkpoint or [] if not path.is_file()]
            if missing:
                raise fail(f"checkpoint file not found: {', '.join(missing)}")
            result = runtime.audit.verify(checkpoints=known)
        finally:
            runtime.close()
        if not result.ok:
            where = f"record {result.first_bad}: " if result.first_bad is not None else ""
            raise fail(f"audit log does not verify: {where}{result.reason}")
        typer.echo(f"ok: audit log verified, {result.records} records, against {len(known)} checkpoint(s)")

    @audit.command("checkpoint")
    def audit_checkpoint(
        out: Annotated[
            Path | None, typer.Option(help="Also append the checkpoint to this file (keep it outside the log's host)")
        ] = None,
    ) -> None:
        """Print the signed head of the audit log (sequence, hash, time) and keep it in the checkpoint file."""
        from .audit.checkpoint import append_checkpoint, read_checkpoints

        runtime = open_runtime()
        try:
            try:
                known = read_checkpoints(runtime.checkpoint_file)
            except (OSError, ValueError) as error:
                raise fail(str(error)) from error
            result = runtime.audit.verify(checkpoints=known)
            if not result.ok:
                raise fail(f"audit log does not verify, no checkpoint taken: {result.reason}")
            head = runtime.audit.checkpoint()
            for path in [runtime.checkpoint_file, *([out] if out else [])]:
                append_checkpoint(path, head)
        finally:
            runtime.close()
        typer.echo(head.to_json())

    @cost.command("report")
    def cost_report(
        out: Annotated[Path, typer.Option(help="Folder for the HTML report")] = Path("var/reports"),
    ) -> None:
        """Print spend per feature and write an HTML report with a spend chart."""
        from .budget.cost_report import render_cost_report

        runtime = open_runtime()
        table, html = render_cost_report(runtime.budget.ledger, runtime.governance.budget, out)
        typer.echo(table)
        typer.echo(f"report: {html}")

    @cost.command("export")
    def cost_export(
        out: Annotated[Path, typer.Option(help="Folder for cost-export.json")] = Path("var/reports"),
    ) -> None:
        """Write spend per feature per month and the month-end projection as JSON (the fleet scorecard reads it)."""
        from .budget.cost_report import export_costs

        runtime = open_runtime()
        try:
            path = export_costs(runtime.budget, out)
        finally:
            runtime.close()
        typer.echo(f"wrote {path}")

    @slo.command("rules")
    def slo_rules(
        out: Annotated[Path, typer.Option(help="Rules file to write")] = SLO_RULES,
    ) -> None:
        """Write the Prometheus burn-rate alert rules generated from slo.yml (the local stack loads them)."""
        from .observability.slo import load_slo, render_rules

        try:
            rules = render_rules(load_slo(Path("slo.yml")))
        except ConfigError as error:
            raise fail(str(error)) from error
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(rules, encoding="utf-8")
        typer.echo(f"wrote {out}")

    add_gate_commands(app, hooks, open_runtime=open_runtime, fail=fail)
    if (Path(__file__).parent / "academy").is_dir():  # generated with academy: true
        from .academy.commands import add_lab_commands

        add_lab_commands(app, hooks, open_runtime=open_runtime, fail=fail)
    return app
