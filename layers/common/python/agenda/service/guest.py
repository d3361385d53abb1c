"""Guest self-service: a client without an account manages a booking through the signed link
the booking messages carry (agenda.domain.guest_token).

Every route checks the token before anything else, without touching the database: a forged,
altered or expired token, or one made for another appointment, is a 401 and nothing changes.
A valid token acts as the appointment's client: it may view the appointment, download it as a
calendar file, and cancel or reschedule it within the professional's policy. A token stays
valid after a cancellation, so the link still shows what happened and the calendar file tells
calendars the event is cancelled; acting again is refused by the state machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from agenda.domain.errors import NotFound
from agenda.domain.language import language_of
from agenda.domain.lifecycle import CALENDAR_STATUS, TRANSITIONS, decide
from agenda.domain.reviews import can_review
from agenda.service.appointments import (
    GUEST,
    AppointmentsDependencies,
    ChangeRequest,
    apply_change,
    refundable,
)
from agenda.service.reviews import client_review_document

if TYPE_CHECKING:
    from agenda.service.records import AppointmentRecord


def authorize(deps: AppointmentsDependencies, appointment_id: str, token: object) -> UUID:
    """The appointment a valid token for this very appointment names, or Unauthorized."""
    return deps.links.appointment_of(token, appointment_id, now=deps.clock())


def view(deps: AppointmentsDependencies, appointment_id: str, token: object) -> dict[str, Any]:
    """GET /api/guest/appointments/{id}?token=..."""
    target = authorize(deps, appointment_id, token)
    return guest_item(_load(deps, target), deps)


def calendar(deps: AppointmentsDependencies, appointment_id: str, token: object) -> tuple[str, str]:
    """GET /api/guest/appointments/{id}/calendar.ics?token=...: (file name, file content)."""
    from agenda.domain.ics import CalendarEvent, calendar_file
    from agenda.domain.messages import language, locale_tag

    target = authorize(deps, appointment_id, token)
    record = _load(deps, target)
    facts, professional = record.facts, record.professional
    event = CalendarEvent(
        appointment_id=record.id,
        sequence=facts.sequence,
        status=CALENDAR_STATUS[facts.status],
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        timezone=professional.timezone,
        summary=language(professional.locale).calendar_summary(professional.contact.name),
        description=professional.profession,
        created_at=record.created_at,
        modified_at=record.updated_at,
        language=locale_tag(professional.locale),
    )
    return f"appointment-{record.id}.ics", calendar_file(event)


def cancel(
    deps: AppointmentsDependencies, appointment_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST /api/guest/appointments/{id}/cancel {"token", "reason"?}"""
    from agenda.contract import GuestCancel, validate

    target = authorize(deps, appointment_id, body.get("token"))
    request = validate(GuestCancel, body)
    return _change(deps, target, ChangeRequest("cancel", None, request.reason))


def reschedule(
    deps: AppointmentsDependencies, appointment_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST /api/guest/appointments/{id}/reschedule {"token", "startsAt", "reason"?}"""
    from agenda.contract import GuestReschedule, validate

    target = authorize(deps, appointment_id, body.get("token"))
    request = validate(GuestReschedule, body)
    return _change(deps, target, ChangeRequest("reschedule", request.starts_at, request.reason))


def _change(deps: AppointmentsDependencies, target: UUID, request: ChangeRequest) -> dict[str, Any]:
    record = apply_change(
        deps,
        request,
        requester=GUEST,
        lock=lambda stores: stores.appointments.lock_for_guest(target),
    )
    return guest_item(record, deps)


def _load(deps: AppointmentsDependencies, target: UUID) -> AppointmentRecord:
    record = deps.uow.read(lambda stores: stores.appointments.for_guest(target))
    if record is None:
        # A valid token for an appointment that is gone (its professional left).
        raise NotFound("We could not find this appointment")
    return record


def guest_item(record: AppointmentRecord, deps: AppointmentsDependencies) -> dict[str, Any]:
    """What the holder of the link sees: the appointment, the professional's public details and
    what the policy still allows. No contact details of anyone."""
    professional = record.professional
    zone = ZoneInfo(professional.timezone)
    facts, policy = record.facts, professional.policy
    now = deps.clock()

    def may(action: str) -> bool:
        return facts.status in TRANSITIONS[action] and policy.client_may(
            action, facts.starts_at, now
        )

    can_cancel = may("cancel")
    # What a cancellation now would give back, decided by the rules the cancel route applies.
    refund = (
        refundable(record, decide(facts, "cancel", role="client", policy=policy, now=now))
        if can_cancel
        else None
    )
    refund_amount = None if refund is None or refund.amount is None else float(refund.amount)
    return {
        "id": str(record.id),
        "status": facts.status,
        "paymentStatus": facts.payment_status,
        "startsAt": facts.starts_at.astimezone(zone).isoformat(),
        "endsAt": facts.ends_at.astimezone(zone).isoformat(),
        "timezone": professional.timezone,
        "sequence": facts.sequence,
        "clientName": record.client.contact.name,
        "price": None if record.price is None else float(record.price),
        "currency": professional.currency,
        "professional": {
            "name": professional.contact.name,
            "slug": professional.slug,
            "profession": professional.profession,
            "timezone": professional.timezone,
            "sessionDuration": professional.session_duration,
            "language": language_of(professional.locale),
            "contact": professional.public_contact,
        },
        "policy": {
            "cancellationNoticeHours": policy.cancellation_notice_hours,
            "rescheduleNoticeHours": policy.reschedule_notice_hours,
            "canCancel": can_cancel,
            "canReschedule": may("reschedule"),
            "cancelUntil": policy.deadline("cancel", facts.starts_at).astimezone(zone).isoformat(),
            "rescheduleUntil": policy.deadline("reschedule", facts.starts_at)
            .astimezone(zone)
            .isoformat(),
            "refundOnCancel": "none" if refund is None else "full",
            "refundAmount": refund_amount,
            "refundCurrency": None if refund is None else professional.currency,
        },
        "review": None if record.review is None else client_review_document(record.review),
        "canReview": can_review(facts.status, reviewed=record.review is not None),
    }
