"""Who gets their money back when a paid session ends (DESIGN.md, late cancellation), and what
the professional is told in the app about changes they did not make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from agenda.domain.appointment_messages import MessageContext, messages_for
from agenda.domain.errors import Forbidden, ValidationFailed
from agenda.domain.lifecycle import (
    Appointment,
    Policy,
    decide,
    refund_due,
    refund_reported,
)
from agenda.domain.messages import Party
from agenda.domain.notices import change_notices, plan_limit
from tests.unit.test_lifecycle import context as lifecycle_context

pytestmark = pytest.mark.unit

STARTS = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(minutes=50)
BEFORE = STARTS - timedelta(hours=72)
POLICY = Policy()
ID = UUID("0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30")


def paid(status: str = "confirmed", payment: str = "paid") -> Appointment:
    return Appointment(status, payment, STARTS, ENDS, 2)


@pytest.mark.parametrize(
    ("status", "action", "role", "late", "refunded"),
    [
        ("confirmed", "cancel", "client", False, True),  # in time: the client gets it back
        ("confirmed", "cancel", "professional", False, True),  # the default: not late
        ("confirmed", "cancel", "professional", True, False),  # counted late: kept
        ("pending_confirmation", "reject", "professional", False, True),  # always returned
        ("pending_confirmation", "cancel", "client", False, True),
    ],
)
def test_ending_a_paid_session_refunds_it_unless_the_professional_counts_it_late(
    status: str, action: str, role: str, late: bool, refunded: bool
) -> None:
    change = decide(
        paid(status),
        action,
        role=role,  # type: ignore[arg-type]
        policy=POLICY,
        now=BEFORE,
        late_cancellation=late,
    )
    assert refund_due(change) is refunded
    assert change.late_cancellation is late


@pytest.mark.parametrize("payment", ["none", "pending", "failed", "refunded"])
def test_nothing_is_refunded_that_was_not_paid(payment: str) -> None:
    change = decide(paid(payment=payment), "cancel", role="client", policy=POLICY, now=BEFORE)
    assert not refund_due(change)


@pytest.mark.parametrize("action", ["reschedule", "complete", "paid", "no_show"])
def test_a_change_that_does_not_end_the_session_refunds_nothing(action: str) -> None:
    appointment = paid(payment="none" if action == "paid" else "paid")
    change = decide(
        appointment,
        action,
        role="professional",
        policy=POLICY,
        now=STARTS + timedelta(minutes=5) if action in ("complete", "no_show") else BEFORE,
        new_range=(STARTS + timedelta(days=1), ENDS + timedelta(days=1)),
    )
    assert not refund_due(change)


def test_only_the_professional_counts_a_cancellation_late() -> None:
    with pytest.raises(Forbidden, match="Only the professional"):
        decide(paid(), "cancel", role="client", policy=POLICY, now=BEFORE, late_cancellation=True)


def test_only_a_cancellation_can_be_late() -> None:
    with pytest.raises(ValidationFailed) as refused:
        decide(
            paid("pending_confirmation"),
            "reject",
            role="professional",
            policy=POLICY,
            now=BEFORE,
            late_cancellation=True,
        )
    assert refused.value.fields == {"lateCancellation": "applies only to the cancel action"}


def test_a_refund_made_in_stripe_keeps_the_status_and_marks_a_whole_refund() -> None:
    whole = refund_reported(paid(), full=True)
    assert whole is not None
    assert (whole.action, whole.role) == ("refund", "system")
    assert (whole.after.status, whole.after.payment_status) == ("confirmed", "refunded")
    part = refund_reported(paid(), full=False)
    assert part is not None
    assert part.after.payment_status == "paid"
    assert refund_reported(paid(payment="refunded"), full=True) is None
    assert refund_reported(paid(payment="none"), full=True) is None


# -- what is said -----------------------------------------------------------------------------

CLIENT = Party("Maria Silva", "+5511987654321", "maria@example.com")


def context(**overrides: object) -> MessageContext:
    # A client with both channels: the refund receipt goes to each.
    return lifecycle_context(client=CLIENT, register_url=None, **overrides)


def test_a_refunded_cancellation_says_so_and_sends_the_receipt_once_per_amount() -> None:
    change = decide(paid(), "cancel", role="professional", policy=POLICY, now=BEFORE)
    found = messages_for(
        change, context(refund="refunded", refunded_amount=Decimal("150.00"), currency="BRL")
    )
    cancelled = [m for m in found if m["template"] == "cancelled_by_professional"]
    assert {m["params"]["refund"] for m in cancelled} == {"refunded"}
    receipts = [m for m in found if m["template"] == "payment_refunded"]
    assert {m["channel"] for m in receipts} == {"whatsapp", "email"}
    assert {m["params"]["amount"] for m in receipts} == {"150.00"}
    # The version is the amount in cents: Stripe's later report of this refund is the same key.
    assert {m["messageKey"] for m in receipts} == {
        f"{ID}:15000:payment_refunded:whatsapp:client",
        f"{ID}:15000:payment_refunded:email:client",
    }


def test_a_late_cancellation_tells_the_client_the_money_is_kept() -> None:
    change = decide(
        paid(), "cancel", role="professional", policy=POLICY, now=BEFORE, late_cancellation=True
    )
    found = messages_for(change, context(refund="kept"))
    assert [m["template"] for m in found] == ["cancelled_by_professional"] * 2
    assert {m["params"]["refund"] for m in found} == {"kept"}


def test_the_professional_hears_in_the_app_of_what_a_client_changed_and_nothing_else() -> None:
    cancel = decide(paid(), "cancel", role="client", policy=POLICY, now=BEFORE)
    (notice,) = change_notices(
        cancel, ID, "Maria Silva", "America/Sao_Paulo", refunded=True, locale="pt-BR"
    )
    assert notice.type == "cancelled_by_client"
    assert "Maria Silva cancelou" in notice.body
    assert "devolvido" in notice.body
    move = decide(
        paid(),
        "reschedule",
        role="client",
        policy=POLICY,
        now=BEFORE,
        new_range=(STARTS + timedelta(days=1), ENDS + timedelta(days=1)),
    )
    (moved,) = change_notices(
        move, ID, "Maria Silva", "America/Sao_Paulo", refunded=False, locale="pt-BR"
    )
    assert moved.type == "rescheduled_by_client"
    assert moved.appointment_id == ID
    # The professional's own change, and a client's cancelled payment hold: nothing.
    own = decide(paid(), "cancel", role="professional", policy=POLICY, now=BEFORE)
    assert (
        change_notices(own, ID, "Maria Silva", "America/Sao_Paulo", refunded=True, locale="pt-BR")
        == []
    )
    hold = decide(
        paid("pending_payment", "pending"), "cancel", role="client", policy=POLICY, now=BEFORE
    )
    assert (
        change_notices(hold, ID, "Maria Silva", "America/Sao_Paulo", refunded=False, locale="pt-BR")
        == []
    )


def test_a_plan_limit_notice_is_keyed_by_limit_and_month() -> None:
    professional = UUID("11111111-2222-3333-4444-555555555555")
    december = plan_limit(professional, "clients", "2026-12", locale="pt-BR")
    assert december.key == f"plan_limit:{professional}:clients:2026-12"
    assert plan_limit(professional, "appointments", "2026-12", locale="pt-BR").key != december.key
    assert plan_limit(professional, "clients", "2027-01", locale="pt-BR").key != december.key
