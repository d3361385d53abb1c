"""The professional's client list (docs/client-relationship.md, "Clients"): what its query
strings accept, the tags a professional gives a client, what a client owes, and which of a
client's details a change touched.

Pure and light: the list's read path parses its query here on a cold start, so nothing heavy is
imported. The contract's models (``agenda.contract``) read their limits from here.

A search ``q`` is matched three ways at once: a part of the name (case and accents folded by
the database, the same fold on both sides), a part of the email, and, when ``q`` is written as
a phone is (digits and the separators people type) with at least three digits, those digits in
the phone. LIKE's metacharacters in ``q`` are escaped, so ``%`` finds a percent sign and not
every client.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from agenda.domain.errors import ValidationFailed
from agenda.domain.statuses import OUTCOMES, UNPAID
from agenda.pagination import decode_key_cursor, page_limit, page_of

QUERY_MAX_LENGTH = 100
PHONE_DIGITS_MIN = 3
# The list's and a client's history's page when the query names none.
DEFAULT_CLIENTS_LIMIT = 25
DEFAULT_HISTORY_LIMIT = 25
# A cursor carries the last client's folded name (at most 200 characters, each up to four
# bytes, base64 on top): generous, still bounded.
CLIENT_CURSOR_MAX_LENGTH = 1200

MAX_TAGS = 20
TAG_LENGTH = (1, 32)
# The client's details a professional keeps and changes, in the order changes name them.
CLIENT_FIELDS = ("name", "phone", "email", "tags")

LIKE_ESCAPE = "\\"
_LIKE_SPECIAL = re.compile(r"([\\%_])")
# What people type in a phone number besides its digits.
_PHONE_WRITING = re.compile(r"[0-9\s()+.\-/]+")
# A tag is one line: no control character, no line or paragraph separator.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def like_escape(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern written with ``ESCAPE '\\'``."""
    return _LIKE_SPECIAL.sub(r"\\\1", text)


@dataclass(frozen=True, slots=True)
class ClientSearch:
    """What ``q`` finds: ``contains`` is a LIKE pattern (escaped, between %) for the name and
    the email, lower-cased (the name's accents are folded on both sides in SQL); ``digits`` a
    LIKE pattern for the phone, or None when ``q`` is not written as a phone."""

    contains: str
    digits: str | None


def parse_search(raw: str) -> ClientSearch | None:
    """``q`` as the list matches it; None when it is blank (the whole list)."""
    text = " ".join(raw.split()).lower()
    if not text:
        return None
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    phone_like = _PHONE_WRITING.fullmatch(text) is not None and len(digits) >= PHONE_DIGITS_MIN
    return ClientSearch(
        contains=f"%{like_escape(text)}%",
        digits=f"%{digits}%" if phone_like else None,
    )


@dataclass(frozen=True, slots=True)
class ClientListRequest:
    """GET /api/clients: one page of ``limit`` after the (folded name, id) key ``after``."""

    search: ClientSearch | None
    limit: int
    after: tuple[str, UUID] | None


@dataclass(frozen=True, slots=True)
class ClientHistoryRequest:
    """GET /api/clients/{id}: one page of the history, newest first, after (starts, id)."""

    limit: int
    after: tuple[datetime, UUID] | None


def _limit(params: Mapping[str, str], default: int, fields: dict[str, str]) -> int:
    try:
        return page_limit(params, default=default)
    except ValidationFailed as exc:
        fields.update(exc.fields)
        return default


def parse_clients_query(params: Mapping[str, str] | None) -> ClientListRequest:
    """The query string of GET /api/clients (the rules of contract.ClientsQuery); every bad
    parameter is named at once."""
    params = params or {}
    fields: dict[str, str] = {}
    raw_q = params.get("q", "")
    if len(raw_q) > QUERY_MAX_LENGTH:
        fields["q"] = f"must be at most {QUERY_MAX_LENGTH} characters"
    elif _CONTROL.search(" ".join(raw_q.split())):
        fields["q"] = "must not contain control characters"
    limit = _limit(params, DEFAULT_CLIENTS_LIMIT, fields)
    after = None
    cursor = params.get("cursor")
    if cursor:
        try:
            after = decode_key_cursor(cursor)
        except ValidationFailed as exc:
            fields.update(exc.fields)
    if fields:
        raise ValidationFailed("The query is invalid", fields=fields)
    return ClientListRequest(search=parse_search(raw_q), limit=limit, after=after)


def parse_history_query(params: Mapping[str, str] | None) -> ClientHistoryRequest:
    """The query string of GET /api/clients/{id} (contract.ClientHistoryQuery)."""
    fields: dict[str, str] = {}
    limit, after = page_of(params or {}, fields, default=DEFAULT_HISTORY_LIMIT)
    if fields:
        raise ValidationFailed("The query is invalid", fields=fields)
    return ClientHistoryRequest(limit=limit, after=after)


def clean_tags(raw: Sequence[str]) -> tuple[str, ...]:
    """A client's tags as kept: each trimmed, one line, 1-32 characters; at most 20 given;
    duplicates (ignoring case) removed, the first spelling and the order kept. A broken rule
    raises ValueError with the words the contract answers."""
    if len(raw) > MAX_TAGS:
        raise ValueError(f"must have at most {MAX_TAGS} tags")
    low, high = TAG_LENGTH
    kept: list[str] = []
    seen: set[str] = set()
    for tag in raw:
        if _NOT_ONE_LINE.search(tag):
            raise ValueError("each tag must be one line without control characters")
        tag = tag.strip()
        if not low <= len(tag) <= high:
            raise ValueError(f"each tag must have from {low} to {high} characters")
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            kept.append(tag)
    return tuple(kept)


def is_owed(status: str, payment_status: str) -> bool:
    """A session held or missed and not paid is owed (a refunded one is settled)."""
    return status in OUTCOMES and payment_status in UNPAID


@dataclass(frozen=True, slots=True)
class ClientDetails:
    """What the professional keeps about a client and may change."""

    name: str
    phone: str
    email: str | None
    tags: tuple[str, ...]


def changed_fields(before: ClientDetails, after: ClientDetails) -> tuple[str, ...]:
    """The names of the details that differ, in CLIENT_FIELDS' order."""
    return tuple(name for name in CLIENT_FIELDS if getattr(before, name) != getattr(after, name))


def given_fields(details: ClientDetails) -> tuple[str, ...]:
    """The details a new client was added with (what the record of their creation names)."""
    given = {"name": True, "phone": True, "email": details.email is not None, "tags": details.tags}
    return tuple(name for name in CLIENT_FIELDS if given[name])
