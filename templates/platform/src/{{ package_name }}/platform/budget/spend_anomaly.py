"""Spend-rate anomaly alerts: catch a runaway loop or abuse hours before the budget runs out.

The rate is spend per UTC hour. The current (partial) hour is scored against the trailing
`baseline_hours` complete hours with a plain z-score. Equal weights rather than an EWMA
on purpose: an EWMA decays to ~0 overnight and then flags every ordinary morning, while
a 24-hour window already contains the daily cycle. The partial hour can only under-state
the rate, so scoring it early produces no false alarms and alerts within the hour.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from ... import ENV_PREFIX
from ..errors import ConfigError
from .cost_ledger import CostLedger, hour_key
from .pricing import to_usd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnomalyAlert:
    """One alert: `feature` spent `spend_usd` in `hour`, `z` deviations above its baseline."""

    feature: str
    hour: str  # UTC hour start, ISO 8601, e.g. 2026-11-29T13:00:00+00:00
    spend_usd: float
    baseline_usd: float
    z: float
    threshold: float

    @property
    def message(self) -> str:
        return (
            f"budget.anomaly_z: spend rate of feature {self.feature!r} is {self.spend_usd:.4f} USD in hour"
            f" {self.hour}, baseline {self.baseline_usd:.4f} USD/h (z={self.z:.1f} >= {self.threshold:g})"
        )

    def to_dict(self) -> dict[str, object]:
        return {"event": "budget.anomaly", **asdict(self), "message": self.message}


@dataclass(frozen=True)
class SpendRateDetector:
    """Scores one hour's spend against recent hours; pure, so every knob is table-testable."""

    z_threshold: float
    baseline_hours: int = 24
    min_history_hours: int = 3  # a brand-new feature has no baseline worth comparing with
    relative_floor: float = 0.25  # std is at least this share of the mean: a perfectly flat
    #                               baseline must not turn a 5 % wobble into z = infinity
    min_alert_usd: float = 0.01  # below this an hour is never worth waking anyone for

    def score(self, current_usd: float, baseline_usd: Sequence[float]) -> tuple[float, float] | None:
        """(z, baseline mean) when the hour is anomalous, else None."""
        if len(baseline_usd) < self.min_history_hours or current_usd < self.min_alert_usd:
            return None
        mean = sum(baseline_usd) / len(baseline_usd)
        std = math.sqrt(sum((x - mean) ** 2 for x in baseline_usd) / len(baseline_usd))
        spread = max(std, self.relative_floor * mean, self.min_alert_usd / 10)
        z = (current_usd - mean) / spread
        return (z, mean) if z >= self.z_threshold else None


def check_webhook_url(url: str) -> str:
    """Fail at start-up, not at the first alert, on a webhook URL that can never work."""
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"{ENV_PREFIX}ALERT_WEBHOOK_URL: must be an http(s) URL or empty, got {url!r}")
    return url


def post_webhook(url: str, payload: dict[str, object], *, timeout_s: float = 2.0) -> bool:
    """POST JSON; a failing receiver is logged and never breaks the call that triggered it."""
    import httpx  # only projects that configure a webhook pay for the import

    try:
        httpx.post(url, json=payload, timeout=timeout_s).raise_for_status()
        return True
    except httpx.HTTPError as error:
        log.error("budget alert webhook failed: %s (%s)", error, url, extra={"budget_event": "webhook_failed"})
        return False


class SpendRateMonitor:
    """Scores a feature's current hour after each paid call; alerts once per feature and hour.

    The once-only rule lives in the ledger's events table, so several worker processes
    sharing one ledger still send one alert, and the gate and report can list it.
    """

    def __init__(
        self,
        ledger: CostLedger,
        detector: SpendRateDetector,
        *,
        on_alert: Callable[[AnomalyAlert], None] | None = None,
        webhook_url: str = "",
        webhook_timeout_s: float = 2.0,
    ):
        self.ledger, self.detector = ledger, detector
        self._on_alert = on_alert
        self._webhook_url = check_webhook_url(webhook_url)
        self._timeout_s = webhook_timeout_s

    def check(self, feature: str, now: datetime) -> AnomalyAlert | None:
        """Score the hour containing `now`; returns the alert if this call raised it."""
        first = self.ledger.first_period(feature, "H")
        if first is None:
            return None
        first_hour = datetime.strptime(first, "H%Y-%m-%dT%H").replace(tzinfo=UTC)
        this_hour = now.replace(minute=0, second=0, microsecond=0)
        start = max(first_hour, this_hour - timedelta(hours=self.detector.baseline_hours))
        series = self.ledger.series(feature, hour_key(start), hour_key(this_hour))
        hours = int((this_hour - start).total_seconds() // 3600)
        baseline = [to_usd(series.get(hour_key(start + timedelta(hours=i)), 0)) for i in range(hours)]
        current = to_usd(series.get(hour_key(this_hour), 0))
        scored = self.detector.score(current, baseline)
        if scored is None:
            return None
        alert = AnomalyAlert(
            feature=feature,
            hour=this_hour.isoformat(),
            spend_usd=round(current, 6),
            baseline_usd=round(scored[1], 6),
            z=round(scored[0], 2),
            threshold=self.detector.z_threshold,
        )
        count = self.ledger.record_event(
            kind="anomaly", scope=feature, period=hour_key(now), at=now, detail=alert.to_dict()
        )
        if count != 1:
            return None
        self.emit(alert)
        return alert

    def emit(self, alert: AnomalyAlert) -> None:
        """Fan one alert out to the log, the metric callback and the optional webhook."""
        log.warning(alert.message, extra={"budget_event": "anomaly", "feature": alert.feature})
        if self._on_alert is not None:
            try:
                self._on_alert(alert)
            except Exception:  # a broken metric hook must not fail a call that was already paid for
                log.exception("budget alert callback failed")
        if self._webhook_url:
            post_webhook(self._webhook_url, alert.to_dict(), timeout_s=self._timeout_s)
