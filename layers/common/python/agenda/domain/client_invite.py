"""Registration invites: a signed, expiring token naming a client row, which lets a signed-in
user claim that row as theirs (POST /api/client-profile/claim).

Its own kind of token (agenda.domain.signed_token), signed with the guest links' key under a
context of its own: a manage link forwarded to someone lets them manage that one booking, never
claim the client behind it, and an invite never opens a booking. It names the client row, not an
appointment, because what it grants is the person's record with that professional.

One exception, a kind of its own again: a booking confirmed as it is made (the professional's
auto-confirm) sends its confirmation from the booking's one statement, before the client row's
id is known (the statement finds or creates the row). Its invite names the appointment, and
grants the client row of that appointment; being another kind, it can never be read as naming a
client row, nor the reverse.

An invite is valid for CLIENT_INVITE_VALID_DAYS (30 by default) from when it was sent, not from the
session: whoever holds it can claim the row with any sign-in, so its life is bounded by when the
client is likely to act on a confirmation (the first days) with room for a late one, and a
message sent long ago stops being a key. A client who lets it lapse gets a new one with their
next confirmation.

Pure: the secret and the clock are arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from agenda.domain.errors import Unauthorized
from agenda.domain.signed_token import TokenKind

# Domain separation from the guest link (agenda/guest-link/v1): same key, another context.
CLIENT_INVITE = TokenKind(context=b"agenda/client-invite/v1\x00", key_label="guest link secret")
BOOKING_INVITE = TokenKind(context=b"agenda/booking-invite/v1\x00", key_label="guest link secret")


@dataclass(frozen=True, slots=True)
class InviteGrant:
    """What a valid invite proves: its holder may claim this client row (or the client row of
    this appointment) until then. Exactly one of the two ids is set."""

    client_id: UUID | None
    expires_at: datetime
    appointment_id: UUID | None = None


def issue(secret: bytes, client_id: UUID, expires_at: datetime) -> str:
    return CLIENT_INVITE.issue(secret, client_id, expires_at)


def issue_for_booking(secret: bytes, appointment_id: UUID, expires_at: datetime) -> str:
    """The invite of a booking confirmed as it is made: it names the appointment."""
    return BOOKING_INVITE.issue(secret, appointment_id, expires_at)


def verify(secret: bytes, token: object, *, now: datetime) -> InviteGrant:
    """The grant an invite of either kind carries, or Unauthorized (forged, altered, malformed,
    expired, or a token of another kind such as a manage link's)."""
    try:
        client_id, expires_at = CLIENT_INVITE.verify(secret, token, now=now)
    except Unauthorized:
        appointment_id, expires_at = BOOKING_INVITE.verify(secret, token, now=now)
        return InviteGrant(None, expires_at, appointment_id=appointment_id)
    return InviteGrant(client_id, expires_at)
