"""Benchmark: how long the console's main pages take to load in a real browser, on the demo.

    python benchmarks/console_pages.py [--rounds 15]           # starts its own platform
    python benchmarks/console_pages.py --base-port 8000        # a running `./dev run`

Without --base-port it starts the whole platform like `./dev run` does (`asn-platform run`
on free ports, embedded broker and PostgreSQL in a temporary folder, or DATABASE_URL) and
plays the demo into it. It then signs in through the identity provider's login page in
headless Debian chromium (Selenium, /usr/bin/chromium and /usr/bin/chromedriver) as the
seeded admin and as a civil servant, and loads each main page `--rounds` times. The figures
are the browser's own navigation timing of each load (PerformanceNavigationTiming): the time
to the first byte of the page (`responseStart`, which is the console's work: its calls to the
services and the template) and to the end of the load event (`loadEventEnd`: scripts, styles,
the charts' library), both from the start of the navigation. Caching as a returning user has it.

Bounded: a fixed number of loads, loopback only; its own platform is stopped at the end.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from asn_devkit import demo
from asn_devkit.benchmarking import percentile
from asn_devkit.browser import CHROMEDRIVER, CHROMIUM, DESKTOP, chromium
from asn_devkit.launched import PORTS_USED, launched_platform, wait_ready
from asn_devkit.oidc import DEV_PASSWORD
from asn_devkit.testing import service_base_port

console = Console(width=110)
PAGES = {
    "admin.bkpsdm": [
        "/dashboard", "/units/disdukcapil", "/sessions", "/people?unit_id=disdukcapil",
        "/recommendations",
    ],
    "ayu.hidayati": ["/me"],
}  # fmt: skip
TIMING = """
const n = performance.getEntriesByType('navigation')[0];
return n && n.loadEventEnd > 0 ? [n.responseStart - n.startTime, n.loadEventEnd - n.startTime]
                               : null;
"""


@contextmanager
def own_platform(timeout_s: float) -> Iterator[int]:
    """The platform on free ports with the demo's data; stopped (SIGINT) at the end."""
    base = service_base_port(count=PORTS_USED)
    with tempfile.TemporaryDirectory(prefix="asn-bench-console-") as tmp:
        urls = demo.Urls.on_base_port(base)
        with launched_platform(
            Path(tmp) / "data", base, kafka_port=base + 7, env=os.environ, log=Path(tmp) / "out"
        ) as proc:
            console.print(f"starting the platform on base port {base} ...")
            try:
                wait_ready([urls.surveys, urls.enrollment, urls.recommendations,
                            f"http://127.0.0.1:{base + 4}"], proc, timeout_s)  # fmt: skip
            except AssertionError as err:
                raise SystemExit(str(err)) from None
            console.print("playing the demo ...")
            with demo.Api(urls, wait_timeout_s=60.0, poll_interval_s=0.3) as api:
                demo.run_demo(api, Console(file=io.StringIO(), width=100))
            yield base


def _driver() -> Any:
    return chromium(DESKTOP)


def _login(driver: Any, console_url: str, username: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{console_url}/auth/login?next=/")
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.NAME, "username"))
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(DEV_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(
        lambda d: d.current_url.startswith(console_url) and d.get_cookie("asn_console_session")
    )


def _load(driver: Any, url: str) -> tuple[float, float]:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    found: list[float] = WebDriverWait(driver, 30).until(lambda d: d.execute_script(TIMING))
    return found[0], found[1]


def measure(console_url: str, rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    out: dict[str, tuple[list[float], list[float]]] = {}
    for user, paths in PAGES.items():
        driver = _driver()
        try:
            _login(driver, console_url, user)
            for path in paths:
                _load(driver, f"{console_url}{path}")  # warm-up: the assets reach the cache
                first, load = [], []
                for _ in range(rounds):
                    ttfb, done = _load(driver, f"{console_url}{path}")
                    first.append(ttfb)
                    load.append(done)
                out[path] = (sorted(first), sorted(load))
        finally:
            driver.quit()
    return out


def report(results: dict[str, tuple[list[float], list[float]]], rounds: int) -> None:
    table = Table(title=f"console page loads in chromium, {rounds} loads each (ms)")
    for col in ("page", "first byte p50", "first byte p95", "load p50", "load p95"):
        table.add_column(col, justify="left" if col == "page" else "right", no_wrap=True)
    for path, (first, load) in results.items():
        table.add_row(
            path, *(f"{percentile(v, p):.0f}" for v in (first, load) for p in (50, 95))
        )  # fmt: skip
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="loads per page (after one warm-up)")
    parser.add_argument("--base-port", type=int, help="measure a running `./dev run` on this base")
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    args = parser.parse_args()
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        raise SystemExit(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian chromium, chromium-driver)")
    if args.base_port:
        results = measure(f"http://127.0.0.1:{args.base_port + 4}", args.rounds)
    else:
        with own_platform(args.ready_timeout) as base:
            results = measure(f"http://127.0.0.1:{base + 4}", args.rounds)
    report(results, args.rounds)


if __name__ == "__main__":
    main()
