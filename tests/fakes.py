"""In-memory fakes of the service ports (agenda.service.ports), for unit tests of the services.

Each fake has the behaviour of its Postgres adapter that a service's rules depend on, over
tables of frozen rows, and nothing more: no SQL, no sockets, no mocks.

- ``FakeUnitOfWork``: ``run`` works on a copy of the state and commits by swapping it in when
  the work returns, so an exception, a failed commit or a serialization failure leaves nothing
  behind; the outbox rows the work wrote go to the ``FakeQueue`` after the commit, never
  before, and what the queue refuses stays pending for the relay. A serialization failure runs
  the work again from the start (three attempts in all, as agenda.adapters.postgres). A failed
  statement aborts the transaction until a savepoint around it is rolled back. ``read`` hands
  the work the committed state and refuses writes.
- The stores mirror their adapters: the client upsert matched by phone or email, the plan
  counts (read only under the professional's lock), the exclusion constraint over the buffered
  ranges of live appointments (SlotTaken on every write that leaves an appointment live), an
  appointment found only by its professional or its client, ``status_changed_by`` following
  the status, an audit row per change, an outbox that does not queue a key twice, processed
  Stripe events recorded once.
- Not emulated, on purpose: row locks and concurrency (one thread; ``FakeUnitOfWork.meanwhile``
  plays another transaction committing between a service's read and its write), the overrides
  and blocked dates a schedule range selects (the seeded rules are handed over whole: the slot
  engine looks only at the dates it is asked about), reviews on the public page, and the stores
  no service tested here uses (availability, inbox, jobs, deliveries).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Concatenate, Protocol
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from agenda.domain.billing import BillingState
from agenda.domain.errors import RateLimited, ScheduleChanged, ServiceUnavailable, SlotTaken
from agenda.domain.lifecycle import Appointment, Policy
from agenda.domain.notices import Notice
from agenda.domain.parties import Party
from agenda.domain.plans import Account
from agenda.domain.slots import Busy, Rules, WeeklyWindow, default_step
from agenda.domain.statuses import LIVE, OUTCOMES, PENDING, RELEASED, Role
from agenda.service.links import GuestLinks
from agenda.service.ports import Queued
from agenda.service.records import (
    AppliedChange,
    AppointmentClient,
    AppointmentListing,
    AppointmentPage,
    AppointmentPayment,
    AppointmentProfessional,
    AppointmentRecord,
    BillingAccount,
    BookingRecord,
    ChangeWritten,
    ClientListing,
    NewBooking,
    OutboxMessage,
    PaymentChange,
    PaymentRecord,
    PlanCaps,
    PlanUsage,
    ProfessionalSchedule,
    PublicProfile,
    RelatedProfessional,
    ScheduleRange,
)
from agenda.settings import GuestLinkSettings, Secret

# The messages agenda.adapters.postgres.overlap_is_slot_taken gives the exclusion constraint.
TAKEN = "This time was just taken, please choose another one"
TAKEN_MEANWHILE = "The booking's time was taken meanwhile"
# agenda.adapters.postgres.Database.transaction: the first try and two retries.
ATTEMPTS = 3
SEEDED_AT = datetime(2020, 1, 1, tzinfo=UTC)

APP_BASE_URL = "https://app.example"
GUEST_LINK_SECRET = "unit-test-guest-link-secret-0032"  # 32 bytes


class IntegrityError(Exception):
    """A unique constraint the adapter's statement would violate (a bug in the caller)."""


class SerializationFailure(Exception):
    """SQLSTATE 40001 after the last attempt."""


class WriteOutsideTransaction(AssertionError):
    """A write through ``UnitOfWork.read``: on Postgres it would commit by itself, statement by
    statement, and the messages it wrote would never reach the queue."""


class InFailedTransaction(Exception):
    """A statement after another one failed, with no savepoint rolled back in between."""


class QueueRefused(Exception):
    """The queue did not take a batch (SQS down, throttled)."""


# -- rows ------------------------------------------------------------------------------------


_ROW_VERSIONS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class ProfessionalRow:
    # The seeded schedule: its busy ranges and its account are worked out from the other
    # tables and from ``billing`` whenever it is read.
    schedule: ProfessionalSchedule
    user_id: str | None
    profession: str
    policy: Policy
    billing: BillingState
    stripe_customer_id: str | None = None
    active: bool = True
    bio: str | None = None
    avatar_url: str | None = None
    public_contact: str | None = None
    # As professionals.schedule_version: every changed row is a new row (rows are frozen and
    # replaced), and each new row takes the next number.
    version: int = field(default_factory=lambda: next(_ROW_VERSIONS), init=False, compare=False)

    @property
    def id(self) -> UUID:
        return self.schedule.id


@dataclass(frozen=True, slots=True)
class ClientRow:
    id: UUID
    professional_id: UUID
    name: str
    phone: str
    email: str | None
    user_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AppointmentRow:
    id: UUID
    professional_id: UUID
    client_id: UUID
    facts: Appointment  # instants in UTC, as Postgres hands timestamptz back
    created_at: datetime
    updated_at: datetime
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    status_changed_by: str | None = None
    status_changed_at: datetime | None = None
    checkout_session_id: str | None = None
    payment_intent_id: str | None = None
    amount_due: Decimal | None = None
    payment_expires_at: datetime | None = None
    paid_at: datetime | None = None
    late_cancellation: bool = False
    refund_id: str | None = None
    refunded_amount: Decimal | None = None

    @property
    def blocked_during(self) -> Busy:
        """What the exclusion constraint compares: the session with its stored buffers."""
        return (
            self.facts.starts_at - timedelta(minutes=self.buffer_before_minutes),
            self.facts.ends_at + timedelta(minutes=self.buffer_after_minutes),
        )

    @property
    def holds_its_time(self) -> bool:
        return self.facts.status not in RELEASED


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """An in-app notification."""

    professional_id: UUID
    type: str
    title: str
    body: str
    data: dict[str, Any]
    key: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """The audit record of one change (appointment_changes)."""

    appointment_id: UUID
    action: str
    actor_role: str
    actor_id: str | None
    from_status: str
    to_status: str
    from_payment_status: str
    to_payment_status: str
    from_starts_at: datetime
    to_starts_at: datetime
    sequence: int
    reason: str | None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    key: str
    payload: dict[str, Any]
    professional_id: UUID | None
    created_at: datetime
    enqueued_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None

    def message(self) -> OutboxMessage:
        return OutboxMessage(self.id, self.key, _json_copy(self.payload))


@dataclass(frozen=True, slots=True)
class EventRow:
    """A processed Stripe event."""

    event_id: str
    type: str
    object_id: str | None
    outcome: str


# -- the state -------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _overlap(first: Busy, second: Busy) -> bool:
    """Half-open ranges, as tstzrange's &&: back to back is no overlap."""
    return first[0] < second[1] and second[0] < first[1]


@dataclass
class FakeState:
    """The tables. Every row is frozen, so new tables over the same rows are a deep copy."""

    professionals: dict[UUID, ProfessionalRow] = field(default_factory=dict)
    clients: dict[UUID, ClientRow] = field(default_factory=dict)
    appointments: dict[UUID, AppointmentRow] = field(default_factory=dict)
    notifications: list[NoticeRow] = field(default_factory=list)
    changes: list[ChangeRow] = field(default_factory=list)
    outbox: dict[str, OutboxRow] = field(default_factory=dict)  # by key, in id order
    events: dict[str, EventRow] = field(default_factory=dict)
    # A sequence: shared by every copy, so a rolled-back id is never handed out again.
    outbox_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def copy(self) -> FakeState:
        return FakeState(
            professionals=dict(self.professionals),
            clients=dict(self.clients),
            appointments=dict(self.appointments),
            notifications=list(self.notifications),
            changes=list(self.changes),
            outbox=dict(self.outbox),
            events=dict(self.events),
            outbox_ids=self.outbox_ids,
        )

    def take(self, other: FakeState) -> None:
        """Make ``other``'s tables these (a commit, or a savepoint rolled back)."""
        self.professionals = other.professionals
        self.clients = other.clients
        self.appointments = other.appointments
        self.notifications = other.notifications
        self.changes = other.changes
        self.outbox = other.outbox
        self.events = other.events

    # -- seeding, as the tests' helpers insert rows straight into the tables ----------------

    def add_professional(
        self,
        schedule: ProfessionalSchedule,
        *,
        user_id: str | None = None,
        profession: str = "Psicóloga",
        policy: Policy | None = None,
        billing: BillingState | None = None,
        stripe_customer_id: str | None = None,
        active: bool = True,
        public_contact: str | None = None,
    ) -> ProfessionalRow:
        account = schedule.account
        row = ProfessionalRow(
            schedule=schedule,
            user_id=user_id,
            profession=profession,
            public_contact=public_contact,
            policy=policy or Policy(),
            billing=billing
            or BillingState(
                plan=account.plan,
                subscription_status=account.subscription_status,
                trial_ends_at=account.trial_ends_at,
                past_due_since=account.past_due_since,
            ),
            stripe_customer_id=stripe_customer_id,
            active=active,
        )
        if any(other.schedule.slug == schedule.slug for other in self.professionals.values()):
            raise IntegrityError(f"duplicate slug {schedule.slug}")
        self.professionals[row.id] = row
        return row

    def add_client(
        self,
        professional_id: UUID,
        *,
        name: str = "Maria Silva",
        phone: str = "+5511987654321",
        email: str | None = "maria@example.com",
        user_id: str | None = None,
    ) -> UUID:
        self.check_phone_free(professional_id, phone)
        client = ClientRow(uuid4(), professional_id, name, phone, email, user_id, SEEDED_AT)
        self.clients[client.id] = client
        return client.id

    def add_appointment(
        self,
        professional_id: UUID,
        client_id: UUID,
        starts_at: datetime,
        *,
        minutes: int | None = None,
        status: str = "confirmed",
        payment_status: str = "none",
        sequence: int = 0,
        buffer_before_minutes: int = 0,
        buffer_after_minutes: int = 0,
        status_changed_by: str | None = None,
        checkout_session_id: str | None = None,
        payment_intent_id: str | None = None,
        amount_due: Decimal | None = None,
        payment_expires_at: datetime | None = None,
    ) -> UUID:
        """An appointment written straight into the table: any status, any time (the past
        included), still under the exclusion constraint."""
        duration = minutes or self.professionals[professional_id].schedule.session_duration
        start = _utc(starts_at)
        row = AppointmentRow(
            id=uuid4(),
            professional_id=professional_id,
            client_id=client_id,
            facts=Appointment(
                status, payment_status, start, start + timedelta(minutes=duration), sequence
            ),
            created_at=SEEDED_AT,
            updated_at=SEEDED_AT,
            buffer_before_minutes=buffer_before_minutes,
            buffer_after_minutes=buffer_after_minutes,
            status_changed_by=status_changed_by,
            checkout_session_id=checkout_session_id,
            payment_intent_id=payment_intent_id,
            amount_due=amount_due,
            payment_expires_at=payment_expires_at,
        )
        self.check_clear(row, TAKEN)
        self.appointments[row.id] = row
        return row.id

    # -- what the tests look at -------------------------------------------------------------

    def appointments_of(self, professional_id: UUID) -> list[AppointmentRow]:
        rows = (a for a in self.appointments.values() if a.professional_id == professional_id)
        return sorted(rows, key=lambda a: a.facts.starts_at)

    def clients_of(self, professional_id: UUID) -> list[ClientRow]:
        return [c for c in self.clients.values() if c.professional_id == professional_id]

    def changes_of(self, appointment_id: UUID) -> list[ChangeRow]:
        return [c for c in self.changes if c.appointment_id == appointment_id]

    # -- constraints --------------------------------------------------------------------------

    def check_clear(self, row: AppointmentRow, message: str) -> None:
        """The exclusion constraint: a live appointment's buffered range overlaps no other
        live appointment of its professional."""
        if not row.holds_its_time:
            return
        for other in self.appointments.values():
            if (
                other.id != row.id
                and other.professional_id == row.professional_id
                and other.holds_its_time
                and _overlap(other.blocked_during, row.blocked_during)
            ):
                raise SlotTaken(message)

    def check_phone_free(self, professional_id: UUID, phone: str) -> None:
        """clients' UNIQUE (professional_id, phone)."""
        if any(c.phone == phone for c in self.clients_of(professional_id)):
            raise IntegrityError("duplicate key value violates clients (professional_id, phone)")

    def busy(
        self, professional_id: UUID, within: ScheduleRange, *, moving: UUID | None = None
    ) -> tuple[Busy, ...]:
        """The live appointments' buffered ranges that meet the range asked for, ``moving``
        left out."""
        reach = (within.busy_from, within.busy_until)
        return tuple(
            sorted(
                a.blocked_during
                for a in self.appointments.values()
                if a.professional_id == professional_id
                and a.id != moving
                and a.holds_its_time
                and _overlap(a.blocked_during, reach)
            )
        )

    def schedule_of(
        self, row: ProfessionalRow, within: ScheduleRange, *, moving: UUID | None = None
    ) -> ProfessionalSchedule:
        return replace(
            row.schedule,
            account=row.billing.account(),
            busy=self.busy(row.id, within, moving=moving),
            version=row.version,
        )


# -- the unit of work and the queue -----------------------------------------------------------


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("the clock's time must be timezone-aware")
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class FakeQueue:
    """The notifications queue: what it was handed, in order. ``refuse()`` makes it refuse
    every batch (what it refused stays in the outbox for the relay)."""

    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []
        self.refusing = False
        self.refused = 0  # batches refused

    def refuse(self, refusing: bool = True) -> None:
        self.refusing = refusing

    def publish(self, messages: Sequence[OutboxMessage]) -> set[int]:
        if self.refusing:
            self.refused += 1
            raise QueueRefused("the queue is not taking messages")
        self.sent.extend(messages)
        return {message.id for message in messages}

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [message.payload for message in self.sent]

    def templates(self) -> set[tuple[str, str, str]]:
        """(template, audience, channel) of every message sent."""
        return {(p["template"], p["audience"], p["channel"]) for p in self.payloads}


def _dispatch(
    state: FakeState, queue: FakeQueue, messages: Sequence[OutboxMessage], now: datetime
) -> int:
    """agenda.adapters.outbox.dispatch: hand rows to the queue, record the outcome on them,
    never raise."""
    if not messages:
        return 0
    try:
        accepted = queue.publish(messages)
        error = "rejected by the queue"
    except Exception as exc:
        accepted, error = set(), type(exc).__name__
    for message in messages:
        row = state.outbox.get(message.key)
        if row is None or row.id != message.id:
            continue  # the row is not there (the UPDATE finds nothing)
        if message.id in accepted:
            row = replace(row, enqueued_at=now, attempts=row.attempts + 1, last_error=None)
        else:
            row = replace(row, attempts=row.attempts + 1, last_error=error)
        state.outbox[message.key] = row
    return len(accepted)


class _Transaction:
    """What the stores of one unit of work share."""

    def __init__(
        self, state: FakeState, clock: FakeClock, queue: FakeQueue, *, read_only: bool
    ) -> None:
        self.state = state
        self.clock = clock
        self.queue = queue
        self.read_only = read_only
        self.written: list[OutboxMessage] = []
        # A statement failed: Postgres refuses every further one until the transaction (or
        # the savepoint around the failure) is rolled back.
        self.aborted = False

    def writable(self) -> FakeState:
        if self.read_only:
            raise WriteOutsideTransaction("a store was written through UnitOfWork.read")
        return self.state


class _Bound(Protocol):
    _tx: _Transaction


def _statement[S: _Bound, **P, R](
    method: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], R]:
    """A store method is one statement: refused in an aborted transaction, and its failure
    aborts the transaction (statements through ``read`` each commit on their own)."""

    @functools.wraps(method)
    def statement(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        tx = self._tx
        if tx.aborted:
            raise InFailedTransaction("current transaction is aborted (25P02)")
        try:
            return method(self, *args, **kwargs)
        except Exception:
            tx.aborted = not tx.read_only
            raise

    return statement


class FakeUnitOfWork:
    """``run`` = one transaction over a copy of the state; ``read`` = reads of the committed
    state. Counts what happened: ``attempts`` (transactions begun), ``commits``,
    ``rollbacks``, ``reads``."""

    def __init__(
        self,
        state: FakeState | None = None,
        *,
        clock: FakeClock | None = None,
        queue: FakeQueue | None = None,
    ) -> None:
        self.state = state if state is not None else FakeState()
        self.clock = clock or FakeClock(datetime.now(UTC))
        self.queue = queue or FakeQueue()
        self.attempts = 0
        self.commits = 0
        self.rollbacks = 0
        self.reads = 0
        self._conflicts = 0
        self._commit_failure: Exception | None = None
        self._meanwhile: list[Callable[[FakeState], object]] = []

    def conflict_next(self, times: int = 1) -> None:
        """The next ``times`` commits fail with a serialization failure (40001): the work is
        rolled back and run again from the start, at most ATTEMPTS times in all."""
        self._conflicts += times

    def fail_next_commit(self, error: Exception) -> None:
        """The next commit fails with ``error`` (a lost connection): nothing is committed."""
        self._commit_failure = error

    def meanwhile(self, change: Callable[[FakeState], object]) -> None:
        """Another transaction commits ``change`` just before the next ``run`` begins: what
        happens between a service's read and its write."""
        self._meanwhile.append(change)

    def run[T](self, work: Callable[[FakeStores], T]) -> T:
        for change in self._meanwhile:
            change(self.state)
        self._meanwhile.clear()
        for attempt in range(1, ATTEMPTS + 1):
            self.attempts += 1
            tx = _Transaction(self.state.copy(), self.clock, self.queue, read_only=False)
            try:
                result = work(FakeStores(tx))
                if tx.aborted:
                    # Postgres answers this COMMIT with a silent ROLLBACK: louder here.
                    raise InFailedTransaction("the work went on after a failed statement")
                self._commit()
            except SerializationFailure:
                self.rollbacks += 1
                if attempt < ATTEMPTS:
                    continue
                raise
            except BaseException:
                self.rollbacks += 1
                raise
            self.state.take(tx.state)
            self.commits += 1
            _dispatch(self.state, self.queue, tx.written, self.clock())
            return result
        raise AssertionError("unreachable")

    def _commit(self) -> None:
        if self._conflicts:
            self._conflicts -= 1
            raise SerializationFailure("could not serialize access (40001)")
        if self._commit_failure is not None:
            error, self._commit_failure = self._commit_failure, None
            raise error

    def run_one[T](self, work: Callable[[FakeStores], T]) -> T:
        """One statement in autocommit: a transaction of its own, as ``run``'s."""
        return self.run(work)

    def read[T](self, work: Callable[[FakeStores], T]) -> T:
        self.reads += 1
        return work(FakeStores(_Transaction(self.state, self.clock, self.queue, read_only=True)))


# -- the stores ------------------------------------------------------------------------------


class FakeStores:
    """Every store, bound to one transaction (PostgresStores)."""

    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx
        self.outbox = FakeOutbox(tx)
        self.professionals = FakeProfessionals(tx)
        self.bookings = FakeBookings(tx, self.outbox)
        self.appointments = FakeAppointments(tx)
        self.payments = FakePayments(tx)
        self.billing = FakeBilling(tx)
        self.notices = FakeNotices(tx)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        tx = self._tx
        saved, written = tx.state.copy(), len(tx.written)
        try:
            yield
        except Exception:
            tx.state.take(saved)
            tx.aborted = False
            # Unlike PostgresOutbox, which keeps collecting rows a rolled-back savepoint wrote.
            del tx.written[written:]
            raise


class FakeOutbox:
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    @_statement
    def write(self, professional_id: UUID | None, envelope: dict[str, Any]) -> OutboxRow:
        """One row, whose key must be new (a booking's plain INSERT)."""
        state = self._tx.writable()
        key = envelope["messageKey"]
        if key in state.outbox:
            raise IntegrityError(f"duplicate message key {key}")
        row = OutboxRow(
            id=next(state.outbox_ids),
            key=key,
            payload=_json_copy(envelope),
            professional_id=professional_id,
            created_at=self._tx.clock(),
        )
        state.outbox[key] = row
        self._tx.written.append(row.message())
        return row

    @_statement
    def add(self, items: Sequence[Queued]) -> list[str]:
        state = self._tx.writable() if items else self._tx.state
        return [
            self.write(professional_id, envelope).key
            for professional_id, envelope in items
            if envelope["messageKey"] not in state.outbox
        ]

    @_statement
    def pending(self, *, grace_seconds: int, limit: int) -> list[OutboxMessage]:
        older_than = self._tx.clock() - timedelta(seconds=grace_seconds)
        rows = [
            row
            for row in self._tx.state.outbox.values()
            if row.enqueued_at is None and row.created_at < older_than
        ]
        return [row.message() for row in sorted(rows, key=lambda r: r.id)[:limit]]

    @_statement
    def send(self, messages: Sequence[OutboxMessage]) -> int:
        return _dispatch(self._tx.writable(), self._tx.queue, messages, self._tx.clock())


def _json_copy(value: Any) -> Any:
    """What a JSON column gives back: a copy the caller cannot change afterwards."""
    if isinstance(value, dict):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_copy(item) for item in value]
    return value


class FakeProfessionals:
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    def _active(self, slug: str) -> ProfessionalRow | None:
        for row in self._tx.state.professionals.values():
            if row.schedule.slug == slug and row.active:
                return row
        return None

    @_statement
    def public_profile(self, slug: str) -> PublicProfile | None:
        row = self._active(slug)
        if row is None:
            return None
        schedule = row.schedule
        related = sorted(
            (
                other
                for other in self._tx.state.professionals.values()
                if other.active and other.profession == row.profession and other.id != row.id
            ),
            key=lambda other: other.schedule.contact.name,
        )[:6]
        price = schedule.session_price
        return PublicProfile(
            slug=schedule.slug,
            name=schedule.contact.name,
            profession=row.profession,
            bio=row.bio,
            avatar_url=row.avatar_url,
            session_duration=schedule.session_duration,
            session_price=float(price) if price is not None else None,
            currency=schedule.currency,
            timezone=schedule.timezone,
            language=schedule.locale,
            reviews=(),
            related=tuple(
                RelatedProfessional(
                    o.schedule.slug, o.schedule.contact.name, o.profession, o.avatar_url
                )
                for o in related
            ),
        )

    @_statement
    def schedule(self, slug: str, within: ScheduleRange) -> ProfessionalSchedule | None:
        row = self._active(slug)
        return self._tx.state.schedule_of(row, within) if row is not None else None


class FakeBookings:
    def __init__(self, tx: _Transaction, outbox: FakeOutbox) -> None:
        self._tx = tx
        self._outbox = outbox

    @_statement
    def insert(self, booking: NewBooking, caps: PlanCaps) -> BookingRecord | PlanUsage:
        """All of it or, when a check fails, none of it (one statement, book_appointment)."""
        state = self._tx.writable()
        now = self._tx.clock()
        if booking.professional_id not in state.professionals:
            raise IntegrityError("no such professional")
        if state.professionals[booking.professional_id].version != booking.schedule_version:
            raise ScheduleChanged
        known, usage = _plan_usage(state, booking, caps)
        if known is None and (
            (caps.max_clients is not None and usage.clients >= caps.max_clients)
            or (
                caps.max_appointments is not None
                and usage.appointments_this_month >= caps.max_appointments
            )
        ):
            return usage
        if booking.appointment_id in state.appointments:
            raise IntegrityError("duplicate appointment id")
        payment = booking.payment
        if payment is not None and any(
            a.checkout_session_id == payment.checkout_session_id
            for a in state.appointments.values()
        ):
            raise IntegrityError("duplicate checkout session")
        keys = [message["messageKey"] for message in booking.messages]
        if len(set(keys)) != len(keys) or any(key in state.outbox for key in keys):
            raise IntegrityError("duplicate message key")

        client_id = known or uuid4()
        existing = state.clients.get(client_id)
        if existing is not None:
            client = replace(existing, email=existing.email or booking.email)
        else:
            state.check_phone_free(booking.professional_id, booking.phone)
            client = ClientRow(
                client_id,
                booking.professional_id,
                booking.client_name,
                booking.phone,
                booking.email,
                None,
                now,
            )
        appointment = AppointmentRow(
            id=booking.appointment_id,
            professional_id=booking.professional_id,
            client_id=client.id,
            facts=Appointment(
                booking.status,
                "pending" if payment else "none",
                _utc(booking.starts_at),
                _utc(booking.ends_at),
                0,
            ),
            created_at=now,
            updated_at=now,
            buffer_before_minutes=booking.buffer_before_minutes,
            buffer_after_minutes=booking.buffer_after_minutes,
            checkout_session_id=payment.checkout_session_id if payment else None,
            amount_due=payment.amount if payment else None,
            payment_expires_at=payment.expires_at if payment else None,
        )
        state.check_clear(appointment, TAKEN)

        state.clients[client.id] = client
        state.appointments[appointment.id] = appointment
        if booking.notification_title is not None:
            state.notifications.append(
                NoticeRow(
                    booking.professional_id,
                    "booking_request",
                    booking.notification_title,
                    booking.notification_body or "",
                    {"appointmentId": str(appointment.id)},
                )
            )
        for message in booking.messages:
            self._outbox.write(booking.professional_id, message)
        return BookingRecord(appointment_id=appointment.id, status=appointment.facts.status)


def _plan_usage(
    state: FakeState, booking: NewBooking, caps: PlanCaps
) -> tuple[UUID | None, PlanUsage]:
    """What book_appointment counts under the professional's lock: the client a booking
    would reuse (by phone, or by email in any case), the clients, the month's live
    appointments."""
    professional_id, phone, email = booking.professional_id, booking.phone, booking.email
    clients = state.clients_of(professional_id)
    matching = [
        c
        for c in clients
        if c.phone == phone
        or (email is not None and c.email is not None and c.email.lower() == email)
    ]
    # The phone's own client first, then the oldest (a stable sort keeps seeding order).
    matching.sort(key=lambda c: (c.phone != phone, c.created_at))
    appointments = sum(
        1
        for a in state.appointments_of(professional_id)
        if a.holds_its_time and caps.month_start <= a.facts.starts_at < caps.month_end
    )
    known = matching[0].id if matching else None
    return known, PlanUsage(clients=len(clients), appointments_this_month=appointments)


def _appointment_record(state: FakeState, row: AppointmentRow, role: Role) -> AppointmentRecord:
    professional = state.professionals[row.professional_id]
    client = state.clients[row.client_id]
    schedule = professional.schedule
    return AppointmentRecord(
        id=row.id,
        facts=row.facts,
        status_changed_by=row.status_changed_by,
        status_changed_at=row.status_changed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        professional=AppointmentProfessional(
            id=professional.id,
            user_id=professional.user_id,
            slug=schedule.slug,
            contact=schedule.contact,
            profession=professional.profession,
            timezone=schedule.timezone,
            locale=schedule.locale,
            session_duration=schedule.session_duration,
            policy=professional.policy,
            currency=schedule.currency,
            public_contact=professional.public_contact,
        ),
        client=AppointmentClient(
            id=client.id,
            user_id=client.user_id,
            contact=Party(client.name, client.phone, client.email),
        ),
        role=role,
        payment=(
            AppointmentPayment(row.payment_intent_id, row.amount_due)
            if row.payment_intent_id
            else None
        ),
        checkout_session_id=row.checkout_session_id,
    )


# The dashboard's views (agenda.adapters.appointments._VIEW_SQL): which appointments, and
# whether the page reads forwards from now (ascending) or backwards.
def _in_view(view: str, row: AppointmentRow, now: datetime) -> bool:
    status, over = row.facts.status, row.facts.ends_at <= now
    if view == "upcoming":
        return status == "confirmed" and not over
    if view == "pending":
        return status in PENDING and not over
    if view == "past":
        return status in OUTCOMES or (status in LIVE and over)
    if view == "cancelled":
        return status in RELEASED
    raise ValueError(f"unknown view {view!r}")


_DESCENDING = frozenset({"past", "cancelled"})


class FakeAppointments:
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    @_statement
    def lock_for_user(self, appointment_id: UUID, user_id: str) -> AppointmentRecord | None:
        state = self._tx.state
        row = state.appointments.get(appointment_id)
        if row is None:
            return None
        if state.professionals[row.professional_id].user_id == user_id:
            return _appointment_record(state, row, "professional")
        if state.clients[row.client_id].user_id == user_id:
            return _appointment_record(state, row, "client")
        return None

    @_statement
    def lock_for_guest(self, appointment_id: UUID) -> AppointmentRecord | None:
        return self.for_guest(appointment_id)

    @_statement
    def for_guest(self, appointment_id: UUID) -> AppointmentRecord | None:
        row = self._tx.state.appointments.get(appointment_id)
        return _appointment_record(self._tx.state, row, "client") if row is not None else None

    @_statement
    def reschedule_schedule(
        self, professional_id: UUID, appointment_id: UUID, within: ScheduleRange
    ) -> ProfessionalSchedule | None:
        row = self._tx.state.professionals.get(professional_id)
        if row is None or not row.active:
            return None
        return self._tx.state.schedule_of(row, within, moving=appointment_id)

    @_statement
    def apply(self, before: AppointmentRecord, change: AppliedChange) -> ChangeWritten:
        state = self._tx.writable()
        now = self._tx.clock()
        row = state.appointments[before.id]
        after = change.change.after
        status_changed = row.facts.status != after.status
        written = replace(
            row,
            facts=Appointment(
                after.status,
                after.payment_status,
                _utc(after.starts_at),
                _utc(after.ends_at),
                after.sequence,
            ),
            # A move takes the buffers it was checked with; other changes keep the stored ones.
            buffer_before_minutes=_given(change.buffer_before_minutes, row.buffer_before_minutes),
            buffer_after_minutes=_given(change.buffer_after_minutes, row.buffer_after_minutes),
            status_changed_by=change.actor_label if status_changed else row.status_changed_by,
            status_changed_at=now if status_changed else row.status_changed_at,
            updated_at=now,
            late_cancellation=row.late_cancellation or change.change.late_cancellation,
            refund_id=change.refund_id or row.refund_id,
            refunded_amount=_given(change.refunded_amount, row.refunded_amount),
        )
        state.check_clear(written, TAKEN)
        state.appointments[row.id] = written
        state.changes.append(
            _audit(
                before.facts,
                written,
                change.change.action,
                actor_role=change.actor_role,
                actor_id=change.actor_id,
                reason=change.reason,
            )
        )
        return ChangeWritten(
            facts=written.facts,
            status_changed_by=written.status_changed_by,
            status_changed_at=written.status_changed_at,
            updated_at=written.updated_at,
        )

    @_statement
    def page(
        self,
        user_id: str,
        *,
        view: str,
        now: datetime,
        from_day: date | None,
        to_day: date | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> AppointmentPage | None:
        state = self._tx.state
        professional = next((p for p in state.professionals.values() if p.user_id == user_id), None)
        if professional is None:
            return None
        zone = ZoneInfo(professional.schedule.timezone)
        descending = view in _DESCENDING
        rows = [
            a
            for a in state.appointments_of(professional.id)
            if _in_view(view, a, now)
            and (from_day is None or a.facts.starts_at >= datetime.combine(from_day, time(), zone))
            and (
                to_day is None
                or a.facts.starts_at < datetime.combine(to_day + timedelta(days=1), time(), zone)
            )
            and (
                after is None
                or (
                    (a.facts.starts_at, a.id) < after
                    if descending
                    else (a.facts.starts_at, a.id) > after
                )
            )
        ]
        rows.sort(key=lambda a: (a.facts.starts_at, a.id), reverse=descending)
        items = []
        for row in rows[:limit]:
            client = state.clients[row.client_id]
            items.append(
                AppointmentListing(
                    id=row.id,
                    facts=row.facts,
                    status_changed_by=row.status_changed_by,
                    status_changed_at=row.status_changed_at,
                    created_at=row.created_at,
                    client=ClientListing(
                        id=client.id,
                        name=client.name,
                        phone=client.phone,
                        email=client.email,
                        registered=client.user_id is not None,
                    ),
                )
            )
        return AppointmentPage(timezone=professional.schedule.timezone, items=tuple(items))


def _given[T](value: T | None, default: T) -> T:
    return default if value is None else value


def _audit(
    before: Appointment,
    after: AppointmentRow,
    action: str,
    *,
    actor_role: str,
    actor_id: str | None,
    reason: str | None,
) -> ChangeRow:
    return ChangeRow(
        appointment_id=after.id,
        action=action,
        actor_role=actor_role,
        actor_id=actor_id,
        from_status=before.status,
        to_status=after.facts.status,
        from_payment_status=before.payment_status,
        to_payment_status=after.facts.payment_status,
        from_starts_at=_utc(before.starts_at),
        to_starts_at=after.facts.starts_at,
        sequence=after.facts.sequence,
        reason=reason,
    )


class FakePayments:
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    @_statement
    def lock_by_payment(self, payment_intent: str) -> PaymentRecord | None:
        found = next(
            (
                a.id
                for a in self._tx.state.appointments.values()
                if a.payment_intent_id == payment_intent
            ),
            None,
        )
        return self._record(found) if found is not None else None

    @_statement
    def lock(self, appointment_id: UUID) -> PaymentRecord | None:
        return self._record(appointment_id)

    def _record(self, appointment_id: UUID) -> PaymentRecord | None:
        state = self._tx.state
        row = state.appointments.get(appointment_id)
        if row is None:
            return None
        professional = state.professionals[row.professional_id]
        client = state.clients[row.client_id]
        schedule = professional.schedule
        return PaymentRecord(
            id=row.id,
            professional_id=row.professional_id,
            facts=row.facts,
            checkout_session_id=row.checkout_session_id,
            payment_intent_id=row.payment_intent_id,
            amount_due=row.amount_due,
            status_changed_by=row.status_changed_by,
            professional=schedule.contact,
            timezone=schedule.timezone,
            locale=schedule.locale,
            auto_confirm=schedule.auto_confirm,
            currency=schedule.currency,
            client=Party(client.name, client.phone, client.email),
            client_id=row.client_id,
            client_user_id=client.user_id,
            refunded_amount=row.refunded_amount,
        )

    @_statement
    def expired_holds(self, *, before: datetime, limit: int) -> list[UUID]:
        held = [
            a
            for a in self._tx.state.appointments.values()
            if a.facts.status == "pending_payment"
            and a.payment_expires_at is not None
            and a.payment_expires_at < before
        ]
        held.sort(key=lambda a: a.payment_expires_at or before)
        return [a.id for a in held[:limit]]

    @_statement
    def apply(self, before: PaymentRecord, payment: PaymentChange) -> None:
        state = self._tx.writable()
        now = self._tx.clock()
        row = state.appointments[before.id]
        after = payment.change.after
        status_changed = row.facts.status != after.status
        written = replace(
            row,
            facts=replace(
                row.facts,
                status=after.status,
                payment_status=after.payment_status,
                sequence=after.sequence,
            ),
            payment_intent_id=payment.payment_intent or row.payment_intent_id,
            paid_at=(row.paid_at or now) if after.payment_status == "paid" else row.paid_at,
            status_changed_by="system" if status_changed else row.status_changed_by,
            status_changed_at=now if status_changed else row.status_changed_at,
            updated_at=now,
            refunded_amount=_given(payment.refunded_amount, row.refunded_amount),
        )
        state.check_clear(written, TAKEN_MEANWHILE)
        state.appointments[row.id] = written
        state.changes.append(
            _audit(
                before.facts,
                written,
                payment.change.action,
                actor_role="system",
                actor_id=payment.actor_id,
                reason=payment.reason,
            )
        )

    @_statement
    def mark_refunded(
        self, appointment_id: UUID, payment_intent: str, refund_id: str | None
    ) -> None:
        state = self._tx.writable()
        row = state.appointments.get(appointment_id)
        if row is None:
            return
        state.appointments[appointment_id] = replace(
            row,
            facts=replace(row.facts, payment_status="refunded"),
            payment_intent_id=payment_intent,
            refund_id=refund_id,
            refunded_amount=row.amount_due,
            updated_at=self._tx.clock(),
        )


class FakeNotices:
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    @_statement
    def add(self, professional_id: UUID, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        state = self._tx.writable()
        seen = {n.key for n in state.notifications if n.key is not None}
        for notice in notices:
            if notice.key is not None and notice.key in seen:
                continue
            data = {"appointmentId": str(notice.appointment_id)} if notice.appointment_id else {}
            state.notifications.append(
                NoticeRow(professional_id, notice.type, notice.title, notice.body, data, notice.key)
            )
            if notice.key is not None:
                seen.add(notice.key)


class FakeBilling:
    def __init__(self, tx: _Transaction) -> None:
        self._tx = tx

    @staticmethod
    def _account(row: ProfessionalRow) -> BillingAccount:
        return BillingAccount(
            id=row.id,
            user_id=row.user_id,
            contact=row.schedule.contact,
            locale=row.schedule.locale,
            state=row.billing,
            stripe_customer_id=row.stripe_customer_id,
        )

    @_statement
    def for_user(self, user_id: str) -> BillingAccount | None:
        for row in self._tx.state.professionals.values():
            if row.user_id == user_id and row.active:
                return self._account(row)
        return None

    @_statement
    def set_customer(self, professional_id: UUID, customer: str) -> None:
        state = self._tx.writable()
        row = state.professionals.get(professional_id)
        if row is not None and row.stripe_customer_id is None:
            state.professionals[professional_id] = replace(row, stripe_customer_id=customer)

    @_statement
    def lock(self, *, professional_id: UUID | None, customer: str) -> BillingAccount | None:
        professionals = self._tx.state.professionals
        if professional_id is not None and professional_id in professionals:
            return self._account(professionals[professional_id])
        for row in professionals.values():
            if row.stripe_customer_id == customer:
                return self._account(row)
        return None

    @_statement
    def save(self, professional_id: UUID, state: BillingState, *, customer: str) -> None:
        tables = self._tx.writable()
        row = tables.professionals[professional_id]
        tables.professionals[professional_id] = replace(
            row, billing=state, stripe_customer_id=row.stripe_customer_id or customer
        )

    @_statement
    def event_seen(self, event_id: str) -> bool:
        return event_id in self._tx.state.events

    @_statement
    def claim_event(self, event_id: str, event_type: str, object_id: str | None) -> bool:
        state = self._tx.writable()
        if event_id in state.events:
            return False
        state.events[event_id] = EventRow(event_id, event_type, object_id, "applied")
        return True

    @_statement
    def set_outcome(self, event_id: str, outcome: str) -> None:
        state = self._tx.writable()
        row = state.events.get(event_id)
        if row is not None:
            state.events[event_id] = replace(row, outcome=outcome)


# -- outside systems ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FakeCheckout:
    id: str
    url: str


@dataclass(frozen=True, slots=True)
class StripeCall:
    name: str
    params: dict[str, Any]


class FakeStripe:
    """Stripe as the services call it: every call recorded; each create call idempotent by the
    key StripeApi sends; ``fail()`` makes every call raise ServiceUnavailable, as StripeApi
    turns an outage into one (``expire_checkout`` stays best effort and never raises)."""

    BASE = "https://checkout.stripe.test"

    def __init__(self) -> None:
        self.calls: list[StripeCall] = []
        self.failing = False
        self.subscriptions: dict[str, dict[str, Any]] = {}  # what subscription() answers
        self.expired: list[str] = []  # sessions expired
        self.refunds: dict[str, str] = {}  # payment intent -> refund id
        self._by_key: dict[str, Any] = {}
        self._ids = itertools.count(1)

    def fail(self, failing: bool = True) -> None:
        self.failing = failing

    def called(self, name: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.name == name]

    def _call(self, call: str, /, **params: Any) -> None:
        self.calls.append(StripeCall(call, params))
        if self.failing:
            raise ServiceUnavailable(
                "Payments are unavailable right now, please try again shortly",
                retry_after_seconds=10,
            )

    def _once[T](self, key: str, make: Callable[[str], T], prefix: str) -> T:
        if key not in self._by_key:
            self._by_key[key] = make(f"{prefix}_test_{next(self._ids):04d}")
        found: T = self._by_key[key]
        return found

    def create_customer(self, professional_id: UUID, *, name: str, email: str | None) -> str:
        self._call("create_customer", professional_id=professional_id, name=name, email=email)
        return self._once(f"customer-{professional_id}-{name}-{email}", str, "cus")

    def subscription_checkout(
        self,
        *,
        professional_id: UUID,
        customer: str,
        plan: str,
        request_key: str,
        locale: str,
    ) -> FakeCheckout:
        self._call(
            "subscription_checkout",
            professional_id=professional_id,
            customer=customer,
            plan=plan,
            request_key=request_key,
            locale=locale,
        )
        return self._once(request_key, lambda i: FakeCheckout(i, f"{self.BASE}/{i}"), "cs")

    def portal(self, customer: str) -> str:
        self._call("portal", customer=customer)
        return f"{self.BASE}/portal/{customer}"

    def subscription(self, subscription_id: str) -> dict[str, Any]:
        self._call("subscription", subscription_id=subscription_id)
        found: dict[str, Any] = _json_copy(self.subscriptions[subscription_id])
        return found

    def appointment_checkout(
        self,
        *,
        appointment_id: UUID,
        professional_id: UUID,
        description: str,
        amount: Decimal,
        currency: str,
        payment_type: str,
        client_email: str | None,
        expires_at: datetime,
        manage_url: str | None,
        locale: str,
    ) -> FakeCheckout:
        self._call(
            "appointment_checkout",
            appointment_id=appointment_id,
            professional_id=professional_id,
            description=description,
            amount=amount,
            currency=currency,
            payment_type=payment_type,
            client_email=client_email,
            expires_at=expires_at,
            manage_url=manage_url,
            locale=locale,
        )
        return self._once(
            f"appointment-{appointment_id}", lambda i: FakeCheckout(i, f"{self.BASE}/{i}"), "cs"
        )

    def expire_checkout(self, session_id: str) -> None:
        try:
            self._call("expire_checkout", session_id=session_id)
        except ServiceUnavailable:
            return  # best effort: a session nobody holds the URL of also just runs out
        self.expired.append(session_id)

    def refund(self, payment_intent: str, *, appointment_id: UUID) -> str | None:
        self._call("refund", payment_intent=payment_intent, appointment_id=appointment_id)
        refund = self._once(f"refund-{appointment_id}", str, "re")
        self.refunds[payment_intent] = refund
        return refund

    def cancel_subscription(self, subscription_id: str) -> None:
        self._call("cancel_subscription", subscription_id=subscription_id)
        self.subscriptions.setdefault(subscription_id, {})["status"] = "canceled"


class AllowAll:
    """A rate limiter with room for everyone; remembers whom it was asked about."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def check(self, identifier: str) -> None:
        self.checked.append(identifier)


class RefuseAll:
    """A rate limiter whose budget is spent for everyone."""

    def __init__(self, retry_after_seconds: int = 600) -> None:
        self.retry_after_seconds = retry_after_seconds
        self.checked: list[str] = []

    def check(self, identifier: str) -> None:
        self.checked.append(identifier)
        raise RateLimited(
            "Too many attempts, please try again later",
            retry_after_seconds=self.retry_after_seconds,
        )


# -- what the tests seed --------------------------------------------------------------------

SAO_PAULO = "America/Sao_Paulo"
MONDAY_TO_FRIDAY = (1, 2, 3, 4, 5)  # 0 = Sunday, as stored


def weekly(
    days: Iterable[int] = MONDAY_TO_FRIDAY,
    hours: Iterable[tuple[str, str]] = (("09:00", "12:00"), ("14:00", "18:00")),
) -> tuple[WeeklyWindow, ...]:
    spans = tuple(hours)
    return tuple(
        WeeklyWindow(day, time.fromisoformat(start), time.fromisoformat(end))
        for day in days
        for start, end in spans
    )


def a_schedule(
    *,
    slug: str = "dr-ana",
    name: str = "Dra. Ana Souza",
    phone: str | None = "+5511911112222",
    email: str | None = "ana@example.com",
    timezone: str = SAO_PAULO,
    locale: str = "pt-BR",
    session_minutes: int = 50,
    windows: tuple[WeeklyWindow, ...] | None = None,
    step_minutes: int | None = None,
    buffer_before_minutes: int = 0,
    buffer_after_minutes: int = 0,
    horizon_days: int = 60,
    plan: str = "free",
    subscription_status: str = "none",
    auto_confirm: bool = False,
    payment_at_booking: bool = False,
    payment_type: str = "pix_or_card",
    session_price: Decimal | None = Decimal("150.00"),
    currency: str = "BRL",
) -> ProfessionalSchedule:
    """A professional's schedule as the adapter reads it (the demo's dr-ana by default:
    São Paulo, 50-minute sessions, Monday to Friday 09:00-12:00 and 14:00-18:00, free plan,
    confirms by hand)."""
    return ProfessionalSchedule(
        id=uuid4(),
        slug=slug,
        contact=Party(name, phone, email),
        timezone=timezone,
        locale=locale,
        session_duration=session_minutes,
        account=Account(plan=plan, subscription_status=subscription_status),
        auto_confirm=auto_confirm,
        payment_at_booking=payment_at_booking,
        payment_type=payment_type,
        session_price=session_price,
        currency=currency,
        rules=Rules(
            timezone=ZoneInfo(timezone),
            session_minutes=session_minutes,
            windows=weekly() if windows is None else windows,
            # As the adapter reads it: a professional who set no step gets one session after
            # another, buffers included.
            step_minutes=step_minutes
            or default_step(session_minutes, buffer_before_minutes, buffer_after_minutes),
            buffer_before_minutes=buffer_before_minutes,
            buffer_after_minutes=buffer_after_minutes,
            horizon_days=horizon_days,
        ),
        busy=(),
        version=0,
    )


def guest_links(valid_days_after: int = 14) -> GuestLinks:
    return GuestLinks(
        GuestLinkSettings(
            app_base_url=APP_BASE_URL,
            secret=Secret.of(GUEST_LINK_SECRET),
            valid_days_after=valid_days_after,
        )
    )
