"""The dashboard's plan screen in a real browser against the local stack: a professional on
the free plan sees their usage against its limits, subscribes by keyboard, pays on the Stripe
stand-in's Checkout page, comes back through /billing to the plan screen and sees the plan the
webhook applied, then opens the billing portal; a checkout refused with 409 (a subscription
made meanwhile) leads to the portal; a sign-up trial in English at 360 px. axe in each state."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pg8000.native
import pytest
from playwright.sync_api import expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_client, new_english_professional
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import open_dashboard
from tests.browser.harness import ConsoleErrors, assert_accessible
from tests.browser.test_booking_flow import app_address_is_the_stack, no_horizontal_scroll
from tests.conftest import MakeProfessional, Professional, rows
from tests.e2e.test_stripe_webhook import checkout

pytestmark = pytest.mark.browser

PATH = "/dashboard/plan"


def plan_of(db: pg8000.native.Connection, pro: Professional) -> tuple[str, str]:
    (row,) = rows(
        db, "SELECT plan, subscription_status FROM professionals WHERE id = :id", id=pro.id
    )
    return row["plan"], row["subscription_status"]


def test_a_free_professional_subscribes_through_checkout_and_sees_the_new_plan(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    add_client(db, pro)
    context = new_context(locale="pt-BR")
    app_address_is_the_stack(context, api)
    page = context.new_page()
    open_dashboard(page, stack, db, pro, PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Plano")
    expect(page.get_by_text("Você está no plano Gratuito.")).to_be_visible()
    expect(page.get_by_text("Clientes: 1 de 10")).to_be_visible()
    expect(page.get_by_text("Agendamentos neste mês: 0 de 20")).to_be_visible()
    expect(page.get_by_text("Clientes sem limite")).to_have_count(3)
    expect(page.get_by_role("button", name="Gerenciar a assinatura")).to_have_count(0)
    assert_accessible(page)

    subscribe_pro = page.get_by_role("button", name="Assinar o plano Pro")
    subscribe_pro.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/pay/cs_"))
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/billing\?checkout=success$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Assinatura concluída")
    assert_accessible(page)
    assert plan_of(db, pro) == ("pro", "active")

    page.get_by_role("link", name="Ver o seu plano no painel").click()
    page.wait_for_url(f"{api}{PATH}")
    expect(page.get_by_text("O plano Pro está ativo.")).to_be_visible()
    expect(page.get_by_text("Plano assinado: Pro")).to_be_visible()
    expect(page.get_by_text("Situação da assinatura: ativa")).to_be_visible()
    expect(page.get_by_text("Clientes: 1 (sem limite)")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Assinar o plano"))).to_have_count(0)
    cards = page.locator(".dash-plan-cards li")
    pro_card = cards.filter(has=page.get_by_role("heading", name="Pro"))
    expect(pro_card).to_contain_text("O seu plano")
    assert_accessible(page)

    page.get_by_role("button", name="Gerenciar a assinatura").click()
    page.wait_for_url(re.compile(r"/portal/"))


def test_a_checkout_refused_because_of_a_subscription_made_meanwhile_leads_to_the_portal(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = make_professional()
    console_errors.expect(r"status of 409")
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, PATH)
    expect(page.get_by_role("button", name="Assinar o plano Básico")).to_be_visible()

    # Another tab subscribes while this one still offers the plans.
    ((user_id,),) = db.run("SELECT user_id FROM professionals WHERE id = :id", id=pro.id)
    started = checkout(api, stack, user_id, {"plan": "basic"})
    assert started.status_code == 200, started.text
    stack.stripe.pay_checkout(started.json()["sessionId"], deliver=True)
    assert plan_of(db, pro) == ("basic", "active")

    page.get_by_role("button", name="Assinar o plano Premium").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Você já tem uma assinatura. Para trocar de plano, use o portal de assinatura."
    )
    manage = page.get_by_role("button", name="Gerenciar a assinatura")
    expect(manage).to_be_focused()
    expect(page.get_by_text("O plano Básico está ativo.")).to_be_visible()
    assert_accessible(page)
    assert plan_of(db, pro) == ("basic", "active")


def test_a_sign_up_trial_in_english_at_360_px(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_english_professional(make_professional, db)
    ends = datetime.now(UTC) + timedelta(days=10)
    db.run("UPDATE professionals SET trial_ends_at = :ends WHERE id = :id", ends=ends, id=pro.id)
    page = new_context(locale="pt-BR", viewport={"width": 360, "height": 780}).new_page()
    open_dashboard(page, stack, db, pro, PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan")
    expect(page.locator(".dash-plan-state")).to_contain_text("You are trying the Pro plan until")
    expect(page.get_by_text("Clients: 0 (no limit)")).to_be_visible()
    expect(page.get_by_role("button", name="Subscribe to Premium")).to_be_visible()
    no_horizontal_scroll(page)
    assert_accessible(page)

    again = page.get_by_role("button", name="Check again")
    again.click()
    expect(page.get_by_role("status").filter(has_text="Plan read again.")).to_be_focused()
    no_horizontal_scroll(page)
