"""The booking service (agenda.service.booking) on the in-memory fakes of its ports: the
contract's order (rate limit, validation, honeypot, lookup, a real slot, plan caps, one write),
and messages that reach the queue only once the write has committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from agenda.domain.errors import (
    NotFound,
    PlanLimitReached,
    RateLimited,
    ServiceUnavailable,
    SlotTaken,
    SlotUnavailable,
    ValidationFailed,
)
from agenda.domain.queries import FreeSlotsRequest
from agenda.service import outbox
from agenda.service.booking import BookingDependencies, create_booking, free_slots
from agenda.service.ports import RateLimiter
from tests.fakes import (
    SAO_PAULO,
    AllowAll,
    FakeClock,
    FakeState,
    FakeStripe,
    FakeUnitOfWork,
    ProfessionalRow,
    RefuseAll,
    a_schedule,
    guest_links,
    weekly,
)

pytestmark = pytest.mark.unit

ZONE = ZoneInfo(SAO_PAULO)
NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)  # a Friday, 09:00 in São Paulo
MONDAY = date(2030, 3, 4)
IP = "203.0.113.7"
LINKS = guest_links()


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), ZONE)


def request(starts_at: datetime, **changes: Any) -> dict[str, Any]:
    return {
        "slug": "dr-ana",
        "startsAt": starts_at.isoformat(),
        "clientName": "Maria Silva",
        "clientPhone": "(11) 98765-4321",
        "clientEmail": "maria@example.com",
        **changes,
    }


@dataclass
class World:
    uow: FakeUnitOfWork
    stripe: FakeStripe = field(default_factory=FakeStripe)
    limiter: AllowAll = field(default_factory=AllowAll)

    @property
    def state(self) -> FakeState:
        return self.uow.state

    def deps(self, limiter: RateLimiter | None = None) -> BookingDependencies:
        return BookingDependencies(
            uow=self.uow,
            limiter=limiter or self.limiter,
            clock=self.uow.clock,
            guest_links=LINKS,
            stripe=self.stripe,
        )

    def book(self, body: dict[str, Any], limiter: RateLimiter | None = None) -> dict[str, Any]:
        return create_booking(self.deps(limiter), body, source_ip=IP)

    def professional(self, **options: Any) -> ProfessionalRow:
        return self.state.add_professional(a_schedule(**options))


@pytest.fixture
def world() -> World:
    return World(FakeUnitOfWork(clock=FakeClock(NOW)))


@pytest.fixture
def ana(world: World) -> ProfessionalRow:
    return world.professional()


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


# -- a booking --------------------------------------------------------------------------------


def test_a_booking_stores_client_appointment_and_notice_and_queues_the_messages(
    world: World, ana: ProfessionalRow
) -> None:
    answer = world.book(request(at(MONDAY, "14:00")))

    assert answer == {"success": True, "status": "pending_confirmation"}
    [appointment] = world.state.appointments_of(ana.id)
    assert appointment.facts.status == "pending_confirmation"
    assert appointment.facts.starts_at == datetime(2030, 3, 4, 17, 0, tzinfo=UTC)
    assert appointment.facts.ends_at - appointment.facts.starts_at == timedelta(minutes=50)
    [client] = world.state.clients_of(ana.id)
    assert (client.name, client.phone, client.email) == (
        "Maria Silva",
        "+5511987654321",
        "maria@example.com",
    )
    assert appointment.client_id == client.id
    [notice] = world.state.notifications
    assert notice.type == "booking_request"
    assert "Maria Silva" in notice.body
    assert world.uow.queue.templates() == {
        ("booking_request", "professional", "whatsapp"),
        ("booking_request", "professional", "email"),
        ("booking_received", "client", "whatsapp"),
        ("booking_received", "client", "email"),
    }
    assert all(row.enqueued_at == NOW for row in world.state.outbox.values())
    assert world.limiter.checked == [IP]
    assert world.uow.commits == 1


def test_the_clients_messages_carry_a_guest_link_to_this_very_booking(
    world: World, ana: ProfessionalRow
) -> None:
    world.book(request(at(MONDAY, "09:00")))
    [appointment] = world.state.appointments_of(ana.id)
    to_client = [p for p in world.uow.queue.payloads if p["audience"] == "client"]
    assert to_client
    for payload in to_client:
        grant = LINKS.verify(token_of(payload["params"]["manageUrl"]), now=NOW)
        assert grant.appointment_id == appointment.id
    assert all(
        "manageUrl" not in p["params"]
        for p in world.uow.queue.payloads
        if p["audience"] == "professional"
    )


def test_auto_confirm_gives_a_confirmed_booking_and_tells_the_client_so(world: World) -> None:
    pro = world.professional(auto_confirm=True)
    assert world.book(request(at(MONDAY, "09:00"))) == {"success": True, "status": "confirmed"}
    assert [a.facts.status for a in world.state.appointments_of(pro.id)] == ["confirmed"]
    assert ("booking_confirmed", "client", "whatsapp") in world.uow.queue.templates()
    assert not any(t == "booking_received" for t, _, _ in world.uow.queue.templates())


# -- refused before anything is written ---------------------------------------------------------


def test_the_honeypot_answers_like_a_booking_and_stores_nothing(
    world: World, ana: ProfessionalRow
) -> None:
    before = world.state.copy()
    answer = world.book(request(at(MONDAY, "09:00"), website="https://spam.example"))
    assert answer == {"success": True, "status": "pending_confirmation"}
    assert world.state == before
    assert world.uow.queue.sent == []
    assert (world.uow.reads, world.uow.attempts) == (0, 0)


def test_a_rate_limited_request_writes_nothing(world: World, ana: ProfessionalRow) -> None:
    before = world.state.copy()
    limiter = RefuseAll(retry_after_seconds=420)
    with pytest.raises(RateLimited) as refused:
        world.book(request(at(MONDAY, "09:00")), limiter=limiter)
    assert refused.value.retry_after_seconds == 420
    assert limiter.checked == [IP]
    assert world.state == before
    assert (world.uow.reads, world.uow.attempts) == (0, 0)


def test_an_invalid_body_names_every_bad_field_and_reads_nothing(
    world: World, ana: ProfessionalRow
) -> None:
    with pytest.raises(ValidationFailed) as invalid:
        world.book({"slug": "dr-ana", "startsAt": "2030-03-04T09:00:00", "clientPhone": "12"})
    assert {"startsAt", "clientName", "clientPhone"} <= set(invalid.value.fields)
    assert world.uow.reads == 0


def test_an_unknown_or_inactive_professional_is_not_found(world: World) -> None:
    world.state.add_professional(a_schedule(slug="dr-gone"), active=False)
    for slug in ("dr-nobody", "dr-gone"):
        with pytest.raises(NotFound):
            world.book(request(at(MONDAY, "09:00"), slug=slug))
    assert world.state.appointments == {}
    assert world.uow.attempts == 0


@pytest.mark.parametrize(
    ("starts_at", "why"),
    [
        (at(MONDAY, "08:10"), "before the hours"),
        (at(MONDAY, "12:00"), "between the windows"),
        (at(MONDAY, "09:10"), "not on a slot's start"),
        (at(MONDAY, "17:20"), "the session would run past the window"),
        (at(date(2030, 3, 2), "09:00"), "a Saturday"),
        (at(date(2030, 2, 25), "09:00"), "in the past"),
        (at(MONDAY + timedelta(days=70), "09:00"), "beyond the 60-day horizon"),
    ],
)
def test_a_time_that_is_not_a_slot_is_unavailable(
    world: World, ana: ProfessionalRow, starts_at: datetime, why: str
) -> None:
    with pytest.raises(SlotUnavailable):
        world.book(request(starts_at))
    assert world.state.appointments == {}, why
    assert world.uow.attempts == 0


def test_the_same_instant_written_in_another_offset_is_the_same_slot(
    world: World, ana: ProfessionalRow
) -> None:
    answer = world.book(request(at(MONDAY, "09:00").astimezone(UTC)))
    assert answer["status"] == "pending_confirmation"


def test_a_taken_time_is_slot_taken_and_nothing_is_written_or_queued(
    world: World, ana: ProfessionalRow
) -> None:
    other = world.state.add_client(ana.id, name="João", phone="+5511955550000", email=None)
    world.state.add_appointment(ana.id, other, at(MONDAY, "09:00"))
    before = world.state.copy()
    with pytest.raises(SlotTaken):
        world.book(request(at(MONDAY, "09:00")))
    assert world.state == before
    assert world.uow.queue.sent == []


def test_an_appointments_stored_buffers_keep_its_neighbour_slot_taken(
    world: World, ana: ProfessionalRow
) -> None:
    # Booked when the professional kept 15 minutes after each session: 09:00-09:50 holds the
    # time until 10:05, so the 09:50 slot (no buffers now) overlaps it.
    other = world.state.add_client(ana.id, name="João", phone="+5511955550000", email=None)
    world.state.add_appointment(ana.id, other, at(MONDAY, "09:00"), buffer_after_minutes=15)
    with pytest.raises(SlotTaken):
        world.book(request(at(MONDAY, "09:50")))
    assert world.uow.attempts == 0  # refused by the check, before any transaction
    assert world.book(request(at(MONDAY, "10:40")))["status"] == "pending_confirmation"


def test_a_cancelled_appointment_frees_its_time(world: World, ana: ProfessionalRow) -> None:
    other = world.state.add_client(ana.id, name="João", phone="+5511955550000", email=None)
    world.state.add_appointment(ana.id, other, at(MONDAY, "09:00"), status="cancelled")
    assert world.book(request(at(MONDAY, "09:00")))["status"] == "pending_confirmation"


def test_a_time_taken_between_the_check_and_the_write_is_slot_taken_with_nothing_written(
    world: World, ana: ProfessionalRow
) -> None:
    rival = world.state.add_client(ana.id, name="João", phone="+5511955550000", email=None)
    world.uow.meanwhile(lambda state: state.add_appointment(ana.id, rival, at(MONDAY, "09:00")))
    with pytest.raises(SlotTaken):
        world.book(request(at(MONDAY, "09:00")))
    [only] = world.state.appointments_of(ana.id)
    assert only.client_id == rival
    assert [c.id for c in world.state.clients_of(ana.id)] == [rival]
    assert world.state.outbox == {}
    assert world.state.notifications == []
    assert world.uow.queue.sent == []
    assert (world.uow.commits, world.uow.rollbacks) == (0, 1)


# -- plan caps ------------------------------------------------------------------------------


def fill_clients(state: FakeState, pro: ProfessionalRow, count: int) -> list[UUID]:
    return [
        state.add_client(pro.id, name=f"Client {i}", phone=f"+551190000{i:04d}", email=None)
        for i in range(count)
    ]


def test_the_free_plan_refuses_an_eleventh_client_and_books_nothing(
    world: World, ana: ProfessionalRow
) -> None:
    fill_clients(world.state, ana, 10)
    before = world.state.copy()
    with pytest.raises(PlanLimitReached) as refused:
        world.book(request(at(MONDAY, "09:00")))
    assert refused.value.limit == "clients"
    assert world.state.clients == before.clients
    assert world.state.appointments == before.appointments
    assert world.state.changes == before.changes


def test_a_refusal_by_the_plan_tells_the_professional_once_a_month(
    world: World, ana: ProfessionalRow
) -> None:
    fill_clients(world.state, ana, 10)
    for phone in ("+5511911112222", "+5511933334444"):
        with pytest.raises(PlanLimitReached):
            world.book(request(at(MONDAY, "09:00"), clientPhone=phone))
    (notice,) = world.state.notifications
    assert (notice.professional_id, notice.type) == (ana.id, "plan_limit_reached")
    assert "limite de clientes" in notice.body
    # WhatsApp and email to the professional, once: the second refusal's keys were queued.
    assert world.uow.queue.templates() == {
        ("plan_limit_reached", "professional", "whatsapp"),
        ("plan_limit_reached", "professional", "email"),
    }
    assert len(world.uow.queue.sent) == 2
    assert {m.payload["params"]["limit"] for m in world.uow.queue.sent} == {"clients"}


def test_the_free_plan_lets_a_returning_client_book_matched_by_phone_or_email(
    world: World, ana: ProfessionalRow
) -> None:
    [*_, by_phone] = fill_clients(world.state, ana, 9)
    by_email = world.state.add_client(
        ana.id, name="Maria Silva", phone="+5511977776666", email="Maria@Example.com"
    )
    # The ninth client again, phone written differently, now with an email.
    world.book(request(at(MONDAY, "09:00"), clientPhone="+55 11 9000-00008", clientEmail=None))
    # The tenth by email (any case), from another phone.
    world.book(
        request(at(MONDAY, "09:50"), clientPhone="11 91234-0000", clientEmail="MARIA@example.com")
    )
    assert len(world.state.clients_of(ana.id)) == 10
    assert [a.client_id for a in world.state.appointments_of(ana.id)] == [by_phone, by_email]
    # A client found by email keeps the phone they were first known by.
    assert world.state.clients[by_email].phone == "+5511977776666"


def test_a_returning_client_without_an_email_gets_the_one_given(
    world: World, ana: ProfessionalRow
) -> None:
    known = world.state.add_client(ana.id, phone="+5511987654321", email=None)
    world.book(request(at(MONDAY, "09:00")))
    assert world.state.clients[known].email == "maria@example.com"
    assert len(world.state.clients_of(ana.id)) == 1


def test_the_free_plan_caps_live_appointments_in_the_sessions_month(
    world: World, ana: ProfessionalRow
) -> None:
    old = world.state.add_client(ana.id, name="Old", phone="+5511955550000", email=None)
    # 19 live appointments in March (local), and released or other-month ones that do not count.
    for i in range(19):
        starts_at = at(date(2030, 3, 11 + i % 10), "14:00") + timedelta(minutes=50 * (i // 10))
        world.state.add_appointment(ana.id, old, starts_at)
    world.state.add_appointment(ana.id, old, at(date(2030, 3, 5), "09:00"), status="cancelled")
    world.state.add_appointment(ana.id, old, at(date(2030, 4, 1), "09:00"))
    world.book(request(at(MONDAY, "09:00")))  # the 20th of March

    with pytest.raises(PlanLimitReached):
        world.book(request(at(MONDAY, "09:50"), clientPhone="+5511944443333", clientEmail=None))
    # April has room; the returning client may always book.
    april = at(date(2030, 4, 1), "09:50")
    assert world.book(request(april, clientPhone="+5511944443333", clientEmail=None))["success"]
    assert world.book(request(at(MONDAY, "10:40")))["success"]


def test_a_paying_professional_has_no_caps(world: World) -> None:
    pro = world.professional(plan="pro", subscription_status="active")
    fill_clients(world.state, pro, 10)
    assert world.book(request(at(MONDAY, "09:00")))["success"]
    assert len(world.state.clients_of(pro.id)) == 11


# -- the messages and the commit ----------------------------------------------------------------


def test_no_message_reaches_the_queue_when_the_commit_fails(
    world: World, ana: ProfessionalRow
) -> None:
    world.uow.fail_next_commit(ConnectionResetError("connection lost at commit"))
    with pytest.raises(ConnectionResetError):
        world.book(request(at(MONDAY, "09:00")))
    assert world.uow.queue.sent == []
    assert world.state.appointments == {}
    assert world.state.outbox == {}


def test_a_retried_transaction_books_once_and_queues_each_message_once(
    world: World, ana: ProfessionalRow
) -> None:
    world.uow.conflict_next(2)
    world.book(request(at(MONDAY, "09:00")))
    assert (world.uow.attempts, world.uow.commits) == (3, 1)
    assert len(world.state.appointments_of(ana.id)) == 1
    assert len(world.state.clients_of(ana.id)) == 1
    keys = [message.key for message in world.uow.queue.sent]
    assert len(keys) == 4
    assert len(set(keys)) == 4


def test_a_queue_that_refuses_leaves_the_messages_for_the_relay(
    world: World, ana: ProfessionalRow
) -> None:
    world.uow.queue.refuse()
    assert world.book(request(at(MONDAY, "09:00")))["success"]
    rows = list(world.state.outbox.values())
    assert len(rows) == 4
    assert all(r.enqueued_at is None and r.attempts == 1 for r in rows)
    assert {r.last_error for r in rows} == {"QueueRefused"}
    assert world.uow.queue.sent == []

    world.uow.queue.refuse(False)
    assert outbox.relay(world.uow) == 0  # still inside the grace of the request that wrote them
    world.uow.clock.advance(timedelta(seconds=outbox.GRACE_SECONDS + 1))
    assert outbox.relay(world.uow) == 4
    assert sorted(m.id for m in world.uow.queue.sent) == sorted(r.id for r in rows)
    assert all(r.enqueued_at is not None for r in world.state.outbox.values())
    assert outbox.relay(world.uow) == 0


# -- payment at booking ---------------------------------------------------------------------------


@pytest.fixture
def carla(world: World) -> ProfessionalRow:
    """Takes the session price, R$ 150, by card or Pix at booking; hour-long sessions."""
    return world.professional(slug="dr-ana", session_minutes=60, payment_at_booking=True)


def test_payment_at_booking_opens_a_checkout_first_and_holds_the_slot(
    world: World, carla: ProfessionalRow
) -> None:
    answer = world.book(request(at(MONDAY, "09:00")))

    [opened] = world.stripe.called("appointment_checkout")
    [held] = world.state.appointments_of(carla.id)
    assert opened["appointment_id"] == held.id
    assert opened["professional_id"] == carla.id
    assert (opened["amount"], opened["currency"]) == (Decimal("150.00"), "BRL")
    assert opened["payment_type"] == "pix_or_card"
    assert opened["client_email"] == "maria@example.com"
    # The hold ends with the session: whole seconds, the hold and a minute of margin from now.
    expires = NOW + timedelta(minutes=31)
    assert opened["expires_at"] == expires
    assert (held.facts.status, held.facts.payment_status) == ("pending_payment", "pending")
    assert (held.amount_due, held.payment_expires_at) == (Decimal("150.00"), expires)
    assert held.checkout_session_id is not None
    assert answer == {
        "success": True,
        "status": "pending_payment",
        "checkoutUrl": f"{FakeStripe.BASE}/{held.checkout_session_id}",
        "paymentExpiresAt": expires.isoformat(),
    }
    # Only the way to pay goes out; the professional hears of it once it is paid.
    assert world.uow.queue.templates() == {
        ("payment_pending", "client", "whatsapp"),
        ("payment_pending", "client", "email"),
    }
    assert world.uow.queue.payloads[0]["params"]["paymentUrl"] == answer["checkoutUrl"]
    assert world.state.notifications == []
    # A held slot is taken.
    with pytest.raises(SlotTaken):
        world.book(request(at(MONDAY, "09:00"), clientPhone="+5511944443333", clientEmail=None))


def test_stripe_down_at_booking_writes_nothing(world: World, carla: ProfessionalRow) -> None:
    world.stripe.fail()
    before = world.state.copy()
    with pytest.raises(ServiceUnavailable):
        world.book(request(at(MONDAY, "09:00")))
    assert world.state == before
    assert world.uow.attempts == 0
    assert world.uow.queue.sent == []


def test_a_write_that_loses_the_slot_expires_the_checkout_nobody_got(
    world: World, carla: ProfessionalRow
) -> None:
    rival = world.state.add_client(carla.id, name="João", phone="+5511955550000", email=None)
    world.uow.meanwhile(lambda state: state.add_appointment(carla.id, rival, at(MONDAY, "09:00")))
    with pytest.raises(SlotTaken):
        world.book(request(at(MONDAY, "09:00")))
    [opened] = world.stripe.called("appointment_checkout")
    assert [c.name for c in world.stripe.calls] == ["appointment_checkout", "expire_checkout"]
    assert len(world.stripe.expired) == 1
    assert [a.client_id for a in world.state.appointments_of(carla.id)] == [rival]
    assert world.uow.queue.sent == []
    assert opened["appointment_id"] not in world.state.appointments


def test_a_write_refused_by_the_plan_also_expires_the_checkout(
    world: World, carla: ProfessionalRow
) -> None:
    fill_clients(world.state, carla, 10)
    with pytest.raises(PlanLimitReached):
        world.book(request(at(MONDAY, "09:00")))
    assert len(world.stripe.expired) == 1


# -- free slots -----------------------------------------------------------------------------------


def test_free_slots_list_the_days_hours_without_the_taken_ones_and_agree_with_booking(
    world: World, ana: ProfessionalRow
) -> None:
    query = FreeSlotsRequest(slug="dr-ana", first_day=MONDAY, days=2)
    listing = free_slots(world.uow, query, now=NOW)
    assert (listing["timezone"], listing["sessionDuration"]) == (SAO_PAULO, 50)
    monday = [slot["time"] for slot in listing["days"][0]["slots"]]
    assert monday == ["09:00", "09:50", "10:40", "14:00", "14:50", "15:40", "16:30"]

    world.book(request(at(MONDAY, "09:50")))
    again = free_slots(world.uow, query, now=NOW)
    assert [slot["time"] for slot in again["days"][0]["slots"]] == [
        t for t in monday if t != "09:50"
    ]
    # Every slot listed books.
    for i, slot in enumerate(again["days"][1]["slots"]):
        phone = f"+55119888800{i:02d}"
        starts_at = datetime.fromisoformat(slot["startsAt"])
        world.book(request(starts_at, clientPhone=phone, clientEmail=None))
    assert free_slots(world.uow, query, now=NOW)["days"][1]["slots"] == []


def test_free_slots_of_an_unknown_professional_are_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        free_slots(world.uow, FreeSlotsRequest("dr-nobody", MONDAY, 1), now=NOW)


def test_free_slots_keep_to_a_weekend_schedule(world: World) -> None:
    world.professional(windows=weekly(days=(0, 6), hours=(("10:00", "12:00"),)))
    listing = free_slots(world.uow, FreeSlotsRequest("dr-ana", date(2030, 3, 2), 3), now=NOW)
    assert [[s["time"] for s in day["slots"]] for day in listing["days"]] == [
        ["10:00", "10:50"],
        ["10:00", "10:50"],
        [],
    ]


# -- the booking horizon --------------------------------------------------------------------------

LAST_BOOKABLE = date(2030, 4, 30)  # today in São Paulo (2030-03-01) + the 60-day horizon


def test_free_slots_name_the_last_bookable_date_and_it_is_the_engines(
    world: World, ana: ProfessionalRow
) -> None:
    from agenda.contract import FreeSlots

    query = FreeSlotsRequest(slug="dr-ana", first_day=LAST_BOOKABLE, days=2)
    listing = free_slots(world.uow, query, now=NOW)
    assert listing["bookableUntil"] == "2030-04-30"
    assert FreeSlots.model_validate(listing).bookable_until == LAST_BOOKABLE
    last, after = listing["days"]
    assert last["slots"]  # a Tuesday
    assert after["slots"] == []  # a Wednesday
    # Late in the evening the professional's today is still the same date, UTC's is not.
    late = datetime(2030, 3, 2, 2, 30, tzinfo=UTC)  # 23:30 on 1 March in São Paulo
    assert free_slots(world.uow, query, now=late)["bookableUntil"] == "2030-04-30"


def test_a_booking_beyond_the_horizon_names_the_last_bookable_date(
    world: World, ana: ProfessionalRow
) -> None:
    assert world.book(request(at(LAST_BOOKABLE, "09:00")))["status"] == "pending_confirmation"
    beyond = at(LAST_BOOKABLE + timedelta(days=1), "09:00")
    with pytest.raises(SlotUnavailable) as refused:
        world.book(request(beyond, clientPhone="+5511988880001", clientEmail=None))
    assert refused.value.message == "Bookings with this professional are open until 2030-04-30"


# -- what a refusal says ------------------------------------------------------------------------


def test_the_booking_checks_refusals_are_plain_sentences(
    world: World, ana: ProfessionalRow
) -> None:
    with pytest.raises(SlotUnavailable) as not_a_slot:
        world.book(request(at(MONDAY, "12:00")))
    assert not_a_slot.value.message == (
        "The professional is not available at that time: please choose one of the free times"
    )
    with pytest.raises(SlotUnavailable) as past:
        world.book(request(at(date(2030, 2, 25), "09:00")))
    assert past.value.message == "That time is in the past: please choose another one"
    world.book(request(at(MONDAY, "09:00")))
    with pytest.raises(SlotTaken) as taken:
        world.book(request(at(MONDAY, "09:00"), clientPhone="+5511988880002", clientEmail=None))
    assert taken.value.message == "Someone has just booked that time: please choose another one"
    with pytest.raises(NotFound) as unknown:
        world.book(request(at(MONDAY, "09:50"), slug="dr-nobody"))
    assert unknown.value.message == "We could not find this professional"
    with pytest.raises(NotFound) as unknown_page:
        free_slots(world.uow, FreeSlotsRequest("dr-nobody", MONDAY, 1), now=NOW)
    assert unknown_page.value.message == unknown.value.message
