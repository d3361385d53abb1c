"""A local stand-in for the Stripe API, for the official client library pointed at it with
`stripe.StripeClient(api_key, base_addresses={"api": local.url})`.

What it speaks, with Stripe's shapes (JSON objects with `id` and `object`; errors as
{"error": {"type", "code", "message", "param", "doc_url"}}):
- Authorization: Bearer <api_key> (or Basic with the key as user), else 401;
- form-encoded bodies with nested keys (`line_items[0][price_data][currency]=brl`);
- POST /v1/customers, GET /v1/customers/{id};
- POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id},
  POST /v1/checkout/sessions/{id}/expire;
- POST /v1/billing_portal/sessions;
- GET /v1/subscriptions/{id}, GET /v1/invoices/{id}, GET /v1/payment_intents/{id};
- POST /v1/refunds, GET /v1/refunds/{id};
- `expand[]` on every answer (ids of stored objects, and a session's `line_items`);
- Idempotency-Key on POST: the first successful answer is replayed byte for byte (with
  `Idempotent-Replayed: true`), the same key with other params or on another endpoint is an
  idempotency_error. Errors are not saved: Stripe saves none for requests that fail
  validation, and an injected fault stands for a failure before the endpoint ran, so a
  retry with the same key runs the request.

What a customer or Stripe itself does happens through the simulation methods (pay_checkout,
fail_invoice, ...), which also build the events Stripe would send and POST them, signed, to
`webhook_url`. Requests to the API never send events. For a developer clicking through the
local stack: GET /pay/{session} (Checkout), GET /portal/{session} (billing portal) and
GET /invoice/{id} (hosted invoice) are plain pages. POST /_control/reset and
POST /_control/fail_next {"count", "status"} do over HTTP what reset() and fail_next() do.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import copy
import functools
import hashlib
import hmac
import html
import json
import logging
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, unquote, urlsplit

from infra.local._form import decode_form
from infra.local._http import HOST, JsonRequestHandler, LocalHttpService

logger = logging.getLogger(__name__)

INTERVALS = frozenset({"day", "week", "month", "year"})
SUBSCRIPTION_STATUSES = frozenset(
    {"active", "past_due", "unpaid", "trialing", "incomplete", "incomplete_expired", "paused"}
)
_CHECKOUT_MIN_LIFETIME = 30 * 60
_CHECKOUT_MAX_LIFETIME = 24 * 60 * 60
_TRIAL_MIN_NOTICE = 48 * 60 * 60
_WEBHOOK_TIMEOUT_SECONDS = 10
_METADATA_MAX_KEYS, _METADATA_MAX_KEY, _METADATA_MAX_VALUE = 50, 40, 500
_REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
_ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv"}
    | {"xaf", "xof", "xpf"}
)
_CURRENCY = re.compile(r"[a-z]{3}")
_PAGE_ID = r"([A-Za-z0-9_]+)"


@dataclass(frozen=True)
class Price:
    """A price configured in the local account; its id is its key in `prices`. A
    recurring_interval of None makes a one-time price."""

    unit_amount: int
    currency: str
    recurring_interval: str | None = "month"

    def __post_init__(self) -> None:
        if self.unit_amount < 0:
            raise ValueError("unit_amount must not be negative")
        if not _CURRENCY.fullmatch(self.currency):
            raise ValueError("currency must be a lowercase ISO code such as 'brl'")
        if self.recurring_interval is not None and self.recurring_interval not in INTERVALS:
            raise ValueError(f"recurring_interval must be one of {sorted(INTERVALS)} or None")


@dataclass(frozen=True)
class ReceivedRequest:
    """An API request as received: params decoded from the form body (POST) or the query."""

    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    stripe_version: str | None


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header Stripe sends with `payload` signed at `timestamp`."""
    signed = str(timestamp).encode() + b"." + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error: dict[str, Any] = {"type": error_type, "message": message}
        if code is not None:
            self.error["code"] = code
            self.error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param is not None:
            self.error["param"] = param
        self.error.update(extra or {})


def _missing(param: str) -> _ApiError:
    return _ApiError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def _invalid(param: str, message: str, code: str = "parameter_invalid") -> _ApiError:
    return _ApiError(400, message, code=code, param=param)


def _no_such(kind: str, object_id: str, *, param: str, status: int = 400) -> _ApiError:
    return _ApiError(status, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def _fault(status: int) -> _ApiError:
    if status >= 500:
        return _ApiError(status, "An unknown error occurred (simulated).", error_type="api_error")
    if status == 401:
        return _ApiError(status, "Invalid API Key provided (simulated).")
    if status == 402:
        return _ApiError(
            status,
            "Your card was declined (simulated).",
            error_type="card_error",
            code="card_declined",
            extra={"decline_code": "generic_decline"},
        )
    if status == 429:
        return _ApiError(status, "Request rate limit exceeded (simulated).", code="rate_limit")
    if status == 409:
        return _ApiError(status, "The object is locked (simulated).", code="lock_timeout")
    return _ApiError(status, "The request failed (simulated).")


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class _Saved:
    """What an idempotency key was first used for, and the answer it got."""

    method: str
    path: str
    params: dict[str, Any]
    answer: _Answer


@dataclass
class _CheckoutPlan:
    """What a Checkout Session will create when paid: Stripe keeps these out of the session."""

    line_items: list[dict[str, Any]]
    subscription_metadata: dict[str, str] = field(default_factory=dict)
    trial_end: int | None = None
    trial_period_days: int | None = None
    payment_intent_metadata: dict[str, str] = field(default_factory=dict)


Route = tuple[str, re.Pattern[str], Callable[..., dict[str, Any]]]


class LocalStripe(LocalHttpService):
    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        prices: Mapping[str, Price],
        port: int = 0,
    ) -> None:
        super().__init__(port)
        if not api_key:
            raise ValueError("api_key must not be empty")
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.webhook_url: str | None = None
        self._prices = {
            price_id: _price_object(
                price_id,
                unit_amount=price.unit_amount,
                currency=price.currency,
                interval=price.recurring_interval,
                product=_id("prod_"),
            )
            for price_id, price in prices.items()
        }
        self._lock = threading.Lock()
        self._objects: dict[str, dict[str, Any]] = {}
        self._plans: dict[str, _CheckoutPlan] = {}  # Checkout Session id -> its plan
        self._requests: list[ReceivedRequest] = []
        self._saved: dict[str, _Saved] = {}  # Idempotency-Key -> first answer
        self._faults: deque[int] = deque()
        retrieve = self._retrieve
        self._routes: list[Route] = [
            ("POST", re.compile(r"/v1/customers"), self._create_customer),
            ("GET", re.compile(r"/v1/customers/([^/]+)"), functools.partial(retrieve, "customer")),
            ("POST", re.compile(r"/v1/checkout/sessions"), self._create_checkout_session),
            (
                "GET",
                re.compile(r"/v1/checkout/sessions/([^/]+)"),
                functools.partial(retrieve, "checkout.session"),
            ),
            ("POST", re.compile(r"/v1/checkout/sessions/([^/]+)/expire"), self._expire_session),
            ("POST", re.compile(r"/v1/billing_portal/sessions"), self._create_portal_session),
            (
                "GET",
                re.compile(r"/v1/subscriptions/([^/]+)"),
                functools.partial(retrieve, "subscription"),
            ),
            ("GET", re.compile(r"/v1/invoices/([^/]+)"), functools.partial(retrieve, "invoice")),
            (
                "GET",
                re.compile(r"/v1/payment_intents/([^/]+)"),
                functools.partial(retrieve, "payment_intent"),
            ),
            ("POST", re.compile(r"/v1/refunds"), self._create_refund),
            ("GET", re.compile(r"/v1/refunds/([^/]+)"), functools.partial(retrieve, "refund")),
        ]

    def handler_class(self) -> type[JsonRequestHandler]:
        return _StripeHandler

    # -- test and control surface ----------------------------------------------------------

    def requests(self, path_prefix: str = "") -> list[ReceivedRequest]:
        """API requests received (pages and control calls aside), oldest first."""
        with self._lock:
            return [r for r in self._requests if r.path.startswith(path_prefix)]

    def reset(self) -> None:
        """Forgets objects, requests, idempotency keys and faults; keeps the keys, the prices
        and webhook_url."""
        with self._lock:
            self._objects.clear()
            self._plans.clear()
            self._requests.clear()
            self._saved.clear()
            self._faults.clear()

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        """The next `count` API requests answer `status` in Stripe's error shape and change
        nothing. Calls add up: fail_next(1, status=429); fail_next(1) fails two requests."""
        if count < 0:
            raise ValueError("count must not be negative")
        if not 400 <= status <= 599:
            raise ValueError("status must be between 400 and 599")
        with self._lock:
            self._faults.extend([status] * count)

    def object(self, object_id: str) -> dict[str, Any]:
        """A copy of a stored object (customer, session, subscription, invoice, payment intent,
        refund, portal session); KeyError when there is none."""
        with self._lock:
            return copy.deepcopy(self._objects[object_id])

    # -- simulation ------------------------------------------------------------------------

    def pay_checkout(
        self, session_id: str, *, deliver: bool = True, async_payment: bool = False
    ) -> list[dict[str, Any]]:
        """The customer pays an open session. In payment mode with async_payment (Pix, boleto)
        the session completes unpaid; paying it again settles it, fail_async_payment() fails
        it."""
        with self._lock:
            session = self._stored("checkout.session", session_id)
            if session["status"] == "expired":
                raise ValueError(f"checkout session {session_id} has expired")
            if session["status"] == "complete":
                if session["payment_status"] != "unpaid":
                    raise ValueError(f"checkout session {session_id} is already paid")
                intent = self._objects[session["payment_intent"]]
                if intent["status"] != "processing":
                    raise ValueError(f"checkout session {session_id}: its payment failed")
                if async_payment:
                    raise ValueError(f"checkout session {session_id} already awaits its payment")
                events = self._settle_async_payment(session)
            elif session["mode"] == "subscription":
                if async_payment:
                    raise ValueError("async_payment applies to payment mode sessions")
                events = self._start_subscription(session)
            else:
                events = self._pay_once(session, async_payment=async_payment)
        return self._send(events, deliver)

    def fail_async_payment(self, session_id: str, *, deliver: bool = True) -> list[dict[str, Any]]:
        """A payment left processing by pay_checkout(async_payment=True) fails (the Pix code
        ran out): checkout.session.async_payment_failed."""
        with self._lock:
            session = self._stored("checkout.session", session_id)
            intent = self._objects.get(session["payment_intent"] or "")
            if intent is None or intent["status"] != "processing":
                raise ValueError(f"checkout session {session_id} has no payment in progress")
            intent["status"] = "requires_payment_method"
            events = [self._event("checkout.session.async_payment_failed", session)]
        return self._send(events, deliver)

    def expire_checkout(self, session_id: str, *, deliver: bool = True) -> list[dict[str, Any]]:
        with self._lock:
            session = self._stored("checkout.session", session_id)
            if session["status"] != "open":
                raise ValueError(f"checkout session {session_id} is {session['status']}")
            events = self._expire(session)
        return self._send(events, deliver)

    def update_subscription(
        self,
        subscription_id: str,
        *,
        status: str | None = None,
        price: str | None = None,
        cancel_at_period_end: bool | None = None,
        deliver: bool = True,
    ) -> list[dict[str, Any]]:
        """Changes what is named; customer.subscription.updated with previous_attributes, or
        no event when nothing changed. `price` (a configured recurring price) replaces the
        first item's."""
        if status is not None and status not in SUBSCRIPTION_STATUSES:
            raise ValueError(
                f"status must be one of {sorted(SUBSCRIPTION_STATUSES)}; "
                "cancel_subscription() cancels"
            )
        with self._lock:
            subscription = self._live_subscription(subscription_id)
            before = copy.deepcopy(subscription)
            if status is not None:
                subscription["status"] = status
            if price is not None:
                configured = self._prices.get(price)
                if configured is None or configured["recurring"] is None:
                    raise ValueError(f"{price} is not a configured recurring price")
                subscription["items"]["data"][0]["price"] = copy.deepcopy(configured)
            if cancel_at_period_end is not None:
                subscription["cancel_at_period_end"] = cancel_at_period_end
                if cancel_at_period_end != before["cancel_at_period_end"]:
                    scheduled = cancel_at_period_end
                    subscription["cancel_at"] = (
                        subscription["current_period_end"] if scheduled else None
                    )
                    # Stripe dates the request, not the end of the period.
                    subscription["canceled_at"] = _now() if scheduled else None
            events = self._updated(before, subscription)
        return self._send(events, deliver)

    def fail_invoice(self, subscription_id: str, *, deliver: bool = True) -> list[dict[str, Any]]:
        """A renewal charge fails (a new period starts with an open invoice) or, when the
        latest invoice is still open, a retry fails. The subscription goes past_due:
        invoice.payment_failed, then customer.subscription.updated when it changed."""
        with self._lock:
            subscription = self._live_subscription(subscription_id)
            before = copy.deepcopy(subscription)
            invoice = self._open_invoice(subscription)
            if invoice is None:
                invoice = self._renew(subscription, paid=False)
            else:
                invoice["attempt_count"] += 1
            subscription["status"] = "past_due"
            events = [self._event("invoice.payment_failed", invoice)]
            events += self._updated(before, subscription)
        return self._send(events, deliver)

    def pay_invoice(self, subscription_id: str, *, deliver: bool = True) -> list[dict[str, Any]]:
        """The open invoice is paid or, with none open, the subscription renews and pays for
        its next period. The subscription goes active: invoice.paid, then
        customer.subscription.updated when it changed."""
        with self._lock:
            subscription = self._live_subscription(subscription_id)
            before = copy.deepcopy(subscription)
            invoice = self._open_invoice(subscription)
            if invoice is None:
                invoice = self._renew(subscription, paid=True)
            else:
                _mark_paid(invoice)
            subscription["status"] = "active"
            events = [self._event("invoice.paid", invoice)]
            events += self._updated(before, subscription)
        return self._send(events, deliver)

    def cancel_subscription(
        self, subscription_id: str, *, deliver: bool = True
    ) -> list[dict[str, Any]]:
        """Cancels now: customer.subscription.deleted."""
        with self._lock:
            subscription = self._live_subscription(subscription_id)
            events = self._cancel_now(subscription)
        return self._send(events, deliver)

    def deliver(
        self, event: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> int:
        """POSTs `event` to webhook_url as Stripe does, signed with `secret` (the webhook
        secret by default) at `timestamp` (now by default); the HTTP status answered. Errors
        are returned, not raised; a redirect is not followed (Stripe counts it a failure)."""
        url = self.webhook_url
        if url is None:
            raise RuntimeError("webhook_url is not set")
        target = urlsplit(url)
        if target.scheme != "http" or target.hostname != HOST:
            raise ValueError(f"webhook_url must be http://{HOST}:<port>/...")
        payload = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
        signed_at = int(time.time()) if timestamp is None else timestamp
        key = self.webhook_secret if secret is None else secret
        request = urllib.request.Request(  # noqa: S310 - checked above: http to 127.0.0.1
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature_header(payload, key, signed_at),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                "Cache-Control": "no-cache",
            },
        )
        try:
            with _WEBHOOK_OPENER.open(request, timeout=_WEBHOOK_TIMEOUT_SECONDS) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            return int(exc.code)

    # -- used by the handler ---------------------------------------------------------------

    def answer_api(
        self,
        method: str,
        target: str,
        body: bytes,
        *,
        authorization: str | None,
        idempotency_key: str | None,
        stripe_version: str | None,
    ) -> _Answer:
        url = urlsplit(target)
        decode_error = None
        try:
            params = decode_form(body if method == "POST" else url.query)
        except (ValueError, UnicodeDecodeError) as exc:
            params, decode_error = {}, str(exc)
        headers = {"Request-Id": _id("req_")}
        if stripe_version:
            headers["Stripe-Version"] = stripe_version
        if method == "POST" and idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        with self._lock:
            self._requests.append(
                ReceivedRequest(
                    method, url.path, copy.deepcopy(params), idempotency_key, stripe_version
                )
            )
            if self._faults:
                return _error_answer(_fault(self._faults.popleft()), headers)
            try:
                self._authenticate(authorization)
                if decode_error is not None:
                    raise _ApiError(400, decode_error)
            except _ApiError as exc:
                return _error_answer(exc, headers)
            saved = self._saved.get(idempotency_key or "") if method == "POST" else None
            if saved is not None:
                return self._replay(saved, method, url.path, params, headers)
            try:
                answer = self._dispatch(method, url.path, params, headers)
            except _ApiError as exc:
                return _error_answer(exc, headers)
            if method == "POST" and idempotency_key:
                self._saved[idempotency_key] = _Saved(method, url.path, params, answer)
            return answer

    def run_page_action(self, action: Callable[[], Any]) -> str | None:
        """Runs a simulation for a page; the reason it was refused, else None."""
        try:
            action()
        except (KeyError, ValueError) as exc:
            return str(exc.args[0]) if exc.args else str(exc)
        return None

    def page_objects(self, *ids: str) -> list[dict[str, Any] | None]:
        with self._lock:
            return [copy.deepcopy(self._objects.get(i)) for i in ids]

    def customer_subscriptions(self, customer_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [
                copy.deepcopy(o)
                for o in self._objects.values()
                if o["object"] == "subscription" and o["customer"] == customer_id
            ]

    def session_line_items(self, session_id: str) -> list[dict[str, Any]]:
        with self._lock:
            plan = self._plans.get(session_id)
            return copy.deepcopy(plan.line_items) if plan else []

    # -- API plumbing ----------------------------------------------------------------------

    def _authenticate(self, authorization: str | None) -> None:
        scheme, _, credentials = (authorization or "").strip().partition(" ")
        key = ""
        if scheme.lower() == "bearer":
            key = credentials.strip()
        elif scheme.lower() == "basic":
            try:
                key = base64.b64decode(credentials, validate=True).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                key = ""
        if not key:
            raise _ApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        if not hmac.compare_digest(key.encode(), self.api_key.encode()):
            raise _ApiError(401, f"Invalid API Key provided: {_masked(key)}")

    def _replay(
        self,
        saved: _Saved,
        method: str,
        path: str,
        params: dict[str, Any],
        headers: dict[str, str],
    ) -> _Answer:
        key = headers.get("Idempotency-Key", "")
        if (saved.method, saved.path) != (method, path):
            message = (
                "Keys for idempotent requests can only be used for the same endpoint they "
                f"were first used for ('{saved.method} {saved.path}'). Try using a key other "
                f"than '{key}' if you meant to execute a different request."
            )
            return _error_answer(_ApiError(400, message, error_type="idempotency_error"), headers)
        if saved.params != params:
            message = (
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request."
            )
            return _error_answer(_ApiError(400, message, error_type="idempotency_error"), headers)
        replayed = {
            **saved.answer.headers,
            "Request-Id": headers["Request-Id"],
            "Original-Request": saved.answer.headers["Request-Id"],
            "Idempotent-Replayed": "true",
        }
        return _Answer(saved.answer.status, saved.answer.body, replayed)

    def _dispatch(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> _Answer:
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is not None and route_method == method:
                ids = [unquote(g) for g in match.groups()]
                found = handler(params, *ids)
                return _json_answer(200, self._expanded(found, params), headers)
        raise _ApiError(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
            "or we can help at https://support.stripe.com/.",
            code="resource_missing",
        )

    def _expanded(self, found: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        expand = params.get("expand") or []
        if isinstance(expand, str):
            expand = [expand]
        if not isinstance(expand, list) or not all(isinstance(p, str) for p in expand):
            raise _invalid("expand", "Invalid array")
        result = copy.deepcopy(found)
        for path in expand:
            self._expand(result, path.split("."), path)
        return result

    def _expand(self, node: dict[str, Any], parts: list[str], path: str) -> None:
        head, rest = parts[0], parts[1:]
        target: Any
        if node.get("object") == "checkout.session" and head == "line_items":
            items = self._plans[node["id"]].line_items if node["id"] in self._plans else []
            target = node["line_items"] = _list(
                copy.deepcopy(items), f"/v1/checkout/sessions/{node['id']}/line_items"
            )
        elif isinstance(node.get(head), str) and node[head] in self._objects:
            target = node[head] = copy.deepcopy(self._objects[node[head]])
        elif isinstance(node.get(head), dict):
            target = node[head]
        elif head in node and node[head] is None:
            return
        else:
            raise _invalid("expand", f"This property cannot be expanded ({path}).")
        if rest:
            self._expand(target, rest, path)

    def _retrieve(self, kind: str, params: dict[str, Any], object_id: str) -> dict[str, Any]:
        found = self._objects.get(object_id)
        if found is None or found["object"] != kind:
            raise _no_such(kind, object_id, param="id", status=404)
        return found

    def _stored(self, kind: str, object_id: str) -> dict[str, Any]:
        found = self._objects.get(object_id)
        if found is None or found["object"] != kind:
            raise KeyError(f"no {kind} {object_id}")
        return found

    def _existing_customer(self, params: dict[str, Any]) -> dict[str, Any] | None:
        customer_id = _string(params, "customer")
        if customer_id is None:
            return None
        found = self._objects.get(customer_id)
        if found is None or found["object"] != "customer":
            raise _no_such("customer", customer_id, param="customer")
        return found

    # -- API endpoints ---------------------------------------------------------------------

    def _create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        email = _string(params, "email")
        if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise _invalid("email", f"Invalid email address: {email}", code="email_invalid")
        return self._new_customer(
            email=email,
            name=_string(params, "name"),
            metadata=_metadata(params.get("metadata"), "metadata"),
            description=_string(params, "description"),
            phone=_string(params, "phone"),
        )

    def _new_customer(
        self,
        *,
        email: str | None,
        name: str | None,
        metadata: dict[str, str],
        description: str | None = None,
        phone: str | None = None,
    ) -> dict[str, Any]:
        customer: dict[str, Any] = {
            "id": _id("cus_"),
            "object": "customer",
            "balance": 0,
            "created": _now(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": description,
            "email": email,
            "invoice_prefix": secrets.token_hex(4).upper(),
            "livemode": False,
            "metadata": metadata,
            "name": name,
            "phone": phone,
            "preferred_locales": [],
        }
        self._objects[customer["id"]] = customer
        return customer

    def _create_checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = _required_string(params, "mode")
        if mode not in ("payment", "subscription"):
            raise _invalid(
                "mode", f"Invalid mode: {mode}. This stand-in knows payment and subscription."
            )
        success_url = _required_string(params, "success_url")
        customer = self._existing_customer(params)
        customer_email = _string(params, "customer_email")
        if customer is not None and customer_email is not None:
            raise _ApiError(
                400, "You may only specify one of these parameters: customer, customer_email."
            )
        line_items = self._checkout_line_items(params, mode)
        plan = _CheckoutPlan(line_items=line_items)
        if "subscription_data" in params:
            if mode != "subscription":
                raise _invalid(
                    "subscription_data", "You can only pass subscription_data in subscription mode."
                )
            self._plan_subscription(plan, params["subscription_data"])
        if "payment_intent_data" in params:
            if mode != "payment":
                raise _invalid(
                    "payment_intent_data", "You can only pass payment_intent_data in payment mode."
                )
            data = params["payment_intent_data"]
            if not isinstance(data, dict):
                raise _invalid("payment_intent_data", "Invalid object")
            plan.payment_intent_metadata = _metadata(
                data.get("metadata"), "payment_intent_data[metadata]"
            )
        now = _now()
        expires_at = _integer(params, "expires_at")
        if expires_at is None:
            expires_at = now + _CHECKOUT_MAX_LIFETIME
        elif not now + _CHECKOUT_MIN_LIFETIME <= expires_at <= now + _CHECKOUT_MAX_LIFETIME:
            raise _invalid(
                "expires_at",
                "The `expires_at` timestamp must be between 30 minutes and 24 hours after the "
                "Checkout Session is created.",
            )
        methods = params.get("payment_method_types", ["card"])
        if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
            raise _invalid("payment_method_types", "Invalid array")
        client_reference_id = _string(params, "client_reference_id")
        if client_reference_id is not None and len(client_reference_id) > 200:
            raise _invalid("client_reference_id", "client_reference_id is too long (max 200).")
        amount = sum(item["amount_total"] for item in line_items)
        session_id = _id("cs_test_", 24)
        session: dict[str, Any] = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": _string(params, "cancel_url"),
            "client_reference_id": client_reference_id,
            "created": now,
            "currency": line_items[0]["currency"],
            "customer": customer["id"] if customer else None,
            "customer_details": None,
            "customer_email": customer_email,
            "expires_at": expires_at,
            "invoice": None,
            "livemode": False,
            "locale": _string(params, "locale"),
            "metadata": _metadata(params.get("metadata"), "metadata"),
            "mode": mode,
            "payment_intent": None,
            "payment_method_types": methods,
            "payment_status": "unpaid",
            "status": "open",
            "subscription": None,
            "success_url": success_url,
            "ui_mode": "hosted",
            "url": f"{self.url}/pay/{session_id}",
        }
        self._objects[session_id] = session
        self._plans[session_id] = plan
        return session

    def _checkout_line_items(self, params: dict[str, Any], mode: str) -> list[dict[str, Any]]:
        raw = params.get("line_items")
        if raw is None or raw == "" or raw == []:
            raise _missing("line_items")
        if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
            raise _invalid("line_items", "Invalid array")
        items = []
        for index, entry in enumerate(raw):
            name = f"line_items[{index}]"
            quantity = _integer(entry, "quantity", param=f"{name}[quantity]")
            if quantity is None:
                raise _missing(f"{name}[quantity]")
            if quantity < 1:
                raise _invalid(f"{name}[quantity]", "Quantity must be at least 1.")
            if ("price" in entry) == ("price_data" in entry):
                raise _ApiError(
                    400,
                    f"You must specify exactly one of `price` or `price_data` in {name}.",
                    param=name,
                )
            if "price" in entry:
                price_id = _required_string(entry, "price", param=f"{name}[price]")
                price = self._prices.get(price_id)
                if price is None:
                    raise _no_such("price", price_id, param=f"{name}[price]")
                price, description = copy.deepcopy(price), price["id"]
            else:
                price, description = _inline_price(entry["price_data"], f"{name}[price_data]")
            amount = price["unit_amount"] * quantity
            items.append(
                {
                    "id": _id("li_"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": amount,
                    "amount_tax": 0,
                    "amount_total": amount,
                    "currency": price["currency"],
                    "description": description,
                    "price": price,
                    "quantity": quantity,
                }
            )
        if len({item["currency"] for item in items}) > 1:
            raise _invalid("line_items", "All line items must use the same currency.")
        recurring = [item for item in items if item["price"]["recurring"] is not None]
        if mode == "subscription" and not recurring:
            raise _invalid(
                "line_items",
                "You must provide at least one recurring price in `subscription` mode when "
                "using prices.",
            )
        if mode == "payment" and recurring:
            raise _invalid(
                "line_items",
                "You specified `payment` mode but passed a recurring price. Either switch to "
                "`subscription` mode or use only one-time prices.",
            )
        if len({item["price"]["recurring"]["interval"] for item in recurring}) > 1:
            raise _invalid("line_items", "All recurring prices must use the same interval.")
        return items

    def _plan_subscription(self, plan: _CheckoutPlan, data: Any) -> None:
        if not isinstance(data, dict):
            raise _invalid("subscription_data", "Invalid object")
        plan.subscription_metadata = _metadata(data.get("metadata"), "subscription_data[metadata]")
        trial_end = _integer(data, "trial_end", param="subscription_data[trial_end]")
        trial_days = _integer(
            data, "trial_period_days", param="subscription_data[trial_period_days]"
        )
        if trial_end is not None and trial_days is not None:
            raise _ApiError(
                400,
                "You may only specify one of these parameters: subscription_data[trial_end], "
                "subscription_data[trial_period_days].",
            )
        if trial_end is not None and trial_end < _now() + _TRIAL_MIN_NOTICE:
            raise _invalid(
                "subscription_data[trial_end]",
                "subscription_data[trial_end] must be at least 48 hours in the future.",
            )
        if trial_days is not None and trial_days < 1:
            raise _invalid(
                "subscription_data[trial_period_days]",
                "subscription_data[trial_period_days] must be at least 1.",
            )
        plan.trial_end, plan.trial_period_days = trial_end, trial_days

    def _expire_session(self, params: dict[str, Any], session_id: str) -> dict[str, Any]:
        session = self._retrieve("checkout.session", params, session_id)
        if session["status"] != "open":
            raise _ApiError(
                400,
                'Only Checkout Sessions with a status in ["open"] can be expired. This '
                f'Checkout Session has a status of "{session["status"]}".',
            )
        self._expire(session)
        return session

    def _create_portal_session(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = self._existing_customer(params)
        if customer is None:
            raise _missing("customer")
        portal_id = _id("bps_")
        portal: dict[str, Any] = {
            "id": portal_id,
            "object": "billing_portal.session",
            "configuration": "bpc_local",
            "created": _now(),
            "customer": customer["id"],
            "flow": None,
            "livemode": False,
            "locale": _string(params, "locale"),
            "on_behalf_of": None,
            "return_url": _string(params, "return_url"),
            "url": f"{self.url}/portal/{portal_id}",
        }
        self._objects[portal_id] = portal
        return portal

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        intent_id = _string(params, "payment_intent")
        charge_id = _string(params, "charge")
        if intent_id is None and charge_id is not None:
            intent_id = next(
                (
                    o["id"]
                    for o in self._objects.values()
                    if o["object"] == "payment_intent" and o["latest_charge"] == charge_id
                ),
                None,
            )
            if intent_id is None:
                raise _no_such("charge", charge_id, param="charge")
        if intent_id is None:
            raise _missing("payment_intent")
        intent = self._objects.get(intent_id)
        if intent is None or intent["object"] != "payment_intent":
            raise _no_such("payment_intent", intent_id, param="payment_intent")
        if intent["status"] != "succeeded":
            raise _ApiError(
                400,
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                code="payment_intent_unexpected_state",
                param="payment_intent",
            )
        remaining = intent["amount_received"] - intent["amount_refunded"]
        if remaining <= 0:
            raise _ApiError(
                400,
                f"Charge {intent['latest_charge']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = _integer(params, "amount")
        if amount is None:
            amount = remaining
        if amount < 1:
            raise _invalid("amount", "Invalid positive integer", code="parameter_invalid_integer")
        if amount > remaining:
            raise _invalid(
                "amount",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                code="amount_too_large",
            )
        reason = _string(params, "reason")
        if reason is not None and reason not in _REFUND_REASONS:
            raise _invalid("reason", f"Invalid reason: must be one of {sorted(_REFUND_REASONS)}")
        refund: dict[str, Any] = {
            "id": _id("re_"),
            "object": "refund",
            "amount": amount,
            "charge": intent["latest_charge"],
            "created": _now(),
            "currency": intent["currency"],
            "metadata": _metadata(params.get("metadata"), "metadata"),
            "payment_intent": intent_id,
            "reason": reason,
            "status": "succeeded",
        }
        intent["amount_refunded"] += amount
        self._objects[refund["id"]] = refund
        return refund

    # -- state changes (under the lock) ----------------------------------------------------

    def _start_subscription(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        plan = self._plans[session["id"]]
        now = _now()
        customer_id = (
            session["customer"]
            or self._new_customer(email=session["customer_email"], name=None, metadata={})["id"]
        )
        recurring = [i for i in plan.line_items if i["price"]["recurring"] is not None]
        one_time = sum(i["amount_total"] for i in plan.line_items if i not in recurring)
        interval = recurring[0]["price"]["recurring"]["interval"]
        trial_end = plan.trial_end
        if plan.trial_period_days is not None:
            trial_end = now + plan.trial_period_days * 86_400
        period_end = trial_end or _add_interval(now, interval)
        subscription_id = _id("sub_")
        items = [
            {
                "id": _id("si_"),
                "object": "subscription_item",
                "created": now,
                "current_period_end": period_end,
                "current_period_start": now,
                "metadata": {},
                "price": copy.deepcopy(item["price"]),
                "quantity": item["quantity"],
                "subscription": subscription_id,
            }
            for item in recurring
        ]
        subscription: dict[str, Any] = {
            "id": subscription_id,
            "object": "subscription",
            "billing_cycle_anchor": period_end,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "collection_method": "charge_automatically",
            "created": now,
            "currency": session["currency"],
            "current_period_end": period_end,
            "current_period_start": now,
            "customer": customer_id,
            "ended_at": None,
            "items": _list(items, f"/v1/subscription_items?subscription={subscription_id}"),
            "latest_invoice": None,
            "livemode": False,
            "metadata": dict(plan.subscription_metadata),
            "start_date": now,
            "status": "trialing" if trial_end else "active",
            "trial_end": trial_end,
            "trial_start": now if trial_end else None,
        }
        self._objects[subscription_id] = subscription
        amount = one_time if trial_end else session["amount_total"]
        invoice = self._new_invoice(subscription, amount, "subscription_create", paid=True)
        events = [
            self._event("customer.subscription.created", subscription),
            self._event("invoice.paid", invoice),
        ]
        session.update(
            customer=customer_id,
            customer_details=self._customer_details(session, customer_id),
            invoice=invoice["id"],
            payment_status="paid" if amount else "no_payment_required",
            status="complete",
            subscription=subscription_id,
        )
        events.append(self._event("checkout.session.completed", session))
        return events

    def _pay_once(self, session: dict[str, Any], *, async_payment: bool) -> list[dict[str, Any]]:
        plan = self._plans[session["id"]]
        intent: dict[str, Any] = {
            "id": _id("pi_"),
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": 0,
            # Not on Stripe's PaymentIntent (its charge has it); kept here for assertions.
            "amount_refunded": 0,
            "created": _now(),
            "currency": session["currency"],
            "customer": session["customer"],
            "description": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(plan.payment_intent_metadata),
            "payment_method_types": list(session["payment_method_types"]),
            "status": "processing",
        }
        if not async_payment:
            _succeed(intent)
        self._objects[intent["id"]] = intent
        session.update(
            customer_details=self._customer_details(session, session["customer"]),
            payment_intent=intent["id"],
            payment_status="unpaid" if async_payment else "paid",
            status="complete",
        )
        return [self._event("checkout.session.completed", session)]

    def _settle_async_payment(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        _succeed(self._objects[session["payment_intent"]])
        session["payment_status"] = "paid"
        return [self._event("checkout.session.async_payment_succeeded", session)]

    def _expire(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        session.update(status="expired", url=None)
        return [self._event("checkout.session.expired", session)]

    def _customer_details(self, session: dict[str, Any], customer_id: str | None) -> dict[str, Any]:
        customer = self._objects.get(customer_id or "") or {}
        return {
            "email": customer.get("email") or session["customer_email"],
            "name": customer.get("name"),
        }

    def _live_subscription(self, subscription_id: str) -> dict[str, Any]:
        subscription = self._stored("subscription", subscription_id)
        if subscription["status"] == "canceled":
            raise ValueError(f"subscription {subscription_id} is canceled")
        return subscription

    def _open_invoice(self, subscription: dict[str, Any]) -> dict[str, Any] | None:
        invoice = self._objects.get(subscription["latest_invoice"] or "")
        return invoice if invoice is not None and invoice["status"] == "open" else None

    def _renew(self, subscription: dict[str, Any], *, paid: bool) -> dict[str, Any]:
        """Starts the next period and bills it."""
        start = subscription["current_period_end"]
        interval = subscription["items"]["data"][0]["price"]["recurring"]["interval"]
        end = _add_interval(start, interval)
        subscription.update(current_period_start=start, current_period_end=end)
        for item in subscription["items"]["data"]:
            item.update(current_period_start=start, current_period_end=end)
        if subscription["cancel_at_period_end"]:
            subscription["cancel_at"] = end
        amount = sum(
            item["price"]["unit_amount"] * item["quantity"]
            for item in subscription["items"]["data"]
        )
        return self._new_invoice(subscription, amount, "subscription_cycle", paid=paid)

    def _new_invoice(
        self, subscription: dict[str, Any], amount: int, billing_reason: str, *, paid: bool
    ) -> dict[str, Any]:
        now = _now()
        invoice_id = _id("in_")
        invoice: dict[str, Any] = {
            "id": invoice_id,
            "object": "invoice",
            "amount_due": amount,
            "amount_paid": 0,
            "amount_remaining": amount,
            "attempt_count": 1,
            "attempted": True,
            "billing_reason": billing_reason,
            "collection_method": "charge_automatically",
            "created": now,
            "currency": subscription["currency"],
            "customer": subscription["customer"],
            "hosted_invoice_url": f"{self.url}/invoice/{invoice_id}",
            "livemode": False,
            "metadata": {},
            "parent": {
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "metadata": dict(subscription["metadata"]),
                    "subscription": subscription["id"],
                },
            },
            "period_end": subscription["current_period_end"],
            "period_start": subscription["current_period_start"],
            "status": "open",
            "status_transitions": {"finalized_at": now, "paid_at": None},
            "subscription": subscription["id"],
        }
        if paid:
            _mark_paid(invoice)
        self._objects[invoice_id] = invoice
        subscription["latest_invoice"] = invoice_id
        return invoice

    def _cancel_now(self, subscription: dict[str, Any]) -> list[dict[str, Any]]:
        now = _now()
        subscription.update(status="canceled", ended_at=now)
        subscription["canceled_at"] = subscription["canceled_at"] or now
        return [self._event("customer.subscription.deleted", subscription)]

    def _updated(self, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
        """customer.subscription.updated with what changed, or nothing when nothing did."""
        previous = {k: before[k] for k in after if before.get(k) != after[k]}
        if not previous:
            return []
        return [self._event("customer.subscription.updated", after, previous)]

    def _event(
        self,
        event_type: str,
        obj: dict[str, Any],
        previous: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = copy.deepcopy(previous)
        return {
            "id": _id("evt_"),
            "object": "event",
            "api_version": _library_api_version(),
            "created": _now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }

    def _send(self, events: list[dict[str, Any]], deliver: bool) -> list[dict[str, Any]]:
        """Delivers in order (outside the lock: a receiver may call the API back). A failed
        delivery is logged; Stripe would retry it later, the caller can with deliver()."""
        if deliver and self.webhook_url is not None:
            for event in events:
                try:
                    status = self.deliver(event)
                except OSError as exc:
                    logger.warning(
                        "webhook %s %s not delivered: %s", event["type"], event["id"], exc
                    )
                    continue
                if not 200 <= status < 300:
                    logger.warning("webhook %s %s answered %s", event["type"], event["id"], status)
        return events


# -- helpers -------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxy: webhooks go to 127.0.0.1 whatever the environment says.
_WEBHOOK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


@functools.cache
def _library_api_version() -> str:
    # The client library is heavy: only loaded when the first event is built.
    import stripe

    return str(stripe.api_version)


def _now() -> int:
    return int(time.time())


def _id(prefix: str, size: int = 12) -> str:
    return prefix + secrets.token_hex(size)


def _masked(key: str) -> str:
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def _list(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}


def _price_object(
    price_id: str, *, unit_amount: int, currency: str, interval: str | None, product: str
) -> dict[str, Any]:
    return {
        "id": price_id,
        "object": "price",
        "active": True,
        "currency": currency,
        "livemode": False,
        "product": product,
        "recurring": None
        if interval is None
        else {"interval": interval, "interval_count": 1, "usage_type": "licensed"},
        "type": "one_time" if interval is None else "recurring",
        "unit_amount": unit_amount,
    }


def _inline_price(data: Any, name: str) -> tuple[dict[str, Any], str]:
    """A `price_data` entry as the price object Stripe creates for it, and its description."""
    if not isinstance(data, dict):
        raise _invalid(name, "Invalid object")
    currency = _required_string(data, "currency", param=f"{name}[currency]").lower()
    if not _CURRENCY.fullmatch(currency):
        raise _invalid(f"{name}[currency]", f"Invalid currency: {currency}")
    unit_amount = _integer(data, "unit_amount", param=f"{name}[unit_amount]")
    if unit_amount is None:
        raise _missing(f"{name}[unit_amount]")
    if unit_amount < 0:
        raise _invalid(f"{name}[unit_amount]", "Invalid non-negative integer")
    product = _string(data, "product", param=f"{name}[product]")
    product_data = data.get("product_data")
    if product is None:
        if not isinstance(product_data, dict):
            raise _missing(f"{name}[product_data]")
        description = _required_string(product_data, "name", param=f"{name}[product_data][name]")
        product = _id("prod_")
    else:
        description = product
    interval = None
    if "recurring" in data:
        recurring = data["recurring"]
        if not isinstance(recurring, dict):
            raise _invalid(f"{name}[recurring]", "Invalid object")
        interval = _required_string(recurring, "interval", param=f"{name}[recurring][interval]")
        if interval not in INTERVALS:
            raise _invalid(f"{name}[recurring][interval]", f"Invalid interval: {interval}")
    price = _price_object(
        _id("price_"),
        unit_amount=unit_amount,
        currency=currency,
        interval=interval,
        product=product,
    )
    return price, description


def _string(params: Mapping[str, Any], key: str, *, param: str | None = None) -> str | None:
    """A string param, None when absent ("" counts as absent: Stripe reads it as unset)."""
    value = params.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(param or key, "Invalid string")
    return value


def _required_string(params: Mapping[str, Any], key: str, *, param: str | None = None) -> str:
    value = _string(params, key, param=param)
    if value is None:
        raise _missing(param or key)
    return value


def _integer(params: Mapping[str, Any], key: str, *, param: str | None = None) -> int | None:
    value = _string(params, key, param=param)
    if value is None:
        return None
    if not re.fullmatch(r"-?\d{1,18}", value):
        raise _invalid(param or key, f"Invalid integer: {value}", code="parameter_invalid_integer")
    return int(value)


def _metadata(raw: Any, param: str) -> dict[str, str]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, list):  # keys "0".."n-1" decode as a list
        raw = {str(i): v for i, v in enumerate(raw)}
    if not isinstance(raw, dict):
        raise _invalid(param, "Invalid object")
    metadata = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            raise _invalid(f"{param}[{key}]", "Invalid string")
        if len(key) > _METADATA_MAX_KEY:
            raise _invalid(
                f"{param}[{key}]", f"Metadata keys can be at most {_METADATA_MAX_KEY} characters."
            )
        if len(value) > _METADATA_MAX_VALUE:
            raise _invalid(
                f"{param}[{key}]",
                f"Metadata values can be at most {_METADATA_MAX_VALUE} characters.",
            )
        if value:
            metadata[key] = value
    if len(metadata) > _METADATA_MAX_KEYS:
        raise _invalid(param, f"Metadata can have at most {_METADATA_MAX_KEYS} keys.")
    return metadata


def _succeed(intent: dict[str, Any]) -> None:
    intent.update(amount_received=intent["amount"], latest_charge=_id("ch_"), status="succeeded")


def _mark_paid(invoice: dict[str, Any]) -> None:
    invoice.update(amount_paid=invoice["amount_due"], amount_remaining=0, status="paid")
    invoice["status_transitions"]["paid_at"] = _now()


def _add_interval(timestamp: int, interval: str) -> int:
    if interval == "day":
        return timestamp + 86_400
    if interval == "week":
        return timestamp + 7 * 86_400
    moment = datetime.fromtimestamp(timestamp, UTC)
    months = moment.month - 1 + (1 if interval == "month" else 12)
    year, month = moment.year + months // 12, months % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def _json_answer(status: int, payload: Any, headers: dict[str, str]) -> _Answer:
    return _Answer(status, json.dumps(payload, indent=2).encode(), dict(headers))


def _error_answer(error: _ApiError, headers: dict[str, str]) -> _Answer:
    return _json_answer(error.status, {"error": error.error}, headers)


# -- HTTP ----------------------------------------------------------------------------------


class _StripeHandler(JsonRequestHandler):
    service: ClassVar[LocalStripe]

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's dispatch name
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/v1/"):
            answer = self.service.answer_api(
                method,
                self.path,
                self.read_body() if method == "POST" else b"",
                authorization=self.headers.get("Authorization"),
                idempotency_key=self.headers.get("Idempotency-Key"),
                stripe_version=self.headers.get("Stripe-Version"),
            )
            self.send_bytes(answer.status, answer.body, "application/json", answer.headers)
        elif path.startswith("/_control/") and method == "POST":
            self._control(path.removeprefix("/_control/"))
        elif method == "GET":
            self._page(path)
        elif method == "POST":
            self._page_action(path, parse_qs(self.read_body().decode("utf-8", "replace")))
        else:
            self._send_page(404, "Not found", "<p>Nothing here.</p>")

    # -- control ---------------------------------------------------------------------------

    def _control(self, action: str) -> None:
        try:
            body = self.read_json() if action != "reset" else {}
            if not isinstance(body, dict):
                raise ValueError("expected a JSON object")
            if action == "reset":
                self.service.reset()
            elif action == "fail_next":
                self.service.fail_next(
                    int(body.get("count", 1)), status=int(body.get("status", 500))
                )
            else:
                self.send_json(404, {"error": "Not Found"})
                return
        except (TypeError, ValueError) as exc:
            self.send_json(400, {"error": str(exc)})
            return
        self.send_json(200, {"ok": True})

    # -- pages -----------------------------------------------------------------------------

    def _page(self, path: str) -> None:
        if match := re.fullmatch(rf"/pay/{_PAGE_ID}", path):
            self._checkout_page(match.group(1))
        elif match := re.fullmatch(rf"/portal/{_PAGE_ID}", path):
            self._portal_page(match.group(1))
        elif match := re.fullmatch(rf"/invoice/{_PAGE_ID}", path):
            self._invoice_page(match.group(1))
        else:
            self._send_page(404, "Not found", "<p>Nothing here.</p>")

    def _page_action(self, path: str, form: dict[str, list[str]]) -> None:
        service = self.service
        if match := re.fullmatch(rf"/pay/{_PAGE_ID}", path):
            session_id = match.group(1)
            (session,) = service.page_objects(session_id)
            if session is None or session["object"] != "checkout.session":
                self._send_page(404, "Not found", "<p>No such checkout session.</p>")
                return
            settling = session["status"] == "complete"
            refused = service.run_page_action(
                lambda: service.pay_checkout(session_id, async_payment=form.get("async") == ["1"])
            )
            if refused is not None:
                self._refused(refused)
            elif settling:
                self._redirect(f"/pay/{session_id}")
            else:
                self._redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id))
        elif match := re.fullmatch(rf"/pay/{_PAGE_ID}/cancel", path):
            session_id = match.group(1)
            (session,) = service.page_objects(session_id)
            if session is None or session["object"] != "checkout.session":
                self._send_page(404, "Not found", "<p>No such checkout session.</p>")
                return
            refused = service.run_page_action(lambda: service.expire_checkout(session_id))
            if refused is not None:
                self._refused(refused)
            else:
                self._redirect(session["cancel_url"] or f"/pay/{session_id}")
        elif match := re.fullmatch(rf"/portal/{_PAGE_ID}/cancel/{_PAGE_ID}", path):
            portal_id, subscription_id = match.groups()
            portal, subscription = service.page_objects(portal_id, subscription_id)
            if (
                portal is None
                or portal["object"] != "billing_portal.session"
                or subscription is None
                or subscription["object"] != "subscription"
                or subscription["customer"] != portal["customer"]
            ):
                self._send_page(404, "Not found", "<p>No such subscription.</p>")
                return
            if form.get("when") == ["now"]:
                refused = service.run_page_action(
                    lambda: service.cancel_subscription(subscription_id)
                )
            else:  # the portal's default: at the end of the period
                refused = service.run_page_action(
                    lambda: service.update_subscription(subscription_id, cancel_at_period_end=True)
                )
            if refused is not None:
                self._refused(refused)
            else:
                self._redirect(f"/portal/{portal_id}")
        else:
            self._send_page(404, "Not found", "<p>Nothing here.</p>")

    def _checkout_page(self, session_id: str) -> None:
        (session,) = self.service.page_objects(session_id)
        if session is None or session["object"] != "checkout.session":
            self._send_page(404, "Not found", "<p>No such checkout session.</p>")
            return
        items = self.service.session_line_items(session_id)
        rows = "".join(
            f"<tr><td>{_e(i['description'])}</td><td>{i['quantity']}</td>"
            f"<td>{_e(_money(i['amount_total'], i['currency']))}{_e(_per(i['price']))}</td></tr>"
            for i in items
        )
        action = f"/pay/{_e(session_id)}"
        status, paid = session["status"], session["payment_status"]
        if status == "open":
            pix = (
                f'<form method="post" action="{action}"><input type="hidden" name="async" '
                'value="1"><button>Pay with Pix (confirmed later)</button></form>'
                if session["mode"] == "payment"
                else ""
            )
            controls = (
                f'<form method="post" action="{action}"><button>Pay</button></form>{pix}'
                f'<form method="post" action="{action}/cancel"><button>Cancel</button></form>'
            )
        elif status == "complete" and paid == "unpaid":
            controls = (
                "<p>Payment processing.</p>"
                f'<form method="post" action="{action}"><button>Confirm the Pix payment'
                "</button></form>"
            )
        elif status == "complete":
            controls = "<p>Paid.</p>"
        else:
            controls = "<p>This checkout session has expired.</p>"
        email = session["customer_email"] or ""
        body = (
            f"<p>{_e(email)}</p><table><thead><tr><th>Item</th><th>Qty</th><th>Amount</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
            f"<p><strong>Total {_e(_money(session['amount_total'], session['currency']))}"
            f"</strong></p>{controls}"
        )
        self._send_page(200, "Checkout", body)

    def _portal_page(self, portal_id: str) -> None:
        (portal,) = self.service.page_objects(portal_id)
        if portal is None or portal["object"] != "billing_portal.session":
            self._send_page(404, "Not found", "<p>No such billing portal session.</p>")
            return
        rows = []
        for sub in self.service.customer_subscriptions(portal["customer"]):
            item = sub["items"]["data"][0]
            state = sub["status"]
            if sub["cancel_at_period_end"]:
                state += f" (cancels {_date(sub['current_period_end'])})"
            if sub["status"] == "canceled":
                cancel = ""
            else:
                action = f"/portal/{_e(portal_id)}/cancel/{_e(sub['id'])}"
                cancel = (
                    f'<form method="post" action="{action}"><button name="when" '
                    'value="period_end">Cancel subscription</button> <button name="when" '
                    'value="now">Cancel now</button></form>'
                )
            rows.append(
                f"<tr><td>{_e(item['price']['id'])}</td>"
                f"<td>{_e(_money(item['price']['unit_amount'], item['price']['currency']))}"
                f"{_e(_per(item['price']))}</td><td>{_e(state)}</td>"
                f"<td>{_e(_date(sub['current_period_end']))}</td><td>{cancel}</td></tr>"
            )
        table = "".join(rows) or '<tr><td colspan="5">No subscriptions.</td></tr>'
        back = portal["return_url"] or ""
        link = (
            f'<p><a href="{_e(back)}">Return</a></p>'
            if urlsplit(back).scheme in ("http", "https")
            else ""
        )
        body = (
            "<table><thead><tr><th>Price</th><th>Amount</th><th>Status</th>"
            f"<th>Period ends</th><th></th></tr></thead><tbody>{table}</tbody></table>{link}"
        )
        self._send_page(200, "Billing", body)

    def _invoice_page(self, invoice_id: str) -> None:
        (invoice,) = self.service.page_objects(invoice_id)
        if invoice is None or invoice["object"] != "invoice":
            self._send_page(404, "Not found", "<p>No such invoice.</p>")
            return
        body = (
            f"<p>{_e(invoice['id'])}: {_e(invoice['status'])}</p>"
            f"<p>Due {_e(_money(invoice['amount_due'], invoice['currency']))}, paid "
            f"{_e(_money(invoice['amount_paid'], invoice['currency']))}</p>"
        )
        self._send_page(200, "Invoice", body)

    def _refused(self, reason: str) -> None:
        self._send_page(409, "Not possible", f"<p>{_e(reason)}</p>")

    def _redirect(self, location: str) -> None:
        # Percent-encodes what a header cannot carry (non-ASCII, CR, LF); keeps the rest.
        safe = quote(location, safe=":/?#[]@!$&'()*+,;=%~")
        self.send_bytes(303, b"", "text/plain", {"Location": safe})

    def _send_page(self, status: int, title: str, body: str) -> None:
        page = (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)} - local "
            "Stripe</title><style>body{font-family:sans-serif;margin:2em;max-width:48em}"
            "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
            "padding:.5em;text-align:left}form{display:inline-block;margin:.5em .5em 0 0}"
            f"</style></head><body><h1>{_e(title)}</h1>{body}</body></html>"
        )
        self.send_bytes(status, page.encode(), "text/html; charset=utf-8")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _money(amount: int, currency: str) -> str:
    if currency in _ZERO_DECIMAL:
        return f"{currency.upper()} {amount}"
    return f"{currency.upper()} {amount / 100:.2f}"


def _per(price: dict[str, Any]) -> str:
    recurring = price.get("recurring")
    return f" / {recurring['interval']}" if recurring else ""


def _date(timestamp: int | None) -> str:
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
