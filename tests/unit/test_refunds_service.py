"""Money back and word of it, on the in-memory fakes: a paid session that a change ends is
refunded through Stripe in the change's transaction (or not, when the professional counts the
cancellation late), recorded and told; a refund made in Stripe's dashboard shows too; a paid
booking reaches the professional in the app and invites the client to register."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from agenda.domain.errors import Forbidden, ServiceUnavailable
from agenda.service import guest, payments
from agenda.service.appointments import AppointmentsDependencies, change_as_user
from tests.fakes import FakeStores, FakeStripe
from tests.unit.test_payments_service import LINKS, MONDAY, PRO_USER, World, at, make_world

pytestmark = pytest.mark.unit


def appointments(world: World) -> AppointmentsDependencies:
    return AppointmentsDependencies(
        uow=world.uow, links=LINKS, clock=world.clock, stripe=world.stripe
    )


def paid_booking(world: World, hhmm: str = "09:00") -> Any:
    held = world.hold(at(MONDAY, hhmm))
    assert world.settle(held) == "paid"
    return world.row(held)


def cancel(world: World, row: Any, user: str = PRO_USER, **body: Any) -> dict[str, Any]:
    return change_as_user(
        appointments(world), str(row.id), {"action": "cancel", **body}, user_id=user
    )


@pytest.fixture
def world() -> World:
    return make_world(auto_confirm=True)


def test_a_professional_cancelling_a_paid_session_refunds_records_and_tells_the_client(
    world: World,
) -> None:
    row = paid_booking(world)
    before = len(world.uow.queue.sent)
    answer = cancel(world, row, reason="Imprevisto")
    assert (answer["status"], answer["paymentStatus"]) == ("cancelled", "refunded")
    assert world.stripe.called("refund") == [
        {"payment_intent": "pi_test_1", "appointment_id": row.id}
    ]
    after = world.row(row)
    assert after.refund_id == world.stripe.refunds["pi_test_1"]
    assert after.refunded_amount == Decimal("150.00")
    audit = world.state.changes_of(row.id)[-1]
    assert (audit.action, audit.from_payment_status, audit.to_payment_status) == (
        "cancel",
        "paid",
        "refunded",
    )
    assert world.sent_since(before) == {
        ("cancelled_by_professional", "client", "whatsapp"),
        ("cancelled_by_professional", "client", "email"),
        ("payment_refunded", "client", "whatsapp"),
        ("payment_refunded", "client", "email"),
    }


def test_a_late_cancellation_keeps_the_money_and_says_so(world: World) -> None:
    row = paid_booking(world)
    before = len(world.uow.queue.sent)
    answer = cancel(world, row, lateCancellation=True)
    assert (answer["status"], answer["paymentStatus"]) == ("cancelled", "paid")
    assert world.stripe.called("refund") == []
    assert world.row(row).late_cancellation is True
    told = list(world.uow.queue.payloads[before:])
    assert {p["template"] for p in told} == {"cancelled_by_professional"}
    assert {p["params"]["refund"] for p in told} == {"kept"}


def test_a_client_cancelling_a_paid_session_in_time_gets_the_money_back(world: World) -> None:
    row = paid_booking(world)
    token = LINKS.token(row.id, row.facts.ends_at)
    answer = guest.cancel(appointments(world), str(row.id), {"token": token})
    assert (answer["status"], answer["paymentStatus"]) == ("cancelled", "refunded")
    assert len(world.stripe.called("refund")) == 1
    notices = [n for n in world.state.notifications if n.type == "cancelled_by_client"]
    assert len(notices) == 1
    assert "devolvido" in notices[0].body


def test_the_guest_view_announces_the_refund_the_cancel_then_makes(world: World) -> None:
    row = paid_booking(world)
    token = LINKS.token(row.id, row.facts.ends_at)
    policy = guest.view(appointments(world), str(row.id), token)["policy"]
    assert (policy["refundOnCancel"], policy["refundAmount"], policy["refundCurrency"]) == (
        "full",
        150.0,
        "BRL",
    )
    guest.cancel(appointments(world), str(row.id), {"token": token})
    assert world.row(row).refunded_amount == Decimal(str(policy["refundAmount"]))
    # Cancelled, nothing more can be given back.
    after = guest.view(appointments(world), str(row.id), token)["policy"]
    assert (after["canCancel"], after["refundOnCancel"], after["refundAmount"]) == (
        False,
        "none",
        None,
    )


def test_the_guest_view_of_a_payment_taken_by_hand_announces_no_refund(world: World) -> None:
    client = world.state.add_client(world.pro.id)
    appointment = world.state.add_appointment(
        world.pro.id, client, at(MONDAY, "11:00"), payment_status="paid"
    )
    token = LINKS.token(appointment, at(MONDAY, "11:50"))
    policy = guest.view(appointments(world), str(appointment), token)["policy"]
    assert (policy["canCancel"], policy["refundOnCancel"]) == (True, "none")


def test_rejecting_a_paid_request_always_refunds() -> None:
    world = make_world()  # the professional confirms by hand
    row = paid_booking(world)
    assert row.facts.status == "pending_confirmation"
    answer = change_as_user(
        appointments(world), str(row.id), {"action": "reject"}, user_id=PRO_USER
    )
    assert (answer["status"], answer["paymentStatus"]) == ("rejected", "refunded")


def test_stripe_down_refuses_the_cancel_and_changes_nothing(world: World) -> None:
    row = paid_booking(world)
    before = world.state.copy()
    queued = len(world.uow.queue.sent)
    world.stripe.fail()
    with pytest.raises(ServiceUnavailable):
        cancel(world, row)
    assert world.state == before
    assert len(world.uow.queue.sent) == queued
    world.stripe.fail(False)
    assert cancel(world, row)["paymentStatus"] == "refunded"


def test_a_payment_taken_by_hand_is_not_refunded_through_stripe(world: World) -> None:
    client = world.state.add_client(world.pro.id)
    appointment = world.state.add_appointment(
        world.pro.id, client, at(MONDAY, "11:00"), payment_status="paid"
    )
    answer = change_as_user(
        appointments(world), str(appointment), {"action": "cancel"}, user_id=PRO_USER
    )
    assert (answer["status"], answer["paymentStatus"]) == ("cancelled", "paid")
    assert world.stripe.called("refund") == []


def test_a_client_cancelling_a_hold_closes_its_checkout_and_the_professional_hears_nothing(
    world: World,
) -> None:
    held = world.hold(at(MONDAY, "09:00"))
    before = len(world.uow.queue.sent)
    token = LINKS.token(held.id, held.facts.ends_at)
    guest.cancel(appointments(world), str(held.id), {"token": token})
    assert world.stripe.expired == [held.checkout_session_id]
    assert {who for _, who, _ in world.sent_since(before)} == {"client"}
    assert world.state.notifications == []


def test_a_refusal_by_the_policy_offers_the_contact_the_professional_published() -> None:
    world = make_world(auto_confirm=True)
    client = world.state.add_client(world.pro.id)
    soon = world.state.add_appointment(
        world.pro.id, client, world.clock() + timedelta(hours=3), status="confirmed"
    )
    token = LINKS.token(soon, world.state.appointments[soon].facts.ends_at)
    with pytest.raises(Forbidden) as refused:
        guest.cancel(appointments(world), str(soon), {"token": token})
    assert "contact the professional" in refused.value.message
    assert refused.value.contact is None  # nothing published: nothing private offered
    world.state.professionals[world.pro.id] = replace_contact(world, "https://wa.me/5511999990000")
    with pytest.raises(Forbidden) as refused:
        guest.cancel(appointments(world), str(soon), {"token": token})
    assert refused.value.contact == "https://wa.me/5511999990000"


def replace_contact(world: World, contact: str) -> Any:
    return replace(world.state.professionals[world.pro.id], public_contact=contact)


# -- paid, and refunded in Stripe ---------------------------------------------------------------


def test_a_paid_booking_tells_the_professional_in_the_app_and_invites_the_client(
    world: World,
) -> None:
    row = paid_booking(world)
    (notice,) = world.state.notifications
    assert (notice.type, notice.data) == ("booking_request", {"appointmentId": str(row.id)})
    assert "pagou" in notice.body
    confirmed = [p for p in world.uow.queue.payloads if p["template"] == "booking_confirmed"]
    assert confirmed
    assert all("registerUrl" in p["params"] for p in confirmed)


def refunded_in_stripe(world: World, amount: int, event: str = "evt_refund") -> str:
    def work(stores: FakeStores) -> str:
        return payments.record_refund(
            world.payment_deps,
            stores,
            "pi_test_1",
            amount_refunded=amount,
            actor_id=f"stripe:{event}",
        )

    return world.uow.run(work)


def test_a_refund_made_in_stripes_dashboard_is_recorded_told_and_noticed(world: World) -> None:
    row = paid_booking(world)
    before = len(world.uow.queue.sent)
    assert refunded_in_stripe(world, 5000) == "partially_refunded"
    assert world.row(row).facts.payment_status == "paid"
    assert world.row(row).refunded_amount == Decimal("50.00")
    assert refunded_in_stripe(world, 15000, "evt_refund_2") == "refunded"
    after = world.row(row)
    assert (after.facts.status, after.facts.payment_status) == ("confirmed", "refunded")
    assert after.refunded_amount == Decimal("150.00")
    assert [c.action for c in world.state.changes_of(row.id)][-2:] == ["refund", "refund"]
    receipts = [p for p in world.uow.queue.payloads[before:] if p["channel"] == "whatsapp"]
    assert [p["params"]["amount"] for p in receipts] == ["50.00", "150.00"]
    refunds = [n for n in world.state.notifications if n.type == "payment_refunded"]
    assert len(refunds) == 2
    # The same report again changes nothing.
    assert refunded_in_stripe(world, 15000, "evt_refund_3") == "already_refunded"


def test_stripes_report_of_a_refund_made_here_changes_nothing(world: World) -> None:
    row = paid_booking(world)
    cancel(world, row)
    queued = len(world.uow.queue.sent)
    assert refunded_in_stripe(world, 15000) == "already_refunded"
    assert len(world.uow.queue.sent) == queued


def test_a_refund_of_an_unknown_payment_is_acknowledged() -> None:
    world = make_world()
    assert refunded_in_stripe(world, 100) == "appointment_not_found"


def test_a_refund_already_made_in_stripe_when_the_professional_cancels_is_not_an_error(
    world: World,
) -> None:
    row = paid_booking(world)
    world.stripe = AlreadyRefunded()
    answer = cancel(world, row)
    assert answer["paymentStatus"] == "refunded"
    assert world.row(row).refund_id is None


class AlreadyRefunded(FakeStripe):
    def refund(self, payment_intent: str, *, appointment_id: Any) -> str | None:
        return None
