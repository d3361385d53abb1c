"""The availability function starts light: a fresh interpreter that imports its handler has
loaded neither pydantic, boto3 nor the message catalogue, and its first GET, and its first
preview (a POST that only reads), answer without loading them either: the document is
validated by the pure domain, the slots come from the pure engine."""

from __future__ import annotations

import json

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, add_client, new_professional
from tests.conftest import MakeProfessional, next_weekday
from tests.integration.test_appointments_cold_start import cold_invoke, first_get, sample

pytestmark = pytest.mark.integration


def test_the_first_get_loads_nothing_heavy(
    stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    event = sample("availability/get_availability.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = pro.user_id
    assert first_get(stack, "availability", event) == {"status": 200, "heavy": []}


def test_the_first_preview_loads_nothing_heavy_and_answers_the_slots(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    monday = next_weekday(1, after_days=3)
    add_appointment(db, pro, add_client(db, pro), pro.at(monday, "09:00"))
    event = sample("availability/preview_availability.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = pro.user_id
    event["queryStringParameters"] = {"date": monday.isoformat(), "days": "1"}
    event["rawQueryString"] = f"date={monday.isoformat()}&days=1"
    # The sample's own dates may cover that Monday: leave only its weekly hours and settings.
    document = {**json.loads(event["body"]), "overrides": [], "blocked": []}
    event["body"] = json.dumps(document)

    run = cold_invoke(stack, "availability", event)
    assert run["atImport"] == []
    assert run["heavy"] == []
    answer = run["answer"]
    assert answer["statusCode"] == 200, answer["body"]
    assert answer["headers"]["Cache-Control"] == "no-store"
    body = json.loads(answer["body"])
    assert body["slug"] == pro.slug
    [day] = body["days"]
    times = [slot["time"] for slot in day["slots"]]
    # The sample document: 50-minute sessions with 10 after, Monday 09:00-12:00 and 14:00-18:00;
    # the appointment at 09:00 (50 minutes, no buffers) takes the first hour.
    assert "09:00" not in times
    assert times[0] == "10:00"
