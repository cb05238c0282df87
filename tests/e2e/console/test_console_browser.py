"""The web console in real Chromium, on the real platform (`asn-platform run` as a process,
the demo's data): every login goes through the identity provider's login page.

- the admin sees the city dashboard and a unit page with their charts drawn (non-empty canvas);
- a Disdukcapil operator reaches their unit and is refused DPMPTSP's;
- an organiser opens a session, invites a person, marks attendance and completion, and the
  person's JP rises;
- a civil servant on a 390x844 screen accepts one invitation and declines another with a
  reason; the decline reaches recommendations (a nudge appears);
- axe-core finds no serious or critical violation on the main pages.

Screenshots of every page go to var/artefacts/console/ (gitignored).
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from asn_platform import demo
from asn_platform.devkit_oidc import DEV_PASSWORD, token_for
from asn_platform.testing import service_base_port

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = (390, 844)
DESKTOP = (1280, 900)
ROOT = Path(__file__).resolve().parents[3]
ARTEFACTS = ROOT / "var" / "artefacts" / "console"
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


def _wait(urls: list[str], proc: subprocess.Popen[bytes], timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    pending = set(urls)
    while pending and time.monotonic() < deadline:
        assert proc.poll() is None, f"launcher exited with {proc.returncode}"
        for url in list(pending):
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    pending.discard(url)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    assert not pending, f"{sorted(pending)} not ready within {timeout_s:.0f} s"


@pytest.fixture(scope="module")
def platform(tmp_path_factory, pg_server_url, db_factory) -> Iterator[Running]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian chromium, chromium-driver)")
    tmp = tmp_path_factory.mktemp("console")
    prefix = f"asn_test_console_{db_factory.run_id}_"
    db_factory.created += [f"{prefix}{name}" for name in demo.SERVICES]
    base = service_base_port(count=5)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ASN_DATABASE_URL")
        and not k.startswith("ASN_KAFKA_")
    }
    env.update(DATABASE_URL=pg_server_url, ASN_DATABASE_PREFIX=prefix)
    data_dir = tmp / "data"
    with open(tmp / "launcher.out", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "asn_platform.launcher", "run", "--data-dir", str(data_dir),
             "--base-port", str(base), "--kafka-port", str(base + 5)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    urls = demo.Urls.on_base_port(base)
    running = Running(base, urls, f"http://127.0.0.1:{base + 4}", data_dir)
    try:
        _wait([urls.surveys, urls.enrollment, urls.recommendations, running.console], proc)
        with demo.Api(urls, wait_timeout_s=45.0, poll_interval_s=0.2) as api:
            demo.run_demo(api, Console(file=io.StringIO(), width=100))
        yield running
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _driver(size: tuple[int, int]) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={size[0]},{size[1]}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(*size)
    return driver


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = _driver(DESKTOP)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def phone() -> Iterator[Any]:
    driver = _driver(PHONE)
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
    """A full-page screenshot under var/artefacts/console/."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    original = driver.get_window_size()["height"]
    driver.set_window_size(width, min(max(height, original), 8000))
    time.sleep(0.4)
    path = ARTEFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(width, original)
    return path


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


def no_console_errors(driver: Any) -> list[str]:
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and "favicon" not in e["message"]
    ]


# --- the tests --------------------------------------------------------------------------------
def test_admin_dashboard_and_unit_charts(platform: Running, browser: Any) -> None:
    from selenium.webdriver.common.by import By

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

    for path, name in (("/sessions", "sessions"), ("/people?unit_id=disdukcapil", "people"),
                       ("/recommendations", "recommendations")):  # fmt: skip
        browser.get(f"{platform.console}{path}")
        problems[name] = axe(browser)
        shoot(browser, f"admin-{name}")
    browser.get(f"{platform.console}/dashboard?lang=en")
    assert "City dashboard" in browser.find_element(By.TAG_NAME, "h1").text
    assert "80.56" in browser.find_element(By.TAG_NAME, "main").text
    shoot(browser, "admin-dashboard-en")
    assert not any(problems.values()), json.dumps(problems, indent=1)


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

    login(browser, platform.console, "penyelenggara.bkpsdm", "/sessions")
    assert browser.current_url.endswith("/sessions")
    browser.find_element(By.CSS_SELECTOR, "#open-session summary").click()
    Select(browser.find_element(By.ID, "programme_code")).select_by_value("ADMINDUK")
    for field, value in (("starts_at", "2027-02-01T08:00"), ("ends_at", "2027-02-04T16:00")):
        browser.execute_script(
            "arguments[0].value = arguments[1]", browser.find_element(By.ID, field), value
        )
    browser.find_element(By.ID, "place").send_keys("Aula BKPSDM")
    shoot(browser, "organiser-open-session")
    browser.find_element(By.CSS_SELECTOR, "#open-session button[type=submit]").click()
    WebDriverWait(browser, 30).until(lambda d: "/sessions/" in d.current_url)
    assert "1 Februari 2027, 08.00 WIB" in browser.find_element(By.CLASS_NAME, "sub").text

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
