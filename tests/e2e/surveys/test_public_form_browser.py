"""The public SKM form in a real headless browser on a phone-sized screen, in Indonesian:
the page fits the screen, a premature tap shows field errors, a completed form is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from asn_devkit.browser import PHONE, chromium
from asn_devkit.testing import DatabaseFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser() -> Iterator[object]:
    driver = chromium(PHONE)
    try:
        yield driver
    finally:
        driver.quit()


def _fill_and_send(driver: object, answers: dict[str, int]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    d = driver  # type: ignore[assignment]
    Select(d.find_element(By.ID, "service")).select_by_visible_text("Imunisasi")
    for code, value in answers.items():
        radio = d.find_element(By.CSS_SELECTOR, f'input[name="{code}"][value="{value}"]')
        label = radio.find_element(By.XPATH, "..")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
        label.click()  # tap the whole row, as a thumb would
        assert radio.is_selected()
    d.find_element(By.CSS_SELECTOR, 'input[name="sex"][value="P"]').find_element(
        By.XPATH, ".."
    ).click()
    age = d.find_element(By.ID, "age")
    age.clear()
    age.send_keys("29")
    Select(d.find_element(By.ID, "education")).select_by_value("D1-D3")
    Select(d.find_element(By.ID, "occupation")).select_by_value("Wirausaha")
    d.find_element(By.ID, "comment").send_keys("Ruang tunggu nyaman.")
    submit = d.find_element(By.ID, "submit")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", submit)
    submit.click()


async def test_a_citizen_fills_in_the_form_on_a_phone(
    server: str, browser: object, tmp_path: Path, db_factory: DatabaseFactory
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser  # type: ignore[assignment]
    wait = WebDriverWait(d, 15)
    d.get(f"{server}/s/puskesmas-pamulang")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id"
    assert d.find_element(By.TAG_NAME, "h1").text == "Survei Kepuasan Masyarakat"
    assert "Puskesmas Pamulang" in d.find_element(By.TAG_NAME, "header").text
    assert "Bagaimana pendapat Saudara" in d.page_source
    # Phone-sized: nothing wider than the screen, tap targets at least 44 px high.
    width, inner = d.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width <= inner <= PHONE[0], (width, inner)
    heights = d.execute_script(
        "return Array.from(document.querySelectorAll('label.opt')).map(e => e.offsetHeight)"
    )
    assert len(heights) == 9 * 4 + 2 and min(heights) >= 44

    # A premature tap on "Kirim": the server names each missing field, nothing is stored.
    d.find_element(By.ID, "submit").click()
    wait.until(ec.presence_of_element_located((By.ID, "errors")))
    assert "Mohon periksa kembali" in d.find_element(By.ID, "errors").text
    assert d.find_element(By.ID, "err-U3").text == "Mohon dipilih"
    assert d.find_element(By.ID, "err-age").is_displayed()

    answers = {f"U{i}": 4 for i in range(1, 10)} | {"U3": 2, "U8": 3}
    _fill_and_send(d, answers)
    wait.until(ec.presence_of_element_located((By.ID, "thanks")))
    assert "Terima kasih!" in d.find_element(By.ID, "thanks").text
    assert d.current_url.endswith("/s/puskesmas-pamulang/terima-kasih")
    d.save_screenshot(str(tmp_path / "thanks.png"))

    dsn = f"{db_factory.server_url.rsplit('/', 1)[0]}/asn_test_sb_{db_factory.run_id}_surveys"
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT service, channel, u3, u8, u9, sex, age, education, occupation, comment"
            " FROM responses WHERE unit_id = 'puskesmas-pamulang'"
        )
    finally:
        await conn.close()
    assert [tuple(r) for r in rows] == [
        ("Imunisasi", "web", 2, 3, 4, "P", 29, "D1-D3", "Wirausaha", "Ruang tunggu nyaman.")
    ]

    # English is one tap away.
    d.get(f"{server}/s/puskesmas-pamulang")
    d.find_element(By.CSS_SELECTOR, "a.lang").click()
    wait.until(lambda drv: drv.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert d.find_element(By.TAG_NAME, "h1").text == "Public Satisfaction Survey"
    await asyncio.sleep(0)
