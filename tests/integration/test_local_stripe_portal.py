"""The Stripe stand-in's billing portal configurations through the official library, and the
product's own configuration (StripeApi.plans_portal) made once and found again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from agenda.adapters.stripe_api import PORTAL_PLANS_KEY, StripeApi
from agenda.settings import Secret, StripeSettings
from infra.local.stripe import LocalStripe, Price

pytestmark = pytest.mark.integration

API_KEY = "sk_test_local_portal_key"
PRICES = {
    "price_basic": Price(unit_amount=4900, currency="brl"),
    "price_pro": Price(unit_amount=9900, currency="brl"),
    "price_premium": Price(unit_amount=19900, currency="brl"),
    "price_setup": Price(unit_amount=1500, currency="brl", recurring_interval=None),
}


@pytest.fixture
def local_stripe() -> Iterator[LocalStripe]:
    with LocalStripe(api_key=API_KEY, webhook_secret="whsec_portal", prices=PRICES) as server:
        yield server


@pytest.fixture
def client(local_stripe: LocalStripe) -> stripe.StripeClient:
    return stripe.StripeClient(API_KEY, base_addresses={"api": local_stripe.url})


def settings(url: str) -> StripeSettings:
    return StripeSettings(
        api_base=url,
        secret_key=Secret.of(API_KEY),
        webhook_secret=None,
        prices={"basic": "price_basic", "pro": "price_pro", "premium": "price_premium"},
        app_base_url="http://127.0.0.1:3000",
        timeout_seconds=5,
        webhook_tolerance_seconds=300,
        payment_hold_minutes=30,
    )


def switch_to(product: str, *prices: str) -> dict[str, object]:
    return {
        "subscription_update": {
            "enabled": True,
            "default_allowed_updates": ["price"],
            "products": [{"product": product, "prices": list(prices)}],
        }
    }


def test_a_configuration_offers_only_recurring_prices_of_their_own_product(
    client: stripe.StripeClient,
) -> None:
    product = client.v1.prices.retrieve("price_pro").product
    made = client.v1.billing_portal.configurations.create(
        params={"features": switch_to(str(product), "price_pro")}  # type: ignore[typeddict-item]
    )
    assert made.features.subscription_update.enabled is True
    refusals = [
        switch_to(str(product), "price_basic"),  # another product's price
        switch_to(str(product), "price_nowhere"),
        switch_to(str(client.v1.prices.retrieve("price_setup").product), "price_setup"),
    ]
    for features in refusals:
        with pytest.raises(stripe.InvalidRequestError):
            client.v1.billing_portal.configurations.create(params={"features": features})  # type: ignore[typeddict-item]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.prices.retrieve("price_nowhere")
    listed = client.v1.billing_portal.configurations.list(params={"active": True})
    assert [c.id for c in listed.auto_paging_iter()] == [made.id]


def test_a_portal_session_names_a_configuration_that_exists(
    client: stripe.StripeClient,
) -> None:
    customer = client.v1.customers.create(params={"name": "Ana"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.billing_portal.sessions.create(
            params={"customer": customer.id, "configuration": "bpc_nowhere"}
        )
    assert refused.value.param == "configuration"


def test_the_products_configuration_is_made_once_with_the_three_plans_and_found_again(
    local_stripe: LocalStripe, client: stripe.StripeClient
) -> None:
    # One made for other prices is not reused.
    other = client.v1.billing_portal.configurations.create(
        params={
            "features": {"invoice_history": {"enabled": True}},
            "metadata": {PORTAL_PLANS_KEY: "price_basic,price_pro"},
        }
    )
    first = StripeApi(settings(local_stripe.url)).plans_portal()
    assert first != other.id
    found = [
        c
        for c in client.v1.billing_portal.configurations.list(
            params={"active": True}
        ).auto_paging_iter()
        if c.id == first
    ]
    [configuration] = found
    offered = configuration.to_dict()["features"]["subscription_update"]
    assert offered["enabled"] is True
    assert sorted(p for product in offered["products"] for p in product["prices"]) == [
        "price_basic",
        "price_premium",
        "price_pro",
    ]
    metadata = configuration.to_dict()["metadata"]
    assert metadata[PORTAL_PLANS_KEY] == "price_basic,price_pro,price_premium"
    # Another container finds it instead of making a second; a warm one asks nothing.
    assert StripeApi(settings(local_stripe.url)).plans_portal() == first
    warm = StripeApi(settings(local_stripe.url))
    warm.plans_portal()
    asked = len(local_stripe.requests("/v1/billing_portal/configurations"))
    assert warm.plans_portal() == first
    assert len(local_stripe.requests("/v1/billing_portal/configurations")) == asked
    creates = [
        r for r in local_stripe.requests("/v1/billing_portal/configurations") if r.method == "POST"
    ]
    assert len(creates) == 2  # the other one, and ours once
