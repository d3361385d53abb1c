"""The pages Stripe sends a visitor back to (/booking/paid, /booking/cancelled, /billing): they
say what happened and what comes next in the browser's language, and lead on by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import NewContext
from tests.browser.harness import assert_accessible, assert_focus_visible, tab_to
from tests.browser.test_booking_flow import no_horizontal_scroll

pytestmark = pytest.mark.browser

# path, browser locale, the page's language, its heading, a word of what comes next.
RETURNS = [
    ("/booking/paid", "pt-BR", "pt-BR", "Pagamento recebido", "WhatsApp"),
    ("/booking/paid", "en-US", "en", "Payment received", "WhatsApp"),
    ("/booking/cancelled", "pt-BR", "pt-BR", "Pagamento não concluído", "Nada foi cobrado"),
    ("/booking/cancelled", "en-GB", "en", "Payment not completed", "Nothing was charged"),
    ("/billing?checkout=success", "pt-BR", "pt-BR", "Assinatura concluída", "Stripe"),
    ("/billing?checkout=success", "en-US", "en", "Subscription complete", "Stripe"),
    ("/billing?checkout=cancelled", "pt-BR", "pt-BR", "Assinatura não concluída", "continua"),
    ("/billing?checkout=cancelled", "en-US", "en", "Subscription not completed", "stays"),
    ("/billing", "pt-BR", "pt-BR", "Plano e pagamento", "portal"),
    ("/billing", "en-US", "en", "Plan and billing", "portal"),
]


@pytest.mark.parametrize(("path", "locale", "language", "heading", "next_word"), RETURNS)
def test_a_return_page_says_what_happened_in_the_visitors_language(
    new_context: NewContext,
    path: str,
    locale: str,
    language: str,
    heading: str,
    next_word: str,
) -> None:
    page = new_context(locale=locale).new_page()
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == language
    assert heading in page.title()
    expect(page.locator("main")).to_contain_text(next_word)
    assert_accessible(page)

    home = tab_to(page, 'a[href="/"]')
    assert_focus_visible(home)
    page.keyboard.press("Enter")
    page.wait_for_url("/")


@pytest.mark.parametrize("path", ["/booking/paid", "/booking/cancelled", "/billing"])
def test_a_return_page_fits_360_px(new_context: NewContext, path: str) -> None:
    page = new_context(viewport={"width": 360, "height": 740}, locale="pt-BR").new_page()
    page.goto(path)
    expect(page.get_by_role("link", name="Ir para a página inicial")).to_be_visible()
    no_horizontal_scroll(page)
