"""Records of the public page, the slot check and the booking write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.parties import Party

if TYPE_CHECKING:
    from agenda.domain.plans import Account
    from agenda.domain.slots import Busy, Rules


@dataclass(frozen=True, slots=True)
class Review:
    rating: int
    comment: str | None
    reviewer_name: str  # the first name only
    created_at: str  # ISO 8601, as the database wrote it


@dataclass(frozen=True, slots=True)
class RelatedProfessional:
    slug: str
    name: str
    profession: str
    avatar_url: str | None


@dataclass(frozen=True, slots=True)
class PublicProfile:
    slug: str
    name: str
    profession: str
    bio: str | None
    avatar_url: str | None
    session_duration: int
    session_price: float | None
    currency: str
    timezone: str
    reviews: tuple[Review, ...]
    related: tuple[RelatedProfessional, ...]


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


@dataclass(frozen=True, slots=True)
class PlanUsage:
    existing_client_id: UUID | None
    clients: int
    appointments_this_month: int


@dataclass(frozen=True, slots=True)
class PaymentHold:
    """A booking paid at booking time: its Checkout Session and until when it holds the slot."""

    checkout_session_id: str
    expires_at: datetime
    amount: Decimal


@dataclass(frozen=True, slots=True)
class NewBooking:
    appointment_id: UUID
    professional_id: UUID
    existing_client_id: UUID | None
    client_name: str
    phone: str
    email: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    # The buffers the slot was checked with: stored with the appointment, kept clear by the
    # exclusion constraint.
    buffer_before_minutes: int
    buffer_after_minutes: int
    notification_title: str | None  # None: no in-app notice (a booking held for payment)
    notification_body: str | None
    messages: list[dict[str, Any]]
    payment: PaymentHold | None = None


@dataclass(frozen=True, slots=True)
class BookingRecord:
    appointment_id: UUID
    status: str
