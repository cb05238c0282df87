"""The web console in real Chromium, on the real platform (`asn-platform run` as a process,
the demo's data): every login goes through the identity provider's login page.

- the admin sees the city dashboard and a unit page with their charts drawn (non-empty canvas);
- a Disdukcapil operator reaches their unit and is refused DPMPTSP's;
- an organiser opens a session, invites a person, marks attendance and completion, and the
  person's JP rises;
- a civil servant on a 390x844 screen accepts one invitation and declines another with a
  reason; the decline reaches recommendations (a nudge appears);
- a civil servant finds their certificate on their page and downloads the PDF through the
  console; another holder's certificate number gets a 404;
- axe-core finds no serious or critical violation on the main pages.

Screenshots of every page go to var/artefacts/console/ (gitignored).
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from asn_console.domain.formatting import wib
from asn_devkit import demo
from asn_devkit.browser import PHONE, chromium, console_errors, require_chromium
from asn_devkit.browser import shoot as browser_shot
from asn_devkit.launched import PORTS_USED, launched_platform, wait_ready
from asn_devkit.oidc import DEV_PASSWORD, token_for
from asn_devkit.testing import service_base_port
from asn_platform.timezone import now_jakarta

pytestmark = pytest.mark.e2e

DESKTOP = (1280, 900)
ROOT = Path(__file__).resolve().parents[3]
AXE = Path(__file__).with_name("axe.min.js")
AYU = "197701202002042001"  # ayu.hidayati, Disdukcapil, not in the demo's cohort
IKA = "197506281998022015"  # Ika Yuliani, DPMPTSP


@dataclass
class Running:
    base: int
    urls: demo.Urls
    console: str
    log_dir: Path

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(self.urls.issuer, 'admin')}"}

    def logs(self) -> str:
        out = []
        for path in sorted(self.log_dir.glob("*.log")):
            out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-2500:]}")
        return "\n".join(out)


@pytest.fixture(scope="module")
def platform(tmp_path_factory, pg_server_url, db_factory) -> Iterator[Running]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("console")
    prefix = f"asn_test_console_{db_factory.run_id}_"
    db_factory.created += [f"{prefix}{name}" for name in (*demo.SERVICES, "webhooks")]
    base = service_base_port(count=PORTS_USED)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ASN_DATABASE_URL")
        and not k.startswith("ASN_KAFKA_")
    }
    env.update(DATABASE_URL=pg_server_url, ASN_DATABASE_PREFIX=prefix)
    data_dir = tmp / "data"
    urls = demo.Urls.on_base_port(base)
    running = Running(base, urls, f"http://127.0.0.1:{base + 4}", data_dir)
    with launched_platform(
        data_dir, base, kafka_port=base + 7, env=env, log=tmp / "launcher.out"
    ) as proc:
        wait_ready([urls.surveys, urls.enrollment, urls.recommendations, running.console], proc)
        with demo.Api(urls, wait_timeout_s=45.0, poll_interval_s=0.2) as api:
            demo.run_demo(api, Console(file=io.StringIO(), width=100))
        yield running


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = chromium(DESKTOP)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def phone() -> Iterator[Any]:
    driver = chromium(PHONE)
    try:
        yield driver
    finally:
        driver.quit()


def login(driver: Any, console: str, username: str, start: str = "/") -> None:
    """Through the provider's real login page, as a person would."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{console}{start}")
    if "/auth/login" not in driver.current_url and "openid-connect" not in driver.current_url:
        driver.get(f"{console}/auth/login?next={start}")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.NAME, "username"))
    assert "/realms/asn/protocol/openid-connect/auth" in driver.current_url
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(DEV_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(
        lambda d: (
            d.current_url.startswith(console)
            and "/auth/" not in d.current_url
            and d.get_cookie("asn_console_session")
            and d.execute_script("return document.readyState") == "complete"
        )
    )
    cookies = {c["name"]: c for c in driver.get_cookies()}
    session = cookies["asn_console_session"]
    assert session["httpOnly"] and session["sameSite"] == "Lax"


def shoot(driver: Any, name: str) -> Path:
    return browser_shot(driver, "console", name)


def charts_drawn(driver: Any) -> dict[str, int]:
    """Each chart's count of non-blank canvas pixels (sampled), by container id."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return [...document.querySelectorAll('[data-chart]')]"
            ".every(e => e.getAttribute('data-drawn') && e.querySelector('canvas'))"
        )
    )
    time.sleep(0.5)
    return dict(
        driver.execute_script(
            """const out = {};
            for (const el of document.querySelectorAll('[data-chart]')) {
              const c = el.querySelector('canvas');
              const ctx = c.getContext('2d');
              const d = ctx.getImageData(0, 0, c.width, c.height).data;
              let inked = 0;
              for (let i = 0; i < d.length; i += 4 * 97) { if (d[i + 3] > 0) inked++; }
              out[el.id] = inked;
            }
            return out;"""
        )
    )


def axe(driver: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the current page."""
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n.get("target") for n in v.get("nodes", [])][:5]}
        for v in result
        if v.get("impact") in ("serious", "critical")
    ]  # fmt: skip


def row_state(driver: Any, nip: str) -> str | None:
    """The status shown in a roster row, or None while the row is missing or being replaced."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return str(driver.find_element(By.CSS_SELECTOR, f'tr[data-nip="{nip}"] .state').text)
    except (NoSuchElementException, StaleElementReferenceException):
        return None


no_console_errors = console_errors


# --- the tests --------------------------------------------------------------------------------
def test_admin_dashboard_and_unit_charts(platform: Running, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    login(browser, platform.console, "admin.bkpsdm", "/dashboard")
    assert browser.current_url.endswith("/dashboard")
    drawn = charts_drawn(browser)
    assert set(drawn) >= {"chart-ikm-units", "chart-ikm-trend", "chart-gaps-element",
                          "chart-jp-units"}, drawn  # fmt: skip
    assert all(v > 20 for v in drawn.values()), drawn
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "80,56" in text and "80.56" not in text  # Indonesian decimal comma
    problems = {"dashboard": axe(browser)}
    shoot(browser, "admin-dashboard")
    assert not no_console_errors(browser)

    browser.get(f"{platform.console}/units/disdukcapil")
    drawn = charts_drawn(browser)
    assert "chart-elements" in drawn and drawn["chart-elements"] > 20, drawn
    table = browser.find_element(By.CSS_SELECTOR, "table.processing").text
    assert "2,214" in table and "80,56" in table  # U7 NRR, converted IKM
    problems["unit"] = axe(browser)
    shoot(browser, "admin-unit-disdukcapil")

    # the unit page loads the processing table per respondent after itself (htmx)
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "table.respondents")
    )
    respondents = browser.find_element(By.CSS_SELECTOR, "table.respondents").text
    assert "2,214" in respondents and "80,56" in respondents  # its footer: U7 NRR, converted IKM

    for path, name in (("/sessions", "sessions"), ("/people?unit_id=disdukcapil", "people"),
                       ("/recommendations", "recommendations"),
                       ("/webhooks", "webhooks"), ("/dead-letters", "dead-letters"),
                       ("/units/disdukcapil/respondents", "respondents")):  # fmt: skip
        browser.get(f"{platform.console}{path}")
        problems[name] = axe(browser)
        shoot(browser, f"admin-{name}")
    # every consuming service answered the dead-letter list (none unreachable or refused)
    browser.get(f"{platform.console}/dead-letters")
    assert browser.find_elements(By.ID, "dead-letters")
    assert not browser.find_elements(By.CSS_SELECTOR, "main p.note"), browser.page_source[:2000]
    browser.get(f"{platform.console}/dashboard?lang=en")
    assert "City dashboard" in browser.find_element(By.TAG_NAME, "h1").text
    assert "80.56" in browser.find_element(By.TAG_NAME, "main").text
    shoot(browser, "admin-dashboard-en")
    assert not any(problems.values()), json.dumps(problems, indent=1)


def test_unit_report_downloads_as_pdf(platform: Running, browser: Any) -> None:
    """The unit page's PDF link, with the browser's session: the surveys' report, in
    Indonesian number format."""
    from pypdf import PdfReader
    from selenium.webdriver.common.by import By

    login(browser, platform.console, "admin.bkpsdm", "/units/disdukcapil")
    link = browser.find_element(By.LINK_TEXT, "PDF").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    got = httpx.get(link, cookies=cookies, timeout=30)
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert "attachment" in got.headers["content-disposition"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(got.content)).pages)
    assert "Disdukcapil" in text or "Kependudukan" in text, text[:400]
    assert "80,56" in text and "80.56" not in text, text[:800]


def test_unit_operator_sees_only_own_unit(platform: Running, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    login(browser, platform.console, "operator.disdukcapil")
    assert browser.current_url.endswith("/units/disdukcapil")
    charts_drawn(browser)
    nav = browser.find_element(By.TAG_NAME, "nav").text
    assert "Dasbor kota" not in nav
    shoot(browser, "operator-disdukcapil-unit")
    browser.get(f"{platform.console}/units/dpmptsp")
    assert "Ditolak" in browser.find_element(By.TAG_NAME, "h1").text
    assert "Dinas Penanaman Modal" not in browser.page_source
    shoot(browser, "operator-disdukcapil-refused-dpmptsp")
    browser.get(f"{platform.console}/dashboard")
    assert "Ditolak" in browser.find_element(By.TAG_NAME, "h1").text
    browser.get(f"{platform.console}/people?unit_id=dpmptsp")
    assert IKA not in browser.page_source  # scoped to the operator's own unit


def test_organiser_opens_a_session_invites_and_marks_completion(
    platform: Running, browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    admin = platform.admin()
    with httpx.Client(base_url=platform.urls.enrollment, headers=admin, timeout=15) as api:
        jp_before = api.get(f"/api/v1/asn/{IKA}/jp").json()["jp"]

    # Attendance and completion are refused before a session starts: this one began two days
    # ago (a session that has started can still be opened, e.g. when entered afterwards).
    starts = (now_jakarta() - timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    ends = starts + timedelta(days=3, hours=8)
    login(browser, platform.console, "penyelenggara.bkpsdm", "/sessions")
    assert browser.current_url.endswith("/sessions")
    browser.find_element(By.CSS_SELECTOR, "#open-session summary").click()
    Select(browser.find_element(By.ID, "programme_code")).select_by_value("ADMINDUK")
    for field, value in (("starts_at", starts), ("ends_at", ends)):
        browser.execute_script(
            "arguments[0].value = arguments[1]",
            browser.find_element(By.ID, field),
            value.strftime("%Y-%m-%dT%H:%M"),
        )
    browser.find_element(By.ID, "place").send_keys("Aula BKPSDM")
    shoot(browser, "organiser-open-session")
    browser.find_element(By.CSS_SELECTOR, "#open-session button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: "/sessions/" in d.current_url)
    assert wib(starts) in browser.find_element(By.CLASS_NAME, "sub").text

    browser.find_element(By.ID, "nip").send_keys(IKA)
    browser.find_element(By.NAME, "accept").click()
    browser.find_element(By.CSS_SELECTOR, "form[action$='/invite'] button").click()
    WebDriverWait(browser, 30).until(lambda d: row_state(d, IKA) == "Terdaftar")
    shoot(browser, "organiser-roster-before")
    browser.find_element(By.CSS_SELECTOR, f'tr[data-nip="{IKA}"] button.attend').click()
    WebDriverWait(browser, 30).until(lambda d: row_state(d, IKA) == "Hadir")
    browser.find_element(By.CSS_SELECTOR, f'tr[data-nip="{IKA}"] input.score').send_keys("88")
    browser.find_element(By.CSS_SELECTOR, f'tr[data-nip="{IKA}"] button.complete').click()
    WebDriverWait(browser, 30).until(lambda d: row_state(d, IKA) == "Selesai")
    assert "88" in browser.find_element(By.CSS_SELECTOR, f'tr[data-nip="{IKA}"]').text
    problems = axe(browser)
    shoot(browser, "organiser-roster-after")
    with httpx.Client(base_url=platform.urls.enrollment, headers=admin, timeout=15) as api:
        jp_after = api.get(f"/api/v1/asn/{IKA}/jp").json()["jp"]
    assert jp_after == jp_before + 32  # ADMINDUK is 32 JP
    browser.get(f"{platform.console}/sessions")
    problems += axe(browser)
    assert not problems, problems


def test_organiser_reschedules_then_cancels_a_session(platform: Running, browser: Any) -> None:
    """From the session page, with the CSRF token of the forms; enrollment tells the cohort
    (session-changed with sequence + 1, the invitations cancelled with their events)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    admin = platform.admin()
    with httpx.Client(base_url=platform.urls.enrollment, headers=admin, timeout=15) as api:
        created = api.post(
            "/api/v1/programmes/ADMINDUK/sessions",
            json={"starts_at": "2027-04-05T08:00:00+07:00", "ends_at": "2027-04-08T16:00:00+07:00",
                  "place": "Aula BKPSDM"},
        )  # fmt: skip
        assert created.status_code in (200, 201), created.text
        sid = created.json()["id"]
        invited = api.post(f"/api/v1/sessions/{sid}/enrollments", json={"nip": IKA})
        assert invited.status_code in (200, 201), invited.text

    login(browser, platform.console, "penyelenggara.bkpsdm", f"/sessions/{sid}")
    # not started yet: no attendance or completion buttons, and the page says why
    assert "belum dimulai" in browser.find_element(By.CLASS_NAME, "note").text
    assert not browser.find_elements(By.CSS_SELECTOR, f'tr[data-nip="{IKA}"] button.attend')
    browser.find_element(By.CSS_SELECTOR, "#reschedule-session summary").click()
    for field, value in (("r_starts_at", "2027-04-12T08:00"), ("r_ends_at", "2027-04-15T16:00")):
        browser.execute_script(
            "arguments[0].value = arguments[1]", browser.find_element(By.ID, field), value
        )
    browser.find_element(By.ID, "r_reason").send_keys("Aula dipakai untuk pelantikan.")
    problems = axe(browser)
    shoot(browser, "organiser-reschedule-session")
    browser.find_element(By.CSS_SELECTOR, "#reschedule-session button[type=submit]").click()
    # The submit reloads the page: the heading read before the reload may go stale.
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "12 April 2027, 08.00 WIB" in d.find_element(By.CLASS_NAME, "sub").text
    )
    assert "dijadwalkan ulang" in browser.find_element(By.CLASS_NAME, "note").text

    browser.find_element(By.CSS_SELECTOR, "#cancel-session summary").click()
    browser.find_element(By.ID, "c_reason").send_keys("Narasumber berhalangan.")
    browser.find_element(By.CSS_SELECTOR, "#cancel-session input[name=confirm]").click()
    browser.find_element(By.CSS_SELECTOR, "#cancel-session button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "session-cancelled"))
    assert "Narasumber berhalangan." in browser.find_element(By.ID, "session-cancelled").text
    assert row_state(browser, IKA) == "Dibatalkan"
    assert not browser.find_elements(By.ID, "reschedule-session")
    problems += axe(browser)
    shoot(browser, "organiser-session-cancelled")
    with httpx.Client(base_url=platform.urls.enrollment, headers=admin, timeout=15) as api:
        after = api.get(f"/api/v1/sessions/{sid}").json()
    assert after["sequence"] == 2 and after["cancel_reason"] == "Narasumber berhalangan."
    assert not problems, problems


def test_civil_servant_downloads_only_their_own_certificate(platform: Running, phone: Any) -> None:
    """Ika's completion (the organiser's test above) issued a certificate: her page lists it and
    the console passes the PDF through with her token; another holder's number is not hers."""
    from selenium.webdriver.common.by import By

    admin = platform.admin()
    with httpx.Client(base_url=platform.urls.notifications, headers=admin, timeout=15) as api:
        deadline = time.monotonic() + 45
        mine: list[Any] = []
        while time.monotonic() < deadline and not mine:
            mine = api.get(f"/api/v1/asn/{IKA}/certificates").json()["items"]
            time.sleep(0.5)
        assert mine, f"no certificate for Ika's completion\n{platform.logs()}"
        sent = api.get("/api/v1/deliveries", params={"status": "sent", "limit": 1000}).json()
        holder = next(
            r["recipient_nip"]
            for r in sent["items"]
            if r["kind"] == "completion" and r["recipient_nip"] != IKA
        )
        others = api.get(f"/api/v1/asn/{holder}/certificates").json()["items"]
        assert others, "the demo's completions have certificates too"

    login(phone, platform.console, "ika.yuliani")
    assert phone.current_url.endswith("/me")
    panel = phone.find_element(By.CSS_SELECTOR, "section[aria-labelledby=cert-h]")
    assert "Sertifikat saya" in panel.text and mine[0]["number"] in panel.text
    link = panel.find_element(By.CSS_SELECTOR, f'li[data-number="{mine[0]["number"]}"] a')
    href = link.get_attribute("href")
    assert href == f"{platform.console}/me/certificates/{mine[0]['number']}.pdf"
    shoot(phone, "asn-phone-me-certificates")
    problems = axe(phone)

    cookies = {c["name"]: c["value"] for c in phone.get_cookies()}
    with httpx.Client(cookies=cookies, timeout=15) as browser_session:
        pdf = browser_session.get(href)
        assert pdf.status_code == 200, pdf.text[:300]
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        assert mine[0]["number"] in pdf.headers["content-disposition"]
        not_hers = browser_session.get(
            f"{platform.console}/me/certificates/{others[0]['number']}.pdf"
        )
        assert not_hers.status_code == 404, not_hers.status_code
        assert browser_session.get(f"{platform.console}/me/certificates/x.pdf").status_code == 404
    assert not problems, problems


def test_civil_servant_on_a_phone_accepts_and_declines(platform: Running, phone: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    admin = platform.admin()
    with httpx.Client(base_url=platform.urls.enrollment, headers=admin, timeout=15) as api:
        sessions = api.get("/api/v1/sessions").json()
        demo_session = next(s for s in sessions if s["programme_code"] == "PLP-PRIMA")
        created = api.post(
            "/api/v1/programmes/ADMINDUK/sessions",
            json={"starts_at": "2027-03-01T08:00:00+07:00", "ends_at": "2027-03-04T16:00:00+07:00",
                  "place": "Aula BKPSDM"},
        )  # fmt: skip
        assert created.status_code in (200, 201), created.text
        invites = {}
        for sid in (demo_session["id"], created.json()["id"]):
            r = api.post(f"/api/v1/sessions/{sid}/enrollments", json={"nip": AYU})
            assert r.status_code in (200, 201), r.text
            invites[sid] = r.json()["id"]
    decline_id, accept_id = invites[demo_session["id"]], invites[created.json()["id"]]

    login(phone, platform.console, "ayu.hidayati")
    assert phone.current_url.endswith("/me")
    width = phone.execute_script("return document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"page wider than the phone: {width}px"
    problems = axe(phone)
    shoot(phone, "asn-phone-me-before")

    card = phone.find_element(By.ID, f"inv-{accept_id}")
    button = card.find_element(By.CSS_SELECTOR, "button.accept")
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    WebDriverWait(phone, 30).until(
        lambda d: (
            d.find_element(By.ID, f"inv-{accept_id}").get_attribute("data-status") == "enrolled"
        )
    )
    card = phone.find_element(By.ID, f"inv-{decline_id}")
    reason = card.find_element(By.TAG_NAME, "textarea")
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", reason)
    reason.send_keys("Bertepatan dengan pelayanan KTP-el keliling di kecamatan.")
    card.find_element(By.CSS_SELECTOR, ".decline button").click()
    WebDriverWait(phone, 30).until(
        lambda d: (
            d.find_element(By.ID, f"inv-{decline_id}").get_attribute("data-status") == "declined"
        )
    )
    assert "KTP-el keliling" in phone.find_element(By.ID, f"inv-{decline_id}").text
    history = phone.find_element(By.ID, "history").text  # refreshed beside the cards
    assert "Menolak" in history and "Terdaftar" in history
    shoot(phone, "asn-phone-me-answered")

    deadline = time.monotonic() + 45
    nudges: list[Any] = []
    with httpx.Client(base_url=platform.urls.recommendations, headers=admin, timeout=15) as api:
        while time.monotonic() < deadline and not nudges:
            nudges = api.get("/api/v1/nudges", params={"nip": AYU}).json()["items"]
            time.sleep(0.5)
    assert nudges, f"no nudge for the decline\n{platform.logs()}"
    phone.get(f"{platform.console}/me")
    assert "Pengingat untuk Anda" in phone.page_source
    shoot(phone, "asn-phone-me-nudge")
    assert not problems, problems


def test_csrf_and_logout(platform: Running, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    login(browser, platform.console, "auditor.inspektorat")
    cookie = browser.get_cookie("asn_console_session")["value"]
    forged = httpx.post(
        f"{platform.console}/auth/logout",
        cookies={"asn_console_session": cookie},
        data={"csrf": "wrong"},
        timeout=30,
    )
    assert forged.status_code == 403
    browser.find_element(By.CSS_SELECTOR, "form[action='/auth/logout'] button").click()
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "a.button.big"))
    browser.get(f"{platform.console}/dashboard")
    assert "openid-connect/auth" in browser.current_url  # signed out: back to the login page
