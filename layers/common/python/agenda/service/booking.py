"""The public booking flow: free slots, and a booking from request to queued messages."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from agenda.domain.errors import NotFound, SlotTaken, SlotUnavailable, ValidationFailed
from agenda.domain.slots import Rules, Slot, generate_slots
from agenda.observability import count, logger
from agenda.service.schedule import bookable_slot, busy_from, rules_from

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.adapters.queue import Publisher
    from agenda.adapters.ratelimit import RateLimiter
    from agenda.adapters.repository import BookingRecord, Repository
    from agenda.service.links import GuestLinks

MAX_DAYS = 60
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Slot queries look a day beyond the requested dates on each side, which covers every UTC
# offset (-12:00 to +14:00) without knowing the professional's zone before the lookup.
_MARGIN = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class FreeSlotsQuery:
    slug: str
    first_day: date
    days: int


def parse_free_slots_query(params: Mapping[str, str] | None) -> FreeSlotsQuery:
    """The query string of GET /api/booking (the same rules as contract.FreeSlotsQuery)."""
    params = params or {}
    fields: dict[str, str] = {}
    slug = params.get("slug", "")
    if not slug:
        fields["slug"] = "is required"
    elif len(slug) > 100 or not _SLUG.match(slug):
        fields["slug"] = "must be lowercase letters, digits and single hyphens"
    first_day = None
    raw_date = params.get("date", "")
    if not raw_date:
        fields["date"] = "is required, as YYYY-MM-DD"
    else:
        try:
            first_day = date.fromisoformat(raw_date) if len(raw_date) == 10 else None
        except ValueError:
            first_day = None
        if first_day is None:
            fields["date"] = "must be a date as YYYY-MM-DD"
    days = 1
    raw_days = params.get("days")
    if raw_days is not None:
        if not raw_days.isdigit() or not 1 <= int(raw_days) <= MAX_DAYS:
            fields["days"] = f"must be a whole number from 1 to {MAX_DAYS}"
        else:
            days = int(raw_days)
    if fields or first_day is None:
        raise ValidationFailed("The query is invalid", fields=fields)
    return FreeSlotsQuery(slug=slug, first_day=first_day, days=days)


def free_slots(repo: Repository, query: FreeSlotsQuery, *, now: datetime) -> dict[str, Any]:
    last_day = query.first_day + timedelta(days=query.days - 1)
    row = repo.schedule(
        query.slug,
        first_day=query.first_day,
        last_day=last_day,
        busy_from=datetime.combine(query.first_day, time.min, UTC) - _MARGIN,
        busy_until=datetime.combine(last_day, time.max, UTC) + _MARGIN,
    )
    if row is None:
        raise NotFound("No professional with that address")
    days = generate_slots(
        rules_from(row), first_day=query.first_day, days=query.days, busy=busy_from(row), now=now
    )
    return {
        "slug": row["slug"],
        "timezone": row["timezone"],
        "sessionDuration": row["session_duration"],
        "days": [
            {
                "date": day.date.isoformat(),
                "slots": [
                    {
                        "startsAt": slot.starts_at.isoformat(),
                        "endsAt": slot.ends_at.isoformat(),
                        "time": slot.time,
                        "period": slot.period,
                    }
                    for slot in day.slots
                ],
            }
            for day in days
        ],
    }


def booking_slot(
    repo: Repository, slug: str, starts_at: datetime, *, now: datetime
) -> tuple[dict[str, Any], Rules, Slot]:
    """The booking check: the professional's schedule around the requested start, its rules
    and the slot they offer there (free_slots lists with the same rules_from and busy_from).
    NotFound, SlotUnavailable (not a slot of the rules) or SlotTaken (an appointment or its
    buffers cover it)."""
    row = repo.schedule(
        slug,
        first_day=(starts_at.astimezone(UTC) - _MARGIN).date(),
        last_day=(starts_at.astimezone(UTC) + _MARGIN).date(),
        busy_from=starts_at - _MARGIN,
        busy_until=starts_at + _MARGIN,
    )
    if row is None:
        raise NotFound("No professional with that address")
    rules = rules_from(row)
    try:
        slot = bookable_slot(rules, starts_at, busy=busy_from(row), now=now)
    except SlotTaken:
        count("BookingConflict")
        raise
    except SlotUnavailable:
        count("BookingSlotUnavailable")
        raise
    return row, rules, slot


@dataclass(frozen=True, slots=True)
class BookingDependencies:
    repo: Repository
    limiter: RateLimiter
    publisher: Publisher
    clock: Callable[[], datetime]
    # Signs the link a client gets to view, cancel or reschedule without an account.
    guest_links: GuestLinks | None = None


def create_booking(
    deps: BookingDependencies, body: dict[str, Any], *, source_ip: str
) -> dict[str, Any]:
    """POST /api/booking, in the contract's order: rate limit, validation, honeypot, lookup,
    real slot, plan limits, one atomic write, then the messages go to the queue."""
    # Imported here: pydantic and the message catalogue stay off the read path's cold start.
    from agenda.adapters.queue import dispatch
    from agenda.adapters.repository import NewBooking
    from agenda.contract import BookingRequest, validate
    from agenda.domain import messages
    from agenda.domain.plans import check_booking_allowed

    deps.limiter.check(source_ip)
    request = validate(BookingRequest, body)
    if request.website:
        # Same answer as a real booking, so a bot learns nothing; nothing is stored.
        count("BookingHoneypot")
        logger.info("honeypot filled, booking dropped")
        return {"success": True, "status": "pending_confirmation"}

    now = deps.clock()
    row, rules, slot = booking_slot(deps.repo, request.slug, request.starts_at, now=now)

    # Plan caps count the calendar month of the session, in the professional's zone.
    month_start = slot.starts_at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    status = "confirmed" if row["auto_confirm"] else "pending_confirmation"
    notice = messages.in_app_booking_request(request.client_name, slot.starts_at, row["timezone"])
    appointment_id = uuid4()
    envelopes = messages.booking_messages(
        appointment_id=appointment_id,
        professional=messages.Party(row["name"], row["phone"], row["email"]),
        client=messages.Party(request.client_name, request.client_phone, request.client_email),
        starts_at=slot.starts_at,
        timezone=row["timezone"],
        status=status,
        manage_url=(
            deps.guest_links.manage_url(appointment_id, slot.ends_at) if deps.guest_links else None
        ),
    )

    def write(tx: Transaction) -> BookingRecord:
        # Serialises this professional's bookings, so the plan counts below are exact.
        deps.repo.lock_professional(tx, row["id"])
        usage = deps.repo.plan_usage(
            tx,
            row["id"],
            phone=request.client_phone,
            email=request.client_email,
            month_start=month_start,
            month_end=next_month,
        )
        check_booking_allowed(
            row["plan"],
            existing_client=usage.existing_client_id is not None,
            clients=usage.clients,
            appointments_this_month=usage.appointments_this_month,
        )
        return deps.repo.insert_booking(
            tx,
            NewBooking(
                appointment_id=appointment_id,
                professional_id=row["id"],
                existing_client_id=usage.existing_client_id,
                client_name=request.client_name,
                phone=request.client_phone,
                email=request.client_email,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                status=status,
                buffer_before_minutes=rules.buffer_before_minutes,
                buffer_after_minutes=rules.buffer_after_minutes,
                notification_title=notice.subject,
                notification_body=notice.text,
                messages=envelopes,
            ),
        )

    try:
        record = deps.repo.db.transaction(write)
    except SlotTaken:
        count("BookingConflict")
        raise
    dispatch(deps.repo.db.query, deps.publisher, record.outbox)
    count("BookingCreated", status=record.status)
    logger.info(
        "booking created",
        extra={
            "appointment_id": str(record.appointment_id),
            "professional_id": str(row["id"]),
            "status": record.status,
        },
    )
    return {"success": True, "status": record.status}
