"""The dashboard's reviews screen in a real browser (pages/site/assets/js/dashboard-reviews.js):
the reviews of completed sessions with their rating, comment, client's first name and date; a
reply by keyboard; a reply another tab made first (409 ALREADY_REPLIED said and the review read
again); hiding with a reason (gone from the public profile) and showing again; axe in each
state; at 360 px."""

from __future__ import annotations

import pg8000.native
import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from infra.local.stack import LocalStack
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import open_dashboard
from tests.browser.harness import ConsoleErrors, assert_accessible
from tests.conftest import MakeProfessional, Professional
from tests.review_helpers import (
    Session,
    as_client,
    reply,
    review,
    review_rows,
    session,
)

pytestmark = pytest.mark.browser


def reviewed(
    stack: LocalStack,
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    pro: Professional,
    name: str,
    rating: int,
    comment: str,
) -> tuple[Session, str]:
    """A completed session of `pro` with a client called `name` and their review; its id."""
    visit = session(db, make_professional, name=name, pro=pro)
    answer = review(
        api, visit.appointment, {"rating": rating, "comment": comment}, as_client(stack, visit)
    )
    assert answer.status_code == 201, answer.text
    return visit, str(answer.json()["id"])


def public_comments(api: str, slug: str) -> list[str]:
    answer = requests.get(f"{api}/api/professionals/{slug}", timeout=30)
    assert answer.status_code == 200, answer.text
    return [item["comment"] for item in answer.json()["reviews"]]


def card_of(page: Page, heading: str) -> Locator:
    return page.locator(".reviews-card").filter(
        has=page.get_by_role("heading", level=3, name=heading)
    )


def test_reply_hide_and_show_again_at_360_px(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = make_professional()
    first, _ = reviewed(
        stack, api, db, make_professional, pro, "Maria Silva", 4, "Muito atenciosa.\nRecomendo."
    )
    second, second_id = reviewed(
        stack, api, db, make_professional, pro, "Joana Prado", 2, "Atrasou vinte minutos."
    )
    page = new_context(locale="pt-BR", viewport={"width": 360, "height": 780}).new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/reviews")
    expect(page.get_by_role("heading", level=1)).to_have_text("Avaliações")
    expect(page.get_by_role("heading", level=2)).to_have_text("Avaliações recebidas")
    expect(
        page.get_by_text("Avaliações ocultas não aparecem na sua página pública")
    ).to_be_visible()
    maria = card_of(page, "Maria: 4 de 5 estrelas")
    joana = card_of(page, "Joana: 2 de 5 estrelas")
    expect(maria).to_contain_text("Muito atenciosa.")
    expect(maria).not_to_contain_text("Silva")  # the first name only
    expect(page.locator(".reviews-card")).to_have_count(2)
    expect(page.get_by_role("status").filter(has_text="2 avaliações na lista.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    # Reply by keyboard.
    maria.get_by_role("button", name="Responder").focus()
    page.keyboard.press("Enter")
    text = page.get_by_label("Sua resposta para Maria")
    expect(text).to_be_focused()
    page.keyboard.type("Obrigada, Maria!")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Publicar resposta")).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Enter")
    expect(maria.get_by_role("status")).to_have_text("Resposta publicada.")
    expect(maria.get_by_role("heading", level=3)).to_be_focused()
    expect(maria.get_by_role("heading", level=4, name="Sua resposta")).to_be_visible()
    expect(maria.get_by_role("button", name="Responder")).to_have_count(0)
    [row] = review_rows(db, first.appointment)
    assert row["reply"] == "Obrigada, Maria!"
    assert_accessible(page)

    # Another tab replied to Joana first: the 409 is said and the reply shown.
    other = reply(
        api, second_id, {"text": "Pedimos desculpas."}, as_professional_of(stack, db, pro)
    )
    assert other.status_code == 201, other.text
    console_errors.expect(r"status of 409")
    joana.get_by_role("button", name="Responder").click()
    page.get_by_label("Sua resposta para Joana").fill("Outra resposta")
    page.get_by_role("button", name="Publicar resposta").click()
    expect(joana.get_by_role("status")).to_have_text(
        "Esta avaliação já tinha sido respondida (talvez em outra aba)."
        " Ela aparece abaixo como está agora."
    )
    expect(joana).to_contain_text("Pedimos desculpas.")
    expect(joana.get_by_role("button", name="Responder")).to_have_count(0)
    [row] = review_rows(db, second.appointment)
    assert row["reply"] == "Pedimos desculpas."

    # Hide Joana's review: the reason is asked first, then it leaves the public profile.
    assert "Atrasou vinte minutos." in public_comments(api, pro.slug)
    joana.get_by_role("button", name="Ocultar").click()
    reason = page.get_by_label("Motivo (só você vê)")
    expect(reason).to_be_focused()
    page.get_by_role("button", name="Sim, ocultar").click()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(joana.get_by_role("alert")).to_have_text("Escreva o motivo para ocultar.")
    assert_accessible(page)
    reason.fill("Comentário sobre a recepção, não sobre a sessão")
    page.get_by_role("button", name="Sim, ocultar").click()
    expect(joana.get_by_role("status")).to_have_text(
        "Avaliação ocultada: ela não aparece mais na sua página."
    )
    expect(joana).to_contain_text("Oculta: não aparece na sua página")
    expect(joana).to_contain_text("Motivo: Comentário sobre a recepção, não sobre a sessão")
    [row] = review_rows(db, second.appointment)
    assert row["hidden_at"] is not None
    assert row["hidden_reason"] == "Comentário sobre a recepção, não sobre a sessão"
    assert "Atrasou vinte minutos." not in public_comments(api, pro.slug)
    assert "Muito atenciosa.\nRecomendo." in public_comments(api, pro.slug)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    # Show it again.
    joana.get_by_role("button", name="Mostrar de novo").click()
    expect(joana.get_by_role("status")).to_have_text("Avaliação visível de novo na sua página.")
    expect(joana).not_to_contain_text("Oculta: não aparece na sua página")
    expect(joana.get_by_role("button", name="Ocultar")).to_be_visible()
    [row] = review_rows(db, second.appointment)
    assert row["hidden_at"] is None
    assert "Atrasou vinte minutos." in public_comments(api, pro.slug)
    assert_accessible(page)


def as_professional_of(
    stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> dict[str, str]:
    """The bearer of `pro` now that open_dashboard gave them the dev authority's sub."""
    [[sub]] = db.run("SELECT user_id FROM professionals WHERE id = :id", id=pro.id)
    return {"authorization": f"Bearer {stack.authority.mint(sub)}"}


def test_no_reviews_yet_in_english(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    db.run("UPDATE professionals SET locale = 'en' WHERE id = :id", id=pro.id)
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/reviews")
    expect(page.get_by_role("heading", level=2)).to_have_text("Reviews received")
    expect(page.get_by_text("No reviews yet.")).to_be_visible()
    expect(page.get_by_text("Hidden reviews are not on your public page")).to_be_visible()
    assert_accessible(page)


def test_more_reviews_than_a_page_show_more_by_keyboard(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    for number in range(22):  # a page is 20; the oldest is number 21
        visit = session(db, make_professional, name=f"Cliente{number:02d} Teste", pro=pro)
        db.run(
            "INSERT INTO reviews (professional_id, client_id, appointment_id, rating, comment,"
            " created_at) VALUES (:p, :c, :a, 5, :comment, now() - make_interval(hours => :n))",
            p=pro.id,
            c=visit.client_id,
            a=visit.appointment,
            comment=f"Comentário {number:02d}",
            n=number + 1,
        )
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/reviews")
    cards = page.locator(".reviews-card")
    expect(cards).to_have_count(20)
    expect(
        page.get_by_role("status").filter(has_text="20 avaliações na lista, e há mais.")
    ).to_be_visible()
    expect(cards.first).to_contain_text("Comentário 00")  # newest first
    page.get_by_role("button", name="Mostrar mais").focus()
    page.keyboard.press("Enter")
    expect(cards).to_have_count(22)
    expect(page.get_by_role("heading", level=3, name="Cliente20: 5 de 5 estrelas")).to_be_focused()
    expect(page.get_by_role("button", name="Mostrar mais")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="22 avaliações na lista.")).to_be_visible()
    assert_accessible(page)
