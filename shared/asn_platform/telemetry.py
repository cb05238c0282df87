"""OpenTelemetry tracing of every service: one trace follows a request through HTTP, the outbox,
Kafka and the consumers of the other services.

- ``configure_tracing(service)``: when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
  ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, an SDK tracer provider exporting over OTLP/HTTP
  in batches; otherwise nothing is installed, the span helpers below make no spans at all (the
  API's no-op spans are not free) and no trace headers are written for events made outside a
  carried trace. The standard ``OTEL_*`` variables (service name, resource
  attributes, sampler, headers) apply as the SDK reads them.
- The W3C trace context travels in each event as the CloudEvents distributed-tracing extension
  (``traceparent``/``tracestate``), in binary mode the Kafka headers ``ce_traceparent`` and
  ``ce_tracestate`` (docs/kafka.md). ``trace_headers()`` gives them for the current context (the
  envelope's ``encode`` adds them); ``context_of(traceparent, tracestate)`` reads them back.
- Spans: ``enqueue_span(topic, event_type)`` around each outbox enqueue (kind PRODUCER, so the
  event's headers carry this span); ``send_span`` when the relay hands the stored record to Kafka;
  ``process_span`` around each consumed event's handler (kind CONSUMER, child of the enqueue
  span of the service that published it). HTTP server spans come from the FastAPI
  instrumentation (``asn_platform.defaults``).

Tests install an SDK provider with an in-memory exporter (``trace.set_tracer_provider``) before
any span is made; ``configure_tracing`` leaves an SDK provider it finds in place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

H_TRACEPARENT = "ce_traceparent"
H_TRACESTATE = "ce_tracestate"
_W3C = TraceContextTextMapPropagator()
_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")

tracer = trace.get_tracer("asn_platform")


def recording() -> bool:
    """Is a tracer provider installed? Without one the API's no-op spans still cost a context
    manager, a span object and a context switch each (py-spy: about 15 % of the outbox relay's
    process in benchmarks/backbone.py), so the span helpers skip them and do only what a no-op
    span would: make the carried context current where it would have become current."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def otlp_configured() -> bool:
    return any(os.environ.get(name) for name in _ENDPOINT_VARIABLES)


def configure_tracing(service: str) -> bool:
    """Install the OTLP exporting provider once per process if an endpoint is configured.
    True when spans are recorded (by this provider or one installed before, e.g. a test's)."""
    from opentelemetry.sdk.trace import TracerProvider

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return True
    if not otlp_configured():
        return False
    # Imported only when used: a service without a collector loads no exporter.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    attributes = {"service.namespace": "asn"}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = f"asn-{service}"
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)  # flushed at exit (the SDK's atexit hook)
    return True


def trace_headers(context: Context | None = None) -> list[tuple[str, bytes]]:
    """``ce_traceparent``/``ce_tracestate`` of the current (or given) span; none without one."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier, context=context)
    out = []
    if carrier.get("traceparent"):
        out.append((H_TRACEPARENT, carrier["traceparent"].encode()))
        if carrier.get("tracestate"):
            out.append((H_TRACESTATE, carrier["tracestate"].encode()))
    return out


def context_of(traceparent: str | None, tracestate: str | None = None) -> Context | None:
    """The remote span context an event carries, or None (no or malformed ``traceparent``)."""
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent}
    if tracestate:
        carrier["tracestate"] = tracestate
    context = _W3C.extract(carrier)
    return context if trace.get_current_span(context).get_span_context().is_valid else None


def _messaging(topic: str, operation: str) -> dict[str, str]:
    return {
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.operation.type": operation,
    }


@contextmanager
def enqueue_span(topic: str, event_type: str) -> Iterator[Span]:
    """A span per outbox enqueue; the event's trace headers are made inside it."""
    if not recording():  # a no-op child keeps the current span context: nothing to do
        yield trace.get_current_span()
        return
    with tracer.start_as_current_span(
        f"create {topic}",
        kind=SpanKind.PRODUCER,
        attributes={**_messaging(topic, "create"), "cloudevents.event_type": event_type},
    ) as span:
        yield span


@contextmanager
def send_span(topic: str, traceparent: str | None, tracestate: str | None) -> Iterator[Span]:
    """The relay's hand-over of a stored event to Kafka, in the trace that enqueued it."""
    if not recording():  # nothing inside reads the current context
        yield trace.INVALID_SPAN
        return
    with tracer.start_as_current_span(
        f"send {topic}",
        context=context_of(traceparent, tracestate),
        kind=SpanKind.PRODUCER,
        attributes=_messaging(topic, "send"),
    ) as span:
        yield span


@contextmanager
def process_span(
    topic: str,
    group_id: str,
    carried: Sequence[tuple[str | None, str | None]],
    *,
    event_id: str | None = None,
) -> Iterator[Span]:
    """A consumer's handling of one event (child of its producer) or of a batch (one link per
    event, as the messaging conventions advise for batches)."""
    attributes = {**_messaging(topic, "process"), "messaging.consumer.group.name": group_id}
    if event_id is not None:
        attributes["messaging.message.id"] = event_id
    contexts = [context_of(parent, state) for parent, state in carried]
    parent = contexts[0] if len(contexts) == 1 else None
    if not recording():
        yield from _unrecorded(parent)
        return
    links = [Link(trace.get_current_span(c).get_span_context()) for c in contexts if c is not None]
    with tracer.start_as_current_span(
        f"process {topic}",
        context=parent,
        kind=SpanKind.CONSUMER,
        links=links if parent is None else (),
        attributes=attributes,
    ) as span:
        yield span


def _unrecorded(parent: Context | None) -> Iterator[Span]:
    """What a no-op span does: the carried context becomes current (so what the handler
    publishes carries that trace on), else the current one stays."""
    if parent is None:
        yield trace.get_current_span()
        return
    token = otel_context.attach(parent)
    try:
        yield trace.get_current_span(parent)
    finally:
        otel_context.detach(token)
