"""The reviews function starts light: a fresh interpreter that imports its handler has loaded
nothing heavy (pydantic, boto3, upstash, the message catalogue); the professional's list, a
read, is answered without any of them; a review, a write, loads what it needs on its first
request and is answered."""

from __future__ import annotations

import json

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.appointment_helpers import guest_token
from tests.conftest import MakeProfessional
from tests.integration.test_appointments_cold_start import cold_invoke, first_get, sample
from tests.review_helpers import session

pytestmark = pytest.mark.integration


def test_the_list_loads_nothing_heavy(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    visit = session(db, make_professional)
    db.run(
        "INSERT INTO reviews (professional_id, client_id, appointment_id, rating)"
        " VALUES (:p, :c, :a, 5)",
        p=visit.pro.id,
        c=visit.client_id,
        a=visit.appointment,
    )
    event = sample("reviews/list_reviews.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = visit.pro.user_id
    assert first_get(stack, "reviews", event) == {"status": 200, "heavy": []}


def test_a_first_review_is_answered_from_a_cold_start(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    visit = session(db, make_professional)
    event = sample("reviews/review_guest_appointment.json")
    path = f"/api/guest/appointments/{visit.appointment}/review"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"id": str(visit.appointment)}
    body = {"token": guest_token(stack, visit.appointment), "rating": 4, "comment": "Bom."}
    event["body"] = json.dumps(body)
    run = cold_invoke(stack, "reviews", event)
    assert run["atImport"] == []
    answer = run["answer"]
    assert answer["statusCode"] == 201, answer
    assert answer["headers"]["Cache-Control"] == "no-store"
    assert json.loads(answer["body"])["rating"] == 4
