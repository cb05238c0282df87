"""Benchmark: how long the console's main pages take to load in a real browser, on the demo.

    python benchmarks/console_pages.py [--rounds 15]           # starts its own platform
    python benchmarks/console_pages.py --responses 1000000     # then again at 1M responses
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

With ``--responses N`` it then COPYs N random responses of this year into the surveys database
(benchmarks/bulk_responses.py, the bulk path of surveys_intake), rebuilds the year's aggregate
rows, VACUUMs, measures the same pages again and prints both side by side with the p95 ratio.
A unit page's processing table per respondent is loaded after the page by htmx, so it is
measured as its own page (/units/disdukcapil/respondents). With ``--base-port`` the surveys
database must be named: ``--surveys-dsn``.

Bounded: a fixed number of loads, loopback only; its own platform is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from bulk_responses import bulk_load, quiesce
from rich.console import Console
from rich.table import Table

from asn_devkit import demo
from asn_devkit.benchmarking import percentile
from asn_devkit.browser import CHROMEDRIVER, CHROMIUM, DESKTOP, chromium
from asn_devkit.launched import PORTS_USED, launched_platform, wait_ready
from asn_devkit.oidc import DEV_PASSWORD
from asn_devkit.testing import postgres_server_from, service_base_port
from asn_platform.db import with_database
from asn_platform.timezone import now_jakarta

console = Console(width=110)
PAGES = {
    "admin.bkpsdm": [
        "/dashboard", "/units/disdukcapil", "/units/disdukcapil/respondents", "/sessions",
        "/people?unit_id=disdukcapil", "/recommendations",
    ],
    "ayu.hidayati": ["/me"],
}  # fmt: skip
TIMING = """
const n = performance.getEntriesByType('navigation')[0];
return n && n.loadEventEnd > 0 ? [n.responseStart - n.startTime, n.loadEventEnd - n.startTime]
                               : null;
"""


@contextmanager
def own_platform(timeout_s: float) -> Iterator[tuple[int, str]]:
    """The platform on free ports with the demo's data, and its surveys database's DSN;
    stopped (SIGINT) at the end, its databases dropped."""
    base = service_base_port(count=PORTS_USED)
    prefix = f"asn_bench_console_{base}_"
    with (
        tempfile.TemporaryDirectory(prefix="asn-bench-console-") as tmp,
        postgres_server_from(("DATABASE_URL",), temp_prefix="asn-bench-console-pg-") as (pg, _),
    ):
        urls = demo.Urls.on_base_port(base)
        env = {**os.environ, "DATABASE_URL": pg, "ASN_DATABASE_PREFIX": prefix}
        with launched_platform(
            Path(tmp) / "data", base, kafka_port=base + 7, env=env, log=Path(tmp) / "out"
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
            yield base, with_database(pg, f"{prefix}surveys")
        asyncio.run(_drop_databases(pg, prefix))


async def _drop_databases(server: str, prefix: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        names = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "%"
        )
        for row in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{row[0]}" WITH (FORCE)')
    finally:
        await conn.close()


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


Results = dict[str, tuple[list[float], list[float]]]


def report(results: Results, rounds: int) -> None:
    table = Table(title=f"console page loads in chromium, {rounds} loads each (ms)")
    for col in ("page", "first byte p50", "first byte p95", "load p50", "load p95"):
        table.add_column(col, justify="left" if col == "page" else "right", no_wrap=True)
    for path, (first, load) in results.items():
        table.add_row(
            path, *(f"{percentile(v, p):.0f}" for v in (first, load) for p in (50, 95))
        )  # fmt: skip
    console.print(table)


def report_both(demo_size: Results, big: Results, rounds: int, responses: int) -> None:
    """Demo size and `responses` stored, side by side; the ratio is of the p95s (big / demo)."""
    table = Table(
        title=f"console page loads in chromium, {rounds} loads each, p50 / p95 ms: demo data "
        f"vs 'big' = {responses:,} more stored responses; p95 x = big / demo"
    )
    # short headers: the table must fit 110 columns (first byte and load, p50 / p95 each)
    cols = ("page", "1st byte demo", "1st byte big", "p95 x", "load demo", "load big", "p95 x")
    for col in cols:
        table.add_column(col, justify="left" if col == "page" else "right", no_wrap=True)
    for path, (first, load) in demo_size.items():
        big_first, big_load = big[path]
        cells: list[str] = []
        for small, large in ((first, big_first), (load, big_load)):
            cells += [
                f"{percentile(small, 50):.0f} / {percentile(small, 95):.0f}",
                f"{percentile(large, 50):.0f} / {percentile(large, 95):.0f}",
                f"{percentile(large, 95) / max(percentile(small, 95), 0.1):.2f}",
            ]
        table.add_row(path, *cells)
    console.print(table)


def grow(dsn: str, responses: int) -> None:
    year = now_jakarta().year
    console.print(f"loading {responses:,} responses of {year} into the surveys database ...")
    timings = asyncio.run(bulk_load(dsn, responses, year))
    vacuum_s = asyncio.run(quiesce(dsn))
    console.print(
        f"COPY {timings['copy_s']:.1f} s, aggregate rows {timings['aggregate_s']:.1f} s, "
        f"VACUUM ANALYZE {vacuum_s:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="loads per page (after one warm-up)")
    parser.add_argument("--base-port", type=int, help="measure a running `./dev run` on this base")
    parser.add_argument("--ready-timeout", type=float, default=180.0)
    parser.add_argument(
        "--responses", type=int, default=0, help="then load this many responses and measure again"
    )
    parser.add_argument("--surveys-dsn", help="the surveys database (with --base-port)")
    args = parser.parse_args()
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        raise SystemExit(f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian chromium, chromium-driver)")
    if args.base_port:
        if args.responses and not args.surveys_dsn:
            raise SystemExit("--responses with --base-port needs --surveys-dsn")
        run(args.base_port, args.surveys_dsn, args)
    else:
        with own_platform(args.ready_timeout) as (base, dsn):
            run(base, dsn, args)


def run(base: int, dsn: str | None, args: argparse.Namespace) -> None:
    url = f"http://127.0.0.1:{base + 4}"
    results = measure(url, args.rounds)
    if not args.responses or dsn is None:
        report(results, args.rounds)
        return
    grow(dsn, args.responses)
    report_both(results, measure(url, args.rounds), args.rounds, args.responses)


if __name__ == "__main__":
    main()
