"""The Kafka intake topic (asn.surveys.response-intake.v1) for kiosks and partner systems.

Each message is applied inside the inbox transaction (a redelivery changes nothing). A message
that can never be accepted (unknown unit, service not offered, content the intake model refuses,
client_ref reused for other answers) raises PermanentError: it goes to the DLQ at once with the
field-level reason in x-dlq-error-message, and nothing of it is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from asn_platform.contracts import IntakeChannel, ResponseIntake
from asn_platform.envelope import Envelope
from asn_platform.inbox import IdempotentConsumer, PermanentError, subscribe_idempotent
from asn_platform.outbox import DbConnection
from asn_platform.timezone import now_jakarta
from asn_platform.topics import RESPONSE_INTAKE
from asn_surveys.domain.intake import IntakeRefused
from asn_surveys.domain.response import SurveyResponseIn, validation_problems
from asn_surveys.handlers.intake import accept_response

if TYPE_CHECKING:
    from asn_surveys.bootstrap import Surveys

GROUP_ID = "surveys-intake"
BATCH_RECORDS = 200
CHANNEL = IntakeChannel.KAFKA


def _reason(problems: list[dict[str, str]]) -> str:
    return "; ".join(f"{p['field']}: {p['problem']}" for p in problems)


def to_response(event: ResponseIntake) -> SurveyResponseIn:
    """The intake contract -> the domain intake model (stricter: e.g. age 15-100)."""
    data: dict[str, Any] = event.model_dump(mode="json")
    try:
        return SurveyResponseIn.model_validate(data, context={"now": now_jakarta()})
    except ValidationError as err:
        raise PermanentError(f"invalid response: {_reason(validation_problems(err))}") from None


def subscribe(app: Surveys) -> IdempotentConsumer:
    async def handle(conn: DbConnection, envelope: Envelope[Any]) -> None:
        event = envelope.data
        assert isinstance(event, ResponseIntake)
        try:
            response = to_response(event)
        except PermanentError:
            app.metrics.count(CHANNEL.value, "invalid")
            raise
        # A refusal rolls back the whole batch; the consumer then applies the batch one event
        # at a time, so only the refused message is dead-lettered.
        try:
            accepted = await accept_response(
                app.units.bind(conn), response, channel=CHANNEL, policy=app.policy
            )
        except IntakeRefused as err:
            app.metrics.count(CHANNEL.value, "invalid")
            raise PermanentError(f"{err.code}: {_reason(err.problems)}") from None
        app.metrics.accepted(CHANNEL.value, accepted.created, accepted.gaps)

    return subscribe_idempotent(
        app.ctx.broker,
        topic=RESPONSE_INTAKE,
        group_id=GROUP_ID,
        pool=app.ctx.pool,
        handler=handle,
        batch=True,
        max_records=BATCH_RECORDS,
        settings=app.settings,
        title="surveys: SKM response intake",
        description="Responses from kiosks and partner systems; invalid ones go to the DLQ.",
    )
