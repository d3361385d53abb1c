"""Which language each thing is written in: the API's errors (the professional's language where
the service knew them, the request's Accept-Language before), the professional's in-app notices
and the calendar file's words. The texts of the messages have their golden files
(test_messages.py, test_messages_en.py)."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

import icalendar
import pytest

from agenda.domain.error_texts import in_portuguese, translate
from agenda.domain.errors import (
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    SlotTaken,
    ValidationFailed,
    answered_in,
    in_language,
)
from agenda.domain.ics import CalendarEvent, calendar_file
from agenda.domain.language import from_accept_language, language_of
from agenda.domain.lifecycle import Appointment, Policy, decide
from agenda.domain.notices import booking_request, change_notices, paid_booking, plan_limit
from agenda.http import answer_language, error_response
from infra.paths import LAYER, ROOT

pytestmark = pytest.mark.unit

# --- Accept-Language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("en-US,en;q=0.9", "en"),
        ("pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7", "pt-BR"),
        ("fr-FR, en;q=0.5, pt;q=0.8", "pt-BR"),  # by quality, not by order
        ("de, en;q=0.3", "en"),  # the first the product writes
        ("en;q=0.8, pt-BR;q=0.8", "en"),  # equal qualities keep the header's order
        ("pt-BR;q=0, en;q=0.1", "en"),  # q=0 is "not this one"
        ("pt;q=abc, en;q=0.2", "en"),  # a malformed quality counts as 0
        ("fr, de", None),
        ("*", None),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_chooses_among_the_languages_written(
    header: str | None, chosen: str | None
) -> None:
    assert from_accept_language(header) == chosen


def test_a_stored_language_not_written_is_the_default() -> None:
    assert language_of("en-GB") == "en"
    assert language_of("es") == "pt-BR"
    assert language_of(None) == "pt-BR"


# --- the language an error is answered in ----------------------------------------------------


def _answer(error: DomainError, accept_language: str | None = None) -> tuple[dict, dict]:
    response = error_response(error, accept_language)
    assert isinstance(response.body, str)
    return json.loads(response.body), dict(response.headers)


def test_an_error_before_the_professional_is_known_follows_accept_language() -> None:
    error = NotFound("We could not find this professional")
    body, headers = _answer(error, "pt-BR,pt;q=0.9")
    assert body == {"error": {"code": "NOT_FOUND", "message": "Não encontramos este profissional"}}
    assert headers["Content-Language"] == "pt-BR"
    body, headers = _answer(error, "en-US")
    assert body["error"]["message"] == "We could not find this professional"
    assert headers["Content-Language"] == "en"


def test_without_a_preference_the_error_keeps_the_words_it_was_raised_with() -> None:
    body, headers = _answer(NotFound("We could not find this professional"))
    assert body["error"]["message"] == "We could not find this professional"
    assert headers["Content-Language"] == "en"


def test_the_professionals_language_wins_over_the_request() -> None:
    error = SlotTaken("Someone has just booked that time: please choose another one")
    in_language(error, "en")
    body, headers = _answer(error, "pt-BR")
    assert body["error"]["message"].startswith("Someone has just booked")
    assert headers["Content-Language"] == "en"
    portuguese = SlotTaken("Someone has just booked that time: please choose another one")
    in_language(portuguese, "pt-BR")
    body, _ = _answer(portuguese, "en-US")
    assert body["error"] == {
        "code": "SLOT_TAKEN",
        "message": "Alguém acabou de agendar esse horário: escolha outro",
    }


def test_the_first_language_given_to_an_error_stays() -> None:
    with pytest.raises(Forbidden) as raised, answered_in("pt-BR"), answered_in("en"):
        raise Forbidden("Only the professional can count a cancellation as late")
    assert raised.value.locale == "en"
    assert answer_language(raised.value, "pt-BR") == "en"


def test_answered_in_leaves_other_exceptions_alone() -> None:
    with pytest.raises(KeyError), answered_in("en"):
        raise KeyError("x")


def test_fields_are_translated_and_their_names_and_the_code_kept() -> None:
    error = ValidationFailed(
        "Some fields are missing or invalid",
        fields={"clientPhone": "must be a phone number with area code, e.g. (11) 98765-4321",
                "days": "must be a whole number from 1 to 31"},
    )  # fmt: skip
    in_language(error, "pt-BR")
    body, _ = _answer(error)
    assert body["error"] == {
        "code": "VALIDATION_FAILED",
        "message": "Alguns campos estão faltando ou são inválidos",
        "fields": {
            "clientPhone": "deve ser um telefone com DDD, por exemplo (11) 98765-4321",
            "days": "deve ser um número inteiro de 1 a 31",
        },
    }


def test_a_translated_error_keeps_its_retry_after() -> None:
    error = RateLimited("Too many attempts, please try again later", retry_after_seconds=7)
    response = error_response(error, "pt-BR")
    assert response.headers["Retry-After"] == "7"
    assert response.status_code == 429


def test_a_message_the_table_does_not_know_is_answered_as_raised() -> None:
    assert translate("Something nobody wrote down", "pt-BR") == "Something nobody wrote down"
    assert in_portuguese("Something nobody wrote down") is None


POLICY = Policy(cancellation_notice_hours=24, reschedule_notice_hours=48)
STARTS = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


def _refusal(status: str, action: str, *, role: str = "professional", hours: float = 72) -> str:
    appointment = Appointment(status, "pending", STARTS, STARTS + timedelta(minutes=45), 0)
    now = STARTS - timedelta(hours=hours)
    with pytest.raises(DomainError) as raised:
        decide(appointment, action, role=role, policy=POLICY, now=now)  # type: ignore[arg-type]
    return raised.value.message


@pytest.mark.parametrize(
    ("status", "action", "role", "hours", "portuguese"),
    [
        ("confirmed", "confirm", "professional", 72, "Este agendamento já foi confirmado"),
        (
            "cancelled",
            "confirm",
            "professional",
            72,
            "Este agendamento foi cancelado, então não pode mais ser confirmado",
        ),
        (
            "pending_confirmation",
            "complete",
            "professional",
            72,
            "Este agendamento ainda aguarda confirmação, então não pode ser marcado como concluído",
        ),
        (
            "confirmed",
            "complete",
            "professional",
            72,
            "Este atendimento ainda não começou, então não pode ser marcado como concluído",
        ),
        ("confirmed", "confirm", "client", 72, "Só o profissional pode confirmar um agendamento"),
        (
            "confirmed",
            "cancel",
            "client",
            2,
            "Agendamentos com este profissional podem ser cancelados online até 24 horas antes"
            " do início. Fale com o profissional.",
        ),
        (
            "confirmed",
            "reschedule",
            "client",
            2,
            "Agendamentos com este profissional podem ser remarcados online até 48 horas antes"
            " do início. Fale com o profissional.",
        ),
    ],
)
def test_the_lifecycles_refusals_in_portuguese(
    status: str, action: str, role: str, hours: float, portuguese: str
) -> None:
    assert translate(_refusal(status, action, role=role, hours=hours), "pt-BR") == portuguese


def test_the_booking_horizon_in_portuguese() -> None:
    assert translate("Bookings with this professional are open until 2027-02-01", "pt-BR") == (
        "Os agendamentos com este profissional estão abertos até 2027-02-01"
    )


_ERRORS = {
    "DomainError", "ValidationFailed", "Unauthorized", "Forbidden", "PlanLimitReached",
    "NotFound", "SlotTaken", "SlotUnavailable", "InvalidTransition", "PayloadTooLarge",
    "NotImplementedYet", "RateLimited", "ServiceUnavailable", "SlugTaken", "AccountExists",
}  # fmt: skip


def test_the_exclusion_constraints_refusals_in_portuguese() -> None:
    # Written as default arguments of agenda.adapters.postgres.overlap_is_slot_taken and its
    # callers, which the scan below does not read.
    assert in_portuguese("This time was just taken, please choose another one")
    assert in_portuguese("The booking's time was taken meanwhile")


def _written_messages() -> list[tuple[str, str]]:
    """(where, text) of every message an error is raised with as a literal or a module
    constant, and of every literal field message, in the layer and the functions."""
    found: list[tuple[str, str]] = []
    for path in [*LAYER.rglob("*.py"), *(ROOT / "functions").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in _ERRORS or not node.args:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((where, first.value))
            elif isinstance(first, ast.Name) and first.id in constants:
                found.append((where, constants[first.id]))
            for keyword in node.keywords:
                if keyword.arg == "fields" and isinstance(keyword.value, ast.Dict):
                    found += [
                        (where, value.value)
                        for value in keyword.value.values
                        if isinstance(value, ast.Constant) and isinstance(value.value, str)
                    ]
    return found


def test_every_error_message_written_has_its_portuguese() -> None:
    written = _written_messages()
    assert len(written) > 40  # the scan finds the messages at all
    missing = sorted({f"{where}: {text}" for where, text in written if in_portuguese(text) is None})
    assert not missing, "add these to agenda.domain.error_texts.PT_BR:\n" + "\n".join(missing)


# --- the professional's in-app notices ------------------------------------------------------

ID = UUID("0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30")
NEW_YORK = "America/New_York"


def test_the_in_app_notices_follow_the_professionals_language() -> None:
    english = booking_request(ID, "John Miller", STARTS, NEW_YORK, locale="en")
    assert english.title == "New booking request"
    assert english.body == "John Miller asked for a session on Monday, December 7 at 3:00 PM."
    portuguese = booking_request(ID, "John Miller", STARTS, NEW_YORK, locale="pt-BR")
    assert portuguese.title == "Novo pedido de agendamento"
    assert "segunda-feira, 07/12 às 15:00" in portuguese.body
    # A tag the product does not write gets Portuguese, the default.
    assert booking_request(ID, "J", STARTS, NEW_YORK, locale="es") == booking_request(
        ID, "J", STARTS, NEW_YORK, locale="pt-BR"
    )


def test_a_clients_change_is_noticed_in_the_professionals_language() -> None:
    appointment = Appointment("confirmed", "paid", STARTS, STARTS + timedelta(minutes=45), 0)
    cancel = decide(
        appointment, "cancel", role="client", policy=POLICY, now=STARTS - timedelta(days=3)
    )
    (notice,) = change_notices(cancel, ID, "John Miller", NEW_YORK, refunded=True, locale="en")
    assert notice.title == "Booking cancelled by the client"
    assert notice.body == (
        "John Miller cancelled the session on Monday, December 7 at 3:00 PM."
        " The time is free again. The payment was refunded to the client."
    )
    paid = paid_booking(ID, "John Miller", STARTS, NEW_YORK, status="confirmed", locale="en")
    assert paid.title == "New paid booking"
    limit = plan_limit(ID, "clients", "2026-12", locale="en")
    assert limit.title == "A client could not book"
    assert limit.key == plan_limit(ID, "clients", "2026-12", locale="pt-BR").key


# --- the calendar file -----------------------------------------------------------------------


def _calendar(language: str | None) -> icalendar.Event:
    text = calendar_file(
        CalendarEvent(
            appointment_id=ID,
            sequence=0,
            status="CONFIRMED",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(minutes=45),
            timezone=NEW_YORK,
            summary="Session with Emily Carter",
            description="English tutor",
            created_at=STARTS - timedelta(days=1),
            modified_at=STARTS - timedelta(days=1),
            language=language,
        )
    )
    [found] = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert isinstance(found, icalendar.Event)
    return found


def test_the_calendar_file_names_the_language_of_its_words() -> None:
    event = _calendar("en")
    assert str(event["SUMMARY"]) == "Session with Emily Carter"
    assert event["SUMMARY"].params["LANGUAGE"] == "en"
    assert event["DESCRIPTION"].params["LANGUAGE"] == "en"
    assert "LANGUAGE" not in _calendar(None)["SUMMARY"].params
