"""Who may do what with the review routes, over HTTP: every route against every kind of caller
(the owner professional, another professional, the appointment's client signed in, another
client, the appointment's guest link, another appointment's guest link, no token, a bad
token). Each cell runs on a session of its own; a refused call leaves the professional's
reviews, their record and the notices exactly as they were."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pg8000.native
import pytest
import requests
from pydantic import BaseModel

from agenda.contract import ClientReviewOut, ProfessionalReviewOut, ReviewPage
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    NO_JWT,
    assert_matrix_answer,
    bearer,
    forged_bearer,
    guest_token,
    new_professional,
)
from tests.client_profile_helpers import new_client_user, new_phone, register
from tests.conftest import MakeProfessional
from tests.review_helpers import Session, review_rows, session, state

pytestmark = pytest.mark.e2e

ROUTES = (
    "POST /api/appointments/{id}/review",
    "POST /api/guest/appointments/{id}/review",
    "GET /api/reviews",
    "POST /api/reviews/{id}/reply",
    "PATCH /api/reviews/{id}",
)
CALLERS = (
    "owner",
    "another-professional",
    "the-client",
    "another-client",
    "guest-link",
    "another-guest-link",
    "no-token",
    "bad-token",
)
MISSING = (404, "NOT_FOUND")
NO_GUEST = (401, "UNAUTHORIZED")
GUESTS_ON_A_JWT_ROUTE = {
    "guest-link": NO_JWT,
    "another-guest-link": NO_JWT,
    "no-token": NO_JWT,
    "bad-token": NO_JWT,
}
PROFESSIONAL_ONLY = {
    "another-professional": MISSING,
    "the-client": MISSING,
    "another-client": MISSING,
    **GUESTS_ON_A_JWT_ROUTE,
}

# route -> caller -> (status, error code or None)
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    "POST /api/appointments/{id}/review": {
        "owner": MISSING,  # a professional never reviews their own session
        "another-professional": MISSING,
        "the-client": (201, None),
        "another-client": MISSING,
        **GUESTS_ON_A_JWT_ROUTE,
    },
    # A sign-in is no guest link: without the link's token in the body, 401.
    "POST /api/guest/appointments/{id}/review": {
        "owner": NO_GUEST,
        "another-professional": NO_GUEST,
        "the-client": NO_GUEST,
        "another-client": NO_GUEST,
        "guest-link": (201, None),
        "another-guest-link": NO_GUEST,
        "no-token": NO_GUEST,
        "bad-token": NO_GUEST,
    },
    "GET /api/reviews": {
        "owner": (200, None),
        "another-professional": (200, None),  # their own reviews: none of the owner's
        "the-client": MISSING,
        "another-client": MISSING,
        **GUESTS_ON_A_JWT_ROUTE,
    },
    "POST /api/reviews/{id}/reply": {"owner": (201, None), **PROFESSIONAL_ONLY},
    "PATCH /api/reviews/{id}": {"owner": (200, None), **PROFESSIONAL_ONLY},
}
RESPONSE_MODELS: dict[str, type[BaseModel]] = {
    "POST /api/appointments/{id}/review": ClientReviewOut,
    "POST /api/guest/appointments/{id}/review": ClientReviewOut,
    "GET /api/reviews": ReviewPage,
    "POST /api/reviews/{id}/reply": ProfessionalReviewOut,
    "PATCH /api/reviews/{id}": ProfessionalReviewOut,
}


def test_the_matrix_names_every_route_and_caller() -> None:
    assert set(EXPECTED) == set(ROUTES)
    for route in ROUTES:
        assert set(EXPECTED[route]) == set(CALLERS), route


def _forged_guest_token(stack: LocalStack, appointment: uuid.UUID) -> str:
    payload, signature = guest_token(stack, appointment).split(".")
    return f"{payload}.{('A' if signature[0] != 'A' else 'B') + signature[1:]}"


def _caller(
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    visit: Session,
    caller: str,
) -> tuple[dict[str, str], dict[str, Any]]:
    """The caller's headers, and what they put in a guest route's body."""
    if caller == "owner":
        return bearer(stack, visit.pro.user_id), {}
    if caller == "another-professional":
        return bearer(stack, new_professional(make_professional).user_id), {}
    if caller == "the-client":
        return bearer(stack, visit.client_user), {}
    if caller == "another-client":
        other = new_client_user()
        register(db, other, phone=new_phone())
        return bearer(stack, other), {}
    if caller == "guest-link":
        link = guest_token(stack, visit.appointment)
        return {"authorization": f"Bearer {link}"}, {"token": link}
    if caller == "another-guest-link":
        link = guest_token(stack, uuid.uuid4())
        return {"authorization": f"Bearer {link}"}, {"token": link}
    if caller == "no-token":
        return {}, {}
    assert caller == "bad-token"
    forged = _forged_guest_token(stack, visit.appointment)
    return forged_bearer(stack, visit.client_user), {"token": forged}


def _reviewed(stack: LocalStack, api: str, visit: Session) -> str:
    answer = requests.post(
        f"{api}/api/appointments/{visit.appointment}/review",
        json={"rating": 4, "comment": "Bom."},
        headers=bearer(stack, visit.client_user),
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    review_id: str = answer.json()["id"]
    return review_id


def _call(
    api: str, route: str, visit: Session, review_id: str | None
) -> Callable[[dict[str, str], dict[str, Any]], requests.Response]:
    def send(headers: dict[str, str], guest: dict[str, Any]) -> requests.Response:
        if route == "POST /api/appointments/{id}/review":
            url = f"{api}/api/appointments/{visit.appointment}/review"
            return requests.post(url, json={"rating": 5}, headers=headers, timeout=30)
        if route == "POST /api/guest/appointments/{id}/review":
            url = f"{api}/api/guest/appointments/{visit.appointment}/review"
            body = {**guest, "rating": 5}
            return requests.post(url, json=body, headers=headers, timeout=30)
        if route == "GET /api/reviews":
            return requests.get(f"{api}/api/reviews", headers=headers, timeout=30)
        if route == "POST /api/reviews/{id}/reply":
            url = f"{api}/api/reviews/{review_id}/reply"
            return requests.post(url, json={"text": "Obrigada"}, headers=headers, timeout=30)
        url = f"{api}/api/reviews/{review_id}"
        body = {"hidden": True, "reason": "Fora do tema"}
        return requests.patch(url, json=body, headers=headers, timeout=30)

    return send


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_gets_the_answer_of_the_matrix_and_a_refusal_changes_nothing(
    stack: LocalStack,
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    route: str,
    caller: str,
) -> None:
    visit = session(db, make_professional)
    writes_a_review = route.endswith("/review")
    review_id = None if writes_a_review else _reviewed(stack, api, visit)
    headers, guest = _caller(stack, db, make_professional, visit, caller)
    before = state(db, visit.pro.id)

    answer = _call(api, route, visit, review_id)(headers, guest)

    expected = EXPECTED[route][caller]
    assert_matrix_answer(answer, expected)
    if answer.status_code != 401 or expected[1] is not None:
        assert answer.headers.get("Cache-Control") == "no-store"
    if expected[0] >= 400:
        assert state(db, visit.pro.id) == before
        if writes_a_review:
            assert review_rows(db, visit.appointment) == []
        return
    RESPONSE_MODELS[route].model_validate(answer.json())
    if route == "GET /api/reviews":
        ids = [item["id"] for item in answer.json()["items"]]
        assert (review_id in ids) is (caller == "owner")
        assert state(db, visit.pro.id) == before
    elif writes_a_review:
        assert len(review_rows(db, visit.appointment)) == 1
    else:
        assert state(db, visit.pro.id) != before
