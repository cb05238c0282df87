"""Service quality bands (mutu pelayanan) of Permenpan RB 14/2017 on the converted IKM.

Bands are inclusive as written and apply to the converted value rounded half-up to two
decimals: 88.305 shows as 88.31 and is A; 88.3049 shows as 88.30 and is B. The 2004 bands
(Kepmenpan 25/2004) differ and must not be mixed in.
"""

from __future__ import annotations

from decimal import Decimal

from asn_platform.vocabulary import MUTU_LABELS, Mutu
from asn_surveys.domain.rounding import NumberLike, round_half_up

CONVERTED_MIN = Decimal("25.00")
CONVERTED_MAX = Decimal("100.00")

# (mutu, lowest, highest) on the two-decimal converted value, best first.
MUTU_BANDS: tuple[tuple[Mutu, Decimal, Decimal], ...] = (
    (Mutu.A, Decimal("88.31"), Decimal("100.00")),
    (Mutu.B, Decimal("76.61"), Decimal("88.30")),
    (Mutu.C, Decimal("65.00"), Decimal("76.60")),
    (Mutu.D, Decimal("25.00"), Decimal("64.99")),
)


def mutu_of(converted: NumberLike) -> Mutu:
    """Quality band of a converted score (25..100); ValueError outside that range."""
    shown = round_half_up(converted, 2)
    for mutu, low, high in MUTU_BANDS:
        if low <= shown <= high:
            return mutu
    # The bands tile 25.00..100.00 at two decimals, so only out-of-range values get here:
    # a bug upstream (answers outside 1..4 or weights not summing to 1), never a citizen's input.
    raise ValueError(
        f"nilai konversi {shown} di luar rentang 25.00-100.00 "
        f"(converted score {shown} is outside 25.00-100.00)"
    )


def mutu_label(mutu: Mutu, lang: str = "id") -> str:
    """Kinerja unit label: 'Sangat Baik' (id) or 'Very good' (en)."""
    label_id, label_en = MUTU_LABELS[mutu]
    return label_en if lang == "en" else label_id
