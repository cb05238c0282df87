"""The service defaults: what every service gets the same way, set up in one place.

- ``configure_process(name, settings)``, once per process (``run_service``): JSON-lines logging
  (readable text on a terminal; NIPs masked; FastStream's loggers included) and tracing exported
  over OTLP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (``asn_platform.telemetry``).
- ``install_defaults(app, ...)``, once per app (``create_app``), before the service's routes:
  the field-level 4xx error handlers, NIP masking on the libraries' loggers, the operations routes
  (``/health``, ``/ready`` with the service's checks, ``/metrics``, ``/asyncapi.json``).
- ``instrument(app, ...)``, after the service's middlewares: Prometheus request metrics per route
  template, and, when tracing is on, an OpenTelemetry server span per HTTP request (W3C
  ``traceparent`` accepted from the caller), which the outbox and Kafka carry on. A service
  without tracing does not read the caller's ``traceparent`` either.
- ``broker_middlewares(registry, name)`` for ``make_broker``: FastStream's Prometheus metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.trace import Span
from prometheus_client import CollectorRegistry

from asn_platform import logmask
from asn_platform.http import ReadinessCheck, instrument_http, ops_router
from asn_platform.http_errors import install_error_handlers
from asn_platform.logs import configure_logging
from asn_platform.settings import PlatformSettings
from asn_platform.telemetry import configure_tracing, recording

# Probes and scrapes every few seconds: no span for them.
UNTRACED_PATHS = "/health,/ready,/metrics"


def configure_process(name: str, settings: PlatformSettings) -> None:
    configure_logging(name, settings.log_level, settings.log_format)
    configure_tracing(name)


def broker_middlewares(registry: CollectorRegistry, name: str) -> list[Any]:
    return [KafkaPrometheusMiddleware(registry=registry, app_name=f"asn-{name}")]


def _mask_path(span: Span, scope: dict[str, Any]) -> None:
    """Paths may carry a NIP (/asn/{nip}): the span keeps the route template as its name and a
    masked path only."""
    if span.is_recording():
        path = logmask.mask_nips(str(scope.get("path", "")))
        span.set_attribute("url.path", path)
        span.set_attribute("http.target", path)


def install_defaults(
    app: FastAPI,
    *,
    title: str,
    registry: CollectorRegistry,
    checks: dict[str, ReadinessCheck],
    asyncapi: Callable[[], dict[str, Any]],
) -> None:
    """Error handlers and the operations routes; call before the service's own routes."""
    logmask.install()  # every service: paths and handler errors may carry a NIP
    install_error_handlers(app)
    app.include_router(ops_router(registry, checks, asyncapi, title))


def instrument(app: FastAPI, *, name: str, registry: CollectorRegistry) -> None:
    """Request metrics and server spans; call after the service's own middlewares. Without a
    tracer provider (no OTLP endpoint) there is no server span to make: the instrumentation is
    left out, as its middleware costs a good part of a small request's CPU even then."""
    instrument_http(app, registry, name)
    if not recording():
        return
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls=UNTRACED_PATHS,
        server_request_hook=_mask_path,
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )
