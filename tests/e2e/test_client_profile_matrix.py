"""Who may do what with GET /api/client-profile and the follows, over HTTP: every route against
every kind of caller (the client, another client, a professional, no token, a bad token). A
client only ever reaches their own profile and follows; everyone else's rows stay as they were."""

from __future__ import annotations

import pg8000.native
import pytest
import requests

from agenda.contract import ClientProfileOut, FollowOut
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    NO_JWT,
    add_appointment,
    assert_matrix_answer,
    bearer,
    changes,
    forged_bearer,
    new_professional,
    patch,
    snapshot,
)
from tests.client_profile_helpers import (
    client_row,
    follow,
    follows_of,
    get_profile,
    new_client_user,
    new_phone,
    register,
    unfollow,
)
from tests.conftest import MakeProfessional, next_weekday
from tests.e2e.test_booking_api import assert_error

pytestmark = pytest.mark.e2e

ROUTES = (
    "GET /api/client-profile",
    "PUT /api/client-profile/follows/{slug}",
    "DELETE /api/client-profile/follows/{slug}",
)
CALLERS = ("the-client", "another-client", "professional", "no-token", "bad-token")
NO_PROFILE = (404, "CLIENT_PROFILE_NOT_FOUND")

# route -> caller -> (status, error code or None)
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    "GET /api/client-profile": {
        "the-client": (200, None),
        "another-client": (200, None),  # their own profile, never the client's
        "professional": NO_PROFILE,
    },
    # The slug is one the client already follows: another client's follow is their own.
    "PUT /api/client-profile/follows/{slug}": {
        "the-client": (200, None),
        "another-client": (201, None),
        "professional": NO_PROFILE,
    },
    "DELETE /api/client-profile/follows/{slug}": {
        "the-client": (204, None),
        "another-client": (204, None),
        "professional": NO_PROFILE,
    },
}


def call(api: str, route: str, headers: dict[str, str], slug: str) -> requests.Response:
    if route == "GET /api/client-profile":
        return get_profile(api, headers)
    if route.startswith("PUT"):
        return follow(api, headers, slug)
    return unfollow(api, headers, slug)


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
    followed = new_professional(make_professional)
    client_user, other_user = new_client_user(), new_client_user()
    phone, other_phone = new_phone(), new_phone()
    register(db, client_user, phone=phone, email=f"{client_user}@example.com")
    register(db, other_user, phone=other_phone, name="Outra Pessoa")
    mine = client_row(db, pro, phone=phone, user_id=client_user)
    client_row(db, pro, phone=other_phone, user_id=other_user, name="Outra Pessoa")
    appointment = add_appointment(db, pro, mine, pro.at(next_weekday(2, after_days=4), "09:00"))
    db.run(
        "INSERT INTO follows (user_id, professional_id) VALUES (:u, :p)",
        u=client_user,
        p=followed.id,
    )
    client_follows = follows_of(db, client_user)
    before = snapshot(db, appointment)

    headers = {
        "the-client": bearer(stack, client_user),
        "another-client": bearer(stack, other_user),
        "professional": bearer(stack, pro.user_id),
        "no-token": {},
        "bad-token": forged_bearer(stack, client_user),
    }[caller]
    answer = call(api, route, headers, followed.slug)

    expected = EXPECTED[route].get(caller, NO_JWT)
    assert_matrix_answer(answer, expected)
    status = expected[0]

    if route == "GET /api/client-profile" and status == 200:
        body = answer.json()
        ClientProfileOut.model_validate(body)
        ids = [item["id"] for item in body["upcoming"] + body["past"]]
        slugs = [item["slug"] for item in body["follows"]]
        if caller == "the-client":
            assert ids == [str(appointment)]
            assert slugs == [followed.slug]
        else:
            # Nothing of the client's: no appointment, no follow, no contact.
            assert ids == []
            assert slugs == []
            assert body["phone"] == other_phone
            assert phone not in answer.text
    if route.startswith("PUT") and status in (200, 201):
        FollowOut.model_validate(answer.json())

    # The client's follows change only by the client's own DELETE; the others' writes are
    # their own or nothing.
    expected_follows = [] if (caller, route[:6]) == ("the-client", "DELETE") else client_follows
    assert follows_of(db, client_user) == expected_follows
    other_follows = [row[0] for row in follows_of(db, other_user)]
    assert other_follows == (
        [followed.id] if (caller, route[:3]) == ("another-client", "PUT") else []
    )
    assert follows_of(db, pro.user_id) == []
    assert snapshot(db, appointment) == before


@pytest.mark.parametrize("caller", ["another-client", "professional-elsewhere"])
def test_nobody_else_acts_on_the_clients_appointment(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    caller: str,
) -> None:
    """The profile's actions are the client's alone: another client's token, or another
    professional's, finds no such appointment."""
    pro, elsewhere = new_professional(make_professional), new_professional(make_professional)
    client_user, other_user = new_client_user(), new_client_user()
    phone = new_phone()
    register(db, client_user, phone=phone)
    register(db, other_user, phone=new_phone())
    mine = client_row(db, pro, phone=phone, user_id=client_user)
    appointment = add_appointment(db, pro, mine, pro.at(next_weekday(3, after_days=4), "09:00"))
    sub = other_user if caller == "another-client" else elsewhere.user_id
    before = snapshot(db, appointment)
    answer = patch(api, appointment, {"action": "cancel"}, bearer(stack, sub))
    assert_error(answer, 404, "NOT_FOUND")
    assert snapshot(db, appointment) == before
    assert changes(db, appointment) == []
