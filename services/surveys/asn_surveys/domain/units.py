"""Service units (unit layanan) as the domain sees them.

A unit has a field (bidang), the services it offers, the number of people it serves per month
(the population for Krejcie-Morgan sample adequacy) and, optionally, its own element weights,
kept as exact fractions ("1/9"), never as rounded decimals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from asn_platform.vocabulary import Bidang
from asn_surveys.domain.ikm import DEFAULT_WEIGHTS, Weights

# Fields a change may set to null; any other field given as null is refused.
NULLABLE_FIELDS = frozenset({"district", "weights"})


class UnitNotFound(LookupError):
    def __init__(self, unit_id: str) -> None:
        super().__init__(unit_id)
        self.unit_id = unit_id


class UnitExists(ValueError):
    def __init__(self, unit_id: str) -> None:
        super().__init__(unit_id)
        self.unit_id = unit_id


@dataclass(frozen=True, slots=True)
class Unit:
    unit_id: str
    name: str
    bidang: Bidang
    district: str | None
    served_per_month: int
    services: tuple[str, ...]
    weights: Weights | None  # None: the default 1/9 each
    active: bool

    @property
    def effective_weights(self) -> Weights:
        return self.weights or DEFAULT_WEIGHTS

    def offers(self, service: str) -> bool:
        return service in self.services

    def changed(self, changes: Mapping[str, Any]) -> Unit:
        """This unit with the given fields replaced (validated already; services as a list)."""
        values = dict(changes)
        if "services" in values:
            values["services"] = tuple(values["services"])
        return dataclasses.replace(self, **values)


def null_fields(changes: Mapping[str, Any]) -> list[str]:
    """Fields given as null that may not be null."""
    return [
        name for name, value in changes.items() if value is None and name not in NULLABLE_FIELDS
    ]
