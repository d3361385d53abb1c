"""The slot engine: which session starts a professional offers, from their weekly availability.

One rule set serves both the public listing (``generate_slots``) and the booking check
(``find_slot``), so the server never accepts a slot it would not offer and never refuses one it
offers. Everything is pure: plain values in, plain values out, no I/O.

Semantics
---------
Windows and labels are local wall-clock time in ``Rules.timezone``; sessions last real elapsed
minutes. A 09:00 slot stays 09:00 local across a daylight-saving change: the label is what the
professional set, and the UTC instant moves.

* Candidates. For each window of a local date, candidate starts walk local wall-clock time from the
  window's start in steps of ``step_minutes`` (default: the session length), while the wall time is
  before the window's end. A wall time that does not exist that day (the spring-forward gap) gives
  no slot; an ambiguous one (the fall-back repeat) means its first occurrence (``fold=0``). A
  candidate less than a step of real time after the window's previous candidate is dropped: after
  a spring-forward gap the clock has run ahead of real time, and such a start would overlap the
  session before it (so starts are always at least a step apart, and with a step no shorter than
  the session, offered slots never overlap).
* Fitting. A window is the stretch of real time from the first moment the local clock reads its
  start to the first moment it reads its end; a bound that falls inside a spring-forward gap is
  the moment the clock jumps over it. A candidate is kept when ``[start - buffer_before,
  start + session + buffer_after)`` lies inside that stretch. On a fall-back day a window therefore
  spans the repeated hour as the professional lives it (one continuous stretch), a window ending
  inside the repeated hour ends at the first pass, and a session is never stretched or shrunk.
* Which windows. A date in ``overrides`` uses its own windows instead of the weekly ones (an empty
  tuple closes the day). A date inside any inclusive ``blocked`` range has no slots. Weekdays
  follow the seed: 0 = Sunday ... 6 = Saturday.
* Removal. A slot is removed when ``[starts_at - buffer_before, ends_at + buffer_after)`` overlaps
  a busy interval (half-open, so back-to-back is fine), when ``starts_at <= now`` or
  ``starts_at < now + min_notice``, or when its local date is outside
  ``[today, today + horizon_days]`` with today taken in the professional's zone.
* Listing. ``days`` counts local calendar dates from ``first_day`` inclusive; a date with nothing
  free is still listed with no slots. Slots within a day are ordered by instant, without repeats.
* Checking. ``find_slot`` generates the single local date of the requested instant and returns the
  slot starting at exactly that instant (instants compare, labels don't), else ``None``.

Slots carry ``ZoneInfo``-aware datetimes so that ISO strings show the local offset. Python compares
and subtracts two datetimes sharing one ``tzinfo`` by their wall fields (PEP 495), which is wrong
across a fall-back; convert to UTC before doing arithmetic on them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import accumulate
from operator import itemgetter
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = [
    "Busy",
    "Day",
    "Period",
    "Rules",
    "Slot",
    "WeeklyWindow",
    "default_step",
    "find_slot",
    "generate_slots",
    "last_bookable_date",
    "period_of",
]

Busy = tuple[datetime, datetime]

# Instants are kept as exact timedeltas since the Unix epoch: cheap to compare and to bisect,
# whatever tzinfo the inputs carried, and with no rounding.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_MINUTE = timedelta(minutes=1)

_NOON = time(12, 0)
_SIX_PM = time(18, 0)

Period = Literal["morning", "afternoon", "evening"]


def period_of(local: time) -> Period:
    """The part of the day a local start time belongs to, as the booking page groups slots."""
    if local < _NOON:
        return "morning"
    if local < _SIX_PM:
        return "afternoon"
    return "evening"


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """One weekly availability window, in local wall-clock time; never crosses midnight."""

    weekday: int  # 0 = Sunday ... 6 = Saturday, like the seed's dayOfWeek (JS getDay())
    start: time
    end: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Sunday) to 6 (Saturday), got {self.weekday}")
        _check_bounds(self.start, self.end)


def default_step(session_minutes: int, buffer_before: int, buffer_after: int) -> int:
    """Minutes between candidate starts for a professional who set no step of their own: one
    session after another, buffers included, so a booked session's buffers never leave a gap
    no other session fits."""
    return session_minutes + buffer_before + buffer_after


def _no_overrides() -> Mapping[date, tuple[tuple[time, time], ...]]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Rules:
    """What decides a professional's slots, apart from their appointments and the clock."""

    timezone: ZoneInfo
    session_minutes: int
    windows: tuple[WeeklyWindow, ...]
    step_minutes: int | None = None  # None: one session after another
    # Free time around a session: inside the window, and clear of other appointments.
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    min_notice_minutes: int = 0
    horizon_days: int = 60
    overrides: Mapping[date, tuple[tuple[time, time], ...]] = field(default_factory=_no_overrides)
    blocked: tuple[tuple[date, date], ...] = ()  # inclusive local date ranges (vacation)
    # Minute-of-day windows per weekday and per override date, worked out once per rule set
    # because every listed date needs them.
    _weekly: tuple[tuple[tuple[int, int], ...], ...] = field(init=False, repr=False, compare=False)
    _by_date: Mapping[date, tuple[tuple[int, int], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, tzinfo):
            raise ValueError("timezone must be a tzinfo (a ZoneInfo)")
        if self.session_minutes <= 0:
            raise ValueError("session_minutes must be positive")
        if self.step_minutes is not None and self.step_minutes <= 0:
            raise ValueError("step_minutes must be positive")
        for name in ("buffer_before_minutes", "buffer_after_minutes", "min_notice_minutes"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.horizon_days < 0:
            raise ValueError("horizon_days must not be negative")

        windows = tuple(self.windows)
        for window in windows:
            if not isinstance(window, WeeklyWindow):
                raise ValueError("windows must hold WeeklyWindow values")
        weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for window in windows:
            weekly[window.weekday].append((_minute_of(window.start), _minute_of(window.end)))

        by_date: dict[date, tuple[tuple[int, int], ...]] = {}
        overrides: dict[date, tuple[tuple[time, time], ...]] = {}
        for day, bounds in self.overrides.items():
            pairs = tuple((start, end) for start, end in bounds)
            for start, end in pairs:
                _check_bounds(start, end)
            overrides[day] = pairs
            by_date[day] = tuple(sorted((_minute_of(s), _minute_of(e)) for s, e in pairs))

        blocked = tuple((first, last) for first, last in self.blocked)
        for first, last in blocked:
            if first > last:
                raise ValueError(f"a blocked range must not start after it ends: {first} > {last}")

        # The dataclass is frozen: normalised copies go in once, here, and never change again.
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "overrides", MappingProxyType(overrides))
        object.__setattr__(self, "blocked", blocked)
        object.__setattr__(self, "_weekly", tuple(tuple(sorted(day)) for day in weekly))
        object.__setattr__(self, "_by_date", MappingProxyType(by_date))

    @property
    def step(self) -> int:
        """Minutes between candidate starts."""
        return self.step_minutes if self.step_minutes is not None else self.session_minutes

    def windows_on(self, day: date) -> tuple[tuple[int, int], ...]:
        """(start, end) minutes of day of the windows that apply to a local date."""
        if any(first <= day <= last for first, last in self.blocked):
            return ()
        override = self._by_date.get(day)
        if override is not None:
            return override
        return self._weekly[day.isoweekday() % 7]


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable session. Both ends are aware datetimes in the professional's zone.

    Compare or subtract them in UTC: within one zone Python uses the wall fields (PEP 495).
    """

    starts_at: datetime
    ends_at: datetime  # starts_at + session in real elapsed time

    @property
    def local_date(self) -> date:
        return self.starts_at.date()

    @property
    def time(self) -> str:
        """The local start as the professional set it, "HH:MM"."""
        return f"{self.starts_at.hour:02d}:{self.starts_at.minute:02d}"

    @property
    def period(self) -> Period:
        return period_of(self.starts_at.time())


@dataclass(frozen=True, slots=True)
class Day:
    date: date
    slots: tuple[Slot, ...]


def last_bookable_date(rules: Rules, now: datetime) -> date:
    """The last local date a client may book: today in the professional's zone plus the horizon.
    The engine lists and accepts nothing after it."""
    return now.astimezone(rules.timezone).date() + timedelta(days=rules.horizon_days)


def generate_slots(
    rules: Rules, *, first_day: date, days: int, busy: Sequence[Busy], now: datetime
) -> list[Day]:
    """The free slots of ``days`` local dates from ``first_day``, one ``Day`` per date."""
    if days < 0:
        raise ValueError("days must not be negative")
    engine = _Engine(rules, busy, now)
    listing: list[Day] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        listing.append(Day(day, tuple(slot for slot, _ in engine.slots_on(day))))
    return listing


def find_slot(
    rules: Rules, starts_at: datetime, *, busy: Sequence[Busy], now: datetime
) -> Slot | None:
    """The slot ``generate_slots`` offers starting at exactly this instant, or ``None``."""
    target = _since_epoch(starts_at, "starts_at")
    # A slot belongs to the local date of its start, so that one date decides it.
    day = starts_at.astimezone(rules.timezone).date()
    for slot, start in _Engine(rules, busy, now).slots_on(day):
        if start == target:
            return slot
    return None


class _Engine:
    """Per-call state: the clock, the date limits and the busy index, worked out once."""

    __slots__ = ("_busy", "_earliest", "_first_allowed", "_last_allowed", "_rules")

    def __init__(self, rules: Rules, busy: Iterable[Busy], now: datetime) -> None:
        now_since_epoch = _since_epoch(now, "now")
        today = now.astimezone(rules.timezone).date()
        self._rules = rules
        self._first_allowed = today
        self._last_allowed = last_bookable_date(rules, now)
        # A slot starts after now, and no sooner than the notice allows.
        self._earliest = now_since_epoch + max(_US, _MINUTE * rules.min_notice_minutes)
        self._busy = _BusyIndex(busy)

    def slots_on(self, day: date) -> list[tuple[Slot, timedelta]]:
        """The free slots of one local date, each with its start instant since the epoch."""
        rules = self._rules
        if not self._first_allowed <= day <= self._last_allowed:
            return []
        windows = rules.windows_on(day)
        if not windows:
            return []
        zone = rules.timezone
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        # Subtracting two datetimes of one zone subtracts their fields, so a datetime holding UTC
        # fields minus this gives its instant since the epoch.
        zone_epoch = datetime(1970, 1, 1, tzinfo=zone)
        session = _MINUTE * rules.session_minutes
        lead = _MINUTE * rules.buffer_before_minutes
        tail = _MINUTE * rules.buffer_after_minutes
        step = rules.step
        step_delta = _MINUTE * step
        earliest = self._earliest
        busy = self._busy

        # Start instant (since the epoch) of each free slot found.
        found: set[timedelta] = set()

        def keep(start: timedelta, opens: timedelta, closes: timedelta) -> None:
            end = start + session
            if start - lead < opens or end + tail > closes:
                return
            if start < earliest or start in found:
                return
            if busy.overlaps(start - lead, end + tail):
                return
            found.add(start)

        offset = _offset(midnight)
        next_midnight = datetime.combine(day + timedelta(days=1), time(), zone)
        steady = _offset(next_midnight) == offset and zone.fromutc(midnight - offset) == midnight
        for start_minute, end_minute in windows:
            if steady:
                # No clock change on this date (the usual case): local minutes map to instants
                # by one offset, so the walk is plain arithmetic.
                base = (midnight - offset) - zone_epoch
                opens, closes = base + _MINUTE * start_minute, base + _MINUTE * end_minute
                for minute in range(start_minute, end_minute, step):
                    keep(base + _MINUTE * minute, opens, closes)
                continue
            opens = _first_reaching(zone, midnight + _MINUTE * start_minute) - zone_epoch
            closes = _first_reaching(zone, midnight + _MINUTE * end_minute) - zone_epoch
            wall = midnight + _MINUTE * start_minute
            previous: timedelta | None = None
            for _ in range(start_minute, end_minute, step):
                # Same-zone arithmetic is wall-clock arithmetic, which is what the walk wants.
                candidate, wall = wall, wall + step_delta
                as_utc = candidate - _offset(candidate)  # the fold=0 instant, in UTC fields
                if zone.fromutc(as_utc) != candidate:
                    continue  # inside the spring-forward gap: this wall time never happens
                start = as_utc - zone_epoch
                if previous is not None and start - previous < step_delta:
                    # After a spring-forward gap the clock is ahead of real time: a start less
                    # than a step after the one before would overlap it.
                    continue
                previous = start
                keep(start, opens, closes)

        slots: list[tuple[Slot, timedelta]] = []
        for start in sorted(found):
            as_utc = zone_epoch + start  # the instant, as UTC fields under the zone
            starts_at = zone.fromutc(as_utc)
            slots.append((Slot(starts_at, zone.fromutc(as_utc + session)), start))
        return slots


_by_start = itemgetter(0)


class _BusyIndex:
    """Busy intervals sorted once, so each check is one binary search."""

    __slots__ = ("_reach", "_starts")

    def __init__(self, busy: Iterable[Busy]) -> None:
        try:
            spans = [(begins - _EPOCH, ends - _EPOCH) for begins, ends in busy]
        except TypeError:
            raise ValueError("busy intervals must be pairs of timezone-aware datetimes") from None
        # Empty intervals hold no instant, so they overlap nothing.
        spans = [span for span in spans if span[0] < span[1]]
        spans.sort(key=_by_start)
        self._starts = [begins for begins, _ in spans]
        # The furthest any of the first k intervals reaches: no merging pass needed.
        self._reach = list(accumulate([ends for _, ends in spans], max))

    def overlaps(self, begins: timedelta, ends: timedelta) -> bool:
        """Whether [begins, ends) shares an instant with a busy interval."""
        # The intervals starting before `ends` are a prefix of the sorted list; one of them
        # overlaps exactly when the furthest of them reaches past `begins`.
        count = bisect_left(self._starts, ends)
        return count > 0 and self._reach[count - 1] > begins


def _first_reaching(zone: tzinfo, wall: datetime) -> datetime:
    """The first instant of the day whose local clock reads ``wall`` or later, in UTC fields.

    ``wall`` is a fold=0 datetime of ``zone``; the answer carries ``zone`` but holds the UTC
    fields of the instant, like the ``as_utc`` values of the walk.
    """
    as_utc = wall - _offset(wall)
    if zone.fromutc(as_utc) == wall:
        # An ordinary or repeated wall time: its first occurrence (fold=0).
        return as_utc
    # Inside a gap the clock never reads it, and fold=0 took the offset from before the jump;
    # the first later reading is the jump itself, after wall - (offset after the jump) and at or
    # before wall - (offset before it). Rare (a window bound inside a gap), so a bisection will do.
    low = wall - _offset(wall.replace(fold=1))
    high = as_utc
    while high - low > _US:
        middle = low + (high - low) // 2
        if zone.fromutc(middle).replace(tzinfo=None) >= wall.replace(tzinfo=None):
            high = middle
        else:
            low = middle
    return high


def _offset(wall: datetime) -> timedelta:
    offset = wall.utcoffset()
    if offset is None:
        raise ValueError("the zone must give a UTC offset")
    return offset


def _since_epoch(moment: datetime, name: str) -> timedelta:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return moment - _EPOCH


def _minute_of(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _check_bounds(start: time, end: time) -> None:
    for bound in (start, end):
        if bound.tzinfo is not None:
            raise ValueError("window bounds must be local wall-clock times, without tzinfo")
        if bound.second or bound.microsecond:
            raise ValueError("window bounds must be whole minutes")
    if end <= start:
        raise ValueError(f"a window must end after it starts: {start} - {end}")


def settings_rules(
    *,
    timezone: str,
    session_minutes: int,
    buffer_before_minutes: int,
    buffer_after_minutes: int,
    step_minutes: int | None,
    min_notice_minutes: int,
    horizon_days: int,
    windows: tuple[WeeklyWindow, ...],
    overrides: Mapping[date, Sequence[tuple[time, time]]],
    blocked: Sequence[tuple[date, date]],
) -> Rules:
    """The one translation of the settings a professional manages into the rules the engine
    decides with: for the stored schedule the booking page reads, and for an unsaved one the
    availability preview runs (agenda.domain.availability.rules_of). Here, beside Rules, so the
    booking's read path loads nothing more than the engine."""
    before, after = buffer_before_minutes, buffer_after_minutes
    return Rules(
        timezone=ZoneInfo(timezone),
        session_minutes=session_minutes,
        step_minutes=step_minutes or default_step(session_minutes, before, after),
        buffer_before_minutes=before,
        buffer_after_minutes=after,
        min_notice_minutes=min_notice_minutes,
        horizon_days=horizon_days,
        windows=windows,
        overrides={day: tuple(sorted(spans)) for day, spans in overrides.items()},
        blocked=tuple(blocked),
    )
