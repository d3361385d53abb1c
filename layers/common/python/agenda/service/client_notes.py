"""/api/clients/{id}/notes (docs/client-relationship.md, "Private notes"): the signed-in
professional's private notes about one of their clients.

Only the professional who owns the client reaches a note: each store call finds the client
among the caller's own in the statement that reads or writes the note, and anything else
(another professional's client, a note of another client, a client's own sign-in, an id that
is not a UUID) is the same 404 as a note that does not exist.

A note is never logged. Nothing here logs, a refusal names the field and never quotes it, and
the text is checked before it is written, so the table's CHECK (whose error detail would
carry the row) is never what refuses it. Writes count against the ``notes`` rate limit per
sign-in; reads do not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agenda.domain.client_notes import parse_notes_query
from agenda.domain.errors import NotFound, ValidationFailed, known_id
from agenda.pagination import encode_cursor

if TYPE_CHECKING:
    from agenda.service.ports import ClientNoteStores, RateLimiter, UnitOfWork
    from agenda.service.records import ClientNote

NO_CLIENT = "We could not find this client"
NO_NOTE = "We could not find this note"


@dataclass(frozen=True, slots=True)
class ClientNotesDependencies:
    uow: UnitOfWork[ClientNoteStores]
    limiter: RateLimiter


def note_document(note: ClientNote) -> dict[str, Any]:
    return {
        "id": str(note.id),
        "text": note.text,
        "createdAt": note.created_at.isoformat(),
        "updatedAt": note.updated_at.isoformat(),
    }


def _text(body: dict[str, Any]) -> str:
    from agenda.contract import NoteIn, validate

    try:
        return validate(NoteIn, body).text
    except ValidationFailed as refusal:
        # Raised afresh without its cause: pydantic's own error keeps the input, and a
        # traceback that printed it would print the note.
        raise ValidationFailed(refusal.message, fields=refusal.fields) from None


def list_notes(
    deps: ClientNotesDependencies,
    client_id: str,
    params: Mapping[str, str] | None,
    *,
    user_id: str,
) -> dict[str, Any]:
    """GET /api/clients/{id}/notes[?cursor=&limit=]: newest first."""
    query = parse_notes_query(params)
    client = known_id(client_id, NO_CLIENT)
    found = deps.uow.read(
        lambda stores: stores.client_notes.page(
            user_id, client, after=query.after, limit=query.limit + 1
        )
    )
    if found is None:
        raise NotFound(NO_CLIENT)
    page, more = found[: query.limit], len(found) > query.limit
    return {
        "items": [note_document(note) for note in page],
        "nextCursor": encode_cursor(page[-1].created_at, page[-1].id) if more else None,
    }


def add_note(
    deps: ClientNotesDependencies, client_id: str, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """POST /api/clients/{id}/notes: the note written (201)."""
    deps.limiter.check(user_id)
    client = known_id(client_id, NO_CLIENT)
    text = _text(body)
    note = deps.uow.run_one(lambda stores: stores.client_notes.add(user_id, client, text))
    if note is None:
        raise NotFound(NO_CLIENT)
    return note_document(note)


def change_note(
    deps: ClientNotesDependencies,
    client_id: str,
    note_id: str,
    body: dict[str, Any],
    *,
    user_id: str,
) -> dict[str, Any]:
    """PATCH /api/clients/{id}/notes/{noteId}: the note with its new text."""
    deps.limiter.check(user_id)
    client, note_key = known_id(client_id, NO_NOTE), known_id(note_id, NO_NOTE)
    text = _text(body)
    note = deps.uow.run_one(
        lambda stores: stores.client_notes.change(user_id, client, note_key, text)
    )
    if note is None:
        raise NotFound(NO_NOTE)
    return note_document(note)


def delete_note(
    deps: ClientNotesDependencies, client_id: str, note_id: str, *, user_id: str
) -> None:
    """DELETE /api/clients/{id}/notes/{noteId}: gone (204); a note already gone is 404."""
    deps.limiter.check(user_id)
    client, note_key = known_id(client_id, NO_NOTE), known_id(note_id, NO_NOTE)
    if not deps.uow.run_one(lambda stores: stores.client_notes.delete(user_id, client, note_key)):
        raise NotFound(NO_NOTE)
