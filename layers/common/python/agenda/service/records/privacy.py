"""Records of a professional's deletion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from agenda.domain.parties import Party


@dataclass(frozen=True, slots=True)
class DeletionSubject:
    """The professional a deletion is about, with what its confirmation and first phase need."""

    id: UUID
    slug: str
    contact: Party
    locale: str
    timezone: str
    avatar_url: str | None
    subscription_id: str | None
    subscription_status: str
    deletion_requested_at: datetime | None


@dataclass(frozen=True, slots=True)
class CancelledForDeletion:
    """An upcoming appointment the deletion cancelled, and the client to tell."""

    appointment_id: UUID
    starts_at: datetime
    sequence: int  # after the cancellation
    client: Party
