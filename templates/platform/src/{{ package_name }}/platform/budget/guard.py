"""The cost budget: reserve the worst case before a model call, settle the real cost after.

Why reserve-then-settle: a check of "spent so far" alone lets fifty concurrent calls all
pass the same check and overspend together. Each call instead reserves its worst-case
cost (input tokens + `max_output_tokens` at list price) inside one SQLite `BEGIN IMMEDIATE`
transaction, which passes only if `spent + open reservations + this call <= limit` for
every window; `settle` then books the actual cost and frees the unused part. A caller that
crashes never settles: its reservation expires after `reservation_ttl_s`.

Windows (all UTC): `budget.daily_usd` and `budget.monthly_usd` from governance.yml apply to
each feature (a named use such as 'answer' or 'embed') *and*, by default, to the project
total, because the owner answered one hard monthly limit for the whole project in the
template; per-feature accounting shows where the money went. Pass `project_total=False`
to let every feature spend the full limits on its own.

The guarantee holds as long as the gateway caps generation at `max_output_tokens` (it always
sends `max_tokens`) and the input count reserved is not low: `input_token_bound` counts UTF-8
bytes, which no byte-level BPE tokenizer can exceed (every token covers at least one byte), plus
the chat format's per-message framing. A settle above its reservation is booked truthfully and
logged.

Two refusals: when *spend* leaves no room for the call (402 at the API), and when spend leaves
room but calls *in flight* hold it (`retry_after_s` set: 429 with `Retry-After`, since those
reservations settle or are released within a model call's time). Amounts are shown to the cent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from ..errors import BudgetExceeded, ConfigError
from ..governance import Budget
from .cost_ledger import TOTAL, CostLedger, LedgerTransaction, day_key, month_key, utc
from .pricing import Pricing, to_nano, to_usd
from .spend_anomaly import AnomalyAlert, SpendRateDetector, SpendRateMonitor

log = logging.getLogger(__name__)

# Tokens a chat format adds around each message (role markers, separators; OpenAI counts 3-4,
# Llama 3 about 5, SentencePiece one dummy prefix) and before the reply; generous on purpose.
MESSAGE_FRAMING_TOKENS = 8
REPLY_PRIMING_TOKENS = 8


class ChatMessage(Protocol):
    role: str
    content: str


def input_token_bound(messages: Iterable[ChatMessage]) -> int:
    """An upper bound on the input tokens a provider can count for `messages`.

    Byte-level BPE (GPT, Llama 3) and SentencePiece with byte fallback never emit a token that
    covers less than one byte, so a message's UTF-8 byte count bounds its tokens; `chars / 4`
    does not (CJK text is ~1 token per character, 3 bytes; measured: 102 % of a hard limit spent).
    """
    return REPLY_PRIMING_TOKENS + sum(
        len(message.content.encode("utf-8")) + len(message.role.encode("utf-8")) + MESSAGE_FRAMING_TOKENS
        for message in messages
    )


def usd(nano: int) -> str:
    """An amount to the cent for messages ("$0.07"; "<$0.01" for a positive amount below a cent)."""
    amount = to_usd(nano)
    return "<$0.01" if 0 < amount < 0.005 else f"${amount:,.2f}"


@dataclass(frozen=True)
class Reservation:
    """Money set aside for one call. `model` is what to call: it may be the degraded model."""

    id: str
    feature: str
    model: str
    requested_model: str
    reserved_nano: int
    expires_at: datetime
    soft_limit: str | None = None  # the setting whose soft limit this call reached, if any

    @property
    def reserved_usd(self) -> float:
        return to_usd(self.reserved_nano)

    @property
    def degraded(self) -> bool:
        return self.model != self.requested_model


@dataclass(frozen=True)
class _Window:
    setting: str  # budget.daily_usd | budget.monthly_usd
    scope: str  # feature name or TOTAL
    period: str  # ledger period key
    limit_nano: int


def project_month_end(month_to_date_usd: float, now: datetime) -> float:
    """Linear run-rate to month end; at least one day of history so hour one is not x720."""
    now = utc(now)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    elapsed = max((now - start).total_seconds(), 86_400.0)
    total = (end - start).total_seconds()
    return month_to_date_usd * total / min(elapsed, total)


class BudgetGuard:
    """Enforces governance `Budget` on every call; shared by all threads of a process."""

    def __init__(
        self,
        budget: Budget,
        ledger: CostLedger,
        pricing: Pricing,
        *,
        on_alert: Callable[[AnomalyAlert], None] | None = None,
        webhook_url: str = "",
        clock: Callable[[], datetime] | None = None,
        reservation_ttl_s: float = 900.0,
        busy_retry_after_s: float = 1.0,
        project_total: bool = True,
        detector: SpendRateDetector | None = None,
        webhook_timeout_s: float = 2.0,
    ):
        if budget.on_hard_limit == "degrade":
            try:
                pricing.require(budget.degrade_to)
            except ConfigError as error:
                raise ConfigError(f"budget.degrade_to: {error}") from None
        if reservation_ttl_s <= 0:
            raise ConfigError(f"reservation_ttl_s must be > 0, got {reservation_ttl_s}")
        self.budget, self.ledger, self.pricing = budget, ledger, pricing
        self._clock = clock or (lambda: datetime.now(UTC))
        self._ttl = timedelta(seconds=reservation_ttl_s)
        self._busy_retry_after_s = busy_retry_after_s
        self._project_total = project_total
        self.monitor = SpendRateMonitor(
            ledger,
            detector or SpendRateDetector(z_threshold=budget.anomaly_z),
            on_alert=on_alert,
            webhook_url=webhook_url,
            webhook_timeout_s=webhook_timeout_s,
        )

    def _now(self) -> datetime:
        return utc(self._clock())

    def _windows(self, feature: str, now: datetime) -> list[_Window]:
        scopes = [feature, TOTAL] if self._project_total else [feature]
        limits = [
            ("budget.daily_usd", day_key(now), self.budget.daily_usd),
            ("budget.monthly_usd", month_key(now), self.budget.monthly_usd),
        ]
        return [_Window(setting, scope, period, to_nano(usd)) for scope in scopes for setting, period, usd in limits]

    def reserve(self, *, feature: str, model: str, input_tokens: int, max_output_tokens: int) -> Reservation:
        """Set aside the worst-case cost or raise `BudgetExceeded` (after trying `degrade_to`).

        `input_tokens` must be an upper bound (see `input_token_bound`), not an estimate. The
        refusal has `retry_after_s` when only reservations of calls in flight stand in the way.
        """
        _check_feature(feature)
        candidates = [model]
        if self.budget.on_hard_limit == "degrade" and self.budget.degrade_to != model:
            candidates.append(self.budget.degrade_to)
        costs = [(name, self.pricing.cost_nano(name, input_tokens, max_output_tokens)) for name in candidates]
        now = self._now()
        if costs[0][1] == 0:
            # A free call (a local model) fits any limit and holds nothing: no ledger round trip.
            return Reservation(uuid.uuid4().hex, feature, model, model, 0, now + self._ttl)
        windows = self._windows(feature, now)
        with self.ledger.transaction() as tx:
            self._expire_stale(tx, now)
            usage = self._usage(tx, windows)
            used = {w: spent + held for w, (spent, held) in usage.items()}
            for name, amount in costs:
                # A free call always fits, even when an overrun already used up the limit.
                if not any(amount > 0 and used[w] + amount > w.limit_nano for w in windows):
                    return self._grant(tx, feature, model, name, amount, used, windows, now)
            # Out of money: no candidate fits even if every call in flight gave its reservation back.
            spent_out = all(
                any(amount > 0 and usage[w][0] + amount > w.limit_nano for w in windows) for _, amount in costs
            )
            requested = costs[0][1]
            breach = next(w for w in windows if (usage[w][0] if spent_out else used[w]) + requested > w.limit_nano)
            spent, held = usage[breach]
            whom = f"feature {feature!r}" if breach.scope != TOTAL else f"the project total (feature {feature!r})"
            tried = f"tried {' then '.join(map(repr, candidates))}; on_hard_limit={self.budget.on_hard_limit}"
            if spent_out:
                message = (
                    f"{breach.setting} would be exceeded for {whom}: {usd(spent)} spent of {usd(breach.limit_nano)},"
                    f" and this call may cost up to {usd(requested)} ({tried})"
                )
            else:
                message = (
                    f"{breach.setting} is held by calls in flight for {whom}: {usd(spent)} spent and {usd(held)}"
                    f" reserved of {usd(breach.limit_nano)}, and this call may cost up to {usd(requested)}: retry"
                    f" in {self._busy_retry_after_s:g} s ({tried})"
                )
            self._note(tx, "blocked" if spent_out else "busy", feature, breach.period, now, message)
        raise BudgetExceeded(
            setting=breach.setting,
            feature=feature,
            scope=breach.scope,
            message=message,
            retry_after_s=None if spent_out else self._busy_retry_after_s,
        )

    def _grant(
        self,
        tx: LedgerTransaction,
        feature: str,
        requested: str,
        model: str,
        amount: int,
        used: dict[_Window, int],
        windows: list[_Window],
        now: datetime,
    ) -> Reservation:
        soft = next((w for w in windows if used[w] + amount >= self.budget.soft_limit_ratio * w.limit_nano), None)
        reservation = Reservation(
            id=uuid.uuid4().hex,
            feature=feature,
            model=model,
            requested_model=requested,
            reserved_nano=amount,
            expires_at=now + self._ttl,
            soft_limit=soft.setting if soft else None,
        )
        tx.add_reservation(
            reservation_id=reservation.id,
            feature=feature,
            model=model,
            amount_nano=amount,
            created_at=now.timestamp(),
            expires_at=reservation.expires_at.timestamp(),
        )
        if soft is not None:
            whom = f"feature {feature!r}" if soft.scope != TOTAL else "the project total"
            ratio = self.budget.soft_limit_ratio
            self._note(
                tx,
                "soft_limit",
                feature,
                soft.period,
                now,
                f"{soft.setting} soft limit ({ratio:.0%}) reached for {whom}",
            )
        if reservation.degraded:
            message = f"budget.on_hard_limit=degrade: feature {feature!r} degraded from {requested!r} to {model!r}"
            self._note(tx, "degraded", feature, day_key(now), now, message)
        return reservation

    def _note(self, tx: LedgerTransaction, kind: str, feature: str, period: str, now: datetime, message: str) -> None:
        """Record a budget event in the ledger; log it the first time in its period only."""
        count = tx.record_event(
            kind=kind, scope=feature, period=period, at=now.timestamp(), detail={"message": message}
        )
        level = logging.WARNING if count == 1 else logging.DEBUG
        log.log(level, "%s", message, extra={"budget_event": kind, "feature": feature})

    def _expire_stale(self, tx: LedgerTransaction, now: datetime) -> None:
        for reservation_id, feature, amount in tx.expire_stale(now.timestamp()):
            message = (
                f"reservation {reservation_id} of feature {feature!r} ({to_usd(amount):.4f} USD) expired"
                " unsettled: its caller crashed or hung"
            )
            tx.record_event(
                kind="expired", scope=feature, period=day_key(now), at=now.timestamp(), detail={"message": message}
            )
            log.warning("%s", message, extra={"budget_event": "expired", "feature": feature})

    def settle(
        self, reservation: Reservation, *, input_tokens: int, output_tokens: int, answered_by: str | None = None
    ) -> float:
        """Book the actual cost (once, however often called) and free the rest; returns USD.

        `answered_by` is the model the gateway reports (a fallback route may differ from
        `reservation.model`); it is billed at its own price when priced.
        """
        model = self.pricing.resolve(answered_by) if answered_by else None
        if model is None:
            if answered_by:
                log.warning("model %r that answered is not priced; billed as %r", answered_by, reservation.model)
            model = reservation.model
        cost = self.pricing.cost_nano(model, input_tokens, output_tokens)
        if cost == 0 and reservation.reserved_nano == 0:
            # Nothing was held and nothing is owed. The ledger books money; the call's audit
            # record already names the model that answered and its zero cost.
            return 0.0
        if cost > reservation.reserved_nano:
            log.warning(
                "call of feature %r cost %.6f USD, above its reservation of %.6f USD: the gateway must cap"
                " max_tokens and callers must not under-estimate input tokens",
                reservation.feature,
                to_usd(cost),
                reservation.reserved_usd,
                extra={"budget_event": "overrun", "feature": reservation.feature},
            )
        now = self._now()
        outcome = self.ledger.settle(
            reservation_id=reservation.id,
            feature=reservation.feature,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_nano=cost,
            reserved_nano=reservation.reserved_nano,
            at=now,
        )
        if outcome.recorded and outcome.late:
            log.warning(
                "reservation %s settled after it expired or was released; spend booked anyway",
                reservation.id,
                extra={"budget_event": "late_settle", "feature": reservation.feature},
            )
        if outcome.recorded and cost > 0:
            self.monitor.check(reservation.feature, now)
        return to_usd(outcome.cost_nano)

    def release(self, reservation: Reservation) -> None:
        """The call failed before any tokens were billed: return the whole reservation."""
        self.ledger.release(reservation.id)

    def remaining(self, feature: str) -> float:
        """USD left in the tightest window that applies to `feature` (never below 0)."""
        _check_feature(feature)
        windows = self._windows(feature, self._now())
        used = self._used(LedgerTransaction(self.ledger.reader()), windows)
        return to_usd(max(min(w.limit_nano - used[w] for w in windows), 0))

    @staticmethod
    def _used(tx: LedgerTransaction, windows: list[_Window]) -> dict[_Window, int]:
        by_key = tx.used([(w.scope, w.period) for w in windows])
        return {w: by_key[w.scope, w.period] for w in windows}

    @staticmethod
    def _usage(tx: LedgerTransaction, windows: list[_Window]) -> dict[_Window, tuple[int, int]]:
        by_key = tx.usage([(w.scope, w.period) for w in windows])
        return {w: by_key[w.scope, w.period] for w in windows}

    def projection(self) -> dict[str, object]:
        """Month-end spend projected from the run-rate, per feature and for the project total.

        Shape: {"month", "as_of", "monthly_budget_usd", "features": {name: entry}, "total": entry},
        entry = {"month_to_date_usd", "projected_month_end_usd", "projected_ratio", "over_budget"}.
        """
        now = self._now()
        month = month_key(now)
        limit = self.budget.monthly_usd

        def entry(scope: str) -> dict[str, object]:
            spent = to_usd(self.ledger.spent_nano(scope, month))
            projected = project_month_end(spent, now)
            return {
                "month_to_date_usd": round(spent, 6),
                "projected_month_end_usd": round(projected, 6),
                "projected_ratio": round(projected / limit, 4),
                "over_budget": projected > limit,
            }

        return {
            "month": month[1:],
            "as_of": now.isoformat(),
            "monthly_budget_usd": limit,
            "features": {name: entry(name) for name in self.ledger.features(month)},
            "total": entry(TOTAL),
        }


def _check_feature(feature: str) -> None:
    if not feature or feature == TOTAL or feature != feature.strip():
        raise ValueError(f"feature name must be a non-empty word other than {TOTAL!r}, got {feature!r}")
