"""Records of a registered client's profile: their account, their appointments across
professionals, the professionals they follow, and the rows offered for claiming."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal
from uuid import UUID

if TYPE_CHECKING:
    from agenda.domain.lifecycle import Appointment, Policy


@dataclass(frozen=True, slots=True)
class ProfessionalCard:
    """A professional as their clients see them next to an appointment or a follow."""

    name: str
    slug: str
    profession: str
    avatar_url: str | None


@dataclass(frozen=True, slots=True)
class ClientAppointment:
    """One appointment of the client's, with what the lifecycle needs to say what they may do."""

    id: UUID
    facts: Appointment
    professional: ProfessionalCard
    # The clients row the appointment is under: the thread of messages with its professional.
    client_id: UUID
    timezone: str
    policy: Policy
    price: Decimal | None
    currency: str


@dataclass(frozen=True, slots=True)
class FollowedProfessional:
    professional: ProfessionalCard
    followed_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimableClient:
    """Another professional's row with the account's phone or email, not claimed by anyone.
    Its contact is for masking only: it is never answered in clear."""

    client_id: UUID
    professional_name: str
    professional_slug: str
    phone: str
    email: str | None


@dataclass(frozen=True, slots=True)
class ClientProfileRecord:
    """One read of the profile: the past ones are one page (one more than asked, to know
    whether another page follows)."""

    name: str
    phone: str | None
    email: str | None
    language: str
    upcoming: tuple[ClientAppointment, ...]
    past: tuple[ClientAppointment, ...]
    follows: tuple[FollowedProfessional, ...]
    claimable: tuple[ClaimableClient, ...]


@dataclass(frozen=True, slots=True)
class FollowResult:
    """A follow as PUT left it: ``created`` when this request made it."""

    followed: FollowedProfessional
    created: bool


# Why a follow or an unfollow found nothing to act on: the sign-in has no client account, the
# slug is no active professional's, or (a follow only) a concurrent request made the same
# follow after the statement's snapshot, so running it again answers it.
type FollowRefusal = Literal["no_account", "no_professional", "raced"]
