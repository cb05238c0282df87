"""Seed data for Kota Tangerang Selatan: public-service units and a programme catalogue.

One source for every service's seeds and the demo, so unit ids and programme codes agree
across surveys (units), enrollment (catalogue, roster) and recommendations (rules).
Population figures are people served per month, used for sample adequacy (Krejcie-Morgan).
"""

from __future__ import annotations

from dataclasses import dataclass

from asn_platform.vocabulary import Bidang, ProgrammeKind


@dataclass(frozen=True, slots=True)
class SeedUnit:
    unit_id: str
    name: str
    bidang: Bidang
    district: str | None
    served_per_month: int
    services: tuple[str, ...]


DISTRICTS = (
    "Ciputat",
    "Ciputat Timur",
    "Pamulang",
    "Pondok Aren",
    "Serpong",
    "Serpong Utara",
    "Setu",
)

UNITS: tuple[SeedUnit, ...] = (
    SeedUnit(
        "disdukcapil",
        "Dinas Kependudukan dan Pencatatan Sipil",
        Bidang.ADMINISTRASI_KEPENDUDUKAN,
        None,
        12000,
        ("KTP-el", "Kartu Keluarga", "Akta Kelahiran", "Akta Kematian", "Pindah Datang"),
    ),
    SeedUnit(
        "dpmptsp",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        Bidang.PERIZINAN,
        None,
        4000,
        ("Persetujuan Bangunan Gedung", "Izin Usaha", "Izin Reklame"),
    ),
    SeedUnit(
        "dinkes",
        "Dinas Kesehatan",
        Bidang.KESEHATAN,
        None,
        1500,
        ("Surat Izin Praktik", "Izin Apotek", "Sertifikat Laik Higiene"),
    ),
    SeedUnit(
        "puskesmas-pamulang",
        "Puskesmas Pamulang",
        Bidang.KESEHATAN,
        "Pamulang",
        3000,
        ("Poli Umum", "KIA/KB", "Imunisasi", "Laboratorium"),
    ),
    SeedUnit(
        "puskesmas-ciputat",
        "Puskesmas Ciputat",
        Bidang.KESEHATAN,
        "Ciputat",
        2800,
        ("Poli Umum", "KIA/KB", "Poli Gigi"),
    ),
    SeedUnit(
        "puskesmas-pondok-aren",
        "Puskesmas Pondok Aren",
        Bidang.KESEHATAN,
        "Pondok Aren",
        3200,
        ("Poli Umum", "KIA/KB", "Imunisasi"),
    ),
    SeedUnit(
        "puskesmas-serpong",
        "Puskesmas Serpong",
        Bidang.KESEHATAN,
        "Serpong",
        2500,
        ("Poli Umum", "KIA/KB"),
    ),
    SeedUnit(
        "disdik",
        "Dinas Pendidikan",
        Bidang.PENDIDIKAN,
        None,
        2000,
        ("PPDB", "Legalisir Ijazah", "Mutasi Siswa"),
    ),
    SeedUnit(
        "disnaker",
        "Dinas Ketenagakerjaan",
        Bidang.KETENAGAKERJAAN,
        None,
        1800,
        ("Kartu Pencari Kerja (AK-1)", "Pelatihan Kerja", "Pencatatan Perjanjian Kerja"),
    ),
    SeedUnit(
        "bkpsdm",
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
        Bidang.KEPEGAWAIAN,
        None,
        600,
        ("Kenaikan Pangkat", "Cuti", "Pensiun"),
    ),
    SeedUnit(
        "kec-ciputat",
        "Kecamatan Ciputat",
        Bidang.PEMERINTAHAN_UMUM,
        "Ciputat",
        900,
        ("Surat Keterangan", "Legalisasi", "PATEN"),
    ),
    SeedUnit(
        "kec-pamulang",
        "Kecamatan Pamulang",
        Bidang.PEMERINTAHAN_UMUM,
        "Pamulang",
        950,
        ("Surat Keterangan", "Legalisasi", "PATEN"),
    ),
    SeedUnit(
        "kec-serpong",
        "Kecamatan Serpong",
        Bidang.PEMERINTAHAN_UMUM,
        "Serpong",
        700,
        ("Surat Keterangan", "Legalisasi", "PATEN"),
    ),
)

UNITS_BY_ID = {u.unit_id: u for u in UNITS}


@dataclass(frozen=True, slots=True)
class SeedProgramme:
    code: str
    title: str
    kind: ProgrammeKind
    competencies: tuple[str, ...]  # "<type>.<code>", see vocabulary.competency_key
    target_fields: tuple[Bidang, ...]  # empty: open to every field
    jp: int
    capacity: int
    days: int
    benefit_id: str  # plain Indonesian, used to persuade
    benefit_en: str


_ALL: tuple[Bidang, ...] = ()

CATALOGUE: tuple[SeedProgramme, ...] = (
    SeedProgramme(
        "PLP-PRIMA",
        "Pelatihan Pelayanan Prima",
        ProgrammeKind.TEKNIS,
        ("manajerial.pelayanan_publik", "manajerial.komunikasi", "manajerial.integritas"),
        _ALL,
        24,
        30,
        3,
        "Melayani warga dengan sopan, ramah dan tuntas sehingga keluhan berkurang dan "
        "pekerjaan Anda lebih dihargai.",
        "Serve citizens politely and completely, so complaints fall and your work is valued.",
    ),
    SeedProgramme(
        "PENGADUAN",
        "Bimtek Pengelolaan Pengaduan Masyarakat (SP4N-LAPOR!)",
        ProgrammeKind.BIMTEK,
        ("manajerial.pelayanan_publik", "manajerial.komunikasi"),
        _ALL,
        16,
        30,
        2,
        "Menangani pengaduan dengan cepat dan tuntas lewat SP4N-LAPOR!, sehingga masalah "
        "warga selesai sebelum membesar.",
        "Handle complaints quickly through SP4N-LAPOR!, resolving problems before they grow.",
    ),
    SeedProgramme(
        "SOP-SP",
        "Workshop Penyusunan SOP dan Standar Pelayanan",
        ProgrammeKind.WORKSHOP,
        (
            "teknis.standar_pelayanan",
            "manajerial.orientasi_pada_hasil",
            "manajerial.mengelola_perubahan",
        ),
        _ALL,
        16,
        25,
        2,
        "Menyederhanakan prosedur dan mempercepat waktu layanan dengan SOP yang jelas.",
        "Simplify procedures and shorten service times with clear SOPs.",
    ),
    SeedProgramme(
        "INTEGRITAS",
        "Seminar Integritas dan Anti Pungli",
        ProgrammeKind.SEMINAR,
        ("manajerial.integritas",),
        _ALL,
        8,
        100,
        1,
        "Melindungi diri dan unit Anda dari risiko hukum, serta menjaga kepercayaan warga.",
        "Protect yourself and your unit from legal risk and keep citizens' trust.",
    ),
    SeedProgramme(
        "ADMINDUK",
        "Pelatihan Teknis Administrasi Kependudukan",
        ProgrammeKind.TEKNIS,
        ("teknis.administrasi_kependudukan", "manajerial.komunikasi"),
        (Bidang.ADMINISTRASI_KEPENDUDUKAN,),
        32,
        25,
        4,
        "Menguasai aturan dan aplikasi SIAK terbaru sehingga dokumen warga selesai lebih "
        "cepat dan tanpa salah.",
        "Master the latest rules and SIAK application so documents are done faster, error-free.",
    ),
    SeedProgramme(
        "MANKES",
        "Pelatihan Manajemen Pelayanan Kesehatan",
        ProgrammeKind.TEKNIS,
        ("teknis.kesehatan", "manajerial.orientasi_pada_hasil"),
        (Bidang.KESEHATAN,),
        32,
        25,
        4,
        "Mengatur alur pasien dan mutu layanan puskesmas sehingga antrean lebih singkat.",
        "Organise patient flow and service quality so queues are shorter.",
    ),
    SeedProgramme(
        "KURIKULUM",
        "Pelatihan Pengembangan Kurikulum dan Pembelajaran",
        ProgrammeKind.TEKNIS,
        ("teknis.pendidikan",),
        (Bidang.PENDIDIKAN,),
        32,
        30,
        4,
        "Menyusun pembelajaran yang lebih baik dan layanan pendidikan yang lebih tertib.",
        "Design better learning and more orderly education services.",
    ),
    SeedProgramme(
        "PERIZINAN-OSS",
        "Bimtek Perizinan Berusaha Berbasis Risiko (OSS-RBA)",
        ProgrammeKind.BIMTEK,
        ("teknis.perizinan", "teknis.standar_pelayanan"),
        (Bidang.PERIZINAN,),
        16,
        30,
        2,
        "Memproses izin lewat OSS-RBA dengan benar sehingga izin terbit tepat waktu.",
        "Process licences through OSS-RBA correctly so they are issued on time.",
    ),
    SeedProgramme(
        "TEKNIS-NAKER",
        "Pelatihan Teknis Layanan Ketenagakerjaan",
        ProgrammeKind.TEKNIS,
        ("teknis.ketenagakerjaan",),
        (Bidang.KETENAGAKERJAAN,),
        24,
        25,
        3,
        "Melayani pencari kerja dan perusahaan dengan cepat dan sesuai aturan.",
        "Serve job seekers and employers quickly and by the rules.",
    ),
    SeedProgramme(
        "PATEN",
        "Bimtek Pelayanan Administrasi Terpadu Kecamatan (PATEN)",
        ProgrammeKind.BIMTEK,
        ("teknis.pemerintahan_umum", "manajerial.pelayanan_publik"),
        (Bidang.PEMERINTAHAN_UMUM,),
        16,
        30,
        2,
        "Menjalankan layanan terpadu kecamatan yang cepat dan mudah bagi warga.",
        "Run one-stop district services that are fast and easy for citizens.",
    ),
    SeedProgramme(
        "KOMUNIKASI",
        "Coaching Komunikasi Efektif dengan Warga",
        ProgrammeKind.COACHING,
        ("manajerial.komunikasi",),
        _ALL,
        8,
        15,
        1,
        "Berbicara jelas dan empatik sehingga warga paham dan puas.",
        "Speak clearly and with empathy so citizens understand and are satisfied.",
    ),
    SeedProgramme(
        "PERUBAHAN",
        "E-Learning Mengelola Perubahan dan Inovasi Layanan",
        ProgrammeKind.E_LEARNING,
        ("manajerial.mengelola_perubahan", "manajerial.orientasi_pada_hasil"),
        _ALL,
        10,
        200,
        5,
        "Belajar kapan saja cara memperbaiki layanan sedikit demi sedikit.",
        "Learn at your own pace how to improve services step by step.",
    ),
    SeedProgramme(
        "PKP",
        "Pelatihan Kepemimpinan Pengawas",
        ProgrammeKind.PKP,
        (
            "manajerial.pengambilan_keputusan",
            "manajerial.pengembangan_diri_dan_orang_lain",
            "manajerial.kerja_sama",
        ),
        _ALL,
        60,
        30,
        10,
        "Memimpin tim pelaksana dengan baik dan memenuhi syarat jabatan pengawas.",
        "Lead front-line teams well and meet the requirement for supervisory posts.",
    ),
    SeedProgramme(
        "PKA",
        "Pelatihan Kepemimpinan Administrator",
        ProgrammeKind.PKA,
        (
            "manajerial.pengambilan_keputusan",
            "manajerial.mengelola_perubahan",
            "manajerial.orientasi_pada_hasil",
        ),
        _ALL,
        60,
        30,
        10,
        "Memimpin perubahan di unit Anda dan memenuhi syarat jabatan administrator.",
        "Lead change in your unit and meet the requirement for administrator posts.",
    ),
    SeedProgramme(
        "WAWASAN",
        "Seminar Wawasan Kebangsaan",
        ProgrammeKind.SEMINAR,
        ("sosial_kultural.perekat_bangsa",),
        _ALL,
        4,
        150,
        1,
        "Memperkuat peran ASN sebagai perekat bangsa dalam melayani warga yang beragam.",
        "Strengthen the civil servant's role in serving a diverse public.",
    ),
)

CATALOGUE_BY_CODE = {p.code: p for p in CATALOGUE}
