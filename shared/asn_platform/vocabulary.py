"""The platform's shared domain vocabulary (pure data, no I/O).

Codes are stable identifiers used in events, databases and rules files; labels are for people,
Indonesian first, English second. Store and exchange codes, never positions or labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ElementCode(StrEnum):
    """The nine SKM elements (unsur) of Permenpan RB 14/2017, by stable code."""

    U1 = "U1"
    U2 = "U2"
    U3 = "U3"
    U4 = "U4"
    U5 = "U5"
    U6 = "U6"
    U7 = "U7"
    U8 = "U8"
    U9 = "U9"


@dataclass(frozen=True, slots=True)
class Element:
    code: ElementCode
    name_id: str
    name_en: str
    # Answer labels for scores 1..4, Indonesian then English.
    labels_id: tuple[str, str, str, str]
    labels_en: tuple[str, str, str, str]


ELEMENTS: dict[ElementCode, Element] = {
    e.code: e
    for e in (
        Element(
            ElementCode.U1,
            "Persyaratan",
            "Requirements",
            ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
            ("Not appropriate", "Less appropriate", "Appropriate", "Very appropriate"),
        ),
        Element(
            ElementCode.U2,
            "Sistem, Mekanisme, dan Prosedur",
            "Systems, mechanisms and procedures",
            ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
            ("Not easy", "Less easy", "Easy", "Very easy"),
        ),
        Element(
            ElementCode.U3,
            "Waktu Penyelesaian",
            "Completion time",
            ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
            ("Not fast", "Less fast", "Fast", "Very fast"),
        ),
        Element(
            ElementCode.U4,
            "Biaya/Tarif",
            "Cost/tariff",
            ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
            ("Very expensive", "Fairly expensive", "Cheap", "Free"),
        ),
        Element(
            ElementCode.U5,
            "Produk Spesifikasi Jenis Pelayanan",
            "Service product specification",
            ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
            ("Not appropriate", "Less appropriate", "Appropriate", "Very appropriate"),
        ),
        Element(
            ElementCode.U6,
            "Kompetensi Pelaksana",
            "Staff competence",
            ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
            ("Not competent", "Less competent", "Competent", "Very competent"),
        ),
        Element(
            ElementCode.U7,
            "Perilaku Pelaksana",
            "Staff behaviour",
            (
                "Tidak sopan dan ramah",
                "Kurang sopan dan ramah",
                "Sopan dan ramah",
                "Sangat sopan dan ramah",
            ),
            (
                "Not polite and friendly",
                "Less polite and friendly",
                "Polite and friendly",
                "Very polite and friendly",
            ),
        ),
        Element(
            ElementCode.U8,
            "Penanganan Pengaduan, Saran dan Masukan",
            "Handling of complaints, suggestions and feedback",
            (
                "Tidak ada",
                "Ada tetapi tidak berfungsi",
                "Berfungsi kurang maksimal",
                "Dikelola dengan baik",
            ),
            ("None", "Exists but does not work", "Works but not fully", "Well managed"),
        ),
        Element(
            ElementCode.U9,
            "Sarana dan Prasarana",
            "Facilities and infrastructure",
            ("Buruk", "Cukup", "Baik", "Sangat baik"),
            ("Poor", "Adequate", "Good", "Very good"),
        ),
    )
}


class Mutu(StrEnum):
    """Service quality band on the converted IKM (Permenpan RB 14/2017, not the 2004 bands)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


MUTU_LABELS: dict[Mutu, tuple[str, str]] = {
    Mutu.A: ("Sangat Baik", "Very good"),
    Mutu.B: ("Baik", "Good"),
    Mutu.C: ("Kurang Baik", "Poor"),
    Mutu.D: ("Tidak Baik", "Very poor"),
}


class Bidang(StrEnum):
    """Field of a service unit or of a civil servant's work."""

    KESEHATAN = "kesehatan"
    PENDIDIKAN = "pendidikan"
    ADMINISTRASI_KEPENDUDUKAN = "administrasi_kependudukan"
    PERIZINAN = "perizinan"
    KETENAGAKERJAAN = "ketenagakerjaan"
    KEPEGAWAIAN = "kepegawaian"
    PEMERINTAHAN_UMUM = "pemerintahan_umum"
    SOSIAL = "sosial"
    PERHUBUNGAN = "perhubungan"
    LINGKUNGAN_HIDUP = "lingkungan_hidup"


BIDANG_LABELS: dict[Bidang, tuple[str, str]] = {
    Bidang.KESEHATAN: ("Kesehatan", "Health"),
    Bidang.PENDIDIKAN: ("Pendidikan", "Education"),
    Bidang.ADMINISTRASI_KEPENDUDUKAN: ("Administrasi Kependudukan", "Population administration"),
    Bidang.PERIZINAN: ("Perizinan", "Licensing"),
    Bidang.KETENAGAKERJAAN: ("Ketenagakerjaan", "Manpower"),
    Bidang.KEPEGAWAIAN: ("Kepegawaian", "Civil-service HR"),
    Bidang.PEMERINTAHAN_UMUM: ("Pemerintahan Umum", "General administration"),
    Bidang.SOSIAL: ("Sosial", "Social affairs"),
    Bidang.PERHUBUNGAN: ("Perhubungan", "Transport"),
    Bidang.LINGKUNGAN_HIDUP: ("Lingkungan Hidup", "Environment"),
}


class CompetencyType(StrEnum):
    TEKNIS = "teknis"
    MANAJERIAL = "manajerial"
    SOSIAL_KULTURAL = "sosial_kultural"


class ManagerialCompetency(StrEnum):
    """The eight managerial competencies (kompetensi manajerial)."""

    INTEGRITAS = "integritas"
    KERJA_SAMA = "kerja_sama"
    KOMUNIKASI = "komunikasi"
    ORIENTASI_PADA_HASIL = "orientasi_pada_hasil"
    PELAYANAN_PUBLIK = "pelayanan_publik"
    PENGEMBANGAN_DIRI_DAN_ORANG_LAIN = "pengembangan_diri_dan_orang_lain"
    MENGELOLA_PERUBAHAN = "mengelola_perubahan"
    PENGAMBILAN_KEPUTUSAN = "pengambilan_keputusan"


MANAGERIAL_LABELS: dict[ManagerialCompetency, tuple[str, str]] = {
    ManagerialCompetency.INTEGRITAS: ("Integritas", "Integrity"),
    ManagerialCompetency.KERJA_SAMA: ("Kerja Sama", "Teamwork"),
    ManagerialCompetency.KOMUNIKASI: ("Komunikasi", "Communication"),
    ManagerialCompetency.ORIENTASI_PADA_HASIL: ("Orientasi pada Hasil", "Results orientation"),
    ManagerialCompetency.PELAYANAN_PUBLIK: ("Pelayanan Publik", "Public service"),
    ManagerialCompetency.PENGEMBANGAN_DIRI_DAN_ORANG_LAIN: (
        "Pengembangan Diri dan Orang Lain",
        "Developing self and others",
    ),
    ManagerialCompetency.MENGELOLA_PERUBAHAN: ("Mengelola Perubahan", "Managing change"),
    ManagerialCompetency.PENGAMBILAN_KEPUTUSAN: ("Pengambilan Keputusan", "Decision making"),
}

# Competencies are exchanged as "<type>.<code>" strings, e.g. "manajerial.pelayanan_publik",
# "teknis.administrasi_kependudukan" (teknis codes name the field or a technical topic),
# "sosial_kultural.perekat_bangsa".
SOSIAL_KULTURAL_PEREKAT_BANGSA = "sosial_kultural.perekat_bangsa"


def competency_key(kind: CompetencyType, code: str) -> str:
    return f"{kind.value}.{code}"


def parse_competency_key(key: str) -> tuple[CompetencyType, str]:
    """Split "manajerial.komunikasi" into its type and code; ValueError names the problem."""
    kind, sep, code = key.partition(".")
    if not sep or not code:
        raise ValueError(f"competency {key!r} must look like '<type>.<code>'")
    try:
        ctype = CompetencyType(kind)
    except ValueError:
        raise ValueError(
            f"competency {key!r}: type must be one of {[t.value for t in CompetencyType]}"
        ) from None
    if ctype is CompetencyType.MANAJERIAL and code not in ManagerialCompetency.__members__.values():
        raise ValueError(f"competency {key!r}: unknown managerial competency {code!r}")
    return ctype, code


class ProgrammeKind(StrEnum):
    PKN = "pkn"  # Pelatihan Kepemimpinan Nasional (senior executives)
    PKA = "pka"  # Pelatihan Kepemimpinan Administrator
    PKP = "pkp"  # Pelatihan Kepemimpinan Pengawas
    LATSAR = "latsar"  # Pelatihan Dasar for new civil servants (CPNS)
    TEKNIS = "teknis"
    FUNGSIONAL = "fungsional"
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    BIMTEK = "bimtek"
    COACHING = "coaching"
    MENTORING = "mentoring"
    E_LEARNING = "e_learning"
    ON_THE_JOB = "on_the_job"


LEADERSHIP_KINDS = frozenset({ProgrammeKind.PKN, ProgrammeKind.PKA, ProgrammeKind.PKP})


class PositionType(StrEnum):
    """Jenis jabatan."""

    STRUKTURAL = "struktural"
    FUNGSIONAL = "fungsional"
    PELAKSANA = "pelaksana"


class EnrollmentStatus(StrEnum):
    INVITED = "invited"
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    COMPLETED = "completed"


class Sex(StrEnum):
    L = "L"
    P = "P"


class Education(StrEnum):
    SD = "SD"
    SMP = "SMP"
    SMA = "SMA"
    D1_D3 = "D1-D3"
    S1 = "S1"
    S2 = "S2"
    S3 = "S3"


class Occupation(StrEnum):
    PNS = "PNS"
    TNI = "TNI"
    POLRI = "POLRI"
    SWASTA = "Swasta"
    WIRAUSAHA = "Wirausaha"
    LAINNYA = "Lainnya"


SEX_LABELS: dict[Sex, tuple[str, str]] = {
    Sex.L: ("Laki-laki", "Male"),
    Sex.P: ("Perempuan", "Female"),
}
EDUCATION_LABELS: dict[Education, tuple[str, str]] = {
    Education.SD: ("SD", "Primary school"),
    Education.SMP: ("SMP", "Junior high school"),
    Education.SMA: ("SMA/SMK", "Senior high school"),
    Education.D1_D3: ("D1-D3", "Diploma (D1-D3)"),
    Education.S1: ("S1/D4", "Bachelor's degree"),
    Education.S2: ("S2", "Master's degree"),
    Education.S3: ("S3", "Doctorate"),
}
OCCUPATION_LABELS: dict[Occupation, tuple[str, str]] = {
    Occupation.PNS: ("PNS", "Civil servant"),
    Occupation.TNI: ("TNI", "Armed forces"),
    Occupation.POLRI: ("POLRI", "Police"),
    Occupation.SWASTA: ("Swasta", "Private sector"),
    Occupation.WIRAUSAHA: ("Wirausaha", "Self-employed"),
    Occupation.LAINNYA: ("Lainnya", "Other"),
}


class AgeBand(StrEnum):
    """Respondent age bands published in events instead of exact ages (PDP, UU 27/2022)."""

    UNDER_20 = "<20"
    A20_29 = "20-29"
    A30_39 = "30-39"
    A40_49 = "40-49"
    A50_59 = "50-59"
    A60_PLUS = "60+"


# Respondent ages the SKM intake accepts (both the HTTP form/API and the Kafka intake contract).
RESPONDENT_MIN_AGE = 15
RESPONDENT_MAX_AGE = 100


def age_band(age: int) -> AgeBand:
    if age < 20:
        return AgeBand.UNDER_20
    if age >= 60:
        return AgeBand.A60_PLUS
    return AgeBand(f"{age // 10 * 10}-{age // 10 * 10 + 9}")


ANNUAL_JP_MINIMUM = 20  # PP 11/2017 art. 203(4), continued under PP 17/2020
JP_MINUTES = 45
