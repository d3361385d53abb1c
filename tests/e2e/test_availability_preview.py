"""POST /api/availability/preview over HTTP: the free times the booking page would offer under
an unsaved availability document, on the real stack. The strongest check is the page itself:
for each document the preview answers exactly what GET /api/booking answers once the same
document is PUT."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pg8000.native
import pytest
import requests

from agenda.contract import FreeSlots
from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, add_client, bearer
from tests.conftest import MakeProfessional, Professional, next_weekday
from tests.e2e.test_availability_api import (
    PROFESSION,
    document,
    get_availability,
    owner,
    put_availability,
    stored,
)
from tests.e2e.test_booking_api import assert_error

pytestmark = pytest.mark.e2e


def preview(
    api: str, headers: dict[str, str], body: dict[str, Any] | str, **params: str
) -> requests.Response:
    data = body if isinstance(body, str) else json.dumps(body)
    return requests.post(
        f"{api}/api/availability/preview",
        params=params,
        data=data,
        headers={**headers, "content-type": "application/json"},
        timeout=30,
    )


def page(api: str, pro: Professional, first: str, days: int) -> dict[str, Any]:
    answer = requests.get(
        f"{api}/api/booking",
        params={"slug": pro.slug, "date": first, "days": str(days)},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def starts(body: dict[str, Any]) -> list[str]:
    return [slot["startsAt"] for day in body["days"] for slot in day["slots"]]


def with_buffers(
    db: pg8000.native.Connection, appointment: Any, *, before: int = 0, after: int = 0
) -> None:
    """The buffers an appointment was booked with (its stored blocked range follows them)."""
    db.run(
        "UPDATE appointments SET buffer_before_minutes = :b, buffer_after_minutes = :a"
        " WHERE id = :id",
        b=before,
        a=after,
        id=appointment,
    )


SAO_PAULO = ZoneInfo("America/Sao_Paulo")
TODAY = datetime.now(SAO_PAULO).date()
MONDAY = next_weekday(1, after_days=3)
SOON = (MONDAY + timedelta(days=2)).isoformat()
LATER = (MONDAY + timedelta(days=4)).isoformat()

# Documents the preview must answer exactly as the page does after they are saved, each with
# the first date and the number of days to compare.
DOCUMENTS: list[tuple[str, dict[str, Any], str, int]] = [
    (
        "several windows a day",
        document(
            weekly=[
                {"weekday": 1, "start": "08:00", "end": "10:00"},
                {"weekday": 1, "start": "10:00", "end": "12:30"},
                {"weekday": 1, "start": "17:00", "end": "21:45"},
                {"weekday": 3, "start": "07:15", "end": "09:45"},
                {"weekday": 6, "start": "10:00", "end": "13:00"},
            ]
        ),
        MONDAY.isoformat(),
        14,
    ),
    (
        "an override and a blocked period",
        document(
            overrides=[{"date": SOON, "windows": [{"start": "19:00", "end": "22:00"}]}],
            blocked=[{"start": LATER, "end": LATER, "reason": "Congresso"}],
        ),
        MONDAY.isoformat(),
        7,
    ),
    (
        "buffers and a step",
        document(
            sessionDuration=45, bufferBeforeMinutes=10, bufferAfterMinutes=15, slotStepMinutes=20
        ),
        MONDAY.isoformat(),
        7,
    ),
    (
        "buffers with the default step",
        document(sessionDuration=30, bufferAfterMinutes=10),
        MONDAY.isoformat(),
        7,
    ),
    (
        "a notice of a day and a half from today",
        document(
            minNoticeMinutes=2160,
            weekly=[{"weekday": day, "start": "00:00", "end": "23:45"} for day in range(7)],
            slotStepMinutes=60,
        ),
        TODAY.isoformat(),
        4,
    ),
    (
        "a short horizon",
        document(bookingHorizonDays=5),
        TODAY.isoformat(),
        10,
    ),
    (
        "another zone",
        document(timezone="Asia/Kolkata", sessionDuration=60),
        MONDAY.isoformat(),
        7,
    ),
    (
        "New York's spring-forward week",
        document(
            timezone="America/New_York",
            sessionDuration=30,
            slotStepMinutes=30,
            bookingHorizonDays=730,
            weekly=[
                {"weekday": day, "start": start, "end": end}
                for day in range(7)
                for start, end in (("00:30", "04:00"), ("09:00", "10:00"))
            ],
        ),
        "2027-03-11",
        7,
    ),
    (
        "New York's fall-back week",
        document(
            timezone="America/New_York",
            sessionDuration=30,
            bookingHorizonDays=730,
            weekly=[{"weekday": day, "start": "00:30", "end": "03:00"} for day in range(7)],
        ),
        "2027-11-04",
        7,
    ),
]


@pytest.mark.parametrize(
    ("body", "first", "days"),
    [pytest.param(body, first, days, id=name) for name, body, first, days in DOCUMENTS],
)
def test_the_preview_is_the_page_the_document_would_make(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    body: dict[str, Any],
    first: str,
    days: int,
) -> None:
    pro = make_professional(profession=PROFESSION)
    headers = owner(stack, pro)
    # Appointments with their own buffers, and one cancelled, which holds nothing.
    client = add_client(db, pro)
    with_buffers(db, add_appointment(db, pro, client, pro.at(MONDAY, "10:00")), before=15, after=20)
    add_appointment(db, pro, client, pro.at(MONDAY + timedelta(days=2), "09:00"))
    add_appointment(db, pro, client, pro.at(MONDAY, "17:00"), status="cancelled")
    before = stored(db, pro)

    previewed = preview(api, headers, body, date=first, days=str(days))
    assert previewed.status_code == 200, previewed.text
    assert previewed.headers["cache-control"] == "no-store"
    FreeSlots.model_validate(previewed.json())
    assert stored(db, pro) == before  # nothing saved

    assert put_availability(api, headers, body).status_code == 200
    assert previewed.json() == page(api, pro, first, days)


def test_a_document_with_no_slots_previews_empty_days(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    body = preview(api, owner(stack, pro), document(weekly=[]), date=MONDAY.isoformat()).json()
    assert [day["date"] for day in body["days"]] == [
        (MONDAY + timedelta(days=n)).isoformat() for n in range(7)
    ]
    assert starts(body) == []
    # The stored hours still offer their slots: the preview replaced nothing.
    assert starts(page(api, pro, MONDAY.isoformat(), 1))


def test_existing_appointments_and_their_buffers_are_not_offered(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    client = add_client(db, pro)
    # 09:00-09:50 booked with 10 minutes after: busy until 10:00.
    with_buffers(db, add_appointment(db, pro, client, pro.at(MONDAY, "09:00")), after=10)
    add_appointment(db, pro, client, pro.at(MONDAY, "11:00"), status="rejected")
    add_appointment(db, pro, client, pro.at(MONDAY, "15:00"), status="pending_confirmation")
    body = document(
        sessionDuration=30,
        slotStepMinutes=30,
        weekly=[{"weekday": 1, "start": "09:00", "end": "16:00"}],
    )
    answer = preview(api, owner(stack, pro), body, date=MONDAY.isoformat(), days="1")
    assert answer.status_code == 200, answer.text
    times = [slot["time"] for slot in answer.json()["days"][0]["slots"]]
    # The session and its buffer.
    assert "09:00" not in times
    assert "09:30" not in times
    assert "10:00" in times
    assert "11:00" in times  # a rejected request holds nothing
    # A pending request holds its 50 minutes.
    assert "15:00" not in times
    assert "15:30" not in times
    assert "14:30" in times

    # A buffer before, in the unsaved rules, keeps clear of the stored busy range too.
    buffered = preview(
        api, owner(stack, pro), {**body, "bufferBeforeMinutes": 15}, date=MONDAY.isoformat()
    ).json()
    first_day = buffered["days"][0]["slots"]
    assert [slot["time"] for slot in first_day][:1] == ["10:30"]


def test_the_answer_is_the_pages_shape_in_the_documents_zone(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    body = preview(
        api,
        owner(stack, pro),
        document(timezone="Europe/Lisbon", sessionDuration=40, bookingHorizonDays=10),
        date=MONDAY.isoformat(),
    ).json()
    FreeSlots.model_validate(body)
    assert body["slug"] == pro.slug
    assert body["timezone"] == "Europe/Lisbon"
    assert body["sessionDuration"] == 40
    lisbon_today = datetime.now(ZoneInfo("Europe/Lisbon")).date()
    assert body["bookableUntil"] == (lisbon_today + timedelta(days=10)).isoformat()
    assert len(body["days"]) == 7
    nine = datetime.combine(MONDAY, time(9), ZoneInfo("Europe/Lisbon"))
    assert starts(body)[0] == nine.isoformat()


def test_date_defaults_to_today_in_the_documents_zone_and_days_to_a_week(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # +14:00 and -11:00
        body = preview(api, owner(stack, pro), document(timezone=zone)).json()
        today = datetime.now(ZoneInfo(zone)).date()
        assert [day["date"] for day in body["days"]] == [
            (today + timedelta(days=n)).isoformat() for n in range(7)
        ]
    month = preview(api, owner(stack, pro), document(), days="31").json()
    assert len(month["days"]) == 31


def test_nothing_is_saved(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    headers = owner(stack, pro)
    document_before = get_availability(api, headers).json()
    tables_before = stored(db, pro)
    version = db.run("SELECT schedule_version FROM professionals WHERE id = :p", p=pro.id)
    changed = document(
        timezone="America/New_York",
        sessionDuration=90,
        bufferAfterMinutes=30,
        weekly=[{"weekday": 0, "start": "06:00", "end": "08:00"}],
        overrides=[{"date": SOON, "windows": [{"start": "10:00", "end": "11:00"}]}],
        blocked=[{"start": LATER, "end": LATER}],
    )
    assert preview(api, headers, changed).status_code == 200
    assert get_availability(api, headers).json() == document_before
    assert stored(db, pro) == tables_before
    assert db.run("SELECT schedule_version FROM professionals WHERE id = :p", p=pro.id) == version


# -- refusals ---------------------------------------------------------------------------------

BAD_DOCUMENTS: list[tuple[str, dict[str, Any] | str, str]] = [
    ("end before start", document(weekly=[{"weekday": 1, "start": "12:00", "end": "09:00"}]),
     "weekly[0].end"),
    ("unknown zone", document(timezone="Mars/Olympus"), "timezone"),
    ("session not a multiple of 5", document(sessionDuration=52), "sessionDuration"),
    ("overlapping windows", document(weekly=[
        {"weekday": 2, "start": "09:00", "end": "12:00"},
        {"weekday": 2, "start": "11:00", "end": "13:00"},
    ]), "weekly[1].start"),
    ("override inside a blocked period", document(
        overrides=[{"date": SOON, "windows": [{"start": "09:00", "end": "10:00"}]}],
        blocked=[{"start": SOON, "end": LATER}],
    ), "overrides[0].date"),
    ("no weekly list", {k: v for k, v in document().items() if k != "weekly"}, "weekly"),
    ("step out of range", document(slotStepMinutes=500), "slotStepMinutes"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"), [pytest.param(body, field, id=name) for name, body, field in BAD_DOCUMENTS]
)
def test_a_bad_document_is_400_naming_the_rule_and_saves_nothing(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    body: dict[str, Any],
    field: str,
) -> None:
    pro = make_professional(profession=PROFESSION)
    before = stored(db, pro)
    error = assert_error(preview(api, owner(stack, pro), body), 400, "VALIDATION_FAILED")
    fields = error["fields"]
    assert isinstance(fields, dict)
    assert field in fields, error
    assert stored(db, pro) == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2026-13-01"}, "date"),
        ({"date": ""}, "date"),
        ({"date": "20270104"}, "date"),
        ({"date": "1999-12-31"}, "date"),
        ({"days": "0"}, "days"),
        ({"days": "32"}, "days"),
        ({"days": "a week"}, "days"),
        ({"days": "-1"}, "days"),
    ],
)
def test_a_bad_date_or_days_is_400_naming_it(
    api: str,
    stack: LocalStack,
    make_professional: MakeProfessional,
    params: dict[str, str],
    field: str,
) -> None:
    pro = make_professional(profession=PROFESSION)
    error = assert_error(preview(api, owner(stack, pro), document(), **params), 400,
                         "VALIDATION_FAILED")  # fmt: skip
    fields = error["fields"]
    assert isinstance(fields, dict)
    assert list(fields) == [field]


def test_a_bad_query_and_a_bad_document_are_named_in_one_answer(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    answer = preview(api, owner(stack, pro), document(sessionDuration=3), days="99")
    error = assert_error(answer, 400, "VALIDATION_FAILED")
    fields = error["fields"]
    assert isinstance(fields, dict)
    assert set(fields) == {"days", "sessionDuration"}


@pytest.mark.parametrize("raw", ["", "not json", "[]", json.dumps({"weekly": "x"})])
def test_a_body_that_is_not_a_document_is_400(
    api: str, stack: LocalStack, make_professional: MakeProfessional, raw: str
) -> None:
    pro = make_professional(profession=PROFESSION)
    assert_error(preview(api, owner(stack, pro), raw), 400, "VALIDATION_FAILED")


def test_a_body_over_16_kib_is_413(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional(profession=PROFESSION)
    body = document(blocked=[{"start": SOON, "end": SOON, "reason": "x" * 200}] * 90)
    assert_error(preview(api, owner(stack, pro), body), 413, "PAYLOAD_TOO_LARGE")


def test_only_a_professional_previews(api: str, stack: LocalStack) -> None:
    headers = bearer(stack, "someone-who-is-not-a-professional")
    # As GET /api/availability answers the same sign-in.
    assert_error(get_availability(api, headers), 403, "FORBIDDEN")
    assert_error(preview(api, headers, document()), 403, "FORBIDDEN")
