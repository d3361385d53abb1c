"""Who may do what with the photo and privacy routes, over HTTP: every route against every kind
of caller (owner, another professional, a client, no token, a forged token). A professional
only ever reaches their own account; everyone else's rows and files stay as they were."""

from __future__ import annotations

from typing import Any

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    NO_JWT,
    add_appointment,
    add_client,
    assert_matrix_answer,
    bearer,
    forged_bearer,
)
from tests.conftest import MakeProfessional, Professional, next_weekday, rows
from tests.e2e.test_account_avatar import form, png, stored, upload

pytestmark = pytest.mark.e2e

ROUTES = (
    "POST /api/account/avatar",
    "POST /api/account/avatar/confirm",
    "GET /api/account/export",
    "DELETE /api/account",
)
CALLERS = ("owner", "other-professional", "client", "no-token", "bad-token")

# route -> caller -> (status, error code or None); the missing callers get NO_JWT.
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    # A form for the caller's own photo: another professional gets one for theirs.
    "POST /api/account/avatar": {
        "owner": (200, None),
        "other-professional": (200, None),
        "client": (404, "NOT_FOUND"),
    },
    # The owner's upload: anyone else's confirmation is the 404 of an upload that is not there.
    "POST /api/account/avatar/confirm": {
        "owner": (200, None),
        "other-professional": (404, "NOT_FOUND"),
        "client": (404, "NOT_FOUND"),
    },
    # The caller's own export: another professional gets theirs, never the owner's.
    "GET /api/account/export": {
        "owner": (200, None),
        "other-professional": (200, None),
        "client": (404, "NOT_FOUND"),
    },
    # Confirmed with the owner's slug: only the owner's own account can take it.
    "DELETE /api/account": {
        "owner": (202, None),
        "other-professional": (400, "VALIDATION_FAILED"),
        "client": (404, "NOT_FOUND"),
    },
}


def account_state(db: pg8000.native.Connection, pro: Professional) -> dict[str, Any]:
    (row,) = rows(
        db,
        "SELECT active, avatar_url, deletion_requested_at,"
        " (SELECT count(*) FROM appointments WHERE professional_id = p.id"
        "  AND status = 'cancelled') AS cancelled,"
        " (SELECT count(*) FROM notification_outbox WHERE professional_id = p.id) AS queued"
        " FROM professionals p WHERE id = :id",
        id=pro.id,
    )
    return row


def call(
    api: str, route: str, headers: dict[str, str], owner: Professional, upload_key: str
) -> requests.Response:
    if route == "POST /api/account/avatar":
        return requests.post(
            f"{api}/api/account/avatar",
            json={"contentType": "image/png"},
            headers=headers,
            timeout=30,
        )
    if route == "POST /api/account/avatar/confirm":
        return requests.post(
            f"{api}/api/account/avatar/confirm",
            json={"key": upload_key},
            headers=headers,
            timeout=30,
        )
    if route == "GET /api/account/export":
        return requests.get(f"{api}/api/account/export", headers=headers, timeout=30)
    return requests.delete(
        f"{api}/api/account", json={"confirm": owner.slug}, headers=headers, timeout=30
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
    owner = make_professional()
    other = make_professional()
    client_user = f"client-of-{owner.slug}"
    client = add_client(db, owner, user_id=client_user)
    add_appointment(db, owner, client, owner.at(next_weekday(2, after_days=3), "09:00"))
    presigned = form(api, stack, owner)
    assert upload(presigned, png()).status_code == 204
    headers = {
        "owner": bearer(stack, owner.user_id),
        "other-professional": bearer(stack, other.user_id),
        "client": bearer(stack, client_user),
        "no-token": {},
        "bad-token": forged_bearer(stack, owner.user_id),
    }[caller]
    owner_before, other_before = account_state(db, owner), account_state(db, other)

    answer = call(api, route, headers, owner, presigned["key"])

    expected = EXPECTED[route].get(caller, NO_JWT)
    assert_matrix_answer(answer, expected)
    status = expected[0]
    body: dict[str, Any] = answer.json()
    owner_after, other_after = account_state(db, owner), account_state(db, other)
    changes_owner = caller == "owner" and route != "GET /api/account/export"
    if route == "POST /api/account/avatar":
        changes_owner = False  # a form changes nothing until an upload is confirmed
    assert (owner_after != owner_before) == changes_owner, (owner_before, owner_after)
    assert other_after == other_before
    # Only the owner's confirmation consumes the owner's upload.
    assert stored(stack, presigned["key"]) == (
        not (caller == "owner" and route.endswith("confirm"))
    )
    if route == "GET /api/account/export" and status == 200:
        mine = owner if caller == "owner" else other
        assert body["professional"]["slug"] == mine.slug
        assert (owner.slug in answer.text) == (caller == "owner")
    if route == "POST /api/account/avatar" and status == 200:
        mine = owner if caller == "owner" else other
        assert body["key"].startswith(f"uploads/{mine.id}/")
