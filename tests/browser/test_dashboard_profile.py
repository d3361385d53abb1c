"""The dashboard's profile screen in a real browser against the local stack: settings saved
by group show in GET /api/account and on the public page; a 400 at its field; a taken address
offers free ones, one is picked and saved, and the old address redirects; a change of language
turns the dashboard English; hiding the page asks first; the photo goes up through the
presigned POST and becomes the account's avatarUrl; the embed snippets are copied (and, when
the clipboard refuses, selected). axe in each state; English at 360 px."""

from __future__ import annotations

import re
from typing import Any

import pg8000.native
import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer, new_english_professional
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import dashboard_email, open_dashboard
from tests.browser.harness import ConsoleErrors, assert_accessible
from tests.browser.test_booking_flow import no_horizontal_scroll, published
from tests.conftest import MakeProfessional, Professional, rows
from tests.e2e.test_account_avatar import png

pytestmark = pytest.mark.browser

PATH = "/dashboard/profile"


def account_of(api: str, stack: LocalStack, pro: Professional) -> dict[str, Any]:
    """GET /api/account as the professional's sign-in (open_dashboard gave them the dev
    authority's subject for their email)."""
    assert stack.sign_in is not None
    subject = stack.sign_in.subject(dashboard_email(pro))
    answer = requests.get(f"{api}/api/account", headers=bearer(stack, subject), timeout=30)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def group(page: Page, legend: str) -> Locator:
    """The form whose fieldset has this legend."""
    return page.locator("form").filter(has=page.locator("legend", has_text=legend))


def test_settings_saved_by_group_show_in_the_account_and_on_the_public_page(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = make_professional()
    console_errors.expect(r"status of 400")
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Perfil")
    expect(page.get_by_label("Nome", exact=True)).to_have_value(f"Dra. {pro.slug}")
    assert_accessible(page)

    yours = group(page, "A sua página")
    yours.get_by_label("Nome", exact=True).fill("Dra. Helena Prado")
    yours.get_by_label("Sobre você").fill("Atendo adultos e casais, online e no consultório.")
    yours.get_by_role("button", name="Salvar").click()
    saved = yours.get_by_role("status")
    expect(saved).to_have_text("Alterações salvas.")
    expect(saved).to_be_focused()
    account = account_of(api, stack, pro)
    assert account["name"] == "Dra. Helena Prado"
    assert account["bio"] == "Atendo adultos e casais, online e no consultório."
    # The header's name follows.
    expect(page.locator(".dash-who")).to_contain_text("Dra. Helena Prado")
    public = requests.get(f"{api}{published(api, pro.slug)}", timeout=30).text
    assert "Dra. Helena Prado" in public
    assert "Atendo adultos e casais" in public

    # A duration the API refuses: its message at the field, the focus there; by keyboard only.
    sessions = group(page, "Sessões e reservas")
    duration = sessions.get_by_label("Duração da sessão (minutos)")
    duration.fill("7")
    duration.press("Enter")
    expect(duration).to_have_attribute("aria-invalid", "true")
    expect(duration).to_be_focused()
    expect(sessions.locator("#profile-sessionDuration-error")).not_to_be_empty()
    expect(sessions.get_by_role("alert")).to_be_visible()
    assert_accessible(page)
    assert account_of(api, stack, pro)["sessionDuration"] == 50

    duration.fill("60")
    sessions.get_by_label("Cancelamento: até quantas horas antes").fill("48")
    sessions.get_by_label("Confirmar as reservas automaticamente, sem a minha aprovação").check()
    sessions.get_by_label("Preço da sessão").fill("220.50")
    sessions.get_by_role("button", name="Salvar").focus()
    page.keyboard.press("Enter")
    expect(sessions.get_by_role("status")).to_have_text("Alterações salvas.")
    expect(duration).not_to_have_attribute("aria-invalid", "true")
    (row,) = rows(
        db,
        "SELECT session_duration, cancellation_notice_hours, auto_confirm, session_price"
        " FROM professionals WHERE id = :id",
        id=pro.id,
    )
    assert row["session_duration"] == 60
    assert row["cancellation_notice_hours"] == 48
    assert row["auto_confirm"] is True
    assert float(row["session_price"]) == 220.5

    # Nothing changed: said, and no request made.
    sessions.get_by_role("button", name="Salvar").click()
    expect(sessions.get_by_role("status")).to_have_text("Nada mudou neste grupo.")
    assert_accessible(page)


def test_a_taken_address_offers_free_ones_and_the_old_one_redirects(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = make_professional()
    other = make_professional()
    console_errors.expect(r"status of 409")
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, PATH)
    address = group(page, "Endereço da página")
    slug = address.get_by_label("Endereço", exact=True)
    expect(slug).to_have_value(pro.slug)

    # As it is typed: the check says it is taken and offers free ones.
    slug.fill(other.slug)
    check = address.locator("#profile-slug-check")
    expect(check).to_have_text(f"{other.slug} já é de outra pessoa.")
    offers = address.get_by_role("button", name=re.compile(r"^Usar "))
    expect(offers.first).to_be_visible()
    assert_accessible(page)

    # Saved anyway: the 409 says so at the field and offers the API's suggestions.
    address.get_by_role("button", name="Salvar").click()
    expect(slug).to_have_attribute("aria-invalid", "true")
    expect(address.get_by_role("alert")).to_contain_text("já é de outra pessoa")
    expect(offers.first).to_be_focused()
    assert_accessible(page)
    assert account_of(api, stack, pro)["slug"] == pro.slug

    chosen = str(offers.first.inner_text()).removeprefix("Usar ")
    page.keyboard.press("Enter")
    expect(slug).to_have_value(chosen)
    expect(slug).to_be_focused()
    expect(check).to_have_text(f"{chosen} está livre.")
    address.get_by_role("button", name="Salvar").click()
    moved = address.get_by_role("status")
    expect(moved).to_contain_text(f"/p/{chosen}")
    expect(moved).to_be_focused()
    expect(address).to_contain_text(f"Endereços anteriores (levam para o atual): {pro.slug}")
    assert account_of(api, stack, pro)["slug"] == chosen
    # The public link and the snippets follow.
    expect(page.locator("#profile-page-link")).to_have_attribute("href", f"/p/{chosen}")
    expect(page.locator("#profile-snippet-inline")).to_contain_text(f'data-agenda="{chosen}"')
    assert_accessible(page)

    old = requests.get(f"{api}/api/professionals/{pro.slug}", allow_redirects=False, timeout=30)
    assert old.status_code == 308
    assert old.headers["location"].endswith(f"/api/professionals/{chosen}")
    published(api, chosen)
    visitor = new_context(locale="pt-BR").new_page()
    visitor.goto(f"/p/{pro.slug}")
    expect(visitor).to_have_url(re.compile(rf"/p/{re.escape(chosen)}$"))

    # An address the site keeps for itself, as it is typed.
    slug.fill("dashboard")
    expect(check).to_contain_text("palavra reservada")


def test_a_change_of_language_turns_the_dashboard_english_and_hiding_asks_first(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, PATH)
    region = group(page, "Idioma e fuso horário")
    region.get_by_label("Idioma do painel, da página e das mensagens").select_option("en")
    region.get_by_label("Fuso horário").select_option("America/Manaus")
    region.get_by_role("button", name="Salvar").click()

    notice = page.get_by_role("status").filter(has_text="The dashboard now speaks English.")
    expect(notice).to_be_focused()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    nav = page.get_by_role("navigation", name="Dashboard")
    expect(nav.get_by_role("link", name="Plan")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/dashboard/profile$"))
    account = account_of(api, stack, pro)
    assert (account["language"], account["timezone"]) == ("en", "America/Manaus")
    assert_accessible(page)

    # Hiding the page asks first; "no" changes nothing, "yes" hides it.
    page.get_by_role("button", name="Hide my page").click()
    question = page.get_by_text("Hide your page?")
    expect(question).to_be_focused()
    assert_accessible(page)
    page.get_by_role("button", name="No, keep it live").click()
    expect(page.get_by_role("button", name="Hide my page")).to_be_focused()
    assert account_of(api, stack, pro)["active"] is True
    page.get_by_role("button", name="Hide my page").click()
    page.get_by_role("button", name="Yes, hide it").click()
    expect(page.get_by_role("status").filter(has_text="Your page is hidden.")).to_be_focused()
    assert account_of(api, stack, pro)["active"] is False
    assert requests.get(f"{api}/api/professionals/{pro.slug}", timeout=30).status_code == 404
    expect(page.locator(".dash-share")).to_contain_text("Your page is hidden")
    page.get_by_role("button", name="Put my page live again").click()
    expect(page.get_by_role("status").filter(has_text="Your page is live again.")).to_be_visible()
    assert account_of(api, stack, pro)["active"] is True
    assert_accessible(page)


def test_a_photo_goes_up_and_becomes_the_avatar(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = make_professional()
    # Under the pages' own policy, which names the media bucket's origin (connect-src for the
    # POST, img-src for the photo), and the bucket's own CORS rule: no workaround.
    context = new_context(locale="pt-BR")
    page = context.new_page()
    console_errors.expect(r"status of 400")
    open_dashboard(page, stack, db, pro, PATH)
    photo = page.get_by_label("Escolher uma foto")
    send = page.get_by_role("button", name="Enviar a foto")

    # Not an image: said at the field before any request.
    photo.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo"})
    send.click()
    expect(photo).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#profile-avatar-error")).to_have_text(
        "Este arquivo não é uma foto JPEG, PNG ou WebP."
    )
    assert_accessible(page)

    # Too large: said before any request.
    photo.set_input_files(
        {"name": "big.png", "mimeType": "image/png", "buffer": png() + bytes(2 * 1024 * 1024)}
    )
    send.click()
    expect(page.locator("#profile-avatar-error")).to_have_text(
        "Esta foto tem mais de 2 MB. Escolha uma menor ou reduza-a."
    )

    # Claims to be a PNG but is not: the confirm step refuses it, and the page says why.
    photo.set_input_files({"name": "fake.png", "mimeType": "image/png", "buffer": b"GIF89a fake"})
    send.click()
    expect(page.locator("#profile-avatar-error")).to_have_text(
        "Este arquivo não é uma foto JPEG, PNG ou WebP."
    )
    assert account_of(api, stack, pro)["avatarUrl"] is None

    photo.set_input_files({"name": "me.png", "mimeType": "image/png", "buffer": png()})
    send.click()
    done = page.get_by_role("status").filter(has_text="Foto nova salva.")
    expect(done).to_be_focused()
    avatar = account_of(api, stack, pro)["avatarUrl"]
    assert avatar
    assert avatar.startswith(stack.s3.endpoint_url)
    assert "/avatars/" in avatar
    expect(page.get_by_role("img", name="A sua foto atual")).to_have_attribute("src", avatar)
    (row,) = rows(db, "SELECT avatar_url FROM professionals WHERE id = :id", id=pro.id)
    assert row["avatar_url"] == avatar
    assert requests.get(avatar, timeout=30).content == png()
    assert_accessible(page)


def test_english_at_360_px_copies_the_embed_snippets(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_english_professional(make_professional, db)
    context = new_context(
        locale="en-US",
        viewport={"width": 360, "height": 780},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    open_dashboard(page, stack, db, pro, PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    expect(page.get_by_role("link", name=f"{api}/p/{pro.slug}")).to_be_visible()
    expect(page.locator(".dash-share")).not_to_contain_text("null")
    no_horizontal_scroll(page)
    assert_accessible(page)

    copy = page.get_by_role("button", name="Copy the code: The calendar on your site")
    copy.focus()
    page.keyboard.press("Enter")
    expect(
        page.locator(".dash-share").get_by_role("status").filter(has_text="Copied.")
    ).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f'<script src="{api}/embed.js" data-agenda="{pro.slug}" async></script>'

    page.get_by_role("button", name="Copy the code: An iframe").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f'<iframe src="{api}/embed/{pro.slug}" title="Book with Dra. ')
    no_horizontal_scroll(page)


def test_when_the_clipboard_refuses_the_snippet_is_selected(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    context = new_context(locale="pt-BR")
    context.add_init_script(
        "Object.defineProperty(navigator, 'clipboard', {value: {writeText: () =>"
        " Promise.reject(new Error('refused'))}});"
    )
    page = context.new_page()
    open_dashboard(page, stack, db, pro, PATH)
    page.get_by_role("button", name="Copiar o código: Um botão que abre o calendário").click()
    expect(
        page.locator(".dash-share").get_by_role("status").filter(has_text="selecionado")
    ).to_be_visible()
    selected = page.evaluate("String(window.getSelection())")
    assert selected.endswith('data-mode="popup" async></script>')
    assert_accessible(page)
