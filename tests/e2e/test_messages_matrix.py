"""Who may read and write a thread, over HTTP: every messages route against every kind of
caller (the professional who owns the client row, another professional, the client signed in
with the account that claimed the row, another client, the guest link of this client's
appointment and of another client's, no token, a forged token). A refused call answers the
contract's code and writes nothing: no message, no notice, no outgoing message, nothing
marked read."""

from __future__ import annotations

from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import MessageOut, MessageThread
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    NO_JWT,
    add_appointment,
    assert_matrix_answer,
    bearer,
    forged_bearer,
    guest_token,
    new_professional,
)
from tests.client_profile_helpers import client_row, new_client_user, new_phone, register
from tests.conftest import MakeProfessional, next_weekday, rows
from tests.message_helpers import guest_read, guest_write, new_thread, read, write

pytestmark = pytest.mark.e2e

ROUTES = (
    "GET /api/messages",
    "POST /api/messages",
    "GET /api/guest/appointments/{id}/messages",
    "POST /api/guest/appointments/{id}/messages",
)
CALLERS = (
    "owner-professional",
    "other-professional",
    "the-client",
    "another-client",
    "guest-token",
    "guest-token-of-another-client",
    "no-token",
    "bad-token",
)
NOT_FOUND = (404, "NOT_FOUND")
GUEST_REFUSED = (401, "UNAUTHORIZED")  # the guest routes' own answer to a token not for them

# route -> caller -> (status, error code or None); a caller not named gets the JWT
# authorizer's own 401.
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    "GET /api/messages": {
        "owner-professional": (200, None),
        "other-professional": NOT_FOUND,
        "the-client": (200, None),
        "another-client": NOT_FOUND,
    },
    "POST /api/messages": {
        "owner-professional": (201, None),
        "other-professional": NOT_FOUND,
        "the-client": (201, None),
        "another-client": NOT_FOUND,
    },
    # No authorizer: a JWT is no guest link, so every caller without this appointment's token
    # is refused by the route itself.
    "GET /api/guest/appointments/{id}/messages": {
        caller: GUEST_REFUSED for caller in CALLERS if caller != "guest-token"
    }
    | {"guest-token": (200, None)},
    "POST /api/guest/appointments/{id}/messages": {
        caller: GUEST_REFUSED for caller in CALLERS if caller != "guest-token"
    }
    | {"guest-token": (201, None)},
}


def written(db: pg8000.native.Connection, client_ids: list[Any]) -> dict[str, Any]:
    """Everything a call could write about these clients' threads."""
    return {
        "messages": rows(
            db,
            "SELECT id, sender, body, read_at FROM messages WHERE client_id = ANY(:c) ORDER BY id",
            c=client_ids,
        ),
        "notices": rows(
            db,
            "SELECT id FROM notifications WHERE client_id = ANY(:c) ORDER BY id",
            c=client_ids,
        ),
        "outbox": rows(
            db,
            "SELECT message_key FROM notification_outbox"
            " WHERE split_part(message_key, ':', 1) IN"
            " (SELECT CAST(id AS text) FROM messages WHERE client_id = ANY(:c))"
            " ORDER BY message_key",
            c=client_ids,
        ),
    }


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
    thread = new_thread(db, stack, make_professional)
    other_pro = new_professional(make_professional)
    other_user, other_phone = new_client_user(), new_phone()
    register(db, other_user, phone=other_phone, name="Outra Pessoa")
    other_client = client_row(
        db, thread.pro, phone=other_phone, user_id=other_user, name="Outra Pessoa"
    )
    other_appointment = add_appointment(
        db, thread.pro, other_client, thread.pro.at(next_weekday(3, after_days=3), "10:00")
    )
    # Unread messages both ways, so a refused read that marked anything would show.
    for sender in ("professional", "client"):
        for client_id in (thread.client_id, other_client):
            db.run(
                "INSERT INTO messages (professional_id, client_id, sender, body)"
                " VALUES (:p, :c, :s, 'antes')",
                p=thread.pro.id,
                c=client_id,
                s=sender,
            )
    before = written(db, [thread.client_id, other_client])
    others_before = written(db, [other_client])

    headers = {
        "owner-professional": bearer(stack, thread.pro.user_id),
        "other-professional": bearer(stack, other_pro.user_id),
        "the-client": bearer(stack, thread.client_user),
        "another-client": bearer(stack, other_user),
        "no-token": {},
        "bad-token": forged_bearer(stack, thread.client_user),
    }
    tokens = {
        "guest-token": thread.token,
        "guest-token-of-another-client": guest_token(stack, other_appointment),
        # A guest link whose signature was altered.
        "bad-token": thread.token[:-2] + ("AA" if not thread.token.endswith("AA") else "BB"),
    }
    token = tokens.get(caller)
    jwt = headers.get(caller, {})
    if caller in tokens and caller != "bad-token":
        # A guest link's token sent where a JWT goes is no JWT.
        jwt = {"authorization": f"Bearer {token}"}

    text = f"from {caller}"
    if route == "GET /api/messages":
        answer = read(api, jwt, thread.client_id)
    elif route == "POST /api/messages":
        answer = write(api, jwt, {"clientId": str(thread.client_id), "text": text})
    elif route.startswith("GET"):
        answer = requests.get(
            f"{api}/api/guest/appointments/{thread.appointment}/messages",
            params={"token": token} if token else {},
            headers=jwt,
            timeout=30,
        )
    else:
        body = {"text": text, **({"token": token} if token else {})}
        answer = requests.post(
            f"{api}/api/guest/appointments/{thread.appointment}/messages",
            json=body,
            headers=jwt,
            timeout=30,
        )

    expected = EXPECTED[route].get(caller, NO_JWT)
    assert_matrix_answer(answer, expected)
    status = expected[0]
    after = written(db, [thread.client_id, other_client])
    # The other client's thread is untouched, whoever asked.
    assert written(db, [other_client]) == others_before
    if status >= 400:
        assert after == before
        if expected != NO_JWT:  # the authorizer's own answer never reached the function
            assert answer.headers["cache-control"] == "no-store"
        return

    assert answer.headers["cache-control"] == "no-store"
    if status == 200:
        body = answer.json()
        MessageThread.model_validate(body)
        assert body["clientId"] == str(thread.client_id)
        # Only this thread's messages, and only the other side's were marked read.
        assert [item["text"] for item in body["items"]] == ["antes", "antes"]
        reader = "professional" if caller == "owner-professional" else "client"
        assert body["unreadCount"] == 1
        marked = [m for m in after["messages"] if m["read_at"] is not None]
        assert [m["sender"] for m in marked] == [
            "client" if reader == "professional" else "professional"
        ]
        assert "Outra Pessoa" not in answer.text
    else:
        body = answer.json()
        MessageOut.model_validate(body)
        assert body["sender"] == ("professional" if caller == "owner-professional" else "client")
        new = [m for m in after["messages"] if m not in before["messages"]]
        assert [(m["body"], m["sender"]) for m in new] == [(text, body["sender"])]
        assert len(after["notices"]) == len(before["notices"]) + 1
        assert len(after["outbox"]) == 2  # WhatsApp and email to the other side


def test_a_professional_who_is_their_own_client_reads_as_the_professional(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    thread = new_thread(db, stack, make_professional)
    db.run(
        "UPDATE clients SET user_id = :u WHERE id = :c", u=thread.pro.user_id, c=thread.client_id
    )
    answer = write(
        api, bearer(stack, thread.pro.user_id), {"clientId": str(thread.client_id), "text": "eu"}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["sender"] == "professional"
    # The account that claimed the row before no longer reaches it.
    assert read(api, bearer(stack, thread.client_user), thread.client_id).status_code == 404
    assert guest_read(api, thread.appointment, thread.token).status_code == 200
    assert (
        guest_write(api, thread.appointment, {"token": thread.token, "text": "x"}).status_code
        == 201
    )
