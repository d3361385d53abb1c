"""The public booking flow: free slots, and a booking from request to queued messages."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from agenda.domain.errors import NotFound, SlotTaken, SlotUnavailable, ValidationFailed
from agenda.domain.slots import Rules, Slot, generate_slots
from agenda.observability import count, logger
from agenda.service.schedule import bookable_slot, busy_from, rules_from

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.adapters.queue import Publisher
    from agenda.adapters.ratelimit import RateLimiter
    from agenda.adapters.repository import BookingRecord, PaymentHold, Repository
    from agenda.adapters.stripe_api import CheckoutSession, StripeApi
    from agenda.domain.messages import Party
    from agenda.service.links import GuestLinks

MAX_DAYS = 60
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Slot queries look a day beyond the requested dates on each side, which covers every UTC
# offset (-12:00 to +14:00) without knowing the professional's zone before the lookup.
_MARGIN = timedelta(days=1)
_STRIPE_MARGIN = timedelta(minutes=1)


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
    # Checkout for professionals who take payment at booking, and how long an unpaid booking
    # holds its slot (its Checkout Session expires then).
    stripe: StripeApi | None = None
    payment_hold: timedelta = timedelta(minutes=30)


def create_booking(
    deps: BookingDependencies, body: dict[str, Any], *, source_ip: str
) -> dict[str, Any]:
    """POST /api/booking, in the contract's order: rate limit, validation, honeypot, lookup,
    real slot, plan limits, one atomic write, then the messages go to the queue.

    A professional who takes payment at booking gets the booking as `pending_payment`, holding
    its slot until the Checkout Session in the answer is paid or expires
    (agenda.service.payments). The session is created before the write, so a Stripe outage
    writes nothing; a write that fails afterwards expires the session nobody got the URL of.
    """
    # Imported here: pydantic and the message catalogue stay off the read path's cold start.
    from agenda.adapters.queue import dispatch
    from agenda.adapters.repository import NewBooking
    from agenda.contract import BookingRequest, validate
    from agenda.domain import messages
    from agenda.domain.plans import Account, check_booking_allowed, effective_plan

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
    plan = effective_plan(
        Account(
            plan=row["plan"],
            subscription_status=row["subscription_status"],
            trial_ends_at=row["trial_ends_at"],
            past_due_since=row["past_due_since"],
        ),
        now,
    )
    appointment_id = uuid4()
    manage_url = (
        deps.guest_links.manage_url(appointment_id, slot.ends_at) if deps.guest_links else None
    )
    client = messages.Party(request.client_name, request.client_phone, request.client_email)
    hold: PaymentHold | None = None
    checkout: CheckoutSession | None = None
    if row["payment_at_booking"]:
        status = "pending_payment"
        hold, checkout = _open_checkout(deps, row, appointment_id, slot, client, manage_url, now)
        # Nothing reaches the professional before the payment; the client gets the way to pay.
        notice_title = notice_body = None
        envelopes = _payment_pending(row, appointment_id, client, slot, hold, checkout, manage_url)
    else:
        status = "confirmed" if row["auto_confirm"] else "pending_confirmation"
        notice = messages.in_app_booking_request(
            request.client_name, slot.starts_at, row["timezone"]
        )
        notice_title, notice_body = notice.subject, notice.text
        envelopes = messages.booking_messages(
            appointment_id=appointment_id,
            professional=messages.Party(row["name"], row["phone"], row["email"]),
            client=client,
            starts_at=slot.starts_at,
            timezone=row["timezone"],
            status=status,
            manage_url=manage_url,
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
            plan.limits,
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
                notification_title=notice_title,
                notification_body=notice_body,
                messages=envelopes,
                payment=hold,
            ),
        )

    try:
        record = deps.repo.db.transaction(write)
    except Exception as exc:
        if checkout is not None and deps.stripe is not None:
            deps.stripe.expire_checkout(checkout.id)
        if isinstance(exc, SlotTaken):
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
    if hold is not None and checkout is not None:
        return {
            "success": True,
            "status": record.status,
            "checkoutUrl": checkout.url,
            "paymentExpiresAt": hold.expires_at.isoformat(),
        }
    return {"success": True, "status": record.status}


def _open_checkout(
    deps: BookingDependencies,
    row: dict[str, Any],
    appointment_id: UUID,
    slot: Slot,
    client: Party,
    manage_url: str | None,
    now: datetime,
) -> tuple[PaymentHold, CheckoutSession]:
    from agenda.adapters.repository import PaymentHold
    from agenda.domain.messages import when_pt

    if deps.stripe is None:
        raise RuntimeError("payment at booking needs Stripe settings")
    amount: Decimal = row["session_price"]
    # Whole seconds: Stripe's expires_at is a Unix time, and the hold must end with it. Stripe
    # wants at least 30 minutes from when it creates the session, so a minute of margin covers
    # the time the request takes to get there.
    expires_at = (now + deps.payment_hold + _STRIPE_MARGIN).replace(microsecond=0)
    checkout = deps.stripe.appointment_checkout(
        appointment_id=appointment_id,
        professional_id=row["id"],
        description=f"{row['name']} — {when_pt(slot.starts_at, row['timezone'])}",
        amount=amount,
        currency=row["currency"].strip(),
        payment_type=row["payment_type"],
        client_email=client.email,
        expires_at=expires_at,
        manage_url=manage_url,
    )
    count("BookingCheckoutOpened")
    return PaymentHold(checkout.id, expires_at, amount), checkout


def _payment_pending(
    row: dict[str, Any],
    appointment_id: UUID,
    client: Party,
    slot: Slot,
    hold: PaymentHold,
    checkout: CheckoutSession,
    manage_url: str | None,
) -> list[dict[str, Any]]:
    from agenda.domain.messages import to_both_channels

    params = {
        "professionalName": row["name"],
        "clientName": client.name,
        "amount": f"{hold.amount:.2f}",
        "currency": row["currency"].strip(),
        "startsAt": slot.starts_at.isoformat(),
        "timezone": row["timezone"],
        "paymentUrl": checkout.url,
        "expiresAt": hold.expires_at.astimezone(slot.starts_at.tzinfo).isoformat(),
        "locale": row["locale"],
    }
    if manage_url:
        params["manageUrl"] = manage_url
    return to_both_channels(
        client,
        audience="client",
        template="payment_pending",
        subject_id=appointment_id,
        version=0,
        params=params,
    )
