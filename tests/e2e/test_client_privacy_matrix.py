"""Who may do what with a client's privacy routes, over HTTP: each route against every kind of
caller (the client, another client, a professional, no token, a forged token). A client only
ever reaches their own account: another client's export never shows the first's data, and
nobody else's deletion touches it."""

from __future__ import annotations

from typing import Any

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.appointment_helpers import NO_JWT, assert_matrix_answer, bearer, forged_bearer
from tests.conftest import MakeProfessional, next_weekday, rows
from tests.e2e.test_client_privacy import Person, book, new_person, register, unique_professional

pytestmark = pytest.mark.e2e

ROUTES = ("GET /api/client-profile/export", "DELETE /api/client-profile")
CALLERS = ("client", "other-client", "professional", "no-token", "bad-token")

# route -> caller -> (status, error code or None); the missing callers get NO_JWT.
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    # The caller's own export: another client gets theirs, never the client's.
    "GET /api/client-profile/export": {
        "client": (200, None),
        "other-client": (200, None),
        "professional": (404, "CLIENT_PROFILE_NOT_FOUND"),
    },
    # Confirmed with the client's own email: no one else's account can take it.
    "DELETE /api/client-profile": {
        "client": (202, None),
        "other-client": (400, "VALIDATION_FAILED"),
        "professional": (404, "CLIENT_PROFILE_NOT_FOUND"),
    },
}


def account_state(db: pg8000.native.Connection, person: Person) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT ca.deletion_requested_at, a.status, a.sequence"
        " FROM client_accounts ca JOIN clients c ON c.user_id = ca.user_id"
        " JOIN appointments a ON a.client_id = c.id WHERE ca.user_id = :u ORDER BY a.id",
        u=person.user_id,
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
    pro = unique_professional(make_professional)
    client, other = new_person(), new_person("Yolanda")
    day = next_weekday(2, after_days=4)
    book(api, db, pro, pro.at(day, "09:00"), client)
    book(api, db, pro, pro.at(day, "14:00"), other)  # the same professional's other client
    register(db, client)
    register(db, other)
    headers = {
        "client": bearer(stack, client.user_id),
        "other-client": bearer(stack, other.user_id),
        "professional": bearer(stack, pro.user_id),
        "no-token": {},
        "bad-token": forged_bearer(stack, client.user_id),
    }[caller]
    client_before, other_before = account_state(db, client), account_state(db, other)

    if route == "GET /api/client-profile/export":
        answer = requests.get(f"{api}/api/client-profile/export", headers=headers, timeout=30)
    else:
        answer = requests.delete(
            f"{api}/api/client-profile",
            json={"confirm": client.email},
            headers=headers,
            timeout=30,
        )

    expected = EXPECTED[route].get(caller, NO_JWT)
    assert_matrix_answer(answer, expected)
    status = expected[0]
    body: dict[str, Any] = answer.json()
    changes_client = caller == "client" and route == "DELETE /api/client-profile"
    assert (account_state(db, client) != client_before) == changes_client
    assert account_state(db, other) == other_before
    if route == "GET /api/client-profile/export" and status == 200:
        mine, theirs = (client, other) if caller == "client" else (other, client)
        assert body["account"]["userId"] == mine.user_id
        for value in theirs.values():
            assert value not in answer.text
