"""Who is told about a change of an appointment, and with which parameters.

Pure: envelopes (agenda.domain.messages) built from a lifecycle ``Change``. Kept apart from the
rules so that reading an appointment never loads the message catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from agenda.domain.lifecycle import PENDING, Appointment, Change
from agenda.domain.messages import Party, booking_messages, to_both_channels


@dataclass(frozen=True, slots=True)
class Audience:
    """Everything the messages of a change need besides the change itself."""

    appointment_id: UUID
    professional: Party
    client: Party
    timezone: str
    locale: str
    reason: str | None = None
    manage_url: str | None = None  # the client's guest link
    register_url: str | None = None  # only for a client without an account
    booking_url: str | None = None  # the professional's public booking page


def messages_for(change: Change, audience: Audience) -> list[dict[str, Any]]:
    """The envelopes a change queues: a confirmation (with the registration invite when the
    client has no account), a rejection, a cancellation to the other side, a reschedule to both.
    Payments, completions and no-shows tell nobody."""
    before, after = change.before, change.after
    common: dict[str, Any] = {
        "professionalName": audience.professional.name,
        "clientName": audience.client.name,
        "startsAt": _local_iso(after.starts_at, audience.timezone),
        "timezone": audience.timezone,
        "locale": audience.locale,
    }
    if audience.reason:
        common["reason"] = audience.reason
    to_client = {**common, **_present(manageUrl=audience.manage_url)}
    version = after.sequence

    def envelopes(party: Party, who: str, template: str, params: dict[str, Any]) -> list[Any]:
        return to_both_channels(
            party,
            audience=who,
            template=template,
            subject_id=audience.appointment_id,
            version=version,
            params=params,
        )

    if change.action == "reschedule":
        moved = {
            "previousStartsAt": _local_iso(before.starts_at, audience.timezone),
            "movedBy": change.role,
        }
        return [
            *envelopes(audience.client, "client", "rescheduled", {**to_client, **moved}),
            *envelopes(audience.professional, "professional", "rescheduled", {**common, **moved}),
        ]
    if not change.status_changed:
        return []
    if after.status == "confirmed" and before.status in PENDING:
        params = {**to_client, **_present(registerUrl=audience.register_url)}
        return envelopes(audience.client, "client", "booking_confirmed", params)
    if after.status == "rejected":
        params = {**to_client, **_present(bookingUrl=audience.booking_url)}
        return envelopes(audience.client, "client", "booking_rejected", params)
    if after.status == "cancelled":
        if change.role == "client":
            return envelopes(audience.professional, "professional", "cancelled_by_client", common)
        params = {**to_client, **_present(bookingUrl=audience.booking_url)}
        return envelopes(audience.client, "client", "cancelled_by_professional", params)
    return []


def _present(**values: str | None) -> dict[str, str]:
    return {name: value for name, value in values.items() if value}


def _local_iso(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).isoformat()


def paid_booking_messages(
    after: Appointment,
    audience: Audience,
    *,
    amount: str,
    currency: str,
    paid_at: datetime,
) -> list[dict[str, Any]]:
    """What a booking paid at booking time queues once Stripe reports the payment: the request
    to the professional and the booking notice to the client, which waited for the payment,
    and the client's receipt."""
    notices = booking_messages(
        appointment_id=audience.appointment_id,
        professional=audience.professional,
        client=audience.client,
        starts_at=after.starts_at.astimezone(ZoneInfo(audience.timezone)),
        timezone=audience.timezone,
        status=after.status,
        manage_url=audience.manage_url,
    )
    receipt = {
        "professionalName": audience.professional.name,
        "clientName": audience.client.name,
        "amount": amount,
        "currency": currency,
        "startsAt": _local_iso(after.starts_at, audience.timezone),
        "timezone": audience.timezone,
        "paidAt": _local_iso(paid_at, audience.timezone),
        "locale": audience.locale,
        **_present(manageUrl=audience.manage_url),
    }
    return [
        *notices,
        *to_both_channels(
            audience.client,
            audience="client",
            template="payment_received",
            subject_id=audience.appointment_id,
            version=0,
            params=receipt,
        ),
    ]
