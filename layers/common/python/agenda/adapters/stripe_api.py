"""The Stripe API calls the product makes, through the official library.

The library costs about 140 ms to import, so it is imported on the first call, never at module
import: the booking function only pays it for professionals who take payment at booking.

Every create call carries an idempotency key derived from what it is for (a professional's
customer, an appointment's Checkout Session, a refund), so a retried request, a retried webhook
or two racing requests get the same Stripe object instead of a second one. A Stripe outage
becomes ServiceUnavailable (503 with Retry-After) before anything is written here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.errors import InvalidTransition, ServiceUnavailable
from agenda.domain.money import minor_units
from agenda.observability import count, logger

# Checkout's page in the professional's language: Stripe names ours as we do.
_STRIPE_LOCALES = {"pt-BR": "pt-BR", "en": "en"}


def stripe_locale(locale: str) -> str:
    return _STRIPE_LOCALES.get(locale, "auto")


if TYPE_CHECKING:
    from agenda.settings import StripeSettings

# Stripe's payment method names for the professional's payment_type.
PAYMENT_METHODS: dict[str, list[str]] = {
    "card": ["card"],
    "pix": ["pix"],
    "pix_or_card": ["card", "pix"],
}


# The plans a subscriber may switch between in the billing portal, cheapest first, and the
# metadata key that marks the portal configuration made for their prices.
PLANS_IN_PORTAL = ("basic", "pro", "premium")
PORTAL_PLANS_KEY = "agenda_plans"


@dataclass(frozen=True, slots=True)
class CheckoutSession:
    id: str
    url: str


class StripeApi:
    def __init__(self, settings: StripeSettings) -> None:
        self.settings = settings
        self._client: Any = None
        self._portal_configuration: str | None = None

    def client(self) -> Any:
        if self._client is None:
            import stripe

            self._client = stripe.StripeClient(
                self.settings.secret_key.value(),
                base_addresses={"api": self.settings.api_base},
                # The library retries connection failures, 409 and 5xx with the same
                # idempotency key; two retries keep the worst case inside the function timeout.
                max_network_retries=2,
                http_client=stripe.RequestsClient(timeout=self.settings.timeout_seconds),
            )
        return self._client

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        import stripe

        try:
            yield
        except (
            stripe.APIConnectionError,
            stripe.RateLimitError,
            stripe.APIError,
        ) as exc:
            count("StripeUnavailable", call=what)
            logger.warning(
                "stripe unavailable", extra={"call": what, "error_type": type(exc).__name__}
            )
            raise ServiceUnavailable(
                "Payments are unavailable right now, please try again shortly",
                retry_after_seconds=10,
            ) from exc

    # -- plans ----------------------------------------------------------------------------

    def create_customer(self, professional_id: UUID, *, name: str, email: str | None) -> str:
        params: dict[str, Any] = {
            "name": name,
            "metadata": {"professional_id": str(professional_id)},
        }
        if email:
            params["email"] = email
        # Stripe refuses a key reused with other parameters for 24 hours: the key names the
        # details too, so an edited name or email makes a new request, not an error.
        details = hashlib.sha256(f"{name}\n{email or ''}".encode()).hexdigest()[:16]
        with self._call("customers.create"):
            customer = self.client().v1.customers.create(
                params=params,
                options={"idempotency_key": f"customer-{professional_id}-{details}"},
            )
        return str(customer.id)

    def subscription_checkout(
        self,
        *,
        professional_id: UUID,
        customer: str,
        plan: str,
        request_key: str,
        locale: str,
    ) -> CheckoutSession:
        base = self.settings.app_base_url
        metadata = {"professional_id": str(professional_id), "plan": plan}
        params = {
            "mode": "subscription",
            "customer": customer,
            "client_reference_id": str(professional_id),
            "line_items": [{"price": self.settings.prices[plan], "quantity": 1}],
            "metadata": metadata,
            "subscription_data": {"metadata": metadata},
            "success_url": f"{base}/billing?checkout=success",
            "cancel_url": f"{base}/billing?checkout=cancelled",
            "locale": stripe_locale(locale),
        }
        with self._call("checkout.sessions.create"):
            session = self.client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": request_key}
            )
        return CheckoutSession(str(session.id), str(session.url))

    def portal(self, customer: str) -> str:
        import stripe

        params = {
            "customer": customer,
            "return_url": f"{self.settings.app_base_url}/billing",
            "configuration": self.plans_portal(),
        }
        try:
            with self._call("billing_portal.sessions.create"):
                session = self.client().v1.billing_portal.sessions.create(params=params)
        except stripe.InvalidRequestError as exc:
            # The stored customer was deleted in Stripe (or belongs to another account): there
            # is nothing to manage until a new checkout makes a customer again.
            if exc.code != "resource_missing" or exc.param != "customer":
                raise
            count("StripePortalCustomerMissing")
            logger.warning("billing portal for a customer stripe does not know")
            raise InvalidTransition(
                "There is no billing account to manage: choose a plan first"
            ) from exc
        return str(session.url)

    def plans_portal(self) -> str:
        """The billing portal configuration that offers switching between the plans' prices
        (and cancelling, a new card, the invoices): the one made earlier for exactly these
        prices, found by its metadata, or a new one. Stripe's default configuration offers no
        plan switch, and one kept by hand would drift from STRIPE_PRICE_*. Remembered for the
        container's life; the webhook applies a switch (customer.subscription.updated)."""
        if self._portal_configuration is not None:
            return self._portal_configuration
        prices = [self.settings.prices[plan] for plan in PLANS_IN_PORTAL]
        signature = ",".join(prices)
        with self._call("billing_portal.configurations.list"):
            found = self.client().v1.billing_portal.configurations.list(
                params={"active": True, "limit": 100}
            )
            for configuration in found.auto_paging_iter():
                metadata = configuration.to_dict().get("metadata") or {}
                if metadata.get(PORTAL_PLANS_KEY) == signature:
                    self._portal_configuration = str(configuration.id)
                    return self._portal_configuration
        products: dict[str, list[str]] = {}
        for price_id in prices:
            with self._call("prices.retrieve"):
                price = self.client().v1.prices.retrieve(price_id)
            product = price.product if isinstance(price.product, str) else price.product.id
            products.setdefault(str(product), []).append(price_id)
        params = {
            "features": {
                "subscription_update": {
                    "enabled": True,
                    "default_allowed_updates": ["price"],
                    "proration_behavior": "create_prorations",
                    "products": [
                        {"product": product, "prices": ids} for product, ids in products.items()
                    ],
                },
                "subscription_cancel": {"enabled": True, "mode": "at_period_end"},
                "payment_method_update": {"enabled": True},
                "invoice_history": {"enabled": True},
            },
            "metadata": {PORTAL_PLANS_KEY: signature},
        }
        # Two containers making it at once make one (for 24 hours; later ones find it above).
        key = "portal-plans-" + hashlib.sha256(signature.encode()).hexdigest()[:16]
        with self._call("billing_portal.configurations.create"):
            made = self.client().v1.billing_portal.configurations.create(
                params=params, options={"idempotency_key": key}
            )
        self._portal_configuration = str(made.id)
        return self._portal_configuration

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        with self._call("subscriptions.retrieve"):
            found = self.client().v1.subscriptions.retrieve(subscription_id)
        return dict(found.to_dict())

    # -- appointment payments ----------------------------------------------------------------

    def appointment_checkout(
        self,
        *,
        appointment_id: UUID,
        professional_id: UUID,
        description: str,
        amount: Decimal,
        currency: str,
        payment_type: str,
        client_email: str | None,
        expires_at: datetime,
        manage_url: str | None,
        locale: str,
    ) -> CheckoutSession:
        base = self.settings.app_base_url
        metadata = {"appointment_id": str(appointment_id), "professional_id": str(professional_id)}
        params: dict[str, Any] = {
            "mode": "payment",
            "client_reference_id": str(appointment_id),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": minor_units(amount, currency),
                        "product_data": {"name": description},
                    },
                }
            ],
            "payment_method_types": PAYMENT_METHODS[payment_type],
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "expires_at": int(expires_at.timestamp()),
            "success_url": manage_url or f"{base}/booking/paid",
            "cancel_url": manage_url or f"{base}/booking/cancelled",
            "locale": stripe_locale(locale),
        }
        if client_email:
            params["customer_email"] = client_email
        with self._call("checkout.sessions.create"):
            session = self.client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"appointment-{appointment_id}"}
            )
        return CheckoutSession(str(session.id), str(session.url))

    def expire_checkout(self, session_id: str) -> None:
        """Best effort: a session nobody holds the URL of may also just run out."""
        try:
            with self._call("checkout.sessions.expire"):
                self.client().v1.checkout.sessions.expire(session_id)
        except Exception as exc:
            logger.warning(
                "checkout session not expired",
                extra={"session_id": session_id, "error_type": type(exc).__name__},
            )

    def refund(self, payment_intent: str, *, appointment_id: UUID) -> str | None:
        """The whole payment back; None when it was refunded already (in Stripe's dashboard:
        its ``charge.refunded`` event records that refund)."""
        import stripe

        try:
            with self._call("refunds.create"):
                refund = self.client().v1.refunds.create(
                    params={
                        "payment_intent": payment_intent,
                        "metadata": {"appointment_id": str(appointment_id)},
                    },
                    options={"idempotency_key": f"refund-{appointment_id}"},
                )
        except stripe.InvalidRequestError as exc:
            if exc.code == "charge_already_refunded":
                return None
            raise
        return str(refund.id)

    # -- accounts ----------------------------------------------------------------------------

    def cancel_subscription(self, subscription_id: str) -> None:
        """Ends the subscription now. Stripe refuses to cancel one that has ended already: a
        retried deletion finds it so, which is the outcome it wants."""
        import stripe

        from agenda.domain.billing import ENDED

        try:
            with self._call("subscriptions.cancel"):
                self.client().v1.subscriptions.cancel(subscription_id)
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                return  # deleted in Stripe's dashboard: nothing bills any more
            if self.subscription(subscription_id).get("status") not in ENDED:
                raise
