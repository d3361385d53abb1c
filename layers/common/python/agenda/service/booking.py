"""The public booking flow: free slots, and a booking from request to queued messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from agenda.domain.errors import (
    NotFound,
    PlanLimitReached,
    ScheduleChanged,
    ServiceUnavailable,
    SlotTaken,
    SlotUnavailable,
    answered_in,
    in_language,
)
from agenda.domain.slots import generate_slots, last_bookable_date
from agenda.observability import count, logger
from agenda.service.records import ScheduleRange
from agenda.service.schedule import MARGIN, ScheduleCache, bookable_slot, range_around

if TYPE_CHECKING:
    from agenda.contract import BookingRequest
    from agenda.domain.parties import Party
    from agenda.domain.queries import FreeSlotsRequest
    from agenda.domain.slots import Busy, Rules, Slot
    from agenda.service.links import GuestLinks
    from agenda.service.ports import (
        BookingStores,
        CheckoutSession,
        Clock,
        RateLimiter,
        Stripe,
        UnitOfWork,
    )
    from agenda.service.records import PaymentHold, ProfessionalSchedule

_STRIPE_MARGIN = timedelta(minutes=1)
# Decisions a booking may take before it gives up on a schedule that keeps changing under it.
_DECISIONS = 3
UNKNOWN_PROFESSIONAL = "We could not find this professional"


@dataclass(frozen=True, slots=True)
class BookingDependencies:
    uow: UnitOfWork[BookingStores]
    limiter: RateLimiter
    clock: Clock
    # Signs the link a client gets to view, cancel or reschedule without an account.
    guest_links: GuestLinks | None = None
    # Checkout for professionals who take payment at booking, and how long an unpaid booking
    # holds its slot (its Checkout Session expires then).
    stripe: Stripe | None = None
    payment_hold: timedelta = timedelta(minutes=30)
    # The rules this container read last (None: read them for every booking).
    schedules: ScheduleCache | None = None


def free_slots(
    uow: UnitOfWork[BookingStores],
    query: FreeSlotsRequest,
    *,
    now: datetime,
    cache: ScheduleCache | None = None,
) -> dict[str, Any]:
    """GET /api/booking: the free slots of the days asked for, in the professional's zone. The
    rules read are kept in `cache` for the booking that usually follows."""
    within = listing_range(query.first_day, query.days)
    schedule = uow.read(lambda stores: stores.professionals.schedule(query.slug, within))
    if schedule is None:
        raise NotFound(UNKNOWN_PROFESSIONAL)
    if cache is not None:
        cache.put(schedule, within)
    return free_slots_document(
        schedule.slug,
        schedule.rules,
        first_day=query.first_day,
        days=query.days,
        busy=schedule.busy,
        now=now,
    )


def listing_range(first_day: date, days: int) -> ScheduleRange:
    """The part of a schedule a listing of `days` local dates from `first_day` reads, in
    whatever zone: the rules a day beyond each end (a booking's check looks that far,
    range_around) and the busy ranges that can reach those dates."""
    last_day = first_day + timedelta(days=days - 1)
    return ScheduleRange(
        first_day=first_day - MARGIN,
        last_day=last_day + MARGIN,
        busy_from=datetime.combine(first_day, time.min, UTC) - MARGIN,
        busy_until=datetime.combine(last_day, time.max, UTC) + MARGIN,
    )


def free_slots_document(
    slug: str,
    rules: Rules,
    *,
    first_day: date,
    days: int,
    busy: Sequence[Busy],
    now: datetime,
) -> dict[str, Any]:
    """The answer of GET /api/booking: what the engine offers under `rules` around `busy`.
    The preview of unsaved rules answers the same (agenda.service.availability)."""
    listed = generate_slots(rules, first_day=first_day, days=days, busy=busy, now=now)
    return {
        "slug": slug,
        "timezone": rules.timezone.key,
        "sessionDuration": rules.session_minutes,
        "bookableUntil": last_bookable_date(rules, now).isoformat(),
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
            for day in listed
        ],
    }


def booking_slot(
    uow: UnitOfWork[BookingStores],
    slug: str,
    starts_at: datetime,
    *,
    now: datetime,
    cache: ScheduleCache | None = None,
) -> tuple[ProfessionalSchedule, Slot]:
    """The booking check: the professional's schedule around the requested start and the slot
    it offers there (free_slots lists with the same rules and busy ranges). NotFound,
    SlotUnavailable (not a slot of the rules) or SlotTaken (an appointment or its buffers
    cover it).

    With a cache the rules may be the ones a warm function read last: then the busy ranges
    are left to the exclusion constraint and the write compares the schedule's version (a
    taken time is SlotTaken from the write, a changed schedule ScheduleChanged). A
    professional who takes payment at booking is always read afresh, so no Checkout Session
    is opened for a time already taken."""
    within = range_around(starts_at)
    schedule = cache.get(slug, within) if cache is not None else None
    busy: tuple[Busy, ...] = ()
    if schedule is None or schedule.payment_at_booking:
        schedule = uow.read(lambda stores: stores.professionals.schedule(slug, within))
        if schedule is None:
            raise NotFound(UNKNOWN_PROFESSIONAL)
        if cache is not None:
            cache.put(schedule, within)
        busy = schedule.busy
    try:
        with answered_in(schedule.locale):
            slot = bookable_slot(schedule.rules, starts_at, busy=busy, now=now)
    except SlotTaken:
        count("BookingConflict")
        raise
    except SlotUnavailable:
        count("BookingSlotUnavailable")
        raise
    return schedule, slot


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
    from agenda.contract import BookingRequest, validate

    deps.limiter.check(source_ip)
    request = validate(BookingRequest, body)
    if request.website:
        # Same answer as a real booking, so a bot learns nothing; nothing is stored.
        count("BookingHoneypot")
        logger.info("honeypot filled, booking dropped")
        return {"success": True, "status": "pending_confirmation"}

    now = deps.clock()
    for _ in range(_DECISIONS):
        try:
            return _book(deps, request, now)
        except ScheduleChanged:
            # Nothing was written: decide again from the schedule in force.
            count("BookingScheduleChanged")
            if deps.schedules is not None:
                deps.schedules.forget(request.slug)
    raise ServiceUnavailable("The professional is changing their schedule: please try again")


def _book(deps: BookingDependencies, request: BookingRequest, now: datetime) -> dict[str, Any]:
    """One decision and its write, from the schedule in the cache or read now."""
    from agenda.domain import messages
    from agenda.domain.plans import check_booking_allowed, effective_plan
    from agenda.service.records import BookingRecord, NewBooking, PlanCaps, PlanUsage

    schedule, slot = booking_slot(
        deps.uow, request.slug, request.starts_at, now=now, cache=deps.schedules
    )

    month_start, next_month = plan_month(slot)
    plan = effective_plan(schedule.account, now)
    appointment_id = uuid4()
    manage_url = (
        deps.guest_links.manage_url(appointment_id, slot.ends_at) if deps.guest_links else None
    )
    client = messages.Party(request.client_name, request.client_phone, request.client_email)
    hold: PaymentHold | None = None
    checkout: CheckoutSession | None = None
    if schedule.payment_at_booking:
        status = "pending_payment"
        hold, checkout = _open_checkout(
            deps, schedule, appointment_id, slot, client, manage_url, now
        )
        # Nothing reaches the professional before the payment; the client gets the way to pay.
        notice_title = notice_body = None
    else:
        status = "confirmed" if schedule.auto_confirm else "pending_confirmation"
        notice = messages.language(schedule.locale).in_app_booking_request(
            request.client_name, slot.starts_at, schedule.timezone
        )
        notice_title, notice_body = notice.subject, notice.text

    def envelopes() -> list[dict[str, Any]]:
        # Made before the write, inside its try: a message its template refuses (MessageError)
        # fails the booking, and expires the checkout, instead of reaching the queue.
        if hold is not None and checkout is not None:
            return _payment_pending(schedule, appointment_id, client, slot, hold, checkout,
                                    manage_url)  # fmt: skip
        return messages.booking_messages(
            appointment_id=appointment_id,
            professional=schedule.contact,
            client=client,
            starts_at=slot.starts_at,
            timezone=schedule.timezone,
            status=status,
            locale=schedule.locale,
            manage_url=manage_url,
            dashboard_url=deps.guest_links.dashboard_url() if deps.guest_links else None,
            # Sent to a registered client too (the write alone knows the row): claiming one's
            # own row again changes nothing.
            register_url=(
                deps.guest_links.booking_register_url(appointment_id, now)
                if deps.guest_links and status == "confirmed"
                else None
            ),
        )

    caps = PlanCaps(
        max_clients=plan.limits.max_clients,
        max_appointments=plan.limits.max_appointments_per_month,
        month_start=month_start,
        month_end=next_month,
    )

    def write(stores: BookingStores) -> BookingRecord:
        written = stores.bookings.insert(booking, caps)
        if isinstance(written, PlanUsage):
            # Counted under the professional's lock: the domain words the refusal.
            check_booking_allowed(
                plan.limits,
                existing_client=False,
                clients=written.clients,
                appointments_this_month=written.appointments_this_month,
            )
            raise RuntimeError("the booking was refused by caps the plan does not have")
        return written

    try:
        booking = NewBooking(
            appointment_id=appointment_id,
            professional_id=schedule.id,
            client_name=request.client_name,
            phone=request.client_phone,
            email=request.client_email,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            status=status,
            buffer_before_minutes=schedule.rules.buffer_before_minutes,
            buffer_after_minutes=schedule.rules.buffer_after_minutes,
            notification_title=notice_title,
            notification_body=notice_body,
            messages=envelopes(),
            schedule_version=schedule.version,
            payment=hold,
        )
        record = deps.uow.run_one(write)
    except Exception as exc:
        in_language(exc, schedule.locale)
        if checkout is not None and deps.stripe is not None:
            deps.stripe.expire_checkout(checkout.id)
        if isinstance(exc, SlotTaken):
            count("BookingConflict")
        if isinstance(exc, PlanLimitReached):
            _tell_plan_limit(deps, schedule, exc.limit, plan.plan, month_start)
        raise
    count("BookingCreated", status=record.status)
    logger.info(
        "booking created",
        extra={
            "appointment_id": str(record.appointment_id),
            "professional_id": str(schedule.id),
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


def plan_month(slot: Slot) -> tuple[datetime, datetime]:
    """The month a session counts in against the plan's cap: its calendar month in the
    professional's zone (a slot's instants carry that zone), first instant and the next's."""
    month_start = slot.starts_at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return month_start, (month_start + timedelta(days=32)).replace(day=1)


def _tell_plan_limit(
    deps: BookingDependencies,
    schedule: ProfessionalSchedule,
    limit: str,
    plan: str,
    month_start: datetime,
) -> None:
    """The plan's cap refused a client: the professional learns it in the app and by message,
    once per limit and month however many clients are refused. The refusal is answered
    whatever becomes of this."""
    from agenda.domain.messages import to_both_channels
    from agenda.domain.notices import plan_limit

    month = month_start.date()
    envelopes = to_both_channels(
        schedule.contact,
        audience="professional",
        template="plan_limit_reached",
        subject_id=schedule.id,
        version=month.year * 100 + month.month,
        params={
            "professionalName": schedule.contact.name,
            "limit": limit,
            "planName": plan,
            "locale": schedule.locale,
        },
    )
    notice = plan_limit(schedule.id, limit, f"{month:%Y-%m}", locale=schedule.locale)

    def write(stores: BookingStores) -> None:
        stores.notices.add(schedule.id, [notice])
        stores.outbox.add([(schedule.id, envelope) for envelope in envelopes])

    try:
        deps.uow.run(write)
    except Exception:
        logger.exception("plan limit notice not written", extra={"limit": limit})
    count("BookingRefusedByPlan", limit=limit)


def _open_checkout(
    deps: BookingDependencies,
    schedule: ProfessionalSchedule,
    appointment_id: UUID,
    slot: Slot,
    client: Party,
    manage_url: str | None,
    now: datetime,
) -> tuple[PaymentHold, CheckoutSession]:
    from agenda.domain.messages import when_in
    from agenda.service.records import PaymentHold

    if deps.stripe is None or schedule.session_price is None:
        raise RuntimeError("payment at booking needs Stripe settings and a session price")
    amount = schedule.session_price
    # Whole seconds: Stripe's expires_at is a Unix time, and the hold must end with it. Stripe
    # wants at least 30 minutes from when it creates the session, so a minute of margin covers
    # the time the request takes to get there.
    expires_at = (now + deps.payment_hold + _STRIPE_MARGIN).replace(microsecond=0)
    checkout = deps.stripe.appointment_checkout(
        appointment_id=appointment_id,
        professional_id=schedule.id,
        description=f"{schedule.contact.name} — "
        f"{when_in(schedule.locale, slot.starts_at, schedule.timezone)}",
        amount=amount,
        currency=schedule.currency,
        payment_type=schedule.payment_type,
        client_email=client.email,
        expires_at=expires_at,
        manage_url=manage_url,
        locale=schedule.locale,
    )
    count("BookingCheckoutOpened")
    return PaymentHold(checkout.id, expires_at, amount), checkout


def _payment_pending(
    schedule: ProfessionalSchedule,
    appointment_id: UUID,
    client: Party,
    slot: Slot,
    hold: PaymentHold,
    checkout: CheckoutSession,
    manage_url: str | None,
) -> list[dict[str, Any]]:
    from agenda.domain.messages import to_both_channels

    params = {
        "professionalName": schedule.contact.name,
        "clientName": client.name,
        "amount": f"{hold.amount:.2f}",
        "currency": schedule.currency,
        "startsAt": slot.starts_at.isoformat(),
        "timezone": schedule.timezone,
        "paymentUrl": checkout.url,
        "expiresAt": hold.expires_at.astimezone(slot.starts_at.tzinfo).isoformat(),
        "locale": schedule.locale,
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
