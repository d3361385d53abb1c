"""The ports: what the services need from the world, as small interfaces.

A service gets its ports as arguments. Postgres (``agenda.adapters``) implements the stores and
the unit of work; the in-memory fakes of the tests implement the same protocols, so a service's
rules can be tested without a database and again, unchanged, against the real one.

A unit of work runs a piece of work in one transaction and hands it the stores bound to that
transaction (``UnitOfWork.run``), or runs single-statement reads without one
(``UnitOfWork.read``). It owns begin, commit and rollback, runs the work again on a
serialization failure or a deadlock (so the work must not have effects outside the database
before it returns), and once the transaction has committed hands the outbox rows it wrote to
the queue. Nothing a service does reaches the queue before its transaction commits.

Each use case names the stores it uses (``BookingStores``, ``ChangeStores`` ...); the Postgres
unit of work offers them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

if TYPE_CHECKING:
    from agenda.domain.accounts import AccountSettings
    from agenda.domain.availability import Schedule
    from agenda.domain.billing import BillingState
    from agenda.domain.client_deletion import DeletionNotice
    from agenda.domain.clients import ClientDetails, ClientSearch
    from agenda.domain.messages import Rendered
    from agenda.domain.notices import Notice
    from agenda.domain.plans import Account
    from agenda.domain.reminders import Agenda, ReminderPage, Span
    from agenda.domain.reviews import Moderation
    from agenda.domain.threads import Side
    from agenda.service.records import (
        AccountRecord,
        AppliedChange,
        AppointmentListing,
        AppointmentPage,
        AppointmentRecord,
        BillingAccount,
        BookingRecord,
        CancelledForDeletion,
        ChangeWritten,
        Claimed,
        ClaimTarget,
        ClientAccountContact,
        ClientClash,
        ClientDetailRecord,
        ClientListing,
        ClientListPage,
        ClientMissing,
        ClientNote,
        ClientProfileRecord,
        ClientState,
        DeletionSubject,
        FollowRefusal,
        FollowResult,
        InAppNotification,
        InstanceCheck,
        LinkedAppointment,
        LiveCode,
        NewBooking,
        NewHandBooking,
        NewVerificationCode,
        OfferedClient,
        OutboxMessage,
        PaymentChange,
        PaymentRecord,
        PlanCaps,
        PlanUsage,
        ProfessionalOnInstance,
        ProfessionalSchedule,
        ProfilePage,
        PublicProfile,
        RedirectPage,
        ScheduleRange,
        SlugOwner,
        StoredObject,
        UploadForm,
    )
    from agenda.service.records.client_privacy import ClientDeletionSubject
    from agenda.service.records.reviews import (
        ProfessionalReview,
        ReviewTarget,
        WrittenReview,
    )
    from agenda.service.records.threads import NewThreadMessage, ThreadMessage, ThreadRecord

type Clock = Callable[[], datetime]
# A message to queue and the professional it belongs to (the row goes with them when they go).
type Queued = tuple[UUID | None, dict[str, Any]]


class UnitOfWork[S](Protocol):
    def run[T](self, work: Callable[[S], T]) -> T:
        """``work`` in one transaction; its outbox rows go to the queue after the commit."""
        ...

    def read[T](self, work: Callable[[S], T]) -> T:
        """``work`` that only reads, without a transaction: each statement on its own, which
        for a read of one statement saves the BEGIN and COMMIT round trips."""
        ...

    def run_one[T](self, work: Callable[[S], T]) -> T:
        """``work`` that writes with exactly one statement: atomic as any statement, without
        BEGIN and COMMIT; its outbox rows go to the queue after it, as ``run``'s do. A second
        statement is refused before it is sent."""
        ...


# -- stores -------------------------------------------------------------------------------------


class Outbox(Protocol):
    def add(self, items: Sequence[Queued]) -> list[str]:
        """Queue messages in this transaction (a key already queued is not queued again);
        answer the keys this call wrote."""
        ...

    def pending(self, *, grace_seconds: int, limit: int) -> list[OutboxMessage]:
        """Rows whose enqueue failed, older than the grace, locked for this transaction."""
        ...

    def send(self, messages: Sequence[OutboxMessage]) -> int:
        """Hand rows to the queue now and record the outcome; answer how many it accepted."""
        ...


class OutboxWriter(Protocol):
    """Pages of messages queued behind the caller, each in a transaction of its own and handed
    to the queue after it, one page at a time (a job's pages: the next one is read while this
    one is written)."""

    def write(self, items: Sequence[Queued]) -> list[str]:
        """Queue this page once the one before it is through; answer the keys that one wrote
        (its failure is raised here)."""
        ...

    def settle(self) -> list[str]:
        """Wait for the page handed over last (its failure is raised); answer its keys."""
        ...


class Professionals(Protocol):
    def public_profile(self, slug: str) -> PublicProfile | None: ...

    def schedule(self, slug: str, within: ScheduleRange) -> ProfessionalSchedule | None:
        """An active professional's schedule over the range."""
        ...


class Bookings(Protocol):
    def insert(self, booking: NewBooking, caps: PlanCaps) -> BookingRecord | PlanUsage:
        """The whole booking in one statement: lock the professional (their bookings one at a
        time), count what ``caps`` limits for a client not known yet and, within them, write the
        client, the appointment, the in-app notice and the messages (this transaction's outbox
        rows, sent after the commit). A cap reached answers the counts and writes nothing;
        SlotTaken when the time overlaps a live appointment."""
        ...


class HandBookings(Protocol):
    """A booking the professional makes by hand, one transaction: each method runs in it."""

    def lock_professional(self, user_id: str) -> UUID | None:
        """The user's professional, locked as a public booking locks them, or None."""
        ...

    def schedule(self, professional_id: UUID, within: ScheduleRange) -> ProfessionalSchedule | None:
        """As Professionals.schedule, by id; None for a professional no longer active."""
        ...

    def client(self, professional_id: UUID, client_id: UUID) -> ClientListing | None:
        """One of the professional's clients, not anonymised."""
        ...

    def match(self, professional_id: UUID, phone: str, email: str | None) -> ClientListing | None:
        """The client a booking with these details would be: by phone, else the oldest by
        email; never an anonymised one."""
        ...

    def usage(self, professional_id: UUID, month_start: datetime, month_end: datetime) -> PlanUsage:
        """What the plan's caps count: the clients, and the live appointments of the month."""
        ...

    def add_client(
        self, professional_id: UUID, details: ClientDetails, fields: Sequence[str]
    ) -> UUID | None:
        """As Clients.insert: None when the phone is another client's already."""
        ...

    def insert(self, booking: NewHandBooking, client: ClientListing) -> AppointmentListing:
        """The confirmed appointment, as the dashboard lists it; SlotTaken on an overlap."""
        ...


class Appointments(Protocol):
    def lock_for_user(self, appointment_id: UUID, user_id: str) -> AppointmentRecord | None:
        """The appointment, locked, if the user is its professional or its client."""
        ...

    def lock_for_guest(self, appointment_id: UUID) -> AppointmentRecord | None: ...

    def for_guest(self, appointment_id: UUID) -> AppointmentRecord | None: ...

    def reschedule_schedule(
        self, professional_id: UUID, appointment_id: UUID, within: ScheduleRange
    ) -> ProfessionalSchedule | None:
        """The professional's schedule with this appointment's own range counted as free."""
        ...

    def apply(self, before: AppointmentRecord, change: AppliedChange) -> ChangeWritten:
        """Write the change and its audit record; SlotTaken when a new range overlaps."""
        ...

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
        """One page of a dashboard view; None when the user is not a professional."""
        ...


class Payments(Protocol):
    def lock(self, appointment_id: UUID) -> PaymentRecord | None: ...

    def lock_by_payment(self, payment_intent: str) -> PaymentRecord | None:
        """The appointment a Stripe payment paid, locked."""
        ...

    def expired_holds(self, *, before: datetime, limit: int) -> list[UUID]:
        """Holds past their expiry, locked (others' locks are skipped)."""
        ...

    def apply(self, before: PaymentRecord, payment: PaymentChange) -> None:
        """Write the change and its audit record; SlotTaken when a reinstated booking's time
        was taken meanwhile."""
        ...

    def mark_refunded(
        self, appointment_id: UUID, payment_intent: str, refund_id: str | None
    ) -> None:
        """A payment that came for a booking no longer held, given back whole."""
        ...


class Billing(Protocol):
    def for_user(self, user_id: str) -> BillingAccount | None: ...

    def set_customer(self, professional_id: UUID, customer: str) -> None: ...

    def lock(self, *, professional_id: UUID | None, customer: str) -> BillingAccount | None:
        """The professional a subscription belongs to, locked: by the id in its metadata, else
        by its Stripe customer."""
        ...

    def save(self, professional_id: UUID, state: BillingState, *, customer: str) -> None: ...

    def event_seen(self, event_id: str) -> bool: ...

    def claim_event(self, event_id: str, event_type: str, object_id: str | None) -> bool:
        """Record the event as processed; False when it already was."""
        ...

    def set_outcome(self, event_id: str, outcome: str) -> None: ...


class Availability(Protocol):
    def read(self, user_id: str, *, now: datetime) -> Schedule | None: ...

    def booking_schedule(self, user_id: str, within: ScheduleRange) -> ProfessionalSchedule | None:
        """The schedule the booking page would read for this professional (its busy ranges:
        every live appointment's stored buffered range); None for a user who is not a
        professional."""
        ...

    def replace(self, user_id: str, schedule: Schedule) -> UUID | None:
        """Replace the whole schedule; None (nothing written) for a user who is not a
        professional."""
        ...


class Accounts(Protocol):
    def for_user(self, user_id: str, *, now: datetime) -> AccountRecord | None:
        """The sign-in's professional as they see themselves, with this month's usage."""
        ...

    def exists(self, user_id: str) -> bool:
        """Whether the sign-in has a professional account (one index probe, nothing counted)."""
        ...

    def create(self, user_id: str, settings: AccountSettings, *, trial_ends_at: datetime) -> UUID:
        """The sign-in's professional; AccountExists when it has one, SlugTaken when the
        slug is held (current or retired), both decided by the database's keys."""
        ...

    def lock_settings(self, user_id: str) -> tuple[UUID, AccountSettings] | None:
        """The sign-in's professional's settings, locked for this transaction."""
        ...

    def update(self, professional_id: UUID, settings: AccountSettings) -> None:
        """Store the settings; a changed slug retires the old one. SlugTaken when held."""
        ...

    def slug_owner(self, slug: str) -> SlugOwner | None: ...

    def free_slugs(self, candidates: list[str], *, limit: int) -> list[str]:
        """The candidates nobody holds, in their order, at most ``limit``."""
        ...

    def moved_to(self, slug: str) -> str | None:
        """The current slug of the active professional who retired ``slug``."""
        ...


class Inbox(Protocol):
    def page(
        self, user_id: str, *, unread_only: bool, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[InAppNotification]: ...

    def unread(self, user_id: str) -> int: ...

    def mark(
        self, user_id: str, notification_id: UUID, *, read: bool
    ) -> InAppNotification | None: ...

    def mark_all(self, user_id: str) -> int: ...


class Notices(Protocol):
    def add(self, professional_id: UUID, notices: Sequence[Notice]) -> None:
        """Write the professional's in-app notices in this transaction (a notice whose key was
        already written is dropped)."""
        ...


class Jobs(Protocol):
    """What the daily jobs read and record."""

    def take_lease(self, job: str, *, holder: str, seconds: int) -> bool:
        """Hold ``job``'s lease for ``seconds`` when it is free, has run out or is ``holder``'s
        already; False when another holder has it."""
        ...

    def renew_lease(self, job: str, *, holder: str, seconds: int) -> bool:
        """Extend ``holder``'s lease by ``seconds`` from now; False when it is not theirs."""
        ...

    def release_lease(self, job: str, *, holder: str) -> None: ...

    def active_zones(self) -> list[str]: ...

    def reminder_page(
        self, *, template: str, spans: Mapping[str, Span], after: tuple[datetime, UUID | None],
        limit: int,
    ) -> ReminderPage: ...  # fmt: skip

    def agenda_page(
        self, *, days: Mapping[str, tuple[date, Span]], after_id: UUID | None, limit: int
    ) -> list[Agenda]: ...

    def instances_in_use(self) -> list[str]: ...

    def professionals_on(self, instances: Sequence[str]) -> list[ProfessionalOnInstance]: ...

    def record_checks(self, checks: Sequence[InstanceCheck]) -> None: ...

    def failed_deliveries_since(self, since: datetime) -> int: ...


class Privacy(Protocol):
    """A professional's export and their deletion in two phases (docs/privacy.md)."""

    def export(self, user_id: str) -> dict[str, Any] | None:
        """Everything the professional owns, section by section (rows as JSON objects)."""
        ...

    def subject(self, user_id: str) -> DeletionSubject | None: ...

    def begin_deletion(
        self, professional_id: UUID, *, now: datetime, reason: str
    ) -> list[CancelledForDeletion]:
        """Phase one: mark the professional for deletion, hide the page and cancel every
        upcoming appointment; answers the cancelled ones, whose clients must be told."""
        ...

    def ready_for_purge(self, *, now: datetime, deadline_seconds: int, limit: int) -> list[UUID]:
        """Marked professionals whose messages are out, locked (others' locks are skipped)."""
        ...

    def purge(self, professional_id: UUID) -> dict[str, int]:
        """Phase two: every row of the professional, those without a foreign key included;
        answers how many of each kind went."""
        ...


class Avatars(Protocol):
    def owner(self, user_id: str) -> UUID | None:
        """The professional of this sign-in."""
        ...

    def replace(self, professional_id: UUID, url: str) -> str | None:
        """Store the photo's address; answers the one it replaces."""
        ...


class ClientProfiles(Protocol):
    """A registered client's profile (docs/client-profile.md)."""

    def profile(
        self,
        user_id: str,
        *,
        now: datetime,
        upcoming_limit: int,
        past_limit: int,
        past_after: tuple[datetime, UUID] | None,
    ) -> ClientProfileRecord | None:
        """The client account of this sign-in with its appointments (upcoming ones, and one
        page of past ones after ``past_after``), follows and the rows offered for claiming;
        None without a client account."""
        ...

    def follow(self, user_id: str, slug: str) -> FollowResult | FollowRefusal:
        """Follow the active professional at this slug (current or retired); idempotent."""
        ...

    def unfollow(self, user_id: str, slug: str) -> FollowRefusal | None:
        """Stop following the active professional at this slug; None when done (also when
        there was no follow)."""
        ...


class ClientClaims(Protocol):
    """Client rows claimed by a sign-in (docs/client-profile.md)."""

    def lock(
        self, client_id: UUID | None, user_id: str, *, appointment_id: UUID | None = None
    ) -> ClaimTarget | None:
        """The client row (or the client row of ``appointment_id``), locked for this
        transaction: a racing claim of it waits here and then sees who won; with whether
        ``user_id``'s account is being deleted."""
        ...

    def claim(self, client_id: UUID, user_id: str) -> None:
        """Link the row to the sign-in, creating the sign-in's client account from the row
        (name, phone, email; the row's professional's language) if it has none."""
        ...

    def offered(self, user_id: str, client_id: UUID) -> OfferedClient | None:
        """The row, if it is offered to this sign-in's client account for claiming: another
        professional's, unclaimed, not anonymised, with the account's phone or email."""
        ...


class VerificationCodes(Protocol):
    """One-time codes, kept as keyed hashes (agenda.domain.verification)."""

    def issue(self, code: NewVerificationCode) -> None:
        """Store the code, killing every live code of the sign-in for the same purpose."""
        ...

    def live(self, user_id: str, purpose: str) -> LiveCode | None:
        """The sign-in's live code for the purpose (a newer one kills the older), locked for
        this transaction: two tries of one code take turns. A used one is not live."""
        ...

    def attempted(self, code_id: UUID, *, matched: bool, now: datetime) -> None:
        """Record a try: a right code is used up, a wrong one counts against the code."""
        ...


class GuestLinkLookup(Protocol):
    def appointments_for(
        self, *, phone: str | None, email: str | None, ended_after: datetime, limit: int
    ) -> list[LinkedAppointment]:
        """The appointments (of the statuses links are sent again for, ending after
        ``ended_after``) of every client record with this phone or email, deleted, anonymised
        and leaving ones excepted, grouped by professional and soonest first within each;
        at most ``limit`` a professional."""
        ...


class ClientContacts(Protocol):
    """A client account's own name, contact and language, and their copies on claimed rows."""

    def lock(self, user_id: str) -> ClientAccountContact | None:
        """The account, locked for this transaction; None without one."""
        ...

    def rename(self, user_id: str, *, name: str, language: str) -> None:
        """Store the name and language; the name reaches every row the account claimed."""
        ...

    def held_elsewhere(self, user_id: str, *, phone: str | None, email: str | None) -> bool:
        """Whether another client row of a professional whose row the account claimed holds
        this phone (or email) already."""
        ...

    def change_contact(self, user_id: str, *, phone: str | None, email: str | None) -> None:
        """Store the new phone or email (the one given) on the account and every row it
        claimed; ContactInUse when a row of one of those professionals holds the phone (the
        database's key decides, so the transaction is refused whole)."""
        ...


# -- outside systems ------------------------------------------------------------------------------


class Media(Protocol):
    """The media bucket: uploads go in by presigned POST, photos come out through the CDN."""

    def upload_form(
        self, key: str, content_type: str, *, max_bytes: int, expires_seconds: int
    ) -> UploadForm:
        """A presigned POST whose policy fixes the key, the content type and the size."""
        ...

    def stored(self, key: str) -> StoredObject | None: ...

    def first_bytes(self, key: str, count_bytes: int) -> bytes: ...

    def publish(self, source: str, target: str, content_type: str) -> None:
        """Copy an upload to where the CDN serves it."""
        ...

    def delete(self, key: str) -> None: ...

    def public_url(self, key: str) -> str: ...

    def key_of(self, url: str | None) -> str | None:
        """The key of an address this bucket serves; None for any other."""
        ...


class DeliveryError(Exception):
    """A provider did not take a message: whether retrying can help (``permanent``), and
    whether it may have taken it anyway (``uncertain``: a timeout after the request left)."""

    def __init__(
        self, message: str, *, permanent: bool, uncertain: bool = False, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.uncertain = uncertain
        self.status = status


@dataclass(frozen=True, slots=True)
class Sent:
    provider_message_id: str | None


class Sender(Protocol):
    """WhatsApp or email. ``idempotent``: the provider drops a repeated request with the same
    key, so a message whose first attempt has an unknown outcome can be sent again without
    reaching anyone twice."""

    idempotent: bool

    def send(self, to: str, message: Rendered, *, key: str) -> Sent: ...


class Deliveries(Protocol):
    """The consumer's delivery records: a claim on a message before a provider is called."""

    def claim(self, *, key: str, channel: str, recipient: str, template: str) -> Claimed: ...

    def sent(self, key: str, provider_id: str | None) -> None: ...

    def failed(self, key: str, error: str, *, permanent: bool) -> None: ...

    def unknown(self, key: str) -> None: ...


class CheckFailed(Exception):
    """A provider could not say (unreachable, timed out, answered an error)."""


class ConnectionStates(Protocol):
    def state(self, instance: str) -> str:
        """A WhatsApp instance's state ("open", "close", "connecting", "missing"); raises
        CheckFailed when the provider cannot tell."""
        ...


class QueueDepth(Protocol):
    def depth(self) -> int: ...


class RateLimiter(Protocol):
    def check(self, identifier: str) -> None:
        """Raise RateLimited when `identifier` is over the limit."""
        ...


class CheckoutSession(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def url(self) -> str: ...


class Stripe(Protocol):
    """The Stripe calls the services make; each create call is idempotent by its key."""

    def create_customer(self, professional_id: UUID, *, name: str, email: str | None) -> str: ...

    def subscription_checkout(
        self,
        *,
        professional_id: UUID,
        customer: str,
        plan: str,
        request_key: str,
        locale: str,
    ) -> CheckoutSession: ...

    def portal(self, customer: str) -> str: ...

    def subscription(self, subscription_id: str) -> dict[str, Any]: ...

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
    ) -> CheckoutSession: ...

    def expire_checkout(self, session_id: str) -> None:
        """Best effort: never raises (an unexpired session simply expires on its own)."""
        ...

    def refund(self, payment_intent: str, *, appointment_id: UUID) -> str | None:
        """Give the whole payment back; answers the refund's id, or None when it was refunded
        already. Idempotent per appointment: a second call answers the first refund."""
        ...

    def cancel_subscription(self, subscription_id: str) -> None:
        """End the subscription now (no further invoices). One that has ended already, or
        that Stripe no longer knows, is not an error: a retried deletion calls again."""
        ...


# -- the client relationship's stores (docs/client-relationship.md) --

# -- clients --


class Clients(Protocol):
    """The professional's clients (docs/client-relationship.md, "Clients"). ``user_id`` is
    the professional's sign-in; another professional's client is never found."""

    def page(
        self,
        user_id: str,
        *,
        now: datetime,
        search: ClientSearch | None,
        after: tuple[str, UUID] | None,
        limit: int,
    ) -> ClientListPage | None:
        """One page of the list in (folded name, id) order after ``after``; None without a
        professional for the sign-in."""
        ...

    def detail(
        self,
        user_id: str,
        client_id: UUID,
        *,
        now: datetime,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> ClientDetailRecord | ClientMissing:
        """The client with one page of their appointments, newest first, after ``after``."""
        ...

    def lock_professional(self, user_id: str) -> UUID | None:
        """The sign-in's professional, locked for this transaction as the booking's upsert
        locks them, so no two writes of their clients decide a phone or email at once."""
        ...

    def plan_usage(self, professional_id: UUID) -> tuple[Account, int]:
        """The professional's billing facts and how many clients they have, for the plan's
        cap (the booking's count: every row, anonymised ones included)."""
        ...

    def state(self, professional_id: UUID, client_id: UUID) -> ClientState | None:
        """The client's details, the row locked for this transaction."""
        ...

    def clash(
        self,
        professional_id: UUID,
        *,
        phone: str | None,
        email: str | None,
        excluding: UUID | None = None,
    ) -> ClientClash | None:
        """Another client of the professional with this phone or (case-insensitively) email."""
        ...

    def insert(
        self, professional_id: UUID, details: ClientDetails, fields: Sequence[str]
    ) -> UUID | None:
        """A client added by hand, with the record of it naming ``fields``; None when the
        phone is taken."""
        ...

    def update(
        self, professional_id: UUID, client_id: UUID, details: ClientDetails, fields: Sequence[str]
    ) -> bool:
        """The client's details replaced, with the record of the ``fields`` changed; False
        (nothing written, the transaction spent) when a writer that takes no lock of the
        professional took the phone meanwhile."""
        ...


class ClientsStores(Protocol):
    @property
    def clients(self) -> Clients: ...


# -- private notes --


class ClientNotes(Protocol):
    """A professional's private notes about one of their clients. Every method takes the
    signed-in user and finds the client among that user's professional's clients in the same
    statement: another professional's client, or a note of another client, is not there."""

    def page(
        self, user_id: str, client_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[ClientNote] | None:
        """The client's notes newest first, after ``after``, at most ``limit``; None when the
        client is not the user's."""
        ...

    def add(self, user_id: str, client_id: UUID, text: str) -> ClientNote | None:
        """Write a note; None (nothing written) when the client is not the user's."""
        ...

    def change(self, user_id: str, client_id: UUID, note_id: UUID, text: str) -> ClientNote | None:
        """Replace a note's text; None when there is no such note of the user's client."""
        ...

    def delete(self, user_id: str, client_id: UUID, note_id: UUID) -> bool:
        """Delete a note; False when there is no such note of the user's client."""
        ...


class ClientNoteStores(Protocol):
    @property
    def client_notes(self) -> ClientNotes: ...


# -- messages --


class Threads(Protocol):
    """The threads of messages between a professional and one client (agenda.domain.threads)."""

    def thread_for_user(self, client_id: UUID, user_id: str) -> ThreadRecord | None:
        """The thread of the clients row, if the sign-in is its professional or the client
        whose account claimed it (never an anonymised row's)."""
        ...

    def thread_for_appointment(self, appointment_id: UUID) -> ThreadRecord | None:
        """The thread of the appointment's client (a guest link's), unless anonymised."""
        ...

    def mark_read(self, client_id: UUID, sender: Side) -> int:
        """Mark the unread messages ``sender`` wrote in the thread read; answers how many."""
        ...

    def page(
        self, client_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[ThreadMessage]:
        """Messages newest first, older than ``after``."""
        ...

    def write(self, message: NewThreadMessage) -> ThreadMessage | None:
        """The message and the other side's in-app notice, in one statement; None when the
        row was anonymised meanwhile (nothing written)."""
        ...


class ThreadStores(Protocol):
    @property
    def messages(self) -> Threads: ...

    @property
    def outbox(self) -> Outbox: ...


# -- reviews --


class Reviews(Protocol):
    """Reviews (agenda.domain.reviews); ``user_id`` None: the holder of the appointment's
    verified guest link."""

    def write(
        self, appointment_id: UUID, *, user_id: str | None, rating: int, comment: str | None
    ) -> WrittenReview | None:
        """The review of the appointment, if it is completed, the caller's and not reviewed
        yet: one statement, two at once included; else None and nothing written."""
        ...

    def target(self, appointment_id: UUID, *, user_id: str | None) -> ReviewTarget | None:
        """The caller's appointment as a review sees it; None when it is not theirs."""
        ...

    def page(
        self, user_id: str, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[ProfessionalReview] | None:
        """The professional's reviews newest first, hidden ones included; None when the
        sign-in is no professional."""
        ...

    def reply(self, user_id: str, review_id: UUID, text: str) -> ProfessionalReview | bool:
        """Store the professional's one reply and record it; when nothing was stored, whether
        the review is theirs (True: it has a reply already)."""
        ...

    def moderate(
        self, user_id: str, review_id: UUID, *, action: Moderation, reason: str | None
    ) -> ProfessionalReview | None:
        """Hide (with the reason) or show the professional's review, recording a change of
        state; None when the review is not theirs."""
        ...


class ReviewStores(Protocol):
    @property
    def reviews(self) -> Reviews: ...

    @property
    def notices(self) -> Notices: ...


# -- the stores each use case needs ---------------------------------------------------------------


class ProfileStores(Protocol):
    @property
    def professionals(self) -> Professionals: ...


class NoticeStores(Protocol):
    """What a refusal leaves behind: a notice, and a message to the professional."""

    @property
    def notices(self) -> Notices: ...

    @property
    def outbox(self) -> Outbox: ...


class BookingStores(NoticeStores, Protocol):
    @property
    def professionals(self) -> Professionals: ...

    @property
    def bookings(self) -> Bookings: ...


class HandBookingStores(NoticeStores, Protocol):
    @property
    def hand_bookings(self) -> HandBookings: ...


class ChangeStores(NoticeStores, Protocol):
    @property
    def appointments(self) -> Appointments: ...


class PaymentStores(NoticeStores, Protocol):
    @property
    def payments(self) -> Payments: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """Statements that may fail without ending the transaction: on an error what they did
        is undone, the error goes on, and the transaction stays usable."""
        ...


class BillingStores(Protocol):
    @property
    def billing(self) -> Billing: ...

    @property
    def outbox(self) -> Outbox: ...


class WebhookStores(BillingStores, PaymentStores, Protocol):
    pass


class AvailabilityStores(Protocol):
    @property
    def availability(self) -> Availability: ...


class AccountStores(Protocol):
    @property
    def accounts(self) -> Accounts: ...


class PageStores(ProfileStores, AccountStores, Protocol):
    """The public page, and where an old slug leads."""


class InboxStores(Protocol):
    @property
    def inbox(self) -> Inbox: ...


class OutboxStores(Protocol):
    @property
    def outbox(self) -> Outbox: ...


class JobStores(Protocol):
    @property
    def jobs(self) -> Jobs: ...

    @property
    def outbox(self) -> Outbox: ...


class PrivacyStores(Protocol):
    @property
    def privacy(self) -> Privacy: ...

    @property
    def outbox(self) -> Outbox: ...


class AvatarStores(Protocol):
    @property
    def avatars(self) -> Avatars: ...


class ClientProfileStores(Protocol):
    @property
    def client_profiles(self) -> ClientProfiles: ...


class ClientClaimStores(Protocol):
    @property
    def client_claims(self) -> ClientClaims: ...

    @property
    def verification_codes(self) -> VerificationCodes: ...

    @property
    def outbox(self) -> Outbox: ...


class GuestLinkStores(Protocol):
    @property
    def guest_links(self) -> GuestLinkLookup: ...

    @property
    def outbox(self) -> Outbox: ...


class ClientContactStores(Protocol):
    @property
    def client_contacts(self) -> ClientContacts: ...

    @property
    def verification_codes(self) -> VerificationCodes: ...

    @property
    def outbox(self) -> Outbox: ...


class ClientPrivacy(Protocol):
    """A registered client's export and their deletion in two phases (docs/privacy.md)."""

    def export(self, user_id: str) -> dict[str, Any] | None:
        """Everything held about the person across professionals, section by section, the
        professionals' notes excepted."""
        ...

    def subject(self, user_id: str, *, now: datetime) -> ClientDeletionSubject | None: ...

    def mark(self, user_id: str, *, now: datetime) -> bool:
        """Phase one's mark on the account (kept from a first request); False when gone."""
        ...

    def notify(self, professional_id: UUID, client_id: UUID, notice: DeletionNotice) -> None:
        """The professional's in-app notice of the deletion, once per client row."""
        ...

    def ready_for_purge(self, *, now: datetime, deadline_seconds: int, limit: int) -> list[str]:
        """Marked accounts with nothing owed about them still on its way, locked (others'
        locks are skipped)."""
        ...

    def purge(self, user_id: str) -> dict[str, int]:
        """Phase two: the account's rows deleted, anonymised or scrubbed; answers how many."""
        ...


class ClientPrivacyStores(ChangeStores, Protocol):
    @property
    def client_privacy(self) -> ClientPrivacy: ...


# -- the professionals' public pages (agenda.service.site_publisher) ------------------------------


class SitePageJobs(Protocol):
    """The pages waiting to be written (site_page_jobs, kept by triggers on what they show)."""

    def claim(self, professional_id: UUID | None = None) -> str | None:
        """The slug of the oldest waiting page (of one professional's slugs, when given), its
        row locked for this transaction; None when none waits. Rows another publisher holds
        are skipped."""
        ...

    def take(self, slug: str) -> None:
        """Hold ``slug``'s page for this transaction (a publisher of the same slug waits) and
        delete its waiting rows; the rows a change queues after this statement stay."""
        ...

    def state(self, slug: str) -> ProfilePage | RedirectPage | None:
        """What the page at ``slug`` shows now; None: no page (unknown, inactive, deleted)."""
        ...

    def requeue(self, slug: str) -> None:
        """Put ``slug``'s waiting page behind every other (its write failed): one page that
        cannot be written never holds up the rest."""
        ...


class SitePageStores(Protocol):
    @property
    def site_pages(self) -> SitePageJobs: ...


class SiteBucket(Protocol):
    """The pages bucket."""

    def put_html(self, key: str, html: str) -> None: ...

    def delete(self, key: str) -> None:
        """Deleting a key already gone succeeds."""
        ...

    def asset_manifest(self) -> Mapping[str, str]:
        """The deployed build's assets: source path -> hashed path (``/assets/site.css`` ->
        ``/assets/site.3f2a9c1e.css``)."""
        ...


class SiteIndex(Protocol):
    """Every path the site has, which the edge answers from (docs/pages.md)."""

    def put_page(self, path: str) -> None: ...

    def put_redirect(self, path: str, target: str) -> None: ...

    def remove(self, path: str) -> None: ...
