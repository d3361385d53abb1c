"""Two reschedules racing for one free slot, through the gateway: exactly one wins, and the
loser's appointment is exactly as it was."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    bearer,
    changes,
    guest_post,
    guest_token,
    new_professional,
    patch,
    queued,
    snapshot,
)
from tests.conftest import MakeProfessional, next_weekday

pytestmark = pytest.mark.e2e

ROUNDS = ("14:00", "14:50", "15:40", "16:30")


def race(*requests_: Callable[[], requests.Response]) -> list[requests.Response]:
    """Send the requests at once, released together by one barrier."""
    barrier = threading.Barrier(len(requests_))

    def send(request: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait()
        return request()

    with ThreadPoolExecutor(max_workers=len(requests_)) as pool:
        return list(pool.map(send, requests_))


@pytest.mark.parametrize("hhmm", ROUNDS)
def test_two_reschedules_to_one_free_slot_one_wins(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    hhmm: str,
) -> None:
    pro = new_professional(make_professional)
    day = next_weekday(2, after_days=3)
    first = add_appointment(db, pro, add_client(db, pro), pro.at(day, "09:00"))
    second = add_appointment(db, pro, add_client(db, pro), pro.at(day, "09:50"))
    before = {first: snapshot(db, first), second: snapshot(db, second)}
    target = pro.at(day, hhmm)
    body = {"action": "reschedule", "startsAt": target.isoformat()}
    headers = bearer(stack, f"user-{pro.slug}")
    answers = race(
        lambda: patch(api, first, body, headers),
        lambda: patch(api, second, body, headers),
    )
    assert Counter(a.status_code for a in answers) == {200: 1, 409: 1}, [a.text for a in answers]
    [lost] = [a for a in answers if a.status_code == 409]
    assert lost.json()["error"]["code"] == "SLOT_TAKEN"
    winner, loser = (first, second) if answers[0].status_code == 200 else (second, first)
    assert snapshot(db, winner)["starts_at"] == target
    assert snapshot(db, loser) == before[loser]
    assert changes(db, loser) == []
    assert queued(db, loser) == []
    assert len(changes(db, winner)) == 1


def test_a_guest_and_the_professional_racing_for_one_slot(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    day = next_weekday(4, after_days=3)
    by_guest = add_appointment(db, pro, add_client(db, pro), pro.at(day, "09:00"))
    by_pro = add_appointment(db, pro, add_client(db, pro), pro.at(day, "10:40"))
    before = {by_guest: snapshot(db, by_guest), by_pro: snapshot(db, by_pro)}
    target = pro.at(day, "15:40").isoformat()
    token = guest_token(stack, by_guest)
    answers = race(
        lambda: guest_post(api, by_guest, "reschedule", {"token": token, "startsAt": target}),
        lambda: patch(
            api,
            by_pro,
            {"action": "reschedule", "startsAt": target},
            bearer(stack, f"user-{pro.slug}"),
        ),
    )
    assert sorted(a.status_code for a in answers) == [200, 409]
    live = db.run(
        "SELECT id FROM appointments WHERE professional_id = :p AND starts_at = :s",
        p=pro.id,
        s=pro.at(day, "15:40"),
    )
    assert len(live) == 1
    loser: UUID = by_pro if answers[0].status_code == 200 else by_guest
    assert changes(db, loser) == []
    assert snapshot(db, loser) == before[loser]
