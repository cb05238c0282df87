"""Headless Debian Chromium for the browser tests and benchmarks (Selenium + chromedriver), one way.

The flags keep Chromium from calling home (this machine's network is closed; without them it
retries Google's hosts at every start). ``offline=True`` also makes every host other than
127.0.0.1 unresolvable and sends any other request to a dead proxy: a page that needs the
internet then visibly fails.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE = (390, 844)
DESKTOP = (1366, 900)
ARTEFACTS = Path(__file__).resolve().parents[3] / "var" / "artefacts"  # the repository's


def require_chromium() -> None:
    """Skips the calling test (pytest) when Debian's chromium or chromedriver is missing."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        import pytest

        pytest.skip(
            f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian packages chromium, chromium-driver)"
        )


def chromium(size: tuple[int, int], *, offline: bool = False) -> Any:
    require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={size[0]},{size[1]}",
    ]
    if offline:
        args += [
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=127.0.0.1",
        ]
    for arg in args:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_window_size(*size)
    return driver


def shoot(driver: Any, folder: str, name: str) -> Path:
    """A full-page screenshot under var/artefacts/<folder>/ (gitignored)."""
    target = ARTEFACTS / folder
    target.mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    height = driver.execute_script("return document.documentElement.scrollHeight")
    original = driver.get_window_size()["height"]
    driver.set_window_size(width, min(max(height, original), 8000))
    time.sleep(0.4)
    path = target / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(width, original)
    return path


def console_errors(driver: Any) -> list[str]:
    return [
        e["message"]
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and "favicon" not in e["message"]
    ]
