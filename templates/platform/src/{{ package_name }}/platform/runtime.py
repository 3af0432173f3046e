"""The governed call path: one object that pattern code asks for a model answer.

`runtime.complete(...)` is the paved road: input guards, budget reservation, the
model gateway, output guards, audit record and telemetry happen in one call, in
that order, so a pattern cannot forget one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import ENV_PREFIX
from .audit.checkpoint import CHECKPOINT_FILE
from .audit.log import AuditLog, AuditRecord
from .budget import BudgetGuard, CostLedger, Pricing
from .budget.guard import input_token_bound
from .errors import BudgetExceeded, ConfigError, GatewayError, Refused
from .gateway import Completion, Gateway, Message, build_gateway
from .governance import Governance, load_governance
from .guardrails import GuardPipeline, PipelineResult, build_pipelines
from .guardrails.classifier import ClassifierCall
from .observability import semconv
from .observability.telemetry import Telemetry
from .settings import Settings, get_settings
from .storage import is_postgres

if TYPE_CHECKING:
    from .auth import Limiter
    from .rate_limit_postgres import PostgresRateLimiter

CLASSIFIER_FEATURE = "model_classifier"  # the budget feature and audit action of the guard's own model calls
# (actor, feature) whose text the guards are scanning: a guard's own model call is booked to them.
_SCREENING: ContextVar[tuple[str, str]] = ContextVar("screening", default=("guardrails", ""))


@dataclass(frozen=True)
class Review:
    """A pattern's own verdict on an answer that passed the output guards (citations, evidence).

    `decision` and `details` go into the call's audit record, so one record says what was asked,
    what came back and what the pattern made of it. `check` is the pattern's full result (e.g. a
    citation check): never audited, handed back on `GovernedAnswer.review` for the pattern to use.
    """

    decision: str
    details: dict[str, Any] = field(default_factory=dict)
    check: Any = None


@dataclass(frozen=True)
class GovernedAnswer:
    """What the caller gets back: the sanitized answer plus what the controls saw."""

    text: str
    completion: Completion
    input_verdict: PipelineResult
    output_verdict: PipelineResult
    cost_usd: float
    audit_seq: int
    notes: list[str] = field(default_factory=list)
    review: Review = field(default_factory=lambda: Review("answered"))

    @property
    def decision(self) -> str:
        return self.review.decision


class Runtime:
    """Platform services for one process, built once from settings + governance.yml."""

    def __init__(self, settings: Settings, governance: Governance, *, telemetry: Telemetry | None = None) -> None:
        self.settings = settings
        self.governance = governance
        self.input_guards, self.output_guards = build_pipelines(
            governance.guards, settings.path(settings.policies_dir), ask_classifier=self.ask_classifier
        )
        self.document_guards = self.input_guards.for_documents()  # retrieved text a pattern screens before use
        self.pricing = Pricing.load(settings.path(settings.policies_dir) / "pricing.yml")
        self.pricing.require(settings.model)
        self.pricing.require(governance.budget.degrade_to)
        if CLASSIFIER_FEATURE in (*self.input_guards.names, *self.output_guards.names):
            try:  # an unpriced classifier could never be held to the budget
                self.pricing.require(governance.guards.model_classifier.model)
            except ConfigError as error:
                raise ConfigError(f"governance.yml: guards.model_classifier.model: {error}") from None
        data = settings.path(settings.data_dir)
        data.mkdir(parents=True, exist_ok=True)
        self.telemetry = telemetry or Telemetry.from_settings(settings)
        self.budget = BudgetGuard(
            governance.budget,
            self._open_ledger(data),
            self.pricing,
            webhook_url=settings.alert_webhook_url,
            on_alert=lambda alert: self.telemetry.budget_anomaly(alert.feature),
        )
        # One AuditLog per process: concurrent threads then share commits instead of queueing on the lock.
        self.audit = self._open_audit(data)
        self._features: set[str] = set()
        self._rate_limiter: PostgresRateLimiter | None = None
        self.telemetry.observe_budget(self._budget_left)
        self._observe_budget_and_evals()

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, telemetry: Telemetry | None = None) -> Runtime:
        """`telemetry`: one the caller already owns (the app instruments itself with it before startup)."""
        settings = settings or get_settings()
        return cls(settings, load_governance(settings.path(settings.governance_file)), telemetry=telemetry)

    def _shared_state_url(self) -> str:
        """The PostgreSQL URL for budget and audit, or "" for the embedded SQLite files."""
        url, backend = self.settings.database_url, self.settings.state_backend
        if backend == "postgres" and not is_postgres(url):
            raise ConfigError(f"{ENV_PREFIX}STATE_BACKEND=postgres needs {ENV_PREFIX}DATABASE_URL=postgresql://...")
        return url if backend != "sqlite" and is_postgres(url) else ""

    def _open_ledger(self, data: Path) -> CostLedger:
        """The budget's ledger: a SQLite file, or PostgreSQL shared by every replica."""
        if url := self._shared_state_url():
            from .budget.postgres_ledger import PostgresCostLedger

            return PostgresCostLedger(url)
        return CostLedger(data / "cost_ledger.sqlite3")

    def rate_limiter(self) -> Limiter | None:
        """Counts API requests for every replica when state is shared; None: the per-process default."""
        if url := self._shared_state_url():
            from .rate_limit_postgres import PostgresRateLimiter

            self._rate_limiter = PostgresRateLimiter(url)
            return self._rate_limiter
        return None

    def _open_audit(self, data: Path) -> AuditLog:
        """The audit log: a SQLite file, or one chain in PostgreSQL for every replica."""
        options: dict[str, Any] = {
            "hmac_key": self._hmac_key(),
            "hash_key": self.settings.audit_hash_key.get_secret_value().encode() or None,
            "durability": self.governance.audit.durability,
            "checkpoint_file": self.checkpoint_file,
        }
        if url := self._shared_state_url():
            from .audit.postgres_log import PostgresAuditLog

            if self.settings.mode != "local" and not (options["hash_key"] or options["hmac_key"]):
                raise ConfigError(
                    f"{ENV_PREFIX}AUDIT_HASH_KEY must be set when {ENV_PREFIX}DATABASE_URL is PostgreSQL:"
                    " every replica must hash content and sign checkpoints with the same key"
                )
            return PostgresAuditLog(url, data / "audit.postgresql", **options)
        return AuditLog(data / "audit.sqlite3", **options)

    def _hmac_key(self) -> bytes | None:
        key = self.settings.audit_hmac_key.get_secret_value()
        if self.governance.audit.hmac and not key:
            if self.settings.mode != "local":
                raise ConfigError(f"{ENV_PREFIX}AUDIT_HMAC_KEY must be set: governance.yml has audit.hmac on")
            key = "local-development-only"
        return key.encode() if key else None

    @cached_property
    def gateway(self) -> Gateway:
        return build_gateway(self.settings, instrument_http=self.telemetry.instrument_http_client)

    def guard_input(self, text: str, *, actor: str, feature: str) -> PipelineResult:
        """Run input guards; a block is audited and raised as `Refused`."""
        verdict = self._screen(self.input_guards, text, actor=actor, feature=feature)
        self._record_verdict(verdict)
        if verdict.action == "block":
            self._audit_refusal(actor, feature, "guardrails.input", text, verdict)
            raise Refused("guardrails.input", _blocked_by(verdict))
        return verdict

    def complete(
        self,
        *,
        feature: str,
        actor: str,
        system: str,
        user: str,
        prompt_version: str,
        screened: PipelineResult | None = None,
        context: str = "",
        audit_details: dict[str, Any] | None = None,
        max_tokens: int = 512,
        use_cache: bool = True,
        review: Callable[[str], Review] | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> GovernedAnswer:
        """Ask the model under every control the governance file switches on.

        `user` is the plain text of the user turn; the input guards screen it. A pattern that already
        screened the question (`guard_input`, e.g. before a cache lookup) passes that verdict as
        `screened`: `user` is then sent as given and must contain the screened text (a line such as
        `Question: <screened text>`), so nothing unscreened rides along. `context` is evidence the
        caller already screened (e.g. retrieved chunks through `guardrails.scan_context`): it goes
        before `user` in the message and into the audit hash, but is not run through the input
        guards again. `review(answer_text)` is the pattern's check of an answer the output guards
        passed; its decision and details are audited with the call, and the `Review` comes back on
        `GovernedAnswer.review`.
        """
        if screened is None:
            verdict_in = self.guard_input(user, actor=actor, feature=feature)
            sent = verdict_in.text  # redacted where a guard redacts; the audit hashes what was asked
        else:
            if screened.blocked:
                raise Refused("guardrails.input", _blocked_by(screened))
            if screened.text not in user:
                raise ValueError("complete(): `user` must be built from the screened text it is passed with")
            verdict_in, sent = screened, user
        user_message = f"{context}\n\n{sent}" if context else sent
        messages = [Message("system", system), Message("user", user_message)]
        bound = input_token_bound(messages)  # an upper bound, not an estimate: the limit must hold
        self.telemetry.feature_seen(feature)
        try:
            reservation = self.budget.reserve(
                feature=feature, model=self.settings.model, input_tokens=bound, max_output_tokens=max_tokens
            )
        except BudgetExceeded as error:
            if error.retry_after_s is None:  # spent, not merely held by calls in flight
                self.telemetry.budget_hard_limit(feature, "blocked")
            self._audit_refusal(actor, feature, "budget", user, verdict_in)
            raise Refused("budget", str(error), retry_after_s=error.retry_after_s) from error
        if reservation.degraded:
            self.telemetry.budget_hard_limit(feature, "degraded")
        try:
            with self.telemetry.llm_call("chat", reservation.model, self.settings.model_provider, feature) as call:
                call.record_input(messages)
                completion = self.gateway.complete(
                    messages,
                    model=reservation.model,
                    max_tokens=max_tokens,
                    use_cache=use_cache,
                    response_format=response_format,
                )
                call.record_output(completion.text)
                call.set_response(completion.model, completion.usage.input_tokens, completion.usage.output_tokens)
        except GatewayError as error:
            self.budget.release(reservation)
            self._audit_refusal(actor, feature, "gateway", user, verdict_in)
            raise Refused("gateway", str(error)) from error
        billed_in, billed_out = _billed(completion, bound, max_tokens)
        cost = self.budget.settle(reservation, input_tokens=billed_in, output_tokens=billed_out)
        self.telemetry.cost(feature, completion.model, cost)
        self._features.add(feature)
        verdict_out = self._screen(
            self.output_guards, completion.text, actor=actor, feature=feature, prompt=verdict_in.text
        )
        self._record_verdict(verdict_out)
        if verdict_out.blocked:
            outcome = Review("blocked")
        else:
            outcome = review(verdict_out.text) if review is not None else Review("answered")
        record = self._append(
            actor=actor,
            action=f"{feature}.complete",
            decision=outcome.decision,
            model=completion.model,
            prompt_version=prompt_version,
            input_hash=self.audit.hash_text(f"{context}\n\n{user}" if context else user),
            output_hash=self.audit.hash_text(completion.text),
            details={
                **(audit_details or {}),
                **outcome.details,
                "cost_usd": round(cost, 6),
                "guards_in": verdict_in.action,
                "guards_out": verdict_out.action,
            },
        )
        if verdict_out.blocked:
            raise Refused("guardrails.output", _blocked_by(verdict_out))
        notes = [] if reservation.model == self.settings.model else [f"degraded to {reservation.model} by budget"]
        return GovernedAnswer(verdict_out.text, completion, verdict_in, verdict_out, cost, record.seq, notes, outcome)

    def ask_classifier(self, question: ClassifierCall) -> Completion:
        """The `model_classifier` guard's model call, governed like any other but not screened (it is a screen).

        Reserved and settled in the budget under the feature `model_classifier` (a UTF-8 byte count
        bounds the input tokens, `max_tokens` the output), traced, and audited as
        `model_classifier.complete` with the actor whose text was scanned and `question.decide(completion)` as
        the decision. `BudgetExceeded` and `GatewayError` are audited as refusals and raised; the
        guard then follows its `on_error`. A degraded model cannot stand in for a classifier.
        """
        messages, model, max_tokens = question.messages, question.model, question.max_tokens
        actor, screened_for = _SCREENING.get()
        details: dict[str, Any] = {"screened_for": screened_for} if screened_for else {}
        scanned = self.audit.hash_text(messages[-1].content)
        bound = input_token_bound(messages)

        def refused(control: str) -> None:
            action = f"{CLASSIFIER_FEATURE}.complete"
            self._append(actor=actor, action=action, decision=f"refused:{control}", input_hash=scanned, details=details)

        try:
            reservation = self.budget.reserve(
                feature=CLASSIFIER_FEATURE, model=model, input_tokens=bound, max_output_tokens=max_tokens
            )
            if reservation.degraded:
                self.budget.release(reservation)
                raise BudgetExceeded(
                    setting="budget.on_hard_limit",
                    feature=CLASSIFIER_FEATURE,
                    scope=CLASSIFIER_FEATURE,
                    message=f"budget: only {reservation.model!r} fits, and it cannot classify for {model!r}",
                )
        except BudgetExceeded:
            refused("budget")
            raise
        try:
            with self.telemetry.llm_call("chat", model, self.settings.model_provider, CLASSIFIER_FEATURE) as call:
                call.record_input(messages)
                completion = self.gateway.complete(messages, model=model, max_tokens=max_tokens)
                call.record_output(completion.text)
                call.set_response(completion.model, completion.usage.input_tokens, completion.usage.output_tokens)
        except GatewayError:
            self.budget.release(reservation)
            refused("gateway")
            raise
        billed_in, billed_out = _billed(completion, bound, max_tokens)
        cost = self.budget.settle(
            reservation, input_tokens=billed_in, output_tokens=billed_out, answered_by=completion.model
        )
        self.telemetry.cost(CLASSIFIER_FEATURE, completion.model, cost)
        self._features.add(CLASSIFIER_FEATURE)
        self._append(
            actor=actor,
            action=f"{CLASSIFIER_FEATURE}.complete",
            decision=question.decide(completion),
            model=completion.model,
            prompt_version=question.prompt_version,
            input_hash=scanned,
            output_hash=self.audit.hash_text(completion.text),
            details={**details, "cost_usd": round(cost, 6)},
        )
        return completion

    def record(self, *, actor: str, action: str, decision: str, details: dict | None = None) -> int:
        """Audit a non-model step (an approval, an export, an ingest) and return its sequence number."""
        return self._append(actor=actor, action=action, decision=decision, details=details or {}).seq

    def _append(self, **fields: Any) -> AuditRecord:
        record = self.audit.append(**fields)
        self.telemetry.audit_appended(fields["action"], fields["decision"])
        return record

    def _observe_budget_and_evals(self) -> None:
        """Spend, limits, eval scores and thresholds as gauges (the dashboards' and alert rules' inputs)."""
        from .observability import gauges

        sc, ledger, evals = semconv, self.budget.ledger, self.governance.evals
        report = self.settings.path(self.settings.data_dir) / "evals" / "latest.json"
        self.telemetry.observe(sc.BUDGET_SPENT, lambda: gauges.budget_spent(ledger, self._features.copy))
        self.telemetry.observe(sc.BUDGET_LIMIT, lambda: gauges.budget_limits(self.governance.budget))
        self.telemetry.observe(sc.EVAL_SCORE, lambda: gauges.eval_scores(report))
        self.telemetry.observe(sc.EVAL_THRESHOLD, lambda: gauges.eval_thresholds(evals.thresholds))

    def _budget_left(self) -> dict[str, float]:
        """USD left per feature this process has billed; read when metrics are collected."""
        return {feature: self.budget.remaining(feature) for feature in sorted(self._features.copy())}

    @staticmethod
    def _screen(
        pipeline: GuardPipeline, text: str, *, actor: str, feature: str, prompt: str | None = None
    ) -> PipelineResult:
        """Run guards knowing for whom: a guard's own model call is audited under this actor."""
        token = _SCREENING.set((actor, feature))
        try:
            return pipeline.run(text, prompt=prompt)
        finally:
            _SCREENING.reset(token)

    def _record_verdict(self, verdict: PipelineResult) -> None:
        for result in verdict.results:
            self.telemetry.guard_verdict(result.guard, result.action)

    def _audit_refusal(self, actor: str, feature: str, control: str, text: str, verdict: PipelineResult) -> None:
        self._append(
            actor=actor,
            action=f"{feature}.complete",
            decision=f"refused:{control}",
            input_hash=self.audit.hash_text(text),
            details={"findings": [f.type for r in verdict.results for f in r.findings]},
        )

    @property
    def checkpoint_file(self) -> Path:
        """Where this project's audit checkpoints are kept (and read by `audit verify` and the gate)."""
        configured = self.settings.audit_checkpoint_file
        return (
            self.settings.path(configured)
            if configured
            else self.settings.path(self.settings.data_dir) / CHECKPOINT_FILE
        )

    def close(self) -> None:
        """Release everything this runtime opened; telemetry exporters flush what they still hold."""
        if "gateway" in self.__dict__:
            self.gateway.close()
        self.audit.close()  # checkpoints the head this process reached, if it wrote records
        self.telemetry.shutdown()
        self.budget.ledger.close()
        if self._rate_limiter is not None:
            self._rate_limiter.close()


def _billed(completion: Completion, input_bound: int, max_tokens: int) -> tuple[int, int]:
    """Tokens to bill: none for a cache hit (nothing was asked upstream), the provider's count when it
    reported one, else the bounds the call was reserved for (never an estimate that could be low)."""
    if completion.cached:
        return 0, 0
    if completion.usage.estimated:
        return input_bound, max_tokens
    return completion.usage.input_tokens, completion.usage.output_tokens


def _blocked_by(verdict: PipelineResult) -> str:
    return "blocked by " + ", ".join(verdict.blocked_by)
