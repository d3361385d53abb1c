"""The client list's pure rules: its query strings, the search's patterns, tags, what is owed
and which details a change touched (agenda.domain.clients)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.contract import TAG_PATTERN, ClientChanges, NewClient, validate
from agenda.domain.clients import (
    DEFAULT_CLIENTS_LIMIT,
    DEFAULT_HISTORY_LIMIT,
    ClientDetails,
    changed_fields,
    clean_tags,
    given_fields,
    is_owed,
    like_escape,
    parse_clients_query,
    parse_history_query,
    parse_search,
)
from agenda.domain.errors import NotFound, ValidationFailed, known_id
from agenda.domain.statuses import PAYMENT_STATUSES, STATUSES
from agenda.pagination import encode_cursor, encode_key_cursor

pytestmark = pytest.mark.unit


def _like(pattern: str, text: str) -> bool:
    """What Postgres's LIKE ... ESCAPE '\\' decides, for checking the escaping."""
    regex = ""
    chars = iter(pattern)
    for ch in chars:
        if ch == "\\":
            regex += re.escape(next(chars))
        elif ch == "%":
            regex += ".*"
        elif ch == "_":
            regex += "."
        else:
            regex += re.escape(ch)
    return re.fullmatch(regex, text, flags=re.DOTALL) is not None


# -- the search -------------------------------------------------------------------------------


def test_a_blank_query_is_the_whole_list() -> None:
    assert parse_search("") is None
    assert parse_search("   \t ") is None
    assert parse_clients_query({"q": "  "}).search is None


def test_a_name_part_is_a_lower_case_contains_pattern() -> None:
    search = parse_search("  Maria   SILVA ")
    assert search is not None
    assert search.contains == "%maria silva%"
    assert search.digits is None


@pytest.mark.parametrize("typed", ["%", "_", "\\", "50%_off\\x"])
def test_like_metacharacters_are_literals(typed: str) -> None:
    pattern = f"%{like_escape(typed)}%"
    assert _like(pattern, f"a{typed}b")
    # Only the text itself matches: "%" does not find every client, "_" not any character.
    assert not _like(pattern, "abc")


@given(st.text(max_size=40))
def test_an_escaped_text_matches_exactly_itself(text: str) -> None:
    assert _like(like_escape(text), text)


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("(11) 98765-4321", "%11987654321%"),
        ("+55 21 9", "%55219%"),
        ("987", "%987%"),
        ("98.76", "%9876%"),
    ],
)
def test_a_query_written_as_a_phone_searches_its_digits(typed: str, digits: str) -> None:
    search = parse_search(typed)
    assert search is not None
    assert search.digits == digits


@pytest.mark.parametrize("typed", ["98", "(1) 2", "ana 2000", "maria@x9876.com"])
def test_fewer_than_three_digits_or_not_a_phone_searches_no_phone(typed: str) -> None:
    search = parse_search(typed)
    assert search is not None
    assert search.digits is None


def test_the_query_is_at_most_100_characters_and_has_no_control_characters() -> None:
    assert parse_clients_query({"q": "a" * 100}).search is not None
    with pytest.raises(ValidationFailed) as too_long:
        parse_clients_query({"q": "a" * 101})
    assert too_long.value.fields == {"q": "must be at most 100 characters"}
    with pytest.raises(ValidationFailed) as control:
        parse_clients_query({"q": "ana\x00"})
    assert set(control.value.fields) == {"q"}


# -- pages ------------------------------------------------------------------------------------


def test_the_pages_default_to_25() -> None:
    assert parse_clients_query(None).limit == DEFAULT_CLIENTS_LIMIT == 25
    assert parse_history_query({}).limit == DEFAULT_HISTORY_LIMIT == 25
    assert parse_clients_query({"limit": "100"}).limit == 100


def test_every_bad_parameter_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_clients_query({"q": "x" * 101, "limit": "0", "cursor": "garbage"})
    assert set(refused.value.fields) == {"q", "limit", "cursor"}
    with pytest.raises(ValidationFailed) as history:
        parse_history_query({"limit": "101", "cursor": "!"})
    assert set(history.value.fields) == {"limit", "cursor"}


def test_cursors_round_trip_and_a_forged_one_is_refused() -> None:
    row = uuid4()
    assert parse_clients_query({"cursor": encode_key_cursor("joão", row)}).after == ("joão", row)
    at = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert parse_history_query({"cursor": encode_cursor(at, row)}).after == (at, row)
    # The list's cursor is not a history's, nor the other way round.
    with pytest.raises(ValidationFailed):
        parse_clients_query({"cursor": encode_cursor(at, row)})
    with pytest.raises(ValidationFailed):
        parse_history_query({"cursor": encode_key_cursor("ana", row)})
    # A key the database could not take (NUL) is a 400, not a 500.
    with pytest.raises(ValidationFailed):
        parse_clients_query({"cursor": encode_key_cursor("a\x00b", row)})


def test_an_id_that_is_not_a_uuid_is_no_client() -> None:
    row = uuid4()
    assert known_id(str(row), "We could not find this client") == row
    for raw in ("not-a-uuid", "", "1234"):
        with pytest.raises(NotFound) as refused:
            known_id(raw, "We could not find this client")
        assert refused.value.message == "We could not find this client"


# -- tags -------------------------------------------------------------------------------------


def test_tags_are_trimmed_and_duplicates_ignoring_case_dropped_in_order() -> None:
    assert clean_tags([" Online ", "casal", "ONLINE", "Mensal", "casal "]) == (
        "Online",
        "casal",
        "Mensal",
    )
    assert clean_tags([]) == ()


@pytest.mark.parametrize(
    ("tags", "problem"),
    [
        (["x"] * 21, "must have at most 20 tags"),
        (["   "], "each tag must have from 1 to 32 characters"),
        (["x" * 33], "each tag must have from 1 to 32 characters"),
        (["two\nlines"], "each tag must be one line without control characters"),
        (["a\u2028b"], "each tag must be one line without control characters"),
    ],
)
def test_tags_that_break_a_rule(tags: list[str], problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        clean_tags(tags)


def test_twenty_tags_and_thirty_two_characters_are_allowed() -> None:
    assert len(clean_tags([f"t{n}" for n in range(20)])) == 20
    assert clean_tags(["  " + "x" * 32 + " "]) == ("x" * 32,)


@given(st.from_regex(TAG_PATTERN, fullmatch=True).filter(lambda tag: 1 <= len(tag) <= 32))
def test_every_documented_tag_is_taken(tag: str) -> None:
    assert clean_tags([tag]) == (tag.strip(),)


# -- what is owed, what changed ---------------------------------------------------------------


def test_only_held_or_missed_sessions_unpaid_are_owed() -> None:
    owed = {(s, p) for s in STATUSES for p in PAYMENT_STATUSES if is_owed(s, p)}
    assert owed == {
        (status, payment)
        for status in ("completed", "no_show")
        for payment in ("none", "pending", "failed")
    }


def test_changed_fields_name_only_what_differs() -> None:
    before = ClientDetails(name="Ana", phone="+5511987654321", email=None, tags=("a",))
    same = ClientDetails(name="Ana", phone="+5511987654321", email=None, tags=("a",))
    assert changed_fields(before, same) == ()
    after = ClientDetails(name="Ana", phone="+5511987654321", email="a@b.co", tags=("b",))
    assert changed_fields(before, after) == ("email", "tags")


def test_a_new_client_records_the_fields_given() -> None:
    bare = ClientDetails(name="Ana", phone="+5511987654321", email=None, tags=())
    assert given_fields(bare) == ("name", "phone")
    full = ClientDetails(name="Ana", phone="+5511987654321", email="a@b.co", tags=("x",))
    assert given_fields(full) == ("name", "phone", "email", "tags")


# -- the bodies -------------------------------------------------------------------------------


def test_a_new_client_is_normalised_as_a_booking_is() -> None:
    new = validate(
        NewClient,
        {"name": "  João   Pereira ", "phone": "(11) 98765-4321", "email": " J@X.COM "},
    )
    assert (new.name, new.phone, new.email, new.tags) == (
        "João Pereira",
        "+5511987654321",
        "j@x.com",
        [],
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "(11) 98765-4321"}, "name"),
        ({"name": "Ana"}, "phone"),
        ({"name": "Ana", "phone": "123"}, "phone"),
        ({"name": "Ana", "phone": "(11) 98765-4321", "email": "nope"}, "email"),
        ({"name": "Ana", "phone": "(11) 98765-4321", "notes": "x"}, "notes"),
        ({"name": "Ana", "phone": "(11) 98765-4321", "tags": "online"}, "tags"),
    ],
)
def test_a_bad_new_client_names_the_field(body: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate(NewClient, body)
    assert field in refused.value.fields


def test_changes_need_one_known_key_and_refuse_null_for_all_but_email() -> None:
    assert validate(ClientChanges, {"email": None}).model_fields_set == {"email"}
    with pytest.raises(ValidationFailed):
        validate(ClientChanges, {})
    for body in ({"name": None}, {"phone": None}, {"tags": None}, {"source": "booking"}):
        with pytest.raises(ValidationFailed) as refused:
            validate(ClientChanges, body)
        assert set(refused.value.fields) == set(body)
