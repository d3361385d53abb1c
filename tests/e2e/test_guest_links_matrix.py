"""Who may ask for a client's links again, over HTTP: anyone, and a credential changes nothing.
The route is public (the links go only to the phone or email asked with), so the professional
who owns the appointments, another professional, a registered client, no token and a forged
token all get the same 202 and cause the same one message to that contact, never a 401."""

from __future__ import annotations

import uuid

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    bearer,
    forged_bearer,
    new_professional,
)
from tests.conftest import MakeProfessional, fresh_ip, next_weekday, rows

pytestmark = pytest.mark.e2e

CALLERS = ("professional-owner", "other-professional", "a-client", "no-token", "bad-token")


@pytest.mark.parametrize("caller", CALLERS)
def test_authorization_matrix(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    caller: str,
) -> None:
    pro, other_pro = new_professional(make_professional), new_professional(make_professional)
    email = f"matrix.{uuid.uuid4().hex[:10]}@example.com"
    client_user = f"client-of-{pro.slug}"
    client = add_client(db, pro, user_id=client_user, email=email)
    add_appointment(db, pro, client, pro.at(next_weekday(2, after_days=3), "09:00"))
    headers = {
        "professional-owner": bearer(stack, pro.user_id),
        "other-professional": bearer(stack, other_pro.user_id),
        "a-client": bearer(stack, client_user),
        "no-token": {},
        "bad-token": forged_bearer(stack, client_user),
    }[caller]

    answer = requests.post(
        f"{api}/api/guest/links",
        json={"contact": email},
        headers={"x-forwarded-for": fresh_ip(), **headers},
        timeout=30,
    )

    assert answer.status_code == 202, answer.text
    assert answer.json() == {"accepted": True}
    sent = rows(
        db,
        "SELECT payload FROM notification_outbox WHERE payload ->> 'template' = 'guest_links'"
        " AND payload ->> 'to' = :to",
        to=email,
    )
    assert [(row["payload"]["channel"], row["payload"]["audience"]) for row in sent] == [
        ("email", "client")
    ]
