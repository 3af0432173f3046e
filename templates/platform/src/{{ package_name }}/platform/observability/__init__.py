"""What the platform tells operators: OpenTelemetry traces and metrics, Prometheus `/metrics`.

telemetry.py   Telemetry: one tracer and meter provider per runtime, exporters from OTEL_* variables
semconv.py     every span, attribute and metric name the platform emits
"""
