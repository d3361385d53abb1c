"""Helpers of the private notes tests: the four routes over HTTP, and the notes as stored."""

from __future__ import annotations

import uuid
from typing import Any

import pg8000.native
import requests

from tests.conftest import rows


def notes_url(api: str, client_id: uuid.UUID | str, note_id: uuid.UUID | str | None = None) -> str:
    url = f"{api}/api/clients/{client_id}/notes"
    return url if note_id is None else f"{url}/{note_id}"


def list_notes(
    api: str, headers: dict[str, str], client_id: uuid.UUID | str, **params: str
) -> requests.Response:
    return requests.get(notes_url(api, client_id), params=params, headers=headers, timeout=30)


def add_note(
    api: str, headers: dict[str, str], client_id: uuid.UUID | str, body: object
) -> requests.Response:
    return requests.post(notes_url(api, client_id), json=body, headers=headers, timeout=30)


def change_note(
    api: str,
    headers: dict[str, str],
    client_id: uuid.UUID | str,
    note_id: uuid.UUID | str,
    body: object,
) -> requests.Response:
    return requests.patch(
        notes_url(api, client_id, note_id), json=body, headers=headers, timeout=30
    )


def delete_note(
    api: str, headers: dict[str, str], client_id: uuid.UUID | str, note_id: uuid.UUID | str
) -> requests.Response:
    return requests.delete(notes_url(api, client_id, note_id), headers=headers, timeout=30)


def stored_notes(db: pg8000.native.Connection, client_id: uuid.UUID) -> list[dict[str, Any]]:
    """The client's notes as the table holds them, oldest first."""
    return rows(
        db,
        "SELECT id, professional_id, client_id, body, created_at, updated_at FROM client_notes"
        " WHERE client_id = :c ORDER BY created_at, id",
        c=client_id,
    )


def write_note(
    db: pg8000.native.Connection, professional_id: uuid.UUID, client_id: uuid.UUID, body: str
) -> uuid.UUID:
    note_id: uuid.UUID = db.run(
        "INSERT INTO client_notes (professional_id, client_id, body) VALUES (:p, :c, :b)"
        " RETURNING id",
        p=professional_id,
        c=client_id,
        b=body,
    )[0][0]
    return note_id
