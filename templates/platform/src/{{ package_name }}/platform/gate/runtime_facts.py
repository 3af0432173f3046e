"""Facts the gate reads from a live runtime: running guards, spend against budget, the audit log.

The gate builds the same `Runtime` the service builds, so "guards on" means the pipelines that
actually run, not only the names in governance.yml, and the audit log is verified with the key
the service would use.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..governance import Audit, Budget, Governance, Guards
from ..settings import Settings
from .repo_facts import entry, shown

if TYPE_CHECKING:
    from ..runtime import Runtime

# A model call's record must say who asked, which model and prompt answered, and what went in and out.
MODEL_CALL_FIELDS = ("actor", "model", "prompt_version", "input_hash", "output_hash", "decision")
STEP_FIELDS = ("actor", "action", "decision")
_SHOWN_INCOMPLETE = 5


def open_runtime(settings: Settings, governance: Governance | None) -> tuple[Runtime | None, str | None]:
    if governance is None:
        return None, "governance.yml does not load"
    from ..runtime import Runtime

    try:
        return Runtime(settings, governance), None
    except Exception as error:  # noqa: BLE001 - reported through the controls that need the runtime
        return None, str(error).splitlines()[0]


def guard_facts(guards: Guards | None, runtime: Runtime | None, runtime_error: str | None) -> dict[str, Any]:
    active_in = list(runtime.input_guards.names) if runtime else []
    active_out = list(runtime.output_guards.names) if runtime else []
    return {
        "configured_input": list(guards.input) if guards else [],
        "configured_output": list(guards.output) if guards else [],
        "active_input": active_in,
        "active_output": active_out,
        "error": runtime_error,
        "evidence": [entry("governance.yml", f"running input {active_in or '-'}, output {active_out or '-'}")],
    }


def budget_facts(budget: Budget | None, runtime: Runtime | None, runtime_error: str | None) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "set": budget is not None,  # both limits validated > 0
        "monthly_usd": budget.monthly_usd if budget else 0,
        "daily_usd": budget.daily_usd if budget else 0,
        "month_to_date_usd": 0.0,
        "today_usd": 0.0,
        "projected_month_end_usd": 0.0,
        "error": None if runtime else runtime_error,
    }
    if runtime is not None:
        try:
            total = runtime.budget.projection()["total"]
            facts["month_to_date_usd"] = total["month_to_date_usd"]
            facts["projected_month_end_usd"] = total["projected_month_end_usd"]
            facts["today_usd"] = _spent_today(runtime)
        except Exception as error:  # noqa: BLE001 - an unreadable ledger fails low.budget_headroom
            facts["error"] = f"{type(error).__name__}: {error}"
    figure = (
        f"{facts['month_to_date_usd']:.4f} of {facts['monthly_usd']} USD this month, {facts['today_usd']:.4f}"
        f" of {facts['daily_usd']} today, projected {facts['projected_month_end_usd']:.2f}"
    )
    facts["evidence"] = [entry("var/cost_ledger.sqlite3", figure)]
    return facts


def _spent_today(runtime: Runtime) -> float:
    from ..budget.cost_ledger import TOTAL, day_key

    return runtime.budget.ledger.spent_nano(TOTAL, day_key(datetime.now(UTC))) / 1_000_000_000


def audit_facts(
    audit: Audit | None, settings: Settings, runtime: Runtime | None, runtime_error: str | None
) -> dict[str, Any]:
    """Is the log on, keyed, intact, and does every record carry the fields a decision needs?"""
    enabled, hmac = (audit.enabled, audit.hmac) if audit else (False, False)
    key_source = "settings" if settings.audit_hmac_key.get_secret_value() else "none"
    if key_source == "none" and hmac and settings.mode == "local":
        key_source = "local-development-default"  # the runtime's offline key; production refuses to start without one
    facts: dict[str, Any] = {
        "enabled": enabled,
        "hmac": hmac,
        "key_source": key_source,
        "error": None if runtime else runtime_error,
        "verify": {"ok": False, "records": 0, "first_bad": None, "reason": "not checked"},
        "decision_records": 0,
        "incomplete_records": [],
        "checkpoints_known": 0,
        "checkpoint": None,
    }
    if runtime is not None:
        _verify(runtime, facts)
        if facts["verify"]["ok"]:
            _check_records(runtime, facts)
    path = settings.path(settings.data_dir) / "audit.sqlite3"
    figure = f"{facts['verify']['reason']}; {facts['decision_records']} decision records; key {key_source}"
    facts["evidence"] = [entry(shown(settings.project_root, path), figure)]
    return facts


def _verify(runtime: Runtime, facts: dict[str, Any]) -> None:
    """Verify the chain against every checkpoint kept for this log; checkpoint the head it verified.

    The new checkpoint goes into the evidence bundle (which CI keeps) and the checkpoint file, so
    the next gate run fails if the log was cut short, emptied, deleted or rewritten in between.
    """
    from ..audit.checkpoint import append_checkpoint, read_checkpoints

    try:
        known = read_checkpoints(runtime.checkpoint_file)
    except (OSError, ValueError) as error:
        facts["verify"] = {"ok": False, "records": 0, "first_bad": None, "reason": str(error)}
        return
    result = runtime.audit.verify(checkpoints=known)
    facts["verify"] = {"ok": result.ok, "records": result.records, "first_bad": result.first_bad}
    facts["verify"]["reason"] = f"{result.reason}; {len(known)} checkpoint(s) known" if known else result.reason
    facts["checkpoints_known"] = len(known)
    if result.ok and result.records:
        head = runtime.audit.checkpoint()
        append_checkpoint(runtime.checkpoint_file, head)
        facts["checkpoint"] = json.loads(head.to_json())


def _check_records(runtime: Runtime, facts: dict[str, Any]) -> None:
    for record in runtime.audit.records():
        facts["decision_records"] += 1
        model_call = record.action.endswith(".complete") and not record.decision.startswith("refused")
        missing = [name for name in (MODEL_CALL_FIELDS if model_call else STEP_FIELDS) if not getattr(record, name)]
        if missing and len(facts["incomplete_records"]) < _SHOWN_INCOMPLETE:
            facts["incomplete_records"].append({"seq": record.seq, "action": record.action, "missing": missing})
