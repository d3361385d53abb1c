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

from collections.abc import Mapping
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from agenda.domain.errors import NotFound, Unauthorized
from agenda.domain.guest_token import INVALID
from agenda.domain.lifecycle import CALENDAR_STATUS, TRANSITIONS
from agenda.service.appointments import (
    Actor,
    AppointmentsDependencies,
    ChangeRequest,
    apply_change,
    appointment_facts,
    policy_of,
)


def authorize(deps: AppointmentsDependencies, appointment_id: str, token: object) -> UUID:
    """The appointment a valid token for this very appointment names, or Unauthorized."""
    grant = deps.links.verify(token, now=deps.clock())
    if str(grant.appointment_id) != appointment_id.lower():
        raise Unauthorized(INVALID)
    return grant.appointment_id


def view(deps: AppointmentsDependencies, appointment_id: str, token: object) -> dict[str, Any]:
    """GET /api/guest/appointments/{id}?token=..."""
    target = authorize(deps, appointment_id, token)
    return guest_item(_load(deps, target), deps)


def calendar(deps: AppointmentsDependencies, appointment_id: str, token: object) -> tuple[str, str]:
    """GET /api/guest/appointments/{id}/calendar.ics?token=...: (file name, file content)."""
    from agenda.domain.ics import CalendarEvent, calendar_file

    target = authorize(deps, appointment_id, token)
    row = _load(deps, target)
    event = CalendarEvent(
        appointment_id=row["id"],
        sequence=row["sequence"],
        status=CALENDAR_STATUS[row["status"]],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        summary=_summary(row),
        description=row["profession"],
        created_at=row["created_at"],
        modified_at=row["updated_at"],
    )
    return f"appointment-{row['id']}.ics", calendar_file(event)


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
    row = apply_change(
        deps,
        target,
        request,
        actor=Actor.guest(),
        lock=lambda tx: deps.repo.lock_for_guest(tx, target),
    )
    return guest_item(row, deps)


def _load(deps: AppointmentsDependencies, target: UUID) -> dict[str, Any]:
    row = deps.repo.for_guest(target)
    if row is None:
        # A valid token for an appointment that is gone (its professional left).
        raise NotFound("No such appointment")
    return row


def guest_item(row: Mapping[str, Any], deps: AppointmentsDependencies) -> dict[str, Any]:
    """What the holder of the link sees: the appointment, the professional's public details and
    what the policy still allows. No contact details of anyone."""
    zone = ZoneInfo(row["timezone"])
    facts = appointment_facts(row)
    policy = policy_of(row)
    now = deps.clock()

    def may(action: str) -> bool:
        return facts.status in TRANSITIONS[action] and policy.client_may(
            action, facts.starts_at, now
        )

    return {
        "id": str(row["id"]),
        "status": row["status"],
        "paymentStatus": row["payment_status"],
        "startsAt": row["starts_at"].astimezone(zone).isoformat(),
        "endsAt": row["ends_at"].astimezone(zone).isoformat(),
        "timezone": row["timezone"],
        "sequence": row["sequence"],
        "clientName": row["client_name"],
        "professional": {
            "name": row["professional_name"],
            "slug": row["slug"],
            "profession": row["profession"],
            "timezone": row["timezone"],
            "sessionDuration": row["session_duration"],
        },
        "policy": {
            "cancellationNoticeHours": policy.cancellation_notice_hours,
            "rescheduleNoticeHours": policy.reschedule_notice_hours,
            "canCancel": may("cancel"),
            "canReschedule": may("reschedule"),
            "cancelUntil": policy.deadline("cancel", facts.starts_at).astimezone(zone).isoformat(),
            "rescheduleUntil": policy.deadline("reschedule", facts.starts_at)
            .astimezone(zone)
            .isoformat(),
        },
    }


def _summary(row: Mapping[str, Any]) -> str:
    name = row["professional_name"]
    if str(row["locale"]).lower().startswith("pt"):
        return f"Sessão com {name}"
    return f"Session with {name}"
