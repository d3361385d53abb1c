"""Who may do what with a client's private notes, over HTTP: every notes route against every
kind of caller (the professional who owns the client, another professional, the registered
client the notes are about, no token, a bad token). Only the owner reaches a note; every
refusal is the same 404 as a missing note (or the authorizer's 401), says nothing of the note
and changes nothing."""

from __future__ import annotations

import pg8000.native
import pytest
import requests

from agenda.contract import NoteOut, NotePage
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    NO_JWT,
    add_appointment,
    assert_matrix_answer,
    bearer,
    forged_bearer,
    new_professional,
)
from tests.client_notes_helpers import (
    add_note,
    change_note,
    delete_note,
    list_notes,
    stored_notes,
    write_note,
)
from tests.client_profile_helpers import client_row, new_client_user, new_phone, register
from tests.conftest import MakeProfessional, next_weekday

pytestmark = pytest.mark.e2e

ROUTES = (
    "GET /api/clients/{id}/notes",
    "POST /api/clients/{id}/notes",
    "PATCH /api/clients/{id}/notes/{noteId}",
    "DELETE /api/clients/{id}/notes/{noteId}",
)
CALLERS = ("owner", "another-professional", "the-client", "no-token", "bad-token")
NOT_FOUND = (404, "NOT_FOUND")

# route -> caller -> (status, error code or None); a caller not named gets the authorizer's 401.
EXPECTED: dict[str, dict[str, tuple[int, str | None]]] = {
    "GET /api/clients/{id}/notes": {
        "owner": (200, None),
        "another-professional": NOT_FOUND,
        "the-client": NOT_FOUND,
    },
    "POST /api/clients/{id}/notes": {
        "owner": (201, None),
        "another-professional": NOT_FOUND,
        "the-client": NOT_FOUND,
    },
    "PATCH /api/clients/{id}/notes/{noteId}": {
        "owner": (200, None),
        "another-professional": NOT_FOUND,
        "the-client": NOT_FOUND,
    },
    "DELETE /api/clients/{id}/notes/{noteId}": {
        "owner": (204, None),
        "another-professional": NOT_FOUND,
        "the-client": NOT_FOUND,
    },
}
SECRET = "Sessão: a cliente relatou um segredo (matriz)"


def call(
    api: str, route: str, headers: dict[str, str], client_id: object, note_id: object
) -> requests.Response:
    method = route.split()[0]
    if method == "GET":
        return list_notes(api, headers, str(client_id))
    if method == "POST":
        return add_note(api, headers, str(client_id), {"text": "nova nota"})
    if method == "PATCH":
        return change_note(api, headers, str(client_id), str(note_id), {"text": "trocada"})
    return delete_note(api, headers, str(client_id), str(note_id))


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
    elsewhere = new_professional(make_professional)
    client_user, phone = new_client_user(), new_phone()
    register(db, client_user, phone=phone)
    client = client_row(db, pro, phone=phone, user_id=client_user)
    # The client is another professional's client too, with notes of that professional's.
    theirs = client_row(db, elsewhere, phone=phone, user_id=client_user)
    add_appointment(db, pro, client, pro.at(next_weekday(2, after_days=4), "09:00"))
    note = write_note(db, pro.id, client, SECRET)
    write_note(db, elsewhere.id, theirs, "a nota da outra profissional")
    before = stored_notes(db, client)
    before_theirs = stored_notes(db, theirs)

    headers = {
        "owner": bearer(stack, pro.user_id),
        "another-professional": bearer(stack, elsewhere.user_id),
        "the-client": bearer(stack, client_user),
        "no-token": {},
        "bad-token": forged_bearer(stack, pro.user_id),
    }[caller]
    answer = call(api, route, headers, client, note)

    expected = EXPECTED[route].get(caller, NO_JWT)
    assert_matrix_answer(answer, expected)
    assert answer.status_code == 401 or answer.headers["cache-control"] == "no-store"
    method = route.split()[0]
    if caller != "owner":
        assert SECRET not in answer.text
        assert stored_notes(db, client) == before
    elif method == "GET":
        page = answer.json()
        NotePage.model_validate(page)
        assert [item["text"] for item in page["items"]] == [SECRET]
    elif method == "POST":
        NoteOut.model_validate(answer.json())
        assert [row["body"] for row in stored_notes(db, client)] == [SECRET, "nova nota"]
    elif method == "PATCH":
        assert answer.json()["text"] == "trocada"
        assert [row["body"] for row in stored_notes(db, client)] == ["trocada"]
    else:
        assert stored_notes(db, client) == []
    # Another professional's notes about the same person are never touched by anyone here.
    assert stored_notes(db, theirs) == before_theirs


@pytest.mark.parametrize("route", ROUTES[2:])
def test_a_note_is_reached_only_through_its_own_client(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    route: str,
) -> None:
    """The owner's note under another of the owner's clients' ids, and another professional's
    note under the owner's client: both 404, both unchanged."""
    pro, elsewhere = new_professional(make_professional), new_professional(make_professional)
    first, second = client_row(db, pro, phone=new_phone()), client_row(db, pro, phone=new_phone())
    foreign = client_row(db, elsewhere, phone=new_phone())
    note = write_note(db, pro.id, first, SECRET)
    foreign_note = write_note(db, elsewhere.id, foreign, "alheia")
    headers = bearer(stack, pro.user_id)
    for client_id, note_id in ((second, note), (first, foreign_note), (foreign, foreign_note)):
        assert_matrix_answer(call(api, route, headers, client_id, note_id), NOT_FOUND)
    assert [row["body"] for row in stored_notes(db, first)] == [SECRET]
    assert [row["body"] for row in stored_notes(db, foreign)] == ["alheia"]
    assert stored_notes(db, second) == []
