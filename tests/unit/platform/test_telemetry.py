"""The W3C trace context in the CloudEvents envelope (distributed-tracing extension, binary mode)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider

from asn_platform.contracts import SurveySubmitted
from asn_platform.envelope import decode, encode
from asn_platform.telemetry import H_TRACEPARENT, H_TRACESTATE, context_of, trace_headers

tracer = TracerProvider().get_tracer("test")


def survey() -> SurveySubmitted:
    return SurveySubmitted.model_validate(SurveySubmitted.model_json_schema()["examples"][0])


def test_an_event_made_inside_a_span_carries_its_context_and_decodes_it_back():
    with tracer.start_as_current_span("submit") as span:
        record = encode(survey(), source="/tangsel/surveys")
    ids = span.get_span_context()
    headers = dict(record.headers)
    assert headers[H_TRACEPARENT].decode().split("-")[:3] == [
        "00",
        f"{ids.trace_id:032x}",
        f"{ids.span_id:016x}",
    ]
    env = decode(record.topic, record.headers, record.value, key=record.key)
    assert env.traceparent == headers[H_TRACEPARENT].decode()
    parent = trace.get_current_span(context_of(env.traceparent, env.tracestate)).get_span_context()
    assert (parent.trace_id, parent.span_id, parent.is_remote) == (ids.trace_id, ids.span_id, True)


def test_outside_a_span_an_event_has_no_trace_headers():
    record = encode(survey(), source="/tangsel/surveys")
    assert H_TRACEPARENT not in dict(record.headers)
    assert trace_headers() == []
    assert decode(record.topic, record.headers, record.value).traceparent is None


def test_tracestate_travels_with_the_parent_and_a_malformed_parent_starts_a_new_trace():
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    context = context_of(parent, "asn=1,vendor=x")
    assert dict(trace_headers(context)) == {
        H_TRACEPARENT: parent.encode(),
        H_TRACESTATE: b"asn=1,vendor=x",
    }
    assert context_of("00-not-a-trace-01") is None
    assert context_of(None) is None


def test_spans_are_exported_over_otlp_http_when_an_endpoint_is_configured_and_not_otherwise():
    """A service process (a subprocess here: the tracer provider is global) with
    OTEL_EXPORTER_OTLP_ENDPOINT posts its spans to <endpoint>/v1/traces as OTLP protobuf."""
    received: list[tuple[str, bytes]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = (
        "from opentelemetry import trace\n"
        "from asn_platform.telemetry import configure_tracing, enqueue_span\n"
        "print(configure_tracing('surveys'))\n"
        "with enqueue_span('asn.surveys.survey-submitted.v1', 'asn.surveys.survey-submitted.v1'):\n"
        "    pass\n"
        "trace.get_tracer_provider().shutdown()\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    try:
        off = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True
        )
        endpoint = f"http://127.0.0.1:{server.server_port}"
        on = subprocess.run(
            [sys.executable, "-c", script],
            env={**env, "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint},
            capture_output=True,
            text=True,
        )
    finally:
        server.shutdown()
    assert off.stdout.strip() == "False", off.stderr
    assert on.stdout.strip() == "True", on.stderr
    [(path, body)] = received
    assert path == "/v1/traces"
    request = ExportTraceServiceRequest.FromString(body)
    [resource_spans] = request.resource_spans
    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert attributes["service.name"] == "asn-surveys"
    names = [s.name for scope in resource_spans.scope_spans for s in scope.spans]
    assert names == ["create asn.surveys.survey-submitted.v1"]
