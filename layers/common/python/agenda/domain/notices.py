"""The professional's in-app notices: what a client or Stripe changed while they were away.

Pure. A notice is written in the same transaction as the change it tells of. The professional's
own changes make none (they know); a booking held for payment makes none until it is paid (the
professional never heard of it); a cause that repeats (the plan's cap refusing client after
client) carries a key, and a notice with a key already written is dropped.

A notice is stored as words, so it is written in the professional's language (`locale`) when
it is made; one already stored stays in the language it was written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from agenda.domain.lifecycle import Change
from agenda.domain.messages.languages import language
from agenda.domain.messages.markup import Rendered


@dataclass(frozen=True, slots=True)
class Notice:
    type: str
    title: str
    body: str
    appointment_id: UUID | None = None
    key: str | None = None  # written once per key


def _notice(
    kind: str, text: Rendered, appointment_id: UUID | None = None, key: str | None = None
) -> Notice:
    return Notice(kind, text.subject, text.text, appointment_id, key)


def booking_request(
    appointment_id: UUID, client_name: str, starts_at: datetime, timezone: str, *, locale: str
) -> Notice:
    return _notice(
        "booking_request",
        language(locale).in_app_booking_request(client_name, starts_at, timezone),
        appointment_id,
    )


def change_notices(
    change: Change,
    appointment_id: UUID,
    client_name: str,
    timezone: str,
    *,
    refunded: bool,
    locale: str,
) -> list[Notice]:
    """What a client's change tells the professional: a cancellation (unless of a booking still
    held for payment, which the professional never saw) or a reschedule."""
    if change.role != "client":
        return []
    before, after = change.before, change.after
    words = language(locale)
    if change.action == "reschedule":
        text = words.in_app_rescheduled_by_client(
            client_name, before.starts_at, after.starts_at, timezone
        )
        return [_notice("rescheduled_by_client", text, appointment_id)]
    if change.action == "cancel" and before.status != "pending_payment":
        text = words.in_app_cancelled_by_client(
            client_name, before.starts_at, timezone, refunded=refunded
        )
        return [_notice("cancelled_by_client", text, appointment_id)]
    return []


def paid_booking(
    appointment_id: UUID,
    client_name: str,
    starts_at: datetime,
    timezone: str,
    *,
    status: str,
    locale: str,
) -> Notice:
    """A booking that was held for payment and is now paid: the professional's first word of
    it, a request to confirm unless they confirm automatically."""
    text = language(locale).in_app_booking_paid(
        client_name, starts_at, timezone, confirmed=status == "confirmed"
    )
    return _notice("booking_request", text, appointment_id)


def refund_in_stripe(
    appointment_id: UUID,
    client_name: str,
    amount: str,
    starts_at: datetime,
    timezone: str,
    *,
    locale: str,
) -> Notice:
    text = language(locale).in_app_payment_refunded(client_name, amount, starts_at, timezone)
    return _notice("payment_refunded", text, appointment_id)


def plan_limit(professional_id: UUID, limit: str, month: str, *, locale: str) -> Notice:
    """The plan's cap refused a client: told once per limit and month (``month`` "2026-12")."""
    return _notice(
        "plan_limit_reached",
        language(locale).in_app_plan_limit(limit),
        key=f"plan_limit:{professional_id}:{limit}:{month}",
    )


def review_written(
    appointment_id: UUID,
    client_name: str,
    rating: int,
    starts_at: datetime,
    timezone: str,
    *,
    locale: str,
) -> Notice:
    """A client reviewed a session: the professional may reply, or hide it with a reason."""
    text = language(locale).in_app_review(client_name, rating, starts_at, timezone)
    return _notice("review", text, appointment_id)
