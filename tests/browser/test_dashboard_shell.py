"""The dashboard's shell in a real browser: signed out, the sign-in through the dev authority,
the header's screens, links that change the address without a reload, back and forward, an
unknown screen, the professional's language, sign-out; axe on each state; 360 px."""

from __future__ import annotations

import pg8000.native
import pytest
from playwright.sync_api import expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import new_english_professional
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import open_dashboard
from tests.browser.harness import assert_accessible
from tests.conftest import MakeProfessional

pytestmark = pytest.mark.browser


def test_signed_out_then_in_then_between_screens_and_out(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    page = new_context(locale="pt-BR").new_page()
    page.goto("/dashboard/clients")
    expect(page.get_by_role("heading", level=1)).to_have_text("Painel do profissional")
    assert_accessible(page)

    open_dashboard(page, stack, db, pro, "/dashboard/clients")
    nav = page.get_by_role("navigation", name="Painel")
    expect(nav.get_by_role("link", name="Clientes")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clientes")
    expect(page).to_have_title("Clientes · Agenda")
    assert_accessible(page)

    marker = page.evaluate("window.__stays = 1")
    assert marker == 1
    nav.get_by_role("link", name="Horários").click()
    expect(page).to_have_url(f"{api}/dashboard/availability")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    assert page.evaluate("window.__stays") == 1, "a link between screens reloaded the page"
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clientes")

    page.goto("/dashboard/nothing-here")
    expect(page.get_by_role("heading", level=1)).to_have_text("Esta tela não existe.")
    page.get_by_role("link", name="Ir para Hoje").click()
    expect(page).to_have_url(f"{api}/dashboard")

    page.get_by_role("button", name="Sair").click()
    expect(page.get_by_role("status").filter(has_text="Você saiu da sua conta.")).to_be_visible()
    expect(page.locator(".dash-header")).to_be_hidden()
    page.reload()
    expect(page.get_by_role("button", name="Entrar ou criar conta")).to_be_visible()


def test_english_professional_at_360_px(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_english_professional(make_professional, db)
    page = new_context(locale="pt-BR", viewport={"width": 360, "height": 780}).new_page()
    open_dashboard(page, stack, db, pro)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name="Dashboard")
    expect(nav.get_by_role("link", name="Today")).to_have_attribute("aria-current", "page")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
