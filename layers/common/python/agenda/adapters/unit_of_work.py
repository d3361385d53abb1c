"""The Postgres unit of work: one transaction, the stores bound to it, the outbox after it.

``run`` begins, hands the work the stores of this transaction, commits, and rolls back on any
error; a serialization failure or a deadlock (40001, 40P01) runs the work again from the start
on a fresh transaction, a bounded number of times (agenda.adapters.postgres). The outbox rows
the work wrote go to the queue once the commit is through, never before: a message is never
sent about a change that did not happen. What the queue does not take stays in the outbox for
the relay.

``read`` runs the work's statements one by one without a transaction, for reads that are one
statement (no BEGIN and COMMIT round trips).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agenda.adapters.accounts import PostgresAccounts
    from agenda.adapters.appointments import PostgresAppointments
    from agenda.adapters.availability import PostgresAvailability
    from agenda.adapters.avatars import PostgresAvatars
    from agenda.adapters.billing import PostgresBilling, PostgresPayments
    from agenda.adapters.client_claims import PostgresClientClaims
    from agenda.adapters.client_contacts import PostgresClientContacts
    from agenda.adapters.client_notes import PostgresClientNotes
    from agenda.adapters.client_privacy import PostgresClientPrivacy
    from agenda.adapters.client_profiles import PostgresClientProfiles
    from agenda.adapters.clients import PostgresClients
    from agenda.adapters.guest_links import PostgresGuestLinks
    from agenda.adapters.hand_bookings import PostgresHandBookings
    from agenda.adapters.inbox import PostgresInbox, PostgresNotices
    from agenda.adapters.jobs import PostgresJobs
    from agenda.adapters.messages import PostgresMessages
    from agenda.adapters.outbox import PostgresOutbox
    from agenda.adapters.postgres import Database, Transaction
    from agenda.adapters.privacy import PostgresPrivacy
    from agenda.adapters.professionals import PostgresBookings, PostgresProfessionals
    from agenda.adapters.queue import Publisher
    from agenda.adapters.reviews import PostgresReviews
    from agenda.adapters.site_pages import PostgresSitePageJobs
    from agenda.adapters.verification_codes import PostgresVerificationCodes
    from agenda.service.records import OutboxMessage


class PostgresStores:
    """Every store, bound to one transaction. Each store's module is imported when a function
    first uses it: the booking read path loads neither the jobs' message catalogue nor the
    billing rules."""

    def __init__(
        self, tx: Transaction, written: list[OutboxMessage], publisher: Publisher | None
    ) -> None:
        self._tx = tx
        self._written = written
        self._publisher = publisher

    @cached_property
    def outbox(self) -> PostgresOutbox:
        from agenda.adapters.outbox import PostgresOutbox

        return PostgresOutbox(self._tx, self._written, self._publisher)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        # Outbox rows written inside a savepoint that rolls back are gone: never send them.
        kept = len(self._written)
        try:
            with self._tx.savepoint():
                yield
        except Exception:
            del self._written[kept:]
            raise

    @property
    def professionals(self) -> PostgresProfessionals:
        from agenda.adapters.professionals import PostgresProfessionals

        return PostgresProfessionals(self._tx)

    @property
    def bookings(self) -> PostgresBookings:
        from agenda.adapters.professionals import PostgresBookings

        return PostgresBookings(self._tx, self.outbox)

    @property
    def hand_bookings(self) -> PostgresHandBookings:
        from agenda.adapters.hand_bookings import PostgresHandBookings

        return PostgresHandBookings(self._tx)

    @property
    def appointments(self) -> PostgresAppointments:
        from agenda.adapters.appointments import PostgresAppointments

        return PostgresAppointments(self._tx)

    @property
    def payments(self) -> PostgresPayments:
        from agenda.adapters.billing import PostgresPayments

        return PostgresPayments(self._tx)

    @property
    def billing(self) -> PostgresBilling:
        from agenda.adapters.billing import PostgresBilling

        return PostgresBilling(self._tx)

    @property
    def availability(self) -> PostgresAvailability:
        from agenda.adapters.availability import PostgresAvailability

        return PostgresAvailability(self._tx)

    @property
    def accounts(self) -> PostgresAccounts:
        from agenda.adapters.accounts import PostgresAccounts

        return PostgresAccounts(self._tx)

    @property
    def inbox(self) -> PostgresInbox:
        from agenda.adapters.inbox import PostgresInbox

        return PostgresInbox(self._tx)

    @property
    def notices(self) -> PostgresNotices:
        from agenda.adapters.inbox import PostgresNotices

        return PostgresNotices(self._tx)

    @property
    def jobs(self) -> PostgresJobs:
        from agenda.adapters.jobs import PostgresJobs

        return PostgresJobs(self._tx)

    @property
    def avatars(self) -> PostgresAvatars:
        from agenda.adapters.avatars import PostgresAvatars

        return PostgresAvatars(self._tx)

    @property
    def privacy(self) -> PostgresPrivacy:
        from agenda.adapters.privacy import PostgresPrivacy

        return PostgresPrivacy(self._tx)

    @property
    def client_claims(self) -> PostgresClientClaims:
        from agenda.adapters.client_claims import PostgresClientClaims

        return PostgresClientClaims(self._tx)

    @property
    def client_contacts(self) -> PostgresClientContacts:
        from agenda.adapters.client_contacts import PostgresClientContacts

        return PostgresClientContacts(self._tx)

    @property
    def verification_codes(self) -> PostgresVerificationCodes:
        from agenda.adapters.verification_codes import PostgresVerificationCodes

        return PostgresVerificationCodes(self._tx)

    @property
    def client_profiles(self) -> PostgresClientProfiles:
        from agenda.adapters.client_profiles import PostgresClientProfiles

        return PostgresClientProfiles(self._tx)

    @property
    def client_privacy(self) -> PostgresClientPrivacy:
        from agenda.adapters.client_privacy import PostgresClientPrivacy

        return PostgresClientPrivacy(self._tx)

    @property
    def site_pages(self) -> PostgresSitePageJobs:
        from agenda.adapters.site_pages import PostgresSitePageJobs

        return PostgresSitePageJobs(self._tx)

    @property
    def guest_links(self) -> PostgresGuestLinks:
        from agenda.adapters.guest_links import PostgresGuestLinks

        return PostgresGuestLinks(self._tx)

    # -- the client relationship (docs/client-relationship.md) --

    @property
    def clients(self) -> PostgresClients:
        from agenda.adapters.clients import PostgresClients

        return PostgresClients(self._tx)

    @property
    def client_notes(self) -> PostgresClientNotes:
        from agenda.adapters.client_notes import PostgresClientNotes

        return PostgresClientNotes(self._tx)

    @property
    def messages(self) -> PostgresMessages:
        from agenda.adapters.messages import PostgresMessages

        return PostgresMessages(self._tx)

    @property
    def reviews(self) -> PostgresReviews:
        from agenda.adapters.reviews import PostgresReviews

        return PostgresReviews(self._tx)


class PostgresUnitOfWork:
    """``defer_dispatch``: the outbox rows of committed work wait for ``dispatch_deferred``
    instead of going to the queue at once, so a function can send them while it waits anyway
    (the booking function's response floor). Rows never dispatched are the relay's, after
    its grace."""

    def __init__(
        self, database: Database, publisher: Publisher | None, *, defer_dispatch: bool = False
    ) -> None:
        # Public for the operators' tools and the benchmark, which time each apart.
        self.database = database
        self.publisher = publisher
        self._defer = defer_dispatch
        self._deferred: list[OutboxMessage] = []

    def run[T](self, work: Callable[[PostgresStores], T]) -> T:
        return self._write(work, begin=True)

    def run_one[T](self, work: Callable[[PostgresStores], T]) -> T:
        return self._write(work, begin=False)

    def _write[T](self, work: Callable[[PostgresStores], T], *, begin: bool) -> T:
        written: list[OutboxMessage] = []

        def attempt(tx: Transaction) -> T:
            written.clear()  # a retried transaction wrote nothing that lasts
            return work(PostgresStores(tx, written, self.publisher))

        result = self.database.transaction(
            attempt, begin=begin, max_statements=None if begin else 1
        )
        if written and self.publisher is not None:
            if self._defer:
                self._deferred.extend(written)
            else:
                self._dispatch(written)
        return result

    def dispatch_deferred(self) -> int:
        """Hand the committed work's deferred outbox rows to the queue; answers how many it
        took. Never raises (what it did not take stays for the relay)."""
        pending, self._deferred = self._deferred, []
        return self._dispatch(pending) if pending else 0

    def _dispatch(self, messages: list[OutboxMessage]) -> int:
        from agenda.adapters.outbox import dispatch

        assert self.publisher is not None
        return dispatch(self.database.query, self.publisher, messages)

    def read[T](self, work: Callable[[PostgresStores], T]) -> T:
        return self.database.transaction(lambda tx: work(PostgresStores(tx, [], None)), begin=False)

    def close(self) -> None:
        self.database.close()
