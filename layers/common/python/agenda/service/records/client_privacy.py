"""Records of a registered client's deletion (docs/privacy.md, "Clients")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from agenda.domain.parties import Party


@dataclass(frozen=True, slots=True)
class ClientRow:
    """One professional's client row the account claimed, with that professional."""

    client_id: UUID
    professional_id: UUID
    professional: Party
    locale: str
    timezone: str
    appointments: int  # every appointment of the row, whatever its status


@dataclass(frozen=True, slots=True)
class ClientDeletionSubject:
    """The client account a deletion is about: its contact (to check the confirmation), its
    rows with their professionals, and the upcoming live appointments phase one cancels."""

    user_id: str
    phone: str | None
    email: str | None
    deletion_requested_at: datetime | None
    rows: tuple[ClientRow, ...]
    upcoming: tuple[UUID, ...]
