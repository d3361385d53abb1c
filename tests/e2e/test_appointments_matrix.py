"""Who may do what, over HTTP: every action against every kind of caller, and every
(state, action) pair through the real handler and database. The row changes only when allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.domain.lifecycle import ACTIONS, CLIENT_ACTIONS, STATUSES
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    assert_matrix_answer,
    bearer,
    changes,
    forged_bearer,
    guest_post,
    guest_token,
    new_professional,
    patch,
    queued,
    snapshot,
)
from tests.conftest import MakeProfessional, next_weekday
from tests.unit.test_lifecycle import BUMPS, PROFESSIONAL_STARTED

pytestmark = pytest.mark.e2e

CALLERS = (
    "professional-owner",
    "other-professional",
    "the-client",
    "another-client",
    "guest-token",
    "guest-token-of-another-appointment",
    "no-credentials",
)
OK = (200, None)
NOT_FOUND = (404, "NOT_FOUND")
FORBIDDEN = (403, "FORBIDDEN")
GUEST_REFUSED = (401, "UNAUTHORIZED")  # the guest route's own answer to a token not for it
NO_JWT = (401, None)  # the JWT authorizer's answer, {"message": "Unauthorized"}


def expected(action: str, caller: str) -> tuple[int, str | None]:
    client_may = action in CLIENT_ACTIONS
    return {
        "professional-owner": OK,
        "other-professional": NOT_FOUND,
        "the-client": OK if client_may else FORBIDDEN,
        "another-client": NOT_FOUND,
        # A guest link only reaches the guest routes, which cancel and reschedule; a guest
        # token is no JWT, so the PATCH route's authorizer refuses it.
        "guest-token": OK if client_may else NO_JWT,
        "guest-token-of-another-appointment": GUEST_REFUSED if client_may else NO_JWT,
        "no-credentials": NO_JWT,
    }[caller]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_authorization_matrix(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    action: str,
    caller: str,
) -> None:
    pro = new_professional(make_professional)
    other_pro = new_professional(make_professional)
    client_user, other_user = f"client-of-{pro.slug}", f"other-client-of-{pro.slug}"
    client = add_client(db, pro, user_id=client_user)
    other_client = add_client(db, pro, user_id=other_user, name="Outra Pessoa")
    day = next_weekday(2, after_days=3)
    # A state in which the action is legal, so only who asks decides the answer.
    if action in ("confirm", "reject"):
        starts, status = pro.at(day, "09:00"), "pending_confirmation"
    elif action in ("complete", "no_show"):
        starts, status = datetime.now(UTC) - timedelta(hours=1), "confirmed"
    else:
        starts, status = pro.at(day, "09:00"), "confirmed"
    appointment = add_appointment(db, pro, client, starts, status=status)
    elsewhere = add_appointment(db, pro, other_client, pro.at(day, "16:30"))
    body: dict[str, Any] = {"action": action}
    if action == "reschedule":
        body["startsAt"] = pro.at(day, "14:00").isoformat()
    before = snapshot(db, appointment)

    if caller in ("guest-token", "guest-token-of-another-appointment"):
        token = guest_token(stack, appointment if caller == "guest-token" else elsewhere)
        if action in CLIENT_ACTIONS:
            guest_body = {
                "token": token,
                **({"startsAt": body["startsAt"]} if "startsAt" in body else {}),
            }
            answer = guest_post(api, appointment, action, guest_body)
        else:
            answer = patch(api, appointment, body, {"authorization": f"Bearer {token}"})
    else:
        headers = {
            "professional-owner": bearer(stack, f"user-{pro.slug}"),
            "other-professional": bearer(stack, f"user-{other_pro.slug}"),
            "the-client": bearer(stack, client_user),
            "another-client": bearer(stack, other_user),
            "no-credentials": {},
        }[caller]
        answer = patch(api, appointment, body, headers)

    status_code, code = expected(action, caller)
    assert answer.status_code == status_code, answer.text
    if code is not None:
        assert answer.json()["error"]["code"] == code
    elif status_code == 401:
        assert answer.json() == {"message": "Unauthorized"}

    after = snapshot(db, appointment)
    audit = changes(db, appointment)
    if status_code == 200:
        assert after != before
        [record] = audit
        assert record["action"] == action
        assert (
            record["actor_role"]
            == {
                "professional-owner": "professional",
                "the-client": "client",
                "guest-token": "guest",
            }[caller]
        )
    else:
        assert after == before
        assert audit == []
        assert queued(db, appointment) == []
    assert changes(db, elsewhere) == []


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", STATUSES)
def test_every_state_and_action_through_the_api(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    status: str,
    action: str,
) -> None:
    """The professional, on a session that started ten minutes ago: every legal transition is
    open to them then (complete and no_show included), so the status alone decides."""
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    appointment = add_appointment(
        db, pro, client, datetime.now(UTC) - timedelta(minutes=10), status=status
    )
    body: dict[str, Any] = {"action": action}
    if action == "reschedule":
        body["startsAt"] = pro.at(next_weekday(3, after_days=3), "09:00").isoformat()
    before = snapshot(db, appointment)
    answer = patch(api, appointment, body, bearer(stack, f"user-{pro.slug}"))
    target = PROFESSIONAL_STARTED[status][action]
    after = snapshot(db, appointment)
    if target is None:
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["code"] == "INVALID_TRANSITION"
        assert after == before
        assert changes(db, appointment) == []
        return
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == after["status"] == target
    assert after["payment_status"] == ("paid" if action == "paid" else "none")
    assert after["sequence"] == before["sequence"] + (1 if (status, action) in BUMPS else 0)
    assert len(changes(db, appointment)) == 1


# POST /api/appointments (booking by hand) for each caller, with the owner's client: only the
# owner books; another professional does not find the client; a sign-in without a professional
# account is refused as the dashboard refuses it.
BOOKING_CALLERS = {
    "professional-owner": (201, None),
    "other-professional": NOT_FOUND,
    "the-client": FORBIDDEN,
    "guest-token": NO_JWT,
    "no-credentials": NO_JWT,
    "forged-token": NO_JWT,
}


def _written(db: pg8000.native.Connection, *professional_ids: object) -> list[tuple[Any, ...]]:
    """What a booking could write for these professionals: appointments, clients, messages."""
    return [
        tuple(
            db.run(
                "SELECT (SELECT count(*) FROM appointments WHERE professional_id = :p),"
                " (SELECT count(*) FROM clients WHERE professional_id = :p),"
                " (SELECT count(*) FROM client_changes WHERE professional_id = :p),"
                " (SELECT count(*) FROM notification_outbox WHERE professional_id = :p)",
                p=pid,
            )[0]
        )
        for pid in professional_ids
    ]


@pytest.mark.parametrize("caller", BOOKING_CALLERS)
@pytest.mark.parametrize("client_by", ["id", "details"])
def test_booking_by_hand_authorization_matrix(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    caller: str,
    client_by: str,
) -> None:
    pro = new_professional(make_professional)
    other_pro = new_professional(make_professional)
    client_user = f"client-of-{pro.slug}"
    client = add_client(db, pro, user_id=client_user)
    starts = pro.at(next_weekday(2, after_days=3), "09:00").isoformat()
    body: dict[str, Any] = (
        {"clientId": str(client), "startsAt": starts}
        if client_by == "id"
        else {"client": {"name": "Nova Pessoa", "phone": "+5521987650000"}, "startsAt": starts}
    )
    elsewhere = add_appointment(db, pro, client, pro.at(next_weekday(3, after_days=3), "09:00"))
    headers = {
        "professional-owner": bearer(stack, f"user-{pro.slug}"),
        "other-professional": bearer(stack, f"user-{other_pro.slug}"),
        "the-client": bearer(stack, client_user),
        "guest-token": {"authorization": f"Bearer {guest_token(stack, elsewhere)}"},
        "no-credentials": {},
        "forged-token": forged_bearer(stack, f"user-{pro.slug}"),
    }[caller]
    expected_answer = BOOKING_CALLERS[caller]
    if caller == "other-professional" and client_by == "details":
        # Details are matched among the caller's own clients: a client of theirs is booked.
        expected_answer = (201, None)
    before = _written(db, pro.id, other_pro.id)
    answer = requests.post(f"{api}/api/appointments", json=body, headers=headers, timeout=30)
    assert_matrix_answer(answer, expected_answer)
    after = _written(db, pro.id, other_pro.id)
    if answer.status_code == 201:
        booked_for = pro if caller == "professional-owner" else other_pro
        [appointment] = db.run(
            "SELECT id FROM appointments WHERE id = :a AND professional_id = :p",
            a=answer.json()["id"],
            p=booked_for.id,
        )
        assert appointment
        assert after != before
    else:
        assert after == before
    assert changes(db, elsewhere) == []


def test_the_authorizer_refuses_a_guest_token_without_calling_the_function(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    appointment = add_appointment(
        db, pro, add_client(db, pro), pro.at(next_weekday(2, after_days=3), "09:00")
    )
    token = guest_token(stack, appointment)
    answer = requests.get(
        f"{api}/api/appointments", headers={"authorization": f"Bearer {token}"}, timeout=30
    )
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized"}
