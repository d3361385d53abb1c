"""Each template's parameter model, held when a message is written: a missing, wrongly typed or
malformed parameter fails the envelope builder with a MessageError naming the template and the
parameter, so the write that queues it fails and nothing reaches the outbox or the queue."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from agenda.domain.messages import (
    TEMPLATES,
    MessageError,
    Party,
    envelope,
    message_key,
    render,
    to_both_channels,
)
from agenda.service.booking import BookingDependencies, create_booking
from tests.fakes import SAO_PAULO, AllowAll, FakeClock, FakeStripe, FakeUnitOfWork, guest_links
from tests.fakes import a_schedule as schedule_of

pytestmark = pytest.mark.unit

SUBJECT = UUID("00000000-0000-0000-0000-000000000001")
ANA = Party("Ana Souza", "+5511912345678", "ana@example.com")
REMINDER: dict[str, Any] = {
    "professionalName": "Dra. Marina Lopes",
    "clientName": "Ana Souza",
    "startsAt": "2026-11-23T09:00:00-03:00",
    "timezone": "America/Sao_Paulo",
    "locale": "pt-BR",
    "manageUrl": "https://agenda.test/m/1?token=abc",
}


def reminder(params: dict[str, Any], party: Party = ANA) -> list[dict[str, Any]]:
    return to_both_channels(
        party,
        audience="client",
        template="reminder_24h",
        subject_id=SUBJECT,
        version=0,
        params=params,
    )


def test_a_good_message_is_written_as_it_always_was() -> None:
    whatsapp, email = reminder(REMINDER)
    assert whatsapp == {
        "messageKey": message_key(SUBJECT, 0, "reminder_24h", "whatsapp", "client"),
        "template": "reminder_24h",
        "channel": "whatsapp",
        "audience": "client",
        "to": ANA.phone,
        "params": REMINDER,
    }
    assert email == {**whatsapp, "messageKey": email["messageKey"], "channel": "email",
                     "to": ANA.email}  # fmt: skip
    assert json.loads(json.dumps(email)) == email


def test_every_template_has_a_model_naming_what_it_reads() -> None:
    for template in TEMPLATES.values():
        model = template.model
        assert tuple(model.required) == template.required
        assert tuple(model.optional) == template.optional
        assert "locale" in model.optional


@pytest.mark.parametrize("missing", ["professionalName", "clientName", "startsAt", "timezone"])
def test_a_missing_param_fails_the_write_naming_template_and_param(missing: str) -> None:
    params = {name: value for name, value in REMINDER.items() if name != missing}
    with pytest.raises(MessageError, match=rf"'reminder_24h' is missing {missing}") as raised:
        reminder(params)
    assert (raised.value.template, raised.value.params) == ("reminder_24h", (missing,))


def test_a_blank_param_is_missing() -> None:
    with pytest.raises(MessageError, match="missing clientName"):
        reminder({**REMINDER, "clientName": "   "})


@pytest.mark.parametrize(
    ("changes", "param", "problem"),
    [
        # Wrongly typed: a value the model does not take, or that JSON cannot carry.
        ({"startsAt": 1_764_000_000}, "startsAt", "must be text"),
        ({"clientName": 42}, "clientName", "must be text"),
        ({"startsAt": datetime(2026, 11, 23, 12, tzinfo=UTC)}, "startsAt", "not a JSON value"),
        ({"manageUrl": b"https://agenda.test"}, "manageUrl", "not a JSON value"),
        ({"extra": {1: "x"}}, "extra", "key of type int"),
        # Malformed.
        ({"startsAt": "2026-11-23T09:00:00"}, "startsAt", "must carry a UTC offset"),
        ({"startsAt": "amanhã"}, "startsAt", "is not an ISO 8601 date-time"),
        ({"timezone": "America/Sao_Paul"}, "timezone", "is not a known IANA time zone"),
        ({"manageUrl": "javascript:alert(1)"}, "manageUrl", "must be an http(s) address"),
    ],
)
def test_a_wrongly_typed_or_malformed_param_fails_the_write(
    changes: dict[str, Any], param: str, problem: str
) -> None:
    with pytest.raises(MessageError, match=re.escape(problem)) as raised:
        reminder({**REMINDER, **changes})
    assert (raised.value.template, raised.value.params) == ("reminder_24h", (param,))
    assert f"'reminder_24h': {param}" in str(raised.value)


def test_a_bad_message_fails_even_for_someone_with_no_channel() -> None:
    with pytest.raises(MessageError, match="missing startsAt"):
        reminder({**REMINDER, "startsAt": None}, Party("Ana", None, None))


@pytest.mark.parametrize(
    ("template", "params", "param", "problem"),
    [
        ("payment_pending", {"amount": Decimal("150.00")}, "amount", "not a JSON value"),
        ("payment_pending", {"amount": "150,00"}, "amount", "is not a decimal"),
        ("payment_pending", {"currency": "R$"}, "currency", "three-letter code"),
        ("payment_pending", {"paymentUrl": None}, "pixKey", "or paymentUrl is required"),
        ("payment_pending", {"startsAt": "2026-11-23T09:00:00Z", "timezone": None},
         "timezone", "is required"),
        ("plan_limit_reached", {"limit": "patience"}, "limit", "must be one of clients"),
        ("daily_agenda", {"appointments": [{"startsAt": "2026-11-23T12:00:00Z"}]},
         "appointments[0].clientName", "is required"),
        ("daily_agenda", {"date": "23/11/2026"}, "date", "is not a date"),
    ],
)  # fmt: skip
def test_each_template_checks_its_own_params(
    template: str, params: dict[str, Any], param: str, problem: str
) -> None:
    good = {
        "professionalName": "Dra. Marina Lopes",
        "clientName": "Ana Souza",
        "amount": "150.00",
        "currency": "BRL",
        "paymentUrl": "https://pay.test/s/1",
        "limit": "clients",
        "date": "2026-11-23",
        "timezone": "America/Sao_Paulo",
        "appointments": [],
    }
    audience = TEMPLATES[template].audience
    with pytest.raises(MessageError, match=problem) as raised:
        to_both_channels(ANA, audience=audience, template=template, subject_id=SUBJECT,
                         version=0, params={**good, **params})  # fmt: skip
    assert (raised.value.template, raised.value.params) == (template, (param,))


@pytest.mark.parametrize(
    ("template", "channel", "audience", "problem"),
    [
        ("reminder_48h", "email", "client", "unknown message template 'reminder_48h'"),
        ("reminder_24h", "sms", "client", "unknown channel 'sms'"),
        ("whatsapp_disconnected", "whatsapp", "professional", "is not sent by whatsapp"),
        ("reminder_24h", "email", "professional", "is for the client, not the professional"),
    ],
)
def test_an_envelope_names_a_known_template_channel_and_audience(
    template: str, channel: str, audience: str, problem: str
) -> None:
    with pytest.raises(MessageError, match=problem):
        envelope(subject_id=SUBJECT, version=0, template=template, channel=channel,
                 audience=audience, to="ana@example.com", params=REMINDER)  # fmt: skip


def test_what_the_write_accepts_the_consumer_renders() -> None:
    for message in reminder(REMINDER):
        rendered = render(
            message["template"], message["channel"], message["params"], audience="client"
        )
        assert "segunda-feira, 23/11 às 09:00" in rendered.text


# --- through a service: the write fails, nothing is stored or queued -------------------------

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)  # a Friday, 09:00 in São Paulo
MONDAY_9 = datetime.combine(date(2030, 3, 4), time(9), ZoneInfo(SAO_PAULO))


def book(uow: FakeUnitOfWork, stripe: FakeStripe, slug: str) -> dict[str, Any]:
    deps = BookingDependencies(uow=uow, limiter=AllowAll(), clock=uow.clock,
                               guest_links=guest_links(), stripe=stripe)  # fmt: skip
    body = {
        "slug": slug,
        "startsAt": MONDAY_9.isoformat(),
        "clientName": "Maria Silva",
        "clientPhone": "+5511987654321",
        "clientEmail": "maria@example.com",
    }
    return create_booking(deps, body, source_ip="203.0.113.7")


def test_a_booking_whose_message_misses_a_param_writes_and_queues_nothing() -> None:
    uow = FakeUnitOfWork(clock=FakeClock(NOW))
    # A professional with a blank name: the booking request would miss professionalName.
    pro = uow.state.add_professional(schedule_of(name=" "))
    before = uow.state.copy()
    with pytest.raises(MessageError, match="'booking_request' is missing professionalName"):
        book(uow, FakeStripe(), "dr-ana")
    assert uow.state == before
    assert uow.state.appointments_of(pro.id) == []
    assert uow.state.outbox == {}
    assert uow.queue.sent == []


def test_a_paid_booking_whose_message_has_a_bad_param_expires_its_checkout() -> None:
    uow, stripe = FakeUnitOfWork(clock=FakeClock(NOW)), FakeStripe()
    # A currency the payment_pending model refuses (not a three-letter code).
    pro = uow.state.add_professional(
        schedule_of(payment_at_booking=True, session_minutes=60, currency="R$")
    )
    with pytest.raises(MessageError, match="'payment_pending': currency") as raised:
        book(uow, stripe, "dr-ana")
    assert raised.value.params == ("currency",)
    assert uow.state.appointments_of(pro.id) == []
    assert uow.state.outbox == {}
    assert uow.queue.sent == []
    [opened] = stripe.called("appointment_checkout")
    assert len(stripe.expired) == 1
    assert opened["appointment_id"]
