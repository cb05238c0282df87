"""Webhook subscriptions of agencies without Kafka (admins): the list with each one's state and
delivery counts, registration, secret rotation, pause and resume, dead letters and their
re-delivery. Everything goes to the webhooks service's admin API with the admin's token; a
secret is in the answer of the call that made it only, so it is shown on that page only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from asn_console.clients import UserApi
from asn_console.domain import webhooks as rules
from asn_console.domain.text import pick
from asn_console.views import with_note, with_problem

Form = dict[str, str]
API = "/api/v1/webhooks/subscriptions"


def _path(sub_id: str) -> str:
    return f"{API}/{quote(sub_id, safe='')}"


async def list_view(api: UserApi, problem: str | None = None) -> dict[str, Any]:
    subs = await api.get("webhooks", API, limit=1000)
    # The list has no counts: one call per subscription (an agency list stays short).
    detailed = await api.gather(*(api.get("webhooks", _path(s["id"])) for s in subs))
    return {
        "subscriptions": detailed,
        "options": rules.event_options(),
        "type_field": rules.TYPE_FIELD,
        "problem": problem,
    }


async def detail_view(api: UserApi, sub_id: str) -> dict[str, Any]:
    sub, dead = await api.gather(
        api.get("webhooks", _path(sub_id)),
        api.get("webhooks", f"{_path(sub_id)}/dead-letters", limit=1000),
    )
    labels = {o.topic: o.label for o in rules.event_options()}
    return {"sub": sub, "dead_letters": dead, "labels": labels}


async def register(api: UserApi, form: Form, lang: str) -> tuple[dict[str, Any] | None, str]:
    """(the registration with its secret, "") or (None, the problem the service named)."""
    done = await api.attempt("webhooks", "POST", API, rules.registration_body(form))
    if done.error:
        return None, _refusal(done.error.body, done.error.message(lang))
    return done.body, ""


async def rotate(
    api: UserApi, sub_id: str, form: Form, lang: str
) -> tuple[dict[str, Any] | None, str]:
    try:
        overlap = rules.overlap_seconds(form)
    except ValueError:
        return None, with_problem(
            f"/webhooks/{quote(sub_id)}",
            pick(("Masa tumpang tindih: 0 sampai 720 jam.", "Overlap: 0 to 720 hours."), lang),
        )
    body = {} if overlap is None else {"overlap_s": overlap}
    done = await api.attempt("webhooks", "POST", f"{_path(sub_id)}/rotate-secret", body)
    if done.error:
        return None, with_problem(f"/webhooks/{quote(sub_id)}", done.error.message(lang))
    return done.body, ""


async def set_state(api: UserApi, sub_id: str, action: str, lang: str) -> str:
    """Pause or resume; answers where the browser goes next."""
    back = f"/webhooks/{quote(sub_id)}"
    done = await api.attempt("webhooks", "POST", f"{_path(sub_id)}/{action}", {})
    if done.error:
        return with_problem(back, done.error.message(lang))
    note = ("Dijeda.", "Paused.") if action == "pause" else ("Aktif kembali.", "Resumed.")
    return with_note(back, pick(note, lang))


async def redeliver(api: UserApi, sub_id: str, form: Form, lang: str) -> str:
    back = f"/webhooks/{quote(sub_id)}"
    ids = rules.dead_letter_ids(form)
    body = {} if ids is None else {"ids": ids}
    done = await api.attempt("webhooks", "POST", f"{_path(sub_id)}/dead-letters/redeliver", body)
    if done.error:
        return with_problem(back, done.error.message(lang))
    n = done.body.get("redelivered", 0)
    return with_note(back, pick((f"{n} dikirim ulang.", f"{n} sent again."), lang))


def _refusal(body: dict[str, Any], message: str) -> str:
    """The service's message and the fields it named (e.g. url: endpoint verification failed)."""
    fields = body.get("fields")
    named = "; ".join(
        f"{f.get('field')}: {f.get('problem')}"
        for f in (fields if isinstance(fields, list) else [])
        if isinstance(f, dict)
    )
    return f"{message}: {named}" if named else message
