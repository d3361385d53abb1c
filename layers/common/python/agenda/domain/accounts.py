"""A professional's account: the slug rules, the sign-up defaults, and the validation of the
settings a professional may change (POST and PATCH /api/account).

Pure rules over plain values. A body is checked completely before anything is written: every
bad field is named in ``fields`` at once, and a refused request changes nothing.

Slugs are the public address of a page (``/p/{slug}``) and of the API's profile
(``/api/professionals/{slug}``): lowercase ASCII letters and digits in words joined by single
hyphens, 3 to 40 characters, never a word the site itself uses as a path (``RESERVED_SLUGS``).
Slugs already stored before these rules (the demo's, up to ``queries.SLUG_MAX_LENGTH``) keep
working; a new or changed one follows them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args

from agenda.domain.availability import LIMITS, known_zone
from agenda.domain.errors import ValidationFailed
from agenda.domain.phone import normalize_phone

SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = 40
SLUG_RULE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
# Paths of the site and the API, words people would mistake for the product's own pages, and
# names that would let a page pass for the platform's staff or systems.
RESERVED_SLUGS = frozenset(
    {
        "about", "account", "accounts", "admin", "administrator", "api", "app", "assets",
        "auth", "billing", "blog", "booking", "bookings", "callback", "careers", "cdn",
        "checkout", "contact", "cookies", "css", "dashboard", "dev", "docs", "download",
        "favicon", "files", "guest", "help", "home", "img", "images", "index", "js", "legal",
        "login", "logout", "mail", "manage", "me", "media", "new", "null", "oauth", "openapi",
        "p", "pages", "password", "portal", "pricing", "privacy", "pro", "professional",
        "professionals", "profile", "register", "reset", "robots", "root", "security",
        "settings", "signin", "signout", "signup", "sitemap", "static", "status", "stripe",
        "support", "system", "terms", "test", "undefined", "user", "users", "webhook",
        "webhooks", "www",
    }
)  # fmt: skip
# The rule as the OpenAPI document states it (ECMA-262): the form, and no reserved word.
SLUG_DOCUMENTED_PATTERN = (
    "^(?!(?:" + "|".join(sorted(RESERVED_SLUGS)) + ")$)[a-z0-9]+(?:-[a-z0-9]+)*$"
)
SlugProblem = Literal["malformed", "reserved", "taken"]
SLUG_PROBLEMS: tuple[SlugProblem, ...] = get_args(SlugProblem)
SLUG_MESSAGES: Mapping[SlugProblem, str] = {
    "malformed": f"must be {SLUG_MIN_LENGTH} to {SLUG_MAX_LENGTH} lowercase letters and digits,"
    " words joined by single hyphens",
    "reserved": "is a reserved word, choose another one",
    "taken": "is already taken",
}
# How many free slugs a refusal suggests.
SUGGESTIONS = 3

Language = Literal["pt-BR", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
PaymentType = Literal["none", "pix", "card", "pix_or_card"]
PAYMENT_TYPES: tuple[PaymentType, ...] = get_args(PaymentType)
ONLINE_PAYMENT_TYPES = frozenset({"pix", "card", "pix_or_card"})
# The currencies a price may be in: the ones the product's markets use, all with cents.
Currency = Literal["BRL", "USD", "EUR", "GBP"]
CURRENCIES: tuple[Currency, ...] = get_args(Currency)

DEFAULT_TIMEZONE = "America/Sao_Paulo"
DEFAULT_LANGUAGE: Language = "pt-BR"
DEFAULT_SESSION_MINUTES = 50
DEFAULT_CURRENCY = "BRL"
# A new professional has the paid plans' limits for this long, without a card
# (agenda.domain.plans, rule 1).
SIGN_UP_TRIAL = timedelta(days=14)

NAME_LENGTH = (2, 200)
PROFESSION_LENGTH = (2, 100)
BIO_LENGTH = 2000
EMAIL_LENGTH = 254
PIX_KEY_LENGTH = 140
PUBLIC_CONTACT_LENGTH = 200
NOTICE_HOURS = (0, 720)  # 30 days, as the column allows
MAX_PRICE = Decimal("99999999.99")  # numeric(10, 2)

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
# In a one-line text (a name), once its whitespace runs are one space, and in a free text (a
# bio, which keeps its line breaks): the control characters refused, as contract.py states.
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_PUBLIC_CONTACT = re.compile(r"(https://|mailto:|tel:\+)[^\s\x00-\x1f\x7f]+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug_problem(slug: str) -> SlugProblem | None:
    """Why ``slug`` cannot be a new slug by its form alone (taken is the database's to say)."""
    if not SLUG_MIN_LENGTH <= len(slug) <= SLUG_MAX_LENGTH or not SLUG_RULE.fullmatch(slug):
        return "malformed"
    if slug in RESERVED_SLUGS:
        return "reserved"
    return None


def slugify(text: str) -> str:
    """The slug closest to ``text``: accents dropped, every other run of characters a hyphen
    ("Dra. Ána Sá" -> "dra-ana-sa"), cut to the longest slug; may be too short to use."""
    ascii_text = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    )
    return _NOT_SLUG.sub("-", ascii_text).strip("-")[:SLUG_MAX_LENGTH].strip("-")


def slug_candidates(wanted: str, *, count: int = 12) -> list[str]:
    """Well-formed, unreserved slugs near ``wanted``, best first: the slug itself made valid,
    then numbered variants ("ana-silva-2" ...). Which are free is the database's to say."""
    base = slugify(wanted) or "agenda"
    if len(base) < SLUG_MIN_LENGTH:
        base = f"{base}-agenda"
    candidates = [base]
    for n in range(2, count + 2):
        suffix = f"-{n}"
        candidates.append(base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix)
    unique = dict.fromkeys(c for c in candidates if slug_problem(c) is None)
    return list(unique)[:count]


# -- the settings ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """Every setting of a professional's account that the professional may change."""

    name: str
    slug: str
    profession: str
    # Required at sign-up; a professional written before accounts existed may have none.
    phone: str | None
    email: str | None
    timezone: str = DEFAULT_TIMEZONE
    language: str = DEFAULT_LANGUAGE
    session_duration: int = DEFAULT_SESSION_MINUTES
    session_price: Decimal | None = None
    currency: str = DEFAULT_CURRENCY
    bio: str | None = None
    auto_confirm: bool = False
    payment_at_booking: bool = False
    payment_type: str = "none"
    pix_key: str | None = None
    cancellation_notice_hours: int = 24
    reschedule_notice_hours: int = 24
    public_contact: str | None = None
    active: bool = True


# The body's camelCase keys and the settings they set.
SETTING_KEYS: Mapping[str, str] = {
    "name": "name",
    "slug": "slug",
    "profession": "profession",
    "phone": "phone",
    "email": "email",
    "timezone": "timezone",
    "language": "language",
    "sessionDuration": "session_duration",
    "sessionPrice": "session_price",
    "currency": "currency",
    "bio": "bio",
    "autoConfirm": "auto_confirm",
    "paymentAtBooking": "payment_at_booking",
    "paymentType": "payment_type",
    "pixKey": "pix_key",
    "cancellationNoticeHours": "cancellation_notice_hours",
    "rescheduleNoticeHours": "reschedule_notice_hours",
    "publicContact": "public_contact",
    "active": "active",
}
assert set(SETTING_KEYS.values()) == {f.name for f in fields(AccountSettings)}
# What POST /api/account takes (the rest start at their defaults and change through PATCH).
SIGN_UP_KEYS = (
    "name", "slug", "profession", "phone", "email", "timezone", "language", "sessionDuration",
    "sessionPrice", "bio",
)  # fmt: skip
SIGN_UP_REQUIRED = ("name", "slug", "profession", "phone", "email")


class _Problems:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, key: str, message: str) -> None:
        self.fields.setdefault(key, message)

    def raise_any(self) -> None:
        if self.fields:
            raise ValidationFailed("Some fields are missing or invalid", fields=self.fields)


def _text(value: object, bounds: tuple[int, int]) -> tuple[str | None, str | None]:
    if not isinstance(value, str):
        return None, "must be a string"
    text = " ".join(value.split())
    if _LINE_CONTROL.search(text):
        return None, "must not contain control characters"
    low, high = bounds
    if not low <= len(text) <= high:
        return None, f"must have {low} to {high} characters"
    return text, None


def _optional_text(value: object, limit: int) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, "must be a string or null"
    text = value.strip()
    if _TEXT_CONTROL.search(text):
        return None, "must not contain control characters"
    if len(text) > limit:
        return None, f"must have at most {limit} characters"
    return text or None, None


def _whole(value: object, bounds: tuple[int, int], multiple: int = 1) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be a whole number"
    low, high = bounds
    if not low <= value <= high or value % multiple:
        step = f", a multiple of {multiple}" if multiple > 1 else ""
        return f"must be from {low} to {high}{step}"
    return None


def _price(value: object) -> tuple[Decimal | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None, "must be a number or null"
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        return None, "must be a number or null"
    if not price.is_finite() or price < 0 or price > MAX_PRICE:
        return None, f"must be from 0 to {MAX_PRICE}"
    if price != price.quantize(Decimal("0.01")):
        return None, "must have at most 2 decimals"
    return price.quantize(Decimal("0.01")), None


def _setting(key: str, value: object) -> tuple[Any, str | None]:
    """The stored value of one body key, or why it is refused."""
    if key == "name":
        return _text(value, NAME_LENGTH)
    if key == "profession":
        return _text(value, PROFESSION_LENGTH)
    if key == "slug":
        if not isinstance(value, str):
            return None, "must be a string"
        slug_refused = slug_problem(value)
        return (value, None) if slug_refused is None else (None, SLUG_MESSAGES[slug_refused])
    if key == "phone":
        phone = normalize_phone(value) if isinstance(value, str) and len(value) <= 32 else None
        if phone is None:
            return None, "must be a phone number with its country or area code, e.g. +5511987654321"
        return phone, None
    if key == "email":
        email = value.strip().lower() if isinstance(value, str) else ""
        if len(email) > EMAIL_LENGTH or not _EMAIL.fullmatch(email):
            return None, "must be a valid email address"
        return email, None
    if key == "timezone":
        if not isinstance(value, str) or not known_zone(value):
            return None, "must be an IANA time zone such as America/Sao_Paulo"
        return value, None
    if key == "language":
        if value not in LANGUAGES:
            return None, "must be one of " + ", ".join(LANGUAGES)
        return value, None
    if key == "sessionDuration":
        return value, _whole(value, LIMITS.session_minutes, LIMITS.minute_multiple)
    if key == "sessionPrice":
        return _price(value)
    if key == "currency":
        if value not in CURRENCIES:
            return None, "must be one of " + ", ".join(CURRENCIES)
        return value, None
    if key == "bio":
        return _optional_text(value, BIO_LENGTH)
    if key in ("autoConfirm", "paymentAtBooking", "active"):
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if key == "paymentType":
        if value not in PAYMENT_TYPES:
            return None, "must be one of " + ", ".join(PAYMENT_TYPES)
        return value, None
    if key == "pixKey":
        return _optional_text(value, PIX_KEY_LENGTH)
    if key in ("cancellationNoticeHours", "rescheduleNoticeHours"):
        return value, _whole(value, NOTICE_HOURS)
    if key == "publicContact":
        contact, refused = _optional_text(value, PUBLIC_CONTACT_LENGTH)
        if refused is None and contact is not None and not _PUBLIC_CONTACT.fullmatch(contact):
            return None, "must be an https:// address, a mailto: or a tel:+ link"
        return contact, refused
    raise AssertionError(f"no rule for {key}")  # pragma: no cover: SETTING_KEYS names them all


def _read(body: Mapping[str, Any], allowed: tuple[str, ...], problems: _Problems) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in body.items():
        if key not in allowed:
            problems.add(key, "is not a field of this request")
            continue
        stored, problem = _setting(key, value)
        if problem is not None:
            problems.add(key, problem)
        else:
            values[SETTING_KEYS[key]] = stored
    return values


def _consistent(settings: AccountSettings, problems: _Problems) -> None:
    """The rules between fields, on the settings as they would be stored."""
    if settings.payment_at_booking:
        if settings.payment_type not in ONLINE_PAYMENT_TYPES:
            problems.add("paymentAtBooking", "needs paymentType pix, card or pix_or_card")
        if not settings.session_price:
            problems.add("paymentAtBooking", "needs a sessionPrice above 0")


def parse_sign_up(body: Mapping[str, Any]) -> AccountSettings:
    """POST /api/account's body as the new account's settings (the rest at their defaults)."""
    problems = _Problems()
    values = _read(body, SIGN_UP_KEYS, problems)
    for key in SIGN_UP_REQUIRED:
        if key not in body:
            problems.add(key, "is required")
    problems.raise_any()
    return AccountSettings(**values)


def parse_changes(body: Mapping[str, Any], current: AccountSettings) -> AccountSettings:
    """PATCH /api/account's body applied to ``current``: the settings as they would be stored.
    A key left out keeps its value; ``null`` clears an optional one."""
    problems = _Problems()
    if not body:
        problems.add("body", "names no setting to change")
    values = _read(body, tuple(SETTING_KEYS), problems)
    problems.raise_any()
    changed = replace(current, **values)
    _consistent(changed, problems)
    problems.raise_any()
    return changed


def changed_settings(before: AccountSettings, after: AccountSettings) -> tuple[str, ...]:
    """The settings that differ, by their attribute names (for the log: never their values)."""
    return tuple(
        f.name for f in fields(AccountSettings) if getattr(before, f.name) != getattr(after, f.name)
    )
