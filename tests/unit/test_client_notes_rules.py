"""A note's rules: what the contract documents (NOTE_PATTERN) is exactly what the validator
takes, lines are kept and the ends trimmed, and a refusal never quotes the note."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.contract import NOTE_PATTERN, NoteIn, NotesQuery, validate
from agenda.domain.client_notes import (
    NOTE_MAX_LENGTH,
    NOTES_DEFAULT_LIMIT,
    clean_note,
    parse_notes_query,
)
from agenda.domain.errors import ValidationFailed
from agenda.pagination import encode_cursor
from infra.openapi import build_document

pytestmark = pytest.mark.unit


@given(
    st.from_regex(NOTE_PATTERN, fullmatch=True).filter(lambda text: len(text) <= NOTE_MAX_LENGTH)
)
def test_every_documented_note_is_taken(text: str) -> None:
    assert validate(NoteIn, {"text": text}).text == text.strip()


@pytest.mark.parametrize(
    "text",
    ["", " ", "\n\t\r\n", "a\x00b", "a\x07b", "a\x0bb", "a\x0cb", "a\x1fb", "a\x7fb"],
)
def test_what_the_pattern_leaves_out_the_validator_refuses(text: str) -> None:
    """A lone surrogate is not among these: no Unicode text holds one, so a pattern has
    nothing to say of it; the validator refuses it (below, and over HTTP)."""
    import re

    assert re.fullmatch(NOTE_PATTERN, text) is None
    with pytest.raises(ValidationFailed) as refused:
        validate(NoteIn, {"text": text})
    assert set(refused.value.fields) == {"text"}


def test_lines_and_tabs_are_kept_and_the_ends_trimmed() -> None:
    assert clean_note("  \n linha 1\n\tlinha 2\r\n\n ") == "linha 1\n\tlinha 2"


@pytest.mark.parametrize(
    "text",
    [
        "SEGREDO" * 2000,  # too long
        "SEGREDO\x07",
        "SEGREDO\ud800",
    ],
)
def test_a_refusal_never_quotes_the_note(text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate(NoteIn, {"text": text})
    said = json.dumps([refused.value.message, refused.value.fields])
    assert "SEGREDO" not in said


def test_the_query_rules_are_the_documented_ones() -> None:
    assert parse_notes_query(None).limit == NOTES_DEFAULT_LIMIT == NotesQuery().limit
    assert parse_notes_query({"limit": "100"}).limit == 100
    from datetime import UTC, datetime
    from uuid import uuid4

    at, key = datetime(2026, 1, 1, tzinfo=UTC), uuid4()
    assert parse_notes_query({"cursor": encode_cursor(at, key)}).after == (at, key)
    with pytest.raises(ValidationFailed) as refused:
        parse_notes_query({"limit": "0", "cursor": "x"})
    assert set(refused.value.fields) == {"limit", "cursor"}
    for limit in ("101", "٣", "-1", ""):
        with pytest.raises(ValidationFailed):
            parse_notes_query({"limit": limit})


def test_the_document_states_the_note_rules() -> None:
    document = build_document()
    schemas = document["components"]["schemas"]
    text = schemas["NoteIn"]["properties"]["text"]
    assert (text["pattern"], text["maxLength"], text["minLength"]) == (
        NOTE_PATTERN,
        NOTE_MAX_LENGTH,
        1,
    )
    notes = document["paths"]["/api/clients/{id}/notes/{noteId}"]
    for operation in notes.values():
        by_name = {p["name"]: p["schema"] for p in operation["parameters"]}
        assert by_name["noteId"] == {"type": "string", "format": "uuid"}
        assert "Cache-Control: no-store" in operation["description"]
    listing = document["paths"]["/api/clients/{id}/notes"]["get"]
    assert "only the professional who owns the client" in listing["description"]
