"""Links sent to clients: the guest link to manage a booking, registration, the booking page.

The web app at APP_BASE_URL serves these pages; they call the API's guest routes with the
token. A link is valid until some days after the session ends, so a rescheduled session gets a
new link in its "rescheduled" message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode
from uuid import UUID

from agenda.domain import guest_token
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

    def manage_url(self, appointment_id: UUID, ends_at: datetime) -> str:
        query = urlencode({"token": self.token(appointment_id, ends_at)})
        return f"{self._settings.app_base_url}/manage/{appointment_id}?{query}"

    def register_url(self, appointment_id: UUID, ends_at: datetime) -> str:
        # The registration page reads the client's name from the guest view with this token,
        # so no contact detail travels in the URL.
        token = self.token(appointment_id, ends_at)
        query = urlencode({"appointment": str(appointment_id), "invite": token})
        return f"{self._settings.app_base_url}/register?{query}"

    def booking_url(self, slug: str) -> str:
        return f"{self._settings.app_base_url}/p/{quote(slug)}"
