"""The Stripe stand-in's API: routing, authentication, idempotency keys, `expand[]`, injected
faults, and the endpoints (which validate as Stripe does and never send events)."""

from __future__ import annotations

import base64
import binascii
import copy
import functools
import hmac
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from infra.local._form import decode_form
from infra.local.stripe.objects import (
    _CHECKOUT_MAX_LIFETIME,
    _CHECKOUT_MIN_LIFETIME,
    _REFUND_REASONS,
    _TRIAL_MIN_NOTICE,
    ReceivedRequest,
    Route,
    _Answer,
    _ApiError,
    _CheckoutPlan,
    _error_answer,
    _fault,
    _id,
    _inline_price,
    _integer,
    _invalid,
    _json_answer,
    _list,
    _masked,
    _metadata,
    _missing,
    _no_such,
    _required_string,
    _Saved,
    _string,
)
from infra.local.stripe.state import StripeState


class StripeApi(StripeState):
    @functools.cached_property
    def _routes(self) -> list[Route]:
        retrieve = self._retrieve
        return [
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
                "POST",
                re.compile(r"/v1/billing_portal/configurations"),
                self._create_portal_configuration,
            ),
            (
                "GET",
                re.compile(r"/v1/billing_portal/configurations"),
                self._list_portal_configurations,
            ),
            ("GET", re.compile(r"/v1/prices/([^/]+)"), self._retrieve_price),
            (
                "GET",
                re.compile(r"/v1/subscriptions/([^/]+)"),
                functools.partial(retrieve, "subscription"),
            ),
            ("DELETE", re.compile(r"/v1/subscriptions/([^/]+)"), self._cancel_subscription),
            ("GET", re.compile(r"/v1/invoices/([^/]+)"), functools.partial(retrieve, "invoice")),
            (
                "GET",
                re.compile(r"/v1/payment_intents/([^/]+)"),
                functools.partial(retrieve, "payment_intent"),
            ),
            ("POST", re.compile(r"/v1/refunds"), self._create_refund),
            ("GET", re.compile(r"/v1/refunds/([^/]+)"), functools.partial(retrieve, "refund")),
            ("GET", re.compile(r"/v1/charges/([^/]+)"), functools.partial(retrieve, "charge")),
        ]

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
            self._api_events.clear()
            self._save_locked()

    def fail_next(self, count: int = 1, *, status: int = 500) -> None:
        """The next `count` API requests answer `status` in Stripe's error shape and change
        nothing. Calls add up: fail_next(1, status=429); fail_next(1) fails two requests."""
        if count < 0:
            raise ValueError("count must not be negative")
        if not 400 <= status <= 599:
            raise ValueError("status must be between 400 and 599")
        with self._lock:
            self._faults.extend([status] * count)

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
        """The answer to an API request; the events it caused are sent after it, as Stripe
        sends them, by the stand-in's delivery thread."""
        with self._lock:
            answer = self._answer_locked(
                method,
                target,
                body,
                authorization=authorization,
                idempotency_key=idempotency_key,
                stripe_version=stripe_version,
            )
            events, self._api_events = self._api_events, []
            if method in ("POST", "DELETE") and 200 <= answer.status < 300:
                self._save_locked()
        for event in events:
            self._later.put(event)
        return answer

    def _answer_locked(
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
            self._api_events.clear()
            return _error_answer(exc, headers)
        if method == "POST" and idempotency_key:
            self._saved[idempotency_key] = _Saved(method, url.path, params, answer)
        return answer

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
        now = self._now()
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
        if trial_end is not None and trial_end < self._now() + _TRIAL_MIN_NOTICE:
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

    def _cancel_subscription(self, params: dict[str, Any], subscription_id: str) -> dict[str, Any]:
        subscription = self._retrieve("subscription", params, subscription_id)
        if subscription["status"] in ("canceled", "incomplete_expired"):
            raise _ApiError(
                400,
                "A canceled subscription can only update its cancellation_details and metadata.",
            )
        self._api_events.extend(self._cancel_now(subscription))
        return subscription

    def _retrieve_price(self, params: dict[str, Any], price_id: str) -> dict[str, Any]:
        price = self._prices.get(price_id)
        if price is None:
            raise _no_such("price", price_id, param="id", status=404)
        return copy.deepcopy(price)

    def _create_portal_configuration(self, params: dict[str, Any]) -> dict[str, Any]:
        """The features the product uses: the plan switch (its products and prices checked
        against the configured prices), cancellation, payment methods and invoices."""
        features = params.get("features")
        if not isinstance(features, dict) or not features:
            raise _missing("features")
        update = features.get("subscription_update") or {}
        if not isinstance(update, dict):
            raise _invalid("features[subscription_update]", "Invalid object")
        offered: list[dict[str, Any]] = []
        if update.get("enabled") == "true":
            products = update.get("products")
            if not isinstance(products, list) or not products:
                raise _missing("features[subscription_update][products]")
            for n, entry in enumerate(products):
                name = f"features[subscription_update][products][{n}]"
                if not isinstance(entry, dict):
                    raise _invalid(name, "Invalid object")
                product = _string(entry, "product", param=f"{name}[product]")
                prices = entry.get("prices")
                if product is None or not isinstance(prices, list) or not prices:
                    raise _missing(f"{name}[prices]" if product else f"{name}[product]")
                for price_id in prices:
                    price = self._prices.get(price_id)
                    if price is None or price["recurring"] is None:
                        raise _no_such("price", str(price_id), param=f"{name}[prices]")
                    if price["product"] != product:
                        raise _invalid(
                            f"{name}[prices]",
                            f"The price {price_id} does not belong to the product {product}.",
                        )
                offered.append({"product": product, "prices": list(prices)})
        configuration_id = _id("bpc_")
        configuration: dict[str, Any] = {
            "id": configuration_id,
            "object": "billing_portal.configuration",
            "active": True,
            "created": self._now(),
            "is_default": False,
            "livemode": False,
            "metadata": _metadata(params.get("metadata"), "metadata"),
            "features": {
                "subscription_update": {
                    "enabled": update.get("enabled") == "true",
                    "default_allowed_updates": update.get("default_allowed_updates") or [],
                    "proration_behavior": update.get("proration_behavior") or "create_prorations",
                    "products": offered,
                },
                **{
                    name: {"enabled": (features.get(name) or {}).get("enabled") == "true"}
                    for name in ("subscription_cancel", "payment_method_update", "invoice_history")
                },
            },
        }
        self._objects[configuration_id] = configuration
        return configuration

    def _list_portal_configurations(self, params: dict[str, Any]) -> dict[str, Any]:
        active = _string(params, "active")
        found = [
            copy.deepcopy(o)
            for o in self._objects.values()
            if o["object"] == "billing_portal.configuration"
            and (active is None or o["active"] == (active == "true"))
        ]
        return _list(found, "/v1/billing_portal/configurations")

    def _create_portal_session(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = self._existing_customer(params)
        if customer is None:
            raise _missing("customer")
        configuration = _string(params, "configuration")
        if configuration is not None:
            found = self._objects.get(configuration)
            if found is None or found["object"] != "billing_portal.configuration":
                raise _no_such("billing_portal.configuration", configuration, param="configuration")
        portal_id = _id("bps_")
        portal: dict[str, Any] = {
            "id": portal_id,
            "object": "billing_portal.session",
            "configuration": configuration or "bpc_local",
            "created": self._now(),
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
        refund, events = self._refund(
            intent, amount, reason=reason, metadata=_metadata(params.get("metadata"), "metadata")
        )
        # Stripe tells the account's webhook endpoints too (a refund made by the product
        # and one made in the dashboard look the same to the product's handler).
        self._api_events += events
        return refund
