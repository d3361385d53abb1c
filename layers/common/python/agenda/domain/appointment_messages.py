"""Who is told about a change of an appointment, and with which parameters.

Pure: envelopes (agenda.domain.messages) built from a lifecycle ``Change``. Kept apart from the
rules so that reading an appointment never loads the message catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from agenda.domain.lifecycle import PENDING, Appointment, Change
from agenda.domain.messages import Party, booking_messages, to_both_channels
from agenda.domain.money import minor_units


@dataclass(frozen=True, slots=True)
class MessageContext:
    """Everything the messages of a change need besides the change itself. (Who reads each
    message, professional or client, is the envelope's ``audience``.)"""

    appointment_id: UUID
    professional: Party
    client: Party
    timezone: str
    locale: str
    reason: str | None = None
    manage_url: str | None = None  # the client's guest link
    register_url: str | None = None  # only for a client without an account
    booking_url: str | None = None  # the professional's public booking page
    dashboard_url: str | None = None  # the professional's dashboard
    # What became of a paid session's money: "refunded", "kept" (a late cancellation), or
    # None (nothing was paid online). With a refund, how much, in which currency.
    refund: str | None = None
    refunded_amount: Decimal | None = None
    currency: str = "BRL"


def messages_for(change: Change, context: MessageContext) -> list[dict[str, Any]]:
    """The envelopes a change queues: a confirmation (with the registration invite when the
    client has no account), a rejection, a cancellation to the other side and its confirmation
    to a client who cancelled (a booking still held for payment is not announced to the
    professional, who never heard of it), a reschedule to both, and the client's refund
    notice when money went back, and the client's review request when a session is marked
    complete (its link opens the manage page's review form). Payments and no-shows tell
    nobody."""
    found = _change_messages(change, context)
    if context.refund == "refunded" and context.refunded_amount is not None:
        found += refund_messages(context, context.refunded_amount, change.before.starts_at)
    return found


def refund_messages(
    context: MessageContext, amount: Decimal, starts_at: datetime
) -> list[dict[str, Any]]:
    """The client's notice of money given back. Its version is the amount refunded so far in
    minor units, so the refund a change made and Stripe's report of it are one message."""
    params: dict[str, Any] = {
        "professionalName": context.professional.name,
        "clientName": context.client.name,
        "amount": f"{amount:.2f}",
        "currency": context.currency,
        "startsAt": _local_iso(starts_at, context.timezone),
        "timezone": context.timezone,
        "locale": context.locale,
        **_present(manageUrl=context.manage_url),
    }
    return to_both_channels(
        context.client,
        audience="client",
        template="payment_refunded",
        subject_id=context.appointment_id,
        version=minor_units(amount, context.currency),
        params=params,
    )


def _change_messages(change: Change, context: MessageContext) -> list[dict[str, Any]]:
    before, after = change.before, change.after
    common: dict[str, Any] = {
        "professionalName": context.professional.name,
        "clientName": context.client.name,
        "startsAt": _local_iso(after.starts_at, context.timezone),
        "timezone": context.timezone,
        "locale": context.locale,
    }
    if context.reason:
        common["reason"] = context.reason
    to_client = {**common, **_present(manageUrl=context.manage_url)}
    to_professional = {**common, **_present(dashboardUrl=context.dashboard_url)}
    version = after.sequence

    def envelopes(party: Party, who: str, template: str, params: dict[str, Any]) -> list[Any]:
        return to_both_channels(
            party,
            audience=who,
            template=template,
            subject_id=context.appointment_id,
            version=version,
            params=params,
        )

    if change.action == "reschedule":
        moved = {
            "previousStartsAt": _local_iso(before.starts_at, context.timezone),
            "movedBy": change.role,
        }
        return [
            *envelopes(context.client, "client", "rescheduled", {**to_client, **moved}),
            *envelopes(
                context.professional, "professional", "rescheduled", {**to_professional, **moved}
            ),
        ]
    if not change.status_changed:
        return []
    if after.status == "confirmed" and before.status in PENDING:
        params = {**to_client, **_present(registerUrl=context.register_url)}
        return envelopes(context.client, "client", "booking_confirmed", params)
    if after.status == "rejected":
        params = {**to_client, **_present(bookingUrl=context.booking_url)}
        return envelopes(context.client, "client", "booking_rejected", params)
    if after.status == "cancelled":
        rebook = {**to_client, **_present(bookingUrl=context.booking_url, refund=context.refund)}
        if change.role == "client":
            confirmation = envelopes(context.client, "client", "cancellation_confirmed", rebook)
            if before.status == "pending_payment":
                return confirmation
            told = envelopes(
                context.professional, "professional", "cancelled_by_client", to_professional
            )
            return [*confirmation, *told]
        return envelopes(context.client, "client", "cancelled_by_professional", rebook)
    if after.status == "completed" and context.manage_url:
        # Completion happens once (the status is final), so its sequence keys one request.
        review = {
            "professionalName": context.professional.name,
            "clientName": context.client.name,
            "reviewUrl": f"{context.manage_url}#review",
            "startsAt": common["startsAt"],
            "timezone": context.timezone,
            "locale": context.locale,
        }
        return envelopes(context.client, "client", "review_request", review)
    return []


def _present(**values: str | None) -> dict[str, str]:
    return {name: value for name, value in values.items() if value}


def _local_iso(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).isoformat()


def paid_booking_messages(
    after: Appointment,
    context: MessageContext,
    *,
    amount: str,
    currency: str,
    paid_at: datetime,
) -> list[dict[str, Any]]:
    """What a booking paid at booking time queues once Stripe reports the payment: the request
    to the professional and the booking notice to the client, which waited for the payment,
    and the client's receipt."""
    notices = booking_messages(
        appointment_id=context.appointment_id,
        professional=context.professional,
        client=context.client,
        starts_at=after.starts_at.astimezone(ZoneInfo(context.timezone)),
        timezone=context.timezone,
        status=after.status,
        locale=context.locale,
        manage_url=context.manage_url,
        register_url=context.register_url,
        dashboard_url=context.dashboard_url,
    )
    receipt = {
        "professionalName": context.professional.name,
        "clientName": context.client.name,
        "amount": amount,
        "currency": currency,
        "startsAt": _local_iso(after.starts_at, context.timezone),
        "timezone": context.timezone,
        "paidAt": _local_iso(paid_at, context.timezone),
        "locale": context.locale,
        **_present(manageUrl=context.manage_url),
    }
    return [
        *notices,
        *to_both_channels(
            context.client,
            audience="client",
            template="payment_received",
            subject_id=context.appointment_id,
            version=0,
            params=receipt,
        ),
    ]
