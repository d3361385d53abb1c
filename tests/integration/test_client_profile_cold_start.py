"""The client profile's read stays light: a fresh interpreter that imports the handler and
answers its first GET /api/client-profile never loads pydantic, boto3 or the message catalogue
(the profile is a page a person waits for, behind SnapStart or not)."""

from __future__ import annotations

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, new_professional
from tests.client_profile_helpers import client_row, new_client_user, new_phone, register
from tests.conftest import MakeProfessional, next_weekday
from tests.integration.test_appointments_cold_start import first_get, sample

pytestmark = pytest.mark.integration


def test_the_profile_loads_neither_pydantic_nor_boto3(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    user, phone = new_client_user(), new_phone()
    register(db, user, phone=phone)
    client = client_row(db, pro, phone=phone, user_id=user)
    add_appointment(db, pro, client, pro.at(next_weekday(2, after_days=3), "09:00"))
    client_row(db, new_professional(make_professional), phone=phone)  # offered, masked

    event = sample("client_profile/get_profile.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = user
    assert first_get(stack, "client_profile", event) == {"status": 200, "heavy": []}
