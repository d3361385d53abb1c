"""The messages function starts light: a fresh interpreter that imports its handler has loaded
nothing heavy, and its first read of a thread (signed in, or through the guest link) is
answered without pydantic, boto3, upstash or the message catalogue. A first write loads what
it needs on the way and is answered too."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional
from tests.integration.test_appointments_cold_start import cold_invoke, first_get, sample
from tests.message_helpers import new_thread

pytestmark = pytest.mark.integration


def _guest(event: dict[str, Any], appointment: uuid.UUID) -> dict[str, Any]:
    path = f"/api/guest/appointments/{appointment}/messages"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"id": str(appointment)}
    return event


def test_the_first_reads_load_nothing_heavy(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    thread = new_thread(db, stack, make_professional)
    db.run(
        "INSERT INTO messages (professional_id, client_id, sender, body)"
        " VALUES (:p, :c, 'client', 'oi')",
        p=thread.pro.id,
        c=thread.client_id,
    )

    signed_in = sample("messages/read_thread.json")
    signed_in["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = thread.pro.user_id
    signed_in["queryStringParameters"] = {"clientId": str(thread.client_id)}
    signed_in["rawQueryString"] = f"clientId={thread.client_id}"
    assert first_get(stack, "messages", signed_in) == {"status": 200, "heavy": []}

    guest = _guest(sample("messages/read_guest_thread.json"), thread.appointment)
    guest["queryStringParameters"] = {"token": thread.token}
    guest["rawQueryString"] = f"token={thread.token}"
    run = cold_invoke(stack, "messages", guest)
    assert run["atImport"] == []
    assert run["heavy"] == []
    answer = run["answer"]
    assert answer["statusCode"] == 200
    assert answer["headers"]["Cache-Control"] == "no-store"
    assert [item["text"] for item in json.loads(answer["body"])["items"]] == ["oi"]


def test_the_first_write_is_answered(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    thread = new_thread(db, stack, make_professional)
    event = _guest(sample("messages/send_guest_message.json"), thread.appointment)
    event["body"] = json.dumps({"token": thread.token, "text": "primeira"})
    run = cold_invoke(stack, "messages", event)
    assert run["atImport"] == []
    answer = run["answer"]
    assert answer["statusCode"] == 201, answer
    assert json.loads(answer["body"])["text"] == "primeira"
    [row] = db.run("SELECT body FROM messages WHERE client_id = :c", c=thread.client_id)
    assert row == ["primeira"]
