"""Hostile input to the recommendations API: paging beyond a 64-bit integer (what the fuzzer
found on every list endpoint) and odd text in filters and paths are a 4xx naming the field."""

from __future__ import annotations

import pytest

from tests.integration.recommendations.conftest import Recs

pytestmark = pytest.mark.integration

HUGE = str(2**70)
LISTS = [
    "/api/v1/gaps",
    "/api/v1/gaps/flagged",
    "/api/v1/nudges",
    "/api/v1/nudges/escalations",
    "/api/v1/programmes",
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("name", "value"), [("offset", HUGE), ("limit", HUGE), ("offset", "-1"), ("limit", "1001")]
)
async def test_paging_beyond_the_bounds_is_refused_naming_the_parameter(
    recs: Recs, path: str, name: str, value: str
) -> None:
    r = await recs.client.get(path, params={name: value})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation_failed"
    assert [f["field"] for f in body["fields"]] == [f"query.{name}"]


@pytest.mark.parametrize("path", LISTS)
async def test_the_largest_page_and_offset_are_accepted(recs: Recs, path: str) -> None:
    r = await recs.client.get(path, params={"limit": "1000", "offset": "1000000"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/programmes/abc%00def",
        "/api/v1/programmes/" + "x" * 100,
        "/api/v1/asn/1985%0004122010011001/recommendations",
        "/api/v1/units/a%00b",
        "/api/v1/nudges?programme_code=PLP%00",
        "/api/v1/nudges?nip=%ED%A0%80",
        "/api/v1/gaps?unit_id=a%00b",
    ],
)
async def test_odd_text_in_paths_and_filters_is_4xx(recs: Recs, path: str) -> None:
    r = await recs.client.get(path)
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text)


async def test_a_huge_body_is_413_even_where_no_body_is_expected(recs: Recs) -> None:
    r = await recs.client.request(
        "GET",
        "/api/v1/gaps",
        content=b"x" * (2 * 1024 * 1024),
        headers={"content-type": "text/plain"},
    )
    assert r.status_code == 413
