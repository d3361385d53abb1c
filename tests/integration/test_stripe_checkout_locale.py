"""Checkout opens in the professional's language: the session the adapter creates names it, for
a plan and for a payment at booking."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
import stripe

from agenda.adapters.stripe_api import StripeApi, stripe_locale
from infra.local.stripe import LocalStripe, Price
from tests.integration.test_local_stripe_portal import API_KEY, settings

pytestmark = pytest.mark.integration

PRICES = {"price_basic": Price(unit_amount=4900, currency="brl")}


@pytest.fixture
def local_stripe() -> Iterator[LocalStripe]:
    with LocalStripe(api_key=API_KEY, webhook_secret="whsec_locale", prices=PRICES) as server:
        yield server


def session_locale(server: LocalStripe, session_id: str) -> str:
    client = stripe.StripeClient(API_KEY, base_addresses={"api": server.url})
    return str(client.v1.checkout.sessions.retrieve(session_id).locale)


@pytest.mark.parametrize("locale", ["pt-BR", "en"])
def test_a_payment_at_booking_opens_in_the_professionals_language(
    local_stripe: LocalStripe, locale: str
) -> None:
    session = StripeApi(settings(local_stripe.url)).appointment_checkout(
        appointment_id=uuid4(),
        professional_id=uuid4(),
        description="Session",
        amount=Decimal("150.00"),
        currency="BRL",
        payment_type="card",
        client_email=None,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        manage_url=None,
        locale=locale,
    )
    assert session_locale(local_stripe, session.id) == locale


@pytest.mark.parametrize("locale", ["pt-BR", "en"])
def test_a_plan_checkout_opens_in_the_professionals_language(
    local_stripe: LocalStripe, locale: str
) -> None:
    api = StripeApi(settings(local_stripe.url))
    customer = api.create_customer(uuid4(), name="Ana", email=None)
    session = api.subscription_checkout(
        professional_id=uuid4(),
        customer=customer,
        plan="basic",
        request_key=f"locale-{locale}",
        locale=locale,
    )
    assert session_locale(local_stripe, session.id) == locale


def test_a_language_stripe_does_not_name_lets_checkout_choose() -> None:
    assert stripe_locale("de") == "auto"
