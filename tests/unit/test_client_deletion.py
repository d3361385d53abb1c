"""A registered client's deletion, its rules: the confirmation, how each upcoming appointment is
cancelled, and what each professional is told (never the client's name, phone or email)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from agenda.domain.client_deletion import (
    CancelledSession,
    ProfessionalTold,
    check_confirmation,
    deletion_change,
    deletion_messages,
    deletion_notice,
    placeholder_name,
    reason_for,
)
from agenda.domain.errors import ValidationFailed
from agenda.domain.lifecycle import Appointment, Policy, refund_due
from agenda.domain.messages import render
from agenda.domain.parties import Party

pytestmark = pytest.mark.unit

NOW = datetime(2030, 3, 1, 12, tzinfo=UTC)
PHONE, EMAIL = "+5511987654321", "Ana.Souza@example.com"


def test_the_accounts_email_or_phone_confirms_however_it_is_typed() -> None:
    for typed in (EMAIL, " ana.souza@EXAMPLE.com ", PHONE, "(11) 98765-4321", "011 98765 4321"):
        check_confirmation(typed, phone=PHONE, email=EMAIL)


@pytest.mark.parametrize(
    "typed", ["", "ana", "+5511987654320", "other@example.com", "dr-ana", "deleted"]
)
def test_anything_else_is_refused_naming_confirm(typed: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_confirmation(typed, phone=PHONE, email=EMAIL)
    assert set(caught.value.fields) == {"confirm"}


def test_an_account_without_an_email_confirms_by_phone_only() -> None:
    check_confirmation(PHONE, phone=PHONE, email=None)
    with pytest.raises(ValidationFailed):
        check_confirmation("", phone=PHONE, email=None)


def paid(starts_in: timedelta, status: str = "confirmed") -> Appointment:
    starts = NOW + starts_in
    return Appointment(status, "paid", starts, starts + timedelta(minutes=50), 3)


def test_a_session_outside_the_notice_is_the_clients_own_cancellation_and_refunded() -> None:
    change = deletion_change(paid(timedelta(days=3)), Policy(24, 24), now=NOW)

    assert (change.action, change.role, change.after.status) == ("cancel", "client", "cancelled")
    assert not change.late_cancellation
    assert change.after.sequence == 4  # a calendar copy must drop it
    assert refund_due(change)


def test_a_session_inside_the_notice_is_cancelled_late_and_keeps_its_money() -> None:
    change = deletion_change(paid(timedelta(hours=5)), Policy(24, 24), now=NOW)

    assert (change.role, change.after.status) == ("client", "cancelled")
    assert change.late_cancellation
    assert not refund_due(change)


def test_a_pending_request_is_cancelled_too() -> None:
    pending = Appointment(
        "pending_confirmation", "none", NOW + timedelta(days=2), NOW + timedelta(days=2, hours=1), 0
    )
    change = deletion_change(pending, Policy(0, 0), now=NOW)
    assert change.after.status == "cancelled"
    assert not refund_due(change)  # nothing was paid


def told(locale: str, *sessions: CancelledSession, kept: int = 3) -> ProfessionalTold:
    return ProfessionalTold(
        professional_id=uuid.uuid4(),
        client_id=uuid.uuid4(),
        contact=Party("Dra. Marina", "+5511911112222", "marina@example.com"),
        locale=locale,
        timezone="America/Sao_Paulo",
        cancelled=sessions,
        kept=kept,
    )


SESSION = CancelledSession(uuid.uuid4(), datetime(2030, 3, 4, 12, tzinfo=UTC), 2, announced=True)
HELD = CancelledSession(uuid.uuid4(), datetime(2030, 3, 5, 17, tzinfo=UTC), 1, announced=False)


@pytest.mark.parametrize("locale", ["pt-BR", "en"])
def test_the_notice_says_what_was_cancelled_and_what_stays_but_names_no_one(locale: str) -> None:
    professional = told(locale, SESSION, kept=4)
    notice = deletion_notice(professional)

    text = notice.title + notice.body
    assert "04/03" in text or "March 4" in text or "3/4" in text  # the cancelled session
    assert "09:00" in text or "9:00" in text  # on the professional's wall clock
    assert "4 " in notice.body  # appointments kept as history
    assert placeholder_name(locale) in notice.body
    assert notice.data == {
        "clientId": str(professional.client_id),
        "cancelledAppointmentIds": [str(SESSION.appointment_id)],
        "historyKept": 4,
    }
    for personal in ("Ana", "Souza", PHONE, PHONE.lstrip("+"), EMAIL.lower()):
        assert personal not in text + str(notice.data)


def test_the_notice_is_in_the_professionals_language() -> None:
    assert "excluiu" in deletion_notice(told("pt-BR")).body
    assert "deleted" in deletion_notice(told("en")).body
    assert "Sess" not in deletion_notice(told("pt-BR")).body  # nothing cancelled: not listed


def test_each_announced_session_is_the_catalogues_cancellation_to_the_professional() -> None:
    professional = told("pt-BR", SESSION, HELD)
    envelopes = deletion_messages(professional)

    # The hold for payment was never shown to the professional: not announced now either.
    assert [(e["to"], e["channel"], e["audience"]) for e in envelopes] == [
        ("+5511911112222", "whatsapp", "professional"),
        ("marina@example.com", "email", "professional"),
    ]
    assert {e["template"] for e in envelopes} == {"cancelled_by_client"}
    assert envelopes[0]["messageKey"].startswith(f"{SESSION.appointment_id}:2:")
    params = envelopes[0]["params"]
    assert params["clientName"] == placeholder_name("pt-BR") == "Cliente removido"
    assert params["reason"] == reason_for("pt-BR")
    assert params["startsAt"] == "2030-03-04T09:00:00-03:00"
    for channel in ("whatsapp", "email"):
        rendered = render("cancelled_by_client", channel, params, audience="professional")
        assert "Cliente removido" in rendered.text
        assert "excluiu a conta" in rendered.text


def test_the_placeholder_and_reason_follow_the_language() -> None:
    assert placeholder_name("en") == "Deleted client"
    assert placeholder_name("xx") == "Cliente removido"
    assert "deleted their account" in reason_for("en-US")
