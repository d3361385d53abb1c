"""A professional's private notes about a client (docs/client-relationship.md, "Private notes").

A note is a record of a session: its lines are kept as written (tabs and line breaks), the
whitespace around it is trimmed, and it must hold something visible. Every other control
character is refused, and so is a lone surrogate, which JSON can carry (``"\\ud800"``) but no
UTF-8 text can: refused here, it never reaches the database as an encoding error.

The rule's messages name the problem and never quote the text: a refusal's ``fields`` are
answered to the caller and may be logged by whoever reads them, and a note is the most private
data the product holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from agenda.domain.errors import ValidationFailed
from agenda.pagination import MAX_LIMIT, page_of

NOTE_MAX_LENGTH = 10_000  # characters; the table's CHECK (migration 0018) says the same
NOTES_DEFAULT_LIMIT = 25
NOTES_MAX_LIMIT = MAX_LIMIT
# The largest body a note's write reads: every character of a full note escaped as JSON's
# \uXXXX pair of a character outside the BMP (12 bytes), with room for the key. A note never
# fails for its encoding; anything larger is 413.
NOTE_BODY_BYTES = NOTE_MAX_LENGTH * 12 + 1024

_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

CONTROL_CHARACTERS = "must not contain control characters"
BLANK = "must not be blank"


def clean_note(text: str) -> str:
    """The note as stored: trimmed, lines kept. ValueError (a message without the text) when
    it is blank or holds a refused character."""
    if _REFUSED.search(text):
        raise ValueError(CONTROL_CHARACTERS)
    text = text.strip()
    if not text:
        raise ValueError(BLANK)
    return text


@dataclass(frozen=True, slots=True)
class NotesQuery:
    limit: int
    after: tuple[datetime, UUID] | None


def parse_notes_query(params: Mapping[str, str] | None) -> NotesQuery:
    """GET /api/clients/{id}/notes' query string (contract.NotesQuery states the same rules);
    every bad parameter is named at once."""
    fields: dict[str, str] = {}
    limit, after = page_of(params or {}, fields, default=NOTES_DEFAULT_LIMIT)
    if fields:
        raise ValidationFailed("The query is invalid", fields=fields)
    return NotesQuery(limit, after)
