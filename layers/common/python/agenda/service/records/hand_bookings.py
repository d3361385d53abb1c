"""Records of a booking the professional makes by hand (POST /api/appointments)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class NewHandBooking:
    """The appointment a professional books, as the slot engine checked it: confirmed, nothing
    to pay, with the buffers it was checked with (they are part of the range it holds)."""

    appointment_id: UUID
    professional_id: UUID
    client_id: UUID
    starts_at: datetime
    ends_at: datetime
    buffer_before_minutes: int
    buffer_after_minutes: int
