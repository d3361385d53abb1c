"""Records of a professional's schedule: what the slot engine and the booking check read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from agenda.domain.parties import Party

if TYPE_CHECKING:
    from agenda.domain.plans import Account
    from agenda.domain.slots import Busy, Rules


@dataclass(frozen=True, slots=True)
class ScheduleRange:
    """Which part of a schedule to read: override and blocked dates from first_day to last_day,
    and the appointments whose buffered ranges meet [busy_from, busy_until)."""

    first_day: date
    last_day: date
    busy_from: datetime
    busy_until: datetime


@dataclass(frozen=True, slots=True)
class ProfessionalSchedule:
    """A bookable professional: the slot rules, the busy ranges of the dates asked for, and
    what a booking needs to decide and to tell people."""

    id: UUID
    slug: str
    contact: Party
    timezone: str
    locale: str
    session_duration: int
    account: Account  # what the effective plan is computed from
    auto_confirm: bool
    payment_at_booking: bool
    payment_type: str
    session_price: Decimal | None
    currency: str
    rules: Rules
    busy: tuple[Busy, ...]
    # Moves on with every change of the rules, the plan or the settings (migration 0011): a
    # booking write compares it with the one in force.
    version: int
