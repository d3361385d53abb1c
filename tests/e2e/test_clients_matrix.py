"""Who may do what with /api/clients, over HTTP: every route against every kind of caller (the
professional who owns the client, another professional, the client's own sign-in, no token, a
forged token). Only the owner reaches the client; a refused call changes nothing."""

from __future__ import annotations

from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import ClientDetailOut, ClientPage
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    NO_JWT,
    add_appointment,
    assert_matrix_answer,
    bearer,
    forged_bearer,
    new_professional,
    snapshot,
)
from tests.client_profile_helpers import client_row, new_client_user, new_phone, register
from tests.conftest import MakeProfessional, next_weekday, rows
from tests.e2e.test_clients_api import add, change, get_client, list_clients

pytestmark = pytest.mark.e2e

ROUTES = (
    "GET /api/clients",
    "POST /api/clients",
    "GET /api/clients/{id}",
    "PATCH /api/clients/{id}",
)
CALLERS = ("owner", "another-professional", "the-client", "no-token", "bad-token")
# A sign-in without a professional account, as GET /api/account answers it; another
# professional's client, as a missing one.
NOT_FOUND = (404, "NOT_FOUND")

# route -> caller -> (status, error code or None); callers not named get the authorizer's 401.
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    "GET /api/clients": {
        "owner": (200, None),
        "another-professional": (200, None),  # their own list, without the client
        "the-client": NOT_FOUND,
    },
    "POST /api/clients": {
        "owner": (201, None),
        "another-professional": (201, None),  # a client of their own
        "the-client": NOT_FOUND,
    },
    "GET /api/clients/{id}": {
        "owner": (200, None),
        "another-professional": NOT_FOUND,
        "the-client": NOT_FOUND,
    },
    "PATCH /api/clients/{id}": {
        "owner": (200, None),
        "another-professional": NOT_FOUND,
        "the-client": NOT_FOUND,
    },
}


def clients_of(db: pg8000.native.Connection, professional_id: Any) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT id, name, phone, email, tags, user_id, updated_at FROM clients"
        " WHERE professional_id = :p ORDER BY id",
        p=professional_id,
    )


def changes_of(db: pg8000.native.Connection, professional_id: Any) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT client_id, action, fields FROM client_changes WHERE professional_id = :p",
        p=professional_id,
    )


def call(
    api: str, route: str, headers: dict[str, str], client_id: Any, phone: str
) -> requests.Response:
    if route == "GET /api/clients":
        return list_clients(api, headers)
    if route == "POST /api/clients":
        return add(api, headers, {"name": "Nova Cliente", "phone": phone})
    if route == "GET /api/clients/{id}":
        return get_client(api, headers, client_id)
    return change(api, headers, client_id, {"name": "Nome Trocado", "tags": ["x"]})


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", ROUTES)
def test_authorization_matrix(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    route: str,
    caller: str,
) -> None:
    owner, other = new_professional(make_professional), new_professional(make_professional)
    client_user, phone = new_client_user(), new_phone()
    register(db, client_user, phone=phone, email=f"{client_user}@example.com")
    client = client_row(db, owner, phone=phone, user_id=client_user, name="Maria Cliente")
    appointment = add_appointment(
        db, owner, client, owner.at(next_weekday(2, after_days=4), "09:00")
    )
    client_row(db, other, phone=new_phone(), name="Cliente da Outra")
    before = {who.id: clients_of(db, who.id) for who in (owner, other)}
    appointment_before = snapshot(db, appointment)
    new_client_phone = new_phone()

    headers = {
        "owner": bearer(stack, owner.user_id),
        "another-professional": bearer(stack, other.user_id),
        "the-client": bearer(stack, client_user),
        "no-token": {},
        "bad-token": forged_bearer(stack, owner.user_id),
    }[caller]
    answer = call(api, route, headers, client, new_client_phone)

    expected = EXPECTED[route].get(caller, NO_JWT)
    assert_matrix_answer(answer, expected)
    status = expected[0]
    if status != 401:
        assert answer.headers["cache-control"] == "no-store"
    if route == "GET /api/clients" and status == 200:
        listed = ClientPage.model_validate(answer.json())
        names = [item.name for item in listed.items]
        assert names == (["Maria Cliente"] if caller == "owner" else ["Cliente da Outra"])
        if caller != "owner":
            assert phone not in answer.text
    if route in ("GET /api/clients/{id}", "PATCH /api/clients/{id}") and status == 200:
        assert ClientDetailOut.model_validate(answer.json()).id == client
    if status == 404:
        assert phone not in answer.text
        assert "Maria Cliente" not in answer.text

    # What changed: the owner's own write, another professional's client of their own, or
    # nothing at all.
    wrote = status in (200, 201) and route.split()[0] in ("POST", "PATCH")
    for who in (owner, other):
        after = clients_of(db, who.id)
        mine = wrote and (who is owner) == (caller == "owner")
        if not mine:
            assert after == before[who.id]
            assert changes_of(db, who.id) == []
        elif route == "POST /api/clients":
            assert len(after) == len(before[who.id]) + 1
            assert new_client_phone in {row["phone"] for row in after}
            assert [c["action"] for c in changes_of(db, who.id)] == ["created"]
        else:
            [row] = after
            assert (row["name"], row["tags"]) == ("Nome Trocado", ["x"])
            assert changes_of(db, who.id) == [
                {"client_id": client, "action": "updated", "fields": ["name", "tags"]}
            ]
    assert snapshot(db, appointment) == appointment_before
    assert rows(db, "SELECT user_id FROM clients WHERE id = :c", c=client) == [
        {"user_id": client_user}
    ]
