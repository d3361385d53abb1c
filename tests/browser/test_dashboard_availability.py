"""The availability screen in a real browser against the local stack: a professional with no
hours sets Monday to Friday by keyboard (two windows on Monday, copied to the other days),
previews, saves, and the booking API and the public page then offer exactly the preview's
times; a blocked day leaves the preview and an override changes a day's times, both saved to
the tables; a window ending before it starts gets the API's 400 at its input and nothing is
saved; English at 360 px; axe in each state."""

from __future__ import annotations

from datetime import date
from typing import Any

import pg8000.native
import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import new_english_professional
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import open_dashboard
from tests.browser.harness import ConsoleErrors, assert_accessible, tab_to
from tests.browser.test_booking_flow import page_of
from tests.conftest import MakeProfessional, Professional, next_weekday, rows

pytestmark = pytest.mark.browser

PATH = "/dashboard/availability"


def weekly_rows(db: pg8000.native.Connection, pro: Professional) -> list[tuple[int, str, str]]:
    found = rows(
        db,
        "SELECT day_of_week, to_char(start_time, 'HH24:MI') AS s, to_char(end_time, 'HH24:MI')"
        " AS e FROM availability WHERE professional_id = :p ORDER BY 1, 2",
        p=pro.id,
    )
    return [(row["day_of_week"], row["s"], row["e"]) for row in found]


def preview_times(page: Page, day: date) -> list[str]:
    card = page.locator(f'.avail-preview-day[data-date="{day.isoformat()}"]')
    expect(card).to_be_visible()
    times: list[str] = card.locator(".avail-times li").all_inner_texts()
    return times


def booking_times(api: str, pro: Professional, day: date) -> list[str]:
    answer = requests.get(
        f"{api}/api/booking",
        params={"slug": pro.slug, "date": day.isoformat(), "days": "1"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    days: list[dict[str, Any]] = answer.json()["days"]
    wanted = day.isoformat()
    return [slot["time"] for found in days if found["date"] == wanted for slot in found["slots"]]


def tab_until(page: Page, target: Locator, limit: int = 10) -> None:
    """Presses Tab until `target` has the focus (a time input's own parts take presses too)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def type_time(page: Page, hhmm: str) -> None:
    """Types a time into the focused time input as a person does. The headless chromium shows
    time inputs with the 12-hour clock whatever the page's language (its own UI is en-US): the
    hour, the minutes, then A or P."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    page.keyboard.type(f"{(hour - 1) % 12 + 1:02d}{minute:02d}{'P' if hour >= 12 else 'A'}")
    focused = page.locator(":focus")
    expect(focused).to_have_value(hhmm)


def test_weekly_hours_by_keyboard_preview_save_and_the_public_page(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional(windows=())
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, PATH)
    expect(page.get_by_role("heading", level=2, name="Seus horários")).to_be_visible()
    expect(page.locator(".avail-day").first).to_contain_text("Fechado")
    assert_accessible(page)

    # Monday: two windows, by keyboard only.
    tab_to(page, ".avail-day:first-of-type .avail-add", limit=60)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Segunda-feira, intervalo 1, das")).to_be_focused()
    type_time(page, "09:00")
    tab_until(page, page.get_by_label("Segunda-feira, intervalo 1, até"))
    type_time(page, "12:00")
    tab_to(page, ".avail-day:first-of-type .avail-add")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Segunda-feira, intervalo 2, das")).to_be_focused()
    type_time(page, "14:00")
    tab_until(page, page.get_by_label("Segunda-feira, intervalo 2, até"))
    type_time(page, "18:00")
    expect(page.get_by_label("Segunda-feira, intervalo 1, até")).to_have_value("12:00")
    expect(page.get_by_label("Segunda-feira, intervalo 2, das")).to_have_value("14:00")
    expect(page.get_by_label("Segunda-feira, intervalo 2, até")).to_have_value("18:00")
    expect(page.get_by_text("Há alterações não salvas.")).to_be_visible()

    # Copied to Tuesday-Friday: the question, its boxes by Space, then Copy.
    tab_to(page, ".avail-day:first-of-type .avail-copy")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Terça-feira", exact=True)).to_be_focused()
    for _ in range(4):  # Tuesday, Wednesday, Thursday, Friday
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
    tab_to(page, ".avail-copy-question .account-primary")
    assert_accessible(page)
    page.keyboard.press("Enter")
    copied = page.get_by_role("status").filter(has_text="Horários de Segunda-feira copiados")
    expect(copied).to_be_visible()
    expect(page.get_by_label("Sexta-feira, intervalo 2, até")).to_have_value("18:00")
    expect(page.locator(".avail-day").nth(5)).to_contain_text("Fechado")  # Saturday

    monday = next_weekday(1)
    tab_to(page, "button:text-is('Ver horários livres')", limit=200)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Horários livres nos próximos 14 dias")).to_be_focused()
    shown = preview_times(page, monday)
    assert shown[0] == "09:00"
    assert "14:00" in shown
    assert weekly_rows(db, pro) == [], "the preview saved something"
    assert_accessible(page)

    tab_to(page, "button:text-is('Salvar')", limit=200)
    page.keyboard.press("Enter")
    saved = page.get_by_role("status").filter(has_text="Horários salvos.")
    expect(saved).to_be_focused()
    expect(page.get_by_text("Há alterações não salvas.")).to_have_count(0)
    two_windows = (("09:00", "12:00"), ("14:00", "18:00"))
    assert weekly_rows(db, pro) == [
        (day, start, end) for day in range(1, 6) for start, end in two_windows
    ]
    assert booking_times(api, pro, monday) == shown
    assert_accessible(page)

    # The public page, another visitor: the same times on that Monday.
    visitor = new_context(locale="pt-BR").new_page()
    visitor.goto(page_of(api, pro))
    day = visitor.locator(f'.slot-day[data-date="{monday.isoformat()}"]')
    expect(day).to_be_visible()
    day.click()
    expect(visitor.locator(".slot-time").first).to_be_visible()
    assert visitor.locator(".slot-time-main").all_inner_texts() == shown


def test_a_blocked_day_leaves_the_preview_and_an_override_changes_a_day(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()  # Monday to Friday, 09:00-12:00 and 14:00-18:00
    monday, tuesday = next_weekday(1), next_weekday(2)
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, PATH)
    preview = page.get_by_role("button", name="Ver horários livres")
    preview.click()
    assert preview_times(page, monday)[0] == "09:00"

    page.get_by_role("button", name="Adicionar dias de folga").click()
    expect(page.get_by_label("Folga 1: primeiro dia")).to_be_focused()
    page.get_by_label("Folga 1: primeiro dia").fill(monday.isoformat())
    page.get_by_label("Folga 1: último dia").fill(monday.isoformat())
    page.get_by_label("Folga 1: motivo (opcional)").fill("Consulta médica")
    expect(page.locator(".avail-stale")).to_be_visible()

    page.get_by_role("button", name="Adicionar uma data com horários próprios").click()
    page.get_by_label("Data 1: dia").fill(tuesday.isoformat())
    page.get_by_label("Data 1, intervalo 1, das").fill("10:00")
    page.get_by_label("Data 1, intervalo 1, até").fill("11:00")
    preview.click()
    expect(page.locator(".avail-stale")).to_be_hidden()
    expect(page.locator(f'.avail-preview-day[data-date="{monday.isoformat()}"]')).to_have_count(0)
    assert preview_times(page, tuesday) == ["10:00"]
    assert_accessible(page)

    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_role("status").filter(has_text="Horários salvos.")).to_be_visible()
    blocked = rows(
        db,
        "SELECT starts_on, ends_on, reason FROM blocked_periods WHERE professional_id = :p",
        p=pro.id,
    )
    assert blocked == [{"starts_on": monday, "ends_on": monday, "reason": "Consulta médica"}]
    overrides = rows(
        db,
        "SELECT on_date, to_char(start_time, 'HH24:MI') AS s, to_char(end_time, 'HH24:MI') AS e"
        " FROM availability_overrides WHERE professional_id = :p",
        p=pro.id,
    )
    assert overrides == [{"on_date": tuesday, "s": "10:00", "e": "11:00"}]
    # Read back: the screen shows what is stored.
    page.reload()
    expect(page.get_by_label("Folga 1: motivo (opcional)")).to_have_value("Consulta médica")
    expect(page.get_by_label("Data 1: dia")).to_have_value(tuesday.isoformat())
    assert_accessible(page)

    # Leaving with a change not saved is said.
    page.get_by_label("Folga 1: motivo (opcional)").fill("Outro motivo")
    expect(page.get_by_text("Há alterações não salvas.")).to_be_visible()
    page.get_by_role("navigation", name="Painel").get_by_role("link", name="Hoje").click()
    expect(page.locator("#dashboard-announcer")).to_have_text(
        "As alterações nos horários não foram salvas."
    )
    assert rows(db, "SELECT reason FROM blocked_periods WHERE professional_id = :p", p=pro.id) == [
        {"reason": "Consulta médica"}
    ]


def test_a_window_ending_before_it_starts_is_refused_at_its_input_in_english_at_360_px(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    console_errors.expect(r"status of 400")
    pro = new_english_professional(make_professional, db)
    before = weekly_rows(db, pro)
    page = new_context(locale="en-US", viewport={"width": 360, "height": 780}).new_page()
    open_dashboard(page, stack, db, pro, PATH)
    expect(page.get_by_role("heading", level=2, name="Your hours")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    end = page.get_by_label("Monday, window 1, to")
    expect(end).to_have_value("12:00")
    end.fill("08:00")
    expect(page.get_by_text("You have unsaved changes.")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(end).to_be_focused()
    message = page.locator(f"#{end.get_attribute('id')}-error")
    expect(message).to_contain_text("after start")
    alert = page.get_by_role("alert").filter(has_text="The hours were not saved")
    expect(alert).to_contain_text("Monday, window 1, to")
    assert weekly_rows(db, pro) == before, "a refused document changed the hours"
    expect(page.get_by_text("You have unsaved changes.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    # Fixed, it saves, and the error leaves.
    end.fill("11:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Hours saved.")).to_be_focused()
    expect(end).not_to_have_attribute("aria-invalid", "true")
    assert (1, "09:00", "11:00") in weekly_rows(db, pro)
    assert_accessible(page)
