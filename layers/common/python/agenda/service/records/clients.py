"""Records of the professional's client list (docs/client-relationship.md, "Clients"): a
client with what the list shows of them, their history, and what a write found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal
from uuid import UUID

if TYPE_CHECKING:
    from agenda.domain.clients import ClientDetails


@dataclass(frozen=True, slots=True)
class AppointmentMark:
    """The client's last or next appointment, as the list names it."""

    id: UUID
    starts_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class ClientSummary:
    """A client as the list shows them. An anonymised client has no phone or email here.
    ``sort_key`` is the folded name the list is ordered by (a cursor carries it)."""

    id: UUID
    name: str
    phone: str | None
    email: str | None
    tags: tuple[str, ...]
    registered: bool
    anonymised: bool
    source: str
    created_at: datetime
    last_appointment: AppointmentMark | None
    next_appointment: AppointmentMark | None
    sessions: int
    no_shows: int
    cancellations: int
    owed: Decimal
    unread_messages: int
    sort_key: str


@dataclass(frozen=True, slots=True)
class ClientListPage:
    """One page of the list (one more than asked, to know whether another follows), with the
    professional's currency."""

    currency: str
    items: tuple[ClientSummary, ...]


@dataclass(frozen=True, slots=True)
class AppointmentChangeEntry:
    """One line of an appointment's audit trail; ``by`` is the role that acted."""

    at: datetime
    action: str
    from_status: str
    to_status: str
    by: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class ClientAppointmentHistory:
    id: UUID
    status: str
    payment_status: str
    price: Decimal | None
    starts_at: datetime
    ends_at: datetime
    changes: tuple[AppointmentChangeEntry, ...]


@dataclass(frozen=True, slots=True)
class ClientChangeEntry:
    """One change of a client's details: the names of the fields, never their values."""

    at: datetime
    action: str
    fields: tuple[str, ...]
    by: str


@dataclass(frozen=True, slots=True)
class ClientDetailRecord:
    """A client with one page of their appointments (one more than asked) and the record of
    their details, and the professional's zone and currency."""

    timezone: str
    currency: str
    client: ClientSummary
    appointments: tuple[ClientAppointmentHistory, ...]
    changes: tuple[ClientChangeEntry, ...]


@dataclass(frozen=True, slots=True)
class ClientState:
    """A client's details as stored, locked for the change being made."""

    details: ClientDetails
    anonymised: bool


@dataclass(frozen=True, slots=True)
class ClientClash:
    """Another client of the professional already has the phone or the email: ``fields`` are
    the names of the clashing details, ``client_id`` the one who has them (by phone first)."""

    fields: tuple[str, ...]
    client_id: UUID


# Why a client's page found nothing: the sign-in has no professional, or the professional no
# such client (another professional's included).
type ClientMissing = Literal["no_professional", "no_client"]
