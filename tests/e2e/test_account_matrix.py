"""Who may do what with /api/account, over HTTP: every route against every kind of caller. A
professional only ever reaches their own account; the rows of everyone else stay as they were."""

from __future__ import annotations

from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import AccountOut, SlugCheck
from infra.local.stack import LocalStack
from tests.account_helpers import (
    check_slug,
    get_account,
    new_slug,
    new_user,
    patch_account,
    post_account,
    professional_rows,
    sign_up,
    sign_up_body,
)
from tests.appointment_helpers import (
    NO_JWT,
    add_client,
    assert_matrix_answer,
    bearer,
    forged_bearer,
    new_professional,
)
from tests.conftest import MakeProfessional

pytestmark = pytest.mark.e2e

ROUTES = ("POST /api/account", "GET /api/account", "PATCH /api/account", "GET /api/account/slug")
CALLERS = ("owner", "other-professional", "client", "no-token", "bad-token")

# route -> caller -> (status, error code, or None for a success or the authorizer's 401)
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    # Sign-up creates the caller's own account: a client without one becomes a professional;
    # a professional already is one.
    "POST /api/account": {
        "owner": (409, "ACCOUNT_EXISTS"),
        "other-professional": (409, "ACCOUNT_EXISTS"),
        "client": (201, None),
    },
    # /api/account is always the caller's own: another professional sees theirs, never the
    # owner's; a sign-in without an account has none.
    "GET /api/account": {
        "owner": (200, None),
        "other-professional": (200, None),
        "client": (404, "NOT_FOUND"),
    },
    "PATCH /api/account": {
        "owner": (200, None),
        "other-professional": (200, None),
        "client": (404, "NOT_FOUND"),
    },
    # Any sign-in may check a slug (the sign-up form does, before there is an account).
    "GET /api/account/slug": {
        "owner": (200, None),
        "other-professional": (200, None),
        "client": (200, None),
    },
}


def call(api: str, route: str, headers: dict[str, str], owner_slug: str) -> requests.Response:
    if route == "POST /api/account":
        return post_account(api, headers, sign_up_body())
    if route == "GET /api/account":
        return get_account(api, headers)
    if route == "PATCH /api/account":
        return patch_account(api, headers, {"bio": "changed by the caller", "slug": new_slug()})
    return check_slug(api, headers, owner_slug)


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
    owner_user, owner_headers, owner_account = sign_up(api, stack)
    other = new_professional(make_professional)
    client_user = new_user()
    add_client(db, other, user_id=client_user)
    headers = {
        "owner": owner_headers,
        "other-professional": bearer(stack, other.user_id),
        "client": bearer(stack, client_user),
        "no-token": {},
        "bad-token": forged_bearer(stack, owner_user),
    }[caller]
    caller_user = {
        "owner": owner_user,
        "other-professional": other.user_id,
        "client": client_user,
    }.get(caller)
    owner_before = professional_rows(db, owner_user)
    caller_before = professional_rows(db, caller_user) if caller_user else []

    answer = call(api, route, headers, owner_account["slug"])

    expected = EXPECTED[route].get(caller, NO_JWT)
    assert_matrix_answer(answer, expected)
    status = expected[0]
    body: dict[str, Any] = answer.json()

    owner_after = professional_rows(db, owner_user)
    changed_own = caller == "owner" and route == "PATCH /api/account"
    if changed_own:
        [row] = owner_after
        assert row["bio"] == "changed by the caller"
        assert body["id"] == str(row["id"])
    else:
        assert owner_after == owner_before  # nobody else ever reaches the owner's account

    if status in (200, 201) and route != "GET /api/account/slug":
        AccountOut.model_validate(body)
        [mine] = professional_rows(db, caller_user or "")
        assert body["id"] == str(mine["id"])  # always the caller's own
        if caller != "owner":
            assert body["id"] != owner_account["id"]
    if route == "GET /api/account/slug" and status == 200:
        SlugCheck.model_validate(body)
        # The owner's slug is theirs to keep; for anyone else it is taken.
        assert body["available"] is (caller == "owner")
    if caller == "client":
        created = route == "POST /api/account"
        assert len(professional_rows(db, client_user)) == (1 if created else 0)
    elif caller_user is not None and not changed_own and route != "PATCH /api/account":
        assert professional_rows(db, caller_user) == caller_before
