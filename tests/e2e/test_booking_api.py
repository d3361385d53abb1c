"""The public booking flow over HTTP, through the local gateway, against the real stack."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import BookingCreated, ErrorResponse, FreeSlots, PublicProfile
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, Professional, fresh_ip, next_weekday, rows

pytestmark = pytest.mark.e2e


def book(
    api: str, body: dict[str, object] | str | bytes, *, ip: str | None = None
) -> requests.Response:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return requests.post(
        f"{api}/api/booking",
        data=data,
        headers={"content-type": "application/json", "x-forwarded-for": ip or fresh_ip()},
        timeout=30,
    )


def booking_body(pro: Professional, starts_at: datetime, **overrides: object) -> dict[str, Any]:
    body: dict[str, object] = {
        "slug": pro.slug,
        "startsAt": starts_at.isoformat(),
        "clientName": "Maria Silva",
        "clientPhone": "(11) 98765-4321",
        "clientEmail": "maria@example.com",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def assert_error(answer: requests.Response, status: int, code: str) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    payload = answer.json()
    ErrorResponse.model_validate(payload)
    assert payload["error"]["code"] == code
    return payload["error"]


def appointments_of(db: pg8000.native.Connection, pro: Professional) -> list[dict[str, Any]]:
    return rows(
        db, "SELECT * FROM appointments WHERE professional_id = :p ORDER BY starts_at", p=pro.id
    )


# -- public profile ----------------------------------------------------------------------


def test_public_profile_shows_public_fields_only(api: str) -> None:
    answer = requests.get(f"{api}/api/professionals/dr-ana", timeout=10)
    assert answer.status_code == 200
    profile = answer.json()
    PublicProfile.model_validate(profile)
    assert profile["timezone"] == "America/Sao_Paulo"
    assert profile["sessionDuration"] == 50
    assert {r["reviewerName"] for r in profile["reviews"]} == {"Mariana", "Pedro"}
    assert [r["slug"] for r in profile["related"]] == ["dra-carla"]
    text = answer.text
    for secret in (
        "ana@example.com",
        "5511987650001",
        "demo-user-dr-ana",
        "userId",
        "plan",
        "stripe",
        "email",
        "phone",
    ):
        assert secret not in text


def test_unknown_and_inactive_professionals_are_404(
    api: str, make_professional: MakeProfessional
) -> None:
    inactive = make_professional(active=False)
    for slug in ("nobody-here", inactive.slug):
        assert_error(requests.get(f"{api}/api/professionals/{slug}", timeout=10), 404, "NOT_FOUND")
        answer = requests.get(
            f"{api}/api/booking", params={"slug": slug, "date": "2030-01-07"}, timeout=10
        )
        assert_error(answer, 404, "NOT_FOUND")


# -- free slots --------------------------------------------------------------------------


def test_free_slots_follow_weekly_hours_and_skip_taken_ones(
    api: str, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    monday = next_weekday(1)
    answer = requests.get(
        f"{api}/api/booking",
        params={"slug": pro.slug, "date": monday.isoformat(), "days": "7"},
        timeout=10,
    )
    assert answer.status_code == 200
    listing = answer.json()
    FreeSlots.model_validate(listing)
    assert listing["timezone"] == "America/Sao_Paulo"
    assert listing["sessionDuration"] == 50
    assert [d["date"] for d in listing["days"]] == [
        (monday + timedelta(days=i)).isoformat() for i in range(7)
    ]
    first = listing["days"][0]["slots"]
    assert [s["time"] for s in first] == [
        "09:00",
        "09:50",
        "10:40",
        "14:00",
        "14:50",
        "15:40",
        "16:30",
    ]
    assert first[0]["startsAt"] == f"{monday.isoformat()}T09:00:00-03:00"
    assert [s["period"] for s in first] == ["morning"] * 3 + ["afternoon"] * 4
    assert listing["days"][5]["slots"] == []  # Saturday
    assert listing["days"][6]["slots"] == []  # Sunday

    assert book(api, booking_body(pro, pro.at(monday, "09:50"))).status_code == 201
    again = requests.get(
        f"{api}/api/booking", params={"slug": pro.slug, "date": monday.isoformat()}, timeout=10
    )
    assert "09:50" not in [s["time"] for s in again.json()["days"][0]["slots"]]


def test_free_slots_keep_local_hours_across_daylight_saving(
    api: str, make_professional: MakeProfessional
) -> None:
    # New York springs forward on Sunday 2027-03-14: 09:00 stays 09:00, the offset changes.
    pro = make_professional(
        timezone="America/New_York",
        windows=((6, "09:00", "10:00"), (0, "09:00", "10:00"), (1, "09:00", "10:00")),
        horizon_days=730,
    )
    answer = requests.get(
        f"{api}/api/booking",
        params={"slug": pro.slug, "date": "2027-03-13", "days": "3"},
        timeout=10,
    )
    days = {d["date"]: [s["startsAt"] for s in d["slots"]] for d in answer.json()["days"]}
    assert days == {
        "2027-03-13": ["2027-03-13T09:00:00-05:00"],
        "2027-03-14": ["2027-03-14T09:00:00-04:00"],
        "2027-03-15": ["2027-03-15T09:00:00-04:00"],
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"date": "2030-01-07"}, "slug"),
        ({"slug": "dr-ana"}, "date"),
        ({"slug": "dr-ana", "date": "07/01/2030"}, "date"),
        ({"slug": "dr-ana", "date": "2030-02-30"}, "date"),
        ({"slug": "dr-ana", "date": "2030-01-07", "days": "0"}, "days"),
        ({"slug": "dr-ana", "date": "2030-01-07", "days": "61"}, "days"),
        ({"slug": "dr-ana", "date": "2030-01-07", "days": "two"}, "days"),
        ({"slug": "Dr Ana", "date": "2030-01-07"}, "slug"),
    ],
)
def test_bad_slot_queries_are_400_with_the_field(
    api: str, query: dict[str, str], field: str
) -> None:
    error = assert_error(
        requests.get(f"{api}/api/booking", params=query, timeout=10), 400, "VALIDATION_FAILED"
    )
    assert field in error["fields"]  # type: ignore[operator]


# -- booking ---------------------------------------------------------------------------


def test_booking_is_stored_with_client_notification_and_queued_messages(
    api: str, db: pg8000.native.Connection, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    starts = pro.at(next_weekday(2), "14:00")
    answer = book(api, booking_body(pro, starts))
    assert answer.status_code == 201, answer.text
    assert BookingCreated.model_validate(answer.json()).status == "pending_confirmation"
    assert answer.json() == {"success": True, "status": "pending_confirmation"}

    [appointment] = appointments_of(db, pro)
    assert appointment["starts_at"] == starts.astimezone(UTC)
    assert appointment["ends_at"] - appointment["starts_at"] == timedelta(minutes=50)
    assert appointment["status"] == "pending_confirmation"
    [client] = rows(db, "SELECT * FROM clients WHERE professional_id = :p", p=pro.id)
    assert (client["name"], client["phone"], client["email"]) == (
        "Maria Silva",
        "+5511987654321",
        "maria@example.com",
    )
    [notice] = rows(db, "SELECT * FROM notifications WHERE professional_id = :p", p=pro.id)
    assert notice["type"] == "booking_request"
    assert "Maria Silva" in notice["body"]
    outbox = rows(db, "SELECT * FROM notification_outbox WHERE professional_id = :p", p=pro.id)
    assert {(m["payload"]["template"], m["payload"]["channel"]) for m in outbox} == {
        ("booking_request", "whatsapp"),
        ("booking_request", "email"),
        ("booking_received", "whatsapp"),
        ("booking_received", "email"),
    }
    # The request leads the professional to their dashboard, where it is confirmed; the
    # client's receipt carries their own link, never the dashboard.
    links = {m["payload"]["template"]: m["payload"]["params"].get("dashboardUrl") for m in outbox}
    assert links["booking_request"] == f"{stack.app_base_url}/dashboard"
    assert links["booking_received"] is None
    assert not rows(
        db,
        "SELECT 1 FROM notification_outbox o JOIN notification_outbox_pending q USING (id)"
        " WHERE o.professional_id = :p",
        p=pro.id,
    )


def test_auto_confirm_professional_gets_confirmed_bookings(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(auto_confirm=True, plan="pro")
    answer = book(api, booking_body(pro, pro.at(next_weekday(3), "09:00")))
    assert answer.json() == {"success": True, "status": "confirmed"}
    assert [a["status"] for a in appointments_of(db, pro)] == ["confirmed"]


def test_a_returning_client_is_matched_by_phone_or_email(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    day = next_weekday(1)
    assert book(api, booking_body(pro, pro.at(day, "09:00"), clientEmail=None)).status_code == 201
    # Same phone written differently, now with an email: same client, email filled in.
    assert (
        book(
            api, booking_body(pro, pro.at(day, "09:50"), clientPhone="+55 11 98765 4321")
        ).status_code
        == 201
    )
    # Same email, other phone: still the same client.
    assert (
        book(
            api,
            booking_body(
                pro,
                pro.at(day, "10:40"),
                clientPhone="11 91234-0000",
                clientEmail="MARIA@example.com",
            ),
        ).status_code
        == 201
    )
    clients = rows(db, "SELECT phone, email FROM clients WHERE professional_id = :p", p=pro.id)
    assert clients == [{"phone": "+5511987654321", "email": "maria@example.com"}]
    assert len(appointments_of(db, pro)) == 3


def test_every_post_answer_takes_at_least_the_floor(
    api: str, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    cases = [
        booking_body(pro, pro.at(next_weekday(4), "15:40")),  # booked
        booking_body(pro, pro.at(next_weekday(4), "15:40")),  # taken
        {"slug": pro.slug},  # invalid
        booking_body(pro, pro.at(next_weekday(4), "16:30"), website="http://spam"),  # honeypot
    ]
    for body in cases:
        started = time.monotonic()
        answer = book(api, body)
        assert time.monotonic() - started >= 0.25, answer.status_code


def test_honeypot_answers_like_a_booking_and_stores_nothing(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    answer = book(
        api, booking_body(pro, pro.at(next_weekday(1), "09:00"), website="https://spam.example")
    )
    assert answer.status_code == 201
    assert answer.json() == {"success": True, "status": "pending_confirmation"}
    assert appointments_of(db, pro) == []
    assert rows(db, "SELECT id FROM clients WHERE professional_id = :p", p=pro.id) == []


def test_rate_limit_is_five_per_ten_minutes_per_source_ip(
    api: str, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    ip = fresh_ip()
    statuses = [book(api, {"slug": pro.slug}, ip=ip).status_code for _ in range(5)]
    assert statuses == [400] * 5
    limited = book(api, booking_body(pro, pro.at(next_weekday(1), "09:00")), ip=ip)
    assert_error(limited, 429, "RATE_LIMITED")
    assert 0 < int(limited.headers["Retry-After"]) <= 600
    # Another address is not affected.
    assert book(api, booking_body(pro, pro.at(next_weekday(1), "09:00"))).status_code == 201


# -- bad input ---------------------------------------------------------------------------

REQUIRED = ("slug", "startsAt", "clientName", "clientPhone")


@pytest.mark.parametrize("missing", REQUIRED)
def test_each_missing_field_is_named(
    api: str, make_professional: MakeProfessional, missing: str
) -> None:
    pro = make_professional()
    body = booking_body(pro, pro.at(next_weekday(1), "09:00"))
    del body[missing]
    error = assert_error(book(api, body), 400, "VALIDATION_FAILED")
    assert list(error["fields"]) == [missing]  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("startsAt", "next monday at nine"),
        ("startsAt", "2030-01-07T09:00:00"),  # no offset
        ("startsAt", "2030-01-07"),
        ("startsAt", 1893996000),
        ("startsAt", "2030-13-07T09:00:00-03:00"),
        ("clientName", "M"),
        ("clientName", "x" * 121),
        ("clientName", 42),
        ("clientPhone", "12345"),
        ("clientPhone", "call me maybe"),
        ("clientEmail", "not-an-email"),
        ("slug", "Not A Slug"),
        ("slug", ["dr-ana"]),
    ],
)
def test_invalid_fields_are_named(
    api: str, make_professional: MakeProfessional, field: str, value: object
) -> None:
    pro = make_professional()
    body = booking_body(pro, pro.at(next_weekday(1), "09:00"))
    body[field] = value
    error = assert_error(book(api, body), 400, "VALIDATION_FAILED")
    assert field in error["fields"]  # type: ignore[operator]


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2]", "null", '"text"', b"\xff\xfe{}"])
def test_malformed_bodies_are_400(api: str, raw: str | bytes) -> None:
    assert_error(book(api, raw), 400, "VALIDATION_FAILED")


def test_oversized_body_is_413_and_stores_nothing(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    body = booking_body(
        pro, pro.at(next_weekday(1), "09:00"), clientName="M" * 100, filler="x" * 20_000
    )
    assert_error(book(api, body), 413, "PAYLOAD_TOO_LARGE")
    assert appointments_of(db, pro) == []


@pytest.mark.parametrize(
    ("hhmm", "weekday"),
    [("09:30", 1), ("12:00", 1), ("08:10", 1), ("09:00", 6), ("19:00", 2), ("11:30", 1)],
)
def test_times_that_are_not_real_slots_are_409_unavailable(
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    hhmm: str,
    weekday: int,
) -> None:
    pro = make_professional()
    error = assert_error(
        book(api, booking_body(pro, pro.at(next_weekday(weekday), hhmm))), 409, "SLOT_UNAVAILABLE"
    )
    # The professional works in Portuguese (the default): the refusal is in their language.
    assert "não atende nesse horário" in str(error["message"])
    assert appointments_of(db, pro) == []


def test_the_booking_horizon_is_visible_and_a_start_beyond_it_names_the_last_date(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(windows=tuple((d, "00:00", "23:50") for d in range(7)), horizon_days=5)
    today = datetime.now(pro.zone).date()
    answer = requests.get(
        f"{api}/api/booking",
        params={"slug": pro.slug, "date": today.isoformat(), "days": "7"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    listing = answer.json()
    until = FreeSlots.model_validate(listing).bookable_until
    assert until == today + timedelta(days=5)
    by_date = {day["date"]: day["slots"] for day in listing["days"]}
    assert by_date[until.isoformat()]
    assert by_date[(until + timedelta(days=1)).isoformat()] == []

    last_slot = datetime.fromisoformat(by_date[until.isoformat()][-1]["startsAt"])
    assert book(api, booking_body(pro, last_slot)).status_code == 201
    error = assert_error(
        book(api, booking_body(pro, last_slot + timedelta(days=1))),
        409,
        "SLOT_UNAVAILABLE",
    )
    assert error["message"] == f"Os agendamentos com este profissional estão abertos até {until}"
    assert len(appointments_of(db, pro)) == 1


def test_a_slot_in_another_offset_that_is_the_same_instant_is_accepted(
    api: str, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    starts = pro.at(next_weekday(1), "14:00").astimezone(UTC)
    assert book(api, booking_body(pro, starts)).status_code == 201


def test_past_slots_are_refused(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(windows=tuple((d, "00:00", "23:50") for d in range(7)))
    now = datetime.now(pro.zone)
    past = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    error = assert_error(book(api, booking_body(pro, past)), 409, "SLOT_UNAVAILABLE")
    assert "já passou" in str(error["message"])
    assert appointments_of(db, pro) == []


def test_sql_looking_strings_are_stored_literally(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    name = "Robert'); DROP TABLE appointments;--"
    answer = book(
        api,
        booking_body(
            pro,
            pro.at(next_weekday(1), "09:00"),
            clientName=name,
            clientEmail="x'or'1'='1@example.com",
        ),
    )
    assert answer.status_code == 201, answer.text
    [client] = rows(db, "SELECT name, email FROM clients WHERE professional_id = :p", p=pro.id)
    assert client == {"name": name, "email": "x'or'1'='1@example.com"}
    # The statement ran as data: the appointment is there, and so is the table.
    assert len(appointments_of(db, pro)) == 1


# -- plan limits -------------------------------------------------------------------------


def test_free_plan_caps_new_clients_but_not_returning_ones(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(windows=tuple((d, "06:00", "23:00") for d in range(7)))
    for i in range(10):
        db.run(
            "INSERT INTO clients (professional_id, name, phone) VALUES (:p, :n, :ph)",
            p=pro.id,
            n=f"Client {i}",
            ph=f"+551190000{i:04d}",
        )
    day = next_weekday(1)
    refused = book(api, booking_body(pro, pro.at(day, "06:00")))
    assert_error(refused, 403, "PLAN_LIMIT_REACHED")
    assert appointments_of(db, pro) == []
    returning = booking_body(
        pro, pro.at(day, "06:00"), clientPhone="+5511900000003", clientEmail=None
    )
    assert book(api, returning).status_code == 201


def test_free_plan_caps_appointments_per_month(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional(windows=tuple((d, "00:00", "23:59") for d in range(7)))
    day = next_weekday(1, after_days=3)
    month_start = day.replace(day=1)
    client = db.run(
        "INSERT INTO clients (professional_id, name, phone)"
        " VALUES (:p, 'Old', '+5511955550000') RETURNING id",
        p=pro.id,
    )[0][0]
    for i in range(20):
        starts = pro.at(month_start, "00:00") + timedelta(hours=i)
        db.run(
            "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
            " VALUES (:p, :c, :s, :e, 'completed')",
            p=pro.id,
            c=client,
            s=starts,
            e=starts + timedelta(minutes=50),
        )
    answer = book(api, booking_body(pro, pro.at(day, "21:40")))
    assert_error(answer, 403, "PLAN_LIMIT_REACHED")
