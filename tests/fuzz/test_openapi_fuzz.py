"""Property-based fuzzing of each service's OpenAPI (schemathesis): no input gives a 5xx.

One test per service, each with its own fixed seed, so a failure reproduces. Every operation of
the service's /openapi.json is called with generated valid data (positive mode: huge integers,
odd Unicode, far-away dates within what the schema allows) and invalid data (negative mode:
wrong types, out-of-range values, missing fields), against the real server over HTTP.

Checks: ``not_a_server_error`` (any 5xx fails) and ``response_schema_conformance`` (the body
matches the declared response model; many routes return plain objects without a model, and
there only the status is checked). Budget: ``ASN_FUZZ_EXAMPLES`` examples per operation and mode
(default 12) and at most ``ASN_FUZZ_BUDGET_S`` seconds per service (default 60); operations not
reached within the budget are named in the output. Deeper local run, e.g.:
``ASN_FUZZ_EXAMPLES=200 ASN_FUZZ_BUDGET_S=600 ./dev test -m fuzz -s``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

pytestmark = [pytest.mark.fuzz, pytest.mark.integration]

SEEDS = {"surveys": 20261201, "enrollment": 20261202, "recommendations": 20261203}
EXAMPLES = int(os.environ.get("ASN_FUZZ_EXAMPLES", "12"))
BUDGET_S = float(os.environ.get("ASN_FUZZ_BUDGET_S", "60"))
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.mark.parametrize("service", list(SEEDS))
def test_no_server_error_for_any_input(
    service: str,
    fuzz_services: dict[str, str],
    api_headers: Callable[[str], dict[str, str]],
) -> None:
    base_url = fuzz_services[service]
    headers = api_headers(service)
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    session = requests.Session()
    failures: list[str] = []
    calls = 0
    started = time.monotonic()
    skipped: list[str] = []
    for index, operation in enumerate(operations):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() - started > BUDGET_S:
                skipped.append(f"{operation.label} ({mode.value})")
                continue

            @seed(SEEDS[service] * 100 + index * 2 + (mode is GenerationMode.NEGATIVE))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],  # no shrinking: keeps CI short
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case: schemathesis.Case) -> None:
                nonlocal calls
                calls += 1
                case.call_and_validate(
                    base_url=base_url, session=session, headers=headers, checks=CHECKS
                )

            try:
                fuzz()
            except Unsatisfiable:
                continue  # nothing to negate (no parameters, or only free-form ones)
            except (Exception, BaseExceptionGroup) as err:  # collect it; fuzz the others too
                failures.append(f"--- {operation.label} ({mode.value})\n{err}")
    elapsed = time.monotonic() - started
    print(
        f"\nfuzz {service}: {len(operations)} operations, {calls} requests in {elapsed:.1f}s,"
        f" seed {SEEDS[service]}, {len(failures)} failing operation(s)"
    )
    if skipped:
        print(f"fuzz {service}: not reached within {BUDGET_S:.0f}s: {', '.join(skipped)}")
    assert not failures, "\n\n".join(failures)
