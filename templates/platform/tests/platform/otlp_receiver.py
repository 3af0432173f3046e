"""An OTLP/HTTP receiver inside the test process, so telemetry tests read what really went over the wire.

It listens on 127.0.0.1 on a free port, accepts `/v1/traces` and `/v1/metrics` protobuf posts
(gzip or plain), keeps every raw body (to search for leaked content) and decodes them with the
official `opentelemetry-proto` messages.
"""

from __future__ import annotations

import gzip
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import Metric
from opentelemetry.proto.trace.v1.trace_pb2 import Span

SIGNALS = {
    "/v1/traces": (ExportTraceServiceRequest, ExportTraceServiceResponse),
    "/v1/metrics": (ExportMetricsServiceRequest, ExportMetricsServiceResponse),
}


class OtlpReceiver:
    """Use as a context manager; point `OTEL_EXPORTER_OTLP_ENDPOINT` at `endpoint`."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, bytes]] = []
        self.resources: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                body = gzip.decompress(body) if encoding == "gzip" else zlib.decompress(body) if encoding else body
                if self.path not in SIGNALS:
                    self.send_response(404)
                    self.end_headers()
                    return
                receiver.bodies.append((self.path, body))
                reply = SIGNALS[self.path][1]().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> OtlpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def raw(self) -> bytes:
        """Every body received, decompressed and concatenated: search it for leaked content."""
        return b"".join(body for _, body in self.bodies)

    def _requests(self, path: str) -> list[Any]:
        return [SIGNALS[path][0].FromString(body) for p, body in self.bodies if p == path]

    def spans(self) -> list[Span]:
        return [
            span
            for request in self._requests("/v1/traces")
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]

    def resource_attributes(self) -> dict[str, Any]:
        """Attributes of the resource that sent the spans (service.name, ...)."""
        found: dict[str, Any] = {}
        for request in self._requests("/v1/traces"):
            for resource_spans in request.resource_spans:
                found.update(attributes(resource_spans.resource.attributes))
        return found

    def metrics(self) -> dict[str, list[Metric]]:
        """Metric name -> every export of it (cumulative, so the last one holds the totals)."""
        found: dict[str, list[Metric]] = {}
        for request in self._requests("/v1/metrics"):
            for resource_metrics in request.resource_metrics:
                for scope_metrics in resource_metrics.scope_metrics:
                    for metric in scope_metrics.metrics:
                        found.setdefault(metric.name, []).append(metric)
        return found


def attributes(pairs: list[KeyValue]) -> dict[str, Any]:
    """OTLP key/value pairs as a plain dict."""
    return {pair.key: _value(pair.value) for pair in pairs}


def points(metric: Metric) -> list[tuple[dict[str, Any], float]]:
    """(attributes, value) per data point: the sum for histograms, the number for counters and gauges."""
    kind = metric.WhichOneof("data")
    found = []
    for point in getattr(metric, kind).data_points:
        value = point.sum if kind == "histogram" else getattr(point, point.WhichOneof("value"))
        found.append((attributes(point.attributes), value))
    return found


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    return getattr(value, kind) if kind else None
