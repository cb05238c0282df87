"""Completion certificates: a unique number per completed enrollment and the PDF (fpdf2) with
a QR code (segno) to the public verification page."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

import segno
from fpdf import FPDF

from asn_notifications.domain.texts import date_text, number_text
from asn_platform.timezone import to_jakarta

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on the phone


def certificate_number(enrollment_id: str, completed_at: datetime) -> str:
    """e.g. TS-2026-7KQ4-M2XA: stable for the enrollment, so a redelivered completion names the
    same certificate. 40 bits of a hash: collisions are refused by the table's unique key."""
    value = int.from_bytes(hashlib.sha256(enrollment_id.encode()).digest()[:5], "big")
    chars = []
    for _ in range(8):
        value, rest = divmod(value, len(_ALPHABET))
        chars.append(_ALPHABET[rest])
    code = "".join(chars)
    return f"TS-{to_jakarta(completed_at).year}-{code[:4]}-{code[4:]}"


@dataclass(frozen=True, slots=True)
class CertificateView:
    number: str
    holder_name: str
    holder_nip: str
    programme_title: str
    competencies: tuple[str, ...]
    jp: float
    starts_at: datetime | None
    completed_at: datetime
    issuer: str
    verify_url: str


def _latin1(text: str) -> str:
    # The PDF core fonts are Latin-1; names outside it keep their letters as '?'.
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(view: CertificateView) -> bytes:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"Sertifikat {view.number}")
    pdf.set_author(_latin1(view.issuer))
    pdf.add_page()
    pdf.set_draw_color(20, 70, 120)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font("Helvetica", "B", 28)
    pdf.set_y(28)
    pdf.cell(0, 14, "SERTIFIKAT / CERTIFICATE", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 8, f"Nomor / No. {view.number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.cell(0, 8, "diberikan kepada / awarded to", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 22)
    pdf.cell(0, 14, _latin1(view.holder_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 7, f"NIP {view.holder_nip}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.cell(0, 8, "telah menyelesaikan / has completed", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _latin1(view.programme_title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    when = date_text(view.completed_at, "id")
    if (
        view.starts_at is not None
        and to_jakarta(view.starts_at).date() != to_jakarta(view.completed_at).date()
    ):
        when = f"{date_text(view.starts_at, 'id')} - {when}"
    lines = [
        f"Tanggal / Dates: {when}",
        f"Jam pelajaran / Learning hours: {number_text(view.jp, 'id')} JP",
        "Kompetensi / Competencies: " + ", ".join(view.competencies),
    ]
    for line in lines:
        pdf.set_x(30)
        pdf.multi_cell(190, 7, _latin1(line), align="L", new_x="LMARGIN", new_y="NEXT")
    qr = io.BytesIO()
    segno.make(view.verify_url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.image(qr, x=228, y=130, w=45, h=45)
    pdf.set_font("Helvetica", "", 8)
    pdf.set_xy(208, 176)
    pdf.multi_cell(75, 4, _latin1(f"Periksa keaslian / verify: {view.verify_url}"), align="C")
    pdf.set_font("Helvetica", "", 11)
    pdf.set_xy(30, 170)
    pdf.cell(150, 7, _latin1(view.issuer))
    return bytes(pdf.output())
