"""The Postgres unit of work: messages reach the queue after the commit and only then, a
retried transaction sends only what its last attempt wrote, and a savepoint that rolls back
takes its messages with it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence

import pg8000.native
import pytest
from pg8000.exceptions import DatabaseError

from agenda.adapters.postgres import Database
from agenda.adapters.unit_of_work import PostgresStores, PostgresUnitOfWork
from agenda.service.records import OutboxMessage
from agenda.settings import DatabaseSettings
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, rows

pytestmark = pytest.mark.integration


class Queue:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def publish(self, messages: Sequence[OutboxMessage]) -> set[int]:
        self.sent += [message.key for message in messages]
        return {message.id for message in messages}


@pytest.fixture
def database(stack: LocalStack) -> Iterator[Database]:
    db = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="uow-test")
    yield db
    db.close()


def envelope(key: str) -> dict[str, object]:
    return {"messageKey": key, "template": "booking_received", "channel": "email",
            "audience": "client", "to": "maria@example.com", "params": {}}  # fmt: skip


def outbox_keys(db: pg8000.native.Connection, prefix: str) -> list[str]:
    found = rows(
        db,
        "SELECT message_key FROM notification_outbox WHERE message_key LIKE :p ORDER BY id",
        p=f"{prefix}%",
    )
    return [row["message_key"] for row in found]


def test_messages_go_to_the_queue_after_the_commit_and_never_after_a_rollback(
    database: Database, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    prefix = f"uow-{uuid.uuid4().hex}"
    queue = Queue()
    uow = PostgresUnitOfWork(database, queue)

    def work(stores: PostgresStores) -> None:
        stores.outbox.add([(pro.id, envelope(f"{prefix}:sent"))])
        assert queue.sent == []  # nothing leaves before the commit

    uow.run(work)
    assert queue.sent == [f"{prefix}:sent"]
    written = rows(
        db,
        "SELECT EXISTS (SELECT 1 FROM notification_outbox_pending q WHERE q.id = o.id) AS pending"
        " FROM notification_outbox o WHERE o.message_key = :k",
        k=f"{prefix}:sent",
    )
    assert written == [{"pending": False}]

    def failing(stores: PostgresStores) -> None:
        stores.outbox.add([(pro.id, envelope(f"{prefix}:rolled-back"))])
        raise RuntimeError("the work failed after writing")

    with pytest.raises(RuntimeError):
        uow.run(failing)
    assert queue.sent == [f"{prefix}:sent"]
    assert outbox_keys(db, prefix) == [f"{prefix}:sent"]


def test_a_retried_transaction_sends_only_what_its_last_attempt_wrote(
    database: Database, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    prefix = f"uow-{uuid.uuid4().hex}"
    queue = Queue()
    attempts: list[int] = []

    def work(stores: PostgresStores) -> None:
        attempts.append(1)
        stores.outbox.add([(pro.id, envelope(f"{prefix}:attempt-{len(attempts)}"))])
        if len(attempts) == 1:
            # What Postgres raises for a serialization failure: the whole work runs again.
            raise DatabaseError({"C": "40001", "M": "could not serialize access"})

    PostgresUnitOfWork(database, queue).run(work)
    assert len(attempts) == 2
    assert queue.sent == [f"{prefix}:attempt-2"]
    assert outbox_keys(db, prefix) == [f"{prefix}:attempt-2"]


def test_a_savepoint_that_rolls_back_takes_its_messages_with_it(
    database: Database, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    prefix = f"uow-{uuid.uuid4().hex}"
    queue = Queue()

    def refused(stores: PostgresStores) -> None:
        with stores.savepoint():
            stores.outbox.add([(pro.id, envelope(f"{prefix}:undone"))])
            raise ValueError("refused inside the savepoint")

    def work(stores: PostgresStores) -> None:
        stores.outbox.add([(pro.id, envelope(f"{prefix}:kept"))])
        with pytest.raises(ValueError, match="refused"):
            refused(stores)

    PostgresUnitOfWork(database, queue).run(work)
    assert queue.sent == [f"{prefix}:kept"]
    assert outbox_keys(db, prefix) == [f"{prefix}:kept"]
