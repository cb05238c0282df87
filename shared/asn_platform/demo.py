"""`asn-demo`: the whole loop of the platform, step by step, against a running platform.

Start the platform in one terminal (`./dev run`), then run `.venv/bin/asn-demo` in another.
Everything goes through the services' HTTP APIs, as a newcomer or an operator would use them:

 1. synthetic but realistic SKM answers (seeded, so every run sends the same ones) for three
    Tangerang Selatan units: Disdukcapil clearly failing on U7 Perilaku Pelaksana, the others
    fine; each unit's served_per_month is lowered first (operator API) so that a small number
    of answers is an adequate Krejcie-Morgan sample;
 2. the IKM per unit and element, the gap the surveys service detected;
 3. the programme the recommendations service scheduled (with its explanation);
 4. the sessions the enrollment service opened and the invitations it sent;
 5. most invitations accepted, one declined with a reason; attendance and completion scores;
 6. JP balances and who is still below 20 JP; one person's recommendations (reasons, evidence);
    the nudge for the person who declined; the impact, or the honest "belum ada data".

Asynchronous steps (events between the services) are polled with a timeout; a step that never
happens stops the demo with a message naming the step and the service. Running it again is safe:
answers carry stable client references per period (a resend is counted once), and invitations
already answered are taken as they are.

The steps are plain functions returning the services' data, so the end-to-end test drives the
same loop (tests/e2e/test_full_loop.py).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from asn_platform.logmask import mask_nip

T = TypeVar("T")
Json = dict[str, Any]

SERVICES = ("surveys", "enrollment", "recommendations")
DEFAULT_URLS = {
    "surveys": "http://127.0.0.1:8001",
    "enrollment": "http://127.0.0.1:8002",
    "recommendations": "http://127.0.0.1:8003",
}
# The development OpenID provider `./dev run` starts (base port + 10); production: Keycloak.
DEFAULT_ISSUER = "http://127.0.0.1:8010/realms/asn"
OIDC_PORT_OFFSET = 10
# Client credentials of the demo (acts as BKPSDM admin) and of a survey kiosk: the development
# provider's seeded clients (asn_platform.devkit_oidc, deploy/keycloak/realm-asn.json).
DEMO_CLIENT = ("asn-demo", "dev-demo-secret")
KIOSK_CLIENT = ("asn-kiosk", "dev-kiosk-secret")
ELEMENT_CODES = tuple(f"U{i}" for i in range(1, 10))
SEED = 2026
# People served per month set on the demo units: 15 a quarter, so 14 answers are an adequate
# Krejcie-Morgan sample (the seed's 12,000 a month for Disdukcapil would need 380).
DEMO_SERVED_PER_MONTH = 5
MIN_RESPONSES = 14
READY_WAIT_S = 20.0  # how long a platform that is still starting may take to be ready
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


# --- errors and HTTP ---------------------------------------------------------------------------


class DemoError(Exception):
    """A step that failed or never happened: which service, what, and (once known) which step."""

    def __init__(self, service: str, message: str, step: str | None = None) -> None:
        super().__init__(message)
        self.service = service
        self.message = message
        self.step = step

    def __str__(self) -> str:
        where = f"[{self.step}] " if self.step else ""
        return f"{where}{self.service}: {self.message}"


@dataclass(frozen=True, slots=True)
class Urls:
    surveys: str = DEFAULT_URLS["surveys"]
    enrollment: str = DEFAULT_URLS["enrollment"]
    recommendations: str = DEFAULT_URLS["recommendations"]
    issuer: str = DEFAULT_ISSUER

    def of(self, service: str) -> str:
        url: str = getattr(self, service)
        return url.rstrip("/")

    @classmethod
    def on_base_port(cls, base_port: int, host: str = "127.0.0.1") -> Urls:
        surveys, enrollment, recommendations = (f"http://{host}:{base_port + i}" for i in (1, 2, 3))
        issuer = f"http://{host}:{base_port + OIDC_PORT_OFFSET}/realms/asn"
        return cls(surveys, enrollment, recommendations, issuer)


def _error_text(response: httpx.Response, lang: str) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        message = body.get("message_en" if lang == "en" else "message") or body.get("message")
        fields = body.get("fields") or []
        if message:
            details = "; ".join(
                f"{f.get('field')}: {f.get('problem')}" for f in fields if isinstance(f, dict)
            )
            return f"{message}{' (' + details + ')' if details else ''}"
        if "detail" in body:
            return str(body["detail"])[:300]
    return str(body)[:300]


class Api:
    """The three services' HTTP APIs, with errors that name the service."""

    def __init__(
        self,
        urls: Urls | None = None,
        *,
        lang: str = "id",
        token: str | None = None,
        kiosk_token: str | None = None,
        client: tuple[str, str] = DEMO_CLIENT,
        kiosk_client: tuple[str, str] = KIOSK_CLIENT,
        request_timeout_s: float = 15.0,
        wait_timeout_s: float = 45.0,
        poll_interval_s: float = 0.3,
    ) -> None:
        self.urls = urls or Urls()
        self.lang = lang
        self.wait_timeout_s = wait_timeout_s
        self.poll_interval_s = poll_interval_s
        headers = {"Accept-Language": lang, "User-Agent": "asn-demo"}
        self.client = httpx.Client(timeout=request_timeout_s, headers=headers)
        # Tokens by client credentials from the identity provider: the demo acts as a BKPSDM
        # admin and submits answers as a registered kiosk (which the rate limit lets through).
        token = token or self.client_token(*client)
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.operator_headers: dict[str, str] = {}
        self.kiosk_headers = {
            "Authorization": f"Bearer {kiosk_token or self.client_token(*kiosk_client)}"
        }

    def client_token(self, client_id: str, secret: str) -> str:
        issuer = self.urls.issuer.rstrip("/")
        try:
            found = self.client.get(f"{issuer}/.well-known/openid-configuration")
            found.raise_for_status()
            r = self.client.post(
                found.json()["token_endpoint"],
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
            )
            r.raise_for_status()
            return str(r.json()["access_token"])
        except (httpx.HTTPError, KeyError, ValueError) as err:
            raise DemoError(
                "identity",
                self.t(
                    f"token untuk {client_id} tidak didapat dari {issuer}: {err}",
                    f"no token for {client_id} from {issuer}: {err}",
                ),
            ) from None

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def t(self, text_id: str, text_en: str) -> str:
        return text_en if self.lang == "en" else text_id

    def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        url = self.urls.of(service) + path
        try:
            return self.client.request(method, url, params=params, json=json, headers=headers)
        except httpx.ConnectError:
            raise DemoError(
                service,
                self.t(
                    f"tidak bisa dihubungi di {self.urls.of(service)}; sudahkah platform "
                    "dijalankan (./dev run) dan URL-nya benar?",
                    f"cannot be reached at {self.urls.of(service)}; is the platform running "
                    "(./dev run) and the URL right?",
                ),
            ) from None
        except httpx.HTTPError as err:
            raise DemoError(
                service, f"{method} {path}: {type(err).__name__} {err}".strip()
            ) from None

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        ok: Sequence[int] = (200, 201),
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        response = self.request(service, method, path, params=params, json=json, headers=headers)
        if response.status_code not in ok:
            raise DemoError(
                service,
                f"{method} {path} -> HTTP {response.status_code}: "
                f"{_error_text(response, self.lang)}",
            )
        return response.json()

    def get(self, service: str, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.call(service, "GET", path, params=clean or None)

    def wait_until(
        self,
        service: str,
        what: str,
        probe: Callable[[], T | None],
        timeout_s: float | None = None,
    ) -> T:
        """Call `probe` until it returns something (events take time); DemoError on timeout."""
        limit = self.wait_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + limit
        while True:
            found = probe()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise DemoError(
                    service,
                    self.t(
                        f"{what}: belum terjadi setelah {limit:.0f} detik. Periksa log layanan "
                        f"{service} (.data/{service}.log) dan apakah broker Kafka berjalan.",
                        f"{what}: did not happen within {limit:.0f} s. Check the {service} "
                        f"service's log (.data/{service}.log) and that the Kafka broker runs.",
                    ),
                )
            time.sleep(self.poll_interval_s)


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


# --- the whole loop, narrated -----------------------------------------------------------------


def _num(value: float | None, lang: str, digits: int = 2) -> str:
    if value is None:
        return "-"
    text = f"{value:.{digits}f}"
    return text if lang == "en" else text.replace(".", ",")


def _thousands(value: int, lang: str) -> str:
    text = f"{value:,}"
    return text if lang == "en" else text.replace(",", ".")


MUTU_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "bold red"}


@dataclass
class DemoResult:
    readiness: Readiness
    units: list[UnitPrep]
    submitted: list[SubmitResult]
    ikm: list[Json]
    gap: Json
    scheduled: Scheduled
    invitations: Invitations
    answered: Answered
    completed: list[Json]
    jp: JpStanding
    person: Json
    nudge: Json
    impact: Json


class Narrator:
    """Runs the steps and tells a newcomer what happens, in Indonesian (or English)."""

    STEPS = 10

    def __init__(self, api: Api, console: Console) -> None:
        self.api = api
        self.console = console
        self.lang = api.lang
        self.number = 0

    def t(self, text_id: str, text_en: str) -> str:
        return self.api.t(text_id, text_en)

    @contextmanager
    def step(
        self, title_id: str, title_en: str, caption_id: str, caption_en: str
    ) -> Iterator[None]:
        self.number += 1
        title = self.t(title_id, title_en)
        word = self.t("Langkah", "Step")
        self.console.print()
        self.console.rule(f"[bold cyan]{word} {self.number}/{self.STEPS}[/] {escape(title)}")
        self.console.print(escape(self.t(caption_id, caption_en)), style="dim")
        try:
            yield
        except DemoError as err:
            err.step = err.step or f"{word} {self.number}: {title}"
            raise

    def waiting(self, text: str) -> Any:
        return self.console.status(escape(text), spinner="dots")

    def say(self, text: str, style: str | None = None) -> None:
        self.console.print(escape(text), style=style)

    def run(self) -> DemoResult:
        api, t = self.api, self.t
        self.console.print(
            Panel.fit(
                t(
                    "Demo Platform Pengembangan ASN - Kota Tangerang Selatan\n"
                    "Survei warga -> IKM -> kesenjangan -> program pelatihan -> undangan -> "
                    "kehadiran -> JP -> rekomendasi, pengingat, dampak",
                    "ASN Development Platform demo - Kota Tangerang Selatan\n"
                    "Citizen survey -> IKM -> gap -> training programme -> invitations -> "
                    "attendance -> JP -> recommendations, nudges, impact",
                ),
                border_style="cyan",
            )
        )
        for service in SERVICES:
            self.say(f"  {service:<16} {api.urls.of(service)}", "dim")

        with self.step(
            "Platform siap",
            "Platform ready",
            "Ketiga layanan menjawab /ready, dan layanan rekomendasi sudah membaca daftar ASN "
            "dari event layanan enrollment (tanpa itu tidak ada pegawai yang bisa dilatih).",
            "All three services answer /ready, and recommendations has read the civil-servant "
            "roster from enrollment's events (without it there is nobody to train).",
        ):
            with self.waiting(t("Memeriksa layanan...", "Checking the services...")):
                ready = check_platform(api)
            self.say(
                t(
                    f"Siap. {FAILING_UNIT}: {ready.roster_size} ASN aktif di enrollment, "
                    f"{ready.known_to_recommendations} dikenal layanan rekomendasi.",
                    f"Ready. {FAILING_UNIT}: {ready.roster_size} active staff in enrollment, "
                    f"{ready.known_to_recommendations} known to recommendations.",
                ),
                "green",
            )

        with self.step(
            "Warga mengisi survei (SKM)",
            "Citizens fill in the survey (SKM)",
            "Jawaban sintetis tetapi wajar (acak dengan benih tetap) dikirim lewat API survei "
            "(POST /api/v1/responses, seperti kios). Disdukcapil sengaja buruk pada U7 Perilaku "
            "Pelaksana; unit lain baik. Setiap jawaban punya client_ref tetap, jadi menjalankan "
            "demo lagi tidak menghitung jawaban dua kali.",
            "Synthetic but plausible answers (seeded random) go through the surveys API "
            "(POST /api/v1/responses, like a kiosk). Disdukcapil is deliberately poor on U7 "
            "Staff behaviour; the other units are fine. Every answer has a stable client_ref, "
            "so running the demo again does not count answers twice.",
        ):
            with self.waiting(t("Menyiapkan unit...", "Preparing the units...")):
                units = prepare_units(api)
            for u in units:
                if u.lowered:
                    self.say(
                        t(
                            f"Operator: jumlah dilayani per bulan {u.name} diubah "
                            f"{_thousands(u.served_before, 'id')} -> {u.served_after} (PATCH /api/v1/units/"
                            f"{u.unit_id}) agar sampel Krejcie-Morgan cukup dengan "
                            f"{u.required_sample} jawaban (populasi {u.population} per "
                            "triwulan). Hanya untuk demo.",
                            f"Operator: people served per month at {u.name} changed "
                            f"{_thousands(u.served_before, 'en')} -> {u.served_after} (PATCH "
                            f"/api/v1/units/{u.unit_id}) so that {u.required_sample} answers are an adequate "
                            f"Krejcie-Morgan sample (population {u.population} per quarter). "
                            "Demo only.",
                        ),
                        "yellow",
                    )
            submitted = self._submit(units)
            for s in submitted:
                if s.skipped:
                    self.say(
                        t(
                            f"{s.unit_id}: {s.planned} jawaban sudah tercatat pada run "
                            "sebelumnya (tidak dihitung ulang).",
                            f"{s.unit_id}: {s.planned} answers were recorded by an earlier "
                            "run (not counted again).",
                        ),
                        "dim",
                    )
            waited = sum(s.waited_s for s in submitted)
            if waited:
                self.say(
                    t(
                        f"Layanan survei membatasi kiriman per alamat IP (ASN_RATE_LIMIT_PER_"
                        f"MINUTE, bawaan 30/menit); demo menunggu {waited:.0f} detik sesuai "
                        "Retry-After. Untuk demo yang lebih cepat jalankan platform dengan "
                        "ASN_RATE_LIMIT_PER_MINUTE=0.",
                        f"The surveys service limits submissions per IP address "
                        f"(ASN_RATE_LIMIT_PER_MINUTE, default 30/min); the demo waited "
                        f"{waited:.0f} s as Retry-After asked. For a faster demo start the "
                        "platform with ASN_RATE_LIMIT_PER_MINUTE=0.",
                    ),
                    "dim",
                )

        period = units[0].period_key
        with self.step(
            "IKM per unit dan kesenjangan",
            "IKM per unit, and the gap",
            "Layanan survei menghitung IKM (Permenpan RB 14/2017): NRR = rata-rata jawaban per "
            "unsur, IKM konversi = NRR x 25; mutu A >= 88,31, B >= 76,61, C >= 65,00, D di "
            "bawahnya. Unsur di bawah 76,61 dengan sampel memadai adalah kesenjangan layanan.",
            "The surveys service computes the IKM (Permenpan RB 14/2017): NRR = mean answer per "
            "element, converted = NRR x 25; grade A >= 88.31, B >= 76.61, C >= 65.00, D below. "
            "An element under 76.61 on an adequate sample is a service gap.",
        ):
            ikm = unit_ikm(api, [u.unit_id for u in units], period)
            self._show_ikm(ikm)
            with self.waiting(t("Menunggu kesenjangan...", "Waiting for the gap...")):
                gap = wait_for_gap(api, period=period)
            others = open_gaps(api, [u.unit_id for u in units[1:]], period)
            self.say(
                t(
                    f"Kesenjangan terdeteksi: {FAILING_UNIT} {gap['element']} skor "
                    f"{_num(gap['score'], self.lang)} < {_num(gap['threshold'], self.lang)} "
                    f"(sampel {gap['sample_size']}, {gap['period']}). Event "
                    "service-gap-detected dikirim ke Kafka.",
                    f"Gap detected: {FAILING_UNIT} {gap['element']} score "
                    f"{_num(gap['score'], self.lang)} < {_num(gap['threshold'], self.lang)} "
                    f"(sample {gap['sample_size']}, {gap['period']}). A service-gap-detected "
                    "event went to Kafka.",
                ),
                "bold red",
            )
            for unit_id, gaps in others.items():
                if gaps:
                    self.say(
                        t(
                            f"{unit_id}: juga ada kesenjangan pada "
                            f"{', '.join(g['element'] for g in gaps)}",
                            f"{unit_id}: also gaps on {', '.join(g['element'] for g in gaps)}",
                        ),
                        "yellow",
                    )
                else:
                    self.say(
                        t(f"{unit_id}: tidak ada kesenjangan.", f"{unit_id}: no gap."), "green"
                    )

        with self.step(
            "Program dijadwalkan (layanan rekomendasi)",
            "Programme scheduled (recommendations)",
            "Layanan rekomendasi membaca event kesenjangan, memilih kompetensi dan program "
            "menurut aturan yang dikelola BKPSDM, memilih kohort pegawai unit itu, mencari "
            "tanggal tanpa bentrok, lalu mengirim event programme-scheduled.",
            "The recommendations service reads the gap event, picks the competencies and the "
            "programme from the rules the HR office keeps, picks the unit's cohort, finds "
            "clash-free dates, and publishes a programme-scheduled event.",
        ):
            with self.waiting(t("Menunggu keputusan...", "Waiting for the decision...")):
                scheduled = wait_for_programme(api, gap)
            self._show_programme(scheduled)

        with self.step(
            "Sesi dibuka dan undangan dikirim (enrollment)",
            "Sessions opened and invitations sent (enrollment)",
            "Layanan enrollment membaca programme-scheduled, membuka sesi dengan kapasitasnya, "
            "dan mengundang setiap anggota kohort.",
            "The enrollment service reads programme-scheduled, opens the sessions with their "
            "capacity, and invites every cohort member.",
        ):
            with self.waiting(t("Menunggu sesi...", "Waiting for the sessions...")):
                invitations = wait_for_invitations(api, scheduled)
            roster = roster_of(api, FAILING_UNIT)
            self._show_invitations(invitations, roster)

        with self.step(
            "Undangan dijawab, kehadiran, kelulusan",
            "Invitations answered, attendance, completion",
            "Sebagian besar menerima undangan; satu orang menolak dengan alasan (penolakan "
            "selalu memerlukan alasan). Lalu kehadiran dicatat dan kelulusan dengan nilai "
            "(Kirkpatrick level 2). Demo mempercepat waktu: sesi dianggap sudah berlangsung.",
            "Most accept; one person declines with a reason (a decline always needs one). Then "
            "attendance is marked and completion with a score (Kirkpatrick level 2). The demo "
            "fast-forwards: the sessions are taken as held.",
        ):
            answered = answer_invitations(api, invitations)
            completed = complete_training(api, answered.accepted)
            self._show_answers(answered, completed, roster)

        with self.step(
            "Saldo JP (minimal 20 JP per tahun)",
            "JP balances (at least 20 JP a year)",
            "Kelulusan menambah JP di buku JP layanan enrollment dan dikirim sebagai event "
            "training-completed.",
            "Completion credits JP in enrollment's JP ledger and is published as a "
            "training-completed event.",
        ):
            jp = jp_standing(api, sorted(invitations.nips))
            self._show_jp(jp, roster)

        person_nip = min((e["nip"] for e in completed), default=None)
        if person_nip is None:
            raise DemoError("enrollment", t("tidak ada yang lulus", "nobody completed"), "JP")
        person_jp = next(p["jp"] for p in jp.people if p["nip"] == person_nip)
        with self.step(
            "Rekomendasi pribadi",
            "Personal recommendations",
            "Layanan rekomendasi membangun riwayat dan saldo JP setiap ASN hanya dari event, "
            "lalu memberi rekomendasi berperingkat dengan alasan dan data di baliknya.",
            "The recommendations service builds each person's history and JP balance from "
            "events only, and gives ranked recommendations with reasons and the data behind "
            "them.",
        ):
            with self.waiting(t("Menunggu event kelulusan...", "Waiting for completions...")):
                person = wait_for_recommendations(api, person_nip, float(person_jp))
            self._show_person(person, roster)

        declined = answered.declined
        if declined is None:
            raise DemoError("enrollment", t("tidak ada penolakan", "no decline"), "nudge")
        with self.step(
            "Pengingat untuk yang menolak",
            "A nudge for the person who declined",
            "Penolakan bukan akhir: layanan rekomendasi menjelaskan manfaat program bagi orang "
            "itu, mengingatkan, dan melibatkan atasan bila perlu (event nudge-requested).",
            "A decline is not the end: recommendations explains the programme's benefit to "
            "that person, reminds them, and involves the supervisor when needed "
            "(nudge-requested event).",
        ):
            with self.waiting(t("Menunggu pengingat...", "Waiting for the nudge...")):
                nudge = wait_for_nudge(api, declined["nip"], declined["programme_code"])
            self._show_nudge(nudge, declined, roster)

        with self.step(
            "Dampak (Kirkpatrick level 4)",
            "Impact (Kirkpatrick level 4)",
            "Apakah skor unsur unit naik sesudah pelatihan? Dibandingkan periode survei sebelum "
            "dan sesudah program; tanpa data, layanan menjawab jujur 'belum ada data'.",
            "Did the unit's element score rise after the training? The survey periods before "
            "and after the programme are compared; without data the service says so honestly.",
        ):
            with self.waiting(t("Menunggu data dampak...", "Waiting for impact data...")):
                impact = wait_for_impact(api, scheduled, len(completed))
            self._show_impact(impact)

        self.console.print()
        self.console.print(
            Panel.fit(
                t(
                    "Selesai: lingkaran survei -> pelatihan -> JP -> rekomendasi tertutup.\n"
                    f"Laporan SKM: {api.urls.surveys}/api/v1/reports/units/{FAILING_UNIT}\n"
                    f"Formulir warga: {api.urls.surveys}/s/{FAILING_UNIT}\n"
                    f"Dokumentasi API: {api.urls.surveys}/docs, {api.urls.enrollment}/docs, "
                    f"{api.urls.recommendations}/docs\n"
                    f"Unit demo kini melayani {DEMO_SERVED_PER_MONTH} orang/bulan (untuk sampel "
                    "kecil); kembalikan dengan PATCH /api/v1/units/{unit_id} "
                    '{"served_per_month": ...}.',
                    "Done: the survey -> training -> JP -> recommendation loop is closed.\n"
                    f"SKM report: {api.urls.surveys}/api/v1/reports/units/{FAILING_UNIT}"
                    "?lang=en\n"
                    f"Citizen form: {api.urls.surveys}/s/{FAILING_UNIT}?lang=en\n"
                    f"API docs: {api.urls.surveys}/docs, {api.urls.enrollment}/docs, "
                    f"{api.urls.recommendations}/docs\n"
                    f"The demo units now serve {DEMO_SERVED_PER_MONTH} people a month (for a "
                    "small sample); restore with PATCH /api/v1/units/{unit_id} "
                    '{"served_per_month": ...}.',
                ),
                border_style="green",
            )
        )
        return DemoResult(
            ready, units, submitted, ikm, gap, scheduled, invitations, answered, completed, jp,
            person, nudge, impact,
        )  # fmt: skip

    # --- display helpers --------------------------------------------------------------------

    def _submit(self, units: Sequence[UnitPrep]) -> list[SubmitResult]:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[note]}"),
            console=self.console,
        )
        tasks = {
            u.unit_id: progress.add_task(
                f"{u.unit_id:<20}", total=max(u.required_sample, MIN_RESPONSES), note=""
            )
            for u in units
        }

        def on_progress(unit_id: str, done: int, note: str | None) -> None:
            progress.update(tasks[unit_id], completed=done, note=note or "")

        with progress:
            return submit_surveys(self.api, units, on_progress=on_progress)

    def _show_ikm(self, ikm: Sequence[Json]) -> None:
        t, lang = self.t, self.lang
        period = ikm[0]["period"]["label"]
        summary = Table(title=t(f"IKM per unit - {period}", f"IKM per unit - {period}"))
        summary.add_column("Unit")
        summary.add_column(t("Responden", "Respondents"), justify="right")
        summary.add_column(t("Sampel minimal", "Required sample"), justify="right")
        summary.add_column("IKM", justify="right")
        summary.add_column(t("IKM konversi", "Converted"), justify="right")
        summary.add_column(t("Mutu", "Grade"))
        for u in ikm:
            mutu = u["mutu"] or "-"
            summary.add_row(
                u["unit_id"],
                str(u["n"]),
                str(u["required_sample"])
                + (t(" (sementara)", " (provisional)") if u["provisional"] else ""),
                _num(u["ikm"], lang, 3),
                _num(u["ikm_converted"], lang),
                f"[{MUTU_STYLE.get(mutu, '')}]{mutu} {u['mutu_label'] or ''}[/]",
            )
        self.console.print(summary)
        detail = Table(
            title=t("Per unsur: NRR, konversi, mutu", "Per element: NRR, converted, grade")
        )
        detail.add_column(t("Unsur", "Element"))
        for u in ikm:
            detail.add_column(u["unit_id"], justify="right")
        rows: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for u in ikm:
            by_code = {e["code"]: e for e in u["elements"]}
            for code in ELEMENT_CODES:
                e = by_code.get(code)
                if e:
                    names[code] = e["name"]
                cell = "-"
                if e and e["nrr"] is not None:
                    style = MUTU_STYLE.get(e["mutu"], "")
                    cell = f"{_num(e['nrr'], lang)}  {_num(e['converted'], lang)}  [{style}]{e['mutu']}[/]"
                rows.setdefault(code, []).append(cell)
        for code in ELEMENT_CODES:
            detail.add_row(f"{code} {names.get(code, '')}", *rows[code])
        self.console.print(detail)

    def _show_programme(self, scheduled: Scheduled) -> None:
        t, p = self.t, scheduled.programme
        decision = scheduled.gap["decision"]
        if scheduled.reused:
            self.say(decision["explanation"], "yellow")
            self.say(
                t(
                    "Program sebelumnya untuk unsur ini yang ditampilkan:",
                    "The earlier programme for this element is shown:",
                )
            )
        self.console.print(
            Panel(
                escape(p["explanation"]),
                title=t(
                    f"{p['programme_code']} untuk {p['unit_id']} ({p['element']}, {p['period']})",
                    f"{p['programme_code']} for {p['unit_id']} ({p['element']}, {p['period']})",
                ),
                subtitle=t(
                    f"aturan versi {p['rule_version']}, baris {p['rule_line']}",
                    f"rules version {p['rule_version']}, line {p['rule_line']}",
                ),
                border_style="magenta",
            )
        )
        self.say(t("Kompetensi: ", "Competencies: ") + ", ".join(p["competencies"]))
        table = Table(title=t("Sesi yang direncanakan", "Planned sessions"))
        table.add_column(t("Sesi", "Session"))
        table.add_column(t("Mulai", "Starts"))
        table.add_column(t("Selesai", "Ends"))
        table.add_column(t("Tempat", "Place"))
        table.add_column(t("Kapasitas", "Capacity"), justify="right")
        table.add_column(t("Peserta", "Participants"), justify="right")
        for s in p["sessions"]:
            table.add_row(
                s["session_ref"],
                s["starts_at"][:16].replace("T", " "),
                s["ends_at"][:16].replace("T", " "),
                s["place"] or s["online_url"] or "-",
                str(s["capacity"]),
                str(len(s["cohort"])),
            )
        self.console.print(table)

    def _who(self, nip: str, roster: dict[str, Json]) -> str:
        person = roster.get(nip)
        return f"{person['name']} ({mask_nip(nip)})" if person else mask_nip(nip)

    def _show_invitations(self, invitations: Invitations, roster: dict[str, Json]) -> None:
        t = self.t
        for s in invitations.sessions:
            seats = s["seats"]
            self.say(
                t(
                    f"Sesi {s['programme_title']} {s['starts_at'][:10]} s.d. "
                    f"{s['ends_at'][:10]}, {s['place'] or s['online_url']}: kapasitas "
                    f"{s['capacity']}, diundang {seats['invited']}, terisi {seats['taken']}.",
                    f"Session {s['programme_title']} {s['starts_at'][:10]} to "
                    f"{s['ends_at'][:10]}, {s['place'] or s['online_url']}: capacity "
                    f"{s['capacity']}, invited {seats['invited']}, taken {seats['taken']}.",
                )
            )
        table = Table(title=t("Undangan", "Invitations"))
        table.add_column(t("Nama (NIP disamarkan)", "Name (NIP masked)"))
        table.add_column(t("Jabatan", "Position"))
        table.add_column("Status")
        for e in sorted(invitations.enrollments, key=lambda e: e["nip"]):
            person = roster.get(e["nip"], {})
            table.add_row(self._who(e["nip"], roster), person.get("position", "-"), e["status"])
        self.console.print(table)

    def _show_answers(
        self, answered: Answered, completed: Sequence[Json], roster: dict[str, Json]
    ) -> None:
        t = self.t
        if answered.declined is not None:
            d = answered.declined
            self.say(
                t(
                    f'Menolak: {self._who(d["nip"], roster)} - alasan: "{d["reason"]}"',
                    f'Declined: {self._who(d["nip"], roster)} - reason: "{d["reason"]}"',
                ),
                "yellow",
            )
        for e in answered.waitlisted:
            self.say(t("Daftar tunggu: ", "Waitlisted: ") + self._who(e["nip"], roster), "yellow")
        for e, why in answered.refused:
            self.say(
                t("Tidak bisa menerima: ", "Could not accept: ")
                + f"{self._who(e['nip'], roster)}: {why}",
                "yellow",
            )
        table = Table(title=t("Hadir dan lulus", "Attended and completed"))
        table.add_column(t("Nama", "Name"))
        table.add_column("Status")
        table.add_column(t("Nilai", "Score"), justify="right")
        for e in completed:
            table.add_row(self._who(e["nip"], roster), e["status"], str(e["score"]))
        self.console.print(table)

    def _show_jp(self, jp: JpStanding, roster: dict[str, Json]) -> None:
        t = self.t
        table = Table(
            title=t(f"JP tahun {jp.unit['year']} - kohort", f"JP in {jp.unit['year']} - cohort")
        )
        table.add_column(t("Nama", "Name"))
        table.add_column("JP", justify="right")
        table.add_column(t("Kurang", "Shortfall"), justify="right")
        table.add_column(t("Memenuhi 20 JP", "Meets 20 JP"))
        for p in jp.people:
            ok = p["compliant"]
            table.add_row(
                self._who(p["nip"], roster),
                str(p["jp"]),
                str(p["shortfall"]),
                f"[green]{t('ya', 'yes')}[/]" if ok else f"[red]{t('belum', 'not yet')}[/]",
            )
        self.console.print(table)
        u = jp.unit
        self.say(
            t(
                f"{FAILING_UNIT}: {u['compliant']} dari {u['headcount']} ASN sudah >= "
                f"{u['minimum']} JP ({_num(u['percent_compliant'], self.lang, 1)}%). Masih di "
                "bawah 20 JP:",
                f"{FAILING_UNIT}: {u['compliant']} of {u['headcount']} staff have >= "
                f"{u['minimum']} JP ({_num(u['percent_compliant'], self.lang, 1)}%). Still "
                "below 20 JP:",
            ),
            "bold",
        )
        for b in u["below"]:
            self.say(
                f"  - {b['name']} ({mask_nip(b['nip'])}): {b['jp']} JP, "
                + t(f"kurang {b['shortfall']} JP", f"{b['shortfall']} JP short"),
                "yellow",
            )

    def _show_person(self, person: Json, roster: dict[str, Json]) -> None:
        t = self.t
        self.say(
            t(
                f"{self._who(person['nip'], roster)}, {person['position_type']}: "
                f"{person['jp_status']}",
                f"{self._who(person['nip'], roster)}, {person['position_type']}: "
                f"{person['jp_status']}",
            ),
            "bold",
        )
        if person["completed"]:
            self.say(
                t("Sudah diikuti: ", "Completed: ")
                + ", ".join(
                    f"{c['programme_code']} ({c['completed_on']})" for c in person["completed"]
                )
            )
        table = Table(
            title=t("Rekomendasi berperingkat", "Ranked recommendations"), show_lines=True
        )
        table.add_column("#", justify="right")
        table.add_column(t("Program", "Programme"))
        table.add_column("JP", justify="right")
        table.add_column(t("Alasan", "Reason"), ratio=3)
        table.add_column(t("Bukti (data)", "Evidence (data)"), ratio=2)
        for item in person["items"]:
            evidence = []
            for r in item["reasons"]:
                data = r.get("data") or {}
                if "element" in data:
                    evidence.append(
                        f"{data['unit_id']} {data['element']} NRR {_num(data['nrr'], self.lang)} "
                        f"= {_num(data['converted'], self.lang)} ({data['mutu']}), "
                        f"n={data['sample_size']}, {data['period']}, "
                        + t(
                            f"aturan baris {data.get('rule_line')}",
                            f"rule line {data.get('rule_line')}",
                        )
                    )
                else:
                    evidence.append(
                        f"{r['kind']}: "
                        + ", ".join(
                            f"{k}={v}" for k, v in data.items() if not isinstance(v, (dict, list))
                        )
                    )
            table.add_row(
                str(item["rank"]),
                f"{item['title']} ({item['programme_code']})",
                str(item["jp"]),
                escape(item["reason"]),
                escape("\n".join(evidence) or "-"),
            )
        self.console.print(table)

    def _show_nudge(self, nudge: Json, declined: Json, roster: dict[str, Json]) -> None:
        t = self.t
        supervisor = nudge.get("supervisor_nip")
        self.console.print(
            Panel(
                escape(nudge["message"]),
                title=t(
                    f"Pengingat ke-{nudge['attempt']} dari {nudge['max_reminders']} untuk "
                    f"{self._who(declined['nip'], roster)}",
                    f"Reminder {nudge['attempt']} of {nudge['max_reminders']} for "
                    f"{self._who(declined['nip'], roster)}",
                ),
                subtitle=t(
                    f"nada: {nudge['register']}; atasan: "
                    + (self._who(supervisor, roster) if supervisor else "belum dilibatkan"),
                    f"tone: {nudge['tone']}; supervisor: "
                    + (self._who(supervisor, roster) if supervisor else "not involved yet"),
                ),
                border_style="yellow",
            )
        )

    def _show_impact(self, impact: Json) -> None:
        t = self.t
        self.say(
            t(
                f"{impact['programme_code']} ({impact['unit_id']} {impact['element']}): "
                f"{impact['completions']} lulus; status: {impact['status']}",
                f"{impact['programme_code']} ({impact['unit_id']} {impact['element']}): "
                f"{impact['completions']} completed; status: {impact['status']}",
            )
        )
        style = "green" if impact.get("direction") == "up" else "yellow"
        self.console.print(Panel(escape(impact["summary"]), border_style=style))


def run_demo(api: Api, console: Console) -> DemoResult:
    return Narrator(api, console).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="asn-demo",
        description="Demo of the whole loop against a running platform (./dev run): surveys "
        "-> IKM -> gap -> programme -> invitations -> completion -> JP -> recommendations.",
    )
    parser.add_argument("--surveys-url", default=DEFAULT_URLS["surveys"])
    parser.add_argument("--enrollment-url", default=DEFAULT_URLS["enrollment"])
    parser.add_argument("--recommendations-url", default=DEFAULT_URLS["recommendations"])
    parser.add_argument("--lang", choices=("id", "en"), default="id", help="id (default) or en")
    parser.add_argument(
        "--timeout",
        type=float,
        default=45.0,
        help="seconds to wait for each asynchronous step (events between services)",
    )
    parser.add_argument(
        "--issuer",
        default=os.environ.get("ASN_OIDC_ISSUER", DEFAULT_ISSUER),
        help="OpenID provider the demo gets its tokens from (client credentials)",
    )
    parser.add_argument(
        "--client",
        default=os.environ.get("ASN_DEMO_CLIENT", ":".join(DEMO_CLIENT)),
        help="client_id:secret of the demo (role admin); default: the dev provider's asn-demo",
    )
    parser.add_argument(
        "--kiosk-client",
        default=os.environ.get("ASN_DEMO_KIOSK_CLIENT", ":".join(KIOSK_CLIENT)),
        help="client_id:secret of the kiosk it submits as (role kiosk)",
    )
    args = parser.parse_args(argv)
    console = Console()
    urls = Urls(args.surveys_url, args.enrollment_url, args.recommendations_url, args.issuer)
    client_id, _, secret = args.client.partition(":")
    kiosk_id, _, kiosk_secret = args.kiosk_client.partition(":")
    try:
        api = Api(
            urls,
            lang=args.lang,
            client=(client_id, secret),
            kiosk_client=(kiosk_id, kiosk_secret),
            wait_timeout_s=args.timeout,
        )
        with api:
            run_demo(api, console)
    except DemoError as err:
        console.print()
        console.print(
            Panel(
                escape(str(err)),
                title="Demo gagal" if args.lang == "id" else "Demo failed",
                border_style="red",
            )
        )
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("dihentikan." if args.lang == "id" else "interrupted.")
        sys.exit(130)
    sys.exit(0)


if __name__ == "__main__":
    main()
