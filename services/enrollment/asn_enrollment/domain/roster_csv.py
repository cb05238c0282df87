"""Import of the roster from a CSV file exported by the HR office (BKPSDM).

Good rows import even when others are bad: one typo must not block a whole unit's roster.
Each bad row is reported with its line number (the header is line 1) and, per problem, the
column and the reason. Only a file that cannot be read as a roster at all (encoding, header)
is refused as a whole, with one error. Reasons never echo cell values: NIPs are personal data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError

from asn_enrollment.domain.bilingual import bilingual
from asn_enrollment.domain.nip import normalize_nip
from asn_enrollment.domain.roster import PROFILE_FIELDS, CivilServant

COLUMNS: tuple[str, ...] = tuple(f for f in PROFILE_FIELDS if f != "active")


class RosterFileError(ValueError):
    """The file as a whole cannot be read as a roster (encoding, missing or unknown columns)."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    column: str | None  # None when the problem is the row's shape, not one cell
    reason: str


@dataclass(frozen=True, slots=True)
class BadRow:
    line: int  # 1-based physical line where the record starts; the header is line 1
    problems: tuple[RowProblem, ...]

    @property
    def message(self) -> str:
        parts = "; ".join(
            f"{p.column}: {p.reason}" if p.column else p.reason for p in self.problems
        )
        return f"{bilingual(f'baris {self.line}', f'line {self.line}')}: {parts}"


@dataclass(frozen=True, slots=True)
class RosterImport:
    good: tuple[CivilServant, ...] = field(default=())
    bad: tuple[BadRow, ...] = field(default=())


def parse_roster_csv(
    data: str | bytes, *, today: date, known_units: Collection[str] | None = None
) -> RosterImport:
    """Split a roster CSV into valid profiles and reported bad rows.

    ``data``: bytes are decoded as UTF-8 (a BOM is accepted); a delimiter of comma or semicolon
    is detected from the header. ``today`` is the Jakarta date for NIP checks. ``known_units``,
    when given, makes an unknown unit_id a bad row.
    Raises RosterFileError when the file is not UTF-8 or its header is wrong.
    """
    text = _decode(data)
    lines = text.splitlines(keepends=True)
    header_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_index is None:
        raise RosterFileError(
            bilingual(
                f"file kosong; baris pertama harus header: {','.join(COLUMNS)}",
                f"empty file; the first line must be the header: {','.join(COLUMNS)}",
            )
        )
    delimiter = _sniff_delimiter(lines[header_index])
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] = []
    for row in reader:
        if row:
            header = [cell.strip().lower() for cell in row]
            break
    _check_header(header)

    good: list[CivilServant] = []
    bad: list[BadRow] = []
    first_line_of_nip: dict[str, int] = {}
    while True:
        line = reader.line_num + 1  # the record about to be read starts on the next line
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            bad.append(BadRow(line, (RowProblem(None, _MALFORMED),)))
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank lines are skipped, but still counted in line numbers
        if len(row) != len(header):
            reason = bilingual(
                f"jumlah kolom {len(row)}, seharusnya {len(header)}",
                f"{len(row)} columns, expected {len(header)}",
            )
            bad.append(BadRow(line, (RowProblem(None, reason),)))
            continue
        record = dict(zip(header, row, strict=True))
        servant, problems = _validate(record, today, known_units)
        nip_key = normalize_nip(record["nip"])
        if nip_key:
            if nip_key in first_line_of_nip:
                problems.insert(
                    0,
                    RowProblem(
                        "nip",
                        bilingual(
                            f"NIP duplikat, sudah ada di baris {first_line_of_nip[nip_key]}",
                            f"duplicate NIP, already on line {first_line_of_nip[nip_key]}",
                        ),
                    ),
                )
            else:
                first_line_of_nip[nip_key] = line
        if servant is None or problems:
            bad.append(BadRow(line, tuple(problems)))
        else:
            good.append(servant)
    return RosterImport(tuple(good), tuple(bad))


_MALFORMED = bilingual("baris CSV rusak (tanda kutip)", "malformed CSV line (quoting)")


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise RosterFileError(
                bilingual("file harus berenkode UTF-8", "file must be UTF-8 encoded")
            ) from None
    return data.removeprefix("\ufeff")


def _sniff_delimiter(header_line: str) -> str:
    # The header is known (plain names, no quoting), so counting separators there is more
    # reliable than csv.Sniffer, which guesses from data rows where names may hold commas.
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _check_header(header: list[str]) -> None:
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c or "(kosong/empty)" for c in header if c not in COLUMNS]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if not (missing or unknown or duplicated):
        return
    details_id, details_en = [], []
    if missing:
        details_id.append(f"kolom hilang: {', '.join(missing)}")
        details_en.append(f"missing columns: {', '.join(missing)}")
    if unknown:
        details_id.append(f"kolom tidak dikenal: {', '.join(unknown)}")
        details_en.append(f"unknown columns: {', '.join(unknown)}")
    if duplicated:
        details_id.append(f"kolom ganda: {', '.join(duplicated)}")
        details_en.append(f"duplicated columns: {', '.join(duplicated)}")
    expected = ",".join(COLUMNS)
    raise RosterFileError(
        bilingual(
            f"header salah ({'; '.join(details_id)}); seharusnya: {expected}",
            f"wrong header ({'; '.join(details_en)}); expected: {expected}",
        )
    )


def _validate(
    record: dict[str, str], today: date, known_units: Collection[str] | None
) -> tuple[CivilServant | None, list[RowProblem]]:
    servant: CivilServant | None = None
    problems: list[RowProblem] = []
    try:
        servant = CivilServant.model_validate(record, context={"today": today})
    except ValidationError as error:
        for detail in error.errors():
            column = str(detail["loc"][0]) if detail["loc"] else None
            cause = detail.get("ctx", {}).get("error")
            if detail["type"] == "string_too_long":
                limit = detail.get("ctx", {}).get("max_length")
                reason = bilingual(f"maksimal {limit} karakter", f"at most {limit} characters")
            else:
                reason = str(cause) if cause is not None else detail["msg"]
            problems.append(RowProblem(column, reason))
    unit = record["unit_id"].strip()
    if known_units is not None and unit and unit not in known_units:
        problems.append(RowProblem("unit_id", bilingual("unit tidak dikenal", "unknown unit")))
    problems.sort(key=lambda p: COLUMNS.index(p.column) if p.column in COLUMNS else -1)
    return servant, problems
