"""Who may preview an availability, over HTTP: the route against every kind of caller (the
professional, another professional, a registered client, no token, a bad token). A preview is
always the caller's own (their slug, their appointments' busy times, never another's), and no
call changes anything in the database."""

from __future__ import annotations

from typing import Any

import pg8000.native
import pytest

from agenda.contract import FreeSlots
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    NO_JWT,
    add_appointment,
    add_client,
    assert_matrix_answer,
    bearer,
    forged_bearer,
    new_professional,
    snapshot,
)
from tests.client_profile_helpers import new_client_user, new_phone, register
from tests.conftest import MakeProfessional, next_weekday
from tests.e2e.test_availability_api import document, stored
from tests.e2e.test_availability_preview import preview

pytestmark = pytest.mark.e2e

ROUTES = ("POST /api/availability/preview",)
CALLERS = ("owner", "another-professional", "registered-client", "no-token", "bad-token")

# route -> caller -> (status, error code or None); a caller not named gets NO_JWT.
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    "POST /api/availability/preview": {
        "owner": (200, None),
        "another-professional": (200, None),  # their own preview, never the owner's
        "registered-client": (403, "FORBIDDEN"),  # as GET /api/availability answers them
    },
}


def starts_on(body: dict[str, Any], day: str) -> list[str]:
    [listed] = [d for d in body["days"] if d["date"] == day]
    return [slot["time"] for slot in listed["slots"]]


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
    pro, other = new_professional(make_professional), new_professional(make_professional)
    monday = next_weekday(1, after_days=3)
    # The owner's 10:00 on Monday is taken; the other professional's 14:00.
    mine = add_appointment(db, pro, add_client(db, pro), pro.at(monday, "10:00"))
    theirs = add_appointment(db, other, add_client(db, other), other.at(monday, "14:00"))
    client_user = new_client_user()
    register(db, client_user, phone=new_phone())
    before = (stored(db, pro), stored(db, other), snapshot(db, mine), snapshot(db, theirs))

    headers = {
        "owner": bearer(stack, pro.user_id),
        "another-professional": bearer(stack, other.user_id),
        "registered-client": bearer(stack, client_user),
        "no-token": {},
        "bad-token": forged_bearer(stack, pro.user_id),
    }[caller]
    # Hourly sessions from 09:00 to 17:00, so both taken hours would otherwise be offered.
    body = document(sessionDuration=60, weekly=[{"weekday": 1, "start": "09:00", "end": "17:00"}])
    answer = preview(api, headers, body, date=monday.isoformat(), days="1")

    assert_matrix_answer(answer, EXPECTED[route].get(caller, NO_JWT))
    if answer.status_code == 200:
        listing = answer.json()
        FreeSlots.model_validate(listing)
        times = starts_on(listing, monday.isoformat())
        if caller == "owner":
            assert listing["slug"] == pro.slug
            assert "10:00" not in times
            assert "14:00" in times
        else:
            assert listing["slug"] == other.slug
            assert "10:00" in times  # the owner's appointment is not theirs
            assert "14:00" not in times
        assert pro.phone not in answer.text
    else:
        assert pro.slug not in answer.text

    assert (stored(db, pro), stored(db, other), snapshot(db, mine), snapshot(db, theirs)) == before
