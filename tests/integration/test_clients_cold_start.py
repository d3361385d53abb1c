"""The clients function starts light: a fresh interpreter that imports its handler loads
neither pydantic, boto3, upstash nor the message catalogue, and its reads (the list, a
client's page) answer without them; a write loads what it needs on its first call (the
contract to validate the body, upstash for the rate limit) and is answered."""

from __future__ import annotations

import json

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, add_client, new_professional
from tests.conftest import MakeProfessional, next_weekday
from tests.integration.test_appointments_cold_start import cold_invoke, first_get, sample

pytestmark = pytest.mark.integration


def _as(event: dict[str, object], user_id: str) -> dict[str, object]:
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user_id  # type: ignore[index]
    return event


def test_the_reads_load_nothing_heavy(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro, name="Maria Fria")
    add_appointment(db, pro, client, pro.at(next_weekday(2, after_days=3), "09:00"))

    listing = _as(sample("clients/list_clients.json"), pro.user_id)
    assert first_get(stack, "clients", listing) == {"status": 200, "heavy": []}

    page = _as(sample("clients/get_client.json"), pro.user_id)
    page["rawPath"] = page["requestContext"]["http"]["path"] = f"/api/clients/{client}"  # type: ignore[index]
    page["pathParameters"] = {"id": str(client)}
    assert first_get(stack, "clients", page) == {"status": 200, "heavy": []}


def test_a_write_is_answered_from_a_cold_start(
    stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    run = cold_invoke(stack, "clients", _as(sample("clients/add_client.json"), pro.user_id))
    assert run["atImport"] == []
    answer = run["answer"]
    assert answer["statusCode"] == 201, answer
    assert answer["headers"]["Cache-Control"] == "no-store"
    assert json.loads(answer["body"])["source"] == "professional"
