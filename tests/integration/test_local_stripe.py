"""The local Stripe answers the official client library as Stripe does, and sends signed
events for what customers do."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

import pytest
import requests
import stripe

from infra.local._form import decode_form
from infra.local.stripe import LocalStripe, Price, signature_header

if TYPE_CHECKING:
    from stripe.params import CustomerCreateParams
    from stripe.params.checkout import SessionCreateParams

pytestmark = pytest.mark.integration

API_KEY = "sk_test_local_stripe_key"
WEBHOOK_SECRET = "whsec_local_test_secret"
PRICES = {
    "price_pro_monthly": Price(unit_amount=4990, currency="brl"),
    "price_pro_yearly": Price(unit_amount=49900, currency="brl", recurring_interval="year"),
    "price_setup": Price(unit_amount=1500, currency="brl", recurring_interval=None),
}


@pytest.fixture
def local_stripe() -> Iterator[LocalStripe]:
    with LocalStripe(api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, prices=PRICES) as server:
        yield server


@pytest.fixture
def client(local_stripe: LocalStripe) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": local_stripe.url})


# -- a webhook receiver with its own signature check ---------------------------------------


@dataclass(frozen=True)
class Delivery:
    path: str
    content_type: str
    body: bytes
    verified: bool


class Receiver:
    """Records what is POSTed to it; answers 200 when the Stripe-Signature verifies, else 400."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.deliveries: list[Delivery] = []
        # Called with each verified event before answering, as a webhook handler that reads
        # back from the API would.
        self.on_event: Callable[[dict[str, Any]], object] = lambda event: None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                verified = receiver.verifies(self.headers.get("Stripe-Signature") or "", body)
                receiver.deliveries.append(
                    Delivery(self.path, self.headers["Content-Type"], body, verified)
                )
                if verified:
                    receiver.on_event(json.loads(body))
                self.send_response(200 if verified else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verifies(self, header: str, body: bytes) -> bool:
        fields = [part.partition("=") for part in header.split(",")]
        stamps = [value for name, _, value in fields if name == "t"]
        signatures = [value for name, _, value in fields if name == "v1"]
        if len(stamps) != 1 or not stamps[0].isdigit():
            return False
        if abs(time.time() - int(stamps[0])) > 300:
            return False
        expected = hmac.new(
            self.secret.encode(), stamps[0].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return any(hmac.compare_digest(expected, s) for s in signatures)

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(d.body) for d in self.deliveries]


@pytest.fixture
def receiver(local_stripe: LocalStripe) -> Iterator[Receiver]:
    listening = Receiver(WEBHOOK_SECRET)
    listening.thread.start()
    local_stripe.webhook_url = f"{listening.url}/api/stripe/webhook"
    yield listening
    listening.server.shutdown()
    listening.server.server_close()
    listening.thread.join()


# -- helpers -------------------------------------------------------------------------------


def subscription_checkout(client: stripe.StripeClient, customer: str, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "mode": "subscription",
        "customer": customer,
        "line_items": [{"price": "price_pro_monthly", "quantity": 1}],
        "success_url": "http://127.0.0.1:9/billing/done?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:9/billing",
        "subscription_data": {"metadata": {"professional_id": "pro-1"}},
        **extra,
    }
    return client.v1.checkout.sessions.create(params=cast("SessionCreateParams", params))


def payment_checkout(client: stripe.StripeClient, **extra: Any) -> Any:
    params: dict[str, Any] = {
        "mode": "payment",
        "customer_email": "ana@example.test",
        "line_items": [
            {
                "price_data": {
                    "currency": "brl",
                    "unit_amount": 12000,
                    "product_data": {"name": "Sessão <b>avulsa</b>"},
                },
                "quantity": 1,
            }
        ],
        "success_url": "http://127.0.0.1:9/paid?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:9/cancelled",
        "payment_intent_data": {"metadata": {"appointment_id": "appt-7"}},
        **extra,
    }
    return client.v1.checkout.sessions.create(params=cast("SessionCreateParams", params))


def new_customer(client: stripe.StripeClient) -> str:
    return str(client.v1.customers.create(params={"email": "pro@example.test"}).id)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def browse(url: str, form: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """GET (or POST `form` to) a page without following redirects: status, headers, text."""
    data = None if form is None else urlencode(form).encode()
    try:
        with _OPENER.open(url, data=data, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read().decode()


# -- API -----------------------------------------------------------------------------------


def test_a_wrong_or_missing_key_is_refused(local_stripe: LocalStripe) -> None:
    wrong = stripe.StripeClient("sk_test_wrong_key_1234", base_addresses={"api": local_stripe.url})
    with pytest.raises(stripe.AuthenticationError) as refused:
        wrong.v1.customers.create(params={"email": "ana@example.test"})
    assert refused.value.http_status == 401
    assert "sk_test_wrong_key_1234" not in str(refused.value)  # the key is masked
    assert str(refused.value.user_message).endswith("1234")

    missing = requests.get(f"{local_stripe.url}/v1/customers/cus_x", timeout=5)
    assert missing.status_code == 401
    assert missing.json()["error"]["type"] == "invalid_request_error"
    # Both are recorded, refused as they were.
    assert [(r.method, r.path) for r in local_stripe.requests()] == [
        ("POST", "/v1/customers"),
        ("GET", "/v1/customers/cus_x"),
    ]
    right = stripe.StripeClient(API_KEY, base_addresses={"api": local_stripe.url})
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        right.v1.customers.retrieve("cus_x")
    assert (unknown.value.http_status, unknown.value.code) == (404, "resource_missing")

    route = requests.post(
        f"{local_stripe.url}/v1/nothing", headers={"Authorization": f"Bearer {API_KEY}"}, timeout=5
    )
    assert (route.status_code, route.json()["error"]["code"]) == (404, "resource_missing")


def test_customers_are_created_once_per_idempotency_key(
    local_stripe: LocalStripe, client: stripe.StripeClient
) -> None:
    params: CustomerCreateParams = {
        "email": "pro@example.test",
        "name": "Ana",
        "metadata": {"professional_id": "p1"},
    }
    first = client.v1.customers.create(params=params, options={"idempotency_key": "cus-key-1"})
    again = client.v1.customers.create(params=params, options={"idempotency_key": "cus-key-1"})
    other = client.v1.customers.create(params=params, options={"idempotency_key": "cus-key-2"})
    assert first.id == again.id != other.id
    with ThreadPoolExecutor(max_workers=8) as pool:
        racing = pool.map(
            lambda _: (
                client.v1.customers.create(
                    params=params, options={"idempotency_key": "cus-key-race"}
                ).id
            ),
            range(8),
        )
        assert len(set(racing)) == 1
    assert first.id.startswith("cus_")
    assert (first.email, first.name, first["metadata"].to_dict()) == (
        "pro@example.test",
        "Ana",
        {"professional_id": "p1"},
    )
    assert client.v1.customers.retrieve(first.id).email == "pro@example.test"
    keys = [r.idempotency_key for r in local_stripe.requests("/v1/customers")]
    assert keys[:3] == ["cus-key-1", "cus-key-1", "cus-key-2"]

    # The replay is the first answer, byte for byte, marked as such.
    raw = requests.post(
        f"{local_stripe.url}/v1/customers",
        data="email=raw%40example.test",
        headers={
            "Authorization": f"Bearer {API_KEY}",
            "Idempotency-Key": "raw-key",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=5,
    )
    replay = requests.post(
        f"{local_stripe.url}/v1/customers",
        data="email=raw%40example.test",
        headers={
            "Authorization": f"Bearer {API_KEY}",
            "Idempotency-Key": "raw-key",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=5,
    )
    assert replay.content == raw.content
    assert "Idempotent-Replayed" not in raw.headers
    assert replay.headers["Idempotent-Replayed"] == "true"

    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(
            params={**params, "name": "Someone else"}, options={"idempotency_key": "cus-key-1"}
        )
    with pytest.raises(stripe.IdempotencyError):
        client.v1.billing_portal.sessions.create(
            params={"customer": first.id}, options={"idempotency_key": "cus-key-1"}
        )


def test_a_subscription_checkout_session_receives_nested_params_exactly(
    local_stripe: LocalStripe, client: stripe.StripeClient
) -> None:
    customer = new_customer(client)
    expires_at = int(time.time()) + 3600
    trial_end = int(time.time()) + 7 * 86_400
    session = subscription_checkout(
        client,
        customer,
        line_items=[
            {"price": "price_pro_monthly", "quantity": 1},
            {"price": "price_setup", "quantity": 2},
        ],
        client_reference_id="pro-1",
        metadata={"plan": "pro", "source": "settings"},
        subscription_data={"metadata": {"professional_id": "pro-1"}, "trial_end": trial_end},
        payment_method_types=["card"],
        expires_at=expires_at,
        locale="pt-BR",
        expand=["line_items"],
    )
    [received] = local_stripe.requests("/v1/checkout/sessions")
    assert received.method == "POST"
    assert received.stripe_version == stripe.api_version
    assert received.idempotency_key  # the library sends one with every POST
    assert received.params == {
        "mode": "subscription",
        "customer": customer,
        "line_items": [
            {"price": "price_pro_monthly", "quantity": "1"},
            {"price": "price_setup", "quantity": "2"},
        ],
        "success_url": "http://127.0.0.1:9/billing/done?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://127.0.0.1:9/billing",
        "subscription_data": {
            "metadata": {"professional_id": "pro-1"},
            "trial_end": str(trial_end),
        },
        "client_reference_id": "pro-1",
        "metadata": {"plan": "pro", "source": "settings"},
        "payment_method_types": ["card"],
        "expires_at": str(expires_at),
        "locale": "pt-BR",
        "expand": ["line_items"],
    }
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status, session.mode) == (
        "open",
        "unpaid",
        "subscription",
    )
    assert session.url == f"{local_stripe.url}/pay/{session.id}"
    assert (session.amount_total, session.currency) == (4990 + 2 * 1500, "brl")
    assert (session.customer, session.client_reference_id) == (customer, "pro-1")
    assert session["metadata"].to_dict() == {"plan": "pro", "source": "settings"}
    assert session.expires_at == expires_at
    assert (session.subscription, session.payment_intent) == (None, None)
    assert [i.price.id for i in session.line_items.data] == ["price_pro_monthly", "price_setup"]
    fetched = client.v1.checkout.sessions.retrieve(session.id)
    assert fetched.to_dict() == {k: v for k, v in session.to_dict().items() if k != "line_items"}

    with pytest.raises(stripe.InvalidRequestError) as unknown_price:
        client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "line_items": [{"price": "price_nope", "quantity": 1}],
                "success_url": "http://127.0.0.1:9/ok",
            }
        )
    assert unknown_price.value.http_status == 400
    assert (unknown_price.value.code, unknown_price.value.param) == (
        "resource_missing",
        "line_items[0][price]",
    )
    with pytest.raises(stripe.InvalidRequestError) as no_success_url:
        client.v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "line_items": [{"price": "price_pro_monthly", "quantity": 1}],
            }
        )
    assert (no_success_url.value.code, no_success_url.value.param) == (
        "parameter_missing",
        "success_url",
    )
    with pytest.raises(stripe.InvalidRequestError) as too_soon:
        subscription_checkout(client, customer, expires_at=int(time.time()) + 600)
    assert too_soon.value.param == "expires_at"
    with pytest.raises(stripe.InvalidRequestError) as one_time_only:
        subscription_checkout(
            client, customer, line_items=[{"price": "price_setup", "quantity": 1}]
        )
    assert one_time_only.value.param == "line_items"
    with pytest.raises(stripe.InvalidRequestError) as stranger:
        subscription_checkout(client, "cus_nobody")
    assert (stranger.value.code, stranger.value.param) == ("resource_missing", "customer")


def test_paying_a_subscription_checkout_delivers_signed_events_in_order(
    local_stripe: LocalStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    customer = new_customer(client)
    session = subscription_checkout(client, customer)
    events = local_stripe.pay_checkout(session.id)

    assert [e["type"] for e in events] == [
        "customer.subscription.created",
        "invoice.paid",
        "checkout.session.completed",
    ]
    assert receiver.events() == events
    assert all(d.verified for d in receiver.deliveries)
    assert {d.path for d in receiver.deliveries} == {"/api/stripe/webhook"}
    assert {d.content_type for d in receiver.deliveries} == {"application/json; charset=utf-8"}
    assert b": " not in receiver.deliveries[0].body  # compact JSON
    for event in events:
        assert event["id"].startswith("evt_")
        assert event["object"] == "event"
        assert event["api_version"] == stripe.api_version
        assert event["livemode"] is False
        assert abs(event["created"] - time.time()) < 60

    subscription = events[0]["data"]["object"]
    assert subscription["id"].startswith("sub_")
    assert (subscription["status"], subscription["customer"]) == ("active", customer)
    assert subscription["metadata"] == {"professional_id": "pro-1"}
    [item] = subscription["items"]["data"]
    assert item["price"]["id"] == "price_pro_monthly"
    assert item["current_period_end"] == subscription["current_period_end"]
    assert subscription["current_period_end"] - subscription["current_period_start"] >= 28 * 86_400
    invoice = events[1]["data"]["object"]
    assert (invoice["status"], invoice["amount_paid"], invoice["billing_reason"]) == (
        "paid",
        4990,
        "subscription_create",
    )
    assert invoice["parent"]["subscription_details"]["subscription"] == subscription["id"]
    completed = events[2]["data"]["object"]
    assert (completed["status"], completed["payment_status"]) == ("complete", "paid")
    assert completed["subscription"] == subscription["id"]
    # A snapshot: the subscription event was built before the session completed.
    assert local_stripe.object(session.id)["status"] == "complete"
    assert "previous_attributes" not in events[0]["data"]

    # The library accepts what was delivered.
    delivered = receiver.deliveries[2]
    header = signature_header(delivered.body, WEBHOOK_SECRET, int(time.time()))
    parsed = client.construct_event(delivered.body, header, WEBHOOK_SECRET)
    assert parsed.type == "checkout.session.completed"

    # Someone else's secret does not verify; the status comes back, nothing is raised.
    assert local_stripe.deliver(events[0], secret="whsec_someone_else") == 400
    assert local_stripe.deliver(events[0], timestamp=int(time.time()) - 3600) == 400
    assert local_stripe.deliver(events[0]) == 200
    assert [d.verified for d in receiver.deliveries[3:]] == [False, False, True]

    with pytest.raises(ValueError, match="already paid"):
        local_stripe.pay_checkout(session.id)


def test_signature_header_matches_the_library() -> None:
    payload = '{"id":"evt_1","object":"event","note":"sessão"}'
    expected = stripe.WebhookSignature.generate_signature_header(
        payload, "whsec_abc", 1_700_000_000
    )
    assert signature_header(payload.encode(), "whsec_abc", 1_700_000_000) == expected
    assert signature_header(payload.encode(), "whsec_abd", 1_700_000_000) != expected


def test_a_trial_checkout_starts_a_trialing_subscription_without_payment(
    local_stripe: LocalStripe, client: stripe.StripeClient
) -> None:
    trial_end = int(time.time()) + 14 * 86_400
    session = subscription_checkout(
        client,
        new_customer(client),
        subscription_data={"metadata": {"professional_id": "pro-2"}, "trial_end": trial_end},
    )
    events = local_stripe.pay_checkout(session.id, deliver=False)
    subscription = client.v1.subscriptions.retrieve(events[0]["data"]["object"]["id"])
    assert (subscription.status, subscription.trial_end) == ("trialing", trial_end)
    assert subscription["items"].data[0].current_period_end == trial_end
    assert subscription["current_period_end"] == trial_end
    assert events[1]["data"]["object"]["amount_paid"] == 0
    assert events[2]["data"]["object"]["payment_status"] == "no_payment_required"
    with pytest.raises(stripe.InvalidRequestError) as too_short:
        subscription_checkout(
            client,
            new_customer(client),
            subscription_data={"trial_end": int(time.time()) + 3600},
        )
    assert too_short.value.param == "subscription_data[trial_end]"


def test_an_async_payment_completes_unpaid_then_settles(
    local_stripe: LocalStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    session = payment_checkout(client, payment_method_types=["pix"])
    [completed] = local_stripe.pay_checkout(session.id, async_payment=True)
    assert completed["type"] == "checkout.session.completed"
    assert completed["data"]["object"]["payment_status"] == "unpaid"
    intent_id = completed["data"]["object"]["payment_intent"]
    assert client.v1.payment_intents.retrieve(intent_id).status == "processing"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": intent_id})

    [settled] = local_stripe.pay_checkout(session.id)
    assert settled["type"] == "checkout.session.async_payment_succeeded"
    assert settled["data"]["object"]["payment_status"] == "paid"
    intent = client.v1.payment_intents.retrieve(intent_id)
    assert (intent.status, intent.amount, intent.amount_received) == ("succeeded", 12000, 12000)
    assert intent["metadata"].to_dict() == {"appointment_id": "appt-7"}
    assert [e["type"] for e in receiver.events()] == [
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
    ]
    with pytest.raises(ValueError, match="already paid"):
        local_stripe.pay_checkout(session.id)


def test_an_async_payment_can_fail(local_stripe: LocalStripe, client: stripe.StripeClient) -> None:
    session = payment_checkout(client, payment_method_types=["pix"])
    with pytest.raises(ValueError, match="no payment in progress"):
        local_stripe.fail_async_payment(session.id)
    local_stripe.pay_checkout(session.id, async_payment=True, deliver=False)
    [failed] = local_stripe.fail_async_payment(session.id)
    assert failed["type"] == "checkout.session.async_payment_failed"
    assert failed["data"]["object"]["payment_status"] == "unpaid"
    intent = client.v1.payment_intents.retrieve(failed["data"]["object"]["payment_intent"])
    assert intent.status == "requires_payment_method"
    with pytest.raises(ValueError, match="payment failed"):
        local_stripe.pay_checkout(session.id)


def test_sessions_expire_through_the_api_or_the_customer(
    local_stripe: LocalStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    by_api = payment_checkout(client)
    expired = client.v1.checkout.sessions.expire(by_api.id)
    assert (expired.id, expired.status, expired.url) == (by_api.id, "expired", None)
    assert client.v1.checkout.sessions.retrieve(by_api.id).status == "expired"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(by_api.id)
    with pytest.raises(ValueError, match="expired"):
        local_stripe.pay_checkout(by_api.id)
    assert receiver.events() == []  # API requests send no events

    abandoned = payment_checkout(client)
    [event] = local_stripe.expire_checkout(abandoned.id)
    assert event["type"] == "checkout.session.expired"
    assert event["data"]["object"]["status"] == "expired"
    assert receiver.events() == [event]
    with pytest.raises(ValueError, match="is expired"):
        local_stripe.expire_checkout(abandoned.id)


def test_a_portal_session_opens_for_an_existing_customer(
    local_stripe: LocalStripe, client: stripe.StripeClient
) -> None:
    customer = new_customer(client)
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer, "return_url": "http://127.0.0.1:9/settings"}
    )
    assert portal.id.startswith("bps_")
    assert portal.object == "billing_portal.session"
    assert (portal.customer, portal.return_url) == (customer, "http://127.0.0.1:9/settings")
    assert portal.url == f"{local_stripe.url}/portal/{portal.id}"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.billing_portal.sessions.create(params={"return_url": "http://127.0.0.1:9/"})
    assert (missing.value.code, missing.value.param) == ("parameter_missing", "customer")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.billing_portal.sessions.create(params={"customer": "cus_nobody"})
    assert unknown.value.code == "resource_missing"


def test_a_subscription_reads_back_its_latest_state(
    local_stripe: LocalStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    session = subscription_checkout(client, new_customer(client))
    [created, *_] = local_stripe.pay_checkout(session.id, deliver=False)
    subscription_id = created["data"]["object"]["id"]
    # The receiver reads the subscription back while the event is being delivered.
    read_back: list[str] = []
    receiver.on_event = lambda event: read_back.append(
        client.v1.subscriptions.retrieve(subscription_id).status
    )
    first_period_end = client.v1.subscriptions.retrieve(subscription_id)["current_period_end"]

    [upgraded] = local_stripe.update_subscription(
        subscription_id, price="price_pro_yearly", cancel_at_period_end=True
    )
    assert upgraded["type"] == "customer.subscription.updated"
    previous = upgraded["data"]["previous_attributes"]
    assert previous["cancel_at_period_end"] is False
    assert previous["items"]["data"][0]["price"]["id"] == "price_pro_monthly"
    fetched = client.v1.subscriptions.retrieve(subscription_id)
    assert fetched["items"].data[0].price.id == "price_pro_yearly"
    assert (fetched.cancel_at_period_end, fetched.cancel_at) == (True, first_period_end)
    assert local_stripe.update_subscription(subscription_id, cancel_at_period_end=True) == []

    failed = local_stripe.fail_invoice(subscription_id)
    assert [e["type"] for e in failed] == [
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]
    assert failed[1]["data"]["previous_attributes"]["status"] == "active"
    fetched = client.v1.subscriptions.retrieve(
        subscription_id, params={"expand": ["latest_invoice"]}
    )
    assert fetched.status == "past_due"
    assert fetched["current_period_start"] == first_period_end  # the renewal's new period
    invoice = fetched["latest_invoice"]
    assert (invoice["status"], invoice["amount_due"]) == ("open", 49900)
    assert invoice["id"] == failed[0]["data"]["object"]["id"]

    paid = local_stripe.pay_invoice(subscription_id)
    assert [e["type"] for e in paid] == ["invoice.paid", "customer.subscription.updated"]
    assert paid[0]["data"]["object"]["id"] == invoice["id"]
    assert client.v1.subscriptions.retrieve(subscription_id).status == "active"

    [deleted] = local_stripe.cancel_subscription(subscription_id)
    assert deleted["type"] == "customer.subscription.deleted"
    fetched = client.v1.subscriptions.retrieve(subscription_id)
    assert fetched.status == "canceled"
    assert fetched.ended_at is not None
    with pytest.raises(ValueError, match="canceled"):
        local_stripe.pay_invoice(subscription_id)
    assert [e["id"] for e in receiver.events()] == [
        e["id"] for e in [upgraded, *failed, *paid, deleted]
    ]
    assert read_back == ["active", "past_due", "past_due", "active", "active", "canceled"]


def test_refunds_are_partial_then_full_then_refused(
    local_stripe: LocalStripe, client: stripe.StripeClient
) -> None:
    session = payment_checkout(client)
    local_stripe.pay_checkout(session.id, deliver=False)
    intent_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    assert isinstance(intent_id, str)

    partial = client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": 2000, "reason": "requested_by_customer"},
        options={"idempotency_key": "refund-1"},
    )
    assert partial.id.startswith("re_")
    assert (partial.status, partial.amount, partial.payment_intent) == (
        "succeeded",
        2000,
        intent_id,
    )
    replayed = client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": 2000, "reason": "requested_by_customer"},
        options={"idempotency_key": "refund-1"},
    )
    assert replayed.id == partial.id
    assert local_stripe.object(intent_id)["amount_refunded"] == 2000  # not refunded twice
    assert client.v1.refunds.retrieve(partial.id).amount == 2000

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 10001})
    assert too_much.value.param == "amount"
    rest = client.v1.refunds.create(params={"payment_intent": intent_id})
    assert rest.amount == 10000
    assert local_stripe.object(intent_id)["amount_refunded"] == 12000

    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": intent_id})
    assert (again.value.http_status, again.value.code) == (400, "charge_already_refunded")
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.refunds.create(params={"payment_intent": "pi_nobody"})
    assert unknown.value.code == "resource_missing"


def test_injected_failures_change_nothing(
    local_stripe: LocalStripe, client: stripe.StripeClient
) -> None:
    local_stripe.fail_next()
    with pytest.raises(stripe.APIError) as failed:
        client.v1.customers.create(
            params={"email": "pro@example.test"}, options={"idempotency_key": "after-fault"}
        )
    assert failed.value.http_status == 500
    assert failed.value.json_body == {
        "error": {"type": "api_error", "message": "An unknown error occurred (simulated)."}
    }
    assert [r.path for r in local_stripe.requests()] == ["/v1/customers"]
    # The failed attempt was not saved: the retry with the same key runs.
    created = client.v1.customers.create(
        params={"email": "pro@example.test"}, options={"idempotency_key": "after-fault"}
    )
    assert local_stripe.object(created.id)["email"] == "pro@example.test"

    session = payment_checkout(client)
    local_stripe.pay_checkout(session.id, deliver=False)
    intent_id = local_stripe.object(session.id)["payment_intent"]
    local_stripe.fail_next(2, status=503)
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.refunds.create(params={"payment_intent": intent_id})
    assert local_stripe.object(intent_id)["amount_refunded"] == 0

    local_stripe.fail_next(status=429)
    with pytest.raises(stripe.RateLimitError):
        client.v1.customers.retrieve(created.id)

    # A client that retries gets through, sending the same key twice.
    patient = stripe.StripeClient(
        API_KEY, base_addresses={"api": local_stripe.url}, max_network_retries=1
    )
    local_stripe.fail_next()
    retried = patient.v1.customers.create(params={"email": "late@example.test"})
    attempts = local_stripe.requests("/v1/customers")[-2:]
    assert attempts[0].idempotency_key == attempts[1].idempotency_key is not None
    assert local_stripe.object(retried.id)["email"] == "late@example.test"

    control = requests.post(
        f"{local_stripe.url}/_control/fail_next", json={"count": 1, "status": 502}, timeout=5
    )
    assert control.status_code == 200
    with pytest.raises(stripe.APIError):
        client.v1.customers.retrieve(created.id)
    assert requests.post(f"{local_stripe.url}/_control/reset", timeout=5).status_code == 200
    assert local_stripe.requests() == []
    with pytest.raises(KeyError):
        local_stripe.object(created.id)
    assert subscription_checkout(client, new_customer(client)).amount_total == 4990  # prices kept


def test_the_pay_page_pays_and_redirects(
    local_stripe: LocalStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    session = payment_checkout(client)
    status, headers, page = browse(session.url)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "Sessão &lt;b&gt;avulsa&lt;/b&gt;" in page
    assert "<b>avulsa" not in page
    assert f'action="/pay/{session.id}"' in page
    assert f'action="/pay/{session.id}/cancel"' in page

    status, headers, _ = browse(f"{local_stripe.url}/pay/{session.id}", form={})
    assert status == 303
    assert headers["Location"] == f"http://127.0.0.1:9/paid?session={session.id}"
    assert local_stripe.object(session.id)["payment_status"] == "paid"
    assert [e["type"] for e in receiver.events()] == ["checkout.session.completed"]
    status, _, page = browse(f"{local_stripe.url}/pay/{session.id}", form={})
    assert status == 409
    assert "already paid" in page

    abandoned = payment_checkout(client)
    status, headers, _ = browse(f"{local_stripe.url}/pay/{abandoned.id}/cancel", form={})
    assert (status, headers["Location"]) == (303, "http://127.0.0.1:9/cancelled")
    assert local_stripe.object(abandoned.id)["status"] == "expired"
    assert "expired" in browse(f"{local_stripe.url}/pay/{abandoned.id}")[2]
    assert browse(f"{local_stripe.url}/pay/cs_test_nobody")[0] == 404


def test_the_portal_page_cancels_subscriptions(
    local_stripe: LocalStripe, client: stripe.StripeClient
) -> None:
    customer = new_customer(client)
    session = subscription_checkout(client, customer)
    subscription_id = local_stripe.pay_checkout(session.id)[0]["data"]["object"]["id"]
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer, "return_url": "http://127.0.0.1:9/settings?a=1&b=<2>"}
    )
    status, _, page = browse(portal.url)
    assert status == 200
    assert "price_pro_monthly" in page
    assert 'href="http://127.0.0.1:9/settings?a=1&amp;b=&lt;2&gt;"' in page
    cancel = f"{local_stripe.url}/portal/{portal.id}/cancel/{subscription_id}"
    assert f'action="/portal/{portal.id}/cancel/{subscription_id}"' in page

    status, headers, _ = browse(cancel, form={"when": "period_end"})
    assert (status, headers["Location"]) == (303, f"/portal/{portal.id}")
    scheduled = client.v1.subscriptions.retrieve(subscription_id)
    assert (scheduled.status, scheduled.cancel_at_period_end) == ("active", True)
    browse(cancel, form={"when": "now"})
    assert client.v1.subscriptions.retrieve(subscription_id).status == "canceled"

    # Another customer's portal cannot touch it.
    stranger = client.v1.billing_portal.sessions.create(params={"customer": new_customer(client)})
    assert browse(f"{local_stripe.url}/portal/{stranger.id}/cancel/{subscription_id}", {})[0] == 404


def test_form_bodies_decode_into_nested_params() -> None:
    body = (
        "line_items[0][price_data][product_data][name]=Sess%C3%A3o&line_items[0][quantity]=1"
        "&metadata[a]=&metadata[b]=x&expand[]=line_items&expand[]=customer&flag=true"
    )
    assert decode_form(body) == {
        "line_items": [{"price_data": {"product_data": {"name": "Sessão"}}, "quantity": "1"}],
        "metadata": {"a": "", "b": "x"},
        "expand": ["line_items", "customer"],
        "flag": "true",
    }
    assert decode_form("items[1]=b&items[0]=a") == {"items": ["a", "b"]}
    assert decode_form("metadata[1]=b") == {"metadata": {"1": "b"}}  # not a list from 0
    with pytest.raises(ValueError, match="Conflicting"):
        decode_form("a=1&a[b]=2")
    with pytest.raises(ValueError, match="Conflicting"):
        decode_form("a[b]=2&a=1")
    with pytest.raises(ValueError, match="Invalid parameter name"):
        decode_form("a[]b=1")


# -- refunds tell the webhook: charge.refunded ---------------------------------------------


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.02)


def paid_intent(local_stripe: LocalStripe, client: stripe.StripeClient) -> str:
    session = payment_checkout(client)
    local_stripe.pay_checkout(session.id, deliver=False)
    intent_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    assert isinstance(intent_id, str)
    return intent_id


def test_a_refund_through_the_api_sends_charge_refunded_with_the_charge(
    local_stripe: LocalStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    intent_id = paid_intent(local_stripe, client)
    refund = client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": 2000},
        options={"idempotency_key": "refund-event-1"},
    )
    wait_for(lambda: len(receiver.events()) == 1)
    [event] = receiver.events()
    assert receiver.deliveries[0].verified
    assert event["type"] == "charge.refunded"
    charge = event["data"]["object"]
    assert charge["id"].startswith("ch_")
    assert charge["id"] == refund.charge == local_stripe.object(intent_id)["latest_charge"]
    assert charge["object"] == "charge"
    assert (charge["amount"], charge["amount_refunded"], charge["refunded"]) == (12000, 2000, False)
    assert (charge["currency"], charge["payment_intent"]) == ("brl", intent_id)
    assert charge["metadata"] == {"appointment_id": "appt-7"}
    assert charge["refunds"]["object"] == "list"
    assert [r["id"] for r in charge["refunds"]["data"]] == [refund.id]
    assert charge["refunds"]["data"][0]["object"] == "refund"

    # A replayed request is the same refund: no second event.
    client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": 2000},
        options={"idempotency_key": "refund-event-1"},
    )
    rest = client.v1.refunds.create(params={"payment_intent": intent_id})
    wait_for(lambda: len(receiver.events()) == 2)
    last = receiver.events()[1]["data"]["object"]
    assert (last["amount_refunded"], last["refunded"]) == (12000, True)
    assert [r["id"] for r in last["refunds"]["data"]] == [rest.id, refund.id]

    # The charge reads back as the event showed it.
    fetched = client.v1.charges.retrieve(charge["id"])
    assert (fetched.amount_refunded, fetched.refunded) == (12000, True)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.charges.retrieve("ch_nobody")
    # A refused refund sends nothing.
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": intent_id})
    time.sleep(0.2)
    assert len(receiver.events()) == 2


def test_a_dashboard_refund_sends_charge_refunded_through_the_control_endpoint(
    local_stripe: LocalStripe, client: stripe.StripeClient, receiver: Receiver
) -> None:
    intent_id = paid_intent(local_stripe, client)
    [partial] = local_stripe.refund_payment(intent_id, 5000)
    assert partial["type"] == "charge.refunded"
    assert partial["data"]["object"]["amount_refunded"] == 5000
    assert partial["data"]["object"]["refunded"] is False
    assert receiver.events() == [partial]

    answer = requests.post(
        f"{local_stripe.url}/_control/refund_payment",
        json={"payment_intent": intent_id},
        timeout=10,
    )
    assert answer.status_code == 200
    [full] = answer.json()["events"]
    charge = full["data"]["object"]
    assert (charge["amount_refunded"], charge["refunded"]) == (12000, True)
    assert charge["metadata"] == {"appointment_id": "appt-7"}
    assert [r["amount"] for r in charge["refunds"]["data"]] == [7000, 5000]
    assert receiver.events() == [partial, full]
    assert all(d.verified for d in receiver.deliveries)
    assert local_stripe.object(intent_id)["amount_refunded"] == 12000

    refused = requests.post(
        f"{local_stripe.url}/_control/refund_payment",
        json={"payment_intent": intent_id, "amount": 1},
        timeout=10,
    )
    assert refused.status_code == 400
    unknown = requests.post(
        f"{local_stripe.url}/_control/refund_payment",
        json={"payment_intent": "pi_nobody"},
        timeout=10,
    )
    assert unknown.status_code == 400


# -- time: sessions expire at expires_at -----------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_open_sessions_expire_by_themselves_at_expires_at() -> None:
    clock = Clock()
    listening = Receiver(WEBHOOK_SECRET)
    listening.thread.start()
    stand_in = LocalStripe(
        api_key=API_KEY,
        webhook_secret=WEBHOOK_SECRET,
        prices=PRICES,
        clock=clock,
        expiry_interval=0.05,
    )
    try:
        with stand_in:
            stand_in.webhook_url = f"{listening.url}/api/stripe/webhook"
            client = stripe.StripeClient(API_KEY, base_addresses={"api": stand_in.url})
            soon = payment_checkout(client, expires_at=int(clock.now) + 30 * 60)
            later = payment_checkout(client)  # 24 hours, Stripe's default
            paid = payment_checkout(client, expires_at=int(clock.now) + 30 * 60)
            stand_in.pay_checkout(paid.id, deliver=False)
            time.sleep(0.3)
            assert listening.events() == []

            clock.now += 30 * 60 + 1
            wait_for(lambda: len(listening.events()) == 1)
            [event] = listening.events()
            assert listening.deliveries[0].verified
            assert event["type"] == "checkout.session.expired"
            assert event["data"]["object"]["id"] == soon.id
            assert event["data"]["object"]["status"] == "expired"
            assert client.v1.checkout.sessions.retrieve(soon.id).status == "expired"
            assert client.v1.checkout.sessions.retrieve(later.id).status == "open"
            assert client.v1.checkout.sessions.retrieve(paid.id).status == "complete"
            # Created by the same clock: a session's lifetime is measured on it.
            assert later.expires_at == later.created + 24 * 60 * 60

            clock.now += 24 * 60 * 60
            wait_for(lambda: len(listening.events()) == 2)
            assert listening.events()[1]["data"]["object"]["id"] == later.id
            time.sleep(0.2)
            assert len(listening.events()) == 2  # each session expires once
    finally:
        listening.server.shutdown()
        listening.server.server_close()
        listening.thread.join()


# -- restarts --------------------------------------------------------------------------------


def test_objects_survive_a_restart(tmp_path: Any) -> None:
    state = tmp_path / "stripe.json"

    def stand_in() -> LocalStripe:
        return LocalStripe(
            api_key=API_KEY, webhook_secret=WEBHOOK_SECRET, prices=PRICES, state_path=state
        )

    with stand_in() as first:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": first.url})
        customer = new_customer(client)
        session = subscription_checkout(client, customer)
        open_session = payment_checkout(client)
        first.pay_checkout(session.id, deliver=False)
        subscription = client.v1.checkout.sessions.retrieve(session.id).subscription
        created = client.v1.customers.create(
            params={"email": "again@example.test"}, options={"idempotency_key": "cus-once"}
        )
    assert state.exists()
    assert oct(state.stat().st_mode & 0o777) == "0o600"
    assert not list(tmp_path.glob(".*.tmp"))

    with stand_in() as second:
        client = stripe.StripeClient(API_KEY, base_addresses={"api": second.url})
        assert client.v1.customers.retrieve(customer).email == "pro@example.test"
        assert isinstance(subscription, str)
        assert client.v1.subscriptions.retrieve(subscription).status == "active"
        # An idempotency key used before the restart replays its answer.
        replayed = client.v1.customers.create(
            params={"email": "again@example.test"}, options={"idempotency_key": "cus-once"}
        )
        assert replayed.id == created.id
        # The pay page of a session opened before the restart still works, line items too.
        status, _, page = browse(f"{second.url}/pay/{open_session.id}")
        assert status == 200
        assert "Sessão &lt;b&gt;avulsa&lt;/b&gt;" in page
        status, headers, _ = browse(f"{second.url}/pay/{open_session.id}", {})
        assert status == 303
        assert headers["Location"].startswith("http://127.0.0.1:9/paid?session=")
