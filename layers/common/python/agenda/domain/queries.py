"""The query strings of the read routes: what GET /api/booking and GET /api/appointments accept.

Pure and light: the booking read path parses its query here on a cold start, so this module
imports neither pydantic nor anything else heavy. The contract's models (``agenda.contract``)
document the same rules and read their limits from here, so the parser and the OpenAPI
document cannot disagree. Every bad parameter is named at once, as the contract does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from agenda.domain.errors import ValidationFailed
from agenda.domain.statuses import VIEWS, View
from agenda.pagination import page_of

# A professional's public address: lowercase letters and digits in words joined by single
# hyphens ("dr-ana").
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_MAX_LENGTH = 100
# The longest listing of free slots one request may ask for, in local days.
MAX_DAYS = 60
DEFAULT_DAYS = 1
# The availability preview: a month at most, a week unless asked (what a settings page shows).
PREVIEW_MAX_DAYS = 31
PREVIEW_DEFAULT_DAYS = 7
DEFAULT_VIEW: View = "upcoming"

# The local dates a query may name: wider than any booking, narrow enough that the instants
# around them (the slot engine's margins, a listing of MAX_DAYS) stay within what datetime holds.
FIRST_QUERY_DATE = date(2000, 1, 1)
LAST_QUERY_DATE = date(2999, 12, 31)
# The same, as the document states it (with format: date): YYYY-MM-DD in those years.
QUERY_DATE_PATTERN = r"^2[0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_MALFORMED_DATE = "must be a date as YYYY-MM-DD"
_DATE_OUT_OF_RANGE = f"must be from {FIRST_QUERY_DATE} to {LAST_QUERY_DATE}"

_SLUG = re.compile(SLUG_PATTERN)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True, slots=True)
class FreeSlotsRequest:
    """GET /api/booking: the free slots of ``days`` local dates from ``first_day``."""

    slug: str
    first_day: date
    days: int


def parse_free_slots_query(params: Mapping[str, str] | None) -> FreeSlotsRequest:
    """The query string of GET /api/booking (the rules of contract.FreeSlotsQuery)."""
    params = params or {}
    fields: dict[str, str] = {}
    slug = params.get("slug", "")
    if not slug:
        fields["slug"] = "is required"
    elif len(slug) > SLUG_MAX_LENGTH or not _SLUG.match(slug):
        fields["slug"] = "must be lowercase letters, digits and single hyphens"
    first_day = None
    raw_date = params.get("date")
    if raw_date is None:
        fields["date"] = "is required, as YYYY-MM-DD"
    else:
        # An empty `date=` names the parameter: it is a malformed date, not a missing one.
        first_day = _query_day(raw_date, "date", fields)
    days = _days(params, fields, default=DEFAULT_DAYS, most=MAX_DAYS)
    if fields or first_day is None:
        raise ValidationFailed("The query is invalid", fields=fields)
    return FreeSlotsRequest(slug=slug, first_day=first_day, days=days)


@dataclass(frozen=True, slots=True)
class PreviewRequest:
    """POST /api/availability/preview: ``days`` local dates from ``first_day``, which is None
    for today in the zone of the rules previewed (known only once the body is read)."""

    first_day: date | None
    days: int


def parse_preview_query(params: Mapping[str, str] | None) -> PreviewRequest:
    """The query string of POST /api/availability/preview (the rules of
    contract.AvailabilityPreviewQuery): GET /api/booking's date and days, the date optional."""
    params = params or {}
    fields: dict[str, str] = {}
    first_day = _query_date(params, "date", fields)
    days = _days(params, fields, default=PREVIEW_DEFAULT_DAYS, most=PREVIEW_MAX_DAYS)
    if fields:
        raise ValidationFailed("The query is invalid", fields=fields)
    return PreviewRequest(first_day=first_day, days=days)


@dataclass(frozen=True, slots=True)
class AppointmentListRequest:
    """GET /api/appointments: one page of a view of the professional's dashboard. Dates are
    the professional's local dates, both included."""

    view: View
    from_day: date | None
    to_day: date | None
    limit: int
    after: tuple[datetime, UUID] | None


def parse_list_query(params: Mapping[str, str] | None) -> AppointmentListRequest:
    """The query string of GET /api/appointments (the rules of contract.AppointmentsQuery)."""
    params = params or {}
    fields: dict[str, str] = {}
    view = _view(params.get("view", DEFAULT_VIEW), fields)
    from_day = _query_date(params, "from", fields)
    to_day = _query_date(params, "to", fields)
    if from_day and to_day and to_day < from_day:
        fields["to"] = "must not be before from"
    limit, after = page_of(params, fields)
    if fields:
        raise ValidationFailed("The query is invalid", fields=fields)
    return AppointmentListRequest(view, from_day, to_day, limit, after)


def _days(params: Mapping[str, str], fields: dict[str, str], *, default: int, most: int) -> int:
    raw = params.get("days")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        fields["days"] = f"must be a whole number from 1 to {most}"
        return default
    return int(raw)


def _view(raw: str, fields: dict[str, str]) -> View:
    for view in VIEWS:
        if view == raw:
            return view
    fields["view"] = f"must be one of: {', '.join(VIEWS)}"
    return DEFAULT_VIEW


def _query_date(params: Mapping[str, str], name: str, fields: dict[str, str]) -> date | None:
    """An optional date: absent is None; present, even empty (`to=`), it must be a date."""
    raw = params.get(name)
    if raw is None:
        return None
    return _query_day(raw, name, fields)


def _query_day(raw: str, name: str, fields: dict[str, str]) -> date | None:
    """YYYY-MM-DD exactly (fromisoformat alone would take 20300107 and 2030-W02-1), within the
    supported years; else the reason goes into ``fields``."""
    try:
        day = date.fromisoformat(raw) if _ISO_DATE.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None:
        fields[name] = _MALFORMED_DATE
    elif not FIRST_QUERY_DATE <= day <= LAST_QUERY_DATE:
        fields[name] = _DATE_OUT_OF_RANGE
        day = None
    return day
