"""The outbox writer behind a job (agenda.adapters.outbox_writer): each page is written in a
transaction of its own and handed to the queue on a thread and a connection of its own while
the caller goes on, one page at a time; what the queue refuses stays pending for the relay,
and a page that fails fails the caller at its next step."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace

import pg8000.native
import pytest
from pg8000.exceptions import DatabaseError

from agenda.adapters.outbox_writer import OutboxWriterBehind
from agenda.adapters.postgres import Database
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.service.records import OutboxMessage
from agenda.settings import DatabaseSettings
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, Professional, rows

pytestmark = pytest.mark.integration


class SlowQueue:
    """Takes a while per page, holds the page whose keys name `hold` until `release`, refuses
    the pages whose keys name `refuse`, and records which threads called it and whether two
    pages were ever in its hands at once."""

    def __init__(self, *, hold: str | None = None, refuse: str | None = None) -> None:
        self.hold, self.refuse = hold, refuse
        self.holding = threading.Event()  # the held page reached the queue (it committed)
        self.release = threading.Event()
        self.sent: list[str] = []
        self.threads: set[str] = set()
        self.overlapped = False
        self._busy = threading.Lock()

    def publish(self, messages: Sequence[OutboxMessage]) -> set[int]:
        if not self._busy.acquire(blocking=False):
            self.overlapped = True
            self._busy.acquire()
        try:
            self.threads.add(threading.current_thread().name)
            time.sleep(0.02)
            keys = [message.key for message in messages]
            if self.hold and any(self.hold in key for key in keys):
                self.holding.set()
                assert self.release.wait(10)
            if self.refuse and any(self.refuse in key for key in keys):
                raise ConnectionError("the queue is down")
            self.sent += keys
            return {message.id for message in messages}
        finally:
            self._busy.release()


@pytest.fixture
def behind(stack: LocalStack) -> Iterator[Database]:
    database = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="writer")
    yield database
    database.close()


def page(pro: Professional, keys: list[str]) -> list[tuple[uuid.UUID, dict[str, object]]]:
    return [
        (pro.id, {"messageKey": key, "template": "booking_received", "channel": "email",
                  "audience": "client", "to": "maria@example.com", "params": {}})
        for key in keys
    ]  # fmt: skip


def pending_keys(db: pg8000.native.Connection, prefix: str) -> list[str]:
    found = rows(
        db,
        "SELECT o.message_key FROM notification_outbox o"
        " JOIN notification_outbox_pending q USING (id) WHERE o.message_key LIKE :p ORDER BY o.id",
        p=f"{prefix}%",
    )
    return [row["message_key"] for row in found]


def test_pages_are_written_and_sent_behind_the_caller_one_at_a_time(
    behind: Database, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    prefix = f"writer-{uuid.uuid4().hex}"
    queue = SlowQueue(hold=":3:")
    writer = OutboxWriterBehind(PostgresUnitOfWork(behind, queue))
    keys = [[f"{prefix}:{n}:{m}" for m in range(3)] for n in range(4)]

    # Each write answers what the page before it wrote: that page was through first.
    answers = [writer.write(page(pro, keys[n])) for n in range(4)]
    assert answers == [[], keys[0], keys[1], keys[2]]
    # The last page is written and in the queue's hands: the caller went on without it.
    assert queue.holding.wait(10)
    assert pending_keys(db, prefix) == keys[3]
    queue.release.set()
    assert writer.settle() == keys[3]

    assert queue.sent == [key for group in keys for key in group]
    assert not queue.overlapped
    assert threading.current_thread().name not in queue.threads
    assert pending_keys(db, prefix) == []
    assert writer.settle() == []


def test_a_page_the_queue_refuses_stays_pending_for_the_relay(
    behind: Database, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    prefix = f"writer-{uuid.uuid4().hex}"
    writer = OutboxWriterBehind(PostgresUnitOfWork(behind, SlowQueue(refuse=":refused:")))
    for name in ("sent", "refused", "later"):
        writer.write(page(pro, [f"{prefix}:{name}:{m}" for m in range(2)]))
    writer.settle()

    assert pending_keys(db, prefix) == [f"{prefix}:refused:0", f"{prefix}:refused:1"]
    [failure] = rows(
        db,
        "SELECT DISTINCT q.attempts, q.last_error FROM notification_outbox o"
        " JOIN notification_outbox_pending q USING (id) WHERE o.message_key LIKE :p",
        p=f"{prefix}%",
    )
    assert failure == {"attempts": 1, "last_error": "ConnectionError"}


def test_a_page_that_fails_to_be_written_fails_the_callers_next_step_and_writes_nothing(
    behind: Database,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    prefix = f"writer-{uuid.uuid4().hex}"
    queue = SlowQueue()
    writer = OutboxWriterBehind(PostgresUnitOfWork(behind, queue))
    gone = replace(pro, id=uuid.uuid4())  # no such professional
    writer.write(page(gone, [f"{prefix}:orphan:0", f"{prefix}:orphan:1"]))

    with pytest.raises(DatabaseError):
        writer.write(page(pro, [f"{prefix}:next:0"]))
    assert rows(db, "SELECT 1 FROM notification_outbox WHERE message_key LIKE :p",
                p=f"{prefix}:orphan%") == []  # fmt: skip
    # The writer goes on with the pages after it.
    writer.write(page(pro, [f"{prefix}:after:0"]))
    assert writer.settle() == [f"{prefix}:after:0"]
    assert queue.sent == [f"{prefix}:after:0"]
