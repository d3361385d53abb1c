"""The slot picker on its own: paging on to the booking horizon, the empty state, and a failed
load that a visitor can try again."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.harness import ConsoleErrors, assert_accessible
from tests.browser.test_booking_flow import open_times, page_of
from tests.conftest import MakeProfessional

pytestmark = pytest.mark.browser


def shown_days(page: Page) -> list[date]:
    found = page.locator(".slot-day").evaluate_all("(els) => els.map((el) => el.dataset.date)")
    return [date.fromisoformat(value) for value in found]


def test_more_days_pages_on_until_the_booking_horizon(
    page: Page, api: str, make_professional: MakeProfessional
) -> None:
    # Every day of the week, so that each date up to the horizon has free times.
    pro = make_professional(windows=tuple((d, "09:00", "12:00") for d in range(7)), horizon_days=20)
    open_times(page, page_of(api, pro))
    first_page = shown_days(page)
    more = page.get_by_role("button", name="Mais dias")
    expect(more).to_be_visible()

    more.click()
    expect(page.locator(".slot-picker [role=status]")).to_have_text(
        re.compile(r"^\d+ dias a mais$")
    )
    every_day = shown_days(page)
    added = every_day[len(first_page) :]
    assert every_day[: len(first_page)] == first_page
    assert added
    assert added[0] > first_page[-1]
    # The focus is on the first day that came, so a keyboard user goes on from there.
    expect(page.locator(f'.slot-day[data-date="{added[0].isoformat()}"]')).to_be_focused()
    # The whole horizon is shown now: nothing more to ask for.
    expect(more).to_be_hidden()
    assert every_day == [
        every_day[0] + timedelta(days=n) for n in range((every_day[-1] - every_day[0]).days + 1)
    ]


def test_a_professional_without_free_times_says_so(
    page: Page, api: str, make_professional: MakeProfessional
) -> None:
    pro = make_professional(windows=(), horizon_days=30)
    page.goto(page_of(api, pro))
    expect(page.locator(".slot-picker [role=status]")).to_have_text(
        "Não há horários livres nos próximos dias. Volte mais tarde ou fale com o profissional."
    )
    expect(page.locator(".slot-day")).to_have_count(0)
    expect(page.get_by_role("button", name="Mais dias")).to_be_hidden()
    assert_accessible(page)


def test_a_failed_load_of_the_times_can_be_tried_again(
    context: BrowserContext,
    api: str,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    console_errors.expect(r"status of 503")
    pro = make_professional()
    path = page_of(api, pro)
    page = context.new_page()
    failures = {"left": 1}

    # The API's own answer when a dependency is down, once.
    def unavailable_once(route: Route) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            route.fulfill(
                status=503,
                headers={"content-type": "application/json", "retry-after": "5"},
                body='{"error": {"code": "SERVICE_UNAVAILABLE", "message": "Try again"}}',
            )
        else:
            route.continue_()

    page.route(re.compile(r"/api/booking\?"), unavailable_once)
    page.goto(path)
    expect(page.locator(".slot-failure")).to_contain_text("Não foi possível carregar os horários.")
    retry = page.get_by_role("button", name="Tentar de novo")
    assert_accessible(page)
    retry.click()
    expect(page.locator(".slot-day").first).to_be_visible()
    expect(page.locator(".slot-failure")).to_be_hidden()
