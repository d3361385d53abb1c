"""Payment at booking and the effective plan, end to end: bookings through the gateway, Checkout
in the Stripe stand-in, its events back through the webhook, the hold sweep on its schedule."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import BookingCreated
from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer, patch
from tests.conftest import MakeProfessional, PayingProfessional, Professional, next_weekday, rows
from tests.e2e.test_booking_api import appointments_of, assert_error, book, booking_body

pytestmark = pytest.mark.e2e


def free_times(api: str, pro: Professional, day: Any) -> set[str]:
    answer = requests.get(
        f"{api}/api/booking", params={"slug": pro.slug, "date": day.isoformat()}, timeout=30
    )
    assert answer.status_code == 200
    return {slot["time"] for d in answer.json()["days"] for slot in d["slots"]}


def the_appointment(db: pg8000.native.Connection, pro: Professional) -> dict[str, Any]:
    (row,) = appointments_of(db, pro)
    return row


def outbox(db: pg8000.native.Connection, appointment_id: Any) -> set[tuple[str, str, str]]:
    return {
        (r["payload"]["template"], r["payload"]["audience"], r["payload"]["channel"])
        for r in rows(
            db,
            "SELECT payload FROM notification_outbox WHERE message_key LIKE :key",
            key=f"{appointment_id}:%",
        )
    }


def session_of(stack: LocalStack, appointment_id: Any) -> Any:
    (sent,) = [
        r
        for r in stack.stripe.requests("/v1/checkout/sessions")
        if r.method == "POST"
        and r.params.get("metadata", {}).get("appointment_id") == str(appointment_id)
    ]
    return sent


def hold(api: str, pro: Professional, day: Any, time: str = "09:00") -> dict[str, Any]:
    answer = book(api, booking_body(pro, pro.at(day, time)))
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    BookingCreated.model_validate(body)
    assert body["status"] == "pending_payment"
    return body


def session_id(body: dict[str, Any]) -> str:
    return str(body["checkoutUrl"].rsplit("/", 1)[-1])


# -- paid -------------------------------------------------------------------------------------


def test_a_paid_booking_goes_from_held_to_awaiting_confirmation(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    day = next_weekday(1)
    started = datetime.now(UTC)
    body = hold(api, pro, day)
    held = the_appointment(db, pro)
    assert (held["status"], held["payment_status"]) == ("pending_payment", "pending")
    assert held["amount_due"] == Decimal("150.00")
    expires = datetime.fromisoformat(body["paymentExpiresAt"])
    assert held["payment_expires_at"] == expires
    assert timedelta(minutes=30) < expires - started < timedelta(minutes=32)
    # The held slot is not offered to anyone else.
    assert "09:00" not in free_times(api, pro, day)
    # What Stripe was asked for.
    sent = session_of(stack, held["id"])
    assert sent.params["mode"] == "payment"
    # Form-encoded, as the library sends it: every value a string.
    assert sent.params["line_items"][0]["price_data"]["unit_amount"] == "15000"
    assert sent.params["line_items"][0]["price_data"]["currency"] == "brl"
    assert sent.params["payment_method_types"] == ["card", "pix"]
    assert int(sent.params["expires_at"]) == int(expires.timestamp())
    assert sent.params["payment_intent_data"]["metadata"]["appointment_id"] == str(held["id"])
    assert sent.idempotency_key == f"appointment-{held['id']}"
    assert held["stripe_checkout_session_id"] == session_id(body)
    # Only the way to pay went out; the professional hears of it once it is paid.
    assert outbox(db, held["id"]) == {
        ("payment_pending", "client", "whatsapp"),
        ("payment_pending", "client", "email"),
    }
    assert rows(db, "SELECT 1 FROM notifications WHERE professional_id = :p", p=pro.id) == []

    events = stack.stripe.pay_checkout(session_id(body))
    assert [e["type"] for e in events] == ["checkout.session.completed"]
    paid = the_appointment(db, pro)
    assert (paid["status"], paid["payment_status"]) == ("pending_confirmation", "paid")
    assert paid["stripe_payment_intent_id"].startswith("pi_")
    assert paid["paid_at"] is not None
    assert outbox(db, paid["id"]) >= {
        ("booking_request", "professional", "whatsapp"),
        ("booking_received", "client", "whatsapp"),
        ("payment_received", "client", "whatsapp"),
        ("payment_received", "client", "email"),
    }
    (audit,) = rows(db, "SELECT * FROM appointment_changes WHERE appointment_id = :a", a=paid["id"])
    assert (audit["action"], audit["actor_role"]) == ("paid", "system")
    assert audit["actor_id"] == f"stripe:{events[0]['id']}"
    # The same event again changes nothing.
    assert stack.stripe.deliver(events[0]) == 200
    assert (
        len(rows(db, "SELECT 1 FROM appointment_changes WHERE appointment_id = :a", a=paid["id"]))
        == 1
    )


def test_auto_confirming_professional_gets_a_confirmed_booking_once_paid(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    body = hold(api, pro, next_weekday(2))
    stack.stripe.pay_checkout(session_id(body))
    paid = the_appointment(db, pro)
    assert (paid["status"], paid["payment_status"]) == ("confirmed", "paid")
    assert ("booking_confirmed", "client", "whatsapp") in outbox(db, paid["id"])


def test_pix_is_confirmed_when_the_money_arrives_not_when_the_session_completes(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    body = hold(api, pro, next_weekday(3))
    first = stack.stripe.pay_checkout(session_id(body), async_payment=True)
    assert [e["type"] for e in first] == ["checkout.session.completed"]
    assert the_appointment(db, pro)["status"] == "pending_payment"
    settled = stack.stripe.pay_checkout(session_id(body))
    assert [e["type"] for e in settled] == ["checkout.session.async_payment_succeeded"]
    paid = the_appointment(db, pro)
    assert (paid["status"], paid["payment_status"]) == ("pending_confirmation", "paid")


# -- not paid ---------------------------------------------------------------------------------


def test_an_abandoned_checkout_frees_the_slot(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    day = next_weekday(1)
    body = hold(api, pro, day, "10:00")
    assert "10:00" not in free_times(api, pro, day)
    stack.stripe.expire_checkout(session_id(body))
    released = the_appointment(db, pro)
    assert (released["status"], released["payment_status"]) == ("cancelled", "none")
    assert "10:00" in free_times(api, pro, day)
    # Someone else books the freed time.
    again = book(api, booking_body(pro, pro.at(day, "10:00"), clientPhone="+5511955551234"))
    assert again.status_code == 201, again.text


def test_the_sweep_frees_holds_whose_expiry_event_never_came(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    day = next_weekday(4)
    hold(api, pro, day, "11:00")
    held = the_appointment(db, pro)
    # Still inside its hold: the sweep leaves it.
    assert requests.post(f"{api}/_local/schedules/PaymentHolds", timeout=30).status_code == 200
    assert the_appointment(db, pro)["status"] == "pending_payment"
    db.run(
        "UPDATE appointments SET payment_expires_at = now() - interval '3 minutes' WHERE id = :a",
        a=held["id"],
    )
    answer = requests.post(f"{api}/_local/schedules/PaymentHolds", timeout=30)
    assert answer.status_code == 200
    assert answer.json()["result"]["released"] >= 1
    released = the_appointment(db, pro)
    assert released["status"] == "cancelled"
    (audit,) = rows(db, "SELECT * FROM appointment_changes WHERE appointment_id = :a", a=held["id"])
    assert (audit["action"], audit["actor_id"]) == ("expire", "job:payment_holds")
    assert "11:00" in free_times(api, pro, day)


def test_a_payment_after_release_reinstates_the_booking_when_the_time_is_free(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    body = hold(api, pro, next_weekday(5), "14:00")
    held = the_appointment(db, pro)
    db.run(
        "UPDATE appointments SET payment_expires_at = now() - interval '3 minutes' WHERE id = :a",
        a=held["id"],
    )
    requests.post(f"{api}/_local/schedules/PaymentHolds", timeout=30)
    assert the_appointment(db, pro)["status"] == "cancelled"
    stack.stripe.pay_checkout(session_id(body))
    back = the_appointment(db, pro)
    assert (back["status"], back["payment_status"]) == ("pending_confirmation", "paid")


def test_a_payment_after_release_is_refunded_when_the_time_was_taken(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    day = next_weekday(1, after_days=9)
    body = hold(api, pro, day, "15:00")
    first = the_appointment(db, pro)
    # The sweep releases the hold (its expiry passed, Stripe's event has not come) ...
    db.run(
        "UPDATE appointments SET payment_expires_at = now() - interval '3 minutes' WHERE id = :a",
        a=first["id"],
    )
    requests.post(f"{api}/_local/schedules/PaymentHolds", timeout=30)
    # ... another client takes the time ...
    taken = book(api, booking_body(pro, pro.at(day, "15:00"), clientPhone="+5511955554321"))
    assert taken.status_code == 201, taken.text
    # ... and then the first client's payment, made in the session's last moment, is reported.
    stack.stripe.pay_checkout(session_id(body))
    late = rows(db, "SELECT * FROM appointments WHERE id = :a", a=first["id"])[0]
    assert (late["status"], late["payment_status"]) == ("cancelled", "refunded")
    (refund,) = [
        r
        for r in stack.stripe.requests("/v1/refunds")
        if r.params["payment_intent"] == late["stripe_payment_intent_id"]
    ]
    assert refund.idempotency_key == f"refund-{first['id']}"
    assert stack.stripe.object(late["stripe_payment_intent_id"])["amount_refunded"] == 15000
    # The other client's booking is untouched.
    others = [a for a in appointments_of(db, pro) if a["id"] != first["id"]]
    assert [a["status"] for a in others] == ["pending_payment"]


def test_a_payment_for_a_booking_the_professional_rejected_is_refunded(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    body = hold(api, pro, next_weekday(2, after_days=9), "16:00")
    held = the_appointment(db, pro)
    answer = patch(api, held["id"], {"action": "reject"}, bearer(stack, pro.user_id))
    assert answer.status_code == 200, answer.text
    stack.stripe.pay_checkout(session_id(body))
    late = the_appointment(db, pro)
    # The rejection stands; the money goes back.
    assert (late["status"], late["payment_status"]) == ("rejected", "refunded")
    assert [r.params["payment_intent"] for r in stack.stripe.requests("/v1/refunds")].count(
        late["stripe_payment_intent_id"]
    ) == 1


# -- failures and races -----------------------------------------------------------------------


def test_stripe_down_at_booking_writes_nothing(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    stack.stripe.fail_next(3, status=500)
    answer = book(api, booking_body(pro, pro.at(next_weekday(2), "09:00")))
    assert_error(answer, 503, "SERVICE_UNAVAILABLE")
    assert int(answer.headers["retry-after"]) >= 1
    assert appointments_of(db, pro) == []
    assert rows(db, "SELECT 1 FROM clients WHERE professional_id = :p", p=pro.id) == []


def test_concurrent_bookings_of_one_paid_slot_hold_it_once(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    starts = pro.at(next_weekday(3, after_days=5), "16:00")

    def attempt(i: int) -> requests.Response:
        return book(api, booking_body(pro, starts, clientPhone=f"+55119555{i:05d}"))

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(attempt, range(12)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) == 1, [a.text for a in answers]
    assert set(statuses) == {201, 409}
    (held,) = appointments_of(db, pro)
    assert held["status"] == "pending_payment"
    # Every session opened for a request that lost the race was expired: only the winner's
    # session can be paid.
    opened = [
        r
        for r in stack.stripe.requests("/v1/checkout/sessions")
        if r.path == "/v1/checkout/sessions"
        and r.params.get("metadata", {}).get("professional_id") == str(pro.id)
    ]
    expired = {
        r.path.split("/")[4]
        for r in stack.stripe.requests("/v1/checkout/sessions/")
        if r.path.endswith("/expire")
    }
    mine = {
        sid
        for sid in expired
        if stack.stripe.object(sid)["metadata"]["professional_id"] == str(pro.id)
    }
    assert held["stripe_checkout_session_id"] not in mine
    assert len(mine) == len(opened) - 1


# -- the effective plan -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "past_due_days", "trial_days", "allowed"),
    [
        ("active", None, None, True),
        ("past_due", 2, None, True),  # within the grace period
        ("past_due", 8, None, False),  # grace over: the free plan's limits
        ("canceled", None, None, False),
        ("none", None, 5, True),  # the sign-up trial
        ("none", None, -1, False),  # the trial ended
    ],
)
def test_the_effective_plan_sets_the_booking_limits(
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    status: str,
    past_due_days: int | None,
    trial_days: int | None,
    allowed: bool,
) -> None:
    pro = make_professional(plan="pro", windows=tuple((d, "06:00", "23:00") for d in range(7)))
    db.run(
        "UPDATE professionals SET subscription_status = :s,"
        " past_due_since = now() - CAST(:pd AS integer) * interval '1 day',"
        " trial_ends_at = now() + CAST(:td AS integer) * interval '1 day' WHERE id = :id",
        s=status,
        pd=past_due_days,
        td=trial_days,
        id=pro.id,
    )
    for i in range(10):  # the free plan's client cap
        db.run(
            "INSERT INTO clients (professional_id, name, phone) VALUES (:p, :n, :ph)",
            p=pro.id,
            n=f"Client {i}",
            ph=f"+551190001{i:04d}",
        )
    answer = book(api, booking_body(pro, pro.at(next_weekday(2), "06:00")))
    if allowed:
        assert answer.status_code == 201, answer.text
    else:
        assert_error(answer, 403, "PLAN_LIMIT_REACHED")
