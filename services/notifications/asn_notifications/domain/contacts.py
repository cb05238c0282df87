"""Contact details of a civil servant (personal data): validation and the CSV import format."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

CSV_COLUMNS = ("nip", "email", "mobile", "channel", "lang", "nudge_opt_out")
MAX_CSV_ROWS = 20_000


class Channel(StrEnum):
    EMAIL = "email"
    WHATSAPP = "whatsapp"


class ContactError(ValueError):
    """A field that cannot be accepted; messages in Indonesian and English."""

    def __init__(self, field: str, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.field = field
        self.message_id = message_id
        self.message_en = message_en


@dataclass(frozen=True, slots=True)
class Contact:
    nip: str
    email: str | None
    mobile: str | None  # E.164, e.g. +6281234567890
    channel: Channel
    lang: str  # id | en
    nudge_opt_out: bool

    def address_for(self, channel: Channel) -> str | None:
        return self.email if channel is Channel.EMAIL else self.mobile


def clean_email(raw: str | None) -> str | None:
    """A syntactically valid address, normalised (no DNS look-up: the city's mail may be
    internal); None when empty."""
    if raw is None or not raw.strip():
        return None
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as err:
        raise ContactError(
            "email", f"Alamat email tidak valid: {err}", f"Not a valid email address: {err}"
        ) from err


def clean_mobile(raw: str | None) -> str | None:
    """An Indonesian (or international) mobile number in E.164; None when empty."""
    if raw is None or not raw.strip():
        return None
    bad = ContactError(
        "mobile",
        "Nomor ponsel tidak valid (contoh: 0812 3456 7890 atau +62 812 3456 7890).",
        "Not a valid mobile number (e.g. 0812 3456 7890 or +62 812 3456 7890).",
    )
    try:
        number = phonenumbers.parse(raw.strip(), "ID")
    except phonenumbers.NumberParseException as err:
        raise bad from err
    if not phonenumbers.is_valid_number(number):
        raise bad
    kind = phonenumbers.number_type(number)
    if kind not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ContactError(
            "mobile",
            "Nomor ini bukan nomor ponsel (WhatsApp butuh nomor ponsel).",
            "This is not a mobile number (WhatsApp needs one).",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def make_contact(
    nip: str,
    *,
    email: str | None,
    mobile: str | None,
    channel: str | None,
    lang: str | None,
    nudge_opt_out: bool,
) -> Contact:
    chosen = Channel(channel) if channel else Channel.EMAIL
    contact = Contact(
        nip=nip,
        email=clean_email(email),
        mobile=clean_mobile(mobile),
        channel=chosen,
        lang=lang if lang in ("id", "en") else "id",
        nudge_opt_out=nudge_opt_out,
    )
    if contact.address_for(chosen) is None:
        raise ContactError(
            "channel",
            f"Saluran {chosen.value} dipilih tetapi alamatnya kosong.",
            f"Channel {chosen.value} chosen but its address is empty.",
        )
    return contact


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str
    message_id: str
    message_en: str


_TRUE = {"1", "true", "ya", "yes", "y"}
_FALSE = {"", "0", "false", "tidak", "no", "n"}


def _flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ContactError("nudge_opt_out", "Isi ya/tidak.", "Use yes/no.")


def _nip(raw: str) -> str:
    value = "".join(raw.split())
    if len(value) != 18 or not value.isascii() or not value.isdigit():
        raise ContactError("nip", "NIP harus 18 digit angka.", "A NIP is 18 digits.")
    return value


def parse_csv(text: str) -> tuple[list[Contact], list[RowError]]:
    """Rows of nip,email,mobile,channel,lang,nudge_opt_out (header required; ; or , separated).
    Every bad row is reported with its line; the good ones are returned."""
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "nip" not in header:
        return [], [RowError(1, "nip", "Kolom nip tidak ada.", "The nip column is missing.")]
    contacts: list[Contact] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, raw_row in enumerate(reader):
        line = index + 2
        if index >= MAX_CSV_ROWS:
            errors.append(RowError(line, "-", "Terlalu banyak baris.", "Too many rows."))
            break
        row = {str(k).strip().lower(): (v or "") for k, v in raw_row.items() if k is not None}
        try:
            nip = _nip(row.get("nip", ""))
            contact = make_contact(
                nip,
                email=row.get("email"),
                mobile=row.get("mobile"),
                channel=(row.get("channel") or "email").strip().lower() or None,
                lang=(row.get("lang") or "id").strip().lower(),
                nudge_opt_out=_flag(row.get("nudge_opt_out", "")),
            )
        except ContactError as err:
            errors.append(RowError(line, err.field, err.message_id, err.message_en))
            continue
        except ValueError:
            errors.append(
                RowError(
                    line, "channel", "Saluran: email atau whatsapp.", "Channel: email or whatsapp."
                )
            )
            continue
        if nip in seen:
            contacts[seen[nip]] = contact  # the last row for a NIP wins
        else:
            seen[nip] = len(contacts)
            contacts.append(contact)
    return contacts, errors
