"""``/api/v1/dead-letters``: a service's own dead letters for admins, in every service that
consumes events (``create_app`` adds it): list them with their reason, show one, re-drive one
(asn_platform.redrive: applied once through the inbox, or dead-lettered again with the new
reason). Every re-drive is audited and kept in ``dead_letter_redrives``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from asn_platform import audit
from asn_platform.auth.access import allow
from asn_platform.dlq import DeadLetter
from asn_platform.errors import ApiError
from asn_platform.inbox import is_unavailable
from asn_platform.inputs import Limit
from asn_platform.redrive import DeadLetters, Outcome
from asn_platform.request_context import principal_of
from asn_platform.timezone import to_jakarta
from asn_platform.uow import UnitOfWork

MAX_BODY_SHOWN = 64 * 1024  # a dead letter's body as text, cut beyond this

DlqTopic = Annotated[str, Path(max_length=250, pattern=r"^[A-Za-z0-9._-]+\.dlq$")]
DlqPartition = Annotated[int, Path(ge=0, le=10_000)]
DlqOffset = Annotated[int, Path(ge=0, le=2**62)]


class Redrive(BaseModel):
    redriven_at: str = Field(description="WIB")
    username: str | None
    outcome: Outcome
    error: str | None


class DeadLetterOut(BaseModel):
    id: str = Field(description="<dlq topic>/<partition>/<offset>")
    dlq_topic: str
    partition: int
    offset: int
    original_topic: str
    original_partition: int | None
    original_offset: int | None
    consumer_group: str
    error_class: str
    error_message: str = Field(description="Why it was dead-lettered (NIPs masked)")
    attempts: int
    failed_at: str | None = Field(description="WIB")
    ce_type: str | None
    ce_id: str | None
    last_redrive: Redrive | None


class DeadLetterList(BaseModel):
    service: str
    dlq_topics: list[str]
    items: list[DeadLetterOut]


class DeadLetterDetail(DeadLetterOut):
    key: str | None
    headers: dict[str, str]
    value: str | None
    value_truncated: bool


class RedriveResult(BaseModel):
    id: str
    outcome: Outcome = Field(description="applied | duplicate (applied before) | dead_lettered")
    error: str | None = Field(description="The new reason, when it failed again")


def _wib(value: str | datetime | None) -> str | None:
    if not value:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return to_jakarta(moment).isoformat()


def _letter_id(d: DeadLetter) -> str:
    return f"{d.dlq_topic}/{d.partition}/{d.offset}"


def _out(d: DeadLetter, last: asyncpg.Record | None) -> dict[str, Any]:
    return {
        "id": _letter_id(d),
        "dlq_topic": d.dlq_topic,
        "partition": d.partition,
        "offset": d.offset,
        "original_topic": d.original_topic,
        "original_partition": d.original_partition,
        "original_offset": d.original_offset,
        "consumer_group": d.consumer_group,
        "error_class": d.error_class,
        "error_message": d.error_message,
        "attempts": d.attempts,
        "failed_at": _wib(d.failed_at),
        "ce_type": d.header("ce_type"),
        "ce_id": d.header("ce_id"),
        "last_redrive": None
        if last is None
        else {
            "redriven_at": _wib(last["redriven_at"]),
            "username": last["username"],
            "outcome": last["outcome"],
            "error": last["error"],
        },
    }


_LAST_REDRIVES = """
SELECT DISTINCT ON (dlq_topic, dlq_partition, dlq_offset) * FROM dead_letter_redrives
WHERE dlq_topic = ANY($1::text[])
ORDER BY dlq_topic, dlq_partition, dlq_offset, redriven_at DESC, redrive_id DESC
"""


async def _last_redrives(pool: asyncpg.Pool, topics: list[str]) -> dict[str, asyncpg.Record]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(_LAST_REDRIVES, topics)
    return {f"{r['dlq_topic']}/{r['dlq_partition']}/{r['dlq_offset']}": r for r in rows}


def _not_found() -> ApiError:
    return ApiError(
        404,
        "dead_letter_not_found",
        "Surat mati tidak ditemukan di layanan ini",
        "No such dead letter in this service",
    )


@asynccontextmanager
async def _reachable() -> AsyncIterator[None]:
    """The broker or the database away is a 503 (nothing changed), never a 500."""
    try:
        yield
    except (TimeoutError, KafkaError) as err:
        raise _unavailable() from err
    except Exception as err:
        if is_unavailable(err):
            raise _unavailable() from err
        raise


def _unavailable() -> ApiError:
    return ApiError(
        503,
        "unavailable",
        "Broker atau basis data tidak dapat dihubungi; coba lagi",
        "The broker or the database is unreachable; try again",
        headers={"Retry-After": "5"},
    )


def _dead_letters(request: Request) -> DeadLetters:
    ctx = request.app.state.ctx
    return DeadLetters(ctx.broker, ctx.settings)


async def _found(request: Request, dlq_topic: str, partition: int, offset: int) -> DeadLetter:
    async with _reachable():
        letter = await _dead_letters(request).get(dlq_topic, partition, offset)
    if letter is None:
        raise _not_found()
    return letter


def dead_letters_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["dead letters"])

    @router.get(
        "/dead-letters",
        response_model=DeadLetterList,
        summary="Surat mati layanan ini / this service's dead letters (newest first; admin)",
    )
    @allow()
    async def list_dead_letters(
        request: Request,
        topic: Annotated[str | None, Query(max_length=250, pattern=r"^[A-Za-z0-9._-]+$")] = None,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        letters = _dead_letters(request)
        async with _reachable():
            found = await letters.list(limit, topic)
        last = await _last_redrives(request.app.state.ctx.pool, letters.dlq_topics())
        return {
            "service": request.app.state.ctx.name,
            "dlq_topics": letters.dlq_topics(),
            "items": [_out(d, last.get(_letter_id(d))) for d in found],
        }

    @router.get(
        "/dead-letters/{dlq_topic}/{partition}/{offset}",
        response_model=DeadLetterDetail,
        summary="Satu surat mati dengan alasannya / one dead letter with its reason (admin)",
    )
    @allow()
    async def show_dead_letter(
        request: Request, dlq_topic: DlqTopic, partition: DlqPartition, offset: DlqOffset
    ) -> dict[str, Any]:
        letter = await _found(request, dlq_topic, partition, offset)
        last = await _last_redrives(request.app.state.ctx.pool, [dlq_topic])
        value = letter.value or b""
        return {
            **_out(letter, last.get(_letter_id(letter))),
            "key": letter.key.decode(errors="replace") if letter.key else None,
            "headers": {k: v.decode(errors="replace") for k, v in letter.headers},
            "value": value[:MAX_BODY_SHOWN].decode(errors="replace") if letter.value else None,
            "value_truncated": len(value) > MAX_BODY_SHOWN,
        }

    @router.post(
        "/dead-letters/{dlq_topic}/{partition}/{offset}/redrive",
        response_model=RedriveResult,
        summary="Proses ulang satu surat mati / re-drive one dead letter (admin; idempotent)",
        description="The service's consumer applies the event again through its inbox: once "
        "(a second re-drive is a duplicate and changes nothing), or, if it fails again, it is "
        "dead-lettered again with the new reason. Audited.",
    )
    @allow()
    async def redrive_dead_letter(
        request: Request, dlq_topic: DlqTopic, partition: DlqPartition, offset: DlqOffset
    ) -> dict[str, Any]:
        letters = _dead_letters(request)
        letter = await _found(request, dlq_topic, partition, offset)
        consumer = letters.consumer_for(letter)
        if consumer is None:
            raise ApiError(
                409,
                "no_consumer",
                "Layanan ini tidak lagi membaca topik surat ini",
                "This service no longer consumes this letter's topic",
            )
        async with _reachable():
            done = await letters.redrive(letter, consumer)
        letter_id = _letter_id(letter)
        principal = principal_of(request)

        async def remember(uow: UnitOfWork) -> None:
            await uow.conn.execute(
                "INSERT INTO dead_letter_redrives (dlq_topic, dlq_partition, dlq_offset,"
                " consumer_group, username, outcome, error) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                dlq_topic, partition, offset, letter.consumer_group,
                principal.display if principal else None, done.outcome.value, done.error,
            )  # fmt: skip
            await audit.record(
                uow.conn,
                entity_id=letter_id,
                summary={"outcome": done.outcome.value, "consumer_group": letter.consumer_group,
                         "original_topic": letter.original_topic, "error": done.error},
            )  # fmt: skip

        await request.app.state.ctx.units.run(remember)
        return {"id": letter_id, "outcome": done.outcome, "error": done.error}

    return router
