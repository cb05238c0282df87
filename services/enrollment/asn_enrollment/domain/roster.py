"""The civil-servant (ASN) profile held on the enrollment service's roster.

NIP checks need "today" (no appointment in the future). The caller passes it as validation
context, ``CivilServant.model_validate(data, context={"today": day})``, from its own clock: the
domain reads no clock, and validating without the date is a programming error (TypeError).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from asn_enrollment.domain.bilingual import bilingual
from asn_enrollment.domain.nip import mask_nip, parse_nip
from asn_platform.inputs import Clean, Name, SafeText, passed_in
from asn_platform.vocabulary import Bidang, PositionType

# Golongan/ruang of PNS (PP 99/2000 scale): I, II and III run a-d, only IV reaches e.
RANKS: tuple[str, ...] = (
    *(f"I/{r}" for r in "abcd"),
    *(f"II/{r}" for r in "abcd"),
    *(f"III/{r}" for r in "abcd"),
    *(f"IV/{r}" for r in "abcde"),
)
_Choice = TypeVar("_Choice", bound=StrEnum)
_UNIT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_RANK_FORM = re.compile(r"^\s*(IV|III|II|I)\s*/\s*([A-E])\s*$", re.IGNORECASE)


def normalize_rank(raw: str) -> str:
    """ "iii / A" -> "III/a"; ValueError (Indonesian first) for anything outside I/a..IV/e."""
    match = _RANK_FORM.match(raw)
    rank = f"{match.group(1).upper()}/{match.group(2).lower()}" if match else ""
    if rank not in RANKS:
        raise ValueError(
            bilingual(
                "golongan harus berbentuk I/a-I/d, II/a-II/d, III/a-III/d atau IV/a-IV/e",
                "rank must be one of I/a-I/d, II/a-II/d, III/a-III/d, IV/a-IV/e",
            )
        )
    return rank


def rank_order(rank: str) -> int:
    """Position of a rank on the scale (I/a = 0), for comparisons."""
    return RANKS.index(normalize_rank(rank))


def _coerce_choice(value: Any, choices: type[_Choice], what: tuple[str, str]) -> _Choice:
    # Case-insensitive codes from spreadsheets ("Struktural"), with a message listing the codes.
    if isinstance(value, choices):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        for choice in choices:
            if choice.value == key:
                return choice
    codes = ", ".join(c.value for c in choices)
    raise ValueError(
        bilingual(
            f"{what[0]} tidak dikenal; pilihan: {codes}", f"unknown {what[1]}; one of: {codes}"
        )
    )


# Input bounds (asn_platform.inputs); the NIP and rank are then parsed by their own rules.
NipText = Annotated[Clean, Field(min_length=1, max_length=40)]
UnitText = Annotated[Clean, Field(min_length=1, max_length=100)]
RankText = Annotated[Clean, Field(min_length=1, max_length=20)]


class CivilServant(BaseModel):
    """One ASN on the roster."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    nip: NipText = Field(description="NIP, 18 digits, validated; personal data (UU 27/2022)")
    name: Name = Field(description="Full name as on the personnel record", max_length=200)
    unit_id: UnitText = Field(
        description="Service unit id, e.g. 'disdukcapil' (asn_platform.tangsel)", max_length=100
    )
    bidang: Bidang = Field(description="Field of work; drives which technical training fits")
    position: SafeText = Field(
        description="Position title, free text, e.g. 'Kepala Seksi Pelayanan'", max_length=200
    )
    position_type: PositionType = Field(
        description="Jenis jabatan: struktural, fungsional or pelaksana"
    )
    rank: RankText = Field(description="Golongan/ruang, I/a..IV/e, e.g. 'III/a'")
    supervisor_nip: NipText | None = Field(
        default=None,
        description="Direct supervisor's NIP; involved when this person resists training",
    )
    active: bool = Field(default=True, description="False once moved, retired or dismissed")

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # NIPs are personal data: a logged or printed profile shows them masked.
        for key, value in super().__repr_args__():
            masked = key in ("nip", "supervisor_nip") and isinstance(value, str)
            yield key, mask_nip(value) if masked else value

    @field_validator("nip", mode="before")
    @classmethod
    def _nip(cls, value: Any, info: ValidationInfo) -> str:
        if not isinstance(value, str):
            raise ValueError(bilingual("NIP harus berupa teks", "NIP must be text"))
        return parse_nip(value, today=passed_in(info, "today", date)).value

    @field_validator("name", "unit_id", "position")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value:
            raise ValueError(bilingual("wajib diisi", "required"))
        return value

    @field_validator("unit_id")
    @classmethod
    def _unit_id(cls, value: str) -> str:
        # The shape the event contracts accept (asn_platform.contracts.base.UnitId); without
        # it a profile could be stored that AsnProfileChanged then refuses to carry.
        unit = value.lower()
        if value and not _UNIT_ID.fullmatch(unit):
            raise ValueError(
                bilingual(
                    "kode unit hanya huruf kecil, angka, '-' atau '_' (maks. 64), mis. 'disdukcapil'",
                    "unit id: lower-case letters, digits, '-' or '_' (at most 64), e.g. 'disdukcapil'",
                )
            )
        return unit

    @field_validator("bidang", mode="before")
    @classmethod
    def _bidang(cls, value: Any) -> Bidang:
        return _coerce_choice(value, Bidang, ("bidang", "field"))

    @field_validator("position_type", mode="before")
    @classmethod
    def _position_type(cls, value: Any) -> PositionType:
        return _coerce_choice(value, PositionType, ("jenis jabatan", "position type"))

    @field_validator("rank", mode="before")
    @classmethod
    def _rank(cls, value: Any) -> str:
        return normalize_rank(value if isinstance(value, str) else "")

    @field_validator("supervisor_nip", mode="before")
    @classmethod
    def _supervisor(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            raise ValueError(bilingual("NIP harus berupa teks", "NIP must be text"))
        supervisor = parse_nip(value, today=passed_in(info, "today", date)).value
        # "nip" is declared first, so it is in info.data when it was valid.
        if supervisor == info.data.get("nip"):
            raise ValueError(
                bilingual("atasan tidak boleh dirinya sendiri", "supervisor must not be self")
            )
        return supervisor


# The profile's fields in declaration order: the roster table's columns and, without "active",
# the CSV import's (a file lists people on the roster).
PROFILE_FIELDS: tuple[str, ...] = tuple(CivilServant.model_fields)
