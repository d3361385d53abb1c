"""A booking the professional makes by hand: a phone call or a walk-in (POST /api/appointments).

The same checks as a public booking, in one transaction under the professional's row lock
(the lock a public booking takes, so the two wait for each other): the start must be a slot
of the slot engine, with the minimum notice and the booking horizon lifted
(agenda.domain.booking_by_hand), then the plan's caps, the client found or added, the
appointment confirmed and the client's confirmation queued. The exclusion constraint has the
last word on an overlap. Nothing reaches the professional: they made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import uuid4
from zoneinfo import ZoneInfo

from agenda.domain.errors import (
    DomainError,
    Forbidden,
    NotFound,
    SlotUnavailable,
    ValidationFailed,
    in_language,
    known_id,
)
from agenda.observability import count, logger
from agenda.service.appointments import NOT_A_PROFESSIONAL, appointment_item
from agenda.service.clients import NO_CLIENT

if TYPE_CHECKING:
    from agenda.contract import HandBooking
    from agenda.service.links import GuestLinks
    from agenda.service.ports import Clock, HandBookingStores, RateLimiter, UnitOfWork
    from agenda.service.records import AppointmentListing, ClientListing


@dataclass(frozen=True, slots=True)
class HandBookingDependencies:
    uow: UnitOfWork[HandBookingStores]
    # The professional's writes of their client list: a booking by hand may add a client.
    limiter: RateLimiter
    links: GuestLinks
    clock: Clock


def book_by_hand(
    deps: HandBookingDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """POST /api/appointments: 201 with the appointment as the dashboard lists it."""
    from agenda.contract import HandBooking, validate

    deps.limiter.check(user_id)
    request = validate(HandBooking, body)
    if (request.client_id is None) == (request.client is None):
        raise ValidationFailed(
            "Some fields are missing or invalid",
            fields={"clientId": "give either clientId or client, not both"},
        )
    deps.links.ready()
    spoken: list[str] = []
    try:
        listing, timezone = deps.uow.run(
            lambda stores: _book(deps, stores, request, user_id, spoken)
        )
    except DomainError as exc:
        if spoken:
            in_language(exc, spoken[-1])
        count("HandBookingRefused", code=exc.code)
        raise
    count("HandBookingCreated")
    logger.info("appointment booked by hand", extra={"appointment_id": str(listing.id)})
    return appointment_item(listing, ZoneInfo(timezone), now=deps.clock())


def _book(
    deps: HandBookingDependencies,
    stores: HandBookingStores,
    request: HandBooking,
    user_id: str,
    spoken: list[str],
) -> tuple[AppointmentListing, str]:
    from agenda.domain.booking_by_hand import professional_rules
    from agenda.domain.clients import ClientDetails, given_fields
    from agenda.domain.messages.envelopes import booking_params, client_booking_messages
    from agenda.domain.parties import Party
    from agenda.domain.plans import check_booking_allowed, effective_plan
    from agenda.service.booking import plan_month
    from agenda.service.records import ClientListing, NewHandBooking
    from agenda.service.schedule import bookable_slot, range_around

    now = deps.clock()
    book = stores.hand_bookings
    professional_id = book.lock_professional(user_id)
    if professional_id is None:
        raise Forbidden(NOT_A_PROFESSIONAL)
    schedule = book.schedule(professional_id, range_around(request.starts_at))
    if schedule is None:
        raise SlotUnavailable("This professional is not taking bookings at the moment")
    spoken.append(schedule.locale)
    client: ClientListing | None = None
    if request.client_id is not None:
        client = book.client(professional_id, known_id(request.client_id, NO_CLIENT))
        if client is None:
            raise NotFound(NO_CLIENT)
    slot = bookable_slot(
        professional_rules(schedule.rules), request.starts_at, busy=schedule.busy, now=now
    )
    if client is None:
        assert request.client is not None
        given = request.client
        client = book.match(professional_id, given.phone, given.email)
    if client is None:
        assert request.client is not None
        month_start, month_end = plan_month(slot)
        usage = book.usage(professional_id, month_start, month_end)
        check_booking_allowed(
            effective_plan(schedule.account, now).limits,
            existing_client=False,
            clients=usage.clients,
            appointments_this_month=usage.appointments_this_month,
        )
        given = request.client
        details = ClientDetails(name=given.name, phone=given.phone, email=given.email, tags=())
        added = book.add_client(professional_id, details, given_fields(details))
        if added is None:
            # A writer that takes no lock of the professional (a client changing their own
            # phone) has it now, committed: that is the client.
            client = book.match(professional_id, details.phone, None)
            if client is None:
                raise RuntimeError("a client's phone was taken and then released")
        else:
            client = ClientListing(
                id=added,
                name=details.name,
                phone=details.phone,
                email=details.email,
                registered=False,
            )
    appointment_id = uuid4()
    listing = book.insert(
        NewHandBooking(
            appointment_id=appointment_id,
            professional_id=professional_id,
            client_id=client.id,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            buffer_before_minutes=schedule.rules.buffer_before_minutes,
            buffer_after_minutes=schedule.rules.buffer_after_minutes,
        ),
        client,
    )
    party = Party(client.name, client.phone, client.email)
    envelopes = client_booking_messages(
        appointment_id=appointment_id,
        client=party,
        params=booking_params(
            professional=schedule.contact,
            client=party,
            starts_at=slot.starts_at,
            timezone=schedule.timezone,
            status=listing.facts.status,
            locale=schedule.locale,
        ),
        manage_url=deps.links.manage_url(appointment_id, slot.ends_at),
        register_url=None if client.registered else deps.links.register_url(client.id, now),
    )
    stores.outbox.add([(professional_id, envelope) for envelope in envelopes])
    return listing, schedule.timezone
