"""Double booking is impossible: real concurrent requests through the gateway."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pg8000.native
import pytest
import requests

from tests.conftest import MakeProfessional, Professional, fresh_ip, next_weekday, rows
from tests.e2e.test_booking_api import booking_body

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def storm(api: str, bodies: list[dict[str, object]]) -> list[requests.Response]:
    """Send every body at once, each from its own address, released by one barrier."""
    barrier = threading.Barrier(len(bodies))

    def send(body: dict[str, object]) -> requests.Response:
        ip = fresh_ip()
        barrier.wait()
        return requests.post(
            f"{api}/api/booking", json=body, headers={"x-forwarded-for": ip}, timeout=60
        )

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(send, bodies))


def live(db: pg8000.native.Connection, pro: Professional) -> list[dict[str, object]]:
    return rows(
        db,
        "SELECT starts_at, ends_at FROM appointments WHERE professional_id = :p"
        " AND status NOT IN ('rejected', 'cancelled')",
        p=pro.id,
    )


def test_fifty_simultaneous_bookings_of_one_slot_give_exactly_one(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    starts = pro.at(next_weekday(2), "10:40")
    bodies = [
        booking_body(
            pro, starts, clientName=f"Cliente {i}", clientPhone=f"+55119{i:08d}", clientEmail=None
        )
        for i in range(50)
    ]
    answers = storm(api, bodies)
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 409: 49}, statuses
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"SLOT_TAKEN"}
    assert len(live(db, pro)) == 1
    # The losers left nothing half-written: one client, one in-app notification.
    assert len(rows(db, "SELECT id FROM clients WHERE professional_id = :p", p=pro.id)) == 1
    assert len(rows(db, "SELECT id FROM notifications WHERE professional_id = :p", p=pro.id)) == 1


def test_overlapping_slots_never_both_land(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    # Two windows that make both 09:00 and 09:30 real 50-minute slots on the same morning.
    pro = make_professional(windows=((3, "09:00", "09:50"), (3, "09:30", "10:20")))
    day = next_weekday(3)
    for _round in range(5):
        bodies = [
            booking_body(
                pro,
                pro.at(day, hhmm),
                clientName=f"Cliente {hhmm}",
                clientPhone=f"+5511977{i:06d}",
                clientEmail=None,
            )
            for i, hhmm in enumerate(["09:00", "09:30"] * 5)
        ]
        answers = storm(api, bodies)
        assert Counter(a.status_code for a in answers)[201] == 1
        assert all(a.status_code in (201, 409) for a in answers)
        booked = live(db, pro)
        assert len(booked) == 1
        db.run("DELETE FROM appointments WHERE professional_id = :p", p=pro.id)


def test_the_database_itself_refuses_overlaps(
    db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    client = db.run(
        "INSERT INTO clients (professional_id, name, phone)"
        " VALUES (:p, 'A', '+5511911112222') RETURNING id",
        p=pro.id,
    )[0][0]
    insert = (
        "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
        " VALUES (:p, :c, CAST(:s AS timestamptz), CAST(:e AS timestamptz), :status)"
    )
    db.run(
        insert,
        p=pro.id,
        c=client,
        s="2030-01-07T12:00:00Z",
        e="2030-01-07T12:50:00Z",
        status="pending_confirmation",
    )
    with pytest.raises(pg8000.native.DatabaseError) as refused:
        db.run(
            insert,
            p=pro.id,
            c=client,
            s="2030-01-07T12:30:00Z",
            e="2030-01-07T13:20:00Z",
            status="confirmed",
        )
    assert refused.value.args[0]["C"] == "23P01"
    # Back-to-back is fine, and a cancelled appointment frees its range.
    db.run(
        insert,
        p=pro.id,
        c=client,
        s="2030-01-07T12:50:00Z",
        e="2030-01-07T13:40:00Z",
        status="confirmed",
    )
    db.run(
        insert,
        p=pro.id,
        c=client,
        s="2030-01-07T12:10:00Z",
        e="2030-01-07T12:40:00Z",
        status="cancelled",
    )
