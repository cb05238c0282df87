"""The demo's scenario: the seeded survey answers, the steps of the loop as plain functions
returning the services' data (so the end-to-end test drives the same loop), and the waits for the
asynchronous ones (events between the services)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from asn_devkit.demo.client import (
    READY_WAIT_S,
    SERVICES,
    Api,
    DemoError,
    Json,
    _error_text,
)
from asn_platform.logmask import mask_nip

ELEMENT_CODES = tuple(f"U{i}" for i in range(1, 10))
SEED = 2026
# People served per month set on the demo units: 15 a quarter, so 14 answers are an adequate
# Krejcie-Morgan sample (the seed's 12,000 a month for Disdukcapil would need 380).
DEMO_SERVED_PER_MONTH = 5
MIN_RESPONSES = 14
JP_MINIMUM = 20
DECLINE_REASON = (
    "Bulan ini saya harus menyelesaikan target perekaman KTP-el di kecamatan; mohon dijadwalkan "
    "pada angkatan berikutnya."
)


@dataclass(frozen=True, slots=True)
class UnitPlan:
    """What citizens think of one unit: the mean answer (NRR, 1-4) per element."""

    unit_id: str
    means: dict[str, float]
    complaints: tuple[str, ...] = ()
    praise: tuple[str, ...] = ()


FAILING_UNIT = "disdukcapil"
FAILING_ELEMENT = "U7"  # Perilaku Pelaksana

PLANS: tuple[UnitPlan, ...] = (
    UnitPlan(
        FAILING_UNIT,
        {"U1": 3.3, "U2": 3.25, "U3": 3.2, "U4": 3.7, "U5": 3.35, "U6": 3.3, "U7": 2.2,
         "U8": 3.2, "U9": 3.4},
        complaints=(
            "Petugas loket kurang ramah, saya dibentak waktu bertanya syarat KK.",
            "Petugas sibuk dengan HP dan tidak menjawab pertanyaan dengan sopan.",
            "Pelayanan cepat, tapi petugasnya ketus dan tidak mau menjelaskan.",
            "Saya disuruh bolak-balik tanpa penjelasan yang jelas dari petugas.",
        ),
    ),
    UnitPlan(
        "dpmptsp",
        {"U1": 3.4, "U2": 3.3, "U3": 3.25, "U4": 3.6, "U5": 3.4, "U6": 3.45, "U7": 3.5,
         "U8": 3.3, "U9": 3.5},
        praise=("Proses izin lewat OSS jelas dan petugas membantu.", "Ruang tunggu nyaman."),
    ),
    UnitPlan(
        "puskesmas-pamulang",
        {"U1": 3.35, "U2": 3.3, "U3": 3.2, "U4": 3.8, "U5": 3.4, "U6": 3.5, "U7": 3.6,
         "U8": 3.25, "U9": 3.3},
        praise=("Bidan dan perawat ramah.", "Antrean poli umum lebih tertib sekarang."),
    ),
)  # fmt: skip


# --- step 0: the platform is up and has read the roster --------------------------------------


@dataclass
class Readiness:
    roster_size: int  # active staff of the failing unit on the enrollment roster
    known_to_recommendations: int  # of them, read from profile events by recommendations


def check_platform(api: Api, unit_id: str = FAILING_UNIT) -> Readiness:
    """Every service answers /ready, and recommendations has read the unit's roster events.

    Without the roster, a gap would find no staff to train and be flagged instead of scheduled.
    """
    for service in SERVICES:
        # A platform still starting gets a little while; one that is not there fails soon.
        deadline = time.monotonic() + min(api.wait_timeout_s, READY_WAIT_S)
        while True:
            try:
                response = api.request(service, "GET", "/ready")
                if response.status_code == 200:
                    break
                problem = DemoError(
                    service,
                    api.t(
                        f"belum siap (/ready -> HTTP {response.status_code}): "
                        f"{_error_text(response, api.lang)}",
                        f"not ready (/ready -> HTTP {response.status_code}): "
                        f"{_error_text(response, api.lang)}",
                    ),
                )
            except DemoError as err:
                problem = err
            if time.monotonic() >= deadline:
                raise problem
            time.sleep(1.0)
    roster = api.get("enrollment", "/api/v1/asn", unit_id=unit_id, active="true", limit=1000)
    size = int(roster["total"])
    if size == 0:
        raise DemoError(
            "enrollment",
            api.t(f"unit {unit_id} tidak punya ASN aktif", f"unit {unit_id} has no active staff"),
        )

    def known() -> int | None:
        view = api.get("recommendations", f"/api/v1/units/{unit_id}/recommendations",
                       people_limit=0)  # fmt: skip
        count = int(view["staff_active"])
        return count if count >= size else None

    seen = api.wait_until(
        "recommendations",
        api.t(
            f"membaca profil {size} ASN {unit_id} dari event enrollment",
            f"reading the {size} profiles of {unit_id} from enrollment's events",
        ),
        known,
    )
    return Readiness(size, seen)


# --- step 1: survey answers -------------------------------------------------------------------


@dataclass
class UnitPrep:
    unit_id: str
    name: str
    services: list[str]
    served_before: int
    served_after: int
    population: int
    required_sample: int
    period_key: str
    period_label: str

    @property
    def lowered(self) -> bool:
        return self.served_before != self.served_after


def prepare_units(
    api: Api, plans: Sequence[UnitPlan] = PLANS, served_per_month: int = DEMO_SERVED_PER_MONTH
) -> list[UnitPrep]:
    """Set each demo unit's served_per_month (operator PATCH) so a small sample is adequate."""
    prepared = []
    for plan in plans:
        unit = api.get("surveys", f"/api/v1/units/{plan.unit_id}")
        before = int(unit["served_per_month"])
        if before != served_per_month:
            unit = api.call(
                "surveys",
                "PATCH",
                f"/api/v1/units/{plan.unit_id}",
                json={"served_per_month": served_per_month},
                headers=api.operator_headers,
            )
        ikm = api.get("surveys", f"/api/v1/ikm/units/{plan.unit_id}")
        prepared.append(
            UnitPrep(
                unit_id=plan.unit_id,
                name=unit["name"],
                services=list(unit["services"]),
                served_before=before,
                served_after=int(unit["served_per_month"]),
                population=int(ikm["population"]),
                required_sample=int(ikm["required_sample"]),
                period_key=ikm["period"]["key"],
                period_label=ikm["period"]["label"],
            )
        )
    return prepared


def _element_column(rng: random.Random, mean: float, n: int) -> list[int]:
    """n answers (1-4) whose mean is exactly round(mean * n) / n, with a realistic spread."""
    total = min(max(round(mean * n), n), 4 * n)
    base, extra = divmod(total, n)
    values = [base + 1] * extra + [base] * (n - extra)
    for _ in range(n // 4):  # spread: (v, v) -> (v - 1, v + 1) keeps the sum
        i, j = rng.sample(range(n), 2)
        if values[i] == values[j] and 1 < values[i] < 4:
            values[i] -= 1
            values[j] += 1
    rng.shuffle(values)
    return values


_AGES = ((18, 24), (25, 34), (35, 44), (45, 54), (55, 70))
_EDUCATION = (("SD", 1), ("SMP", 2), ("SMA", 6), ("D1-D3", 2), ("S1", 5), ("S2", 1))
_OCCUPATION = (("Swasta", 6), ("Wirausaha", 4), ("PNS", 2), ("Lainnya", 3), ("TNI", 1))


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def survey_answers(plan: UnitPlan, services: Sequence[str], period_key: str, n: int) -> list[Json]:
    """The unit's n synthetic responses: the same for the same unit, period and n.

    Each element's column is drawn with its planned mean exactly (quota sampling), then the
    columns are shuffled independently into respondents with a plausible profile.
    """
    rng = random.Random(f"asn-demo:{SEED}:{plan.unit_id}:{n}")
    columns = {code: _element_column(rng, plan.means[code], n) for code in ELEMENT_CODES}
    responses = []
    for i in range(n):
        answers = {code: columns[code][i] for code in ELEMENT_CODES}
        low, high = rng.choice(_AGES)
        comment: str | None = None
        if plan.complaints and answers[FAILING_ELEMENT] <= 2 and rng.random() < 0.5:
            comment = rng.choice(plan.complaints)
        elif plan.praise and rng.random() < 0.25:
            comment = rng.choice(plan.praise)
        body: Json = {
            "unit_id": plan.unit_id,
            "service": rng.choice(list(services)),
            "answers": answers,
            "respondent": {
                "sex": rng.choice(("L", "P")),
                "age": rng.randint(low, high),
                "education": _weighted(rng, _EDUCATION),
                "occupation": _weighted(rng, _OCCUPATION),
            },
            "client_ref": f"asn-demo-{period_key}-{plan.unit_id}-{i + 1:03d}",
        }
        if comment:
            body["comment"] = comment
        responses.append(body)
    return responses


@dataclass
class SubmitResult:
    unit_id: str
    planned: int
    created: int = 0
    duplicates: int = 0
    conflicts: int = 0
    waited_s: float = 0.0  # time spent waiting for the rate limit (429 Retry-After)
    skipped: bool = False  # the whole batch was already recorded (an earlier run)


ProgressFn = Callable[[str, int, str | None], None]  # unit_id, done, note


def _post_response(
    api: Api, body: Json, result: SubmitResult, on_progress: ProgressFn | None
) -> int:
    """POST one response, waiting out 429/503 (Retry-After); returns 201, 200 or 409."""
    started = time.monotonic()
    while True:
        response = api.request(
            "surveys", "POST", "/api/v1/responses", json=body, headers=api.kiosk_headers
        )
        status = response.status_code
        if status in (200, 201, 409):
            return status
        if status in (429, 503):
            wait = float(response.headers.get("Retry-After", "2"))
            if time.monotonic() - started > 300:
                raise DemoError("surveys", f"HTTP {status} for 5 minutes; giving up")
            if on_progress:
                on_progress(
                    result.unit_id,
                    result.created + result.duplicates + result.conflicts,
                    api.t(
                        f"batas kiriman per alamat IP: menunggu {wait:.0f} dtk",
                        f"per-address rate limit: waiting {wait:.0f} s",
                    )
                    if status == 429
                    else api.t("layanan sibuk: menunggu", "service busy: waiting"),
                )
            time.sleep(wait)
            result.waited_s += wait
            continue
        raise DemoError(
            "surveys",
            f"POST /api/v1/responses ({body['client_ref']}) -> HTTP {status}: "
            f"{_error_text(response, api.lang)}",
        )


def submit_surveys(
    api: Api,
    units: Sequence[UnitPrep],
    plans: Sequence[UnitPlan] = PLANS,
    on_progress: ProgressFn | None = None,
) -> list[SubmitResult]:
    """Send each unit's answers through POST /api/v1/responses (the kiosk/app intake).

    The last answer goes first: if it was recorded before, an earlier run sent the whole batch
    (answers are sent in order), and nothing more is sent for that unit.
    """
    by_id = {p.unit_id: p for p in plans}
    results = []
    for unit in units:
        n = max(unit.required_sample, MIN_RESPONSES)
        batch = survey_answers(by_id[unit.unit_id], unit.services, unit.period_key, n)
        result = SubmitResult(unit.unit_id, n)
        order = [batch[-1], *batch[:-1]]
        for i, body in enumerate(order):
            status = _post_response(api, body, result, on_progress)
            if status == 201:
                result.created += 1
            elif status == 200:
                result.duplicates += 1
            else:
                result.conflicts += 1
            if i == 0 and status == 200:
                result.skipped = True
                result.duplicates = n
                break
            if on_progress:
                on_progress(unit.unit_id, i + 1, None)
        if on_progress:
            on_progress(unit.unit_id, n, None)
        results.append(result)
    return results


# --- step 2: IKM and the gap -------------------------------------------------------------------


def unit_ikm(api: Api, unit_ids: Sequence[str], period: str | None = None) -> list[Json]:
    return [api.get("surveys", f"/api/v1/ikm/units/{u}", period=period) for u in unit_ids]


def wait_for_gap(
    api: Api, unit_id: str = FAILING_UNIT, element: str = FAILING_ELEMENT, period: str | None = None
) -> Json:
    """The open gap the surveys service recorded for the unit's element (this period)."""

    def probe() -> Json | None:
        found = api.get("surveys", "/api/v1/gaps", unit_id=unit_id, period=period)
        for gap in found["gaps"]:
            if gap["element"] == element and gap["open"]:
                return dict(gap, threshold=found["threshold"])
        return None

    return api.wait_until(
        "surveys",
        api.t(
            f"kesenjangan {element} di {unit_id} terdeteksi",
            f"a {element} gap at {unit_id} detected",
        ),
        probe,
    )


def open_gaps(
    api: Api, unit_ids: Sequence[str], period: str | None = None
) -> dict[str, list[Json]]:
    return {
        u: api.get("surveys", "/api/v1/gaps", unit_id=u, period=period)["gaps"] for u in unit_ids
    }


# --- step 3: the programme scheduled by recommendations ----------------------------------------


@dataclass
class Scheduled:
    gap: Json  # recommendations' view of the gap, with its decision
    programme: Json  # the scheduled programme, each session with its cohort
    reused: bool = False  # the decision skipped (cool-down): the earlier programme is shown

    @property
    def scheduled_programme_id(self) -> str:
        value: str = self.programme["scheduled_programme_id"]
        return value

    @property
    def cohort(self) -> list[str]:
        return [nip for s in self.programme["sessions"] for nip in s["cohort"]]


def wait_for_programme(api: Api, gap: Json, unit_id: str = FAILING_UNIT) -> Scheduled:
    """recommendations' decision on the gap and the programme it scheduled."""
    key = f"{unit_id}:{gap['element']}:{gap['period']}"

    def probe() -> Json | None:
        found = api.get(
            "recommendations", "/api/v1/gaps", status="all", unit_id=unit_id,
            element=gap["element"], limit=1000,
        )  # fmt: skip
        for item in found["items"]:
            if item["gap_key"] == key and item.get("decision"):
                return dict(item)
        return None

    decided = api.wait_until(
        "recommendations",
        api.t(
            f"keputusan atas kesenjangan {key} (event service-gap-detected)",
            f"a decision on gap {key} (service-gap-detected event)",
        ),
        probe,
    )
    decision = decided["decision"]
    sp_id = decision.get("scheduled_programme_id")
    reused = False
    if decision["outcome"] != "scheduled" or not sp_id:
        # A cool-down skip points at the earlier programme for the same unit and element.
        earlier = [
            p
            for p in api.get("recommendations", "/api/v1/programmes", unit_id=unit_id)["items"]
            if p["element"] == gap["element"]
        ]
        if decision["outcome"] != "skipped" or not earlier:
            raise DemoError(
                "recommendations",
                api.t(
                    f"kesenjangan {key} tidak dijadwalkan ({decision['outcome']}): "
                    f"{decision['explanation']}",
                    f"gap {key} was not scheduled ({decision['outcome']}): "
                    f"{decision['explanation']}",
                ),
            )
        sp_id = earlier[0]["scheduled_programme_id"]
        reused = True
    programme = api.get("recommendations", f"/api/v1/programmes/{sp_id}")
    return Scheduled(decided, programme, reused)


# --- step 4: sessions and invitations by enrollment ------------------------------------------


@dataclass
class Invitations:
    sessions: list[Json]
    enrollments: list[Json]  # every enrollment of those sessions

    @property
    def nips(self) -> set[str]:
        return {e["nip"] for e in self.enrollments}


def wait_for_invitations(api: Api, scheduled: Scheduled) -> Invitations:
    """The sessions enrollment opened for the scheduled programme, and their invitations."""
    sp_id = scheduled.scheduled_programme_id
    code = scheduled.programme["programme_code"]
    expected = len(scheduled.programme["sessions"])

    def probe() -> list[Json] | None:
        found = api.get("enrollment", "/api/v1/sessions", programme_code=code, limit=500)
        mine = [s for s in found if s.get("scheduled_programme_id") == sp_id]
        return mine if len(mine) >= expected else None

    sessions = api.wait_until(
        "enrollment",
        api.t(
            f"sesi {code} dibuka untuk {sp_id} (event programme-scheduled)",
            f"sessions of {code} opened for {sp_id} (programme-scheduled event)",
        ),
        probe,
    )
    sessions.sort(key=lambda s: (s["starts_at"], s["session_ref"] or ""))
    return Invitations(sessions, session_enrollments(api, sessions))


def session_enrollments(api: Api, sessions: Sequence[Json]) -> list[Json]:
    out: list[Json] = []
    for s in sessions:
        out.extend(api.get("enrollment", f"/api/v1/sessions/{s['id']}/enrollments"))
    return out


def roster_of(api: Api, unit_id: str) -> dict[str, Json]:
    found = api.get("enrollment", "/api/v1/asn", unit_id=unit_id, limit=1000)
    return {p["nip"]: p for p in found["items"]}


# --- step 5: answers to the invitations, attendance, completion ------------------------------


@dataclass
class Answered:
    accepted: list[Json] = field(default_factory=list)  # enrolled (or further) after this step
    waitlisted: list[Json] = field(default_factory=list)
    declined: Json | None = None
    refused: list[tuple[Json, str]] = field(default_factory=list)  # e.g. a schedule clash


def _transition(api: Api, enrollment_id: str, body: Json) -> httpx.Response:
    return api.request(
        "enrollment", "POST", f"/api/v1/enrollments/{enrollment_id}/transitions", json=body
    )


def answer_invitations(
    api: Api, invitations: Invitations, reason: str = DECLINE_REASON
) -> Answered:
    """Accept every open invitation but one, which is declined with a reason.

    Idempotent: an earlier decline is kept as the one decline; answered invitations stay.
    """
    out = Answered()
    people = sorted(invitations.enrollments, key=lambda e: e["nip"])
    out.declined = next((e for e in people if e["status"] == "declined"), None)
    if out.declined is None:
        open_ = [e for e in people if e["status"] == "invited"]
        if open_:
            chosen = random.Random(f"asn-demo:{SEED}:decline").choice(open_)
            response = _transition(api, chosen["id"], {"to": "declined", "reason": reason})
            if response.status_code != 200:
                raise DemoError(
                    "enrollment",
                    f"decline -> HTTP {response.status_code}: {_error_text(response, api.lang)}",
                )
            out.declined = response.json()
    for e in people:
        if out.declined is not None and e["id"] == out.declined["id"]:
            continue
        if e["status"] == "invited":
            response = _transition(api, e["id"], {"to": "enrolled"})
            if response.status_code == 409:
                out.refused.append((e, _error_text(response, api.lang)))
                continue
            if response.status_code != 200:
                raise DemoError(
                    "enrollment",
                    f"accept -> HTTP {response.status_code}: {_error_text(response, api.lang)}",
                )
            e = response.json()
        if e["status"] == "waitlisted":
            out.waitlisted.append(e)
        elif e["status"] in ("enrolled", "attended", "completed"):
            out.accepted.append(e)
    return out


def score_for(nip: str) -> int:
    """A plausible post-test score (Kirkpatrick level 2), the same for a person every run."""
    return random.Random(f"asn-demo:{SEED}:score:{nip}").randint(68, 96)


def complete_training(api: Api, accepted: Sequence[Json]) -> list[Json]:
    """Mark attendance, then completion with a score; completed ones stay as they are."""
    done = []
    for e in accepted:
        current = e
        for target in ("attended", "completed"):
            if current["status"] == "completed":
                break
            if target == "attended" and current["status"] != "enrolled":
                continue
            body: Json = {"to": target}
            if target == "completed":
                body["score"] = score_for(e["nip"])
            response = _transition(api, e["id"], body)
            if response.status_code != 200:
                raise DemoError(
                    "enrollment",
                    f"{target} -> HTTP {response.status_code}: {_error_text(response, api.lang)}",
                )
            current = response.json()
        done.append(current)
    return done


# --- step 6: JP, recommendations, nudge, impact ----------------------------------------------


@dataclass
class JpStanding:
    people: list[Json]  # GET /api/v1/asn/{nip}/jp of each cohort member
    unit: Json  # GET /api/v1/jp/units/{unit_id}: headcount, who is below 20 JP


def jp_standing(api: Api, nips: Sequence[str], unit_id: str = FAILING_UNIT) -> JpStanding:
    people = [api.get("enrollment", f"/api/v1/asn/{nip}/jp") for nip in sorted(nips)]
    return JpStanding(people, api.get("enrollment", f"/api/v1/jp/units/{unit_id}"))


def wait_for_recommendations(api: Api, nip: str, jp_at_least: float) -> Json:
    """The person's recommendations once recommendations has read their completion events."""

    def probe() -> Json | None:
        response = api.request("recommendations", "GET", f"/api/v1/asn/{nip}/recommendations")
        if response.status_code == 404:
            return None  # profile event not read yet
        if response.status_code != 200:
            raise DemoError(
                "recommendations",
                f"/api/v1/asn/{mask_nip(nip)}/recommendations -> HTTP {response.status_code}",
            )
        view: Json = response.json()
        return view if float(view["jp_this_year"]) >= jp_at_least else None

    return api.wait_until(
        "recommendations",
        api.t(
            f"JP {mask_nip(nip)} tahun ini mencapai {jp_at_least:g} (event training-completed)",
            f"JP of {mask_nip(nip)} this year reaching {jp_at_least:g} (training-completed event)",
        ),
        probe,
    )


def wait_for_nudge(api: Api, nip: str, programme_code: str) -> Json:
    def probe() -> Json | None:
        found = api.get("recommendations", "/api/v1/nudges", nip=nip, programme_code=programme_code)
        items: list[Json] = found["items"]
        return items[0] if items else None

    return api.wait_until(
        "recommendations",
        api.t(
            f"pengingat untuk {mask_nip(nip)} yang menolak (event enrollment-changed)",
            f"a nudge for {mask_nip(nip)} who declined (enrollment-changed event)",
        ),
        probe,
    )


def wait_for_impact(api: Api, scheduled: Scheduled, completions: int) -> Json:
    """The programme's impact once recommendations has read all its completions."""
    sp_id = scheduled.scheduled_programme_id

    def probe() -> Json | None:
        found = api.get("recommendations", "/api/v1/impact", unit_id=scheduled.programme["unit_id"])
        for item in found["items"]:
            if item["scheduled_programme_id"] == sp_id and item["completions"] >= completions:
                return dict(item)
        return None

    return api.wait_until(
        "recommendations",
        api.t(
            f"dampak {sp_id} dengan {completions} kelulusan",
            f"impact of {sp_id} with {completions} completions",
        ),
        probe,
    )
