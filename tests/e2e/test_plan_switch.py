"""Switching plans in the billing portal, end to end: the portal the product opens offers the
three plans' prices (a configuration it makes once and finds again), the subscriber switches in
the Stripe stand-in's portal page, and the webhook applies the new plan."""

from __future__ import annotations

import re

import pg8000.native
import pytest
import requests

from agenda.adapters.stripe_api import PORTAL_PLANS_KEY
from infra.local.stack import LOCAL_PRICES, LocalStack
from tests.appointment_helpers import bearer
from tests.conftest import MakeProfessional, Professional
from tests.e2e.test_stripe_webhook import billing, subscribe

pytestmark = pytest.mark.e2e

PRICES = [price for price, _ in LOCAL_PRICES.values()]


def open_portal(api: str, stack: LocalStack, pro: Professional) -> str:
    answer = requests.post(
        f"{api}/api/stripe/portal", headers=bearer(stack, pro.user_id), timeout=30
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["url"])


def configurations(stack: LocalStack) -> list[dict[str, object]]:
    answer = requests.get(
        f"{stack.stripe.url}/v1/billing_portal/configurations",
        headers={"Authorization": f"Bearer {stack.keys['stripe']}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return [
        c for c in answer.json()["data"] if c["metadata"].get(PORTAL_PLANS_KEY) == ",".join(PRICES)
    ]


def test_a_subscriber_switches_plans_in_the_portal_and_the_webhook_applies_it(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    subscribe(api, stack, pro, "basic", deliver=True)
    assert billing(db, pro)["plan"] == "basic"
    # The account says so: a checkout would now be refused, the portal changes the plan.
    account = requests.get(f"{api}/api/account", headers=bearer(stack, pro.user_id), timeout=30)
    assert (account.json()["plan"], account.json()["subscribed"]) == ("basic", True)

    url = open_portal(api, stack, pro)
    [configuration] = configurations(stack)
    update = configuration["features"]["subscription_update"]  # type: ignore[index]
    assert update["enabled"] is True
    assert sorted(p for product in update["products"] for p in product["prices"]) == sorted(PRICES)
    page = requests.get(url, timeout=30)
    assert page.status_code == 200
    offered = re.findall(r'name="price" value="([^"]+)"', page.text)
    assert sorted(offered) == sorted(p for p in PRICES if p != LOCAL_PRICES["basic"][0])

    [switch] = re.findall(r'action="(/portal/[^"]+/switch/[^"]+)"', page.text)[:1]
    done = requests.post(
        f"{stack.stripe.url}{switch}",
        data={"price": LOCAL_PRICES["premium"][0]},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code in (302, 303), done.text
    assert billing(db, pro)["plan"] == "premium"

    # A price the portal does not offer changes nothing.
    refused = requests.post(
        f"{stack.stripe.url}{switch}", data={"price": "price_elsewhere"}, timeout=30
    )
    assert refused.status_code == 400
    assert billing(db, pro)["plan"] == "premium"

    # The next portal is made from the same configuration, not a second one.
    open_portal(api, stack, pro)
    assert len(configurations(stack)) == 1
    sessions = stack.stripe.requests("/v1/billing_portal/sessions")
    assert {s.params["configuration"] for s in sessions[-2:]} == {configuration["id"]}
