"""Records of a professional's private notes about a client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ClientNote:
    id: UUID
    client_id: UUID
    text: str
    created_at: datetime
    updated_at: datetime
