"""The notes function starts light: a fresh interpreter that imports its handler has loaded
neither pydantic, boto3, upstash nor the message catalogue, and answers its first list of
notes without them (a read is one statement, validated by the pure domain). Its first write
answers too, loading the contract then."""

from __future__ import annotations

import json
from typing import Any

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_client, new_professional
from tests.client_notes_helpers import stored_notes, write_note
from tests.conftest import MakeProfessional
from tests.integration.test_appointments_cold_start import cold_invoke, sample

pytestmark = pytest.mark.integration


def _aimed(name: str, pro_user: str, client: object, note: object | None = None) -> dict[str, Any]:
    event = sample(f"client_notes/{name}.json")
    path = f"/api/clients/{client}/notes" + (f"/{note}" if note is not None else "")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"id": str(client), **({"noteId": str(note)} if note else {})}
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = pro_user
    return event


def test_the_first_list_loads_nothing_heavy(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    write_note(db, pro.id, client, "nota fria")
    run = cold_invoke(stack, "client_notes", _aimed("list_notes", pro.user_id, client))
    assert run["atImport"] == []
    assert run["heavy"] == []
    answer = run["answer"]
    assert answer["statusCode"] == 200
    assert answer["headers"]["Cache-Control"] == "no-store"
    assert [item["text"] for item in json.loads(answer["body"])["items"]] == ["nota fria"]


def test_the_first_write_answers(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    run = cold_invoke(stack, "client_notes", _aimed("add_note", pro.user_id, client))
    assert run["atImport"] == []
    assert run["answer"]["statusCode"] == 201, run["answer"]
    assert "agenda.contract" in run["heavy"]  # validation is the write path's, loaded there
    assert [row["body"] for row in stored_notes(db, client)] == [
        json.loads(sample("client_notes/add_note.json")["body"])["text"]
    ]
