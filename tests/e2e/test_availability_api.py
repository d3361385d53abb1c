"""GET and PUT /api/availability over HTTP, and what the booking page and the booking check
make of the settings, on the real stack."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pg8000.native
import pytest
import requests
from pg8000.exceptions import DatabaseError

from agenda.contract import AvailabilityDocument, ErrorResponse
from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer, patch
from tests.conftest import MakeProfessional, Professional, next_weekday, rows
from tests.e2e.test_booking_api import assert_error, book, booking_body

# Not the demo professionals' profession: they would show up among their related ones.
PROFESSION = "Availability test"

pytestmark = pytest.mark.e2e


def owner(stack: LocalStack, pro: Professional) -> dict[str, str]:
    return bearer(stack, f"user-{pro.slug}")


def get_availability(api: str, headers: dict[str, str]) -> requests.Response:
    return requests.get(f"{api}/api/availability", headers=headers, timeout=30)


def put_availability(
    api: str, headers: dict[str, str], body: dict[str, Any] | str
) -> requests.Response:
    data = body if isinstance(body, str) else json.dumps(body)
    return requests.put(
        f"{api}/api/availability",
        data=data,
        headers={**headers, "content-type": "application/json"},
        timeout=30,
    )


def document(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "timezone": "America/Sao_Paulo",
        "sessionDuration": 50,
        "bufferBeforeMinutes": 0,
        "bufferAfterMinutes": 0,
        "slotStepMinutes": None,
        "minNoticeMinutes": 0,
        "bookingHorizonDays": 60,
        "weekly": [
            {"weekday": day, "start": start, "end": end}
            for day in (1, 2, 3, 4, 5)
            for start, end in (("09:00", "12:00"), ("14:00", "18:00"))
        ],
        "overrides": [],
        "blocked": [],
    }
    body.update(changes)
    return body


def replace(api: str, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    answer = put_availability(api, headers, document(**changes))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    AvailabilityDocument.model_validate(body)
    return body


def slots(api: str, pro: Professional, first: date, days: int = 1) -> dict[str, list[str]]:
    answer = requests.get(
        f"{api}/api/booking",
        params={"slug": pro.slug, "date": first.isoformat(), "days": str(days)},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {d["date"]: [s["startsAt"] for s in d["slots"]] for d in answer.json()["days"]}


def times(api: str, pro: Professional, day: date) -> list[str]:
    answer = requests.get(
        f"{api}/api/booking", params={"slug": pro.slug, "date": day.isoformat()}, timeout=30
    )
    return [s["time"] for s in answer.json()["days"][0]["slots"]]


def stored(db: pg8000.native.Connection, pro: Professional) -> dict[str, Any]:
    """Everything a replacement may touch, straight from the tables."""
    [settings] = rows(
        db,
        "SELECT timezone, session_duration, buffer_before_minutes, buffer_after_minutes,"
        " slot_step_minutes, min_notice_minutes, booking_horizon_days, updated_at"
        " FROM professionals WHERE id = :p",
        p=pro.id,
    )
    return {
        "settings": settings,
        "weekly": rows(
            db,
            "SELECT day_of_week, start_time, end_time FROM availability WHERE professional_id = :p"
            " ORDER BY 1, 2",
            p=pro.id,
        ),
        "overrides": rows(
            db,
            "SELECT on_date, start_time, end_time FROM availability_overrides"
            " WHERE professional_id = :p ORDER BY 1, 2",
            p=pro.id,
        ),
        "blocked": rows(
            db,
            "SELECT starts_on, ends_on, reason FROM blocked_periods WHERE professional_id = :p"
            " ORDER BY 1",
            p=pro.id,
        ),
    }


# -- reading and replacing ---------------------------------------------------------------------


def test_get_shows_the_stored_schedule(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    answer = get_availability(api, owner(stack, pro))
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    AvailabilityDocument.model_validate(body)
    assert body == document()


def test_dr_ana_reads_her_seeded_hours(api: str, stack: LocalStack) -> None:
    body = get_availability(api, bearer(stack, "demo-user-dr-ana")).json()
    assert body["sessionDuration"] == 50
    assert body["timezone"] == "America/Sao_Paulo"
    assert body["weekly"] == document()["weekly"]


def test_put_replaces_everything_and_get_reads_it_back(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    headers = owner(stack, pro)
    today = datetime.now(ZoneInfo("America/Sao_Paulo")).date()
    wanted = document(
        sessionDuration=45,
        bufferBeforeMinutes=5,
        bufferAfterMinutes=10,
        slotStepMinutes=30,
        minNoticeMinutes=120,
        bookingHorizonDays=90,
        weekly=[
            {"weekday": 1, "start": "08:00", "end": "12:00"},
            {"weekday": 1, "start": "12:00", "end": "13:00"},
            {"weekday": 3, "start": "18:00", "end": "21:30"},
        ],
        overrides=[
            {
                "date": (today + timedelta(days=10)).isoformat(),
                "windows": [
                    {"start": "07:00", "end": "08:00"},
                    {"start": "10:00", "end": "11:15"},
                ],
            }
        ],
        blocked=[
            {
                "start": (today + timedelta(days=20)).isoformat(),
                "end": (today + timedelta(days=30)).isoformat(),
                "reason": "Férias",
            }
        ],
    )
    answer = put_availability(api, headers, wanted)
    assert answer.status_code == 200, answer.text
    assert answer.json() == wanted
    assert get_availability(api, headers).json() == wanted

    table = stored(db, pro)
    assert len(table["weekly"]) == 3
    assert len(table["overrides"]) == 2
    assert table["blocked"][0]["reason"] == "Férias"

    # A second replacement leaves nothing of the first behind.
    assert replace(api, headers, weekly=[]) == document(weekly=[])
    table = stored(db, pro)
    assert (table["weekly"], table["overrides"], table["blocked"]) == ([], [], [])


def test_past_overrides_and_blocks_are_dropped_so_a_read_document_goes_back(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    headers = owner(stack, pro)
    today = datetime.now(ZoneInfo("America/Sao_Paulo")).date()
    past = (today - timedelta(days=3)).isoformat()
    soon = (today + timedelta(days=3)).isoformat()
    body = replace(
        api,
        headers,
        overrides=[{"date": past, "windows": [{"start": "09:00", "end": "10:00"}]}],
        blocked=[
            {"start": past, "end": past},
            {"start": past, "end": soon, "reason": None},
        ],
    )
    assert body["overrides"] == []
    assert body["blocked"] == [{"start": past, "end": soon, "reason": None}]
    assert put_availability(api, headers, get_availability(api, headers).json()).ok


def test_only_a_professional_has_an_availability(api: str, stack: LocalStack) -> None:
    headers = bearer(stack, "someone-who-is-not-a-professional")
    assert_error(get_availability(api, headers), 403, "FORBIDDEN")
    assert_error(put_availability(api, headers, document()), 403, "FORBIDDEN")


def test_the_authorizer_guards_both_routes(api: str) -> None:
    assert requests.get(f"{api}/api/availability", timeout=30).status_code == 401
    answer = requests.put(f"{api}/api/availability", data=json.dumps(document()), timeout=30)
    assert answer.status_code == 401


# -- validation: the error shape, the exact rule, and nothing changed ---------------------------

TOMORROW = (datetime.now(UTC) + timedelta(days=2)).date()


def _weekly(*windows: tuple[Any, Any, Any]) -> list[dict[str, Any]]:
    return [{"weekday": d, "start": s, "end": e} for d, s, e in windows]


MALFORMED: list[tuple[str, dict[str, Any], str]] = [
    (
        "end before start",
        {"weekly": _weekly((1, "09:00", "12:00"), (2, "12:00", "09:00"))},
        "weekly[1].end",
    ),
    ("empty window", {"weekly": _weekly((1, "09:00", "09:00"))}, "weekly[0].end"),
    (
        "overlap",
        {"weekly": _weekly((1, "09:00", "12:00"), (2, "08:00", "10:00"), (1, "11:45", "13:00"))},
        "weekly[2].start",
    ),
    (
        "overlap inside a longer window",
        {"weekly": _weekly((4, "08:00", "18:00"), (4, "09:00", "10:00"))},
        "weekly[1].start",
    ),
    ("not a quarter hour", {"weekly": _weekly((1, "09:10", "12:00"))}, "weekly[0].start"),
    ("not a time", {"weekly": _weekly((1, "9h", "12:00"))}, "weekly[0].start"),
    ("24:00", {"weekly": _weekly((1, "20:00", "24:00"))}, "weekly[0].end"),
    ("weekday 7", {"weekly": _weekly((7, "09:00", "12:00"))}, "weekly[0].weekday"),
    ("weekday as text", {"weekly": _weekly(("1", "09:00", "12:00"))}, "weekly[0].weekday"),
    ("weekly missing", {"weekly": None}, "weekly"),
    ("too many windows", {"weekly": _weekly(*[(1, "09:00", "09:15")] * 51)}, "weekly"),
    ("unknown zone", {"timezone": "America/Atlantis"}, "timezone"),
    ("zone path", {"timezone": "../../etc/passwd"}, "timezone"),
    ("zone case", {"timezone": "america/sao_paulo"}, "timezone"),
    ("session not a multiple of 5", {"sessionDuration": 52}, "sessionDuration"),
    ("session too long", {"sessionDuration": 485}, "sessionDuration"),
    ("session as text", {"sessionDuration": "50"}, "sessionDuration"),
    ("negative buffer", {"bufferBeforeMinutes": -5}, "bufferBeforeMinutes"),
    ("huge buffer", {"bufferAfterMinutes": 245}, "bufferAfterMinutes"),
    ("zero step", {"slotStepMinutes": 0}, "slotStepMinutes"),
    ("fractional notice", {"minNoticeMinutes": 1.5}, "minNoticeMinutes"),
    ("boolean notice", {"minNoticeMinutes": True}, "minNoticeMinutes"),
    ("horizon zero", {"bookingHorizonDays": 0}, "bookingHorizonDays"),
    (
        "override bad date",
        {"overrides": [{"date": "2026-02-30", "windows": [{"start": "09:00", "end": "10:00"}]}]},
        "overrides[0].date",
    ),
    (
        "override no windows",
        {"overrides": [{"date": TOMORROW.isoformat(), "windows": []}]},
        "overrides[0].windows",
    ),
    (
        "override window reversed",
        {
            "overrides": [
                {
                    "date": TOMORROW.isoformat(),
                    "windows": [
                        {"start": "09:00", "end": "10:00"},
                        {"start": "11:00", "end": "10:30"},
                    ],
                }
            ]
        },
        "overrides[0].windows[1].end",
    ),
    (
        "override windows overlap",
        {
            "overrides": [
                {
                    "date": TOMORROW.isoformat(),
                    "windows": [
                        {"start": "09:00", "end": "10:00"},
                        {"start": "09:30", "end": "10:30"},
                    ],
                }
            ]
        },
        "overrides[0].windows[1].start",
    ),
    (
        "override twice",
        {
            "overrides": [
                {"date": TOMORROW.isoformat(), "windows": [{"start": "09:00", "end": "10:00"}]},
                {"date": TOMORROW.isoformat(), "windows": [{"start": "11:00", "end": "12:00"}]},
            ]
        },
        "overrides[1].date",
    ),
    (
        "override inside a block",
        {
            "overrides": [
                {"date": TOMORROW.isoformat(), "windows": [{"start": "09:00", "end": "10:00"}]}
            ],
            "blocked": [{"start": TOMORROW.isoformat(), "end": TOMORROW.isoformat()}],
        },
        "overrides[0].date",
    ),
    (
        "override too far",
        {
            "overrides": [
                {
                    "date": (TOMORROW + timedelta(days=800)).isoformat(),
                    "windows": [{"start": "09:00", "end": "10:00"}],
                }
            ]
        },
        "overrides[0].date",
    ),
    (
        "block ends before it starts",
        {
            "blocked": [
                {"start": TOMORROW.isoformat(), "end": (TOMORROW - timedelta(days=1)).isoformat()}
            ]
        },
        "blocked[0].end",
    ),
    ("block without end", {"blocked": [{"start": TOMORROW.isoformat()}]}, "blocked[0].end"),
    ("block not an object", {"blocked": ["2030-01-01"]}, "blocked[0]"),
    (
        "block reason too long",
        {
            "blocked": [
                {"start": TOMORROW.isoformat(), "end": TOMORROW.isoformat(), "reason": "x" * 201}
            ]
        },
        "blocked[0].reason",
    ),
]


@pytest.mark.parametrize(("case", "changes", "field"), MALFORMED, ids=[c for c, _, _ in MALFORMED])
def test_a_malformed_rule_is_named_and_nothing_changes(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    case: str,
    changes: dict[str, Any],
    field: str,
) -> None:
    pro = make_professional(profession=PROFESSION)
    headers = owner(stack, pro)
    before_http = get_availability(api, headers).json()
    before_rows = stored(db, pro)

    # Every other part of the body changes something, so a partial write would show.
    body = document(
        sessionDuration=60,
        bufferAfterMinutes=15,
        weekly=[{"weekday": 6, "start": "10:00", "end": "11:00"}],
    )
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not None or k == "slotStepMinutes"}
    answer = put_availability(api, headers, body)
    error = assert_error(answer, 400, "VALIDATION_FAILED")
    ErrorResponse.model_validate(answer.json())
    assert field in error["fields"], (case, error)  # type: ignore[operator]

    assert get_availability(api, headers).json() == before_http
    assert stored(db, pro) == before_rows


def test_every_problem_is_reported_at_once(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    body = document(
        timezone="Mars/Olympus",
        bufferBeforeMinutes=7,
        weekly=_weekly((1, "09:00", "08:00"), (9, "09:00", "10:00")),
    )
    error = assert_error(put_availability(api, owner(stack, pro), body), 400, "VALIDATION_FAILED")
    assert set(error["fields"]) == {  # type: ignore[call-overload]
        "timezone",
        "bufferBeforeMinutes",
        "weekly[0].end",
        "weekly[1].weekday",
    }


@pytest.mark.parametrize("raw", ["", "not json", "[]", '{"weekly": '])
def test_a_body_that_is_not_a_json_object_is_400(
    api: str, stack: LocalStack, make_professional: MakeProfessional, raw: str
) -> None:
    pro = make_professional(profession=PROFESSION)
    assert_error(put_availability(api, owner(stack, pro), raw), 400, "VALIDATION_FAILED")


def test_an_oversized_body_is_413(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    body = document(blocked=[{"start": "2030-01-01", "end": "2030-01-01", "reason": "x" * 200}])
    body["padding"] = "x" * 20_000
    assert_error(put_availability(api, owner(stack, pro), body), 413, "PAYLOAD_TOO_LARGE")


# -- the settings in the booking page and the booking check -------------------------------------


def test_the_booking_page_follows_a_replacement_at_once(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    monday = next_weekday(1, after_days=3)
    tuesday = monday + timedelta(days=1)
    replace(
        api,
        owner(stack, pro),
        sessionDuration=60,
        weekly=_weekly((1, "08:00", "10:00"), (1, "16:00", "17:00")),
        overrides=[{"date": tuesday.isoformat(), "windows": [{"start": "13:00", "end": "14:00"}]}],
        blocked=[
            {
                "start": (monday + timedelta(days=7)).isoformat(),
                "end": (monday + timedelta(days=7)).isoformat(),
            }
        ],
    )
    assert times(api, pro, monday) == ["08:00", "09:00", "16:00"]
    assert times(api, pro, tuesday) == ["13:00"]
    assert times(api, pro, monday + timedelta(days=7)) == []


def test_a_buffer_can_never_be_booked_around(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    headers = owner(stack, pro)
    replace(
        api,
        headers,
        sessionDuration=50,
        bufferBeforeMinutes=10,
        bufferAfterMinutes=10,
        slotStepMinutes=10,
        weekly=_weekly((3, "09:00", "13:00")),
    )
    wednesday = next_weekday(3, after_days=3)
    offered = times(api, pro, wednesday)
    assert offered[0] == "09:10"  # the buffer before must fit the window too
    assert offered[-1] == "12:00"  # 12:00-12:50 and ten minutes after: 13:00

    assert book(api, booking_body(pro, pro.at(wednesday, "10:00"))).status_code == 201
    # 10:00-10:50 keeps 09:50-11:00 clear: the next session starts at 11:10 (its own ten
    # minutes before), and nothing fits before it (a session would have to end by 09:40).
    after = times(api, pro, wednesday)
    assert after == [t for t in offered if t >= "11:10"]
    for inside in ("09:20", "09:30", "10:50", "11:00"):
        answer = book(api, booking_body(pro, pro.at(wednesday, inside)))
        assert_error(answer, 409, "SLOT_TAKEN")
    assert book(api, booking_body(pro, pro.at(wednesday, "11:10"))).status_code == 201

    # The stored appointments carry their buffers; the database compares the buffered ranges.
    booked = rows(
        db,
        "SELECT buffer_before_minutes, buffer_after_minutes, lower(blocked_during) AS b,"
        " upper(blocked_during) AS e FROM appointments WHERE professional_id = :p"
        " ORDER BY starts_at",
        p=pro.id,
    )
    assert [(r["buffer_before_minutes"], r["buffer_after_minutes"]) for r in booked] == [
        (10, 10),
        (10, 10),
    ]
    assert booked[0]["b"] == pro.at(wednesday, "09:50").astimezone(UTC)
    assert booked[0]["e"] == booked[1]["b"]  # back to back, buffers included


def test_the_database_refuses_a_session_inside_another_ones_buffer(
    db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    client = db.run(
        "INSERT INTO clients (professional_id, name, phone) VALUES (:p, 'Ana', '+5511900001111')"
        " RETURNING id",
        p=pro.id,
    )[0][0]
    day = next_weekday(2)
    insert = (
        "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status,"
        " buffer_before_minutes, buffer_after_minutes) VALUES (:p, :c, :s, :e, 'confirmed',"
        " :before, :after)"
    )
    db.run(
        insert,
        p=pro.id,
        c=client,
        s=pro.at(day, "10:00"),
        e=pro.at(day, "10:50"),
        before=0,
        after=15,
    )
    with pytest.raises(DatabaseError) as refused:
        db.run(
            insert,
            p=pro.id,
            c=client,
            s=pro.at(day, "11:00"),
            e=pro.at(day, "11:50"),
            before=0,
            after=0,
        )
    assert refused.value.args[0]["C"] == "23P01"
    db.run(
        insert,
        p=pro.id,
        c=client,
        s=pro.at(day, "11:05"),
        e=pro.at(day, "11:55"),
        before=0,
        after=0,
    )


def test_changing_buffers_later_keeps_booked_appointments_buffers(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    headers = owner(stack, pro)
    replace(
        api,
        headers,
        bufferAfterMinutes=30,
        slotStepMinutes=15,
        weekly=_weekly((4, "09:00", "13:00")),
    )
    thursday = next_weekday(4, after_days=3)
    assert book(api, booking_body(pro, pro.at(thursday, "09:00"))).status_code == 201
    assert times(api, pro, thursday)[0] == "10:30"  # 09:00-09:50, then 30 minutes

    replace(
        api,
        headers,
        bufferAfterMinutes=0,
        slotStepMinutes=15,
        weekly=_weekly((4, "09:00", "13:00")),
    )
    # The booked session keeps its 30 minutes (else 09:50 would be free); new ones carry none.
    assert times(api, pro, thursday)[:2] == ["10:30", "10:45"]
    [row] = rows(
        db, "SELECT buffer_after_minutes FROM appointments WHERE professional_id = :p", p=pro.id
    )
    assert row["buffer_after_minutes"] == 30


def test_minimum_notice_and_horizon(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    headers = owner(stack, pro)
    every_day = _weekly(*[(d, "00:00", "23:45") for d in range(7)])
    replace(
        api,
        headers,
        sessionDuration=60,
        minNoticeMinutes=48 * 60,
        bookingHorizonDays=5,
        weekly=every_day,
    )
    now = datetime.now(UTC)
    today = now.astimezone(pro.zone).date()
    listed = slots(api, pro, today, days=8)
    offered = [datetime.fromisoformat(s) for day in listed.values() for s in day]
    assert offered
    assert min(offered) >= now + timedelta(hours=48)
    assert min(offered) < now + timedelta(hours=50)
    assert all(listed[(today + timedelta(days=n)).isoformat()] == [] for n in (6, 7))
    assert listed[(today + timedelta(days=5)).isoformat()] != []

    too_soon = (
        (now + timedelta(hours=30)).astimezone(pro.zone).replace(minute=0, second=0, microsecond=0)
    )
    assert_error(book(api, booking_body(pro, too_soon)), 409, "SLOT_UNAVAILABLE")
    too_far = datetime.combine(today + timedelta(days=6), datetime.min.time(), pro.zone).replace(
        hour=10
    )
    assert_error(book(api, booking_body(pro, too_far)), 409, "SLOT_UNAVAILABLE")
    assert book(api, booking_body(pro, offered[0])).status_code == 201


def test_a_reschedule_uses_the_same_rules_and_takes_the_current_buffers(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION, auto_confirm=True)
    headers = owner(stack, pro)
    replace(api, headers, slotStepMinutes=30, weekly=_weekly((5, "09:00", "13:00")))
    friday = next_weekday(5, after_days=3)
    assert book(api, booking_body(pro, pro.at(friday, "09:00"))).status_code == 201
    second = booking_body(pro, pro.at(friday, "11:00"), clientPhone="(11) 91234-0000")
    assert book(api, second).status_code == 201
    replace(
        api,
        headers,
        slotStepMinutes=30,
        bufferAfterMinutes=20,
        weekly=_weekly((5, "09:00", "13:00")),
    )
    first_id = db.run(
        "SELECT id FROM appointments WHERE professional_id = :p AND starts_at = :s",
        p=pro.id,
        s=pro.at(friday, "09:00"),
    )[0][0]

    # 10:00-10:50 plus 20 minutes runs into 11:00: refused like the booking page refuses it.
    assert "10:00" not in times(api, pro, friday)
    move = {"action": "reschedule", "startsAt": pro.at(friday, "10:00").isoformat()}
    assert_error(patch(api, first_id, move, headers), 409, "SLOT_TAKEN")
    # Its own current range counts as free: 09:30-10:20 and 20 minutes fit before 11:00.
    move = {"action": "reschedule", "startsAt": pro.at(friday, "09:30").isoformat()}
    answer = patch(api, first_id, move, headers)
    assert answer.status_code == 200, answer.text
    [row] = rows(db, "SELECT buffer_after_minutes FROM appointments WHERE id = :a", a=first_id)
    assert row["buffer_after_minutes"] == 20


# -- time zones ------------------------------------------------------------------------------


def test_a_new_time_zone_keeps_local_hours_and_booked_instants(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    headers = owner(stack, pro)
    monday = next_weekday(1, after_days=3)
    starts = pro.at(monday, "09:00")
    assert book(api, booking_body(pro, starts)).status_code == 201

    body = get_availability(api, headers).json()
    assert (
        replace(api, headers, **{**body, "timezone": "Europe/Lisbon"})["weekly"] == body["weekly"]
    )
    lisbon = ZoneInfo("Europe/Lisbon")
    listed = slots(api, pro, monday)[monday.isoformat()]
    assert (
        listed[0]
        == datetime.combine(monday, datetime.min.time(), lisbon).replace(hour=9).isoformat()
    )
    [row] = rows(db, "SELECT starts_at FROM appointments WHERE professional_id = :p", p=pro.id)
    assert row["starts_at"] == starts.astimezone(UTC)


EXPECTED = {
    # 02:00-03:00 never happens: 00:30-04:00 lasts two and a half real hours.
    ("America/New_York", "2027-03-14"): [
        "2027-03-14T00:30:00-05:00",
        "2027-03-14T01:00:00-05:00",
        "2027-03-14T01:30:00-05:00",
        "2027-03-14T09:00:00-04:00",
    ],
    # 01:00-02:00 happens twice: 00:30-04:00 lasts four and a half real hours; the walk names
    # each wall time once, by its first pass.
    ("America/New_York", "2027-11-07"): [
        "2027-11-07T00:30:00-04:00",
        "2027-11-07T01:00:00-04:00",
        "2027-11-07T01:30:00-04:00",
        "2027-11-07T02:00:00-05:00",
        "2027-11-07T02:30:00-05:00",
        "2027-11-07T09:00:00-05:00",
    ],
    **{
        ("Asia/Kolkata", day): [
            f"{day}T{hhmm}:00+05:30"
            for hhmm in ("00:30", "01:00", "01:30", "02:00", "02:30", "09:00")
        ]
        for day in ("2027-03-14", "2027-11-07")
    },
}


@pytest.mark.parametrize(
    ("zone", "days"),
    [
        # New York springs forward on Sunday 2027-03-14 (02:00 -> 03:00) and falls back on
        # Sunday 2027-11-07 (02:00 -> 01:00).
        ("America/New_York", ("2027-03-14", "2027-11-07")),
        # Kolkata has no daylight saving: the same days are ordinary.
        ("Asia/Kolkata", ("2027-03-14", "2027-11-07")),
    ],
)
def test_daylight_saving_days_offer_and_accept_the_same_local_slots(
    api: str,
    stack: LocalStack,
    make_professional: MakeProfessional,
    zone: str,
    days: tuple[str, str],
) -> None:
    pro = make_professional(
        profession=PROFESSION, timezone=zone, horizon_days=730, auto_confirm=True
    )
    headers = owner(stack, pro)
    # A Sunday window across the night's change, with buffers and a 30-minute step.
    replace(
        api,
        headers,
        timezone=zone,
        sessionDuration=60,
        bufferAfterMinutes=15,
        slotStepMinutes=30,
        bookingHorizonDays=730,
        weekly=_weekly((0, "00:30", "04:00"), (0, "09:00", "10:30")),
    )
    tz = ZoneInfo(zone)
    for raw in days:
        day = date.fromisoformat(raw)
        listed = slots(api, pro, day)[raw]
        instants = [datetime.fromisoformat(s) for s in listed]
        # Every slot lasts its real 60 minutes and starts on the local date asked for.
        for starts in instants:
            assert starts.astimezone(tz).date() == day
        assert listed == EXPECTED[zone, raw]
        # The check accepts what the page offers: book the first, then it is gone and its
        # buffer blocks what starts within 75 minutes of it.
        first = instants[0]
        assert book(api, booking_body(pro, first)).status_code == 201
        again = [datetime.fromisoformat(s) for s in slots(api, pro, day)[raw]]
        assert first not in again
        assert all(
            s.astimezone(UTC) >= first.astimezone(UTC) + timedelta(minutes=75)
            or s.astimezone(UTC) + timedelta(minutes=75) <= first.astimezone(UTC)
            for s in again
        )
        # ...and a start the page never offered (the gap or an odd minute) is refused.
        odd = first + timedelta(minutes=5)
        assert_error(book(api, booking_body(pro, odd)), 409, "SLOT_UNAVAILABLE")
