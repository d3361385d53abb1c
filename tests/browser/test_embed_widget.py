"""The booking widget on a professional's own site: a host page on another origin (served by
the harness's PageServer) with the one-line embed script, inline and as a popup, against the
local stack; and the embed page itself (/embed/{slug})."""

from __future__ import annotations

import re
from datetime import datetime

import pg8000.native
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewContext, ServePages
from tests.browser.harness import (
    ConsoleErrors,
    assert_accessible,
    assert_focus_visible,
    tab_to,
)
from tests.browser.test_booking_flow import (
    appointments,
    choose_first_time,
    fill_form,
    no_horizontal_scroll,
    page_of,
    submit,
)
from tests.conftest import MakeProfessional, PayingProfessional

pytestmark = pytest.mark.browser

FRAME = "iframe[data-agenda-frame]"


def host_page(api: str, slug: str, mode: str) -> str:
    return f"""<!doctype html>
<html lang="pt-BR">
<head><meta charset="utf-8"><title>Consultório</title></head>
<body>
<main>
  <h1>Consultório</h1>
  <p>Antes do widget.</p>
  <script src="{api}/embed.js" data-agenda="{slug}" data-mode="{mode}" async></script>
  <p id="after">Depois do widget.</p>
</main>
</body>
</html>"""


def open_host(
    new_context: NewContext, serve_pages: ServePages, api: str, slug: str, mode: str
) -> Page:
    host = serve_pages({"/": host_page(api, slug, mode)})
    assert host.url != api
    page = new_context(base_url=host.url).new_page()
    page.goto("/")
    return page


def frame_height(page: Page) -> float:
    return float(page.locator(FRAME).evaluate("(el) => el.getBoundingClientRect().height"))


def test_the_inline_embed_books_a_slot_from_another_site(
    new_context: NewContext,
    serve_pages: ServePages,
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    page_of(api, pro)
    page = open_host(new_context, serve_pages, api, pro.slug, "inline")
    # Where the script tag is: between the paragraphs around it.
    placed = page.evaluate(
        "() => document.querySelector('script[data-agenda]').nextElementSibling"
        ".querySelector('iframe') !== null"
    )
    assert placed
    frame = page.frame_locator(FRAME)
    expect(frame.get_by_role("heading", level=1, name=f"Dra. {pro.slug}")).to_be_visible()
    src = page.locator(FRAME).get_attribute("src") or ""
    assert src.startswith(f"{api}/embed/{pro.slug}?origin=")

    starts_at = choose_first_time(frame)
    # The frame follows its content's height, so the host shows no scrollbar inside it.
    content = frame.locator("html").evaluate("(el) => el.getBoundingClientRect().height")
    page.wait_for_function(
        "([selector, content]) => Math.abs("
        "document.querySelector(selector).getBoundingClientRect().height - content) <= 2",
        arg=[FRAME, content],
    )
    fill_form(frame, "Eva Embutida")
    submit(frame)
    expect(frame.get_by_role("heading", name="Pedido de agendamento enviado")).to_be_visible()
    [stored] = appointments(db, pro.slug)
    assert stored["name"] == "Eva Embutida"
    assert stored["starts_at"] == datetime.fromisoformat(starts_at)


def test_the_host_takes_heights_from_the_widgets_own_frame_only(
    new_context: NewContext,
    serve_pages: ServePages,
    api: str,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    page_of(api, pro)
    page = open_host(new_context, serve_pages, api, pro.slug, "inline")
    expect(page.frame_locator(FRAME).locator(".slot-day").first).to_be_visible()
    page.wait_for_function(
        "(selector) => document.querySelector(selector).style.height !== '640px'", arg=FRAME
    )
    before = frame_height(page)
    # The host page itself (another origin than the site) claims a height: ignored.
    page.evaluate("window.postMessage({type: 'agenda:height', height: 1999}, '*')")
    page.wait_for_timeout(300)
    assert frame_height(page) == before


def test_the_popup_opens_and_closes_by_keyboard_and_gives_the_focus_back(
    new_context: NewContext,
    serve_pages: ServePages,
    api: str,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    page_of(api, pro)
    page = open_host(new_context, serve_pages, api, pro.slug, "popup")
    opener = tab_to(page, "button.agenda-embed-button")
    expect(opener).to_have_text("Agendar horário")
    assert_focus_visible(opener)
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.agenda-embed-dialog")
    expect(dialog).to_be_visible()
    close = page.get_by_role("button", name="Fechar")
    expect(close).to_be_focused()
    expect(page.frame_locator(FRAME).locator(".slot-day").first).to_be_visible()
    assert_accessible(page, within="dialog")
    # The rest of the page is out of reach while it is open: the focus stays in the dialog.
    for key in ("Tab", "Shift+Tab", "Shift+Tab"):
        page.keyboard.press(key)
        assert page.evaluate(
            "() => document.activeElement === document.body"
            " || document.querySelector('dialog').contains(document.activeElement)"
        )
        assert not page.evaluate(
            "() => document.activeElement === document.querySelector('.agenda-embed-button')"
        )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(close).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()

    # Esc pressed inside the widget (another document) closes the dialog too.
    page.keyboard.press("Enter")
    day = page.frame_locator(FRAME).locator(".slot-day").first
    for _ in range(10):
        page.keyboard.press("Tab")
        if day.evaluate("(el) => el === document.activeElement && document.hasFocus()"):
            break
    else:
        raise AssertionError("Tab never reached the widget's first day")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()


def test_paying_from_the_embed_opens_checkout_in_the_whole_window(
    new_context: NewContext,
    serve_pages: ServePages,
    api: str,
    paying: PayingProfessional,
) -> None:
    pro = paying()
    page_of(api, pro)
    page = open_host(new_context, serve_pages, api, pro.slug, "inline")
    frame = page.frame_locator(FRAME)
    choose_first_time(frame)
    fill_form(frame, "Paulo Embutido")
    submit(frame)
    expect(frame.get_by_role("heading", name="Falta o pagamento")).to_be_visible()
    link = frame.get_by_role("link", name="Ir para o pagamento")
    assert link.get_attribute("target") == "_top"
    link.click()
    page.wait_for_url(re.compile(r"/pay/cs_"))
    expect(page.get_by_role("button", name="Pay", exact=True)).to_be_visible()


def test_the_embed_page_alone_is_accessible_by_keyboard_at_360_px(
    new_context: NewContext, api: str, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    page_of(api, pro)
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    response = page.goto(f"/embed/{pro.slug}")
    assert response is not None
    assert response.status == 200
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1, name=f"Dra. {pro.slug}")).to_be_visible()
    expect(page.locator(".slot-day").first).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "pt-BR"
    assert_accessible(page)
    day = tab_to(page, ".slot-day")
    assert_focus_visible(day)
    page.keyboard.press("Enter")
    expect(page.locator(".slot-time").first).to_be_focused()
    no_horizontal_scroll(page)
    assert_accessible(page)


def test_the_embed_page_of_a_missing_slug_is_not_found(
    page: Page, api: str, console_errors: ConsoleErrors
) -> None:
    console_errors.expect(r"status of 404", source=f"{api}/embed/no-such-professional")
    response = page.goto("/embed/no-such-professional")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1, name="Página não encontrada")).to_be_visible()


def test_the_embed_page_of_an_english_speaking_professional_is_in_english(
    page: Page, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(timezone="America/New_York")
    db.run("UPDATE professionals SET locale = 'en' WHERE id = :id", id=pro.id)
    page_of(api, pro)
    page.goto(f"/embed/{pro.slug}")
    expect(page.get_by_role("heading", level=2, name="Choose a time")).to_be_visible()
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == f"Book with Dra. {pro.slug} · Agenda"
    assert_accessible(page)
