"""Plans through Stripe, end to end: the checkout and portal routes against the Stripe stand-in,
and Stripe's events signed with Stripe's scheme and posted through the local gateway."""

from __future__ import annotations

import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from infra.local.stripe import signature_header
from tests.appointment_helpers import bearer
from tests.conftest import MakeProfessional, Professional, rows

WEBHOOK = "/api/stripe/webhook"


def checkout(api: str, stack: LocalStack, user_id: str, body: object) -> requests.Response:
    return requests.post(
        f"{api}/api/stripe/checkout", json=body, headers=bearer(stack, user_id), timeout=30
    )


def billing(db: pg8000.native.Connection, pro: Professional) -> dict[str, Any]:
    (row,) = rows(
        db,
        "SELECT plan, subscription_status, stripe_customer_id, stripe_subscription_id,"
        " past_due_since, subscription_cancel_at_period_end FROM professionals WHERE id = :id",
        id=pro.id,
    )
    return row


def queued(db: pg8000.native.Connection, pro: Professional, template: str) -> list[dict[str, Any]]:
    return [
        r["payload"]
        for r in rows(
            db,
            "SELECT payload FROM notification_outbox WHERE professional_id = :id"
            " AND payload ->> 'template' = :template ORDER BY id",
            id=pro.id,
            template=template,
        )
    ]


def processed(db: pg8000.native.Connection, event_id: str) -> list[dict[str, Any]]:
    return rows(db, "SELECT * FROM processed_stripe_events WHERE event_id = :id", id=event_id)


def post_event(
    api: str,
    payload: bytes,
    header: str | None,
    *,
    content_type: str = "application/json; charset=utf-8",
) -> requests.Response:
    headers = {"content-type": content_type}
    if header is not None:
        headers["stripe-signature"] = header
    return requests.post(f"{api}{WEBHOOK}", data=payload, headers=headers, timeout=30)


def post_signed(api: str, payload: bytes, secret: str) -> requests.Response:
    """Post a payload signed now, as Stripe would."""
    return post_event(api, payload, signature_header(payload, secret, int(time.time())))


def encoded(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def subscribe(
    api: str, stack: LocalStack, pro: Professional, plan: str = "pro", *, deliver: bool = False
) -> tuple[str, list[dict[str, Any]]]:
    """Checkout for `plan`, paid in the stand-in; the subscription id and its events."""
    answer = checkout(api, stack, pro.user_id, {"plan": plan})
    assert answer.status_code == 200, answer.text
    events = stack.stripe.pay_checkout(answer.json()["sessionId"], deliver=deliver)
    (created,) = [e for e in events if e["type"] == "customer.subscription.created"]
    return created["data"]["object"]["id"], events


@pytest.fixture
def pro(make_professional: MakeProfessional) -> Professional:
    return make_professional()


@pytest.fixture
def secret(stack: LocalStack) -> str:
    return stack.keys["stripe_webhook"]


# -- checkout and portal ---------------------------------------------------------------------


def test_checkout_creates_the_customer_once_and_a_session_for_the_plan_price(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    first = checkout(api, stack, pro.user_id, {"plan": "pro"})
    second = checkout(api, stack, pro.user_id, {"plan": "premium"})
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    assert first.headers["cache-control"] == "no-store"
    assert first.json()["url"].startswith(stack.stripe.url + "/pay/")
    customer = billing(db, pro)["stripe_customer_id"]
    assert customer is not None
    assert customer.startswith("cus_")

    mine = [
        r
        for r in stack.stripe.requests("/v1/")
        if r.params.get("metadata", {}).get("professional_id") == str(pro.id)
    ]
    creates = [r for r in mine if r.path == "/v1/customers"]
    sessions = [r for r in mine if r.path == "/v1/checkout/sessions"]
    assert len(creates) == 1
    assert str(creates[0].idempotency_key).startswith(f"customer-{pro.id}-")
    assert [s.params["line_items"][0]["price"] for s in sessions] == [
        "price_local_pro",
        "price_local_premium",
    ]
    for session in sessions:
        assert session.method == "POST"
        assert session.params["mode"] == "subscription"
        assert session.params["customer"] == customer
        assert session.params["client_reference_id"] == str(pro.id)
        assert session.params["subscription_data"]["metadata"]["professional_id"] == str(pro.id)
    # Nothing changes before Stripe reports the subscription.
    assert billing(db, pro)["subscription_status"] == "none"


@pytest.mark.parametrize(
    "body",
    [{}, {"plan": "free"}, {"plan": "gold"}, {"plan": "pro", "extra": 1}, {"plan": ["pro"]}],
)
def test_checkout_refuses_a_bad_plan(
    api: str, stack: LocalStack, pro: Professional, body: object
) -> None:
    before = len(stack.stripe.requests())
    answer = checkout(api, stack, pro.user_id, body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "VALIDATION_FAILED"
    assert answer.json()["error"]["fields"]
    assert len(stack.stripe.requests()) == before


def test_checkout_and_portal_need_a_professional_and_a_token(api: str, stack: LocalStack) -> None:
    assert (
        requests.post(f"{api}/api/stripe/checkout", json={"plan": "pro"}, timeout=30).status_code
        == 401
    )
    answer = checkout(api, stack, "nobody-with-this-sub", {"plan": "pro"})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "NOT_FOUND"


def test_a_subscriber_changes_plans_in_the_portal_not_in_checkout(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    portal = requests.post(
        f"{api}/api/stripe/portal", headers=bearer(stack, pro.user_id), timeout=30
    )
    assert portal.status_code == 409  # no Stripe customer yet
    subscribe(api, stack, pro, deliver=True)
    again = checkout(api, stack, pro.user_id, {"plan": "premium"})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "INVALID_TRANSITION"
    portal = requests.post(
        f"{api}/api/stripe/portal", headers=bearer(stack, pro.user_id), timeout=30
    )
    assert portal.status_code == 200, portal.text
    assert portal.json()["url"].startswith(stack.stripe.url + "/portal/")
    (sent,) = [r for r in stack.stripe.requests("/v1/billing_portal/sessions")
               if r.params["customer"] == billing(db, pro)["stripe_customer_id"]]  # fmt: skip
    assert sent.params["return_url"].endswith("/billing")


def test_a_customer_stripe_no_longer_knows_is_a_clear_409_in_the_contracts_shape(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    # A customer id the stand-in never created: Stripe answers resource_missing for it.
    db.run("UPDATE professionals SET stripe_customer_id = 'cus_gone' WHERE id = :id", id=pro.id)
    portal = requests.post(
        f"{api}/api/stripe/portal", headers=bearer(stack, pro.user_id), timeout=30
    )
    assert portal.status_code == 409, portal.text
    assert portal.json() == {
        "error": {
            "code": "INVALID_TRANSITION",
            "message": "There is no billing account to manage: choose a plan first",
        }
    }
    (sent,) = [r for r in stack.stripe.requests("/v1/billing_portal/sessions")
               if r.params["customer"] == "cus_gone"]  # fmt: skip
    assert sent.path == "/v1/billing_portal/sessions"
    # Nothing was changed on the professional by a refused portal.
    assert billing(db, pro)["stripe_customer_id"] == "cus_gone"


def test_a_subscriber_who_cancelled_can_subscribe_again_at_once(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    subscription, _ = subscribe(api, stack, pro, deliver=True)
    customer = billing(db, pro)["stripe_customer_id"]

    def session_keys() -> list[str | None]:
        return [r.idempotency_key for r in stack.stripe.requests("/v1/checkout/sessions")
                if r.params.get("customer") == customer]  # fmt: skip

    [first_key] = session_keys()
    stack.stripe.cancel_subscription(subscription, deliver=True)
    assert billing(db, pro)["subscription_status"] == "canceled"

    again = checkout(api, stack, pro.user_id, {"plan": "pro"})
    retried = checkout(api, stack, pro.user_id, {"plan": "pro"})
    assert again.status_code == retried.status_code == 200, (again.text, retried.text)
    # A new session, not the completed one of ten minutes ago; a retried click gets the same.
    assert again.json()["sessionId"] == retried.json()["sessionId"]
    assert first_key is not None
    first, second, third = session_keys()
    assert first == first_key
    assert second == third != first_key
    # It is payable, and paying it subscribes the professional again.
    events = stack.stripe.pay_checkout(again.json()["sessionId"], deliver=True)
    assert any(e["type"] == "customer.subscription.created" for e in events)
    assert billing(db, pro)["subscription_status"] == "active"


def test_stripe_down_at_checkout_is_a_503_with_retry_after(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    # The library retries twice: every attempt fails.
    stack.stripe.fail_next(3, status=503)
    answer = checkout(api, stack, pro.user_id, {"plan": "basic"})
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(answer.headers["retry-after"]) >= 1
    assert billing(db, pro)["stripe_customer_id"] is None


# -- the webhook: signatures -------------------------------------------------------------------


def test_a_signed_event_applies_the_subscription_and_queues_plan_activated(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional, secret: str
) -> None:
    subscription, events = subscribe(api, stack, pro)
    for event in events:
        payload = encoded(event)
        answer = post_signed(api, payload, secret)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"received": True}
    state = billing(db, pro)
    assert (state["plan"], state["subscription_status"]) == ("pro", "active")
    assert state["stripe_subscription_id"] == subscription
    activated = queued(db, pro, "plan_activated")
    assert {m["channel"] for m in activated} == {"whatsapp", "email"}
    assert {m["params"]["planName"] for m in activated} == {"Pro"}
    # Each event is recorded once; the subscription was fetched from Stripe for each.
    for event in events:
        assert len(processed(db, event["id"])) == 1
    fetches = stack.stripe.requests(f"/v1/subscriptions/{subscription}")
    assert len(fetches) == len(events)


def _forged(payload: bytes, secret: str) -> list[tuple[str, bytes, str | None]]:
    now = int(time.time())
    altered = payload.replace(b'"active"', b'"activx"', 1)
    assert altered != payload
    return [
        ("wrong secret", payload, signature_header(payload, "whsec_not_the_secret", now)),
        ("altered body", altered, signature_header(payload, secret, now)),
        ("stale timestamp", payload, signature_header(payload, secret, now - 301)),
        # A minute past the tolerance: the posts before it take time on a busy machine, and a
        # future timestamp comes nearer with every second of it.
        ("future timestamp", payload, signature_header(payload, secret, now + 360)),
        ("no signature", payload, None),
        ("garbage signature", payload, "t=abc,v1=zz"),
        ("v0 only", payload, signature_header(payload, secret, now).replace("v1=", "v0=")),
    ]


def test_forged_stale_and_future_events_get_400_and_change_nothing(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional, secret: str
) -> None:
    _, events = subscribe(api, stack, pro)
    (created,) = [e for e in events if e["type"] == "customer.subscription.created"]
    payload = encoded(created)
    for name, body, header in _forged(payload, secret):
        answer = post_event(api, body, header)
        assert answer.status_code == 400, name
        assert answer.json()["error"]["code"] == "VALIDATION_FAILED", name
        assert header is None or header not in answer.text, name
    assert processed(db, created["id"]) == []
    assert billing(db, pro)["subscription_status"] == "none"
    assert queued(db, pro, "plan_activated") == []
    # Within the tolerance either way, the same event applies.
    answer = post_event(api, payload, signature_header(payload, secret, int(time.time()) + 250))
    assert answer.status_code == 200
    assert billing(db, pro)["subscription_status"] == "active"


def test_a_base64_encoded_body_is_verified_over_its_exact_bytes(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional, secret: str
) -> None:
    _, events = subscribe(api, stack, pro)
    (created,) = [e for e in events if e["type"] == "customer.subscription.created"]
    # Pretty-printed with non-ASCII text: re-serialising it would break the signature.
    created["data"]["object"]["metadata"]["note"] = "sessão às 14h"
    payload = json.dumps(created, indent=2, ensure_ascii=False).encode()
    header = signature_header(payload, secret, int(time.time()))
    # The gateway passes a body it does not take for text base64-encoded, as API Gateway does.
    answer = post_event(api, payload, header, content_type="application/octet-stream")
    assert answer.status_code == 200, answer.text
    assert billing(db, pro)["subscription_status"] == "active"


def test_the_same_event_twice_applies_once(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional, secret: str
) -> None:
    _, events = subscribe(api, stack, pro)
    (created,) = [e for e in events if e["type"] == "customer.subscription.created"]
    payload = encoded(created)
    first = post_signed(api, payload, secret)
    second = post_signed(api, payload, secret)
    assert first.json() == {"received": True}
    assert second.status_code == 200
    assert second.json() == {"received": True, "duplicate": True}
    assert len(processed(db, created["id"])) == 1
    assert len(queued(db, pro, "plan_activated")) == 2  # one per channel, once


def test_concurrent_deliveries_of_one_event_apply_it_once(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional, secret: str
) -> None:
    _, events = subscribe(api, stack, pro)
    (created,) = [e for e in events if e["type"] == "customer.subscription.created"]
    payload = encoded(created)

    def deliver(_: int) -> dict[str, Any]:
        header = signature_header(payload, secret, int(time.time()))
        answer = post_event(api, payload, header)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(deliver, range(8)))
    assert sum(1 for a in answers if not a.get("duplicate")) == 1
    assert len(processed(db, created["id"])) == 1
    assert len(queued(db, pro, "plan_activated")) == 2


def test_a_failure_answers_5xx_keeps_nothing_and_the_retry_applies(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional, secret: str
) -> None:
    _, events = subscribe(api, stack, pro)
    (created,) = [e for e in events if e["type"] == "customer.subscription.created"]
    payload = encoded(created)
    stack.stripe.fail_next(3, status=500)  # fetching the subscription fails, retries included
    failed = post_signed(api, payload, secret)
    assert failed.status_code == 503
    assert processed(db, created["id"]) == []
    assert billing(db, pro)["subscription_status"] == "none"
    retried = post_signed(api, payload, secret)
    assert retried.status_code == 200
    assert retried.json() == {"received": True}
    assert billing(db, pro)["subscription_status"] == "active"


def test_an_unhandled_event_type_is_acknowledged_and_not_kept(
    api: str, db: pg8000.native.Connection, secret: str
) -> None:
    event_id = f"evt_unhandled_{time.time_ns()}"
    event = {
        "id": event_id,
        "object": "event",
        "type": "customer.created",
        "created": int(time.time()),
        "data": {"object": {"id": "cus_x", "object": "customer"}},
    }
    payload = encoded(event)
    answer = post_signed(api, payload, secret)
    assert answer.status_code == 200
    assert processed(db, event_id) == []


# -- the webhook: order -----------------------------------------------------------------------


def _history(api: str, stack: LocalStack, pro: Professional) -> tuple[str, list[dict[str, Any]]]:
    """A subscription's life with every event held back: pro, a failed invoice, recovery,
    an upgrade to premium, a scheduled cancellation that is then taken back."""
    subscription, events = subscribe(api, stack, pro, "pro")
    events += stack.stripe.fail_invoice(subscription, deliver=False)
    events += stack.stripe.pay_invoice(subscription, deliver=False)
    events += stack.stripe.update_subscription(
        subscription, price="price_local_premium", deliver=False
    )
    events += stack.stripe.update_subscription(
        subscription, cancel_at_period_end=True, deliver=False
    )
    events += stack.stripe.update_subscription(
        subscription, cancel_at_period_end=False, deliver=False
    )
    return subscription, events


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_and_repeated_events_end_in_the_right_plan(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    secret: str,
    seed: int,
) -> None:
    pro = make_professional()
    subscription, events = _history(api, stack, pro)
    shuffled = events + random.Random(seed).sample(events, k=len(events) // 2)
    random.Random(seed).shuffle(shuffled)
    for event in shuffled:
        payload = encoded(event)
        answer = post_signed(api, payload, secret)
        assert answer.status_code == 200, answer.text
    state = billing(db, pro)
    assert (state["plan"], state["subscription_status"]) == ("premium", "active")
    assert state["stripe_subscription_id"] == subscription
    assert state["past_due_since"] is None
    assert state["subscription_cancel_at_period_end"] is False
    # Every distinct event was recorded exactly once.
    for event in events:
        assert len(processed(db, event["id"])) == 1
    # The failed invoice told the professional once, whatever the order.
    assert len(queued(db, pro, "payment_failed")) == 2


def test_a_cancelled_subscription_ends_on_the_free_plan_whatever_the_order(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional, secret: str
) -> None:
    subscription, events = subscribe(api, stack, pro, "basic")
    events += stack.stripe.cancel_subscription(subscription, deliver=False)
    for event in reversed(events):  # the deletion first, the creation last
        payload = encoded(event)
        answer = post_signed(api, payload, secret)
        assert answer.status_code == 200, answer.text
    state = billing(db, pro)
    assert state["subscription_status"] == "canceled"
    # The plan column keeps what was paid for; what it allows is the free plan's.
    assert state["plan"] == "basic"
    assert queued(db, pro, "plan_activated") == []


def test_a_failed_invoice_keeps_the_plan_in_grace_and_tells_the_professional(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    subscription, _ = subscribe(api, stack, pro, "pro", deliver=True)
    stack.stripe.fail_invoice(subscription)
    state = billing(db, pro)
    assert state["subscription_status"] == "past_due"
    assert state["past_due_since"] is not None
    (whatsapp,) = [m for m in queued(db, pro, "payment_failed") if m["channel"] == "whatsapp"]
    assert whatsapp["params"]["planName"] == "Pro"
    assert whatsapp["params"]["portalUrl"].endswith("/billing")
    stack.stripe.pay_invoice(subscription)
    state = billing(db, pro)
    assert (state["subscription_status"], state["past_due_since"]) == ("active", None)
    # Recovering from past due is not a new activation.
    assert len(queued(db, pro, "plan_activated")) == 2
