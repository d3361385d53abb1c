"""Records of the booking write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class PlanUsage:
    """What the plan's caps counted when they refused a booking of a new client."""

    clients: int
    appointments_this_month: int


@dataclass(frozen=True, slots=True)
class PlanCaps:
    """What the plan allows a booking of a new client, as the domain decided it (None: no
    cap), and the month its appointments are counted in."""

    max_clients: int | None
    max_appointments: int | None
    month_start: datetime
    month_end: datetime


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
    # The version of the schedule the booking was decided from (ProfessionalSchedule.version).
    schedule_version: int
    payment: PaymentHold | None = None


@dataclass(frozen=True, slots=True)
class BookingRecord:
    appointment_id: UUID
    status: str
