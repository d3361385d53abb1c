"""Who may do what with the claim and contact routes, over HTTP: every route against every kind
of caller. A row claimed by one client stays theirs whoever else presents its invite or asks
for its code; a caller changes only their own account; nobody else gets an account out of it."""

from __future__ import annotations

import uuid
from typing import Any

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.account_helpers import new_user
from tests.appointment_helpers import (
    NO_JWT,
    add_client,
    assert_matrix_answer,
    bearer,
    forged_bearer,
    new_professional,
)
from tests.client_claim_helpers import (
    claim,
    client_accounts,
    client_row,
    confirm_contact,
    invite,
    patch_contact,
    send_code,
)
from tests.conftest import MakeProfessional, rows

pytestmark = pytest.mark.e2e

ROUTES = (
    "POST /api/client-profile/claim",
    "POST /api/client-profile/claim/codes",
    "PATCH /api/client-profile",
    "POST /api/client-profile/contact/confirm",
)
CALLERS = ("client", "other-client", "professional", "no-token", "bad-token")

# route -> caller -> (status, error code, or None for a success or the authorizer's 401)
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    # The row is the client's: presenting its invite again is their own claim, repeated; for
    # anyone else, the professional whose row it is included, it is someone else's row.
    "POST /api/client-profile/claim": {
        "client": (200, None),
        "other-client": (409, "ALREADY_CLAIMED"),
        "professional": (409, "ALREADY_CLAIMED"),
    },
    # The row with the client's phone at a second professional is offered to the client only;
    # to anyone else it is the one 404 that says nothing about it.
    "POST /api/client-profile/claim/codes": {
        "client": (202, None),
        "other-client": (404, "NOT_FOUND"),
        "professional": (404, "NOT_FOUND"),
    },
    # Always the caller's own account; a professional's sign-in has no client account.
    "PATCH /api/client-profile": {
        "client": (200, None),
        "other-client": (200, None),
        "professional": (404, "CLIENT_PROFILE_NOT_FOUND"),
    },
    # Nobody asked for a contact change: whatever code, there is none to match.
    "POST /api/client-profile/contact/confirm": {
        "client": (403, "FORBIDDEN"),
        "other-client": (403, "FORBIDDEN"),
        "professional": (404, "CLIENT_PROFILE_NOT_FOUND"),
    },
}


def call(route: str, api: str, headers: dict[str, str], world: dict[str, Any]) -> requests.Response:
    if route == "POST /api/client-profile/claim":
        return claim(api, headers, {"invite": world["invite"]})
    if route == "POST /api/client-profile/claim/codes":
        return send_code(api, headers, {"clientId": str(world["offered"]), "channel": "whatsapp"})
    if route == "PATCH /api/client-profile":
        return patch_contact(api, headers, {"name": "Changed By Caller"})
    return confirm_contact(api, headers, {"code": "123456"})


def snapshot(db: pg8000.native.Connection, users: list[str], clients: list[Any]) -> Any:
    return (
        [client_accounts(db, u) for u in users],
        [client_row(db, c) for c in clients],
        rows(db, "SELECT user_id FROM verification_codes WHERE user_id = ANY(:u)", u=users),
    )


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
    pro = new_professional(make_professional)
    client_id = add_client(db, pro, email=f"{uuid.uuid4().hex[:10]}@example.com")
    client_user, other_user = new_user(), new_user()
    token = invite(stack, client_id)
    assert claim(api, bearer(stack, client_user), {"invite": token}).status_code == 200
    # The same person at a second professional: a row offered to the client.
    offered = add_client(db, new_professional(make_professional), email=None)
    db.run(
        "UPDATE clients SET phone = (SELECT phone FROM clients WHERE id = :c) WHERE id = :o",
        c=client_id,
        o=offered,
    )
    other_row = add_client(
        db, new_professional(make_professional), email=f"{uuid.uuid4().hex[:10]}@example.com"
    )
    other_claim = claim(api, bearer(stack, other_user), {"invite": invite(stack, other_row)})
    assert other_claim.status_code == 200
    headers = {
        "client": bearer(stack, client_user),
        "other-client": bearer(stack, other_user),
        "professional": bearer(stack, pro.user_id),
        "no-token": {},
        "bad-token": forged_bearer(stack, client_user),
    }[caller]
    users, clients = [client_user, other_user, pro.user_id], [client_id, offered, other_row]
    before = snapshot(db, users, clients)

    answer = call(route, api, headers, {"invite": token, "offered": offered})

    expected = EXPECTED[route].get(caller, NO_JWT)
    assert_matrix_answer(answer, expected)
    after = snapshot(db, users, clients)
    # Rows never change hands, and no professional gets a client account, whoever asked.
    assert [row["user_id"] for row in after[1]] == [client_user, None, other_user]
    assert after[0][2] == []
    changed = (route, caller) in {
        ("PATCH /api/client-profile", "client"),
        ("PATCH /api/client-profile", "other-client"),
        ("POST /api/client-profile/claim/codes", "client"),
    }
    if not changed:
        assert after == before
    elif route == "PATCH /api/client-profile":
        caller_user = client_user if caller == "client" else other_user
        mine = client_row(db, client_id if caller == "client" else other_row)
        assert client_accounts(db, caller_user)[0]["name"] == mine["name"] == "Changed By Caller"
        # The other account and its row are as they were.
        untouched = 1 if caller == "client" else 0
        assert after[0][untouched] == before[0][untouched]
    else:
        assert after[2] == [{"user_id": client_user}]
        assert after[:2] == before[:2]


def test_every_route_of_the_functions_is_in_the_matrix(stack: LocalStack) -> None:
    served = {
        r.route_key
        for r in stack.stack.routes
        if r.function in ("ClientClaimFunction", "ClientContactFunction")
    }
    assert served == set(ROUTES)
