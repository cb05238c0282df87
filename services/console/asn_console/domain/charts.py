"""Chart data for the pages (read by static/js/console.js and drawn with ECharts)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from asn_console.domain.processing import MUTU_COLOURS, THRESHOLD
from asn_console.domain.text import pick

JP_MINIMUM = 20
Chart = dict[str, Any]


def chart(kind: str, **data: Any) -> Chart:
    return {"kind": kind, **data}


def _colours(rows: list[dict[str, Any]]) -> list[str]:
    return [MUTU_COLOURS.get(r.get("mutu") or "", "#777") for r in rows]


def jp_chart(jp: dict[str, Any] | None, lang: str) -> Chart | None:
    """A gauge of this year's JP toward the minimum (20)."""
    if not jp:
        return None
    done = float(jp.get("jp") or 0)
    minimum = float(jp.get("minimum") or JP_MINIMUM)
    return chart(
        "gauge",
        value=done,
        max=max(minimum, done),
        target=minimum,
        name=pick(("JP tahun ini", "JP this year"), lang),
    )


def nudge_chart(conversion: dict[str, Any], lang: str) -> Chart:
    converted = conversion.get("people_converted", 0)
    return chart(
        "pie",
        items=[
            {"name": pick(("Mendaftar/hadir", "Enrolled/attended"), lang),
             "value": converted, "color": "#1a7f37"},
            {"name": pick(("Belum", "Not yet"), lang),
             "value": conversion.get("people_nudged", 0) - converted, "color": "#b35c00"},
        ],
    )  # fmt: skip


def dashboard_charts(
    units: list[dict[str, Any]],
    trend: list[tuple[str, float | None]],
    gap_elements: Counter[str],
    elements: list[str],
    jp_units: list[dict[str, Any]],
    lang: str,
) -> dict[str, Chart]:
    return {
        "ikm-units": chart(
            "bar",
            categories=[u["unit_name"] for u in units],
            series=[{"name": "IKM", "data": [u.get("ikm_converted") for u in units],
                     "colors": _colours(units)}],
            yMin=25, yMax=100, markLine=THRESHOLD, horizontal=True,
        ),
        "ikm-trend": chart(
            "line",
            categories=[label for label, _ in trend],
            series=[{"name": pick(("IKM kota", "City IKM"), lang),
                     "data": [v for _, v in trend]}],
            yMin=25, yMax=100,
        ),
        "gaps-element": chart(
            "bar",
            categories=elements,
            series=[{"name": pick(("Kesenjangan terbuka", "Open gaps"), lang),
                     "data": [gap_elements.get(e, 0) for e in elements], "color": "#c62828"}],
            integer=True,
        ),
        "jp-units": chart(
            "bar",
            categories=[u["unit_id"] for u in jp_units],
            series=[{"name": pick(("% pegawai >= 20 JP", "% staff >= 20 JP"), lang),
                     "data": [u.get("percent_compliant") for u in jp_units], "color": "#1a7f37"}],
            yMin=0, yMax=100, suffix="%",
        ),
    }  # fmt: skip


def element_chart(elements: list[dict[str, Any]], lang: str) -> Chart:
    """Converted score per element (bars in mutu colours) with the NRR as a line."""
    return chart(
        "barline",
        categories=[e["code"] for e in elements],
        series=[
            {"name": pick(("Nilai konversi", "Converted score"), lang),
             "data": [e.get("converted") for e in elements], "colors": _colours(elements)},
            {"name": "NRR", "data": [e.get("nrr") for e in elements], "type": "line",
             "yAxisIndex": 1},
        ],
        yMin=25, yMax=100, y2Min=1, y2Max=4, markLine=THRESHOLD,
    )  # fmt: skip


def respondent_charts(respondents: dict[str, Any], lang: str) -> dict[str, Chart]:
    """Respondent profile: sex as a pie, age band, education and occupation as bars."""
    sexes = {"L": pick(("Laki-laki", "Male"), lang), "P": pick(("Perempuan", "Female"), lang)}
    sex = respondents.get("sex") or {}
    charts = {
        "resp-sex": chart(
            "pie", items=[{"name": sexes.get(k, k), "value": v} for k, v in sex.items()]
        )
    }
    for dim, title in (("age_band", "age"), ("education", "education"),
                       ("occupation", "occupation")):  # fmt: skip
        values = respondents.get(dim) or {}
        charts[f"resp-{title}"] = chart(
            "bar", categories=list(values), integer=True,
            series=[{"name": pick(("Responden", "Respondents"), lang),
                     "data": list(values.values()), "color": "#0b63c5"}],
        )  # fmt: skip
    return charts


def impact_chart(items: list[dict[str, Any]], lang: str) -> Chart:
    """Converted score before and after each programme, per element."""

    def score(i: dict[str, Any], when: str) -> Any:
        return (i.get(when) or {}).get("score_converted")

    return chart(
        "bar",
        categories=[f"{i['element']} {i['programme_code']}" for i in items],
        series=[
            {"name": pick(("Sebelum", "Before"), lang), "color": "#b35c00",
             "data": [score(i, "before") for i in items]},
            {"name": pick(("Sesudah", "After"), lang), "color": "#1a7f37",
             "data": [score(i, "after") for i in items]},
        ],
        yMin=25, yMax=100, markLine=THRESHOLD,
    )  # fmt: skip
