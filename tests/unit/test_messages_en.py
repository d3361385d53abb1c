"""The English texts: golden files for every template and channel beside the Portuguese ones
(tests/unit/golden/messages/en/, the same case names as test_messages.py), and how English
writes days, times, money and zones.

A change of wording is made on purpose: edit agenda.domain.messages.en, then run

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_messages_en.py

and review `git diff tests/unit/golden/`. Without UPDATE_GOLDEN=1 a missing or different file
fails the test; nothing is ever written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from agenda.domain.messages import (
    EN,
    PT_BR,
    TEMPLATES,
    Rendered,
    language,
    locale_for,
    locale_tag,
    render,
    when_in,
)
from agenda.domain.messages.formatting import zone_name
from agenda.domain.messages.languages import MODULES
from tests.golden_messages import Case, GoldenFolder, render_case

pytestmark = pytest.mark.unit


# An apostrophe in a name, so every golden HTML body shows escaping at work.
APPOINTMENT: dict[str, Any] = {
    "professionalName": "Emily O'Carter",
    "clientName": "John Miller",
    "startsAt": "2026-12-07T20:00:00+00:00",  # Monday 3:00 PM in New York
    "timezone": "America/New_York",
    "locale": "en",
}
MANAGE = "https://agenda.test/m/3f9c2a?token=abc&lang=en"
BOOK = "https://agenda.test/emily-tutor"
DASHBOARD = "https://agenda.test/dashboard"


def _appointment(name: str, template: str, audience: str, **extra: Any) -> Case:
    return Case(name, template, APPOINTMENT, audience, extra)


def _account(name: str, template: str, **params: Any) -> Case:
    return Case(
        name,
        template,
        {"professionalName": "Emily O'Carter", "locale": "en", **params},
        "professional",
    )


CASES = (
    _appointment("booking_request", "booking_request", "professional"),
    _appointment(
        "booking_request_confirmed",
        "booking_request",
        "professional",
        status="confirmed",
        dashboardUrl=DASHBOARD,
    ),
    _appointment("booking_received", "booking_received", "client", manageUrl=MANAGE),
    _appointment("booking_confirmed", "booking_confirmed", "client", manageUrl=MANAGE),
    _appointment(
        "booking_confirmed_with_invite",
        "booking_confirmed",
        "client",
        manageUrl=MANAGE,
        registerUrl="https://agenda.test/register?invite=xyz",
    ),
    _appointment(
        "booking_rejected",
        "booking_rejected",
        "client",
        reason="I will be at a conference that day",
        bookingUrl=BOOK,
        manageUrl=MANAGE,
    ),
    Case(
        "registration_invite",
        "registration_invite",
        {
            "professionalName": "Emily O'Carter",
            "clientName": "John Miller",
            "registerUrl": "https://agenda.test/register?invite=xyz",
            "locale": "en",
        },
        "client",
    ),
    Case(
        "guest_links",
        "guest_links",
        {
            "professionalName": APPOINTMENT["professionalName"],
            "clientName": APPOINTMENT["clientName"],
            "timezone": APPOINTMENT["timezone"],
            # Out of order on purpose: the message lists them earliest first.
            "appointments": [
                {
                    "startsAt": "2026-11-30T17:30:00+00:00",
                    "manageUrl": "https://agenda.test/m/7d41b0?token=def&lang=en",
                },
                {"startsAt": APPOINTMENT["startsAt"], "manageUrl": MANAGE},
            ],
            "locale": "en",
        },
        "client",
    ),
    Case(
        "verification_code_claim",
        "verification_code",
        {
            "code": "042917",
            "purpose": "claim",
            "clientName": "John Miller",
            "professionalName": "Emily O'Carter",
            "locale": "en",
        },
        "client",
    ),
    Case(
        "verification_code_contact",
        "verification_code",
        {"code": "042917", "purpose": "contact", "locale": "en"},
        "client",
    ),
    _appointment(
        "cancelled_by_client",
        "cancelled_by_client",
        "professional",
        reason="Work trip",
        dashboardUrl=DASHBOARD,
    ),
    _appointment(
        "cancelled_by_professional",
        "cancelled_by_professional",
        "client",
        reason="Feeling unwell",
        bookingUrl=BOOK,
        manageUrl=MANAGE,
    ),
    _appointment(
        "cancellation_confirmed",
        "cancellation_confirmed",
        "client",
        bookingUrl=BOOK,
        manageUrl=MANAGE,
        refund="refunded",
    ),
    _appointment("cancellation_confirmed_unpaid", "cancellation_confirmed", "client"),
    _appointment(
        "cancelled_by_professional_late",
        "cancelled_by_professional",
        "client",
        reason="The client did not show up as agreed",
        refund="kept",
    ),
    _appointment(
        "payment_refunded",
        "payment_refunded",
        "client",
        amount="60.00",
        currency="USD",
        manageUrl=MANAGE,
    ),
    _appointment(
        "rescheduled_by_professional",
        "rescheduled",
        "client",
        # Friday 8:30 AM, before the winter change: the zone's name is the same, EST.
        previousStartsAt="2026-12-04T13:30:00+00:00",
        manageUrl=MANAGE,
        dashboardUrl=DASHBOARD,  # the professional's: never shown to the client
    ),
    _appointment(
        "rescheduled_by_client",
        "rescheduled",
        "professional",
        previousStartsAt="2026-12-04T13:30:00+00:00",
        reason="My work hours changed",
        manageUrl=MANAGE,  # a guest link: never shown to the professional
        dashboardUrl=DASHBOARD,  # the professional's way in
    ),
    _appointment("reminder_24h", "reminder_24h", "client", manageUrl=MANAGE),
    _appointment("reminder_1h", "reminder_1h", "client", manageUrl=MANAGE),
    _account(
        "daily_agenda",
        "daily_agenda",
        date="2026-12-07",
        timezone="America/New_York",
        appointments=[
            {"startsAt": "2026-12-07T22:30:00Z", "clientName": "Mary Jones"},
            {"startsAt": "2026-12-07T09:00:00-05:00", "clientName": "John Miller"},
            {
                "startsAt": "2026-12-08T05:30:00Z",
                "clientName": "Carla Dias",
                "status": "pending_confirmation",
            },
        ],
    ),
    _account(
        "daily_agenda_empty",
        "daily_agenda",
        date="2026-12-07",
        timezone="America/New_York",
        appointments=[],
    ),
    _appointment(
        "payment_received",
        "payment_received",
        "client",
        amount="1060.00",
        currency="USD",
        paidAt="2026-12-07T14:05:00Z",
        manageUrl=MANAGE,
    ),
    _appointment(
        "payment_pending",
        "payment_pending",
        "client",
        amount="1234.5",
        currency="BRL",
        pixKey="emily@example.com",
        paymentUrl="https://agenda.test/pay/3f9c2a",
        manageUrl=MANAGE,
    ),
    _appointment(
        "payment_pending_checkout",
        "payment_pending",
        "client",
        amount="60.00",
        currency="USD",
        paymentUrl="https://checkout.stripe.test/c/pay/cs_test_3f9c2a",
        expiresAt="2026-12-07T09:35:00-05:00",
        manageUrl=MANAGE,
    ),
    Case(
        "payment_pending_without_appointment",
        "payment_pending",
        {
            "professionalName": "Emily O'Carter",
            "clientName": "John Miller",
            "amount": "90",
            "currency": "USD",
            "pixKey": "123e4567-e89b-12d3-a456-426614174000",
            "locale": "en",
        },
        "client",
    ),
    _appointment(
        "review_request",
        "review_request",
        "client",
        reviewUrl="https://agenda.test/review/3f9c2a",
    ),
    _appointment("no_show", "no_show", "client", bookingUrl=BOOK, manageUrl=MANAGE),
    _account("plan_activated", "plan_activated", planName="pro"),
    _account(
        "payment_failed",
        "payment_failed",
        planName="premium",
        portalUrl="https://billing.agenda.test/portal",
    ),
    _account("payment_failed_minimal", "payment_failed"),
    _account(
        "plan_limit_reached_clients",
        "plan_limit_reached",
        limit="clients",
        planName="free",
        upgradeUrl="https://agenda.test/plans",
    ),
    _account("plan_limit_reached_appointments", "plan_limit_reached", limit="appointments"),
    _account(
        "whatsapp_disconnected",
        "whatsapp_disconnected",
        instance="emily-01",
        reconnectUrl="https://agenda.test/account/whatsapp",
    ),
    _account("whatsapp_disconnected_no_link", "whatsapp_disconnected", instance="emily-01"),
    Case(
        "message_to_client",
        "message_to_client",
        {
            "professionalName": "Emily O'Carter",
            "clientName": "John Miller",
            "text": "Hi John!\nCould you come 10 minutes early? 'Thanks'",
            "replyUrl": MANAGE + "#messages",
            "locale": "en",
        },
        "client",
    ),
    Case(
        "message_to_client_without_link",
        "message_to_client",
        {
            "professionalName": "Emily O'Carter",
            "clientName": "John Miller",
            "text": "Got your payment, thank you.",
            "locale": "en",
        },
        "client",
    ),
    Case(
        "message_to_professional",
        "message_to_professional",
        {
            "professionalName": "Emily O'Carter",
            "clientName": "John Miller",
            "text": "Sure.\nSee you Monday & thanks!",
            "locale": "en",
        },
        "professional",
    ),
    Case(
        "message_to_professional_with_link",
        "message_to_professional",
        {
            "professionalName": "Emily O'Carter",
            "clientName": "John Miller",
            "text": "Sure.\nSee you Monday & thanks!",
            "locale": "en",
        },
        "professional",
        {"dashboardUrl": f"{DASHBOARD}/clients/5b0c2f1e#messages"},
    ),
)

GOLDEN = GoldenFolder(Path(__file__).parent / "golden" / "messages" / "en", CASES)
GOLDEN_RUNS = GOLDEN.runs()


@pytest.mark.parametrize(("case", "channel"), GOLDEN_RUNS)
def test_golden_text_in_english(case: Case, channel: str) -> None:
    GOLDEN.check(case, channel)


def test_every_template_and_channel_has_an_english_golden_case() -> None:
    GOLDEN.check_complete()


def test_no_english_golden_file_outlives_its_case() -> None:
    GOLDEN.check_no_stale()


def test_english_golden_cases_name_known_templates_and_stay_unique() -> None:
    GOLDEN.check_cases()


def test_the_english_cases_are_the_portuguese_ones() -> None:
    portuguese = {path.name for path in GOLDEN.folder.parent.glob("*.txt")}
    english = {path.name for path in GOLDEN.folder.glob("*.txt")}
    assert english == portuguese
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize(("case", "channel"), GOLDEN_RUNS)
def test_no_portuguese_word_reaches_an_english_message(case: Case, channel: str) -> None:
    rendered = render_case(case, channel)
    words = f"{rendered.subject}\n{rendered.text}".lower()
    for portuguese in ("olá", " às ", "horário", "agendamento", "feira", "obrigad"):
        assert portuguese not in words, (case.name, portuguese)
    if rendered.html is not None:
        assert '<html lang="en">' in rendered.html


def test_a_plan_named_in_portuguese_by_billing_is_named_in_english() -> None:
    for written in ("Básico", "basic"):
        rendered = render(
            "plan_activated",
            "whatsapp",
            {"professionalName": "Emily", "planName": written, "locale": "en"},
            audience="professional",
        )
        assert rendered.subject == "Basic plan activated"


def test_every_language_writes_every_template() -> None:
    for tag in MODULES:
        assert set(language(tag).TEXTS) == set(TEMPLATES), tag


# --- the locale a tag chooses ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "chosen"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("en-US", "en"),
        ("en_GB", "en"),
        (" en ", "en"),
        ("pt-BR", "pt-BR"),
        ("pt_br", "pt-BR"),
        ("pt", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("english", "pt-BR"),
        ("fr", "pt-BR"),
        ("", "pt-BR"),
        (None, "pt-BR"),
        (7, "pt-BR"),
    ],
)
def test_a_tag_chooses_a_language_the_product_writes(tag: object, chosen: str) -> None:
    assert locale_tag(tag) == chosen
    assert locale_for(tag).tag == chosen


def test_an_envelope_without_a_locale_is_still_portuguese() -> None:
    # Queued before languages existed: rendered as it was written to be.
    params = {key: value for key, value in APPOINTMENT.items() if key != "locale"}
    rendered = render("reminder_1h", "whatsapp", params, audience="client")
    assert rendered.subject.startswith("Seu horário com Emily O'Carter")
    assert "segunda-feira, 07/12 às 15:00" in rendered.text


def test_the_same_envelope_in_each_language() -> None:
    english = render("booking_received", "whatsapp", APPOINTMENT, audience="client")
    portuguese = render(
        "booking_received", "whatsapp", {**APPOINTMENT, "locale": "pt-BR"}, audience="client"
    )
    assert "*Monday, December 7 at 3:00 PM EST*" in english.text
    assert "*segunda-feira, 07/12 às 15:00 (EST)*" in portuguese.text


# --- days, times, zones and money ------------------------------------------------------------

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2026, 12, 7, 15, 0, tzinfo=NEW_YORK), "Monday, December 7 at 3:00 PM"),
        (datetime(2026, 12, 7, 0, 5, tzinfo=NEW_YORK), "Monday, December 7 at 12:05 AM"),
        (datetime(2026, 12, 7, 12, 0, tzinfo=NEW_YORK), "Monday, December 7 at 12:00 PM"),
        (datetime(2027, 3, 14, 9, 30, tzinfo=NEW_YORK), "Sunday, March 14 at 9:30 AM"),
    ],
)
def test_english_days_and_times(moment: datetime, written: str) -> None:
    assert EN.when(moment) == written


def test_a_receipt_in_english_shows_the_year() -> None:
    assert EN.dated_when(datetime(2026, 12, 7, 15, 0)) == "December 7, 2026 at 3:00 PM"
    assert EN.date_of_month(date(2026, 1, 2)) == "January 2"


def test_when_in_follows_the_language_and_the_zone() -> None:
    instant = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
    assert when_in("en", instant, "America/New_York") == "Monday, December 7 at 3:00 PM"
    assert when_in("pt-BR", instant, "America/Sao_Paulo") == "segunda-feira, 07/12 às 17:00"


@pytest.mark.parametrize(
    ("moment", "name"),
    [
        (datetime(2026, 12, 7, 15, 0, tzinfo=NEW_YORK), "EST"),
        (datetime(2026, 7, 7, 15, 0, tzinfo=NEW_YORK), "EDT"),
        (datetime(2026, 12, 7, 15, 0, tzinfo=ZoneInfo("America/Sao_Paulo")), "UTC-3"),
        (datetime(2026, 12, 7, 15, 0, tzinfo=ZoneInfo("Asia/Kolkata")), "IST"),
        (datetime(2026, 12, 7, 15, 0, tzinfo=ZoneInfo("Asia/Kathmandu")), "UTC+5:45"),
        (datetime(2026, 12, 7, 15, 0, tzinfo=UTC), "UTC"),
    ],
)
def test_a_zone_is_named_by_its_abbreviation_or_its_offset(moment: datetime, name: str) -> None:
    assert zone_name(moment) == name


def test_a_time_the_client_reads_names_its_zone_across_daylight_saving() -> None:
    summer = {**APPOINTMENT, "startsAt": "2026-07-06T19:00:00+00:00"}
    rendered = render("reminder_24h", "email", summer, audience="client")
    assert "Monday, July 6 at 3:00 PM EDT" in rendered.text
    # The professional reads their own clock, unnamed.
    told = render("booking_request", "email", summer, audience="professional")
    assert "Monday, July 6 at 3:00 PM." in told.text
    assert "EDT" not in told.text


@pytest.mark.parametrize(
    ("amount", "currency", "english", "portuguese"),
    [
        ("60", "USD", "$60.00", "US$ 60.00"),
        ("1234.5", "USD", "$1,234.50", "US$ 1,234.50"),
        ("180", "BRL", "R$180.00", "R$ 180,00"),
        ("1234567.891", "BRL", "R$1,234,567.89", "R$ 1.234.567,89"),
        ("-5", "USD", "-$5.00", "-US$ 5.00"),
        ("99.99", "EUR", "€99.99", "€ 99,99"),
        ("10", "CHF", "CHF 10.00", "CHF 10,00"),
    ],
)
# Portuguese writes a foreign currency the way the people who pay in it read it (as before).
def test_money_as_each_language_writes_it(
    amount: str, currency: str, english: str, portuguese: str
) -> None:
    assert EN.money(Decimal(amount), currency) == english
    assert PT_BR.money(Decimal(amount), currency) == portuguese


# --- the in-app notices and the calendar title -----------------------------------------------

STARTS = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
PREVIOUS = datetime(2026, 12, 4, 13, 30, tzinfo=UTC)


def test_the_in_app_notices_in_english() -> None:
    words = language("en")
    zone = "America/New_York"
    assert words.in_app_booking_request("John Miller", STARTS, zone) == Rendered(
        "New booking request",
        "John Miller asked for a session on Monday, December 7 at 3:00 PM.",
    )
    cancelled = words.in_app_cancelled_by_client("John Miller", STARTS, zone, refunded=True)
    assert cancelled.subject == "Booking cancelled by the client"
    assert "December 7 at 3:00 PM" in cancelled.text
    assert "refunded" in cancelled.text
    moved = words.in_app_rescheduled_by_client("John Miller", PREVIOUS, STARTS, zone)
    assert "from Friday, December 4 at 8:30 AM to Monday, December 7 at 3:00 PM" in moved.text
    paid = words.in_app_booking_paid("John Miller", STARTS, zone, confirmed=False)
    assert paid.subject == "New paid booking request"
    assert paid.text.endswith("Confirm or decline the request.")
    refund = words.in_app_payment_refunded("John Miller", "$60.00", STARTS, zone)
    assert "A refund of $60.00" in refund.text
    assert "client limit" in words.in_app_plan_limit("clients").text
    assert "monthly booking limit" in words.in_app_plan_limit("appointments").text


def test_every_in_app_notice_differs_between_the_languages() -> None:
    zone = "America/New_York"
    for tag_a, tag_b in (("en", "pt-BR"),):
        a, b = language(tag_a), language(tag_b)
        assert a.in_app_booking_request("X", STARTS, zone) != b.in_app_booking_request(
            "X", STARTS, zone
        )
        assert a.in_app_plan_limit("clients") != b.in_app_plan_limit("clients")
        assert a.calendar_summary("Emily") == "Session with Emily"
        assert b.calendar_summary("Emily") == "Sessão com Emily"
