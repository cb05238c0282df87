"""The service's documentation works with the network cut off: Chromium resolves no host but
127.0.0.1 and any other request goes to a dead proxy; Swagger UI and the AsyncAPI viewer
still render from the service's own assets, and the page loaded nothing from elsewhere.
Screenshots go to var/artefacts/docs/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from asn_devkit.browser import DESKTOP, chromium, console_errors, shoot

pytestmark = pytest.mark.e2e

# (path, CSS selector that appears only once the viewer has rendered the document, text in it)
PAGES = [
    ("/docs", ".swagger-ui .opblock", "/api/v1/responses"),
    ("/docs/asyncapi", "#asyncapi .aui-root", "asn.surveys.survey-submitted.v1"),
    ("/docs/events", "section", "ce_specversion"),
]


@pytest.fixture
def offline_browser() -> Iterator[Any]:
    driver = chromium(DESKTOP, offline=True)
    try:
        yield driver
    finally:
        driver.quit()


def _wait_for(driver: Any, selector: str, timeout_s: float = 30.0) -> int:
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = driver.find_elements(By.CSS_SELECTOR, selector)
        if found:
            return len(found)
        time.sleep(0.25)
    return 0


@pytest.mark.parametrize(("path", "selector", "text"), PAGES)
def test_docs_render_without_the_internet(
    server: str, offline_browser: Any, path: str, selector: str, text: str
) -> None:
    driver = offline_browser
    driver.get(server + path)
    assert _wait_for(driver, selector), f"{path}: {selector} never appeared"
    assert text in driver.page_source
    loaded = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert all(url.startswith(server) for url in loaded), loaded
    assert not console_errors(driver)
    shoot(driver, "docs", path.strip("/").replace("/", "-"))
