"""Plan limits, phone numbers, request validation and log redaction: pure rules."""

from __future__ import annotations

import pytest

from agenda.contract import BookingRequest, FreeSlotsQuery, validate
from agenda.domain.errors import PlanLimitReached, ValidationFailed
from agenda.domain.phone import normalize_phone
from agenda.domain.plans import PAID_PLANS, check_booking_allowed, limits_for
from agenda.domain.queries import parse_free_slots_query
from agenda.observability import redact

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("clients", "appointments", "refusal"),
    [
        (0, 0, None),
        (9, 19, None),
        (10, 0, "This professional is not accepting new clients at the moment"),
        (0, 20, "This professional has no more bookings available this month"),
        (10, 20, "This professional is not accepting new clients at the moment"),
    ],
)
def test_free_plan_caps_new_clients(clients: int, appointments: int, refusal: str | None) -> None:
    def attempt() -> None:
        check_booking_allowed(
            limits_for("free"),
            existing_client=False,
            clients=clients,
            appointments_this_month=appointments,
        )

    if refusal is None:
        attempt()
    else:
        with pytest.raises(PlanLimitReached) as error:
            attempt()
        assert error.value.message == refusal


def test_existing_clients_and_paid_plans_are_never_capped() -> None:
    check_booking_allowed(
        limits_for("free"), existing_client=True, clients=500, appointments_this_month=500
    )
    for plan in PAID_PLANS:
        check_booking_allowed(
            limits_for(plan), existing_client=False, clients=10_000, appointments_this_month=10_000
        )


def test_an_unknown_plan_is_as_strict_as_free() -> None:
    assert limits_for("enterprise-typo") == limits_for("free")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(11) 98765-4321", "+5511987654321"),
        ("11 98765 4321", "+5511987654321"),
        ("011 98765-4321", "+5511987654321"),
        ("1133334444", "+551133334444"),  # landline, 8 digits
        ("5511987654321", "+5511987654321"),
        ("+55 11 98765-4321", "+5511987654321"),
        ("0055 11 98765-4321", "+5511987654321"),
        ("+1 (212) 555-0101", "+12125550101"),
        ("0044 20 7946 0958", "+442079460958"),
        # A mobile written without its ninth digit is the same person as with it.
        ("(11) 8765-4321", "+5511987654321"),
        ("+55 11 8765-4321", "+5511987654321"),
        ("+55 (011) 98765-4321", "+5511987654321"),
        ("0 21 11 98765-4321", "+5511987654321"),  # long-distance carrier code 21
        ("(21) 2555-1234", "+552125551234"),
        ("(00) 98765-4321", None),  # no such area code
        ("(20) 98765-4321", None),
        ("(11) 18765-4321", None),  # nine digits must start with 9
        ("(11) 1876-4321", None),
        ("0800 123 4567", None),  # toll-free: no WhatsApp, no SMS
        ("+55 11 987654321 0", None),
        ("12345", None),
        ("98765-4321", None),
        ("call me", None),
        ("+12", None),
        ("", None),
    ],
)
def test_phone_numbers_become_e164(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_booking_request_normalises_what_it_accepts() -> None:
    request = validate(
        BookingRequest,
        {
            "slug": "dr-ana",
            "startsAt": "2030-01-07T12:00:00Z",
            "clientName": "  Ana   Maria ",
            "clientPhone": "(11) 98765-4321",
            "clientEmail": " Ana@Example.COM ",
            "unknown": 1,
        },
    )
    assert request.client_name == "Ana Maria"
    assert request.client_phone == "+5511987654321"
    assert request.client_email == "ana@example.com"
    assert request.starts_at.utcoffset() is not None


@pytest.mark.parametrize("email", ["", "   ", None])
def test_blank_email_means_no_email(email: str | None) -> None:
    request = validate(
        BookingRequest,
        {
            "slug": "dr-ana",
            "startsAt": "2030-01-07T12:00:00+00:00",
            "clientName": "Ana",
            "clientPhone": "11987654321",
            "clientEmail": email,
        },
    )
    assert request.client_email is None


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"slug": "dr-ana", "date": "2030-01-07"}, set()),
        ({"slug": "dr-ana", "date": "2030-01-07", "days": "60"}, set()),
        ({}, {"slug", "date"}),
        ({"slug": "DR", "date": "2030-1-7", "days": "61"}, {"slug", "date", "days"}),
        ({"slug": "dr-ana", "date": "2030-01-07", "days": "-1"}, {"days"}),
        ({"slug": "dr-ana", "date": "2030-01-07T00:00:00"}, {"date"}),
    ],
)
def test_slot_query_parsing_agrees_with_the_documented_model(
    query: dict[str, str], fields: set[str]
) -> None:
    """The hand-written parser (kept off the cold path) and the contract model accept the same."""
    parsed_fields: set[str] = set()
    try:
        parse_free_slots_query(query)
    except ValidationFailed as exc:
        parsed_fields = set(exc.fields)
    model_fields: set[str] = set()
    try:
        validate(FreeSlotsQuery, dict(query))
    except ValidationFailed as exc:
        model_fields = set(exc.fields)
    assert parsed_fields == fields
    assert model_fields == fields


def test_redaction_masks_personal_data_but_keeps_dates_and_ids() -> None:
    record = {
        "message": "booking by ana@example.com at +55 11 98765-4321 for 2030-01-07T09:00:00-03:00",
        "timestamp": "2030-01-07 12:00:00,123+0000",
        "appointment_id": "0b4a6c0e-1f7e-4c57-9a0d-3f4b2c1d0e9f",
        "headers": {"Authorization": "Bearer abc.def.ghi", "x": "Bearer abc"},
        "phones": ["(11) 98765-4321"],
    }
    cleaned = redact(record)
    text = str(cleaned)
    for secret in ("ana@example.com", "98765", "abc.def"):
        assert secret not in text
    assert "2030-01-07T09:00:00-03:00" in cleaned["message"]
    assert cleaned["appointment_id"] == record["appointment_id"]
    assert cleaned["headers"]["Authorization"] == "[redacted]"
