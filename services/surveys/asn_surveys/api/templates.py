"""The Jinja environment of the HTML pages (public form, printable report) and its filters."""

from __future__ import annotations

from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from asn_platform.timezone import to_jakarta


def format_wib(moment: datetime) -> str:
    return to_jakarta(moment).strftime("%d-%m-%Y %H:%M WIB")


def format_number(value: object, en: bool = False) -> str:
    """Numbers in the report as they were computed (same digits), with the reader's marks:
    Indonesian decimal comma and thousands dot ("80,56", "50.895"), English "80.56"."""
    text = str(value)
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    if not digits.isdigit():
        return text
    grouped = f"{int(digits):,}".replace(",", "," if en else ".")
    return f"{sign}{grouped}{('.' if en else ',') + frac if dot else ''}"


def make_templates() -> Environment:
    templates = Environment(
        loader=PackageLoader("asn_surveys", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.filters["wib"] = format_wib
    templates.filters["num"] = format_number
    return templates
