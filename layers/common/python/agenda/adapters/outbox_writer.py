"""Pages of outbox rows written behind a job (agenda.service.ports.OutboxWriter).

The morning's reminder run reads a page of due appointments, makes their messages and queues
them, a thousand appointments after another. The reads and the writes need not wait for each
other: a page's messages are its own, and the next page starts after the last appointment the
previous one read, whatever was written. So the job reads and builds on its own connection
while this writer, on a thread and a connection of its own, writes the page before in its own
transaction and hands its rows to the queue after the commit (the SQS round trips, on AWS the
larger part of a page).

One page at a time: handing over a page first waits for the one before, so at most one page
is in flight, memory stays that of two pages, and a page that failed fails the job at its next
step, as a failed write always did. ``settle`` waits for the last one; the job settles before
it returns, so a frozen container never holds a page half written.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agenda.adapters.unit_of_work import PostgresStores, PostgresUnitOfWork
    from agenda.service.ports import Queued


def _add(items: Sequence[Queued], stores: PostgresStores) -> list[str]:
    return stores.outbox.add(items)


class OutboxWriterBehind:
    def __init__(self, uow: PostgresUnitOfWork) -> None:
        # A unit of work of its own: its connection is never the caller's.
        self._uow = uow
        self._executor: ThreadPoolExecutor | None = None
        self._in_flight: Future[list[str]] | None = None

    def write(self, items: Sequence[Queued]) -> list[str]:
        written = self.settle()
        if items:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
            self._in_flight = self._executor.submit(self._uow.run, partial(_add, list(items)))
        return written

    def settle(self) -> list[str]:
        in_flight, self._in_flight = self._in_flight, None
        return in_flight.result() if in_flight is not None else []
