"""Opaque keyset cursors: stable under inserts, unlike offsets, and not a contract clients parse.

A cursor is base64url JSON of the last row's sort key; a cursor that does not decode, or
decodes to the wrong shape, is a 400 like any other bad query parameter.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from agenda.domain.errors import ValidationFailed

# The page sizes of every listing route; agenda.contract documents these.
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def encode_cursor(at: datetime, row_id: UUID) -> str:
    raw = json.dumps({"t": at.isoformat(), "i": str(row_id)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        at = datetime.fromisoformat(data["t"])
        row_id = UUID(data["i"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ValidationFailed("The cursor is invalid", fields={"cursor": "is not valid"}) from exc
    if at.tzinfo is None:
        raise ValidationFailed("The cursor is invalid", fields={"cursor": "is not valid"})
    return at, row_id


def page_of(
    params: Mapping[str, str], fields: dict[str, str], *, default: int = DEFAULT_LIMIT
) -> tuple[int, tuple[datetime, UUID] | None]:
    """The page a listing's query asks for: its size (``default`` when the query names none)
    and the key it starts after. A bad `limit` or `cursor` is added to `fields` (the route
    names every bad parameter at once)."""
    limit = 0
    after = None
    try:
        limit = page_limit(params, default=default)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if params.get("cursor"):
        try:
            after = decode_cursor(params["cursor"])
        except ValidationFailed as exc:
            fields.update(exc.fields)
    return limit, after


def page_limit(params: Mapping[str, str], *, default: int = DEFAULT_LIMIT) -> int:
    raw = params.get("limit")
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ValidationFailed(
            "The query is invalid",
            fields={"limit": f"must be a whole number from 1 to {MAX_LIMIT}"},
        )
    return int(raw)


def encode_key_cursor(key: str, row_id: UUID) -> str:
    """A cursor for a listing sorted by a text key (a name), then id."""
    raw = json.dumps({"k": key, "i": str(row_id)}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_key_cursor(cursor: str) -> tuple[str, UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key = data["k"]
        row_id = UUID(data["i"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ValidationFailed("The cursor is invalid", fields={"cursor": "is not valid"}) from exc
    # A forged key must still be text the database takes: no NUL, no lone surrogate.
    if not isinstance(key, str) or "\x00" in key or _unencodable(key):
        raise ValidationFailed("The cursor is invalid", fields={"cursor": "is not valid"})
    return key, row_id


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
