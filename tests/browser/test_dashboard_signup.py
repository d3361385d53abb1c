"""The dashboard's sign-up in a real browser (pages/site/assets/js/dashboard-signup.js): a new
sign-in without an account gets the form, fills it by keyboard, meets a slug another
professional holds and takes one of the free ones offered, gets a 400 at the field, and lands on
the hours screen with its account written and its page published; in English, chosen in the
form, at 360 px."""

from __future__ import annotations

import re
import uuid

import pg8000.native
import pytest
import requests
from playwright.sync_api import Page, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import sign_in_through_dev_page
from tests.browser.harness import ConsoleErrors, assert_accessible, assert_focus_visible
from tests.conftest import MakeProfessional, rows
from tests.e2e.test_professional_pages import published

pytestmark = pytest.mark.browser


def new_email() -> str:
    return f"signup-{uuid.uuid4().hex[:10]}@example.com"


def new_phone() -> str:
    return f"(11) 9{uuid.uuid4().int % 10**4:04d}-{uuid.uuid4().int % 10**4:04d}"


def signed_in_without_account(page: Page, email: str) -> None:
    page.goto("/dashboard")
    sign_in_through_dev_page(page, email)
    page.wait_for_url(re.compile(r"/dashboard$"))


def account_of(db: pg8000.native.Connection, sub: str) -> list[dict[str, object]]:
    return rows(
        db,
        "SELECT slug, name, profession, phone, email, timezone, locale, session_duration,"
        " session_price FROM professionals WHERE user_id = :sub",
        sub=sub,
    )


def test_sign_up_by_keyboard_with_a_taken_slug_and_a_bad_phone(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    assert stack.sign_in is not None
    console_errors.expect(r"status of 404")  # GET /api/account: no account yet
    console_errors.expect(r"status of 400")  # the bad phone
    holder = make_professional()  # holds the slug the person will ask for first
    email = new_email()
    page = new_context(locale="pt-BR", timezone_id="America/Sao_Paulo").new_page()
    signed_in_without_account(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Crie a sua página")
    expect(page.locator(".dash-header")).to_be_hidden()
    name = page.get_by_label("Seu nome, como os clientes vão ver")
    slug = page.get_by_label("Endereço da sua página")
    expect(name).to_be_focused()
    assert_accessible(page)

    # The slug follows the name until one is typed.
    page.keyboard.type("Dra. Ângela Souza")
    expect(slug).to_have_value("dra-angela-souza")
    page.keyboard.press("Tab")
    expect(slug).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(holder.slug)
    status = page.locator("#signup-slug-status")
    expect(status).to_have_text(f"O endereço {holder.slug} já é de outra pessoa.")
    choices = page.get_by_role("list", name="Endereços livres parecidos:").get_by_role("button")
    expect(choices.first).to_be_visible()
    assert_accessible(page)

    page.keyboard.press("Tab")
    expect(choices.first).to_be_focused()
    assert_focus_visible(choices.first)
    chosen = choices.first.inner_text()
    assert chosen.startswith(holder.slug)
    assert chosen != holder.slug
    page.keyboard.press("Enter")
    expect(slug).to_have_value(chosen)
    expect(slug).to_be_focused()
    expect(status).to_have_text(f"O endereço {chosen} está livre.")
    expect(choices).to_have_count(0)

    page.keyboard.press("Tab")
    expect(page.get_by_label("Profissão")).to_be_focused()
    page.keyboard.type("Psicóloga")
    page.keyboard.press("Tab")
    phone = page.get_by_label("WhatsApp")
    expect(phone).to_be_focused()
    page.keyboard.type("123")
    page.keyboard.press("Tab")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    zone = page.get_by_label("Fuso horário")
    expect(zone).to_be_focused()
    expect(zone).to_have_value("America/Sao_Paulo")
    for _ in range(4):  # language, duration, price, the button
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Criar a minha página")).to_be_focused()

    # A bad phone: the API's 400 at the field, a summary, the focus there.
    page.keyboard.press("Enter")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_be_focused()
    expect(page.locator("#signup-phone-error")).not_to_be_empty()
    expect(page.get_by_role("alert")).to_contain_text("Confira os campos marcados: WhatsApp")
    assert account_of(db, stack.sign_in.subject(email)) == []
    assert_accessible(page)

    page.keyboard.press("ControlOrMeta+a")
    good_phone = new_phone()
    page.keyboard.type(good_phone)
    for _ in range(5):  # email, zone, language, duration, price
        page.keyboard.press("Tab")
    expect(page.get_by_label("Preço da sessão, em reais (opcional)")).to_be_focused()
    page.keyboard.type("150")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{api}/dashboard/availability")
    expect(page.locator(".dash-header")).to_be_visible()
    nav = page.get_by_role("navigation", name="Painel")
    expect(nav.get_by_role("link", name="Horários")).to_have_attribute("aria-current", "page")
    expect(page.locator("#dashboard[aria-busy]")).to_have_count(0)
    [account] = account_of(db, stack.sign_in.subject(email))
    assert account["slug"] == chosen
    assert account["name"] == "Dra. Ângela Souza"
    assert account["profession"] == "Psicóloga"
    assert account["phone"] == "+55" + re.sub(r"\D", "", good_phone)
    assert account["email"] == email
    assert (account["timezone"], account["locale"]) == ("America/Sao_Paulo", "pt-BR")
    assert account["session_duration"] == 50
    assert float(str(account["session_price"])) == 150.0
    assert "Dra. Ângela Souza" in published(api, chosen)


def test_english_chosen_in_the_form_and_a_slug_taken_meanwhile_at_360_px(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    assert stack.sign_in is not None
    console_errors.expect(r"status of 404")  # GET /api/account: no account yet
    email = new_email()
    page = new_context(
        locale="pt-BR", timezone_id="America/New_York", viewport={"width": 360, "height": 780}
    ).new_page()
    signed_in_without_account(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Crie a sua página")
    page.get_by_label("Seu nome, como os clientes vão ver").fill("Dr. John Example")
    page.get_by_label("Idioma").select_option("en")

    # The form speaks English now, the name typed kept, the focus where it was.
    language = page.get_by_label("Language")
    expect(language).to_be_focused()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your page")
    expect(page.get_by_role("heading", level=2)).to_have_text("Create your page")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Your name, as clients will see it")).to_have_value("Dr. John Example")
    slug = page.get_by_label("Your page's address")
    expect(slug).to_have_value("dr-john-example")
    expect(page.get_by_label("Time zone")).to_have_value("America/New_York")
    wanted = f"dr-john-{uuid.uuid4().hex[:8]}"
    slug.fill(wanted)
    expect(page.locator("#signup-slug-status")).to_have_text(f"The address {wanted} is free.")
    page.get_by_label("Profession").fill("Therapist")
    page.get_by_label("WhatsApp").fill(f"+1 212 555 {uuid.uuid4().int % 10**4:04d}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Session length, in minutes (optional)").fill("45")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    # Someone takes the address between the check and the sending: 409 SLUG_TAKEN, said at
    # the field with the free ones near it.
    thief = make_professional()
    db.run("UPDATE professionals SET slug = :slug WHERE id = :id", slug=wanted, id=thief.id)
    console_errors.expect(r"status of 409")
    page.get_by_role("button", name="Create my page").click()
    expect(slug).to_be_focused()
    expect(slug).to_have_attribute("aria-invalid", "true")
    taken = f"The address {wanted} was just taken by someone else. Please choose another."
    expect(page.locator("#signup-slug-error")).to_have_text(taken)
    expect(page.get_by_role("alert")).to_have_text(taken)
    choices = page.get_by_role("list", name="Free addresses like it:").get_by_role("button")
    expect(choices.first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    unique = choices.first.inner_text()
    choices.first.click()
    expect(slug).to_have_value(unique)
    expect(slug).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Create my page").click()

    page.wait_for_url(f"{api}/dashboard/availability")
    nav = page.get_by_role("navigation", name="Dashboard")
    expect(nav.get_by_role("link", name="Hours")).to_have_attribute("aria-current", "page")
    [account] = account_of(db, stack.sign_in.subject(email))
    assert (account["slug"], account["locale"], account["timezone"]) == (
        unique,
        "en",
        "America/New_York",
    )
    assert account["session_duration"] == 45
    assert account["session_price"] is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_account_made_in_another_tab_meanwhile_opens_the_dashboard(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    console_errors: ConsoleErrors,
) -> None:
    assert stack.sign_in is not None
    console_errors.expect(r"status of 404")  # GET /api/account: no account yet
    console_errors.expect(r"status of 409")  # ACCOUNT_EXISTS
    email = new_email()
    page = new_context(locale="pt-BR", timezone_id="America/Sao_Paulo").new_page()
    signed_in_without_account(page, email)
    page.get_by_label("Seu nome, como os clientes vão ver").fill("Dra. Aba Form")
    page.get_by_label("Profissão").fill("Psicóloga")
    page.get_by_label("WhatsApp").fill(new_phone())
    page.get_by_label("E-mail").fill(email)

    sub = stack.sign_in.subject(email)
    other_tab = f"dra-outra-aba-{uuid.uuid4().hex[:8]}"
    made = requests.post(
        f"{api}/api/account",
        json={
            "name": "Dra. Outra Aba",
            "slug": other_tab,
            "profession": "Psicóloga",
            "phone": new_phone(),
            "email": email,
        },
        headers=bearer(stack, sub),
        timeout=30,
    )
    assert made.status_code == 201, made.text

    page.get_by_role("button", name="Criar a minha página").click()
    page.wait_for_url(f"{api}/dashboard/availability")
    expect(page.locator(".dash-who")).to_contain_text("Dra. Outra Aba")
    [account] = account_of(db, sub)
    assert account["slug"] == other_tab
