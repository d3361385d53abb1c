"""The message catalogue: golden texts for every template and channel, times on daylight-saving
days, money, and the errors a bad envelope gets.

The golden files live in tests/unit/golden/messages/, one per case and channel. A change of
wording is made on purpose: edit the text in agenda.domain.messages.pt_br, then run

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_messages.py

and review `git diff tests/unit/golden/`. Without UPDATE_GOLDEN=1 a missing or different file
fails the test; nothing is ever written.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.domain.messages import (
    PT_BR,
    TEMPLATES,
    MessageError,
    Party,
    Rendered,
    booking_messages,
    first_name,
    locale_for,
    render,
    when_pt,
)
from agenda.domain.messages.pt_br import in_app_booking_request
from tests.golden_messages import Case, GoldenFolder, render_case

pytestmark = pytest.mark.unit


# An apostrophe in a name, so every golden HTML body shows escaping at work.
APPOINTMENT: dict[str, Any] = {
    "professionalName": "Dra. Marina D'Ávila",
    "clientName": "Ana Souza",
    "startsAt": "2026-11-23T12:00:00+00:00",  # Monday 09:00 in São Paulo
    "timezone": "America/Sao_Paulo",
}
MANAGE = "https://agenda.test/m/3f9c2a?token=abc&lang=pt"
BOOK = "https://agenda.test/dra-marina"
DASHBOARD = "https://agenda.test/dashboard"


def _appointment(name: str, template: str, audience: str, **extra: Any) -> Case:
    return Case(name, template, APPOINTMENT, audience, extra)


def _account(name: str, template: str, **params: Any) -> Case:
    return Case(
        name, template, {"professionalName": "Dra. Marina D'Ávila", **params}, "professional"
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
        registerUrl="https://agenda.test/cadastro?convite=xyz",
    ),
    _appointment(
        "booking_rejected",
        "booking_rejected",
        "client",
        reason="Estarei em um congresso nesse dia",
        bookingUrl=BOOK,
        manageUrl=MANAGE,
    ),
    Case(
        "registration_invite",
        "registration_invite",
        {
            "professionalName": "Dra. Marina D'Ávila",
            "clientName": "Ana Souza",
            "registerUrl": "https://agenda.test/cadastro?convite=xyz",
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
                    "manageUrl": "https://agenda.test/m/7d41b0?token=def&lang=pt",
                },
                {"startsAt": APPOINTMENT["startsAt"], "manageUrl": MANAGE},
            ],
        },
        "client",
    ),
    Case(
        "verification_code_claim",
        "verification_code",
        {
            "code": "042917",
            "purpose": "claim",
            "clientName": "Ana Souza",
            "professionalName": "Dra. Marina D'Ávila",
        },
        "client",
    ),
    Case(
        "verification_code_contact",
        "verification_code",
        {"code": "042917", "purpose": "contact"},
        "client",
    ),
    _appointment(
        "cancelled_by_client",
        "cancelled_by_client",
        "professional",
        reason="Viagem de trabalho",
        dashboardUrl=DASHBOARD,
    ),
    _appointment(
        "cancelled_by_professional",
        "cancelled_by_professional",
        "client",
        reason="Imprevisto de saúde",
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
        reason="Cliente não compareceu ao combinado",
        refund="kept",
    ),
    _appointment(
        "payment_refunded",
        "payment_refunded",
        "client",
        amount="150.00",
        currency="BRL",
        manageUrl=MANAGE,
    ),
    _appointment(
        "rescheduled_by_professional",
        "rescheduled",
        "client",
        previousStartsAt="2026-11-20T13:30:00+00:00",
        manageUrl=MANAGE,
        dashboardUrl=DASHBOARD,  # the professional's: never shown to the client
    ),
    _appointment(
        "rescheduled_by_client",
        "rescheduled",
        "professional",
        previousStartsAt="2026-11-20T13:30:00+00:00",
        reason="Mudança no horário do trabalho",
        manageUrl=MANAGE,  # a guest link: never shown to the professional
        dashboardUrl=DASHBOARD,  # the professional's way in
    ),
    _appointment("reminder_24h", "reminder_24h", "client", manageUrl=MANAGE),
    _appointment("reminder_1h", "reminder_1h", "client", manageUrl=MANAGE),
    _account(
        "daily_agenda",
        "daily_agenda",
        date="2026-11-23",
        timezone="America/Sao_Paulo",
        appointments=[
            {"startsAt": "2026-11-23T17:30:00Z", "clientName": "Bruno Lima"},
            {"startsAt": "2026-11-23T09:00:00-03:00", "clientName": "Ana Souza"},
            {
                "startsAt": "2026-11-24T02:30:00Z",
                "clientName": "Carla Dias",
                "status": "pending_confirmation",
            },
        ],
    ),
    _account(
        "daily_agenda_empty",
        "daily_agenda",
        date="2026-11-23",
        timezone="America/Sao_Paulo",
        appointments=[],
    ),
    _appointment(
        "payment_received",
        "payment_received",
        "client",
        amount="180.00",
        currency="BRL",
        paidAt="2026-11-23T13:05:00Z",
        manageUrl=MANAGE,
    ),
    _appointment(
        "payment_pending",
        "payment_pending",
        "client",
        amount="1234.5",
        currency="BRL",
        pixKey="marina.davila@exemplo.com.br",
        paymentUrl="https://agenda.test/pagar/3f9c2a",
        manageUrl=MANAGE,
    ),
    _appointment(
        "payment_pending_checkout",
        "payment_pending",
        "client",
        amount="150.00",
        currency="BRL",
        paymentUrl="https://checkout.stripe.test/c/pay/cs_test_3f9c2a",
        expiresAt="2026-11-23T12:35:00-03:00",
        manageUrl=MANAGE,
    ),
    Case(
        "payment_pending_without_appointment",
        "payment_pending",
        {
            "professionalName": "Dra. Marina D'Ávila",
            "clientName": "Ana Souza",
            "amount": "90",
            "currency": "BRL",
            "pixKey": "123e4567-e89b-12d3-a456-426614174000",
        },
        "client",
    ),
    _appointment(
        "review_request",
        "review_request",
        "client",
        reviewUrl="https://agenda.test/avaliar/3f9c2a",
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
        upgradeUrl="https://agenda.test/planos",
    ),
    _account("plan_limit_reached_appointments", "plan_limit_reached", limit="appointments"),
    _account(
        "whatsapp_disconnected",
        "whatsapp_disconnected",
        instance="marina-01",
        reconnectUrl="https://agenda.test/conta/whatsapp",
    ),
    _account("whatsapp_disconnected_no_link", "whatsapp_disconnected", instance="marina-01"),
    # A message of the thread: its lines become one, its markup stays text (escaped in HTML).
    Case(
        "message_to_client",
        "message_to_client",
        {
            "professionalName": "Dra. Marina D'Ávila",
            "clientName": "Ana Souza",
            "text": "Oi, Ana!\nPode chegar 10 minutos antes? 'Obrigada'",
            "replyUrl": MANAGE + "#messages",
        },
        "client",
    ),
    Case(
        "message_to_client_without_link",
        "message_to_client",
        {
            "professionalName": "Dra. Marina D'Ávila",
            "clientName": "Ana Souza",
            "text": "Recebi seu pagamento, obrigada.",
        },
        "client",
    ),
    Case(
        "message_to_professional",
        "message_to_professional",
        {
            "professionalName": "Dra. Marina D'Ávila",
            "clientName": "Ana Souza",
            "text": "Posso, sim.\nAté segunda & obrigada!",
        },
        "professional",
    ),
    Case(
        "message_to_professional_with_link",
        "message_to_professional",
        {
            "professionalName": "Dra. Marina D'Ávila",
            "clientName": "Ana Souza",
            "text": "Posso, sim.\nAté segunda & obrigada!",
        },
        "professional",
        {"dashboardUrl": f"{DASHBOARD}/clients/5b0c2f1e#messages"},
    ),
)

CASE = {case.name: case for case in CASES}
# The first case of each template carries all its parameters.
FIRST_CASE = {case.template: case for case in reversed(CASES)}

GOLDEN = GoldenFolder(Path(__file__).parent / "golden" / "messages", CASES)
GOLDEN_RUNS = GOLDEN.runs()


@pytest.mark.parametrize(("case", "channel"), GOLDEN_RUNS)
def test_golden_text(case: Case, channel: str) -> None:
    GOLDEN.check(case, channel)


def test_every_template_and_channel_has_a_golden_case() -> None:
    GOLDEN.check_complete()


def test_no_golden_file_outlives_its_case() -> None:
    GOLDEN.check_no_stale()


def test_golden_cases_name_known_templates_and_stay_unique() -> None:
    GOLDEN.check_cases()


# --- the registry --------------------------------------------------------------------------

CATALOGUE = {
    "booking_request": "professional",
    "booking_received": "client",
    "booking_confirmed": "client",
    "booking_rejected": "client",
    "registration_invite": "client",
    "cancelled_by_client": "professional",
    "cancellation_confirmed": "client",
    "cancelled_by_professional": "client",
    "rescheduled": "either",
    "reminder_24h": "client",
    "reminder_1h": "client",
    "daily_agenda": "professional",
    "payment_received": "client",
    "payment_refunded": "client",
    "payment_pending": "client",
    "review_request": "client",
    "no_show": "client",
    "plan_activated": "professional",
    "payment_failed": "professional",
    "plan_limit_reached": "professional",
    "whatsapp_disconnected": "professional",
    "verification_code": "client",
    "guest_links": "client",
    "message_to_client": "client",
    "message_to_professional": "professional",
}


def test_the_catalogue_holds_every_template_for_its_audience() -> None:
    assert {name: t.audience for name, t in TEMPLATES.items()} == CATALOGUE
    assert all(name == t.name for name, t in TEMPLATES.items())
    assert TEMPLATES["whatsapp_disconnected"].channels == ("email",)
    others = set(TEMPLATES) - {"whatsapp_disconnected"}
    assert all(TEMPLATES[name].channels == ("whatsapp", "email") for name in others)
    for template in TEMPLATES.values():
        assert not set(template.required) & set(template.optional), template.name
        assert "locale" in template.optional


def test_the_catalogue_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        TEMPLATES["new"] = TEMPLATES["no_show"]  # type: ignore[index]


def test_every_envelope_of_a_booking_renders() -> None:
    envelopes = booking_messages(
        appointment_id=UUID("00000000-0000-0000-0000-000000000001"),
        professional=Party("Dra. Marina D'Ávila", "+5511987654321", "marina@exemplo.com.br"),
        client=Party("Ana Souza", "+5511912345678", "ana@exemplo.com.br"),
        starts_at=datetime(2026, 11, 23, 12, 0, tzinfo=UTC),
        timezone="America/Sao_Paulo",
        status="pending_confirmation",
        locale="pt-BR",
    )
    assert len(envelopes) == 4
    for envelope in envelopes:
        rendered = render(
            envelope["template"],
            envelope["channel"],
            envelope["params"],
            audience=envelope["audience"],
        )
        assert "segunda-feira, 23/11 às 09:00" in rendered.text
        assert (rendered.html is None) == (envelope["channel"] == "whatsapp")


def test_the_in_app_notice_still_renders() -> None:
    notice = in_app_booking_request(
        "Ana Souza", datetime(2026, 11, 23, 12, 0, tzinfo=UTC), "America/Sao_Paulo"
    )
    assert notice == Rendered(
        "Novo pedido de agendamento",
        "Ana Souza pediu um horário para segunda-feira, 23/11 às 09:00.",
    )


# --- channels ------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "channel"), GOLDEN_RUNS)
def test_whatsapp_is_plain_text_and_email_carries_html(case: Case, channel: str) -> None:
    rendered = render_case(case, channel)
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert not re.search(r"</?[a-z]+[ >]", rendered.text)
    if channel == "whatsapp":
        assert rendered.html is None
    else:
        assert rendered.html is not None
        assert rendered.html.startswith("<!DOCTYPE html>")
        assert "*" not in rendered.text  # WhatsApp markup stays out of email


SCRIPT = "<script>alert(1)</script>"
TEXT_PARAMS = (
    "professionalName",
    "clientName",
    "reason",
    "pixKey",
    "planName",
    "instance",
    "text",
)


@pytest.mark.parametrize("case", [c for c in CASES if "email" in TEMPLATES[c.template].channels])
def test_html_escapes_every_value(case: Case) -> None:
    params = case.all_params()
    for name in TEXT_PARAMS:
        if name in params or name in TEMPLATES[case.template].optional:
            params[name] = f'{SCRIPT} & "quoted"'
    if case.template == "daily_agenda":
        params["appointments"] = [{"startsAt": "2026-11-23T12:00:00Z", "clientName": SCRIPT}]
    rendered = render(case.template, "email", params, audience=case.audience)
    assert rendered.html is not None
    assert "<script" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert '"quoted"' not in rendered.html
    # The plain-text part is plain text: the value is shown as written.
    assert SCRIPT in rendered.text or SCRIPT in rendered.subject


def test_a_link_is_escaped_inside_its_attribute() -> None:
    params = {**APPOINTMENT, "manageUrl": 'https://agenda.test/m?a=1&b="x"><script>'}
    html = render("reminder_1h", "email", params).html
    assert html is not None
    assert 'href="https://agenda.test/m?a=1&amp;b=&quot;x&quot;&gt;&lt;script&gt;"' in html


def test_a_value_cannot_add_lines_or_break_whatsapp_markup() -> None:
    params = {**APPOINTMENT, "clientName": "Ana\nSouza", "professionalName": "Marina *VIP*"}
    rendered = render("booking_request", "whatsapp", params)
    assert rendered.subject == "Novo pedido de horário: Ana Souza, 23/11 às 09:00"
    assert rendered.text.startswith("Olá, Marina! *Ana Souza* pediu")
    confirmed = render("booking_confirmed", "whatsapp", params)
    assert "Seu horário com Marina *VIP* está confirmado" in confirmed.text


def test_empty_optional_params_are_left_out() -> None:
    with_blank = render("reminder_24h", "whatsapp", {**APPOINTMENT, "manageUrl": "  "})
    assert with_blank == render("reminder_24h", "whatsapp", APPOINTMENT)


# --- times ---------------------------------------------------------------------------------


def _shown(starts_at: str, tz: str) -> str:
    text = render(
        "reminder_24h", "whatsapp", {**APPOINTMENT, "startsAt": starts_at, "timezone": tz}
    )
    match = re.search(r": \*(.+?)\*\.", text.text)
    assert match, text.text
    return match.group(1)


@pytest.mark.parametrize(
    ("starts_at", "tz", "shown"),
    [
        # New York leaves daylight saving at 02:00 on 2026-11-01: 01:30 happens twice, and
        # the zone's name tells the two apart.
        ("2026-11-01T05:30:00Z", "America/New_York", "domingo, 01/11 às 01:30 (EDT)"),
        ("2026-11-01T06:30:00Z", "America/New_York", "domingo, 01/11 às 01:30 (EST)"),
        ("2026-11-01T14:00:00Z", "America/New_York", "domingo, 01/11 às 09:00 (EST)"),
        ("2026-10-31T13:00:00Z", "America/New_York", "sábado, 31/10 às 09:00 (EDT)"),
        # The same instant written with São Paulo's offset.
        ("2026-11-01T11:00:00-03:00", "America/New_York", "domingo, 01/11 às 09:00 (EST)"),
        # And it enters daylight saving at 02:00 on 2026-03-08.
        ("2026-03-08T06:30:00Z", "America/New_York", "domingo, 08/03 às 01:30 (EST)"),
        ("2026-03-08T07:30:00Z", "America/New_York", "domingo, 08/03 às 03:30 (EDT)"),
        # São Paulo: UTC-3 all year since 2019...
        (
            "2026-11-23T12:00:00Z",
            "America/Sao_Paulo",
            "segunda-feira, 23/11 às 09:00 (horário de Brasília)",
        ),
        (
            "2026-01-15T12:00:00Z",
            "America/Sao_Paulo",
            "quinta-feira, 15/01 às 09:00 (horário de Brasília)",
        ),
        (
            "2026-11-24T02:59:00Z",
            "America/Sao_Paulo",
            "segunda-feira, 23/11 às 23:59 (horário de Brasília)",
        ),
        # ...but it kept summer time until then: the zone's history is used, not a fixed offset.
        (
            "2018-11-04T03:30:00Z",
            "America/Sao_Paulo",
            "domingo, 04/11 às 01:30 (horário de Brasília)",
        ),
        # Manaus, an hour behind, is named as Brazilians name it; elsewhere, the zone's word.
        (
            "2026-11-23T12:00:00Z",
            "America/Manaus",
            "segunda-feira, 23/11 às 08:00 (horário do Amazonas)",
        ),
        ("2026-11-23T12:00:00Z", "Europe/Lisbon", "segunda-feira, 23/11 às 12:00 (WET)"),
        ("2026-11-23T12:00:00Z", "Asia/Kolkata", "segunda-feira, 23/11 às 17:30 (IST)"),
        (
            "2026-11-23T12:00:00Z",
            "America/Argentina/Buenos_Aires",
            "segunda-feira, 23/11 às 09:00 (UTC-3)",
        ),
    ],
)
def test_times_are_shown_on_the_wall_clock_of_the_time_zone(
    starts_at: str, tz: str, shown: str
) -> None:
    assert _shown(starts_at, tz) == shown


def test_when_pt_keeps_its_behaviour() -> None:
    moment = datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
    assert when_pt(moment, "America/New_York") == "domingo, 01/11 às 09:00"
    assert when_pt(moment, "America/Sao_Paulo") == "domingo, 01/11 às 11:00"


@given(
    instant=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31), timezones=st.just(UTC)
    ),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
    tz=st.sampled_from(["America/New_York", "America/Sao_Paulo", "Asia/Kolkata"]),
)
def test_an_instant_shows_the_same_whatever_offset_it_was_written_in(
    instant: datetime, offset_minutes: int, tz: str
) -> None:
    written = instant.astimezone(timezone(timedelta(minutes=offset_minutes)))
    local = instant.astimezone(ZoneInfo(tz))
    expected = f"{local:%d/%m} às {local:%H:%M} ("
    assert expected in _shown(written.isoformat(), tz)
    assert _shown(instant.isoformat(), tz) == _shown(written.isoformat(), tz)


def test_a_receipt_shows_the_year() -> None:
    text = render("payment_received", "whatsapp", CASE["payment_received"].all_params()).text
    assert "Atendimento: 23/11/2026 às 09:00" in text
    assert "Pago em: 23/11/2026 às 10:05" in text


def test_the_daily_agenda_lists_the_day_in_order_and_marks_the_next_date() -> None:
    text = render("daily_agenda", "whatsapp", CASE["daily_agenda"].all_params()).text
    assert text.splitlines()[-3:] == [
        "• *09:00* — Ana Souza",
        "• *14:30* — Bruno Lima",
        "• *23:30* — Carla Dias (aguardando sua confirmação)",
    ]
    rendered = render(
        "daily_agenda",
        "whatsapp",
        {
            **CASE["daily_agenda"].all_params(),
            "appointments": [{"startsAt": "2026-11-24T03:30:00Z", "clientName": "Carla"}],
        },
    )
    assert rendered.subject == "Sua agenda de segunda-feira, 23/11: 1 atendimento"
    assert rendered.text.endswith("• *00:30 (24/11)* — Carla")


# --- money ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("180.00", "BRL", "R$ 180,00"),
        ("1234.5", "BRL", "R$ 1.234,50"),
        ("1234567.89", "BRL", "R$ 1.234.567,89"),
        ("0", "BRL", "R$ 0,00"),
        ("0.5", "BRL", "R$ 0,50"),
        ("99.995", "BRL", "R$ 100,00"),
        ("-15.00", "BRL", "-R$ 15,00"),
        (180, "BRL", "R$ 180,00"),
        (Decimal("79.9"), "brl", "R$ 79,90"),
        ("60.00", "USD", "US$ 60.00"),
        ("1234.5", "USD", "US$ 1,234.50"),
        ("60", "EUR", "€ 60,00"),
        ("1234.5", "EUR", "€ 1.234,50"),
        ("45.5", "GBP", "£ 45.50"),
        ("60", "CHF", "CHF 60,00"),
    ],
)
def test_money(amount: object, currency: str, shown: str) -> None:
    params = {**APPOINTMENT, "amount": amount, "currency": currency}
    rendered = render("payment_received", "whatsapp", params)
    assert rendered.subject == f"Recibo de pagamento: {shown}"
    assert f"Valor: *{shown}*" in rendered.text


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_reais_read_back_to_the_same_amount(amount: Decimal) -> None:
    shown = PT_BR.money(amount, "BRL")
    assert re.fullmatch(r"R\$ \d{1,3}(\.\d{3})*,\d{2}", shown)
    assert Decimal(shown.removeprefix("R$ ").replace(".", "").replace(",", ".")) == amount


# --- names and locales ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "greeted"),
    [
        ("Ana Souza", "Ana"),
        ("Dra. Marina D'Ávila", "Marina"),
        ("Prof. João", "João"),
        ("dr joão", "joão"),
        ("Dr.", "Dr."),
        ("  Bia  ", "Bia"),
    ],
)
def test_people_are_greeted_by_their_first_name(name: str, greeted: str) -> None:
    assert first_name(name) == greeted


@pytest.mark.parametrize("locale", ["pt-BR", "pt_br", "PT-BR", "pt", "fr-FR", "xx", None, 42])
def test_every_unknown_locale_falls_back_to_brazilian_portuguese(locale: object) -> None:
    assert locale_for(locale) is PT_BR
    params = {**APPOINTMENT, "locale": locale}
    assert render("reminder_1h", "email", params) == render("reminder_1h", "email", APPOINTMENT)


# --- bad envelopes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "missing"),
    [
        pytest.param(case, name, id=f"{case.template}-{name}")
        for case in FIRST_CASE.values()
        for name in TEMPLATES[case.template].required
    ],
)
def test_a_missing_param_is_named(case: Case, missing: str) -> None:
    params = case.all_params()
    del params[missing]
    channel = TEMPLATES[case.template].channels[0]
    with pytest.raises(MessageError, match=rf"\b{missing}\b") as raised:
        render(case.template, channel, params, audience=case.audience)
    assert raised.value.params == (missing,)
    assert raised.value.template == case.template


def test_every_missing_param_is_named_at_once() -> None:
    with pytest.raises(MessageError) as raised:
        render("booking_confirmed", "email", {"clientName": "Ana"})
    assert raised.value.params == ("professionalName", "startsAt", "timezone")
    assert "professionalName, startsAt, timezone" in str(raised.value)


@pytest.mark.parametrize(
    ("template", "channel", "audience", "problem"),
    [
        ("booking_exploded", "email", None, "unknown message template 'booking_exploded'"),
        ("reminder_1h", "sms", None, "unknown channel 'sms'"),
        ("whatsapp_disconnected", "whatsapp", None, "is not sent by whatsapp"),
        ("reminder_1h", "email", "professional", "is for the client, not the professional"),
        ("reminder_1h", "email", "everyone", "unknown audience 'everyone'"),
    ],
)
def test_unknown_templates_channels_and_audiences_are_refused(
    template: str, channel: str, audience: str | None, problem: str
) -> None:
    params = {**APPOINTMENT, "instance": "x"}
    with pytest.raises(MessageError, match=re.escape(problem)):
        render(template, channel, params, audience=audience)


@pytest.mark.parametrize(
    ("template", "changes", "param"),
    [
        ("reminder_1h", {"startsAt": "2026-11-23T09:00:00"}, "startsAt"),
        ("reminder_1h", {"startsAt": "23/11/2026 09:00"}, "startsAt"),
        ("reminder_1h", {"startsAt": 1_764_000_000}, "startsAt"),
        ("reminder_1h", {"timezone": "America/Sao_Paul"}, "timezone"),
        ("reminder_1h", {"timezone": "../../etc/passwd"}, "timezone"),
        ("reminder_1h", {"manageUrl": "javascript:alert(1)"}, "manageUrl"),
        ("reminder_1h", {"manageUrl": "agenda.test/m/1"}, "manageUrl"),
        ("booking_request", {"status": "maybe"}, "status"),
        ("payment_received", {"amount": "180,00", "currency": "BRL"}, "amount"),
        ("payment_received", {"amount": "NaN", "currency": "BRL"}, "amount"),
        ("payment_received", {"amount": True, "currency": "BRL"}, "amount"),
        ("payment_received", {"amount": "1e999999", "currency": "BRL"}, "amount"),
        ("payment_received", {"amount": "10", "currency": "R$"}, "currency"),
        ("payment_received", {"amount": "10", "currency": "BRL", "timezone": None}, "timezone"),
        ("plan_limit_reached", {"limit": "patience"}, "limit"),
        ("rescheduled", {"previousStartsAt": "ontem"}, "previousStartsAt"),
        ("daily_agenda", {"date": "23/11/2026"}, "date"),
        ("daily_agenda", {"appointments": "Ana às 9"}, "appointments"),
        ("daily_agenda", {"appointments": [None]}, "appointments[0]"),
        (
            "daily_agenda",
            {"appointments": [{"startsAt": "2026-11-23T12:00:00Z", "clientName": "Ana"}, {}]},
            "appointments[1].startsAt",
        ),
        (
            "daily_agenda",
            {"appointments": [{"startsAt": "2026-11-23T12:00:00Z"}]},
            "appointments[0].clientName",
        ),
    ],
)
def test_a_malformed_param_is_named(template: str, changes: dict[str, Any], param: str) -> None:
    params = {
        **APPOINTMENT,
        "date": "2026-11-23",
        "appointments": [],
        "limit": "clients",
        "previousStartsAt": "2026-11-20T13:30:00Z",
        "movedBy": "client",
        **changes,
    }
    with pytest.raises(MessageError) as raised:
        render(template, "email", params)
    assert raised.value.params == (param,), str(raised.value)
    assert param in str(raised.value)


def test_rescheduled_needs_to_know_who_reads_it() -> None:
    params = {**APPOINTMENT, "previousStartsAt": "2026-11-20T13:30:00Z"}
    with pytest.raises(MessageError, match="movedBy") as raised:
        render("rescheduled", "whatsapp", params)
    assert raised.value.params == ("movedBy",)
    by_client = render("rescheduled", "whatsapp", {**params, "movedBy": "client"})
    assert by_client == render("rescheduled", "whatsapp", params, audience="professional")
    told_own_change = render(
        "rescheduled", "whatsapp", {**params, "movedBy": "client"}, audience="client"
    )
    assert told_own_change.text.startswith("Olá, Ana! Seu horário com *Dra. Marina D'Ávila* foi")


def test_params_must_be_an_object() -> None:
    with pytest.raises(MessageError, match="params must be an object"):
        render("reminder_1h", "email", ["startsAt"])  # type: ignore[arg-type]


def test_a_message_error_is_a_value_error_never_a_key_error() -> None:
    with pytest.raises(ValueError, match="clientName") as raised:
        render("reminder_1h", "email", {**APPOINTMENT, "clientName": None})
    assert not isinstance(raised.value, KeyError)
    assert isinstance(raised.value, MessageError)


def test_starts_at_may_be_a_datetime_in_process() -> None:
    params = {**APPOINTMENT, "startsAt": datetime(2031, 2, 3, 12, 0, tzinfo=UTC)}
    assert "segunda-feira, 03/02 às 09:00" in render("reminder_1h", "whatsapp", params).text
