"""A NIP identifies a person (personal data, UU 27/2022): logs only ever show it masked."""

from __future__ import annotations


def mask_nip(nip: str) -> str:
    """Keep the first 4 and last 3 characters: "1985***********001"; short input fully masked."""
    value = nip.strip()
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 7) + value[-3:]
