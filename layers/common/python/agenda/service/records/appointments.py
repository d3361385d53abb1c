"""Records of an appointment's lifecycle and the professional's dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from agenda.domain.parties import Party

if TYPE_CHECKING:
    from agenda.domain.lifecycle import Appointment, Change, Policy, Role
    from agenda.service.records.reviews import ClientReview


@dataclass(frozen=True, slots=True)
class AppointmentProfessional:
    id: UUID
    user_id: str | None
    slug: str
    contact: Party
    profession: str
    timezone: str
    locale: str
    session_duration: int
    policy: Policy
    currency: str = "BRL"
    public_contact: str | None = None  # the way to reach them they chose to publish


@dataclass(frozen=True, slots=True)
class AppointmentPayment:
    """What Stripe took for an appointment paid online, to give it back."""

    payment_intent_id: str
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class AppointmentClient:
    id: UUID
    user_id: str | None
    contact: Party


@dataclass(frozen=True, slots=True)
class AppointmentRecord:
    """One appointment with its professional and client, as a change or a guest view needs it.
    ``role`` is what the reader is to it: the professional, or its client."""

    id: UUID
    facts: Appointment
    status_changed_by: str | None
    status_changed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    professional: AppointmentProfessional
    client: AppointmentClient
    role: Role
    payment: AppointmentPayment | None = None  # paid online through Stripe
    checkout_session_id: str | None = None
    # The amount due online when the booking took payment, else the session price; None: none.
    price: Decimal | None = None
    review: ClientReview | None = None  # the client's review of it


@dataclass(frozen=True, slots=True)
class AppliedChange:
    """A person's change, as the audit records it."""

    change: Change
    actor_role: str  # professional, client or guest
    actor_id: str | None  # the JWT subject; None for a guest
    actor_label: str  # what status_changed_by records
    reason: str | None
    # The buffers a reschedule was checked with; None keeps the appointment's own.
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None
    refund_id: str | None = None  # the Stripe refund this change made
    refunded_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ChangeWritten:
    """An appointment's columns as a change left them."""

    facts: Appointment
    status_changed_by: str | None
    status_changed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ClientListing:
    id: UUID
    name: str
    phone: str | None
    email: str | None
    registered: bool


@dataclass(frozen=True, slots=True)
class AppointmentListing:
    """One line of the professional's dashboard."""

    id: UUID
    facts: Appointment
    status_changed_by: str | None
    status_changed_at: datetime | None
    created_at: datetime
    client: ClientListing


@dataclass(frozen=True, slots=True)
class AppointmentPage:
    timezone: str
    items: tuple[AppointmentListing, ...]
