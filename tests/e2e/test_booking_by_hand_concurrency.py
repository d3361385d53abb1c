"""Two bookings by hand at once for one slot, through the gateway on real threads: one 201, one
409 SLOT_TAKEN, one row. And a booking by hand racing a public booking for one slot."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any
from uuid import UUID

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_client, bearer, new_professional, queued
from tests.client_profile_helpers import new_phone
from tests.conftest import MakeProfessional, fresh_ip, next_weekday, rows

pytestmark = pytest.mark.e2e

ROUNDS = ("09:00", "09:50", "10:40", "14:00", "14:50")


def race(*requests_: Callable[[], requests.Response]) -> list[requests.Response]:
    """Send the requests at once, released together by one barrier."""
    barrier = threading.Barrier(len(requests_))

    def send(request: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait()
        return request()

    with ThreadPoolExecutor(max_workers=len(requests_)) as pool:
        return list(pool.map(send, requests_))


def outcome(answers: list[requests.Response]) -> Counter[tuple[int, str | None]]:
    return Counter(
        (a.status_code, a.json()["error"]["code"] if a.status_code >= 400 else None)
        for a in answers
    )


def live_at(db: pg8000.native.Connection, professional_id: UUID) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT id, client_id FROM appointments WHERE professional_id = :p"
        " AND status NOT IN ('rejected', 'cancelled')",
        p=professional_id,
    )


def test_two_bookings_by_hand_for_one_slot_one_wins(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = bearer(stack, f"user-{pro.slug}")
    day = next_weekday(3, after_days=3)
    for hhmm in ROUNDS:
        starts = pro.at(day, hhmm).isoformat()
        # One known client, one given by details: the loser's new client is not left behind.
        known = add_client(db, pro)
        phone = new_phone()
        bodies = (
            {"clientId": str(known), "startsAt": starts},
            {"client": {"name": "Nova Pessoa", "phone": phone}, "startsAt": starts},
        )
        answers = race(
            *(
                partial(
                    requests.post,
                    f"{api}/api/appointments",
                    json=body,
                    headers=headers,
                    timeout=60,
                )
                for body in bodies
            )
        )
        assert outcome(answers) == Counter({(201, None): 1, (409, "SLOT_TAKEN"): 1}), [
            a.text for a in answers
        ]
        [winner] = [a for a in answers if a.status_code == 201]
        held = [row for row in live_at(db, pro.id) if str(row["id"]) == winner.json()["id"]]
        assert len(held) == 1
        # The winner's confirmation, on each channel the client has; the loser's nothing.
        messages = queued(db, held[0]["id"])
        assert {m["template"] for m in messages} == {"booking_confirmed"}
        assert len(messages) == (2 if winner.json()["client"]["email"] else 1)
        added = rows(db, "SELECT id FROM clients WHERE phone = :ph", ph=phone)
        # The new client exists only if their booking won: the loser's transaction rolled back.
        assert len(added) == (1 if winner.json()["client"]["phone"] == phone else 0)
    assert len(live_at(db, pro.id)) == len(ROUNDS)


def test_a_booking_by_hand_and_a_public_booking_for_one_slot(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = bearer(stack, f"user-{pro.slug}")
    client = add_client(db, pro)
    day = next_weekday(4, after_days=3)
    for hhmm in ROUNDS[:3]:
        starts = pro.at(day, hhmm).isoformat()
        answers = race(
            partial(
                requests.post,
                f"{api}/api/appointments",
                json={"clientId": str(client), "startsAt": starts},
                headers=headers,
                timeout=60,
            ),
            partial(
                requests.post,
                f"{api}/api/booking",
                json={
                    "slug": pro.slug,
                    "startsAt": starts,
                    "clientName": "Pessoa Apressada",
                    "clientPhone": new_phone(),
                },
                headers={"x-forwarded-for": fresh_ip()},
                timeout=60,
            ),
        )
        assert outcome(answers) == Counter({(201, None): 1, (409, "SLOT_TAKEN"): 1}), [
            a.text for a in answers
        ]
    assert len(live_at(db, pro.id)) == 3
