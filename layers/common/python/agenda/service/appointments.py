"""After a booking lands: the professional's dashboard, and changes through the state machine.

A change runs in one short transaction: lock the appointment row (finding it only for its
professional or its client), decide with the pure lifecycle rules, check a reschedule target
against the slot engine, then write the new state, its audit record and its messages together.
The messages go to the queue after the commit, as a booking's do.

The dashboard is the read path: it imports neither pydantic nor boto3.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from agenda.adapters.appointments import VIEWS
from agenda.domain.errors import (
    DomainError,
    Forbidden,
    NotFound,
    SlotTaken,
    SlotUnavailable,
    ValidationFailed,
)
from agenda.domain.lifecycle import Appointment, Policy, Role, decide, permit
from agenda.observability import count, logger
from agenda.pagination import decode_cursor, encode_cursor, page_limit

if TYPE_CHECKING:
    from agenda.adapters.appointments import AppointmentsRepository
    from agenda.adapters.postgres import Transaction
    from agenda.adapters.queue import Publisher
    from agenda.service.links import GuestLinks

# The reschedule check reads the schedule a day around the target on each side, which covers
# every UTC offset and any buffer, as the booking does.
_MARGIN = timedelta(days=1)
DEFAULT_VIEW = "upcoming"


@dataclass(frozen=True, slots=True)
class AppointmentsDependencies:
    repo: AppointmentsRepository
    publisher: Publisher
    links: GuestLinks
    clock: Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks for a change: a verified JWT subject, or the holder of a guest link."""

    kind: str  # "user" or "guest"; a user's role is known once their appointment is found
    user_id: str | None

    @classmethod
    def user(cls, user_id: str) -> Actor:
        return cls(kind="user", user_id=user_id)

    @classmethod
    def guest(cls) -> Actor:
        return cls(kind="guest", user_id=None)

    def audit_role(self, role: Role) -> str:
        return "guest" if self.kind == "guest" else role

    def label(self, role: Role) -> str:
        """What status_changed_by records: "professional:<sub>", "client:<sub>" or "guest"."""
        return "guest" if self.user_id is None else f"{role}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class _Move:
    """Where a reschedule goes, and the buffers it was checked with (stored with it)."""

    starts_at: datetime
    ends_at: datetime
    buffer_before_minutes: int
    buffer_after_minutes: int


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    action: str
    starts_at: datetime | None
    reason: str | None


# --- the dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListQuery:
    view: str
    from_day: date | None
    to_day: date | None
    limit: int
    after: tuple[datetime, UUID] | None


def parse_list_query(params: Mapping[str, str] | None) -> ListQuery:
    """The query string of GET /api/appointments (the rules of contract.AppointmentsQuery)."""
    params = params or {}
    fields: dict[str, str] = {}
    view = params.get("view", DEFAULT_VIEW)
    if view not in VIEWS:
        fields["view"] = f"must be one of: {', '.join(VIEWS)}"
    from_day = _local_date(params, "from", fields)
    to_day = _local_date(params, "to", fields)
    if from_day and to_day and to_day < from_day:
        fields["to"] = "must not be before from"
    limit = 0
    after = None
    try:
        limit = page_limit(params)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if params.get("cursor"):
        try:
            after = decode_cursor(params["cursor"])
        except ValidationFailed as exc:
            fields.update(exc.fields)
    if fields:
        raise ValidationFailed("The query is invalid", fields=fields)
    return ListQuery(view, from_day, to_day, limit, after)


def list_appointments(
    deps: AppointmentsDependencies, params: Mapping[str, str] | None, *, user_id: str
) -> dict[str, Any]:
    """GET /api/appointments: one page of a view of the signed-in professional's appointments,
    in their time zone, with each client's name and contact."""
    query = parse_list_query(params)
    page = deps.repo.page(
        user_id,
        view=query.view,
        now=deps.clock(),
        from_day=query.from_day,
        to_day=query.to_day,
        after=query.after,
        limit=query.limit + 1,
    )
    if page is None:
        raise Forbidden("Only a professional has an appointments dashboard")
    zone = ZoneInfo(page.timezone)
    rows, more = page.rows[: query.limit], len(page.rows) > query.limit
    return {
        "view": query.view,
        "timezone": page.timezone,
        "items": [appointment_item(row, zone) for row in rows],
        "nextCursor": encode_cursor(rows[-1]["starts_at"], rows[-1]["id"]) if more else None,
    }


def appointment_item(row: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    starts = row["starts_at"].astimezone(zone)
    changed_at = row["status_changed_at"]
    changed_by = row["status_changed_by"]
    return {
        "id": str(row["id"]),
        "status": row["status"],
        "paymentStatus": row["payment_status"],
        "startsAt": starts.isoformat(),
        "endsAt": row["ends_at"].astimezone(zone).isoformat(),
        "localDate": starts.date().isoformat(),
        "time": f"{starts.hour:02d}:{starts.minute:02d}",
        "sequence": row["sequence"],
        "statusChangedAt": changed_at.astimezone(zone).isoformat() if changed_at else None,
        # The role only: the account ids behind it are nobody else's business.
        "statusChangedBy": changed_by.partition(":")[0] if changed_by else None,
        "createdAt": row["created_at"].astimezone(zone).isoformat(),
        "client": {
            "id": str(row["client_id"]),
            "name": row["client_name"],
            "phone": row["client_phone"],
            "email": row["client_email"],
            "registered": bool(row.get("client_registered", row.get("client_user_id"))),
        },
    }


def _local_date(params: Mapping[str, str], name: str, fields: dict[str, str]) -> date | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    fields[name] = "must be a date as YYYY-MM-DD"
    return None


# --- changes ---------------------------------------------------------------------------------


def change_as_user(
    deps: AppointmentsDependencies, appointment_id: str, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """PATCH /api/appointments/{id} by the owner professional or the appointment's client."""
    from agenda.contract import AppointmentChange, validate

    target = parse_appointment_id(appointment_id)
    request = validate(AppointmentChange, body)
    if request.action == "reschedule" and request.starts_at is None:
        raise ValidationFailed(
            "Some fields are missing or invalid",
            fields={"startsAt": "is required to reschedule"},
        )
    row = apply_change(
        deps,
        target,
        ChangeRequest(request.action, request.starts_at, request.reason),
        actor=Actor.user(user_id),
        lock=lambda tx: deps.repo.lock_for_user(tx, target, user_id),
    )
    return appointment_item(row, ZoneInfo(row["timezone"]))


def parse_appointment_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError as exc:
        # An id that cannot exist gets the answer of one that is not yours.
        raise NotFound("No such appointment") from exc


def apply_change(
    deps: AppointmentsDependencies,
    appointment_id: UUID,
    request: ChangeRequest,
    *,
    actor: Actor,
    lock: Callable[[Transaction], dict[str, Any] | None],
) -> dict[str, Any]:
    """Run one change in one transaction; return the appointment's row as it now is."""
    from agenda.adapters.appointments import AppliedChange
    from agenda.adapters.queue import dispatch
    from agenda.domain.appointment_messages import Audience, messages_for
    from agenda.domain.messages import Party

    now = deps.clock()
    deps.links.ready()

    def work(tx: Transaction) -> tuple[dict[str, Any], list[Any], str, str]:
        row = lock(tx)
        if row is None:
            raise NotFound("No such appointment")
        role: Role = row["role"]
        current = appointment_facts(row)
        policy = policy_of(row)
        new_range = None
        move: _Move | None = None
        if request.action == "reschedule":
            # Who may and whether the status allows it come first: the slot is looked at
            # only for someone entitled to move this appointment.
            permit(current, request.action, role=role, policy=policy, now=now)
            assert request.starts_at is not None
            move = _free_slot(deps, tx, row, request.starts_at, now)
            new_range = (move.starts_at, move.ends_at)
        change = decide(
            current, request.action, role=role, policy=policy, now=now, new_range=new_range
        )
        after = change.after
        client_registered = row["client_user_id"] is not None
        envelopes = messages_for(
            change,
            Audience(
                appointment_id=row["id"],
                professional=Party(
                    row["professional_name"], row["professional_phone"], row["professional_email"]
                ),
                client=Party(row["client_name"], row["client_phone"], row["client_email"]),
                timezone=row["timezone"],
                locale=row["locale"],
                reason=request.reason,
                manage_url=deps.links.manage_url(row["id"], after.ends_at),
                register_url=(
                    None if client_registered else deps.links.register_url(row["id"], after.ends_at)
                ),
                booking_url=deps.links.booking_url(row["slug"]),
            ),
        )
        written, outbox = deps.repo.apply(
            tx,
            AppliedChange(
                action=request.action,
                actor_role=actor.audit_role(role),
                actor_id=actor.user_id,
                actor_label=actor.label(role),
                before=row,
                status=after.status,
                payment_status=after.payment_status,
                starts_at=after.starts_at,
                ends_at=after.ends_at,
                sequence=after.sequence,
                reason=request.reason,
                buffer_before_minutes=move.buffer_before_minutes if move else None,
                buffer_after_minutes=move.buffer_after_minutes if move else None,
            ),
            envelopes,
        )
        return {**row, **written}, outbox, row["status"], actor.audit_role(role)

    try:
        row, outbox, from_status, actor_role = deps.repo.db.transaction(work)
    except SlotTaken:
        count("AppointmentRescheduleConflict")
        raise
    except DomainError as exc:
        count("AppointmentChangeRefused", action=request.action, code=exc.code)
        raise
    dispatch(deps.repo.db.query, deps.publisher, outbox)
    count("AppointmentChanged", action=request.action, actor=actor_role)
    logger.info(
        "appointment changed",
        extra={
            "appointment_id": str(row["id"]),
            "professional_id": str(row["professional_id"]),
            "action": request.action,
            "actor_role": actor_role,
            "from_status": from_status,
            "to_status": row["status"],
            "sequence": row["sequence"],
        },
    )
    return row


def _free_slot(
    deps: AppointmentsDependencies,
    tx: Transaction,
    row: Mapping[str, Any],
    starts_at: datetime,
    now: datetime,
) -> _Move:
    """The slot a reschedule moves to: one the booking page would offer, with the appointment's
    own current range counted as free. The exclusion constraint still has the last word."""
    from agenda.service.schedule import bookable_slot, busy_from, rules_from

    schedule = deps.repo.reschedule_schedule(
        tx,
        professional_id=row["professional_id"],
        appointment_id=row["id"],
        first_day=(starts_at.astimezone(UTC) - _MARGIN).date(),
        last_day=(starts_at.astimezone(UTC) + _MARGIN).date(),
        busy_from=starts_at - _MARGIN,
        busy_until=starts_at + _MARGIN,
    )
    if schedule is None:
        raise SlotUnavailable("This professional is not taking bookings at the moment")
    rules = rules_from(schedule)
    slot = bookable_slot(rules, starts_at, busy=busy_from(schedule), now=now)
    return _Move(
        slot.starts_at, slot.ends_at, rules.buffer_before_minutes, rules.buffer_after_minutes
    )


def appointment_facts(row: Mapping[str, Any]) -> Appointment:
    return Appointment(
        status=row["status"],
        payment_status=row["payment_status"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        sequence=row["sequence"],
    )


def policy_of(row: Mapping[str, Any]) -> Policy:
    return Policy(
        cancellation_notice_hours=row["cancellation_notice_hours"],
        reschedule_notice_hours=row["reschedule_notice_hours"],
    )
