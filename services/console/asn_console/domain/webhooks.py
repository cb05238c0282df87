"""What the webhook pages offer and how their forms read: the event types an agency may take
(the personal-data rule of Kafka grants, asn_platform.access) and the registration form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asn_platform.access import PERSONAL_TOPICS, PUBLIC_TOPICS

TYPE_FIELD = "type:"  # one checkbox per event type: type:<topic> = 1
MAX_OVERLAP_H = 30 * 24  # the webhooks API's bound (30 days)

EVENT_LABELS: dict[str, tuple[str, str]] = {
    "asn.surveys.survey-submitted.v1": ("Jawaban SKM masuk", "SKM answer submitted"),
    "asn.surveys.service-gap-detected.v1": ("Kesenjangan layanan", "Service gap detected"),
    "asn.recommendations.programme-scheduled.v1": ("Program dijadwalkan", "Programme scheduled"),
    "asn.enrollment.programme-catalogue-changed.v1": ("Katalog program", "Programme catalogue"),
    "asn.enrollment.session-changed.v1": ("Sesi pelatihan", "Training session"),
    "asn.enrollment.asn-profile-changed.v1": ("Profil ASN", "Civil servant profile"),
    "asn.enrollment.enrollment-changed.v1": ("Status pendaftaran", "Enrollment status"),
    "asn.enrollment.training-completed.v1": ("Pelatihan selesai (JP)", "Training completed (JP)"),
    "asn.recommendations.recommendation-issued.v1": (
        "Rekomendasi pribadi",
        "Personal recommendation",
    ),
    "asn.recommendations.nudge-requested.v1": ("Pengingat pribadi", "Personal nudge"),
}


@dataclass(frozen=True)
class EventOption:
    topic: str
    personal: bool
    label: tuple[str, str]


def event_options() -> list[EventOption]:
    """Public types first, then those naming a person (only with allow_personal_data)."""
    return [
        EventOption(topic, topic in PERSONAL_TOPICS, EVENT_LABELS.get(topic, (topic, topic)))
        for topic in (*PUBLIC_TOPICS, *sorted(PERSONAL_TOPICS))
    ]


def registration_body(form: dict[str, str]) -> dict[str, Any]:
    """The API's body from the form; the webhooks service checks it and names what it refuses."""
    types = sorted(k[len(TYPE_FIELD) :] for k, v in form.items() if k.startswith(TYPE_FIELD) and v)
    return {
        "agency": form.get("agency", "").strip(),
        "url": form.get("url", "").strip(),
        "event_types": types,
        "allow_personal_data": form.get("allow_personal_data") == "1",
    }


def overlap_seconds(form: dict[str, str]) -> float | None:
    """The overlap typed in hours (decimal comma or point) in seconds; None when left empty
    (the service's default, 24 h); ValueError unless a number of 0 to 30 days."""
    raw = form.get("overlap_h", "").strip().replace(",", ".")
    if not raw:
        return None
    hours = float(raw)  # ValueError on text
    if not 0 <= hours <= MAX_OVERLAP_H:
        raise ValueError(raw)
    return hours * 3600


def dead_letter_ids(form: dict[str, str]) -> list[int] | None:
    """One dead letter's id (the row's button), or None: all of them."""
    raw = form.get("id", "").strip()
    return [int(raw)] if raw.isdigit() and 0 < int(raw) < 2**63 else None
