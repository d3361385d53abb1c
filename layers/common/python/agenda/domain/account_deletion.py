"""The rules of a professional's deletion (LGPD), in two phases (docs/privacy.md).

Phase one tells every client with an upcoming appointment that it is cancelled, with the
catalogue's own "cancelled by the professional" message; phase two deletes every row of the
professional once those messages are out (the outbox rows cascade with the professional, so a
purge before they are sent would delete the very messages owed). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from agenda.domain.errors import ValidationFailed
from agenda.domain.messages import to_both_channels
from agenda.domain.parties import Party


class CancelledSession(Protocol):
    """An upcoming appointment the deletion cancelled (its sequence after the cancellation)."""

    @property
    def appointment_id(self) -> UUID: ...

    @property
    def starts_at(self) -> datetime: ...

    @property
    def sequence(self) -> int: ...

    @property
    def client(self) -> Party: ...


# Past this long after phase one the purge runs even if a message is still not delivered: a
# provider refusing for a day must not hold an erasure the law asks for without delay. The
# queue's own retries (8 receives with a growing delay) end well inside it.
PURGE_DEADLINE_SECONDS = 24 * 3600
# Why the sessions were cancelled, as the clients read it, in the professional's language.
REASONS = {
    "pt-BR": "O profissional encerrou a conta na plataforma.",
    "en": "The professional closed their account on the platform.",
}


def reason_for(locale: str) -> str:
    return REASONS["en"] if locale.lower().startswith("en") else REASONS["pt-BR"]


def check_confirmation(confirm: str, slug: str) -> None:
    """The professional types their page's address: a deletion is never one stray click."""
    if confirm.strip().lower() != slug:
        raise ValidationFailed(
            "Type your page's address to confirm the deletion",
            fields={"confirm": "must be your page's address (slug)"},
        )


def deletion_messages(
    cancelled: Sequence[CancelledSession],
    *,
    professional_name: str,
    timezone: str,
    locale: str,
) -> list[dict[str, Any]]:
    """One cancellation per upcoming appointment, to its client on every channel they have.
    No manage link and no booking page: both are about to go."""
    zone = ZoneInfo(timezone)
    reason = reason_for(locale)
    envelopes: list[dict[str, Any]] = []
    for appointment in cancelled:
        envelopes += to_both_channels(
            appointment.client,
            audience="client",
            template="cancelled_by_professional",
            subject_id=appointment.appointment_id,
            version=appointment.sequence,
            params={
                "professionalName": professional_name,
                "clientName": appointment.client.name,
                "startsAt": appointment.starts_at.astimezone(zone).isoformat(),
                "timezone": timezone,
                "locale": locale,
                "reason": reason,
            },
        )
    return envelopes
