"""A deterministic synthetic roster for the Tangerang Selatan units (demo and tests).

Every person is invented: names from first/last-name lists, NIPs built from random but valid
parts. Each unit gets one struktural head who supervises everyone else, a few fungsional staff
and pelaksana for the rest; ranks follow the position type. A string seed per unit (hashed
with SHA-512 by random.Random, independent of PYTHONHASHSEED) makes the roster reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date

from asn_enrollment.domain.nip import make_nip
from asn_enrollment.domain.roster import CivilServant
from asn_platform.tangsel import UNITS, SeedUnit
from asn_platform.vocabulary import Bidang, PositionType, Sex

DEFAULT_SEED = 2026
# The NIP "today" the seed is valid against; every appointment is before it.
SEED_REFERENCE_DATE = date(2026, 1, 1)
UNIT_SIZE = (8, 15)
FUNGSIONAL_PER_UNIT = (2, 4)

# One-word names written as text and split into tuples, so the lists stay short to read.
FIRST_NAMES: dict[Sex, tuple[str, ...]] = {
    Sex.L: tuple(
        (
            "Agus Ahmad Andi Arif Bambang Budi Dedi Dimas Eko Fajar Hadi Hendra Irfan Iwan "
            "Joko Muhammad Rizky Rudi Slamet Teguh Wahyu Yusuf"
        ).split()
    ),
    Sex.P: tuple(
        (
            "Ani Ayu Dewi Dian Endah Fitri Ika Indah Lestari Mega Novi Nur Putri Ratna Rina "
            "Sari Siti Sri Wulan Yuliana"
        ).split()
    ),
}
LAST_NAMES: dict[Sex, tuple[str, ...]] = {
    Sex.L: tuple(
        (
            "Gunawan Hakim Harahap Hidayat Kurniawan Lubis Maulana Nasution Nugroho Pratama "
            "Rahman Santoso Saputra Setiawan Siregar Sinaga Wibowo"
        ).split()
    ),
    Sex.P: tuple(
        (
            "Handayani Hidayati Kartika Lubis Nasution Permatasari Purnamasari Rahmawati "
            "Siregar Susanti Utami Wulandari Yuliani"
        ).split()
    ),
}

# Head of unit: title by the kind of office, rank by its echelon.
_HEADS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Puskesmas", "Kepala Puskesmas", ("III/d", "IV/a")),
    ("Kecamatan", "Camat", ("IV/a", "IV/b")),
    ("Badan", "Kepala Badan", ("IV/c", "IV/d")),
    ("Dinas", "Kepala Dinas", ("IV/c", "IV/d")),
)

FUNGSIONAL_TITLES: dict[Bidang, tuple[str, ...]] = {
    Bidang.KESEHATAN: ("Dokter", "Perawat", "Bidan", "Apoteker", "Epidemiolog Kesehatan"),
    Bidang.PENDIDIKAN: ("Pengawas Sekolah", "Penilik", "Pengembang Teknologi Pembelajaran"),
    Bidang.ADMINISTRASI_KEPENDUDUKAN: ("Administrator Database Kependudukan", "Pranata Komputer"),
    Bidang.PERIZINAN: ("Analis Kebijakan", "Pranata Komputer", "Arsiparis"),
    Bidang.KETENAGAKERJAAN: ("Pengantar Kerja", "Mediator Hubungan Industrial", "Instruktur"),
    Bidang.KEPEGAWAIAN: ("Analis Sumber Daya Manusia Aparatur", "Asesor SDM Aparatur"),
    Bidang.PEMERINTAHAN_UMUM: ("Analis Kebijakan", "Pranata Komputer", "Arsiparis"),
}
_FUNGSIONAL_FALLBACK = ("Analis Kebijakan", "Pranata Komputer")
# Fungsional ahli levels and the ranks that go with them.
_FUNGSIONAL_LEVELS = (("Ahli Pertama", ("III/a", "III/b")), ("Ahli Muda", ("III/c", "III/d")))

PELAKSANA_TITLES: dict[Bidang, tuple[str, ...]] = {
    Bidang.KESEHATAN: ("Pengadministrasi Rekam Medis", "Petugas Pendaftaran Pasien"),
    Bidang.PENDIDIKAN: ("Pengelola Data Pendidikan", "Pengadministrasi Sekolah"),
    Bidang.ADMINISTRASI_KEPENDUDUKAN: (
        "Operator Perekaman KTP-el",
        "Pengolah Data Kependudukan",
        "Petugas Loket Pelayanan",
    ),
    Bidang.PERIZINAN: ("Petugas Front Office Perizinan", "Verifikator Berkas Perizinan"),
    Bidang.KETENAGAKERJAAN: ("Pengadministrasi Pencari Kerja", "Pengolah Data Ketenagakerjaan"),
    Bidang.KEPEGAWAIAN: ("Pengadministrasi Kepegawaian", "Pengolah Data Kepegawaian"),
    Bidang.PEMERINTAHAN_UMUM: ("Petugas Pelayanan PATEN", "Pengadministrasi Pemerintahan"),
}
_PELAKSANA_GENERIC = ("Pengadministrasi Umum", "Pengolah Data", "Pengelola Layanan Operasional")
PELAKSANA_RANKS = ("II/a", "II/b", "II/c", "II/d", "III/a", "III/b")


class _Builder:
    """Draws people for one unit; the sequence counter is shared so NIPs never collide."""

    def __init__(self, rng: random.Random, sequence: Iterable[int], used_names: set[str]) -> None:
        self.rng = rng
        self.sequence = iter(sequence)
        self.used_names = used_names

    def nip(
        self, sex: Sex, birth_years: tuple[int, int], age_at_appointment: tuple[int, int]
    ) -> str:
        rng = self.rng
        birth = date(rng.randint(*birth_years), rng.randint(1, 12), rng.randint(1, 28))
        # Appointed at least a year after turning 18, and before the reference date.
        year = min(birth.year + rng.randint(*age_at_appointment), SEED_REFERENCE_DATE.year - 1)
        return make_nip(birth, year, rng.randint(1, 12), sex, next(self.sequence))

    def name(self, sex: Sex) -> str:
        for _ in range(50):
            name = f"{self.rng.choice(FIRST_NAMES[sex])} {self.rng.choice(LAST_NAMES[sex])}"
            if name not in self.used_names:
                break
        self.used_names.add(name)  # after 50 tries a repeated name is allowed; NIPs differ
        return name

    def sex(self) -> Sex:
        return self.rng.choice((Sex.L, Sex.P))


def _head_of(unit: SeedUnit) -> tuple[str, tuple[str, ...]]:
    for prefix, title, ranks in _HEADS:
        if unit.name.startswith(prefix):
            return title, ranks
    return "Kepala Kantor", ("III/d", "IV/a")


def _unit_staff(
    unit: SeedUnit, seed: int, sequence: Iterable[int], used: set[str]
) -> list[dict[str, object]]:
    rng = random.Random(f"{seed}:{unit.unit_id}")
    draw = _Builder(rng, sequence, used)
    size = rng.randint(*UNIT_SIZE)
    fungsional = rng.randint(*FUNGSIONAL_PER_UNIT)
    common = {"unit_id": unit.unit_id, "bidang": unit.bidang}

    head_title, head_ranks = _head_of(unit)
    sex = draw.sex()
    head_nip = draw.nip(sex, (1968, 1978), (23, 30))
    people: list[dict[str, object]] = [
        {
            **common,
            "nip": head_nip,
            "name": draw.name(sex),
            "position": head_title,
            "position_type": PositionType.STRUKTURAL,
            "rank": rng.choice(head_ranks),
        }
    ]
    for _ in range(fungsional):
        sex = draw.sex()
        level, ranks = rng.choice(_FUNGSIONAL_LEVELS)
        title = rng.choice(FUNGSIONAL_TITLES.get(unit.bidang, _FUNGSIONAL_FALLBACK))
        people.append(
            {
                **common,
                "nip": draw.nip(sex, (1975, 1995), (23, 29)),
                "name": draw.name(sex),
                "position": f"{title} {level}",
                "position_type": PositionType.FUNGSIONAL,
                "rank": rng.choice(ranks),
                "supervisor_nip": head_nip,
            }
        )
    pelaksana_titles = PELAKSANA_TITLES.get(unit.bidang, ()) + _PELAKSANA_GENERIC
    for _ in range(size - 1 - fungsional):
        sex = draw.sex()
        people.append(
            {
                **common,
                "nip": draw.nip(sex, (1970, 2000), (19, 28)),
                "name": draw.name(sex),
                "position": rng.choice(pelaksana_titles),
                "position_type": PositionType.PELAKSANA,
                "rank": rng.choice(PELAKSANA_RANKS),
                "supervisor_nip": head_nip,
            }
        )
    return people


def seed_roster(
    seed: int = DEFAULT_SEED, units: Iterable[SeedUnit] = UNITS
) -> tuple[CivilServant, ...]:
    """The synthetic roster, unit by unit, head first. Same seed, same roster."""
    sequence = range(1, 1000)  # one counter for the whole roster: NIPs are unique by construction
    counter = iter(sequence)
    used_names: set[str] = set()
    roster: list[CivilServant] = []
    for unit in units:
        for person in _unit_staff(unit, seed, counter, used_names):
            roster.append(
                CivilServant.model_validate(person, context={"today": SEED_REFERENCE_DATE})
            )
    return tuple(roster)
