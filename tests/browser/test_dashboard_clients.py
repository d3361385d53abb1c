"""The dashboard's clients screens (dashboard-clients.js, dashboard-client-page.js,
dashboard-client-notes.js and message-thread.js on the professional's side) in a real browser
against the local stack: a client added by hand and a clash explained with a link to who has
the phone; the search finds a part of the name without its accents and keeps ?q= in the
address; an edit of the details reaches the row; a note written, edited and deleted by
keyboard alone, checked in the database; a message sent by keyboard reaches the client's
WhatsApp and email stand-ins, and the client's reply shows with the unread count; a missing
client; English at 360 px; axe in every state."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pg8000.native
import pytest
from playwright.sync_api import Page, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    guest_post,
    guest_token,
    new_english_professional,
    new_professional,
)
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import open_dashboard
from tests.browser.harness import ConsoleErrors, assert_accessible, assert_focus_visible, tab_to
from tests.conftest import MakeProfessional, rows

pytestmark = pytest.mark.browser


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate(
        "window.innerWidth"
    )


def phone_digits() -> str:
    return f"{uuid.uuid4().int % 10**8:08d}"


def test_add_a_client_and_a_clash_explained(
    new_context: NewContext,
    console_errors: ConsoleErrors,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/clients")
    expect(page.get_by_role("status").filter(has_text="Nenhum cliente ainda.")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Adicionar um cliente").click()
    expect(page.get_by_label("Nome", exact=True)).to_be_focused()
    # Nothing filled: said at the fields, with a summary, before any request.
    page.get_by_role("button", name="Adicionar", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Confira os campos marcados.")
    expect(page.get_by_label("Nome", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Nome", exact=True)).to_be_focused()
    assert_accessible(page)

    digits = phone_digits()
    page.get_by_label("Nome", exact=True).fill("Júlia Gonçalves")
    page.get_by_label("Telefone (WhatsApp)").fill(f"(21) 9{digits}")
    page.get_by_label("E-mail (opcional)").fill("Julia.G@Example.com")
    page.get_by_label("Etiquetas (opcional)").fill("online, convênio, Online")
    page.get_by_role("button", name="Adicionar", exact=True).click()

    # The new client's page is next, named in the heading.
    expect(page).to_have_url(re.compile(r"/dashboard/clients/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Júlia Gonçalves")
    client_id = page.url.rsplit("/", 1)[1]
    [row] = rows(db, "SELECT * FROM clients WHERE professional_id = :p", p=pro.id)
    assert str(row["id"]) == client_id
    assert row["phone"] == f"+55219{digits}"
    assert row["email"] == "julia.g@example.com"
    assert row["source"] == "professional"
    assert list(row["tags"]) == ["online", "convênio"]
    expect(page.get_by_role("link", name="Marcar um horário")).to_have_attribute(
        "href", f"/dashboard/book?clientId={client_id}"
    )
    assert_accessible(page)

    # The same phone again: the clash is explained, with the way to who has it.
    page.get_by_role("link", name="Voltar para os clientes").click()
    expect(page.locator(".dash-client-card")).to_have_count(1)
    console_errors.expect(r"status of 409")
    page.get_by_role("button", name="Adicionar um cliente").click()
    page.get_by_label("Nome", exact=True).fill("Outra Pessoa")
    page.get_by_label("Telefone (WhatsApp)").fill(f"+55 21 9{digits}")
    page.get_by_role("button", name="Adicionar", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Você já tem um cliente com este telefone.")
    expect(page.get_by_label("Telefone (WhatsApp)")).to_have_attribute("aria-invalid", "true")
    link = alert.get_by_role("link", name="Abrir a página de Júlia Gonçalves")
    expect(link).to_have_attribute("href", f"/dashboard/clients/{client_id}")
    assert_accessible(page)
    assert (
        rows(db, "SELECT count(*) AS n FROM clients WHERE professional_id = :p", p=pro.id)[0]["n"]
        == 1
    )
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Júlia Gonçalves")


def test_search_finds_a_part_of_the_name_without_accents_and_keeps_it_in_the_address(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    joao = add_client(db, pro, name="João Gonçalves", email=None)
    add_client(db, pro, name="Maria Silva", email="maria@example.com")
    add_client(db, pro, name="Ana Souza", email="ana@example.com")
    add_appointment(db, pro, joao, datetime.now(UTC) + timedelta(days=4))
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/clients")
    cards = page.locator(".dash-client-card")
    expect(cards).to_have_count(3)
    # By name, ignoring case and accents.
    expect(cards.nth(0).get_by_role("heading")).to_have_text("Ana Souza")

    search = page.get_by_role("searchbox", name="Buscar por nome, telefone ou e-mail")
    search.press_sequentially("GONCAL", delay=30)
    expect(cards).to_have_count(1)
    expect(cards.get_by_role("link")).to_have_text("João Gonçalves")
    expect(cards).to_contain_text("Próximo:")
    expect(page).to_have_url(re.compile(r"\?q=GONCAL$"))
    assert_accessible(page)

    page.reload()
    expect(page.get_by_role("searchbox")).to_have_value("GONCAL")
    expect(cards).to_have_count(1)

    search = page.get_by_role("searchbox")
    search.fill("")
    search.press_sequentially("zzz")
    expect(
        page.get_by_role("status").filter(has_text="Nenhum cliente encontrado para “zzz”.")
    ).to_be_visible()
    expect(cards).to_have_count(0)
    assert_accessible(page)


def test_edit_the_details_and_a_note_written_edited_and_deleted_by_keyboard(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro, name="Maria Silva", email="maria@example.com")
    add_appointment(db, pro, client, datetime.now(UTC) - timedelta(days=3), status="completed")
    add_appointment(db, pro, client, datetime.now(UTC) + timedelta(days=3))
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, f"/dashboard/clients/{client}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Maria Silva")
    history = page.locator("[data-appointment-id]")
    expect(history).to_have_count(2)
    # Newest first, each with its status.
    expect(history.nth(0)).to_contain_text("confirmado")
    expect(history.nth(1)).to_contain_text("realizado")
    expect(page.get_by_text("Só você vê estas notas.")).to_be_visible()
    assert_accessible(page)

    # The details.
    page.get_by_role("button", name="Editar os dados").click()
    expect(page.get_by_label("Nome", exact=True)).to_be_focused()
    page.get_by_label("Nome", exact=True).fill("Maria Souza Silva")
    page.get_by_label("E-mail (opcional)").fill("")
    page.get_by_role("button", name="Salvar", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Dados salvos.")).to_be_focused()
    expect(page.get_by_role("heading", level=1)).to_have_text("Maria Souza Silva")
    [row] = rows(db, "SELECT name, email FROM clients WHERE id = :c", c=client)
    assert row == {"name": "Maria Souza Silva", "email": None}
    assert_accessible(page)

    # A note, by keyboard alone.
    note_field = tab_to(page, "#client-note-new", limit=60)
    assert_focus_visible(note_field)
    page.keyboard.type("Primeira sessão: dor lombar.")
    page.keyboard.press("Enter")
    page.keyboard.type("Retorno em 15 dias.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Salvar a nota")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Nota salva.")).to_be_visible()
    notes = page.locator(".dash-note")
    expect(notes).to_have_count(1)
    expect(notes.locator(".dash-note-text")).to_have_text(
        "Primeira sessão: dor lombar.\nRetorno em 15 dias."
    )
    [note] = rows(db, "SELECT id, body FROM client_notes WHERE client_id = :c", c=client)
    assert note["body"] == "Primeira sessão: dor lombar.\nRetorno em 15 dias."
    assert_accessible(page)

    expect(page.locator("#client-note-new")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=re.compile("^Editar a nota de"))).to_be_focused()
    page.keyboard.press("Enter")
    edit = page.get_by_label("Texto da nota")
    expect(edit).to_be_focused()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Trazer exames.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Salvar a alteração")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Nota atualizada.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Editar a nota de"))).to_be_focused()
    [edited] = rows(
        db,
        "SELECT body, updated_at > created_at AS later FROM client_notes WHERE id = :n",
        n=note["id"],
    )
    assert edited == {
        "body": "Primeira sessão: dor lombar.\nRetorno em 15 dias. Trazer exames.",
        "later": True,
    }
    expect(notes.locator(".dash-note-meta")).to_contain_text("editada em")
    assert_accessible(page)

    # Delete asks first; "keep" keeps it, "yes" deletes it.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=re.compile("^Apagar a nota de"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Apagar esta nota? Não dá para desfazer.")).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Manter a nota")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=re.compile("^Apagar a nota de"))).to_be_focused()
    assert len(rows(db, "SELECT id FROM client_notes WHERE client_id = :c", c=client)) == 1
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sim, apagar")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Nota apagada.")).to_be_focused()
    expect(notes).to_have_count(0)
    expect(page.get_by_text("Nenhuma nota sobre este cliente ainda.")).to_be_visible()
    assert rows(db, "SELECT id FROM client_notes WHERE client_id = :c", c=client) == []
    assert_accessible(page)


def wait_for(stack: LocalStack, since: int, recipients: set[str], text: str) -> set[str]:
    """The channels on which a message holding `text` reached one of `recipients`."""
    wanted = {r.lstrip("+").lower() for r in recipients}
    deadline = time.monotonic() + 45
    channels: set[str] = set()
    while time.monotonic() < deadline:
        channels = {
            str(m.channel)
            for m in stack.providers.messages()[since:]
            if m.recipient.lstrip("+").lower() in wanted
            and text in ((m.text or "") + (m.html or ""))
        }
        if len(channels) >= 2:
            return channels
        time.sleep(0.3)
    return channels


def test_a_message_by_keyboard_reaches_the_client_and_their_reply_shows_unread(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    email = f"cliente.{uuid.uuid4().hex[:10]}@example.com"
    client = add_client(db, pro, name="Maria Silva", email=email)
    [contact] = rows(db, "SELECT phone FROM clients WHERE id = :c", c=client)
    appointment = add_appointment(db, pro, client, datetime.now(UTC) + timedelta(days=3))
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/clients")
    # The sign-in's way back keeps no #part (the shell's returnTo): the address is opened again.
    page.goto(f"/dashboard/clients/{client}#messages")
    heading = page.locator("#messages-heading")
    expect(heading).to_be_focused()
    expect(page.locator(".thread-empty")).to_have_text(
        "Nenhuma mensagem ainda. Escreva para Maria Silva por aqui."
    )
    assert_accessible(page)

    since = len(stack.providers.messages())
    page.keyboard.press("Tab")
    expect(page.get_by_label("Sua mensagem para Maria Silva")).to_be_focused()
    marker = f"Confirmado para quinta {uuid.uuid4().hex[:6]}"
    page.keyboard.type(marker)
    page.keyboard.press("Control+Enter")
    mine = page.locator(".thread-message.thread-mine")
    expect(mine).to_have_count(1)
    expect(mine.locator(".thread-sender")).to_have_text("Você")
    expect(page.locator(".thread-status")).to_have_text("Mensagem enviada.")
    expect(page.locator("#thread-text")).to_be_focused()
    assert [
        (r["sender"], r["body"])
        for r in rows(db, "SELECT sender, body FROM messages WHERE client_id = :c", c=client)
    ] == [("professional", marker)]
    assert wait_for(stack, since, {contact["phone"], email}, marker) == {"whatsapp", "email"}
    assert_accessible(page)

    # The client answers through their guest link: the list and the thread say it is unread.
    token = guest_token(stack, appointment)
    answer = guest_post(api, appointment, "messages", {"token": token, "text": "Obrigada! Até lá."})
    assert answer.status_code == 201, answer.text
    page.get_by_role("link", name="Voltar para os clientes").click()
    card = page.locator(".dash-client-card")
    expect(card).to_contain_text("1 mensagem não lida")
    card.get_by_role("link", name="Maria Silva").click()
    expect(page.locator(".thread-unread")).to_have_text("1 nova")
    theirs = page.locator(".thread-message.thread-theirs")
    expect(theirs.locator(".thread-sender")).to_have_text("Maria Silva")
    expect(theirs.locator(".thread-text")).to_have_text("Obrigada! Até lá.")
    assert_accessible(page)
    [read] = rows(
        db, "SELECT read_at FROM messages WHERE client_id = :c AND sender = 'client'", c=client
    )
    assert read["read_at"] is not None


def test_a_missing_client_and_english_at_360_px(
    new_context: NewContext,
    console_errors: ConsoleErrors,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_english_professional(make_professional, db)
    client = add_client(
        db, pro, name="Ann Long-Surname-That-Wraps Example", email="ann@example.com"
    )
    add_appointment(db, pro, client, datetime.now(UTC) + timedelta(days=2))
    page = new_context(locale="pt-BR", viewport={"width": 360, "height": 780}).new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/clients")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("status").filter(has_text="1 client in the list.")).to_be_visible()
    no_sideways_scroll(page)
    assert_accessible(page)

    page.get_by_role("link", name="Ann Long-Surname-That-Wraps Example").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ann Long-Surname-That-Wraps Example")
    expect(page.get_by_role("heading", level=2, name="Private notes")).to_be_visible()
    expect(page.get_by_text("Only you see these notes.")).to_be_visible()
    expect(page.locator("#messages-heading")).to_have_text("Messages")
    expect(page.get_by_role("link", name="Book a time")).to_be_visible()
    no_sideways_scroll(page)
    assert_accessible(page)

    console_errors.expect(r"status of 404")
    page.goto(f"/dashboard/clients/{uuid.uuid4()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("No such client")
    expect(page.get_by_role("link", name="Back to the clients")).to_have_attribute(
        "href", "/dashboard/clients"
    )
    no_sideways_scroll(page)
    assert_accessible(page)


def test_an_anonymised_client_cannot_be_edited_and_a_full_plan_is_explained(
    new_context: NewContext,
    console_errors: ConsoleErrors,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro, name="Maria Silva", email="maria@example.com")
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, f"/dashboard/clients/{client}")
    # Every read of the page done (the thread of an anonymised client would be 404).
    expect(page.locator(".thread-empty")).to_be_visible()
    expect(page.get_by_text("Nenhuma nota sobre este cliente ainda.")).to_be_visible()
    page.get_by_role("button", name="Editar os dados").click()
    page.get_by_label("Nome", exact=True).fill("Maria S.")
    # Meanwhile the client deletes their data.
    db.run(
        "UPDATE clients SET anonymised_at = now(), name = 'Cliente removido', email = NULL"
        " WHERE id = :c",
        c=client,
    )
    console_errors.expect(r"status of 409")
    page.get_by_role("button", name="Salvar", exact=True).click()
    said = page.get_by_role("status").filter(has_text="não podem mais ser editados")
    expect(said).to_be_focused()
    expect(page.get_by_role("button", name="Editar os dados")).to_have_count(0)
    [row] = rows(db, "SELECT name FROM clients WHERE id = :c", c=client)
    assert row["name"] == "Cliente removido"
    assert_accessible(page)

    # The free plan's ten clients: the eleventh is refused, with the way to the plans.
    for n in range(9):
        add_client(db, pro, name=f"Cliente {n}", email=None)
    page.goto("/dashboard/clients")
    expect(page.locator(".dash-client-card")).to_have_count(10)
    console_errors.expect(r"status of 403")
    page.get_by_role("button", name="Adicionar um cliente").click()
    page.get_by_label("Nome", exact=True).fill("Décimo Primeiro")
    page.get_by_label("Telefone (WhatsApp)").fill(f"(21) 9{phone_digits()}")
    page.get_by_role("button", name="Adicionar", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("O seu plano chegou ao limite de clientes.")
    expect(alert.get_by_role("link", name="Ver os planos")).to_have_attribute(
        "href", "/dashboard/plan"
    )
    count = rows(db, "SELECT count(*) AS n FROM clients WHERE professional_id = :p", p=pro.id)
    assert count[0]["n"] == 10
    assert_accessible(page)
