"""A booking by hand from a fresh interpreter: importing the appointments handler loads none of
what only this route needs (pydantic, the rate limiter's client, the message catalogue), so the
dashboard's cold start does not pay for it; the first POST loads them and is answered 201 with
the confirmation queued."""

from __future__ import annotations

import json
import uuid

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.appointment_helpers import new_professional, queued
from tests.client_profile_helpers import new_phone
from tests.conftest import MakeProfessional, next_weekday
from tests.integration.test_appointments_cold_start import cold_invoke, sample

pytestmark = pytest.mark.integration


def test_the_handler_imports_nothing_heavy_and_books_on_its_first_request(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    starts = pro.at(next_weekday(2, after_days=3), "09:00")
    phone = new_phone()
    event = sample("appointments/book_appointment.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = f"user-{pro.slug}"
    event["body"] = json.dumps(
        {"client": {"name": "Joana Prado", "phone": phone}, "startsAt": starts.isoformat()}
    )
    run = cold_invoke(stack, "appointments", event)
    assert run["atImport"] == []
    answer = run["answer"]
    assert answer["statusCode"] == 201, answer["body"]
    assert answer["headers"]["Cache-Control"] == "no-store"
    body = json.loads(answer["body"])
    assert body["status"] == "confirmed"
    assert body["client"]["phone"] == phone
    [[stored]] = db.run(
        "SELECT count(*) FROM appointments WHERE id = :a AND professional_id = :p",
        a=uuid.UUID(body["id"]),
        p=pro.id,
    )
    assert stored == 1
    assert [m["template"] for m in queued(db, uuid.UUID(body["id"]))] == ["booking_confirmed"]
