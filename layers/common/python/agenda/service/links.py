"""Links the messages carry: to clients the guest link to manage a booking, registration and
the booking page; to the professional their dashboard.

The web app at APP_BASE_URL serves these pages; they call the API's guest routes with the
token. A manage link is valid until some days after the session ends, so a rescheduled session
gets a new link in its "rescheduled" message. A registration invite is a token of its own kind
naming the client row (agenda.domain.client_invite), valid some days after it was sent.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode
from uuid import UUID

from agenda.domain import client_invite, guest_token, verification
from agenda.domain.client_invite import InviteGrant
from agenda.domain.errors import Unauthorized
from agenda.domain.guest_token import GuestGrant
from agenda.settings import GuestLinkSettings


class GuestLinks:
    def __init__(
        self, settings: GuestLinkSettings, *, key: Callable[[], bytes] | None = None
    ) -> None:
        self._settings = settings
        self._key_source = key or settings.key
        self._key: bytes | None = None

    def _secret(self) -> bytes:
        # Read on first use: on AWS through the secrets extension, never at import time.
        if self._key is None:
            self._key = self._key_source()
        return self._key

    def ready(self) -> None:
        """Load the key now, before a transaction holds row locks (on AWS it is a local call to
        the secrets extension the first time)."""
        self._secret()

    def token(self, appointment_id: UUID, ends_at: datetime) -> str:
        expires_at = ends_at + timedelta(days=self._settings.valid_days_after)
        return guest_token.issue(self._secret(), appointment_id, expires_at)

    def verify(self, token: object, *, now: datetime) -> GuestGrant:
        return guest_token.verify(self._secret(), token, now=now)

    def appointment_of(self, token: object, appointment_id: str, *, now: datetime) -> UUID:
        """The appointment a valid token for this very appointment names, or Unauthorized:
        the check every guest route makes first, without the database (a token for another
        appointment is refused like a forged one)."""
        grant = self.verify(token, now=now)
        if str(grant.appointment_id) != appointment_id.lower():
            raise Unauthorized(guest_token.INVALID)
        return grant.appointment_id

    def valid_for_ended_after(self, now: datetime) -> datetime:
        """Appointments that ended after this instant still have a manage link that works."""
        return now - timedelta(days=self._settings.valid_days_after)

    def contact_key(self, contact: str) -> str:
        """A normalised phone or email as a rate limit counts it: keyed with the links' key,
        so the limiter's store holds no list of contacts that a dictionary could reverse."""
        digest = hmac.new(self._secret(), b"guest-links:" + contact.encode(), hashlib.sha256)
        return digest.hexdigest()

    def manage_url(self, appointment_id: UUID, ends_at: datetime) -> str:
        query = urlencode({"token": self.token(appointment_id, ends_at)})
        return f"{self._settings.app_base_url}/manage/{appointment_id}?{query}"

    def invite(self, client_id: UUID, issued_at: datetime) -> str:
        expires_at = issued_at + timedelta(days=self._settings.invite_valid_days)
        return client_invite.issue(self._secret(), client_id, expires_at)

    def verify_invite(self, token: object, *, now: datetime) -> InviteGrant:
        return client_invite.verify(self._secret(), token, now=now)

    def code_hash(self, code_id: UUID, code: str) -> bytes:
        """A verification code as it is stored: keyed with the links' key, so a copy of the
        table is no list of codes (agenda.domain.verification)."""
        return verification.code_hash(self._secret(), code_id, code)

    def code_matches(self, code_id: UUID, code: str, stored: bytes) -> bool:
        return verification.code_matches(self._secret(), code_id, code, stored)

    def register_url(self, client_id: UUID, issued_at: datetime) -> str:
        # Only the invite travels: the registration page learns what it needs by claiming it,
        # so no contact detail, and not the manage link's token, is in the URL.
        query = urlencode({"invite": self.invite(client_id, issued_at)})
        return f"{self._settings.app_base_url}/register?{query}"

    def booking_register_url(self, appointment_id: UUID, issued_at: datetime) -> str:
        """The invite of a booking confirmed as it is made, naming its appointment: the
        booking's statement finds or creates the client row, so its id is not known yet."""
        expires_at = issued_at + timedelta(days=self._settings.invite_valid_days)
        token = client_invite.issue_for_booking(self._secret(), appointment_id, expires_at)
        return f"{self._settings.app_base_url}/register?{urlencode({'invite': token})}"

    def booking_url(self, slug: str) -> str:
        return f"{self._settings.app_base_url}/p/{quote(slug)}"

    def dashboard_url(self, screen: str = "") -> str:
        """The professional's dashboard, or one of its screens ("/clients/{id}#messages"):
        behind their sign-in, so the link itself grants nothing."""
        return f"{self._settings.app_base_url}/dashboard{screen}"
