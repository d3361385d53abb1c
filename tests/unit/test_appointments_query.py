"""The dashboard's query string: views, local date range, page size and opaque cursors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from agenda.contract import AppointmentsQuery
from agenda.domain.errors import ValidationFailed
from agenda.domain.queries import parse_free_slots_query, parse_list_query
from agenda.pagination import encode_cursor

pytestmark = pytest.mark.unit

ROW = UUID("0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30")


def test_defaults() -> None:
    query = parse_list_query(None)
    assert (query.view, query.from_day, query.to_day, query.limit, query.after) == (
        "upcoming",
        None,
        None,
        20,
        None,
    )


def test_everything_given() -> None:
    at = datetime(2030, 1, 7, 12, 0, 0, 123456, tzinfo=UTC)
    query = parse_list_query(
        {
            "view": "past",
            "from": "2030-01-01",
            "to": "2030-01-31",
            "limit": "100",
            "cursor": encode_cursor(at, ROW),
        }
    )
    assert query.view == "past"
    assert (query.from_day, query.to_day) == (date(2030, 1, 1), date(2030, 1, 31))
    assert query.limit == 100
    assert query.after == (at, ROW)


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"view": "all"}, {"view"}),
        ({"from": "2030-1-1"}, {"from"}),
        ({"to": "31/01/2030"}, {"to"}),
        ({"from": "2030-02-30"}, {"from"}),
        ({"from": "2030-W02-1"}, {"from"}),  # an ISO week date, ten characters long too
        ({"from": "2030-02-01", "to": "2030-01-31"}, {"to"}),
        ({"limit": "0"}, {"limit"}),
        ({"limit": "101"}, {"limit"}),
        ({"limit": "ten"}, {"limit"}),
        ({"cursor": "not-a-cursor"}, {"cursor"}),
        ({"cursor": "eyJ0IjoxfQ"}, {"cursor"}),  # {"t":1}: JSON, not a cursor
        ({"view": "soon", "limit": "-1", "cursor": "@@"}, {"view", "limit", "cursor"}),
    ],
)
def test_bad_queries_name_every_bad_field(params: dict[str, str], fields: set[str]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_list_query(params)
    assert set(refused.value.fields) == fields


@pytest.mark.parametrize("name", ["from", "to"])
def test_an_empty_date_is_refused_like_a_malformed_one(name: str) -> None:
    """`to=` is not an absent `to`: a client that sends the name means a date, and gets a 400."""
    with pytest.raises(ValidationFailed) as empty:
        parse_list_query({name: ""})
    with pytest.raises(ValidationFailed) as malformed:
        parse_list_query({name: "2030-1-1"})
    assert empty.value.fields == malformed.value.fields == {name: "must be a date as YYYY-MM-DD"}


def test_an_empty_slot_date_is_refused_like_a_malformed_one() -> None:
    with pytest.raises(ValidationFailed) as empty:
        parse_free_slots_query({"slug": "dr-ana", "date": ""})
    with pytest.raises(ValidationFailed) as malformed:
        parse_free_slots_query({"slug": "dr-ana", "date": "2030-1-7"})
    assert empty.value.fields == malformed.value.fields == {"date": "must be a date as YYYY-MM-DD"}
    with pytest.raises(ValidationFailed) as absent:
        parse_free_slots_query({"slug": "dr-ana"})
    assert absent.value.fields == {"date": "is required, as YYYY-MM-DD"}


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "3000-01-01", "9999-12-31"])
def test_dates_outside_the_supported_years_are_refused(day: str) -> None:
    """Found by schemathesis: date=0001-01-01 overflowed the slot engine's margins (a 500)."""
    with pytest.raises(ValidationFailed) as slots:
        parse_free_slots_query({"slug": "dr-ana", "date": day})
    assert slots.value.fields == {"date": "must be from 2000-01-01 to 2999-12-31"}
    for name in ("from", "to"):
        with pytest.raises(ValidationFailed) as listing:
            parse_list_query({name: day})
        assert listing.value.fields == {name: "must be from 2000-01-01 to 2999-12-31"}


def test_the_parser_and_the_documented_model_agree_on_names_and_defaults() -> None:
    schema = AppointmentsQuery.model_json_schema(by_alias=True)
    assert set(schema["properties"]) == {"view", "from", "to", "limit", "cursor"}
    assert schema["properties"]["view"]["default"] == parse_list_query({}).view
    assert schema["properties"]["limit"]["default"] == parse_list_query({}).limit
    assert schema["properties"]["limit"]["maximum"] == 100
