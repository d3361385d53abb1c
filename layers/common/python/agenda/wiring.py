"""The one place where a function's dependencies are built from its settings.

A function makes one ``Wiring`` at import, named after itself (the database connection's
application_name), and asks it for the dependencies of its use case: ``Wiring("booking")
.booking()``. Settings are read and validated when asked for, so a function fails at start-up
naming the variable it misses, and reads only the settings it uses. Clients are made once per
container and are lazy themselves: the database connects on the first statement, boto3, stripe
and upstash load on their first call. Nothing here imports a heavy module at import time.

Secrets are ``agenda.settings.Secret``: the settings hold the value or its ARN, and the adapter
that needs one asks for it on first use, so nothing secret is read while a function starts.

Tests build the same dependencies from the same code with another environment (inside
``agenda.settings.using_environment``), or hand the services in-memory fakes of the ports
instead (tests/fakes.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agenda.adapters.postgres import Database
    from agenda.adapters.queue import SqsPublisher, SqsVisibility
    from agenda.adapters.ratelimit import UpstashRateLimiter
    from agenda.adapters.stripe_api import StripeApi
    from agenda.adapters.unit_of_work import PostgresUnitOfWork
    from agenda.service.accounts import AccountDependencies
    from agenda.service.appointments import AppointmentsDependencies
    from agenda.service.availability import AvailabilityDependencies
    from agenda.service.avatars import AvatarDependencies
    from agenda.service.billing import BillingDependencies
    from agenda.service.booking import BookingDependencies
    from agenda.service.booking_by_hand import HandBookingDependencies
    from agenda.service.client_claims import ClaimDependencies
    from agenda.service.client_contact import ContactDependencies
    from agenda.service.client_notes import ClientNotesDependencies
    from agenda.service.client_privacy import (
        ClientPrivacyDependencies,
        ClientPurgeDependencies,
    )
    from agenda.service.client_profile import ClientProfileDependencies, FollowDependencies
    from agenda.service.clients import ClientsDependencies
    from agenda.service.guest_links import GuestLinkDependencies
    from agenda.service.links import GuestLinks
    from agenda.service.notifications import ConsumerDependencies
    from agenda.service.payments import PaymentDependencies
    from agenda.service.privacy import PrivacyDependencies, PurgeDependencies
    from agenda.service.reminders import ReminderDependencies
    from agenda.service.reviews import ReviewDependencies
    from agenda.service.site_publisher import PublisherDependencies
    from agenda.service.stripe_events import WebhookDependencies
    from agenda.service.threads import ThreadDependencies
    from agenda.service.watchdog import WatchdogDependencies
    from agenda.settings import ProviderSettings, StripeSettings


def utc_now() -> datetime:
    return datetime.now(UTC)


class Wiring:
    """A function's dependencies, each built on first use and kept for the container's life."""

    def __init__(self, application_name: str, *, defer_dispatch: bool = False) -> None:
        """``defer_dispatch``: committed messages wait for ``uow.dispatch_deferred()``, which
        the function calls while it waits anyway (the booking function's response floor)."""
        self.application_name = application_name
        self.defer_dispatch = defer_dispatch

    # -- the building blocks ------------------------------------------------------------------

    @cached_property
    def database(self) -> Database:
        from agenda.adapters.postgres import Database
        from agenda.settings import DatabaseSettings

        return Database(DatabaseSettings.from_env(), application_name=self.application_name)

    @cached_property
    def publisher(self) -> SqsPublisher:
        from agenda.adapters.queue import SqsPublisher
        from agenda.settings import QueueSettings

        return SqsPublisher(QueueSettings.from_env())

    @cached_property
    def uow(self) -> PostgresUnitOfWork:
        """The unit of work, its outbox dispatched to the notifications queue."""
        from agenda.adapters.unit_of_work import PostgresUnitOfWork

        return PostgresUnitOfWork(self.database, self.publisher, defer_dispatch=self.defer_dispatch)

    @cached_property
    def uow_without_queue(self) -> PostgresUnitOfWork:
        """For work that never queues a message (the hold sweep): no queue settings needed."""
        from agenda.adapters.unit_of_work import PostgresUnitOfWork

        return PostgresUnitOfWork(self.database, None)

    @cached_property
    def links(self) -> GuestLinks:
        from agenda.service.links import GuestLinks
        from agenda.settings import GuestLinkSettings

        return GuestLinks(GuestLinkSettings.from_env())

    @cached_property
    def stripe_settings(self) -> StripeSettings:
        from agenda.settings import StripeSettings

        return StripeSettings.from_env()

    @cached_property
    def stripe(self) -> StripeApi:
        from agenda.adapters.stripe_api import StripeApi

        return StripeApi(self.stripe_settings)  # the library loads on its first call

    def limiter(self, name: str) -> UpstashRateLimiter:
        """The rate limit `name` of agenda.domain.plans.RATE_LIMITS."""
        from agenda.adapters.ratelimit import UpstashRateLimiter
        from agenda.domain.plans import RATE_LIMITS
        from agenda.settings import RateLimitSettings

        return UpstashRateLimiter(RateLimitSettings.from_env(), RATE_LIMITS[name], name=name)

    clock = staticmethod(utc_now)

    @cached_property
    def site_publisher(self) -> PublisherDependencies:
        """The professionals' pages: the pages bucket and the site index (both clients lazy)."""
        from agenda.adapters.site_bucket import S3SiteBucket
        from agenda.adapters.site_index import KeyValueStoreSiteIndex
        from agenda.service.site_publisher import PublisherDependencies
        from agenda.settings import SiteIndexSettings, SitePagesSettings

        settings = SitePagesSettings.from_env()
        return PublisherDependencies(
            uow=self.uow_without_queue,
            bucket=S3SiteBucket(settings),
            index=KeyValueStoreSiteIndex.from_settings(SiteIndexSettings.from_env()),
            site_url=settings.site_url,
        )

    # -- the use cases --------------------------------------------------------------------------

    def booking(self) -> BookingDependencies:
        from agenda.service.booking import BookingDependencies
        from agenda.service.schedule import ScheduleCache

        return BookingDependencies(
            uow=self.uow,
            limiter=self.limiter("booking"),
            clock=self.clock,
            guest_links=self.links,
            stripe=self.stripe,
            payment_hold=timedelta(minutes=self.stripe_settings.payment_hold_minutes),
            schedules=ScheduleCache(),
        )

    def appointments(self) -> AppointmentsDependencies:
        from agenda.service.appointments import AppointmentsDependencies

        return AppointmentsDependencies(
            uow=self.uow, links=self.links, clock=self.clock, stripe=self.stripe
        )

    def hand_bookings(self) -> HandBookingDependencies:
        """A booking by the professional: queues the client's confirmation; counts against the
        clients limit, since it may add a client."""
        from agenda.service.booking_by_hand import HandBookingDependencies

        return HandBookingDependencies(
            uow=self.uow, limiter=self.limiter("clients"), links=self.links, clock=self.clock
        )

    def availability(self) -> AvailabilityDependencies:
        from agenda.service.availability import AvailabilityDependencies

        return AvailabilityDependencies(uow=self.uow_without_queue, clock=self.clock)

    def accounts(self) -> AccountDependencies:
        from agenda.service.accounts import AccountDependencies

        return AccountDependencies(
            uow=self.uow_without_queue,
            limiter=self.limiter("account"),
            clock=self.clock,
            pages=self.site_publisher,
        )

    def billing(self, *, limited: bool = True) -> BillingDependencies:
        """Checkout and portal (rate limited per professional), or the webhook's (not: the
        signature is Stripe's credential)."""
        from agenda.service.billing import BillingDependencies

        return BillingDependencies(
            uow=self.uow,
            stripe=self.stripe,
            limiter=self.limiter("checkout") if limited else None,
            clock=self.clock,
            app_base_url=self.stripe_settings.app_base_url,
        )

    def payments(self) -> PaymentDependencies:
        from agenda.service.payments import PaymentDependencies

        return PaymentDependencies(stripe=self.stripe, links=self.links, clock=self.clock)

    def webhook(self) -> WebhookDependencies:
        from agenda.service.stripe_events import WebhookDependencies

        return WebhookDependencies(
            settings=self.stripe_settings,
            uow=self.uow,
            billing=self.billing(limited=False),
            payments=self.payments(),
        )

    def avatars(self) -> AvatarDependencies:
        """The photo upload and its confirmation; writes count against the account limit."""
        from agenda.adapters.media import S3Media
        from agenda.service.avatars import AvatarDependencies
        from agenda.settings import MediaSettings

        return AvatarDependencies(
            uow=self.uow_without_queue,
            media=S3Media(MediaSettings.from_env()),
            limiter=self.limiter("account"),
            clock=self.clock,
            pages=self.site_publisher,
        )

    def privacy(self) -> PrivacyDependencies:
        """The export and the deletion's first phase (its messages go out through the queue);
        writes count against the account limit."""
        from agenda.adapters.media import S3Media
        from agenda.service.privacy import PrivacyDependencies
        from agenda.settings import MediaSettings

        return PrivacyDependencies(
            uow=self.uow,
            stripe=self.stripe,
            limiter=self.limiter("account"),
            clock=self.clock,
            media=S3Media(MediaSettings.from_env()),
            pages=self.site_publisher,
        )

    def purge(self) -> PurgeDependencies:
        """The deletion's second phase: queues nothing."""
        from agenda.service.privacy import PurgeDependencies

        return PurgeDependencies(uow=self.uow_without_queue, clock=self.clock)

    def client_privacy(self) -> ClientPrivacyDependencies:
        """A client's export and the deletion's first phase (its messages to the professionals
        go out through the queue; its refunds through Stripe); the deletion counts against the
        account limit."""
        from agenda.service.client_privacy import ClientPrivacyDependencies

        return ClientPrivacyDependencies(
            uow=self.uow, stripe=self.stripe, limiter=self.limiter("account"), clock=self.clock
        )

    def client_purge(self) -> ClientPurgeDependencies:
        """A client deletion's second phase: queues nothing."""
        from agenda.service.client_privacy import ClientPurgeDependencies

        return ClientPurgeDependencies(uow=self.uow_without_queue, clock=self.clock)

    def client_profile(self) -> ClientProfileDependencies:
        """A registered client's profile: one read, no queue, no rate limit."""
        from agenda.service.client_profile import ClientProfileDependencies

        return ClientProfileDependencies(uow=self.uow_without_queue, clock=self.clock)

    def client_follows(self) -> FollowDependencies:
        """Follows; writes count against the account limit."""
        from agenda.service.client_profile import FollowDependencies

        return FollowDependencies(uow=self.uow_without_queue, limiter=self.limiter("account"))

    def client_claims(self) -> ClaimDependencies:
        """Claiming client rows: the invite is verified, and the codes hashed, with the guest
        links' key; a code goes out through the outbox."""
        from agenda.service.client_claims import ClaimDependencies

        return ClaimDependencies(
            uow=self.uow,
            links=self.links,
            clock=self.clock,
            code_requests=self.limiter("verification"),
            code_attempts=self.limiter("verification_attempts"),
        )

    def guest_links(self) -> GuestLinkDependencies:
        """Sending a client's manage links again: limited per client address and per contact;
        the messages go out through the outbox."""
        from agenda.service.guest_links import GuestLinkDependencies

        return GuestLinkDependencies(
            uow=self.uow,
            links=self.links,
            clock=self.clock,
            per_address=self.limiter("guest_links"),
            per_contact=self.limiter("guest_links_contact"),
        )

    def client_contact(self) -> ContactDependencies:
        """A client's own details: writes count against the account limit, codes as a claim's."""
        from agenda.service.client_contact import ContactDependencies

        return ContactDependencies(
            uow=self.uow,
            links=self.links,
            clock=self.clock,
            account=self.limiter("account"),
            code_requests=self.limiter("verification"),
            code_attempts=self.limiter("verification_attempts"),
        )

    # -- the client relationship (docs/client-relationship.md) --

    # clients

    def clients(self) -> ClientsDependencies:
        """The client list: reads and writes queue nothing; writes count against the clients
        limit."""
        from agenda.service.clients import ClientsDependencies

        return ClientsDependencies(
            uow=self.uow_without_queue, limiter=self.limiter("clients"), clock=self.clock
        )

    # private notes

    def client_notes(self) -> ClientNotesDependencies:
        """A professional's private notes: no queue (a note is never sent anywhere); writes
        count against the notes limit per sign-in."""
        from agenda.service.client_notes import ClientNotesDependencies

        return ClientNotesDependencies(uow=self.uow_without_queue, limiter=self.limiter("notes"))

    # messages

    def messages(self) -> ThreadDependencies:
        """Threads between a professional and a client: guest links verified (and a client's
        manage link signed) with the links' key; a message goes out through the outbox and
        counts against the messages limit."""
        from agenda.service.threads import ThreadDependencies

        return ThreadDependencies(
            uow=self.uow, links=self.links, clock=self.clock, limiter=self.limiter("messages")
        )

    # reviews

    def reviews(self) -> ReviewDependencies:
        """Reviews: a client's writes count against the reviews limit; the professional's
        notice is in-app, so nothing is queued."""
        from agenda.service.reviews import ReviewDependencies

        return ReviewDependencies(
            uow=self.uow_without_queue,
            links=self.links,
            clock=self.clock,
            limiter=self.limiter("reviews"),
        )

    def reminders(self) -> ReminderDependencies:
        from agenda.adapters.outbox_writer import OutboxWriterBehind
        from agenda.adapters.postgres import Database
        from agenda.adapters.unit_of_work import PostgresUnitOfWork
        from agenda.service.reminders import ReminderDependencies
        from agenda.settings import DatabaseSettings

        # The pages' messages are written on a connection of their own, behind the reads.
        behind = Database(
            DatabaseSettings.from_env(), application_name=f"{self.application_name}-writer"
        )
        return ReminderDependencies(
            uow=self.uow,
            links=self.links,
            writer=OutboxWriterBehind(PostgresUnitOfWork(behind, self.publisher)),
        )

    def watchdog(self) -> WatchdogDependencies:
        from agenda.adapters.health import EvolutionConnectionStates, SqsQueueDepth
        from agenda.domain.reminders import Thresholds
        from agenda.service.watchdog import WatchdogDependencies
        from agenda.settings import WatchdogSettings

        settings = WatchdogSettings.from_env()
        return WatchdogDependencies(
            uow=self.uow,
            states=EvolutionConnectionStates(settings),
            dead_letters=SqsQueueDepth(settings),
            platform_instance=settings.whatsapp.instance,
            thresholds=Thresholds(settings.dead_letter_threshold, settings.failed_threshold),
        )

    # -- the notifications consumer ---------------------------------------------------------------

    @cached_property
    def providers(self) -> ProviderSettings:
        from agenda.settings import ProviderSettings

        return ProviderSettings.from_env()

    @property
    def provider_timeout_seconds(self) -> float:
        return self.providers.timeout_seconds

    def consumer(self) -> ConsumerDependencies:
        from agenda.adapters.deliveries import Deliveries
        from agenda.adapters.providers import EvolutionWhatsApp, ResendEmail
        from agenda.service.notifications import ConsumerDependencies
        from agenda.settings import NotificationSettings

        settings = NotificationSettings.from_env()
        return ConsumerDependencies(
            senders={
                "whatsapp": EvolutionWhatsApp(self.providers),
                "email": ResendEmail(self.providers),
            },
            deliveries=Deliveries(self.database, lease_seconds=settings.lease_seconds),
            max_receive_count=settings.max_receive_count,
            retry_base_seconds=settings.retry_base_seconds,
        )

    def visibility(self) -> SqsVisibility:
        from agenda.adapters.queue import SqsVisibility
        from agenda.settings import QueueSettings

        return SqsVisibility(QueueSettings.from_env())
