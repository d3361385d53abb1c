"""Payment at booking in a real browser: the widget hands the visitor to Checkout (the Stripe
stand-in's page), the visitor pays or leaves, and Checkout brings them back to the booking's
manage page, while Stripe's event moves the appointment on."""

from __future__ import annotations

import re
import time
from typing import Any

import pg8000.native
import pytest
from playwright.sync_api import Page

from tests.browser.test_booking_flow import (
    app_address_is_the_stack,
    choose_first_time,
    fill_form,
    open_times,
    page_of,
    submit,
)
from tests.conftest import PayingProfessional, rows

pytestmark = pytest.mark.browser


def appointment(db: pg8000.native.Connection, professional_id: Any) -> dict[str, Any]:
    [found] = rows(
        db,
        "SELECT id, status, payment_status FROM appointments WHERE professional_id = :pid",
        pid=professional_id,
    )
    return found


def settled(
    db: pg8000.native.Connection, professional_id: Any, status: str, timeout: float = 15.0
) -> dict[str, Any]:
    """The appointment once Stripe's event has moved it to `status` (the webhook runs beside
    the visitor's redirect, not before it)."""
    deadline = time.monotonic() + timeout
    while True:
        found = appointment(db, professional_id)
        if found["status"] == status or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def to_checkout(page: Page, api: str, pro: Any) -> None:
    app_address_is_the_stack(page.context, api)
    open_times(page, page_of(api, pro))
    choose_first_time(page)
    fill_form(page, "Paula Pagante", email="paula@example.com")
    submit(page)
    page.wait_for_url(re.compile(r"/pay/cs_"))


def test_paying_at_booking_goes_through_checkout_and_back_to_the_manage_page(
    page: Page, api: str, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    to_checkout(page, api, pro)
    held = appointment(db, pro.id)
    assert (held["status"], held["payment_status"]) == ("pending_payment", "pending")

    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(rf"^{re.escape(api)}/manage/{held['id']}\?token="))
    paid = settled(db, pro.id, "pending_confirmation")
    assert (paid["status"], paid["payment_status"]) == ("pending_confirmation", "paid")


def test_leaving_checkout_comes_back_to_the_manage_page_with_nothing_paid(
    page: Page, api: str, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying()
    to_checkout(page, api, pro)
    held = appointment(db, pro.id)
    page.get_by_role("button", name="Cancel", exact=True).click()
    page.wait_for_url(re.compile(rf"^{re.escape(api)}/manage/{held['id']}\?token="))
    # The session expired: the hold is released and its time is free again.
    released = settled(db, pro.id, "cancelled")
    assert released["status"] == "cancelled"
    assert released["payment_status"] != "paid"
