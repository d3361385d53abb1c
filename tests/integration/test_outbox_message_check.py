"""A message its template's model refuses fails the write that queues it, on the real Postgres
unit of work: the transaction rolls back with the good messages it wrote, and nothing is in the
outbox or handed to the queue."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pg8000.native
import pytest

from agenda.adapters.postgres import Database
from agenda.adapters.unit_of_work import PostgresStores, PostgresUnitOfWork
from agenda.domain.messages import MessageError, Party, to_both_channels
from agenda.settings import DatabaseSettings
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, rows
from tests.integration.test_unit_of_work import Queue

pytestmark = pytest.mark.integration


@pytest.fixture
def database(stack: LocalStack) -> Iterator[Database]:
    db = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="message-test")
    yield db
    db.close()


CLIENT = Party("Maria Silva", "+5511987654321", "maria@example.com")
GOOD: dict[str, Any] = {
    "professionalName": "Dra. Marina Lopes",
    "clientName": "Maria Silva",
    "startsAt": "2031-06-11T09:00:00-03:00",
    "timezone": "America/Sao_Paulo",
    "locale": "pt-BR",
}


def outbox_keys(db: pg8000.native.Connection, subject: str) -> list[str]:
    found = rows(
        db,
        "SELECT message_key FROM notification_outbox WHERE message_key LIKE :p ORDER BY id",
        p=f"{subject}:%",
    )
    return [row["message_key"] for row in found]


@pytest.mark.parametrize(
    ("params", "param", "problem"),
    [
        pytest.param({k: v for k, v in GOOD.items() if k != "startsAt"}, "startsAt",
                     "is missing startsAt", id="missing"),
        pytest.param({**GOOD, "startsAt": 1_937_000_000}, "startsAt", "must be text",
                     id="wrongly-typed"),
    ],
)  # fmt: skip
def test_a_bad_message_fails_the_write_and_nothing_is_queued(
    database: Database,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    params: dict[str, Any],
    param: str,
    problem: str,
) -> None:
    pro = make_professional()
    subject = f"message-{uuid.uuid4().hex}"
    queue = Queue()

    def work(stores: PostgresStores) -> None:
        # A good message first: the bad one must take it down with the transaction.
        good = to_both_channels(CLIENT, audience="client", template="reminder_24h",
                                subject_id=subject, version=0, params=GOOD)  # fmt: skip
        stores.outbox.add([(pro.id, message) for message in good])
        bad = to_both_channels(CLIENT, audience="client", template="reminder_1h",
                               subject_id=subject, version=0, params=params)  # fmt: skip
        stores.outbox.add([(pro.id, message) for message in bad])

    with pytest.raises(MessageError, match=problem) as raised:
        PostgresUnitOfWork(database, queue).run(work)
    assert (raised.value.template, raised.value.params) == ("reminder_1h", (param,))
    assert outbox_keys(db, subject) == []
    assert queue.sent == []

    # The same work with good messages writes and queues all of them.
    params = GOOD
    ok = PostgresUnitOfWork(database, queue)

    def good_work(stores: PostgresStores) -> None:
        for template in ("reminder_24h", "reminder_1h"):
            written = to_both_channels(CLIENT, audience="client", template=template,
                                       subject_id=subject, version=0, params=params)  # fmt: skip
            stores.outbox.add([(pro.id, message) for message in written])

    ok.run(good_work)
    assert len(outbox_keys(db, subject)) == 4
    assert sorted(queue.sent) == sorted(outbox_keys(db, subject))
