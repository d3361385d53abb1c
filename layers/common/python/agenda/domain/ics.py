"""An appointment as an iCalendar file (RFC 5545), written by hand: no library in the layer.

The event's times are local wall-clock times with a TZID naming the professional's IANA zone,
and the file carries that zone's VTIMEZONE, worked out from the zone database for the years
around the event, so a calendar shows the right local time on either side of a daylight-saving
change whether or not it knows the zone by name. The UID is derived from the appointment id and
never changes; SEQUENCE is the appointment's own, bumped on every change a calendar copy must
pick up, so an imported copy is replaced rather than duplicated.

Content lines end with CRLF and are folded at 75 octets (never inside a UTF-8 character); TEXT
values escape backslashes, semicolons, commas and newlines. The event's words are in the
professional's language, which the title and description name (the LANGUAGE parameter,
RFC 5545 3.2.10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

PRODID = "-//Agenda//Appointments//EN"
UID_DOMAIN = "agenda"
MAX_LINE_OCTETS = 75
CRLF = "\r\n"

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Parameter values holding any of these must be quoted (RFC 5545 3.2).
_PARAM_SPECIALS = re.compile(r'[;:,"]')
CALENDAR_STATUSES = ("TENTATIVE", "CONFIRMED", "CANCELLED")


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    appointment_id: UUID
    sequence: int
    status: str  # TENTATIVE, CONFIRMED or CANCELLED
    starts_at: datetime
    ends_at: datetime
    timezone: str  # IANA name, e.g. America/Sao_Paulo
    summary: str
    description: str | None
    created_at: datetime
    modified_at: datetime  # also the DTSTAMP: the file changes only when the appointment does
    language: str | None = None  # a BCP 47 tag: "pt-BR", "en"


def uid_for(appointment_id: UUID) -> str:
    return f"{appointment_id}@{UID_DOMAIN}"


def calendar_file(event: CalendarEvent) -> str:
    """The whole .ics file for one appointment."""
    if event.status not in CALENDAR_STATUSES:
        raise ValueError(f"unknown calendar status {event.status!r}")
    zone = ZoneInfo(event.timezone)
    tzid = _param(event.timezone)
    language = f";LANGUAGE={_param(event.language)}" if event.language else ""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *vtimezone(event.timezone, event.starts_at, event.ends_at),
        "BEGIN:VEVENT",
        f"UID:{uid_for(event.appointment_id)}",
        f"DTSTAMP:{_utc_stamp(event.modified_at)}",
        _date_time("DTSTART", event.starts_at, zone, tzid),
        _date_time("DTEND", event.ends_at, zone, tzid),
        f"SEQUENCE:{event.sequence}",
        f"STATUS:{event.status}",
        f"SUMMARY{language}:{escape_text(event.summary)}",
        *([f"DESCRIPTION{language}:{escape_text(event.description)}"] if event.description else []),
        f"CREATED:{_utc_stamp(event.created_at)}",
        f"LAST-MODIFIED:{_utc_stamp(event.modified_at)}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in lines)


def _date_time(name: str, moment: datetime, zone: ZoneInfo, tzid: str) -> str:
    """A local time with its TZID; in UTC when the local time is the second pass of a repeated
    hour, which a TZID cannot name (RFC 5545 3.3.5 reads it as the first)."""
    local = moment.astimezone(zone)
    if local.replace(fold=0).utcoffset() != local.utcoffset():
        return f"{name}:{_utc_stamp(moment)}"
    return f"{name};TZID={tzid}:{_local_stamp(local)}"


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): control characters dropped, specials escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, continuation lines starting with
    one space (RFC 5545 3.1), splitting only between characters."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
            limit = MAX_LINE_OCTETS - 1  # the leading space counts
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


# --- the zone ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Observance:
    """One onset of a zone's offset: STANDARD or DAYLIGHT (RFC 5545 3.6.5)."""

    kind: str
    onset_local: datetime  # naive: the wall time of the onset, in the offset before it
    offset_from: timedelta
    offset_to: timedelta
    name: str | None


def observances(timezone: str, first: datetime, last: datetime) -> list[Observance]:
    """The offsets of a zone from a year before ``first`` to a year after ``last``: the one in
    force at the start, then every change, each found to the second."""
    zone = ZoneInfo(timezone)
    begin = first.astimezone(UTC).replace(month=1, day=1, hour=0, minute=0, second=0) - 365 * _DAY
    end = last.astimezone(UTC) + 366 * _DAY
    begin, end = begin.replace(microsecond=0), end.replace(microsecond=0)

    at_begin = begin.astimezone(zone)
    found = [
        Observance(
            kind=_kind(at_begin),
            onset_local=(begin + _offset(at_begin)).replace(tzinfo=None),
            offset_from=_offset(at_begin),
            offset_to=_offset(at_begin),
            name=at_begin.tzname(),
        )
    ]
    previous = begin
    previous_state = _state(zone, begin)
    # Offsets change at most a few times a year: a daily walk finds each change, a bisection
    # places it to the second.
    moment = begin + _DAY
    while moment <= end:
        state = _state(zone, moment)
        if state != previous_state:
            onset = _first_change(zone, previous, moment, previous_state)
            after = onset.astimezone(zone)
            found.append(
                Observance(
                    kind=_kind(after),
                    onset_local=(onset + previous_state[0]).replace(tzinfo=None),
                    offset_from=previous_state[0],
                    offset_to=_offset(after),
                    name=after.tzname(),
                )
            )
            previous_state = state
        previous = moment
        moment += _DAY
    return found


def vtimezone(timezone: str, first: datetime, last: datetime) -> list[str]:
    lines = ["BEGIN:VTIMEZONE", f"TZID:{timezone}"]
    for observance in observances(timezone, first, last):
        lines += [
            f"BEGIN:{observance.kind}",
            f"DTSTART:{_local_stamp(observance.onset_local)}",
            f"TZOFFSETFROM:{_utc_offset(observance.offset_from)}",
            f"TZOFFSETTO:{_utc_offset(observance.offset_to)}",
            *([f"TZNAME:{escape_text(observance.name)}"] if observance.name else []),
            f"END:{observance.kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines


def _state(zone: ZoneInfo, moment: datetime) -> tuple[timedelta, timedelta | None, str | None]:
    local = moment.astimezone(zone)
    return _offset(local), local.dst(), local.tzname()


def _first_change(
    zone: ZoneInfo,
    low: datetime,
    high: datetime,
    before: tuple[timedelta, timedelta | None, str | None],
) -> datetime:
    """The first whole second in (low, high] whose state differs from ``before``."""
    while high - low > _SECOND:
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            middle = low + _SECOND
        if _state(zone, middle) == before:
            low = middle
        else:
            high = middle
    return high


def _kind(local: datetime) -> str:
    dst = local.dst()
    return "DAYLIGHT" if dst else "STANDARD"


def _offset(local: datetime) -> timedelta:
    offset = local.utcoffset()
    if offset is None:
        raise ValueError("the zone must give a UTC offset")
    return offset


def _utc_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _local_stamp(local: datetime) -> str:
    return local.strftime("%Y%m%dT%H%M%S")


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _param(value: str) -> str:
    value = _CONTROL.sub("", value).replace('"', "")
    return f'"{value}"' if _PARAM_SPECIALS.search(value) else value
