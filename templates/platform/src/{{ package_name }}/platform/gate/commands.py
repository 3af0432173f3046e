"""`eval`, `shadow`, `gate` and `review`: the commands CI runs (and people run) to produce evidence.

make eval    -> var/evals/latest.{json,md,html}   golden set vs thresholds and baseline
make shadow  -> var/shadow/latest.{json,md}       candidate beside the current configuration
make gate    -> var/evidence/evidence.{json,md}   every control of the tier, pass/fail/waived
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..evals import SuiteResult
    from ..pattern import PatternHooks
    from ..runtime import Runtime
    from ..settings import Settings

Workers = Annotated[int, typer.Option(min=1, max=64, help="Cases answered in parallel")]


def add_gate_commands(
    app: typer.Typer,
    hooks: PatternHooks,
    *,
    open_runtime: Callable[[], Runtime],
    fail: Callable[[str], typer.Exit],
) -> None:
    @app.command("eval")
    def run_eval(
        dataset: Annotated[
            list[str] | None, typer.Option("--dataset", "-d", help="Only this dataset (repeatable)")
        ] = None,
        workers: Workers = 4,
        update_baseline: Annotated[
            bool, typer.Option(help="Accept this run as evals/baseline.json (commit it)")
        ] = False,
        model_graded: Annotated[
            bool, typer.Option(help="Add the model-graded groundedness metric (one call per case)")
        ] = False,
        fail_on_regression: Annotated[bool, typer.Option(help="Exit 1 on a missed threshold or a regression")] = False,
        pin: Annotated[
            list[str] | None, typer.Option(help="Serve prompt NAME@VERSION for this run (repeatable)")
        ] = None,
        replay: Annotated[
            Path | None, typer.Option(help="Answer recorded requests (JSONL) instead of the golden set")
        ] = None,
        out: Annotated[Path | None, typer.Option(help="Report folder (default: var/evals)")] = None,
    ) -> None:
        """Run the golden eval set, compare with thresholds and the baseline, write JSON/Markdown/HTML."""
        from ..evals import run_suite
        from ..evals.datasets import load_replay
        from ..progress import progress_bar

        runtime = open_runtime()
        try:
            runtime.settings = _pinned(runtime, pin or [])
            datasets = [load_replay(replay)] if replay else None
            with progress_bar("eval", "cases") as advance:
                result = run_suite(
                    runtime,
                    hooks.predict,
                    datasets=datasets,
                    names=dataset or None,
                    workers=workers,
                    model_graded=model_graded,
                    out_dir=out,
                    update_baseline=update_baseline,
                    progress=advance,
                )
        except ConfigError as error:
            raise fail(str(error)) from error
        finally:
            runtime.close()
        _print_eval(result, update_baseline)
        if result.run.errors:
            first = next(r for r in result.run.results if r.error)
            raise fail(f"{result.run.errors} eval case(s) crashed; first: {first.case.id}: {first.error}")
        if fail_on_regression and (not result.thresholds_met or result.regressions):
            raise fail("eval thresholds missed or metrics regressed (see above)")

    @app.command()
    def shadow(
        candidate: Annotated[Path | None, typer.Option(help="Candidate YAML (name, prompts, settings, env)")] = None,
        replay: Annotated[Path | None, typer.Option(help="JSONL of recorded requests instead of the eval set")] = None,
        workers: Workers = 4,
        out: Annotated[Path | None, typer.Option(help="Report folder (default: var/shadow)")] = None,
    ) -> None:
        """Run a candidate configuration beside the current one; compare quality, latency and cost."""
        from ..evals.shadow import load_candidate, run_shadow, write_report
        from ..progress import progress_bar

        runtime = open_runtime()
        try:
            chosen = load_candidate(candidate) if candidate else None
            with progress_bar("shadow: reference, candidate", "runs") as advance:
                report = run_shadow(
                    runtime, hooks.predict, candidate=chosen, replay=replay, workers=workers, progress=advance
                )
        except (ConfigError, ValueError) as error:
            raise fail(str(error).splitlines()[0]) from error
        finally:
            runtime.close()
        paths = write_report(report, out or runtime.settings.path(runtime.settings.data_dir) / "shadow")
        regressions = report["quality"]["regressions"]
        typer.echo(
            f"shadow: {report['candidate']['name']} on {report['cases']} cases ({report['mode']}): "
            f"{report['verdict']}{': ' + ', '.join(regressions) if regressions else ''}; "
            f"p95 {report['latency']['reference_p95_s']} -> {report['latency']['candidate_p95_s']} s; "
            f"cost/case {report['cost']['reference_per_case_usd']} -> {report['cost']['candidate_per_case_usd']} USD"
        )
        typer.echo(f"  report {paths['md']}")

    @app.command()
    def gate(
        out: Annotated[Path | None, typer.Option(help="Evidence folder (default: var/evidence)")] = None,
    ) -> None:
        """Evaluate the risk-tier policies and write the evidence bundle; exit 1 naming each failing control."""
        from . import run_gate

        try:
            from ..settings import get_settings

            result = run_gate(get_settings(), out_dir=out)
        except ConfigError as error:
            raise fail(str(error)) from error
        for line in control_lines(result.controls, result.warnings):
            typer.echo(line)
        if result.failing:
            raise fail(f"gate failed at {result.tier} tier: {', '.join(c.id for c in result.failing)}")
        waived = [c.id for c in result.controls if c.status == "waived"]
        typer.echo(
            f"gate: pass at {result.tier} tier ({len(result.controls)} controls"
            f"{', waived: ' + ', '.join(waived) if waived else ''})"
        )

    @app.command()
    def review(
        reviewer: Annotated[str, typer.Option(help="Your handle as listed in the owners, e.g. @alice")],
        key: Annotated[
            Path | None,
            typer.Option(
                help="SSH key to sign with: a private key, or a public key whose private half ssh-agent holds"
                " (default: REVIEW_SIGNING_KEY, then git config user.signingkey)",
                envvar="REVIEW_SIGNING_KEY",
            ),
        ] = None,
        decision: Annotated[str, typer.Option(help="approved | changes_requested")] = "approved",
        note: Annotated[str, typer.Option(help="What you checked")] = "",
    ) -> None:
        """Sign your review of the commit checked out now into docs/reviews/ (the high tier needs two owners)."""
        from ..governance import read_governance
        from ..settings import get_settings
        from .git import run_git
        from .reviews import project_owners, write_review

        settings = get_settings()
        root = settings.project_root
        if key is None:
            configured = (run_git(root, "config", "user.signingkey") or "").strip()
            if not configured:
                raise fail("reviews are signed: pass --key ~/.ssh/id_ed25519 (or set git config user.signingkey)")
            key = Path(configured).expanduser()
        governance = read_governance(settings.path(settings.governance_file))
        if governance.error and not governance.owners:
            raise fail(f"governance.yml cannot be read: {governance.error}")
        owners = project_owners(root, governance.owners)
        try:
            path = write_review(
                root, reviewer=reviewer, key=key.expanduser(), owners=owners, decision=decision, note=note
            )
        except ValueError as error:
            raise fail(str(error)) from error
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        typer.echo(f"review signed: {shown} (+ .sig); commit both, nothing else, to keep it current")


def _pinned(runtime: Runtime, pins: list[str]) -> Settings:
    """Settings serving the pinned prompt versions (`answer@1.1.0`); checked before any case runs."""
    from ..assets import load_prompt

    chosen = {}
    for pin in pins:
        name, _, version = pin.partition("@")
        if not name or not version:
            raise ConfigError(f"--pin {pin!r}: use NAME@VERSION, e.g. answer@1.1.0")
        chosen[name] = version
    if not chosen:
        return runtime.settings
    current = getattr(runtime.settings, "prompt_versions", None) or {}
    settings = runtime.settings.model_copy(update={"prompt_versions": {**current, **chosen}})
    for name in chosen:
        load_prompt(settings, name)
    return settings


def _print_eval(result: SuiteResult, update_baseline: bool) -> None:
    doc = result.document
    typer.echo(
        f"eval: {doc['cases_total']} cases from {len(doc['datasets'])} dataset(s) in {doc['duration_s']} s,"
        f" {doc['errors']} errors; provider {doc['provider']}, model {doc['model']}"
    )
    for check in doc["thresholds"]:
        if not check["passed"]:
            typer.echo(f"  threshold missed: {check['key']} = {check['value']} ({check['bound']} {check['threshold']})")
    for comparison in doc["baseline"]["comparisons"]:
        if comparison["regressed"]:
            typer.echo(f"  regressed: {comparison['metric']} {comparison['baseline']} -> {comparison['value']}")
    if update_baseline:
        baseline = "baseline updated"
    else:
        baseline = "no regression" if not result.regressions else f"{len(result.regressions)} regression(s)"
    typer.echo(
        f"  thresholds {'met' if result.thresholds_met else 'MISSED'}; {baseline}; report {result.paths['html']}"
    )


def control_lines(controls: list[Any], warnings: list[dict[str, str]]) -> list[str]:
    """One line per control: FAIL, waived, warn (passed, with something to look at) or pass."""
    warned: dict[str, list[str]] = {}
    for warning in warnings:
        warned.setdefault(warning["control"], []).append(warning["message"])
    width = max((len(control.id) for control in controls), default=0)
    lines = []
    for control in controls:
        notes = warned.pop(control.id, [])
        status = "warn" if control.status == "pass" and notes else control.status
        label = {"pass": "pass  ", "fail": "FAIL  ", "waived": "waived", "warn": "warn  "}[status]
        detail = "; ".join(control.messages or notes) if status != "pass" else control.title
        lines.append(f"  {label} {control.id:<{width}}  {detail}")
    lines += [f"  warn   {name:<{width}}  {'; '.join(notes)}" for name, notes in warned.items()]
    return lines
