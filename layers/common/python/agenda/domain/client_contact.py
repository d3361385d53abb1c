"""A registered client's own details as PATCH /api/client-profile changes them: the name and
the language apply at once; a new phone or email is only a wish until a code sent to it comes
back (agenda.domain.verification), so the account never holds a contact its owner did not
prove.

The rules of each field are the professional account's (agenda.domain.accounts): the same
name length, phone normalisation (E.164) and email form, answered with the same words. One new
contact at a time: a code proves one destination.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agenda.domain.accounts import EMAIL_LENGTH, LANGUAGES, NAME_LENGTH
from agenda.domain.errors import ValidationFailed
from agenda.domain.phone import normalize_phone

KEYS = ("name", "language", "phone", "email")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

NOTHING_TO_CHANGE = "names nothing to change"
ONE_AT_A_TIME = "change the phone and the email one at a time"
CONTACT_IN_USE = "Another client of one of your professionals has this contact already"
IN_USE = "is another client's already"


@dataclass(frozen=True, slots=True)
class ContactChanges:
    """What a PATCH asks for; None: keep."""

    name: str | None = None
    language: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None  # lower case


def parse_contact_changes(body: Mapping[str, Any]) -> ContactChanges:
    """The body's changes, or ValidationFailed naming every bad field."""
    problems: dict[str, str] = {}
    values: dict[str, str] = {}
    if not body:
        problems["body"] = NOTHING_TO_CHANGE
    for key, value in body.items():
        if key not in KEYS:
            problems[key] = "is not a field of this request"
            continue
        parsed, problem = _field(key, value)
        if problem is not None:
            problems[key] = problem
        elif parsed is not None:
            values[key] = parsed
    if "phone" in body and "email" in body:
        problems.setdefault("email", ONE_AT_A_TIME)
    if problems:
        raise ValidationFailed("Some fields are missing or invalid", fields=problems)
    return ContactChanges(**values)


def _field(key: str, value: object) -> tuple[str | None, str | None]:
    if key == "name":
        if not isinstance(value, str):
            return None, "must be a string"
        text = " ".join(value.split())
        if _CONTROL.search(text):
            return None, "must not contain control characters"
        low, high = NAME_LENGTH
        if not low <= len(text) <= high:
            return None, f"must have {low} to {high} characters"
        return text, None
    if key == "language":
        if value not in LANGUAGES:
            return None, "must be one of " + ", ".join(LANGUAGES)
        return str(value), None
    if key == "phone":
        phone = normalize_phone(value) if isinstance(value, str) and len(value) <= 32 else None
        if phone is None:
            return None, "must be a phone number with its country or area code, e.g. +5511987654321"
        return phone, None
    email = value.strip().lower() if isinstance(value, str) else ""
    if len(email) > EMAIL_LENGTH or not _EMAIL.fullmatch(email):
        return None, "must be a valid email address"
    return email, None


def in_use_fields(phone: str | None) -> dict[str, str]:
    """The field a refused new contact is named under: the phone, else the email."""
    return {"phone" if phone else "email": IN_USE}
