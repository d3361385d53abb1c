"""Phone numbers and emails shown only in part, to say where a code went or which record is
offered, without telling a signed-in stranger someone's contact details.

Enough stays to recognise one's own (a phone's country code and last four digits, an email's
first letter and its domain); nothing that finds the person.
"""

from __future__ import annotations

HIDDEN = "•"


def mask_phone(phone: str) -> str:
    """+5521998765432 -> "+55 •••••••5432"."""
    digits = phone.removeprefix("+")
    if len(digits) <= 6:
        return HIDDEN * len(digits)
    country = digits[:2] if digits.startswith("55") else digits[:1]
    hidden = len(digits) - len(country) - 4
    return f"+{country} {HIDDEN * hidden}{digits[-4:]}"


def mask_email(email: str) -> str:
    """maria.silva@example.com -> "m•••@example.com"."""
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return HIDDEN * 3
    return f"{local[0]}{HIDDEN * 3}@{domain}"
