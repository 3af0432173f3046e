"""Read one sample back from a Telemetry's Prometheus `/metrics` body."""

from typing import Protocol

from prometheus_client.parser import text_string_to_metric_families


class ServesMetrics(Protocol):
    def metrics_response(self) -> tuple[bytes, str]: ...


def scraped(telemetry: ServesMetrics, name: str, **labels: str) -> float | None:
    """The first sample called `name` whose labels include `labels`, or None."""
    body, _ = telemetry.metrics_response()
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                return sample.value
    return None
