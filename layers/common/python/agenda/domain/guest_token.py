"""Guest links: a signed, expiring token that lets a client without an account manage a booking.

The token names the appointment (agenda.domain.signed_token: its format, and why a token of
another kind never verifies here). Nothing is stored: the token proves itself.

Pure: the secret and the clock are arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from agenda.domain.signed_token import INVALID, MAX_TOKEN_LENGTH, MIN_SECRET_BYTES, TokenKind

__all__ = ["INVALID", "MAX_TOKEN_LENGTH", "MIN_SECRET_BYTES", "GuestGrant", "issue", "verify"]

# Domain separation: a MAC made for anything else with the same key never verifies here.
GUEST_LINK = TokenKind(context=b"agenda/guest-link/v1\x00", key_label="guest link secret")


@dataclass(frozen=True, slots=True)
class GuestGrant:
    """What a valid token proves: its holder may manage this appointment until then."""

    appointment_id: UUID
    expires_at: datetime


def issue(secret: bytes, appointment_id: UUID, expires_at: datetime) -> str:
    """A token for this appointment, valid until ``expires_at`` (to the second)."""
    return GUEST_LINK.issue(secret, appointment_id, expires_at)


def verify(secret: bytes, token: object, *, now: datetime) -> GuestGrant:
    """The grant a token carries, or Unauthorized: forged, altered, malformed, expired or of
    another kind all get the same answer."""
    appointment_id, expires_at = GUEST_LINK.verify(secret, token, now=now)
    return GuestGrant(appointment_id, expires_at)
