"""The demo told to a newcomer: runs the scenario's steps in order and prints what each one
shows, in Indonesian (or English), with Indonesian number formats."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from asn_devkit.demo.client import (
    SERVICES,
    Api,
    DemoError,
    Json,
)
from asn_devkit.demo.mailbox import (
    ContactsImport,
    Expected,
    Mailbox,
    import_contacts,
    wait_for_mail,
)
from asn_devkit.demo.scenario import (
    DEMO_SERVED_PER_MONTH,
    ELEMENT_CODES,
    FAILING_UNIT,
    MIN_RESPONSES,
    Answered,
    Invitations,
    JpStanding,
    Readiness,
    Scheduled,
    SubmitResult,
    UnitPrep,
    answer_invitations,
    check_platform,
    complete_training,
    jp_standing,
    open_gaps,
    prepare_units,
    roster_of,
    submit_surveys,
    unit_ikm,
    wait_for_gap,
    wait_for_impact,
    wait_for_invitations,
    wait_for_nudge,
    wait_for_programme,
    wait_for_recommendations,
)
from asn_platform.logmask import mask_nip

# --- the whole loop, narrated -----------------------------------------------------------------


def _num(value: float | None, lang: str, digits: int = 2) -> str:
    if value is None:
        return "-"
    text = f"{value:.{digits}f}"
    return text if lang == "en" else text.replace(".", ",")


def _thousands(value: int, lang: str) -> str:
    text = f"{value:,}"
    return text if lang == "en" else text.replace(",", ".")


MUTU_STYLE = {"A": "bold green", "B": "green", "C": "yellow", "D": "bold red"}


@dataclass
class DemoResult:
    readiness: Readiness
    units: list[UnitPrep]
    submitted: list[SubmitResult]
    ikm: list[Json]
    gap: Json
    scheduled: Scheduled
    invitations: Invitations
    answered: Answered
    completed: list[Json]
    jp: JpStanding
    person: Json
    nudge: Json
    impact: Json
    contacts: ContactsImport
    mailbox: Mailbox | None  # None: no mail catcher answered (mail went to a real relay)


class Narrator:
    """Runs the steps and tells a newcomer what happens, in Indonesian (or English)."""

    STEPS = 12

    def __init__(self, api: Api, console: Console) -> None:
        self.api = api
        self.console = console
        self.lang = api.lang
        self.number = 0

    def t(self, text_id: str, text_en: str) -> str:
        return self.api.t(text_id, text_en)

    @contextmanager
    def step(
        self, title_id: str, title_en: str, caption_id: str, caption_en: str
    ) -> Iterator[None]:
        self.number += 1
        title = self.t(title_id, title_en)
        word = self.t("Langkah", "Step")
        self.console.print()
        self.console.rule(f"[bold cyan]{word} {self.number}/{self.STEPS}[/] {escape(title)}")
        self.console.print(escape(self.t(caption_id, caption_en)), style="dim")
        try:
            yield
        except DemoError as err:
            err.step = err.step or f"{word} {self.number}: {title}"
            raise

    def waiting(self, text: str) -> Any:
        return self.console.status(escape(text), spinner="dots")

    def say(self, text: str, style: str | None = None) -> None:
        self.console.print(escape(text), style=style)

    def run(self) -> DemoResult:
        api, t = self.api, self.t
        self.console.print(
            Panel.fit(
                t(
                    "Demo Platform Pengembangan ASN - Kota Tangerang Selatan\n"
                    "Survei warga -> IKM -> kesenjangan -> program pelatihan -> undangan -> "
                    "kehadiran -> JP -> rekomendasi, pengingat, dampak",
                    "ASN Development Platform demo - Kota Tangerang Selatan\n"
                    "Citizen survey -> IKM -> gap -> training programme -> invitations -> "
                    "attendance -> JP -> recommendations, nudges, impact",
                ),
                border_style="cyan",
            )
        )
        for service in SERVICES:
            self.say(f"  {service:<16} {api.urls.of(service)}", "dim")

        with self.step(
            "Platform siap",
            "Platform ready",
            "Keempat layanan menjawab /ready, dan layanan rekomendasi sudah membaca daftar ASN "
            "dari event layanan enrollment (tanpa itu tidak ada pegawai yang bisa dilatih).",
            "All four services answer /ready, and recommendations has read the civil-servant "
            "roster from enrollment's events (without it there is nobody to train).",
        ):
            with self.waiting(t("Memeriksa layanan...", "Checking the services...")):
                ready = check_platform(api)
            self.say(
                t(
                    f"Siap. {FAILING_UNIT}: {ready.roster_size} ASN aktif di enrollment, "
                    f"{ready.known_to_recommendations} dikenal layanan rekomendasi.",
                    f"Ready. {FAILING_UNIT}: {ready.roster_size} active staff in enrollment, "
                    f"{ready.known_to_recommendations} known to recommendations.",
                ),
                "green",
            )

        contacts = self._contacts()

        with self.step(
            "Warga mengisi survei (SKM)",
            "Citizens fill in the survey (SKM)",
            "Jawaban sintetis tetapi wajar (acak dengan benih tetap) dikirim lewat API survei "
            "(POST /api/v1/responses, seperti kios). Disdukcapil sengaja buruk pada U7 Perilaku "
            "Pelaksana; unit lain baik. Setiap jawaban punya client_ref tetap, jadi menjalankan "
            "demo lagi tidak menghitung jawaban dua kali.",
            "Synthetic but plausible answers (seeded random) go through the surveys API "
            "(POST /api/v1/responses, like a kiosk). Disdukcapil is deliberately poor on U7 "
            "Staff behaviour; the other units are fine. Every answer has a stable client_ref, "
            "so running the demo again does not count answers twice.",
        ):
            with self.waiting(t("Menyiapkan unit...", "Preparing the units...")):
                units = prepare_units(api)
            for u in units:
                if u.lowered:
                    self.say(
                        t(
                            f"Operator: jumlah dilayani per bulan {u.name} diubah "
                            f"{_thousands(u.served_before, 'id')} -> {u.served_after} (PATCH /api/v1/units/"
                            f"{u.unit_id}) agar sampel Krejcie-Morgan cukup dengan "
                            f"{u.required_sample} jawaban (populasi {u.population} per "
                            "triwulan). Hanya untuk demo.",
                            f"Operator: people served per month at {u.name} changed "
                            f"{_thousands(u.served_before, 'en')} -> {u.served_after} (PATCH "
                            f"/api/v1/units/{u.unit_id}) so that {u.required_sample} answers are an adequate "
                            f"Krejcie-Morgan sample (population {u.population} per quarter). "
                            "Demo only.",
                        ),
                        "yellow",
                    )
            submitted = self._submit(units)
            for s in submitted:
                if s.skipped:
                    self.say(
                        t(
                            f"{s.unit_id}: {s.planned} jawaban sudah tercatat pada run "
                            "sebelumnya (tidak dihitung ulang).",
                            f"{s.unit_id}: {s.planned} answers were recorded by an earlier "
                            "run (not counted again).",
                        ),
                        "dim",
                    )
            waited = sum(s.waited_s for s in submitted)
            if waited:
                self.say(
                    t(
                        f"Layanan survei membatasi kiriman per alamat IP (ASN_RATE_LIMIT_PER_"
                        f"MINUTE, bawaan 30/menit); demo menunggu {waited:.0f} detik sesuai "
                        "Retry-After. Untuk demo yang lebih cepat jalankan platform dengan "
                        "ASN_RATE_LIMIT_PER_MINUTE=0.",
                        f"The surveys service limits submissions per IP address "
                        f"(ASN_RATE_LIMIT_PER_MINUTE, default 30/min); the demo waited "
                        f"{waited:.0f} s as Retry-After asked. For a faster demo start the "
                        "platform with ASN_RATE_LIMIT_PER_MINUTE=0.",
                    ),
                    "dim",
                )

        period = units[0].period_key
        with self.step(
            "IKM per unit dan kesenjangan",
            "IKM per unit, and the gap",
            "Layanan survei menghitung IKM (Permenpan RB 14/2017): NRR = rata-rata jawaban per "
            "unsur, IKM konversi = NRR x 25; mutu A >= 88,31, B >= 76,61, C >= 65,00, D di "
            "bawahnya. Unsur di bawah 76,61 dengan sampel memadai adalah kesenjangan layanan.",
            "The surveys service computes the IKM (Permenpan RB 14/2017): NRR = mean answer per "
            "element, converted = NRR x 25; grade A >= 88.31, B >= 76.61, C >= 65.00, D below. "
            "An element under 76.61 on an adequate sample is a service gap.",
        ):
            ikm = unit_ikm(api, [u.unit_id for u in units], period)
            self._show_ikm(ikm)
            with self.waiting(t("Menunggu kesenjangan...", "Waiting for the gap...")):
                gap = wait_for_gap(api, period=period)
            others = open_gaps(api, [u.unit_id for u in units[1:]], period)
            self.say(
                t(
                    f"Kesenjangan terdeteksi: {FAILING_UNIT} {gap['element']} skor "
                    f"{_num(gap['score'], self.lang)} < {_num(gap['threshold'], self.lang)} "
                    f"(sampel {gap['sample_size']}, {gap['period']}). Event "
                    "service-gap-detected dikirim ke Kafka.",
                    f"Gap detected: {FAILING_UNIT} {gap['element']} score "
                    f"{_num(gap['score'], self.lang)} < {_num(gap['threshold'], self.lang)} "
                    f"(sample {gap['sample_size']}, {gap['period']}). A service-gap-detected "
                    "event went to Kafka.",
                ),
                "bold red",
            )
            for unit_id, gaps in others.items():
                if gaps:
                    self.say(
                        t(
                            f"{unit_id}: juga ada kesenjangan pada "
                            f"{', '.join(g['element'] for g in gaps)}",
                            f"{unit_id}: also gaps on {', '.join(g['element'] for g in gaps)}",
                        ),
                        "yellow",
                    )
                else:
                    self.say(
                        t(f"{unit_id}: tidak ada kesenjangan.", f"{unit_id}: no gap."), "green"
                    )

        with self.step(
            "Program dijadwalkan (layanan rekomendasi)",
            "Programme scheduled (recommendations)",
            "Layanan rekomendasi membaca event kesenjangan, memilih kompetensi dan program "
            "menurut aturan yang dikelola BKPSDM, memilih kohort pegawai unit itu, mencari "
            "tanggal tanpa bentrok, lalu mengirim event programme-scheduled.",
            "The recommendations service reads the gap event, picks the competencies and the "
            "programme from the rules the HR office keeps, picks the unit's cohort, finds "
            "clash-free dates, and publishes a programme-scheduled event.",
        ):
            with self.waiting(t("Menunggu keputusan...", "Waiting for the decision...")):
                scheduled = wait_for_programme(api, gap)
            self._show_programme(scheduled)

        with self.step(
            "Sesi dibuka dan undangan dikirim (enrollment)",
            "Sessions opened and invitations sent (enrollment)",
            "Layanan enrollment membaca programme-scheduled, membuka sesi dengan kapasitasnya, "
            "dan mengundang setiap anggota kohort.",
            "The enrollment service reads programme-scheduled, opens the sessions with their "
            "capacity, and invites every cohort member.",
        ):
            with self.waiting(t("Menunggu sesi...", "Waiting for the sessions...")):
                invitations = wait_for_invitations(api, scheduled)
            roster = roster_of(api, FAILING_UNIT)
            self._show_invitations(invitations, roster)

        with self.step(
            "Undangan dijawab, kehadiran, kelulusan",
            "Invitations answered, attendance, completion",
            "Sebagian besar menerima undangan; satu orang menolak dengan alasan (penolakan "
            "selalu memerlukan alasan). Lalu kehadiran dicatat dan kelulusan dengan nilai "
            "(Kirkpatrick level 2). Demo mempercepat waktu: sesi dianggap sudah berlangsung.",
            "Most accept; one person declines with a reason (a decline always needs one). Then "
            "attendance is marked and completion with a score (Kirkpatrick level 2). The demo "
            "fast-forwards: the sessions are taken as held.",
        ):
            answered = answer_invitations(api, invitations)
            completed = complete_training(api, answered.accepted)
            self._show_answers(answered, completed, roster)

        with self.step(
            "Saldo JP (minimal 20 JP per tahun)",
            "JP balances (at least 20 JP a year)",
            "Kelulusan menambah JP di buku JP layanan enrollment dan dikirim sebagai event "
            "training-completed.",
            "Completion credits JP in enrollment's JP ledger and is published as a "
            "training-completed event.",
        ):
            jp = jp_standing(api, sorted(invitations.nips))
            self._show_jp(jp, roster)

        person_nip = min((e["nip"] for e in completed), default=None)
        if person_nip is None:
            raise DemoError("enrollment", t("tidak ada yang lulus", "nobody completed"), "JP")
        person_jp = next(p["jp"] for p in jp.people if p["nip"] == person_nip)
        with self.step(
            "Rekomendasi pribadi",
            "Personal recommendations",
            "Layanan rekomendasi membangun riwayat dan saldo JP setiap ASN hanya dari event, "
            "lalu memberi rekomendasi berperingkat dengan alasan dan data di baliknya.",
            "The recommendations service builds each person's history and JP balance from "
            "events only, and gives ranked recommendations with reasons and the data behind "
            "them.",
        ):
            with self.waiting(t("Menunggu event kelulusan...", "Waiting for completions...")):
                person = wait_for_recommendations(api, person_nip, float(person_jp))
            self._show_person(person, roster)

        declined = answered.declined
        if declined is None:
            raise DemoError("enrollment", t("tidak ada penolakan", "no decline"), "nudge")
        with self.step(
            "Pengingat untuk yang menolak",
            "A nudge for the person who declined",
            "Penolakan bukan akhir: layanan rekomendasi menjelaskan manfaat program bagi orang "
            "itu, mengingatkan, dan melibatkan atasan bila perlu (event nudge-requested).",
            "A decline is not the end: recommendations explains the programme's benefit to "
            "that person, reminds them, and involves the supervisor when needed "
            "(nudge-requested event).",
        ):
            with self.waiting(t("Menunggu pengingat...", "Waiting for the nudge...")):
                nudge = wait_for_nudge(api, declined["nip"], declined["programme_code"])
            self._show_nudge(nudge, declined, roster)

        with self.step(
            "Dampak (Kirkpatrick level 4)",
            "Impact (Kirkpatrick level 4)",
            "Apakah skor unsur unit naik sesudah pelatihan? Dibandingkan periode survei sebelum "
            "dan sesudah program; tanpa data, layanan menjawab jujur 'belum ada data'.",
            "Did the unit's element score rise after the training? The survey periods before "
            "and after the programme are compared; without data the service says so honestly.",
        ):
            with self.waiting(t("Menunggu data dampak...", "Waiting for impact data...")):
                impact = wait_for_impact(api, scheduled, len(completed))
            self._show_impact(impact)

        expected = Expected(
            invitation=[contacts.addresses[e["nip"]] for e in invitations.enrollments],
            confirmation=[contacts.addresses[e["nip"]] for e in answered.accepted],
            completion=[contacts.addresses[e["nip"]] for e in completed],
            nudge=contacts.addresses[declined["nip"]],
            nudge_nip=declined["nip"],
        )
        mailbox = self._mailbox(expected, contacts)

        self.console.print()
        self.console.print(
            Panel.fit(
                t(
                    "Selesai: lingkaran survei -> pelatihan -> JP -> rekomendasi tertutup.\n"
                    f"Laporan SKM: {api.urls.surveys}/api/v1/reports/units/{FAILING_UNIT}\n"
                    f"Formulir warga: {api.urls.surveys}/s/{FAILING_UNIT}\n"
                    f"Dokumentasi API: {api.urls.surveys}/docs, {api.urls.enrollment}/docs, "
                    f"{api.urls.recommendations}/docs, "
                    f"{api.urls.notifications}/docs\n"
                    f"Unit demo kini melayani {DEMO_SERVED_PER_MONTH} orang/bulan (untuk sampel "
                    "kecil); kembalikan dengan PATCH /api/v1/units/{unit_id} "
                    '{"served_per_month": ...}.',
                    "Done: the survey -> training -> JP -> recommendation loop is closed.\n"
                    f"SKM report: {api.urls.surveys}/api/v1/reports/units/{FAILING_UNIT}"
                    "?lang=en\n"
                    f"Citizen form: {api.urls.surveys}/s/{FAILING_UNIT}?lang=en\n"
                    f"API docs: {api.urls.surveys}/docs, {api.urls.enrollment}/docs, "
                    f"{api.urls.recommendations}/docs, "
                    f"{api.urls.notifications}/docs\n"
                    f"The demo units now serve {DEMO_SERVED_PER_MONTH} people a month (for a "
                    "small sample); restore with PATCH /api/v1/units/{unit_id} "
                    '{"served_per_month": ...}.',
                ),
                border_style="green",
            )
        )
        return DemoResult(
            ready, units, submitted, ikm, gap, scheduled, invitations, answered, completed, jp,
            person, nudge, impact, contacts, mailbox,
        )  # fmt: skip

    def _contacts(self) -> ContactsImport:
        t = self.t
        with self.step(
            "Kontak diimpor (layanan notifikasi)",
            "Contacts imported (notifications)",
            "Seperti operator BKPSDM, demo mengunggah CSV kontak (nip,email,...) pegawai "
            f"{FAILING_UNIT} ke POST /api/v1/contacts/import, sebelum ada undangan, agar "
            "undangan, pengingat dan sertifikat sampai ke orangnya. Alamatnya buatan di domain "
            ".example (RFC 2606): tidak ada yang sampai ke orang sungguhan.",
            "Like a BKPSDM operator, the demo uploads a contacts CSV (nip,email,...) of the "
            f"{FAILING_UNIT} staff to POST /api/v1/contacts/import, before any invitation, so "
            "that invitations, nudges and certificates reach people. The addresses are made up "
            "under the .example domain (RFC 2606): none reaches a real person.",
        ):
            contacts = import_contacts(self.api, roster_of(self.api, FAILING_UNIT))
            self.say(
                t(
                    f"{contacts.imported} kontak disimpan (email, bahasa Indonesia); "
                    "mengimpor lagi menyimpan nilai yang sama dan tidak mengirim apa pun.",
                    f"{contacts.imported} contacts stored (email, Indonesian); importing "
                    "again stores the same values and sends nothing.",
                ),
                "green",
            )
        return contacts

    def _mailbox(self, expected: Expected, contacts: ContactsImport) -> Mailbox | None:
        t, urls = self.t, self.api.urls
        with self.step(
            "Pesan di kotak surat lokal",
            "Messages in the local mailbox",
            "Layanan notifikasi mengirim undangan (dengan berkas kalender .ics), konfirmasi, "
            "pengingat untuk yang menolak, dan pemberitahuan kelulusan dengan sertifikat PDF; "
            "`./dev run` menangkap semuanya di kotak surat lokal.",
            "The notifications service sends the invitations (with an .ics calendar file), "
            "confirmations, the nudge for the person who declined, and the completion notices "
            "with the PDF certificate; `./dev run` catches them all in a local mailbox.",
        ):
            with self.waiting(t("Menunggu pesan...", "Waiting for the messages...")):
                box = wait_for_mail(self.api, expected, contacts.addresses.values())
            if box is None:
                self.say(
                    t(
                        f"Tidak ada penangkap surat di {urls.mail}: pesan dikirim lewat relai "
                        "SMTP yang dikonfigurasi (ASN_SMTP_HOST). Status tiap pesan: "
                        f"{urls.notifications}/api/v1/asn/{{nip}}/messages.",
                        f"No mail catcher at {urls.mail}: the messages went through the "
                        "configured SMTP relay (ASN_SMTP_HOST). Each message's status: "
                        f"{urls.notifications}/api/v1/asn/{{nip}}/messages.",
                    ),
                    "yellow",
                )
                return None
            self._show_mailbox(box)
        return box

    def _show_mailbox(self, box: Mailbox) -> None:
        t, urls = self.t, self.api.urls
        names = {
            "invitation": (t("Undangan", "Invitations"), ".ics"),
            "confirmation": (t("Konfirmasi", "Confirmations"), ".ics"),
            "completion": (t("Kelulusan + sertifikat", "Completion + certificate"), ".pdf"),
            "nudge": (t("Pengingat (ajakan)", "Nudges"), ""),
        }
        table = Table(title=t("Kotak surat lokal", "Local mailbox"))
        table.add_column(t("Jenis", "Kind"))
        table.add_column(t("Pesan", "Messages"), justify="right")
        table.add_column(t("Lampiran", "Attached"), justify="right")
        counts = box.counts
        for kind in sorted(counts, key=lambda k: (k not in names, k)):
            label, suffix = names.get(kind, (kind, ""))
            attached = box.with_attachment(kind, suffix) if suffix else None
            table.add_row(
                label,
                str(counts[kind]),
                f"{attached} {suffix}" if attached is not None else "-",
            )
        self.console.print(table)
        for held in box.held:
            when = held["not_before"][:16].replace("T", " ")
            self.say(
                t(
                    f"Pengingat ditahan oleh jam tenang (malam, Minggu, hari libur) sampai "
                    f"{when} WIB; pesan sesi tetap langsung dikirim.",
                    f"The nudge is held by quiet hours (night, Sundays, holidays) until {when} "
                    "WIB; session notices still go at once.",
                )
                if held["status"] == "pending"
                else t(
                    f"Pengingat tidak dikirim: {held['last_error']}",
                    f"The nudge was not sent: {held['last_error']}",
                ),
                "yellow",
            )
        if box.duplicates:
            raise DemoError(
                "notifications",
                t(
                    f"pesan terkirim dua kali: {', '.join(box.duplicates[:3])}",
                    f"messages sent twice: {', '.join(box.duplicates[:3])}",
                ),
            )
        self.say(
            t(
                f"{len(box.messages)} pesan, setiap Message-ID sekali: menjalankan demo lagi "
                "tidak mengirim apa pun dua kali.",
                f"{len(box.messages)} messages, each Message-ID once: running the demo again "
                "sends nothing twice.",
            ),
            "green",
        )
        self.say(
            t(
                f"Lihat di {urls.mail} atau: .venv/bin/asn-mailcatcher list --dir .data/mail "
                "(lalu show <n>).",
                f"See them at {urls.mail} or: .venv/bin/asn-mailcatcher list --dir .data/mail "
                "(then show <n>).",
            ),
            "bold",
        )

    # --- display helpers --------------------------------------------------------------------

    def _submit(self, units: Sequence[UnitPrep]) -> list[SubmitResult]:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("[dim]{task.fields[note]}"),
            console=self.console,
        )
        tasks = {
            u.unit_id: progress.add_task(
                f"{u.unit_id:<20}", total=max(u.required_sample, MIN_RESPONSES), note=""
            )
            for u in units
        }

        def on_progress(unit_id: str, done: int, note: str | None) -> None:
            progress.update(tasks[unit_id], completed=done, note=note or "")

        with progress:
            return submit_surveys(self.api, units, on_progress=on_progress)

    def _show_ikm(self, ikm: Sequence[Json]) -> None:
        t, lang = self.t, self.lang
        period = ikm[0]["period"]["label"]
        summary = Table(title=t(f"IKM per unit - {period}", f"IKM per unit - {period}"))
        summary.add_column("Unit")
        summary.add_column(t("Responden", "Respondents"), justify="right")
        summary.add_column(t("Sampel minimal", "Required sample"), justify="right")
        summary.add_column("IKM", justify="right")
        summary.add_column(t("IKM konversi", "Converted"), justify="right")
        summary.add_column(t("Mutu", "Grade"))
        for u in ikm:
            mutu = u["mutu"] or "-"
            summary.add_row(
                u["unit_id"],
                str(u["n"]),
                str(u["required_sample"])
                + (t(" (sementara)", " (provisional)") if u["provisional"] else ""),
                _num(u["ikm"], lang, 3),
                _num(u["ikm_converted"], lang),
                f"[{MUTU_STYLE.get(mutu, '')}]{mutu} {u['mutu_label'] or ''}[/]",
            )
        self.console.print(summary)
        detail = Table(
            title=t("Per unsur: NRR, konversi, mutu", "Per element: NRR, converted, grade")
        )
        detail.add_column(t("Unsur", "Element"))
        for u in ikm:
            detail.add_column(u["unit_id"], justify="right")
        rows: dict[str, list[str]] = {}
        names: dict[str, str] = {}
        for u in ikm:
            by_code = {e["code"]: e for e in u["elements"]}
            for code in ELEMENT_CODES:
                e = by_code.get(code)
                if e:
                    names[code] = e["name"]
                cell = "-"
                if e and e["nrr"] is not None:
                    style = MUTU_STYLE.get(e["mutu"], "")
                    cell = f"{_num(e['nrr'], lang)}  {_num(e['converted'], lang)}  [{style}]{e['mutu']}[/]"
                rows.setdefault(code, []).append(cell)
        for code in ELEMENT_CODES:
            detail.add_row(f"{code} {names.get(code, '')}", *rows[code])
        self.console.print(detail)

    def _show_programme(self, scheduled: Scheduled) -> None:
        t, p = self.t, scheduled.programme
        decision = scheduled.gap["decision"]
        if scheduled.reused:
            self.say(decision["explanation"], "yellow")
            self.say(
                t(
                    "Program sebelumnya untuk unsur ini yang ditampilkan:",
                    "The earlier programme for this element is shown:",
                )
            )
        self.console.print(
            Panel(
                escape(p["explanation"]),
                title=t(
                    f"{p['programme_code']} untuk {p['unit_id']} ({p['element']}, {p['period']})",
                    f"{p['programme_code']} for {p['unit_id']} ({p['element']}, {p['period']})",
                ),
                subtitle=t(
                    f"aturan versi {p['rule_version']}, baris {p['rule_line']}",
                    f"rules version {p['rule_version']}, line {p['rule_line']}",
                ),
                border_style="magenta",
            )
        )
        self.say(t("Kompetensi: ", "Competencies: ") + ", ".join(p["competencies"]))
        table = Table(title=t("Sesi yang direncanakan", "Planned sessions"))
        table.add_column(t("Sesi", "Session"))
        table.add_column(t("Mulai", "Starts"))
        table.add_column(t("Selesai", "Ends"))
        table.add_column(t("Tempat", "Place"))
        table.add_column(t("Kapasitas", "Capacity"), justify="right")
        table.add_column(t("Peserta", "Participants"), justify="right")
        for s in p["sessions"]:
            table.add_row(
                s["session_ref"],
                s["starts_at"][:16].replace("T", " "),
                s["ends_at"][:16].replace("T", " "),
                s["place"] or s["online_url"] or "-",
                str(s["capacity"]),
                str(len(s["cohort"])),
            )
        self.console.print(table)

    def _who(self, nip: str, roster: dict[str, Json]) -> str:
        person = roster.get(nip)
        return f"{person['name']} ({mask_nip(nip)})" if person else mask_nip(nip)

    def _show_invitations(self, invitations: Invitations, roster: dict[str, Json]) -> None:
        t = self.t
        for s in invitations.sessions:
            seats = s["seats"]
            self.say(
                t(
                    f"Sesi {s['programme_title']} {s['starts_at'][:10]} s.d. "
                    f"{s['ends_at'][:10]}, {s['place'] or s['online_url']}: kapasitas "
                    f"{s['capacity']}, diundang {seats['invited']}, terisi {seats['taken']}.",
                    f"Session {s['programme_title']} {s['starts_at'][:10]} to "
                    f"{s['ends_at'][:10]}, {s['place'] or s['online_url']}: capacity "
                    f"{s['capacity']}, invited {seats['invited']}, taken {seats['taken']}.",
                )
            )
        table = Table(title=t("Undangan", "Invitations"))
        table.add_column(t("Nama (NIP disamarkan)", "Name (NIP masked)"))
        table.add_column(t("Jabatan", "Position"))
        table.add_column("Status")
        for e in sorted(invitations.enrollments, key=lambda e: e["nip"]):
            person = roster.get(e["nip"], {})
            table.add_row(self._who(e["nip"], roster), person.get("position", "-"), e["status"])
        self.console.print(table)

    def _show_answers(
        self, answered: Answered, completed: Sequence[Json], roster: dict[str, Json]
    ) -> None:
        t = self.t
        if answered.declined is not None:
            d = answered.declined
            self.say(
                t(
                    f'Menolak: {self._who(d["nip"], roster)} - alasan: "{d["reason"]}"',
                    f'Declined: {self._who(d["nip"], roster)} - reason: "{d["reason"]}"',
                ),
                "yellow",
            )
        for e in answered.waitlisted:
            self.say(t("Daftar tunggu: ", "Waitlisted: ") + self._who(e["nip"], roster), "yellow")
        for e, why in answered.refused:
            self.say(
                t("Tidak bisa menerima: ", "Could not accept: ")
                + f"{self._who(e['nip'], roster)}: {why}",
                "yellow",
            )
        table = Table(title=t("Hadir dan lulus", "Attended and completed"))
        table.add_column(t("Nama", "Name"))
        table.add_column("Status")
        table.add_column(t("Nilai", "Score"), justify="right")
        for e in completed:
            table.add_row(self._who(e["nip"], roster), e["status"], str(e["score"]))
        self.console.print(table)

    def _show_jp(self, jp: JpStanding, roster: dict[str, Json]) -> None:
        t = self.t
        table = Table(
            title=t(f"JP tahun {jp.unit['year']} - kohort", f"JP in {jp.unit['year']} - cohort")
        )
        table.add_column(t("Nama", "Name"))
        table.add_column("JP", justify="right")
        table.add_column(t("Kurang", "Shortfall"), justify="right")
        table.add_column(t("Memenuhi 20 JP", "Meets 20 JP"))
        for p in jp.people:
            ok = p["compliant"]
            table.add_row(
                self._who(p["nip"], roster),
                str(p["jp"]),
                str(p["shortfall"]),
                f"[green]{t('ya', 'yes')}[/]" if ok else f"[red]{t('belum', 'not yet')}[/]",
            )
        self.console.print(table)
        u = jp.unit
        self.say(
            t(
                f"{FAILING_UNIT}: {u['compliant']} dari {u['headcount']} ASN sudah >= "
                f"{u['minimum']} JP ({_num(u['percent_compliant'], self.lang, 1)}%). Masih di "
                "bawah 20 JP:",
                f"{FAILING_UNIT}: {u['compliant']} of {u['headcount']} staff have >= "
                f"{u['minimum']} JP ({_num(u['percent_compliant'], self.lang, 1)}%). Still "
                "below 20 JP:",
            ),
            "bold",
        )
        for b in u["below"]:
            self.say(
                f"  - {b['name']} ({mask_nip(b['nip'])}): {b['jp']} JP, "
                + t(f"kurang {b['shortfall']} JP", f"{b['shortfall']} JP short"),
                "yellow",
            )

    def _show_person(self, person: Json, roster: dict[str, Json]) -> None:
        t = self.t
        self.say(
            t(
                f"{self._who(person['nip'], roster)}, {person['position_type']}: "
                f"{person['jp_status']}",
                f"{self._who(person['nip'], roster)}, {person['position_type']}: "
                f"{person['jp_status']}",
            ),
            "bold",
        )
        if person["completed"]:
            self.say(
                t("Sudah diikuti: ", "Completed: ")
                + ", ".join(
                    f"{c['programme_code']} ({c['completed_on']})" for c in person["completed"]
                )
            )
        table = Table(
            title=t("Rekomendasi berperingkat", "Ranked recommendations"), show_lines=True
        )
        table.add_column("#", justify="right")
        table.add_column(t("Program", "Programme"))
        table.add_column("JP", justify="right")
        table.add_column(t("Alasan", "Reason"), ratio=3)
        table.add_column(t("Bukti (data)", "Evidence (data)"), ratio=2)
        for item in person["items"]:
            evidence = []
            for r in item["reasons"]:
                data = r.get("data") or {}
                if "element" in data:
                    evidence.append(
                        f"{data['unit_id']} {data['element']} NRR {_num(data['nrr'], self.lang)} "
                        f"= {_num(data['converted'], self.lang)} ({data['mutu']}), "
                        f"n={data['sample_size']}, {data['period']}, "
                        + t(
                            f"aturan baris {data.get('rule_line')}",
                            f"rule line {data.get('rule_line')}",
                        )
                    )
                else:
                    evidence.append(
                        f"{r['kind']}: "
                        + ", ".join(
                            f"{k}={v}" for k, v in data.items() if not isinstance(v, (dict, list))
                        )
                    )
            table.add_row(
                str(item["rank"]),
                f"{item['title']} ({item['programme_code']})",
                str(item["jp"]),
                escape(item["reason"]),
                escape("\n".join(evidence) or "-"),
            )
        self.console.print(table)

    def _show_nudge(self, nudge: Json, declined: Json, roster: dict[str, Json]) -> None:
        t = self.t
        supervisor = nudge.get("supervisor_nip")
        self.console.print(
            Panel(
                escape(nudge["message"]),
                title=t(
                    f"Pengingat ke-{nudge['attempt']} dari {nudge['max_reminders']} untuk "
                    f"{self._who(declined['nip'], roster)}",
                    f"Reminder {nudge['attempt']} of {nudge['max_reminders']} for "
                    f"{self._who(declined['nip'], roster)}",
                ),
                subtitle=t(
                    f"nada: {nudge['register']}; atasan: "
                    + (self._who(supervisor, roster) if supervisor else "belum dilibatkan"),
                    f"tone: {nudge['tone']}; supervisor: "
                    + (self._who(supervisor, roster) if supervisor else "not involved yet"),
                ),
                border_style="yellow",
            )
        )

    def _show_impact(self, impact: Json) -> None:
        t = self.t
        self.say(
            t(
                f"{impact['programme_code']} ({impact['unit_id']} {impact['element']}): "
                f"{impact['completions']} lulus; status: {impact['status']}",
                f"{impact['programme_code']} ({impact['unit_id']} {impact['element']}): "
                f"{impact['completions']} completed; status: {impact['status']}",
            )
        )
        style = "green" if impact.get("direction") == "up" else "yellow"
        self.console.print(Panel(escape(impact["summary"]), border_style=style))


def run_demo(api: Api, console: Console) -> DemoResult:
    return Narrator(api, console).run()
