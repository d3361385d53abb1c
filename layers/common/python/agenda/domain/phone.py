"""Phone numbers in E.164, the form every provider and the client lookup agree on."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s().\-]")
BRAZIL = "55"


def normalize_phone(raw: str) -> str | None:
    """Return +<digits> or None when the input cannot be a phone number.

    Numbers written without a country code are taken as Brazilian (area code + 8 or 9 digits),
    the product's home market; anything with a leading + or 00 keeps its own country code.
    """
    text = _SEPARATORS.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.startswith("+"):
        digits = text[1:]
        if not digits.isdigit() or not 8 <= len(digits) <= 15:
            return None
        return "+" + digits
    if not text.isdigit():
        return None
    if text.startswith("0"):  # trunk prefix, as in 011 98765-4321
        text = text[1:]
    if len(text) in (10, 11):
        return "+" + BRAZIL + text
    if len(text) in (12, 13) and text.startswith(BRAZIL):
        return "+" + text
    return None
