"""Money returned when a paid session ends, end to end: bookings paid in the Stripe stand-in,
cancelled or rejected through the gateway, refunds asked of the stand-in and recorded, the
client told, the professional noticed in the app; a refund made in Stripe's dashboard arriving
as charge.refunded; a refusal that offers the contact the professional published."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from infra.local.stripe import signature_header
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    bearer,
    guest_post,
    guest_token,
    patch,
)
from tests.conftest import PayingProfessional, Professional, next_weekday, rows
from tests.e2e.test_payments import (
    hold,
    outbox,
    session_id,
    the_appointment,
)

pytestmark = pytest.mark.e2e


def paid_session(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional, when: str
) -> dict[str, Any]:
    body = hold(api, pro, next_weekday(3, after_days=7), when)
    stack.stripe.pay_checkout(session_id(body))
    row = the_appointment(db, pro)
    assert (row["status"], row["payment_status"]) == ("confirmed", "paid")
    return row


def refund_requests(stack: LocalStack, intent: str) -> list[Any]:
    return [
        r
        for r in stack.stripe.requests("/v1/refunds")
        if r.method == "POST" and r.params.get("payment_intent") == intent
    ]


def notices(db: pg8000.native.Connection, pro: Professional) -> list[str]:
    return [
        r["type"]
        for r in rows(
            db,
            "SELECT type FROM notifications WHERE professional_id = :p ORDER BY created_at, id",
            p=pro.id,
        )
    ]


def test_a_professional_cancelling_a_paid_session_refunds_it_in_stripe(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    paid = paid_session(api, stack, db, pro, "09:00")
    intent = paid["stripe_payment_intent_id"]
    answer = patch(api, paid["id"], {"action": "cancel"}, bearer(stack, pro.user_id))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["paymentStatus"]) == ("cancelled", "refunded")
    (request,) = refund_requests(stack, intent)
    assert request.idempotency_key == f"refund-{paid['id']}"
    assert stack.stripe.object(intent)["amount_refunded"] == 15000
    row = the_appointment(db, pro)
    assert row["payment_status"] == "refunded"
    assert row["stripe_refund_id"].startswith("re_")
    assert (row["refunded_amount"], row["late_cancellation"]) == (Decimal("150.00"), False)
    assert row["refunded_at"] is not None
    assert outbox(db, paid["id"]) >= {
        ("cancelled_by_professional", "client", "whatsapp"),
        ("payment_refunded", "client", "whatsapp"),
        ("payment_refunded", "client", "email"),
    }
    # Stripe then reports the refund it made: already recorded, nobody told twice.
    before = len(rows(db, "SELECT 1 FROM notification_outbox"))
    charge = stack.stripe.object(intent)["latest_charge"]
    assert deliver_refund(stack, intent, charge, 15000).status_code == 200
    assert len(rows(db, "SELECT 1 FROM notification_outbox")) == before
    assert notices(db, pro) == ["booking_request"]  # the paid booking's; the cancel was theirs


def test_a_late_cancellation_keeps_the_money(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    paid = paid_session(api, stack, db, pro, "10:00")
    answer = patch(
        api,
        paid["id"],
        {"action": "cancel", "lateCancellation": True},
        bearer(stack, pro.user_id),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["paymentStatus"] == "paid"
    assert refund_requests(stack, paid["stripe_payment_intent_id"]) == []
    row = the_appointment(db, pro)
    assert (row["status"], row["payment_status"], row["late_cancellation"]) == (
        "cancelled",
        "paid",
        True,
    )


def test_late_cancellation_is_the_professionals_word_and_only_of_a_cancel(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    paid = paid_session_pending(api, stack, db, pro)
    answer = patch(
        api,
        paid["id"],
        {"action": "reject", "lateCancellation": True},
        bearer(stack, pro.user_id),
    )
    assert answer.status_code == 400, answer.text
    # In the professional's language (Portuguese, the default); the field's name is the contract's.
    assert answer.json()["error"]["fields"] == {"lateCancellation": "vale só para a ação cancel"}
    wrong_type = patch(
        api,
        paid["id"],
        {"action": "cancel", "lateCancellation": "yes"},
        bearer(stack, pro.user_id),
    )
    assert wrong_type.status_code == 400, wrong_type.text
    assert the_appointment(db, pro)["status"] == "pending_confirmation"


def paid_session_pending(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> dict[str, Any]:
    body = hold(api, pro, next_weekday(3, after_days=7), "11:00")
    stack.stripe.pay_checkout(session_id(body))
    return the_appointment(db, pro)


def test_a_guest_cancelling_in_time_is_refunded_and_the_professional_noticed(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    paid = paid_session(api, stack, db, pro, "14:00")
    answer = guest_post(api, paid["id"], "cancel", {"token": guest_token(stack, paid["id"])})
    assert answer.status_code == 200, answer.text
    assert answer.json()["paymentStatus"] == "refunded"
    assert stack.stripe.object(paid["stripe_payment_intent_id"])["amount_refunded"] == 15000
    assert notices(db, pro) == ["booking_request", "cancelled_by_client"]
    assert outbox(db, paid["id"]) >= {
        ("cancellation_confirmed", "client", "whatsapp"),
        ("cancelled_by_client", "professional", "whatsapp"),
        ("payment_refunded", "client", "whatsapp"),
    }


def test_stripe_down_refuses_the_cancel_and_nothing_changes(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    paid = paid_session(api, stack, db, pro, "15:00")
    queued = outbox(db, paid["id"])
    stack.stripe.fail_next(3, status=500)
    answer = patch(api, paid["id"], {"action": "cancel"}, bearer(stack, pro.user_id))
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    row = the_appointment(db, pro)
    assert (row["status"], row["payment_status"]) == ("confirmed", "paid")
    assert outbox(db, paid["id"]) == queued
    assert stack.stripe.object(paid["stripe_payment_intent_id"])["amount_refunded"] == 0


def test_a_guest_and_the_professional_cancelling_together_refund_once(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    paid = paid_session(api, stack, db, pro, "16:00")
    token = guest_token(stack, paid["id"])
    headers = bearer(stack, pro.user_id)

    def attempt(who: int) -> requests.Response:
        if who % 2:
            return guest_post(api, paid["id"], "cancel", {"token": token})
        return patch(api, paid["id"], {"action": "cancel"}, headers)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(attempt, range(6)))
    assert sorted(a.status_code for a in answers) == [200] + [409] * 5
    # One refund asked (a retry of it would carry the same key), the money back once.
    assert len(refund_requests(stack, paid["stripe_payment_intent_id"])) == 1
    assert stack.stripe.object(paid["stripe_payment_intent_id"])["amount_refunded"] == 15000
    assert (
        len(
            rows(
                db,
                "SELECT 1 FROM appointment_changes WHERE appointment_id = :a AND action = 'cancel'",
                a=paid["id"],
            )
        )
        == 1
    )


# -- refunded in Stripe's dashboard ---------------------------------------------------------


def deliver_refund(stack: LocalStack, intent: str, charge: str, refunded: int) -> requests.Response:
    """charge.refunded, signed as Stripe signs it."""
    event = {
        "id": f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": "charge.refunded",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": charge,
                "object": "charge",
                "amount": 15000,
                "amount_refunded": refunded,
                "refunded": refunded >= 15000,
                "currency": "brl",
                "payment_intent": intent,
            }
        },
    }
    payload = json.dumps(event).encode()
    header = signature_header(payload, stack.keys["stripe_webhook"], int(time.time()))
    return requests.post(
        f"{stack.api_url}/api/stripe/webhook",
        data=payload,
        headers={"content-type": "application/json", "stripe-signature": header},
        timeout=30,
    )


def test_a_refund_made_in_stripe_shows_on_the_appointment(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    paid = paid_session(api, stack, db, pro, "17:00")
    intent = paid["stripe_payment_intent_id"]
    charge = stack.stripe.object(intent)["latest_charge"]
    assert deliver_refund(stack, intent, charge, 4000).status_code == 200
    partly = the_appointment(db, pro)
    assert (partly["payment_status"], partly["refunded_amount"]) == ("paid", Decimal("40.00"))
    assert deliver_refund(stack, intent, charge, 15000).status_code == 200
    whole = the_appointment(db, pro)
    assert (whole["status"], whole["payment_status"]) == ("confirmed", "refunded")
    audits = rows(
        db,
        "SELECT action, actor_role, reason FROM appointment_changes"
        " WHERE appointment_id = :a ORDER BY id",
        a=paid["id"],
    )
    assert [(a["action"], a["actor_role"]) for a in audits][-2:] == [
        ("refund", "system"),
        ("refund", "system"),
    ]
    assert notices(db, pro) == ["booking_request", "payment_refunded", "payment_refunded"]
    refunds = [
        r["payload"]["params"]["amount"]
        for r in rows(
            db,
            "SELECT payload FROM notification_outbox WHERE message_key LIKE :k ORDER BY id",
            k=f"{paid['id']}:%:payment_refunded:whatsapp:client",
        )
    ]
    assert refunds == ["40.00", "150.00"]


# -- a refusal with a way to reach the professional ----------------------------------------


def test_a_refusal_after_the_notice_offers_only_the_contact_the_professional_published(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    client = add_client(db, pro)
    soon = add_appointment(db, pro, client, datetime.now(UTC) + timedelta(hours=2))
    token = guest_token(stack, soon)
    refused = guest_post(api, soon, "cancel", {"token": token})
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert "Fale com o profissional" in error["message"]
    assert "contact" not in error  # nothing published: the private phone is never offered
    db.run(
        "UPDATE professionals SET public_contact = 'https://wa.me/5511999990000' WHERE id = :p",
        p=pro.id,
    )
    refused = guest_post(api, soon, "cancel", {"token": token})
    assert refused.json()["error"]["contact"] == "https://wa.me/5511999990000"
    with pytest.raises(pg8000.native.DatabaseError):
        db.run(
            "UPDATE professionals SET public_contact = 'javascript:alert(1)' WHERE id = :p",
            p=pro.id,
        )


def test_a_refund_in_the_stand_ins_dashboard_reaches_the_appointment_through_the_webhook(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    paid = paid_session(api, stack, db, pro, "11:00")
    (event,) = stack.stripe.refund_payment(paid["stripe_payment_intent_id"], 6000)
    assert event["type"] == "charge.refunded"
    partly = the_appointment(db, pro)
    assert (partly["payment_status"], partly["refunded_amount"]) == ("paid", Decimal("60.00"))
    stack.stripe.refund_payment(paid["stripe_payment_intent_id"])
    whole = the_appointment(db, pro)
    assert (whole["status"], whole["payment_status"]) == ("confirmed", "refunded")
    assert whole["refunded_amount"] == Decimal("150.00")
    assert notices(db, pro) == ["booking_request", "payment_refunded", "payment_refunded"]
    # Stripe's own retry of the event changes nothing more.
    assert stack.stripe.deliver(event) == 200
    assert the_appointment(db, pro)["refunded_amount"] == Decimal("150.00")
