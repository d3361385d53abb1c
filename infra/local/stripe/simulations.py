"""What a customer or Stripe itself does, as methods: pay, fail, expire, renew, cancel,
refund (from the dashboard). Each builds the events Stripe would send and delivers them,
signed, to `webhook_url`.

Two threads run while the stand-in serves: one expires open Checkout Sessions whose
`expires_at` has passed (by `clock`), every `expiry_interval` seconds, sending
checkout.session.expired as Stripe does; one delivers the events API requests caused (a
refund's charge.refunded) after their answers.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from typing import Any

from infra.local.stripe.api import StripeApi
from infra.local.stripe.objects import (
    SUBSCRIPTION_STATUSES,
    _mark_paid,
)
from infra.local.stripe.webhooks import new_event, post_event

logger = logging.getLogger(__name__)


class StripeSimulations(StripeApi):
    _threads: list[threading.Thread]

    # -- the stand-in's own threads --------------------------------------------------------

    def start(self) -> None:
        super().start()
        if getattr(self, "_threads", None):
            return
        self._stop_timer = threading.Event()
        self._threads = [
            threading.Thread(target=self._expire_on_time, name="stripe-expiry", daemon=True),
            threading.Thread(target=self._deliver_later, name="stripe-events", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        threads = getattr(self, "_threads", [])
        if threads:
            self._stop_timer.set()
            self._later.put(None)
            for thread in threads:
                thread.join(timeout=10)
            self._threads = []
        super().stop()

    def _expire_on_time(self) -> None:
        while not self._stop_timer.wait(self.expiry_interval):
            try:
                self.expire_due()
            except Exception:  # the next tick tries again
                logger.warning("expiring checkout sessions failed", exc_info=True)

    def _deliver_later(self) -> None:
        while (event := self._later.get()) is not None:
            self._send([event], True)

    # -- simulation ------------------------------------------------------------------------

    def expire_due(self, *, deliver: bool = True) -> list[dict[str, Any]]:
        """Expires every open Checkout Session whose expires_at has passed, as Stripe does on
        its own: checkout.session.expired for each (the timer calls this)."""
        with self._lock:
            now = self._now()
            events = []
            for found in self._objects.values():
                if (
                    found["object"] == "checkout.session"
                    and found["status"] == "open"
                    and found["expires_at"] <= now
                ):
                    events += self._expire(found)
        return self._send(events, deliver)

    def refund_payment(
        self, payment_intent: str, amount: int | None = None, *, deliver: bool = True
    ) -> list[dict[str, Any]]:
        """A refund made in Stripe's dashboard: `amount` (all that is left by default) of a
        succeeded payment goes back; charge.refunded, whose object is the charge with its
        refunds and the payment intent's metadata."""
        with self._lock:
            intent = self._stored("payment_intent", payment_intent)
            if intent["status"] != "succeeded":
                raise ValueError(f"payment intent {payment_intent} has no successful charge")
            _, events = self._refund(intent, amount)
        return self._send(events, deliver)

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
            events = [new_event("checkout.session.async_payment_failed", session)]
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
                    subscription["canceled_at"] = self._now() if scheduled else None
            events = self._updated(before, subscription)
        return self._send(events, deliver)

    def fail_invoice(self, subscription_id: str, *, deliver: bool = True) -> list[dict[str, Any]]:
        """A renewal charge fails (a new period starts with an open invoice) or, when the
        latest invoice is still open, a retry fails. The subscription goes past_due:
        invoice.payment_failed, then customer.subscription.updated when it changed."""
        return self._charge(subscription_id, paid=False, deliver=deliver)

    def pay_invoice(self, subscription_id: str, *, deliver: bool = True) -> list[dict[str, Any]]:
        """The open invoice is paid or, with none open, the subscription renews and pays for
        its next period. The subscription goes active: invoice.paid, then
        customer.subscription.updated when it changed."""
        return self._charge(subscription_id, paid=True, deliver=deliver)

    def _charge(self, subscription_id: str, *, paid: bool, deliver: bool) -> list[dict[str, Any]]:
        with self._lock:
            subscription = self._live_subscription(subscription_id)
            before = copy.deepcopy(subscription)
            invoice = self._open_invoice(subscription)
            if invoice is None:
                invoice = self._renew(subscription, paid=paid)
            elif paid:
                _mark_paid(invoice, self._now())
            else:
                invoice["attempt_count"] += 1
            subscription["status"] = "active" if paid else "past_due"
            events = [new_event("invoice.paid" if paid else "invoice.payment_failed", invoice)]
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
        key = self.webhook_secret if secret is None else secret
        return post_event(url, event, secret=key, timestamp=timestamp)

    def run_page_action(self, action: Callable[[], Any]) -> str | None:
        """Runs a simulation for a page; the reason it was refused, else None."""
        try:
            action()
        except (KeyError, ValueError) as exc:
            return str(exc.args[0]) if exc.args else str(exc)
        return None

    def _send(self, events: list[dict[str, Any]], deliver: bool) -> list[dict[str, Any]]:
        """Saves the state the simulation changed, then delivers in order (outside the lock:
        a receiver may call the API back). A failed delivery is logged; Stripe would retry it
        later, the caller can with deliver()."""
        if events:
            with self._lock:
                self._save_locked()
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
