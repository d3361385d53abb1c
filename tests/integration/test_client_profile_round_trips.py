"""The client profile against the real Postgres: one round trip for the whole profile however
many bookings, follows and claimable rows it holds, and one for a follow or an unfollow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pg8000.native
import pytest

from agenda.adapters.postgres import Database
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.service.client_profile import (
    ClientProfileDependencies,
    FollowDependencies,
    follow,
    get_profile,
    unfollow,
)
from agenda.settings import DatabaseSettings
from infra.local.stack import LocalStack
from tests.client_profile_helpers import client_row, new_client_user, new_phone, register
from tests.conftest import MakeProfessional
from tests.fakes import AllowAll
from tests.integration.test_booking_round_trips import RoundTrips
from tests.integration.test_unit_of_work import Queue

pytestmark = pytest.mark.integration


@pytest.fixture
def database(stack: LocalStack) -> Iterator[Database]:
    db = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="profile-test")
    yield db
    db.close()


def test_the_profile_is_one_round_trip_however_much_it_holds(
    database: Database,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pros = [make_professional() for _ in range(3)]
    user, phone = new_client_user(), new_phone()
    register(db, user, phone=phone, email=f"{user}@example.com")
    now = datetime.now(UTC).replace(microsecond=0)
    for n, pro in enumerate(pros):
        client = client_row(db, pro, phone=phone, user_id=user)
        for day in range(1, 16):  # 15 ahead and 15 behind with each professional
            for sign in (1, -1):
                db.run(
                    "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at)"
                    " VALUES (:p, :c, :s, :e)",
                    p=pro.id,
                    c=client,
                    s=now + sign * timedelta(days=day, hours=n),
                    e=now + sign * timedelta(days=day, hours=n) + timedelta(minutes=50),
                )
        db.run("INSERT INTO follows (user_id, professional_id) VALUES (:u, :p)", u=user, p=pro.id)
        client_row(db, make_professional(), phone=phone)  # offered for claiming
    uow = PostgresUnitOfWork(database, Queue())
    deps = ClientProfileDependencies(uow=uow, clock=lambda: datetime.now(UTC))
    get_profile(deps, None, user_id=user)  # connects

    trips = RoundTrips(monkeypatch)
    profile = get_profile(deps, {"limit": "20"}, user_id=user)
    assert trips.count == 1
    assert len(profile["upcoming"]) == 45
    assert len(profile["past"]) == 20
    assert profile["pastCursor"] is not None
    assert len(profile["follows"]) == 3
    assert len(profile["claimable"]) == 3

    follows = FollowDependencies(uow=uow, limiter=AllowAll())
    slug = profile["follows"][0]["slug"]
    assert follow(follows, slug, user_id=user)[0] == 200
    assert trips.count == 2
    unfollow(follows, slug, user_id=user)
    assert trips.count == 3
