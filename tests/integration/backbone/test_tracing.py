"""One trace from an HTTP request through the outbox, Kafka and a consumer to the next event and
its consumer, on the real broker and PostgreSQL, read back with the SDK's in-memory exporter."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.propagate import inject
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry

from asn_devkit.testing import span_recorder
from asn_platform.contracts import ServiceGapDetected, SurveySubmitted
from asn_platform.defaults import instrument
from asn_platform.envelope import Envelope
from asn_platform.inbox import subscribe_idempotent, traced
from asn_platform.kafka import make_broker
from asn_platform.outbox import OutboxRelay
from asn_platform.settings import PlatformSettings
from asn_platform.telemetry import H_TRACEPARENT
from asn_platform.uow import UnitOfWork, UnitsOfWork

from .conftest import Db, group_name, read_all, survey, wait_for

pytestmark = pytest.mark.integration

GAP_EXAMPLE: dict[str, Any] = ServiceGapDetected.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def one(spans: Sequence[ReadableSpan], name: str, trace_id: int) -> ReadableSpan:
    found = [s for s in spans if s.name == name and s.context.trace_id == trace_id]
    assert len(found) == 1, f"{name}: {[s.name for s in spans if s.context.trace_id == trace_id]}"
    return found[0]


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


@pytest.mark.parametrize("batch", [False, True], ids=["per-event", "batch-handler"])
async def test_a_trace_follows_an_answer_from_http_through_kafka_to_the_next_service(
    db: Db, settings: PlatformSettings, new_topic: Callable[..., Awaitable[str]], batch: bool
):
    # The two contracts on topics of this test's own (the session's registry topics carry
    # every other test's events, which a new consumer group would read first).
    answers, gaps = await new_topic("trace-answers"), await new_topic("trace-gaps")
    Answer = type("Answer", (SurveySubmitted,), {"topic": answers})
    Gap = type("Gap", (ServiceGapDetected,), {"topic": gaps})
    spans = span_recorder()
    marker = f"trace-{secrets.token_hex(4)}"
    surveys = UnitsOfWork(db.pool, source="/tangsel/surveys")
    recommendations = UnitsOfWork(db.pool, source="/tangsel/recommendations")
    seen_gaps: list[Envelope[Any]] = []

    # surveys: an HTTP command whose unit of work publishes survey-submitted
    app = FastAPI()

    @app.post("/answers/{unit_id}")
    async def answer(unit_id: str) -> dict[str, str]:
        async def work(uow: UnitOfWork) -> str:
            answer = survey(1, unit=unit_id, response_id=marker)
            return str(await uow.publish(Answer.model_validate(answer.model_dump())))

        return {"event_id": await surveys.run(work)}

    instrument(app, name="surveys", registry=CollectorRegistry())

    # the next service: consumes it and publishes the gap in the inbox's transaction
    async def on_answer(conn: Any, env: Envelope[SurveySubmitted]) -> None:
        if env.data.response_id == marker:
            gap = Gap.model_validate({**GAP_EXAMPLE, "unit_id": env.data.unit_id})
            await recommendations.bind(conn).publish(gap)

    async def on_answers(conn: Any, envs: list[Envelope[SurveySubmitted]]) -> None:
        for env in envs:  # a batch handler continues each event's trace itself
            with traced(env, group_id="trace-answers"):
                await on_answer(conn, env)

    async def on_gap(conn: Any, env: Envelope[ServiceGapDetected]) -> None:
        if env.data.unit_id == marker:
            seen_gaps.append(env)

    broker = make_broker(settings, client_id="tracing")
    subscribe_idempotent(
        broker,
        topic=answers,
        expected=SurveySubmitted,
        group_id=group_name("trace-answers"),
        pool=db.pool,
        settings=settings,
        **({"batch": True, "batch_handler": on_answers} if batch else {"handler": on_answer}),
    )
    subscribe_idempotent(
        broker,
        topic=gaps,
        expected=ServiceGapDetected,
        group_id=group_name("trace-gaps"),
        pool=db.pool,
        settings=settings,
        handler=on_gap,
    )
    relay = OutboxRelay(db.pool, settings, name="tracing", poll_interval_s=0.1)
    await broker.start()
    await relay.start()
    try:
        # the caller (a kiosk) sends its own trace context, as another process would: only in
        # the request's traceparent header; the service continues it
        with trace.get_tracer("test").start_as_current_span("kiosk submits") as kiosk:
            headers: dict[str, str] = {}
            inject(headers)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://surveys") as http:
            response = await http.post(f"/answers/{marker}", headers=headers)
        assert response.status_code == 200
        trace_id = kiosk.get_span_context().trace_id

        def finished() -> bool:
            return any(
                s.name == f"process {gaps}" and s.context.trace_id == trace_id
                for s in spans.get_finished_spans()
            )

        await wait_for(finished, 60, "the gap consumer's span in the answer's trace")
    finally:
        await relay.stop(flush=True)
        await broker.stop()

    finished_spans = spans.get_finished_spans()
    root = one(finished_spans, "kiosk submits", trace_id)
    server = one(finished_spans, "POST /answers/{unit_id}", trace_id)
    create_answer = one(finished_spans, f"create {answers}", trace_id)
    send_answer = one(finished_spans, f"send {answers}", trace_id)
    create_gap = one(finished_spans, f"create {gaps}", trace_id)
    # the consumer's span the gap was published in (with a batch handler: the one traced(env)
    # opened; the batch's own span is linked, or a parent too when the batch held one event)
    [process_answer] = [s for s in finished_spans if s.context.span_id == parent_of(create_gap)]
    assert process_answer.name == f"process {answers}"
    send_gap = one(finished_spans, f"send {gaps}", trace_id)
    process_gap = one(finished_spans, f"process {gaps}", trace_id)

    assert server.kind is SpanKind.SERVER and parent_of(server) == root.context.span_id
    assert create_answer.kind is SpanKind.PRODUCER
    assert parent_of(create_answer) == server.context.span_id
    assert parent_of(send_answer) == create_answer.context.span_id
    assert process_answer.kind is SpanKind.CONSUMER
    assert parent_of(process_answer) == create_answer.context.span_id
    assert parent_of(create_gap) == process_answer.context.span_id
    assert parent_of(send_gap) == create_gap.context.span_id
    assert parent_of(process_gap) == create_gap.context.span_id
    assert server.attributes is not None and server.attributes["url.path"] == f"/answers/{marker}"

    # on the wire: the CloudEvents distributed-tracing extension in binary mode
    [gap] = seen_gaps
    assert gap.traceparent is not None
    assert gap.traceparent.split("-")[:3] == [
        "00",
        f"{trace_id:032x}",
        f"{create_gap.context.span_id:016x}",
    ]
    records = await read_all(settings.kafka_bootstrap_servers, answers)
    ours = [r for r in records if marker.encode() in r.value]
    assert len(ours) == 1
    carried = dict(ours[0].headers)[H_TRACEPARENT].decode()
    assert carried.split("-")[:3] == [
        "00",
        f"{trace_id:032x}",
        f"{create_answer.context.span_id:016x}",
    ]
