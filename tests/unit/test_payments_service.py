"""Payment at booking (agenda.service.payments) and Stripe's webhook
(agenda.service.stripe_events) on the in-memory fakes: a held booking becomes a booking when
paid, frees its slot when not, and a payment that comes too late is reinstated or refunded."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from agenda.domain.errors import PlanLimitReached, ServiceUnavailable, ValidationFailed
from agenda.service import payments
from agenda.service.appointments import AppointmentsDependencies, change_as_user
from agenda.service.billing import BillingDependencies
from agenda.service.booking import BookingDependencies, create_booking
from agenda.service.payments import RELEASE_MARGIN, SWEEP_BATCH, PaymentDependencies
from agenda.service.stripe_events import UnknownPrice, WebhookDependencies, receive
from agenda.settings import Secret, StripeSettings
from tests.fakes import (
    APP_BASE_URL,
    SAO_PAULO,
    AllowAll,
    AppointmentRow,
    EventRow,
    FakeClock,
    FakeState,
    FakeStores,
    FakeStripe,
    FakeUnitOfWork,
    ProfessionalRow,
    a_schedule,
    guest_links,
)

pytestmark = pytest.mark.unit

ZONE = ZoneInfo(SAO_PAULO)
NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)  # a Friday, 09:00 in São Paulo
MONDAY = date(2030, 3, 4)
LINKS = guest_links()
PRO_USER = "user-dra-carla"
WEBHOOK_SECRET = "whsec_unit_test_0123456789abcdef"


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), ZONE)


@dataclass
class World:
    uow: FakeUnitOfWork
    pro: ProfessionalRow
    stripe: FakeStripe = field(default_factory=FakeStripe)

    @property
    def state(self) -> FakeState:
        return self.uow.state

    @property
    def clock(self) -> FakeClock:
        return self.uow.clock

    @property
    def payment_deps(self) -> PaymentDependencies:
        return PaymentDependencies(stripe=self.stripe, links=LINKS, clock=self.clock)

    def hold(self, starts_at: datetime, phone: str = "+5511987654321") -> AppointmentRow:
        """A booking held for payment, made through the booking service."""
        deps = BookingDependencies(
            uow=self.uow,
            limiter=AllowAll(),
            clock=self.clock,
            guest_links=LINKS,
            stripe=self.stripe,
        )
        body = {
            "slug": "dra-carla",
            "startsAt": starts_at.isoformat(),
            "clientName": "Maria Silva",
            "clientPhone": phone,
            "clientEmail": "maria@example.com",
        }
        answer = create_booking(deps, body, source_ip="203.0.113.7")
        assert answer["status"] == "pending_payment"
        [held] = [
            a
            for a in self.state.appointments_of(self.pro.id)
            if a.checkout_session_id == answer["checkoutUrl"].rsplit("/", 1)[-1]
        ]
        return held

    def settle(
        self,
        held: AppointmentRow,
        *,
        session_id: str | None = None,
        intent: str | None = "pi_test_1",
        event: str = "evt_1",
    ) -> str:
        session = session_id or held.checkout_session_id
        assert session is not None

        def work(stores: FakeStores) -> str:
            return payments.settle(
                self.payment_deps,
                stores,
                held.id,
                session_id=session,
                payment_intent=intent,
                actor_id=f"stripe:{event}",
            )

        return self.uow.run(work)

    def release(self, appointment_id: UUID, payment_status: str = "none") -> str:
        return self.uow.run(
            lambda stores: payments.release(
                stores,
                appointment_id,
                actor_id="stripe:evt_expired",
                payment_status=payment_status,
                reason="checkout expired",
            )
        )

    def row(self, held: AppointmentRow) -> AppointmentRow:
        return self.state.appointments[held.id]

    def sent_since(self, count: int) -> set[tuple[str, str, str]]:
        return {
            (p["template"], p["audience"], p["channel"]) for p in self.uow.queue.payloads[count:]
        }


def make_world(**schedule: Any) -> World:
    state = FakeState()
    options = {"slug": "dra-carla", "session_minutes": 60, "payment_at_booking": True, **schedule}
    pro = state.add_professional(a_schedule(**options), user_id=PRO_USER)
    return World(FakeUnitOfWork(state, clock=FakeClock(NOW)), pro)


@pytest.fixture
def world() -> World:
    return make_world()


# -- paid -----------------------------------------------------------------------------------------


def test_a_paid_hold_awaits_confirmation_and_sends_the_messages_that_waited(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    before = len(world.uow.queue.sent)
    assert world.settle(held) == "paid"

    row = world.row(held)
    assert (row.facts.status, row.facts.payment_status) == ("pending_confirmation", "paid")
    assert (row.payment_intent_id, row.paid_at, row.status_changed_by) == (
        "pi_test_1",
        NOW,
        "system",
    )
    [audit] = world.state.changes_of(held.id)
    assert (audit.action, audit.actor_role, audit.actor_id) == ("paid", "system", "stripe:evt_1")
    assert world.sent_since(before) == {
        ("booking_request", "professional", "whatsapp"),
        ("booking_request", "professional", "email"),
        ("booking_received", "client", "whatsapp"),
        ("booking_received", "client", "email"),
        ("payment_received", "client", "whatsapp"),
        ("payment_received", "client", "email"),
    }
    receipt = next(p for p in world.uow.queue.payloads if p["template"] == "payment_received")
    assert (receipt["params"]["amount"], receipt["params"]["currency"]) == ("150.00", "BRL")


def test_the_paid_messages_reach_the_queue_only_after_the_commit(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    queued_before = len(world.uow.queue.sent)
    inside: list[int] = []

    def work(stores: FakeStores) -> str:
        outcome = payments.settle(
            world.payment_deps,
            stores,
            held.id,
            session_id=held.checkout_session_id or "",
            payment_intent="pi_test_1",
            actor_id="stripe:evt_1",
        )
        inside.append(len(world.uow.queue.sent))
        return outcome

    assert world.uow.run(work) == "paid"
    assert inside == [queued_before]
    assert len(world.uow.queue.sent) == queued_before + 6


def test_an_auto_confirming_professional_gets_a_confirmed_booking_once_paid() -> None:
    world = make_world(auto_confirm=True)
    held = world.hold(at(MONDAY, "09:00"))
    before = len(world.uow.queue.sent)
    assert world.settle(held) == "paid"
    assert world.row(held).facts.status == "confirmed"
    assert ("booking_confirmed", "client", "whatsapp") in world.sent_since(before)


def test_a_hold_the_professional_confirmed_by_hand_only_records_the_payment(
    world: World,
) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    change_as_user(
        AppointmentsDependencies(uow=world.uow, links=LINKS, clock=world.clock),
        str(held.id),
        {"action": "confirm"},
        user_id=PRO_USER,
    )
    before = len(world.uow.queue.sent)
    assert world.settle(held) == "paid"
    row = world.row(held)
    assert (row.facts.status, row.facts.payment_status) == ("confirmed", "paid")
    assert row.status_changed_by == f"professional:{PRO_USER}"
    # The booking's messages went out with the confirmation; nobody is told twice.
    assert world.sent_since(before) == set()


def test_a_second_report_of_the_payment_changes_nothing(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    world.settle(held)
    after_first = world.state.copy()
    sent = len(world.uow.queue.sent)
    assert world.settle(held, event="evt_2") == "already_paid"
    assert world.state == after_first
    assert len(world.uow.queue.sent) == sent


def test_a_payment_of_another_session_or_appointment_is_not_applied(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    before = world.state.copy()
    assert world.settle(held, session_id="cs_someone_else") == "session_mismatch"
    assert world.settle(replace(held, id=UUID(int=1))) == "appointment_not_found"
    assert world.state == before


# -- not paid -------------------------------------------------------------------------------------


def test_an_unpaid_hold_is_released_freeing_its_slot_and_telling_nobody(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    sent = len(world.uow.queue.sent)
    assert world.release(held.id) == "released"
    row = world.row(held)
    assert (row.facts.status, row.facts.payment_status) == ("cancelled", "none")
    assert row.status_changed_by == "system"
    [audit] = world.state.changes_of(held.id)
    assert (audit.action, audit.actor_id, audit.reason) == (
        "expire",
        "stripe:evt_expired",
        "checkout expired",
    )
    assert len(world.uow.queue.sent) == sent
    # Someone else books the freed time.
    assert world.hold(at(MONDAY, "09:00"), phone="+5511955551234").facts.status == (
        "pending_payment"
    )


def test_a_failed_payment_releases_the_hold_as_failed(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    assert world.release(held.id, payment_status="failed") == "released"
    assert world.row(held).facts.payment_status == "failed"


def test_only_a_hold_is_released(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    world.settle(held)
    before = world.state.copy()
    assert world.release(held.id) == "not_held"
    assert world.release(UUID(int=1)) == "appointment_not_found"
    assert world.state == before


# -- paid too late ---------------------------------------------------------------------------------


def test_a_hold_released_by_the_system_and_paid_later_is_reinstated_when_its_time_is_free(
    world: World,
) -> None:
    held = world.hold(at(MONDAY, "14:00"))
    world.release(held.id)
    before = len(world.uow.queue.sent)
    assert world.settle(held) == "reinstated"
    row = world.row(held)
    assert (row.facts.status, row.facts.payment_status) == ("pending_confirmation", "paid")
    assert [c.action for c in world.state.changes_of(held.id)] == ["expire", "paid"]
    assert world.state.changes_of(held.id)[-1].reason == "paid after the hold was released"
    assert ("booking_request", "professional", "whatsapp") in world.sent_since(before)
    assert world.stripe.called("refund") == []


def test_a_hold_released_and_paid_after_its_time_was_taken_is_refunded(world: World) -> None:
    held = world.hold(at(MONDAY, "15:00"))
    world.release(held.id)
    taken = world.hold(at(MONDAY, "15:00"), phone="+5511955554321")
    before = len(world.uow.queue.sent)

    assert world.settle(held) == "refunded"

    late = world.row(held)
    assert (late.facts.status, late.facts.payment_status) == ("cancelled", "refunded")
    assert late.payment_intent_id == "pi_test_1"
    assert world.stripe.called("refund") == [
        {"payment_intent": "pi_test_1", "appointment_id": held.id}
    ]
    # The attempt to reinstate was undone; the other client's booking is untouched.
    assert [c.action for c in world.state.changes_of(held.id)] == ["expire"]
    assert world.row(taken).facts.status == "pending_payment"
    # The professional never heard of it; the client is told their money is back.
    assert world.sent_since(before) == {
        ("payment_refunded", "client", "whatsapp"),
        ("payment_refunded", "client", "email"),
    }
    assert world.state.notifications == []


@pytest.mark.parametrize(("action", "status"), [("reject", "rejected"), ("cancel", "cancelled")])
def test_a_hold_a_person_ended_and_paid_later_is_refunded_and_stays_ended(
    world: World, action: str, status: str
) -> None:
    held = world.hold(at(MONDAY, "16:00"))
    change_as_user(
        AppointmentsDependencies(uow=world.uow, links=LINKS, clock=world.clock),
        str(held.id),
        {"action": action},
        user_id=PRO_USER,
    )
    assert world.settle(held) == "refunded"
    late = world.row(held)
    assert (late.facts.status, late.facts.payment_status) == (status, "refunded")
    assert late.status_changed_by == f"professional:{PRO_USER}"
    assert len(world.stripe.called("refund")) == 1
    # The same refund, should Stripe report the payment again.
    assert world.settle(held, event="evt_2") == "already_refunded"
    assert len(world.stripe.called("refund")) == 1


def test_a_refund_stripe_cannot_make_rolls_the_payment_back_for_stripe_to_retry(
    world: World,
) -> None:
    held = world.hold(at(MONDAY, "15:00"))
    world.release(held.id)
    world.hold(at(MONDAY, "15:00"), phone="+5511955554321")
    before = world.state.copy()
    world.stripe.fail()
    with pytest.raises(ServiceUnavailable):
        world.settle(held)
    assert world.state == before
    world.stripe.fail(False)
    assert world.settle(held) == "refunded"
    assert world.row(held).facts.payment_status == "refunded"


# -- the sweep ------------------------------------------------------------------------------------


def test_the_sweep_releases_exactly_the_holds_past_expiry_and_margin(world: World) -> None:
    client = world.state.add_client(world.pro.id)
    expired = NOW - RELEASE_MARGIN - timedelta(seconds=1)

    def hold(hhmm: str, expires_at: datetime, status: str = "pending_payment") -> UUID:
        return world.state.add_appointment(
            world.pro.id,
            client,
            at(MONDAY, hhmm),
            status=status,
            payment_status="pending",
            checkout_session_id=f"cs_{hhmm}",
            amount_due=Decimal("150.00"),
            payment_expires_at=expires_at,
        )

    past_margin = hold("09:00", expired)
    at_margin = hold("10:00", NOW - RELEASE_MARGIN)
    within_margin = hold("11:00", NOW - timedelta(minutes=1))
    running = hold("14:00", NOW + timedelta(minutes=20))
    confirmed = hold("15:00", expired, status="confirmed")

    assert payments.sweep_expired_holds(world.uow, now=NOW) == 1

    status = {key: world.state.appointments[key].facts.status for key in world.state.appointments}
    assert status == {
        past_margin: "cancelled",
        at_margin: "pending_payment",
        within_margin: "pending_payment",
        running: "pending_payment",
        confirmed: "confirmed",
    }
    [audit] = world.state.changes
    assert (audit.appointment_id, audit.action, audit.actor_id, audit.reason) == (
        past_margin,
        "expire",
        "job:payment_holds",
        "payment not completed in time",
    )
    assert world.uow.queue.sent == []
    assert payments.sweep_expired_holds(world.uow, now=NOW) == 0


def test_the_sweep_goes_through_every_hold_a_batch_per_transaction(world: World) -> None:
    client = world.state.add_client(world.pro.id)
    for i in range(SWEEP_BATCH + 1):
        world.state.add_appointment(
            world.pro.id,
            client,
            NOW + timedelta(days=1, hours=i),
            status="pending_payment",
            payment_status="pending",
            payment_expires_at=NOW - timedelta(hours=1, minutes=i),
        )
    assert payments.sweep_expired_holds(world.uow, now=NOW) == SWEEP_BATCH + 1
    assert world.uow.commits == 2
    assert {a.facts.status for a in world.state.appointments.values()} == {"cancelled"}


# -- Stripe's webhook ----------------------------------------------------------------------------


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, signed_at: float = NOW.timestamp()) -> str:
    """Stripe's v1 signature, from its documented recipe."""
    t = int(signed_at)
    digest = hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event(event_id: str, event_type: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"id": event_id, "type": event_type, "data": {"object": obj}}).encode()


def session_event(event_id: str, event_type: str, held: AppointmentRow, **obj: Any) -> bytes:
    session = {
        "id": held.checkout_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "metadata": {"appointment_id": str(held.id)},
        **obj,
    }
    return event(event_id, event_type, session)


def webhook(world: World) -> WebhookDependencies:
    settings = StripeSettings(
        api_base="https://api.stripe.test",
        secret_key=Secret.of("sk_test_unit"),
        webhook_secret=Secret.of(WEBHOOK_SECRET),
        prices={"basic": "price_basic", "pro": "price_pro", "premium": "price_premium"},
        app_base_url=APP_BASE_URL,
        timeout_seconds=8,
        webhook_tolerance_seconds=300,
        payment_hold_minutes=30,
    )
    return WebhookDependencies(
        settings=settings,
        uow=world.uow,
        billing=BillingDependencies(
            uow=world.uow,
            stripe=world.stripe,
            limiter=None,
            clock=world.clock,
            app_base_url=APP_BASE_URL,
        ),
        payments=world.payment_deps,
        wall_clock=lambda: world.clock().timestamp(),
    )


def deliver(world: World, body: bytes, signature: str | None = None) -> dict[str, Any]:
    return receive(webhook(world), body, sign(body) if signature is None else signature)


def test_a_signed_paid_session_settles_the_hold_once(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    body = session_event(
        "evt_paid",
        "checkout.session.completed",
        held,
        payment_status="paid",
        payment_intent={"id": "pi_test_9", "object": "payment_intent"},  # expanded
    )
    assert deliver(world, body) == {"received": True}
    row = world.row(held)
    assert (row.facts.status, row.payment_intent_id) == ("pending_confirmation", "pi_test_9")
    assert world.state.events["evt_paid"].outcome == "paid"
    assert world.state.changes_of(held.id)[0].actor_id == "stripe:evt_paid"

    after = world.state.copy()
    sent = len(world.uow.queue.sent)
    assert deliver(world, body) == {"received": True, "duplicate": True}
    assert world.state == after
    assert len(world.uow.queue.sent) == sent


def test_an_event_another_delivery_applied_meanwhile_is_a_duplicate(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    body = session_event(
        "evt_paid",
        "checkout.session.completed",
        held,
        payment_status="paid",
        payment_intent="pi_test_9",
    )
    world.uow.meanwhile(lambda state: _processed(state, "evt_paid"))
    assert deliver(world, body) == {"received": True, "duplicate": True}
    assert world.row(held).facts.status == "pending_payment"


def _processed(state: FakeState, event_id: str) -> None:
    state.events[event_id] = EventRow(event_id, "checkout.session.completed", None, "paid")


def test_a_pix_session_completes_before_the_money_arrives(world: World) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    completed = session_event("evt_1", "checkout.session.completed", held, payment_status="unpaid")
    assert deliver(world, completed) == {"received": True}
    assert world.row(held).facts.status == "pending_payment"
    assert world.state.events["evt_1"].outcome == "awaiting_payment"
    succeeded = session_event(
        "evt_2", "checkout.session.async_payment_succeeded", held, payment_intent="pi_pix"
    )
    deliver(world, succeeded)
    assert world.row(held).facts.payment_status == "paid"


@pytest.mark.parametrize(
    ("event_type", "payment_status"),
    [("checkout.session.expired", "none"), ("checkout.session.async_payment_failed", "failed")],
)
def test_a_session_that_expired_or_whose_payment_failed_releases_the_hold(
    world: World, event_type: str, payment_status: str
) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    deliver(world, session_event("evt_x", event_type, held))
    row = world.row(held)
    assert (row.facts.status, row.facts.payment_status) == ("cancelled", payment_status)
    assert world.state.events["evt_x"].outcome == "released"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body: (body + b" ", sign(body)),  # a byte more than was signed
        lambda body: (body, sign(body, secret="whsec_someone_else")),
        lambda body: (body, sign(body, signed_at=NOW.timestamp() - 301)),  # too old
        lambda body: (body, ""),
    ],
)
def test_a_body_not_signed_by_stripe_just_now_changes_nothing(world: World, tamper: Any) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    body, signature = tamper(
        session_event("evt_paid", "checkout.session.completed", held, payment_status="paid")
    )
    before = world.state.copy()
    attempts = world.uow.attempts
    with pytest.raises(ValidationFailed):
        deliver(world, body, signature)
    assert world.state == before
    assert world.uow.attempts == attempts


def test_an_event_type_not_acted_on_is_acknowledged_and_forgotten(world: World) -> None:
    assert deliver(world, event("evt_pi", "payment_intent.created", {"id": "pi_1"})) == {
        "received": True
    }
    assert world.state.events == {}
    assert (world.uow.reads, world.uow.attempts) == (0, 0)


def subscription(pro: ProfessionalRow, *, price: str = "price_pro") -> dict[str, Any]:
    return {
        "id": "sub_1",
        "object": "subscription",
        "customer": "cus_1",
        "status": "active",
        "created": int(NOW.timestamp()) - 60,
        "cancel_at_period_end": False,
        "items": {
            "data": [
                {"price": {"id": price}, "current_period_end": int(NOW.timestamp()) + 30 * 86400}
            ]
        },
        "metadata": {"professional_id": str(pro.id)},
    }


def test_a_subscription_event_applies_the_state_fetched_from_stripe_and_lifts_the_caps() -> None:
    world = make_world(payment_at_booking=False)
    for i in range(10):
        world.state.add_client(world.pro.id, name=f"C {i}", phone=f"+551190000{i:04d}", email=None)
    booking = BookingDependencies(uow=world.uow, limiter=AllowAll(), clock=world.clock)
    body = {
        "slug": "dra-carla",
        "startsAt": at(MONDAY, "09:00").isoformat(),
        "clientName": "Maria Silva",
        "clientPhone": "+5511987654321",
    }
    with pytest.raises(PlanLimitReached):
        create_booking(booking, body, source_ip="203.0.113.7")

    world.stripe.subscriptions["sub_1"] = subscription(world.pro)
    # The event's own copy is stale; the state comes from Stripe.
    stale = {"id": "sub_1", "status": "incomplete"}
    assert deliver(world, event("evt_sub", "customer.subscription.updated", stale)) == {
        "received": True
    }
    billing = world.state.professionals[world.pro.id].billing
    assert (billing.plan, billing.subscription_status, billing.subscription_id) == (
        "pro",
        "active",
        "sub_1",
    )
    assert world.state.professionals[world.pro.id].stripe_customer_id == "cus_1"
    assert world.state.events["evt_sub"].outcome == "applied"
    # The refusal told the professional of the cap; the subscription, of the new plan.
    assert {(p["template"], p["audience"]) for p in world.uow.queue.payloads} == {
        ("plan_limit_reached", "professional"),
        ("plan_activated", "professional"),
    }
    assert create_booking(booking, body, source_ip="203.0.113.7")["status"] == (
        "pending_confirmation"
    )
    # Delivered again: known before anything is fetched from Stripe.
    assert deliver(world, event("evt_sub", "customer.subscription.updated", stale)) == {
        "received": True,
        "duplicate": True,
    }
    assert len(world.stripe.called("subscription")) == 1


def test_a_subscription_that_cannot_be_fetched_or_priced_is_left_for_stripe_to_retry(
    world: World,
) -> None:
    body = event("evt_sub", "customer.subscription.updated", {"id": "sub_1"})
    world.stripe.subscriptions["sub_1"] = subscription(world.pro, price="price_unknown")
    with pytest.raises(UnknownPrice):
        deliver(world, body)
    world.stripe.fail()
    with pytest.raises(ServiceUnavailable):
        deliver(world, body)
    assert world.state.events == {}
    assert world.state.professionals[world.pro.id].billing.plan == "free"


def test_a_failing_invoice_retried_by_stripe_tells_the_professional_once() -> None:
    world = make_world(payment_at_booking=False)
    pro = world.pro
    world.state.professionals[pro.id] = replace(
        pro,
        stripe_customer_id="cus_1",
        billing=replace(
            pro.billing,
            plan="pro",
            subscription_id="sub_1",
            subscription_status="active",
            subscription_created=NOW - timedelta(days=40),
        ),
    )
    world.stripe.subscriptions["sub_1"] = {**subscription(pro), "status": "past_due"}
    invoice = {"id": "in_1", "object": "invoice", "subscription": "sub_1"}
    for event_id in ("evt_fail_1", "evt_fail_2"):  # Stripe's retries of the same invoice
        deliver(world, event(event_id, "invoice.payment_failed", invoice))
    billing = world.state.professionals[pro.id].billing
    assert (billing.subscription_status, billing.past_due_since) == ("past_due", NOW)
    assert [(p["template"], p["channel"]) for p in world.uow.queue.payloads] == [
        ("payment_failed", "whatsapp"),
        ("payment_failed", "email"),
    ]
    assert {e.outcome for e in world.state.events.values()} == {"applied", "unchanged"}
