"""Traces and metrics for every governed model call: OpenTelemetry out, Prometheus `/metrics` in.

One `Telemetry` object owns its TracerProvider and MeterProvider instead of installing global
ones, so two runtimes (or two tests) in one process never share or double-register state.
Exporters follow the standard variables: `OTEL_TRACES_EXPORTER` and `OTEL_METRICS_EXPORTER`
(none | console | otlp, comma-separated), OTLP over HTTP/protobuf to `OTEL_EXPORTER_OTLP_ENDPOINT`
(the exporter also reads the usual `OTEL_EXPORTER_OTLP_*` headers/timeout/TLS variables);
`OTEL_SDK_DISABLED=true` turns both off. Unlike the SDK, unset means `none`: a laptop or CI run
never tries to reach a collector. `/metrics` works either way.

Across services: `instrument_app` adds the OpenTelemetry FastAPI middleware (a server span per
request, continuing the caller's W3C `traceparent`, and the `http.server.request.duration` histogram
the SLO rules read), and `instrument_http_client` makes every model-endpoint call carry `traceparent`
on, so one trace spans caller -> service -> model endpoint. Both import their instrumentation only
when called (when serving), so the CLI starts without it.

Prompts and completions are recorded only when `settings.record_content` is on; error messages
are never recorded (they can quote the prompt), only the error type.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from opentelemetry import trace
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    Histogram,
    InMemoryMetricReader,
    Metric,
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric as PrometheusMetric
from prometheus_client.utils import floatToGoString

from ... import PROJECT_SLUG
from ..errors import ConfigError
from . import semconv as sc

if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI

    from ..settings import Settings

EXPORTER_CHOICES = ("none", "console", "otlp")
# Probes and scrapes are neither traced nor counted in the request metrics the SLOs read.
UNMEASURED_PATHS = "/healthz,/readyz,/metrics"
OTLP_PROTOCOL = "http/protobuf"
_PROMETHEUS_UNITS = {"s": "seconds", "USD": "usd", "By": "bytes"}


GaugeSource = Callable[[], Iterable[tuple[float, dict[str, str]]]]


class ChatMessage(Protocol):
    role: str
    content: str


class LlmCall:
    """Handle for one model call; content methods are no-ops unless content recording is on."""

    def __init__(self, span: Span, record_content: bool) -> None:
        self.span = span
        self.record_content = record_content
        self.response_model = ""
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None

    def set_response(self, model: str, input_tokens: int, output_tokens: int) -> None:
        self.response_model, self.input_tokens, self.output_tokens = model, input_tokens, output_tokens
        self.span.set_attributes(
            {
                sc.GEN_AI_RESPONSE_MODEL: model,
                sc.GEN_AI_USAGE_INPUT_TOKENS: input_tokens,
                sc.GEN_AI_USAGE_OUTPUT_TOKENS: output_tokens,
            }
        )

    def record_input(self, messages: Iterable[ChatMessage]) -> None:
        if self.record_content:
            parts = [{"role": m.role, "parts": [{"type": "text", "content": m.content}]} for m in messages]
            self.span.set_attribute(sc.GEN_AI_INPUT_MESSAGES, json.dumps(parts, ensure_ascii=False))

    def record_output(self, text: str, finish_reason: str = "stop") -> None:
        if self.record_content:
            message = {
                "role": "assistant",
                "parts": [{"type": "text", "content": text}],
                "finish_reason": finish_reason,
            }
            self.span.set_attribute(sc.GEN_AI_OUTPUT_MESSAGES, json.dumps([message], ensure_ascii=False))


class Tally:
    """Counts kept in a dict and reported by an observable counter when metrics are collected.

    Guard verdicts and audit appends happen several times per request. An SDK `Counter.add`
    hashes its attributes and takes the instrument's locks every time (microseconds each);
    a dict increment costs a fraction of that, and the exported series are the same.
    """

    def __init__(self, *attribute_names: str) -> None:
        self._names = attribute_names
        self._counts: dict[tuple[str, ...], int] = {}
        self._lock = threading.Lock()

    def add(self, *values: str) -> None:
        with self._lock:
            self._counts[values] = self._counts.get(values, 0) + 1

    def observe(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            counts = list(self._counts.items())
        return [Observation(count, dict(zip(self._names, values, strict=True))) for values, count in counts]


class Telemetry:
    """The process's tracer and meters; call `shutdown()` to flush exporters on exit."""

    def __init__(
        self,
        *,
        service_name: str,
        span_exporters: Iterable[SpanExporter] = (),
        metric_readers: Iterable[MetricReader] = (),
        record_content: bool = False,
    ) -> None:
        resource = Resource.create({sc.SERVICE_NAME: service_name})
        self.record_content = record_content
        self._tracer_provider = TracerProvider(resource=resource)
        span_exporters = list(span_exporters)
        for exporter in span_exporters:
            self._tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
        self._prometheus_reader = InMemoryMetricReader()
        self._meter_provider = MeterProvider(
            resource=resource, metric_readers=[self._prometheus_reader, *metric_readers]
        )
        self._registry = CollectorRegistry()
        self._registry.register(_PrometheusView(self._prometheus_reader))
        # The provider is this object's own, so with no exporter no span could ever leave the
        # process: skip building them (metrics and `/metrics` are unaffected). The no-op tracer still
        # passes an incoming trace context through, so a caller's trace reaches the model endpoint.
        self.exporting_spans = bool(span_exporters)
        self.tracer_provider: trace.TracerProvider = (
            self._tracer_provider if span_exporters else trace.NoOpTracerProvider()
        )
        self._tracer = self.tracer_provider.get_tracer(__name__)
        self._serving = False
        meter = self._meter_provider.get_meter(__name__)
        self._token_usage = meter.create_histogram(
            sc.GEN_AI_CLIENT_TOKEN_USAGE,
            "{token}",
            "Tokens used per model call",
            explicit_bucket_boundaries_advisory=sc.TOKEN_USAGE_BUCKETS,
        )
        self._duration = meter.create_histogram(
            sc.GEN_AI_CLIENT_OPERATION_DURATION,
            "s",
            "Duration of model calls",
            explicit_bucket_boundaries_advisory=sc.DURATION_BUCKETS,
        )
        self._guard_verdicts = Tally(sc.GUARD_NAME, sc.GUARD_ACTION)
        meter.create_observable_counter(
            sc.GUARD_VERDICTS, [self._guard_verdicts.observe], "{verdict}", "Guard verdicts by guard and action"
        )
        self._cost = meter.create_counter(sc.COST, "USD", "Model spend by feature and model")
        self._budget_sources: list[Callable[[], Mapping[str, float]]] = []
        meter.create_observable_gauge(
            sc.BUDGET_REMAINING, [self._observe_budget], "USD", "Budget left in the tightest period"
        )
        self._audit_appends = Tally(sc.AUDIT_ACTION, sc.AUDIT_DECISION)
        meter.create_observable_counter(
            sc.AUDIT_APPENDS, [self._audit_appends.observe], "{record}", "Audit records written"
        )
        self._budget_anomalies = meter.create_counter(sc.BUDGET_ANOMALIES, "{alert}", "Spend-rate anomaly alerts")
        self._hard_limit = meter.create_counter(
            sc.BUDGET_HARD_LIMIT, "{call}", "Calls refused or degraded because spend reached a hard limit"
        )
        self._gauge_sources: dict[str, list[GaugeSource]] = {}
        for name, unit, description in (
            (sc.BUDGET_SPENT, "USD", "Spend so far in the current UTC day and month"),
            (sc.BUDGET_LIMIT, "USD", "Budget limits from governance.yml (soft = hard x soft_limit_ratio)"),
            (sc.EVAL_SCORE, "1", "Metric values of the latest eval report"),
            (sc.EVAL_THRESHOLD, "1", "Eval thresholds from governance.yml"),
        ):
            self._gauge_sources[name] = []
            meter.create_observable_gauge(name, [self._observer(name)], unit, description)
        self._seen_features: set[str] = set()
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Telemetry:
        """Exporters from the standard OTEL_* variables; unset means none (offline)."""
        return cls(
            service_name=os.environ.get("OTEL_SERVICE_NAME", "").strip() or PROJECT_SLUG,
            span_exporters=[_span_exporter(name) for name in _exporter_names("OTEL_TRACES_EXPORTER")],
            metric_readers=[
                PeriodicExportingMetricReader(_metric_exporter(name))
                for name in _exporter_names("OTEL_METRICS_EXPORTER")
            ],
            record_content=settings.record_content,
        )

    @contextmanager
    def llm_call(self, operation: str, request_model: str, provider: str, feature: str) -> Iterator[LlmCall]:
        """A GenAI client span plus the duration and token-usage histograms for one model call."""
        metric_attributes: dict[str, Any] = {
            sc.GEN_AI_OPERATION_NAME: operation,
            sc.GEN_AI_PROVIDER_NAME: provider,
            sc.GEN_AI_REQUEST_MODEL: request_model,
        }
        span_attributes = {**metric_attributes, sc.GEN_AI_SYSTEM: provider, sc.FEATURE: feature}
        started = time.perf_counter()
        with self._tracer.start_as_current_span(
            f"{operation} {request_model}",
            kind=SpanKind.CLIENT,
            attributes=span_attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            call = LlmCall(span, self.record_content)
            try:
                yield call
            except BaseException as error:
                error_type = type(error).__qualname__
                span.set_attribute(sc.ERROR_TYPE, error_type)
                span.set_status(Status(StatusCode.ERROR, error_type))  # not str(error): it may quote content
                metric_attributes[sc.ERROR_TYPE] = error_type
                raise
            finally:
                if call.response_model:
                    metric_attributes[sc.GEN_AI_RESPONSE_MODEL] = call.response_model
                self._duration.record(time.perf_counter() - started, metric_attributes)
                for token_type, tokens in (
                    (sc.TOKEN_TYPE_INPUT, call.input_tokens),
                    (sc.TOKEN_TYPE_OUTPUT, call.output_tokens),
                ):
                    if tokens is not None:
                        self._token_usage.record(tokens, {**metric_attributes, sc.GEN_AI_TOKEN_TYPE: token_type})

    @contextmanager
    def span(self, name: str, **attributes: Any) -> Iterator[Span]:
        """Any other unit of work worth seeing in a trace (retrieve, ingest, approve)."""
        with self._tracer.start_as_current_span(name, attributes=attributes) as span:
            yield span

    def instrument_app(self, app: FastAPI) -> None:
        """Server spans and HTTP request metrics for `app`; an incoming `traceparent` is continued."""
        # Stable HTTP semantic conventions: `http.server.request.duration` in seconds, `http.route`.
        os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=self.tracer_provider,
            meter_provider=self._meter_provider,
            excluded_urls=UNMEASURED_PATHS,
            exclude_spans=["receive", "send"],
        )
        self._serving = True

    def instrument_http_client(self, client: httpx.Client) -> None:
        """Client spans on `client`, and `traceparent` on every request it sends (serving or exporting)."""
        if not (self._serving or self.exporting_spans):
            return
        os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        HTTPXClientInstrumentor.instrument_client(
            client, tracer_provider=self.tracer_provider, meter_provider=self._meter_provider
        )

    def guard_verdict(self, guard: str, action: str) -> None:
        self._guard_verdicts.add(guard, action)
        span = trace.get_current_span()
        if span.is_recording():
            span.add_event(sc.GUARD_VERDICT_EVENT, {sc.GUARD_NAME: guard, sc.GUARD_ACTION: action})

    def cost(self, feature: str, model: str, usd: float) -> None:
        self._cost.add(usd, {sc.FEATURE: feature, sc.GEN_AI_RESPONSE_MODEL: model})

    def observe_budget(self, source: Callable[[], Mapping[str, float]]) -> None:
        """Report `source()` ({feature: USD left}) as the budget gauge whenever metrics are collected.

        Read at scrape/export time rather than set per call: the ledger is shared by every
        worker process, so the value is current for all of them and costs the request path nothing.
        """
        self._budget_sources.append(source)

    def _observe_budget(self, _options: CallbackOptions) -> Iterable[Observation]:
        return [
            Observation(usd, {sc.FEATURE: feature})
            for source in self._budget_sources
            for feature, usd in source().items()
        ]

    def budget_anomaly(self, feature: str) -> None:
        self._budget_anomalies.add(1, {sc.FEATURE: feature})

    def budget_hard_limit(self, feature: str, outcome: str) -> None:
        """A call refused (`blocked`) or sent to `degrade_to` (`degraded`) because spend reached a hard limit."""
        self._hard_limit.add(1, {sc.FEATURE: feature, sc.BUDGET_OUTCOME: outcome})

    def feature_seen(self, feature: str) -> None:
        """Start the feature's alert counters at zero, so `increase()` sees their first event (not only the second)."""
        if feature in self._seen_features:
            return
        self._seen_features.add(feature)
        self._budget_anomalies.add(0, {sc.FEATURE: feature})
        for outcome in ("blocked", "degraded"):
            self._hard_limit.add(0, {sc.FEATURE: feature, sc.BUDGET_OUTCOME: outcome})

    def observe(self, name: str, source: GaugeSource) -> None:
        """Report `source()` ([(value, attributes), ...]) as gauge `name` whenever metrics are collected."""
        self._gauge_sources[name].append(source)

    def _observer(self, name: str) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(_options: CallbackOptions) -> Iterable[Observation]:
            return [
                Observation(value, attributes) for source in self._gauge_sources[name] for value, attributes in source()
            ]

        return observe

    def audit_appended(self, action: str, decision: str) -> None:
        self._audit_appends.add(action, decision)

    def metrics_response(self) -> tuple[bytes, str]:
        """Body and content type for a Prometheus `/metrics` endpoint."""
        return generate_latest(self._registry), CONTENT_TYPE_LATEST

    def shutdown(self) -> None:
        """Flush and stop exporters; safe to call twice."""
        if not self._closed:
            self._closed = True
            self._tracer_provider.shutdown()
            self._meter_provider.shutdown()


def _exporter_names(variable: str) -> list[str]:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    raw = os.environ.get(variable, "").strip().lower()
    names = [name.strip() for name in raw.split(",") if name.strip()] or ["none"]
    unknown = [name for name in names if name not in EXPORTER_CHOICES]
    if unknown:
        raise ConfigError(f"{variable}={raw!r} is not supported; use one of: {', '.join(EXPORTER_CHOICES)}")
    if "otlp" in names:
        signal = "TRACES" if "TRACES" in variable else "METRICS"
        for protocol_variable in (f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"):
            protocol = os.environ.get(protocol_variable, OTLP_PROTOCOL).strip()
            if protocol != OTLP_PROTOCOL:
                raise ConfigError(f"{protocol_variable}={protocol!r} is not supported; use {OTLP_PROTOCOL}")
    return [name for name in names if name != "none"]


def _span_exporter(name: str) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter(out=sys.stdout)  # today's stdout, not the one bound at import
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def _metric_exporter(name: str) -> MetricExporter:
    if name == "console":
        return ConsoleMetricExporter(out=sys.stdout)
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

    return OTLPMetricExporter()


class _PrometheusView:
    """A prometheus_client collector over the SDK's own aggregates, so `/metrics` and OTLP agree."""

    def __init__(self, reader: InMemoryMetricReader) -> None:
        self._reader = reader

    def collect(self) -> Iterator[PrometheusMetric]:
        data = self._reader.get_metrics_data()
        for resource_metrics in data.resource_metrics if data else ():
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    yield _to_prometheus(metric)


def _to_prometheus(metric: Metric) -> PrometheusMetric:
    """OTel names to Prometheus ones: dots to underscores, unit as suffix, counters get `_total`."""
    name = re.sub(r"[^a-zA-Z0-9_:]", "_", metric.name)
    suffix = _PROMETHEUS_UNITS.get(metric.unit or "", "")
    name = f"{name}_{suffix}" if suffix and not name.endswith(suffix) else name
    data = metric.data
    if isinstance(data, Histogram):
        family = PrometheusMetric(name, metric.description or "", "histogram")
        for point in data.data_points:
            labels, cumulative = _labels(point.attributes), 0
            for bound, count in zip([*point.explicit_bounds, math.inf], point.bucket_counts, strict=True):
                cumulative += count
                family.add_sample(f"{name}_bucket", {**labels, "le": floatToGoString(bound)}, cumulative)
            family.add_sample(f"{name}_count", labels, point.count)
            family.add_sample(f"{name}_sum", labels, point.sum)
    elif isinstance(data, Sum) and data.is_monotonic:
        family = PrometheusMetric(name, metric.description or "", "counter")
        for point in data.data_points:
            family.add_sample(f"{name}_total", _labels(point.attributes), point.value)
    else:
        family = PrometheusMetric(name, metric.description or "", "gauge")
        for point in data.data_points:
            family.add_sample(name, _labels(point.attributes), point.value)
    return family


def _labels(attributes: Any) -> dict[str, str]:
    return {re.sub(r"[^a-zA-Z0-9_]", "_", key): str(value) for key, value in (attributes or {}).items()}
