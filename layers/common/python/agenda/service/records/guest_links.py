"""Records of sending a client's manage links again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class LinkedAppointment:
    """One appointment of a client record with the asked phone or email, with what its
    message needs from the professional."""

    id: UUID
    starts_at: datetime
    ends_at: datetime
    professional_id: UUID
    professional_name: str
    timezone: str
    locale: str
    client_name: str
