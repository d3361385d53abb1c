"""Two requests at once that add one client, over HTTP with real threads: whether they share
the phone (which has a unique key) or only the email (which has none), exactly one is 201 and
the other 409 CLIENT_EXISTS naming the one written, and one row exists."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer, new_professional
from tests.client_profile_helpers import new_phone
from tests.conftest import MakeProfessional
from tests.e2e.test_clients_api import add

pytestmark = pytest.mark.e2e

ROUNDS = 4


def race(
    api: str, headers: dict[str, str], bodies: list[dict[str, str]]
) -> list[requests.Response]:
    start = threading.Barrier(len(bodies))

    def send(body: dict[str, str]) -> requests.Response:
        start.wait()
        return add(api, headers, body)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


@pytest.mark.parametrize("shared", ["phone", "email"])
def test_two_adds_at_once_give_one_201_and_one_409(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    shared: str,
) -> None:
    pro = new_professional(make_professional)
    headers = bearer(stack, pro.user_id)
    for n in range(ROUNDS):
        phone, email = new_phone(), f"race-{n}-{pro.slug}@example.com"
        if shared == "phone":
            # The same number written two ways: one phone once normalised.
            bodies = [
                {"name": "Primeira", "phone": phone},
                {"name": "Segunda", "phone": f"({phone[3:5]}) {phone[5:10]}-{phone[10:]}"},
            ]
        else:
            bodies = [
                {"name": "Primeira", "phone": phone, "email": email},
                {"name": "Segunda", "phone": new_phone(), "email": email.upper()},
            ]
        answers = race(api, headers, bodies)
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [201, 409], [answer.text for answer in answers]
        created = next(answer for answer in answers if answer.status_code == 201).json()
        clash = next(answer for answer in answers if answer.status_code == 409).json()["error"]
        assert clash["code"] == "CLIENT_EXISTS"
        assert clash["clientId"] == created["id"]
        assert set(clash["fields"]) == {shared}
        match = "phone = :v" if shared == "phone" else "lower(email) = :v"
        found = db.run(
            f"SELECT id FROM clients WHERE professional_id = :p AND {match}",
            p=pro.id,
            v=phone if shared == "phone" else email,
        )
        assert [str(row[0]) for row in found] == [created["id"]]
    [[recorded]] = db.run(
        "SELECT count(*) FROM client_changes WHERE professional_id = :p AND action = 'created'",
        p=pro.id,
    )
    assert recorded == ROUNDS
