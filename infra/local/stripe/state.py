"""The objects a local Stripe account holds and how they change: customers, Checkout
Sessions and what paying them creates (subscriptions, invoices, payment intents, charges),
renewals, failures, refunds and cancellations. Every change returns the events Stripe would
send; callers hold the lock.

With a `state_path`, the objects (with what Checkout Sessions will create when paid, and the
answers kept for idempotency keys) are written there after every change, atomically (a new
file renamed over the old), and read back at start: a restarted stand-in still knows its
customers, sessions and subscriptions, and its pay pages still work.

Time is `clock()` (time.time by default): a test moves it instead of waiting.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import os
import queue
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from infra.local._http import LocalHttpService
from infra.local.stripe.objects import (
    Price,
    ReceivedRequest,
    _add_interval,
    _Answer,
    _CheckoutPlan,
    _id,
    _list,
    _mark_paid,
    _price_object,
    _Saved,
    _succeed,
)
from infra.local.stripe.webhooks import new_event


class StripeState(LocalHttpService):
    def __init__(
        self,
        *,
        api_key: str,
        webhook_secret: str,
        prices: Mapping[str, Price],
        port: int = 0,
        state_path: Path | None = None,
        clock: Callable[[], float] = time.time,
        expiry_interval: float = 1.0,
    ) -> None:
        """`expiry_interval`: how often, in seconds, open Checkout Sessions past their
        expires_at are expired."""
        super().__init__(port)
        self.state_path = state_path
        self.clock = clock
        self.expiry_interval = expiry_interval
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
                # One product per price, named after it, so a restart keeps the pairs that
                # stored portal configurations name.
                product="prod_" + price_id.removeprefix("price_"),
            )
            for price_id, price in prices.items()
        }
        self._lock = threading.Lock()
        self._objects: dict[str, dict[str, Any]] = {}
        self._plans: dict[str, _CheckoutPlan] = {}  # Checkout Session id -> its plan
        self._requests: list[ReceivedRequest] = []
        self._saved: dict[str, _Saved] = {}  # Idempotency-Key -> first answer
        self._faults: deque[int] = deque()
        # Events an API request caused (a refund's charge.refunded), sent after its answer.
        self._api_events: list[dict[str, Any]] = []
        self._later: queue.Queue[dict[str, Any] | None] = queue.Queue()
        if state_path is not None:
            self._load(state_path)

    def _now(self) -> int:
        return int(self.clock())

    # -- persistence -----------------------------------------------------------------------

    def _load(self, path: Path) -> None:
        try:
            stored = json.loads(path.read_text())
        except FileNotFoundError:
            return
        self._objects = stored["objects"]
        self._plans = {k: _CheckoutPlan(**v) for k, v in stored["plans"].items()}
        self._saved = {
            key: _Saved(
                saved["method"],
                saved["path"],
                saved["params"],
                _Answer(saved["status"], base64.b64decode(saved["body"]), dict(saved["headers"])),
            )
            for key, saved in stored["saved"].items()
        }

    def _save_locked(self) -> None:
        """Writes the objects to state_path (callers hold the lock): a new file, renamed over
        the old one, so a stand-in killed midway leaves the previous state whole."""
        if self.state_path is None:
            return
        stored = {
            "objects": self._objects,
            "plans": {k: dataclasses.asdict(v) for k, v in self._plans.items()},
            "saved": {
                key: {
                    "method": saved.method,
                    "path": saved.path,
                    "params": saved.params,
                    "status": saved.answer.status,
                    "body": base64.b64encode(saved.answer.body).decode(),
                    "headers": saved.answer.headers,
                }
                for key, saved in self._saved.items()
            },
        }
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        fresh = self.state_path.with_name(f".{self.state_path.name}.tmp")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle)
        fresh.replace(self.state_path)

    def object(self, object_id: str) -> dict[str, Any]:
        """A copy of a stored object (customer, session, subscription, invoice, payment intent,
        refund, portal session); KeyError when there is none."""
        with self._lock:
            return copy.deepcopy(self._objects[object_id])

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

    def _stored(self, kind: str, object_id: str) -> dict[str, Any]:
        found = self._objects.get(object_id)
        if found is None or found["object"] != kind:
            raise KeyError(f"no {kind} {object_id}")
        return found

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
            "created": self._now(),
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

    # -- state changes (under the lock) ----------------------------------------------------

    def _start_subscription(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        plan = self._plans[session["id"]]
        now = self._now()
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
            new_event("customer.subscription.created", subscription),
            new_event("invoice.paid", invoice),
        ]
        session.update(
            customer=customer_id,
            customer_details=self._customer_details(session, customer_id),
            invoice=invoice["id"],
            payment_status="paid" if amount else "no_payment_required",
            status="complete",
            subscription=subscription_id,
        )
        events.append(new_event("checkout.session.completed", session))
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
            "created": self._now(),
            "currency": session["currency"],
            "customer": session["customer"],
            "description": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(plan.payment_intent_metadata),
            "payment_method_types": list(session["payment_method_types"]),
            "status": "processing",
        }
        self._objects[intent["id"]] = intent
        if not async_payment:
            self._succeed_payment(intent)
        session.update(
            customer_details=self._customer_details(session, session["customer"]),
            payment_intent=intent["id"],
            payment_status="unpaid" if async_payment else "paid",
            status="complete",
        )
        return [new_event("checkout.session.completed", session)]

    def _settle_async_payment(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        self._succeed_payment(self._objects[session["payment_intent"]])
        session["payment_status"] = "paid"
        return [new_event("checkout.session.async_payment_succeeded", session)]

    def _succeed_payment(self, intent: dict[str, Any]) -> None:
        _succeed(intent)
        self._charge_of(intent)

    def _charge_of(self, intent: dict[str, Any]) -> dict[str, Any]:
        """The charge of a succeeded payment intent (made here when a state file from before
        charges were kept has none)."""
        charge_id = intent["latest_charge"]
        found = self._objects.get(charge_id)
        if found is not None:
            return found
        charge: dict[str, Any] = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount_received"],
            "amount_refunded": 0,
            "balance_transaction": None,
            "captured": True,
            "created": self._now(),
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "paid": True,
            "payment_intent": intent["id"],
            "payment_method_types": list(intent["payment_method_types"]),
            "refunded": False,
            # Stripe lists refunds on a charge only when expanded (API 2022-11-15 on); a
            # webhook endpoint can ask for them (expand data.object.refunds) and the product's
            # handler reads them, so this stand-in always includes them.
            "refunds": _list([], f"/v1/charges/{charge_id}/refunds"),
            "status": "succeeded",
        }
        self._objects[charge_id] = charge
        return charge

    def _refund(
        self,
        intent: dict[str, Any],
        amount: int | None,
        *,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Refunds `amount` (all that is left by default) of a succeeded payment: the refund
        and charge.refunded, whose object is the charge with its refunds. ValueError when
        nothing (or less than `amount`) is left to refund."""
        remaining = intent["amount_received"] - intent["amount_refunded"]
        if amount is None:
            amount = remaining
        if not 0 < amount <= remaining:
            raise ValueError(
                f"cannot refund {amount} of {intent['id']}: {remaining} left to refund"
            )
        charge = self._charge_of(intent)
        refund: dict[str, Any] = {
            "id": _id("re_"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": self._now(),
            "currency": intent["currency"],
            "metadata": dict(metadata or {}),
            "payment_intent": intent["id"],
            "reason": reason,
            "status": "succeeded",
        }
        self._objects[refund["id"]] = refund
        intent["amount_refunded"] += amount
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        refunds = charge["refunds"]
        refunds["data"].insert(0, copy.deepcopy(refund))  # newest first, as Stripe lists
        refunds["total_count"] = len(refunds["data"])
        return refund, [new_event("charge.refunded", charge)]

    def _expire(self, session: dict[str, Any]) -> list[dict[str, Any]]:
        session.update(status="expired", url=None)
        return [new_event("checkout.session.expired", session)]

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
        now = self._now()
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
            _mark_paid(invoice, self._now())
        self._objects[invoice_id] = invoice
        subscription["latest_invoice"] = invoice_id
        return invoice

    def _cancel_now(self, subscription: dict[str, Any]) -> list[dict[str, Any]]:
        now = self._now()
        subscription.update(status="canceled", ended_at=now)
        subscription["canceled_at"] = subscription["canceled_at"] or now
        return [new_event("customer.subscription.deleted", subscription)]

    def _updated(self, before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
        """customer.subscription.updated with what changed, or nothing when nothing did."""
        previous = {k: before[k] for k in after if before.get(k) != after[k]}
        if not previous:
            return []
        return [new_event("customer.subscription.updated", after, previous)]
