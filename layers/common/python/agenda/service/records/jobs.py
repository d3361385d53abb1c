"""Records of the daily jobs: WhatsApp instances and their checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ProfessionalOnInstance:
    id: UUID
    name: str
    email: str | None
    timezone: str
    locale: str
    instance: str


@dataclass(frozen=True, slots=True)
class InstanceCheck:
    instance: str
    state: str | None  # None: the check itself failed
    alerts: int
    error: str | None
    checked_at: datetime
