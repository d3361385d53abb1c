"""What the stores hand the services: typed, frozen records, never rows.

Each record is one read of the database, shaped for the use case that asks for it, with the
domain's own values inside (a lifecycle ``Appointment``, a ``Policy``, the slot engine's
``Rules``, a ``BillingState``), so a service decides with the domain directly and a renamed
column fails where the adapter builds the record, under mypy and in one place.

The records live in one module per use case (``records.schedule``, ``records.booking``
...), and each module loads when one of its records is first named here: a frozen dataclass
costs about a millisecond to create, and the booking read path must not pay for the payment
and job records it never uses (``from agenda.service.records import X`` works for every record).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agenda.service.records.accounts import (
        AccountRecord as AccountRecord,
    )
    from agenda.service.records.accounts import (
        SlugOwner as SlugOwner,
    )
    from agenda.service.records.appointments import (
        AppliedChange as AppliedChange,
    )
    from agenda.service.records.appointments import (
        AppointmentClient as AppointmentClient,
    )
    from agenda.service.records.appointments import (
        AppointmentListing as AppointmentListing,
    )
    from agenda.service.records.appointments import (
        AppointmentPage as AppointmentPage,
    )
    from agenda.service.records.appointments import (
        AppointmentPayment as AppointmentPayment,
    )
    from agenda.service.records.appointments import (
        AppointmentProfessional as AppointmentProfessional,
    )
    from agenda.service.records.appointments import (
        AppointmentRecord as AppointmentRecord,
    )
    from agenda.service.records.appointments import (
        ChangeWritten as ChangeWritten,
    )
    from agenda.service.records.appointments import (
        ClientListing as ClientListing,
    )
    from agenda.service.records.avatars import (
        StoredObject as StoredObject,
    )
    from agenda.service.records.avatars import (
        UploadForm as UploadForm,
    )
    from agenda.service.records.booking import (
        BookingRecord as BookingRecord,
    )
    from agenda.service.records.booking import (
        NewBooking as NewBooking,
    )
    from agenda.service.records.booking import (
        PaymentHold as PaymentHold,
    )
    from agenda.service.records.booking import (
        PlanCaps as PlanCaps,
    )
    from agenda.service.records.booking import (
        PlanUsage as PlanUsage,
    )
    from agenda.service.records.client_claims import (
        ClaimedClient as ClaimedClient,
    )
    from agenda.service.records.client_claims import (
        ClaimTarget as ClaimTarget,
    )
    from agenda.service.records.client_claims import (
        ClientAccountContact as ClientAccountContact,
    )
    from agenda.service.records.client_claims import (
        LiveCode as LiveCode,
    )
    from agenda.service.records.client_claims import (
        NewVerificationCode as NewVerificationCode,
    )
    from agenda.service.records.client_claims import (
        OfferedClient as OfferedClient,
    )
    from agenda.service.records.client_notes import (
        ClientNote as ClientNote,
    )
    from agenda.service.records.client_profile import (
        ClaimableClient as ClaimableClient,
    )
    from agenda.service.records.client_profile import (
        ClientAppointment as ClientAppointment,
    )
    from agenda.service.records.client_profile import (
        ClientProfileRecord as ClientProfileRecord,
    )
    from agenda.service.records.client_profile import (
        FollowedProfessional as FollowedProfessional,
    )
    from agenda.service.records.client_profile import (
        FollowRefusal as FollowRefusal,
    )
    from agenda.service.records.client_profile import (
        FollowResult as FollowResult,
    )
    from agenda.service.records.client_profile import (
        ProfessionalCard as ProfessionalCard,
    )
    from agenda.service.records.clients import (
        AppointmentChangeEntry as AppointmentChangeEntry,
    )
    from agenda.service.records.clients import (
        AppointmentMark as AppointmentMark,
    )
    from agenda.service.records.clients import (
        ClientAppointmentHistory as ClientAppointmentHistory,
    )
    from agenda.service.records.clients import (
        ClientChangeEntry as ClientChangeEntry,
    )
    from agenda.service.records.clients import (
        ClientClash as ClientClash,
    )
    from agenda.service.records.clients import (
        ClientDetailRecord as ClientDetailRecord,
    )
    from agenda.service.records.clients import (
        ClientListPage as ClientListPage,
    )
    from agenda.service.records.clients import (
        ClientMissing as ClientMissing,
    )
    from agenda.service.records.clients import (
        ClientState as ClientState,
    )
    from agenda.service.records.clients import (
        ClientSummary as ClientSummary,
    )
    from agenda.service.records.deliveries import (
        Claim as Claim,
    )
    from agenda.service.records.deliveries import (
        Claimed as Claimed,
    )
    from agenda.service.records.guest_links import (
        LinkedAppointment as LinkedAppointment,
    )
    from agenda.service.records.hand_bookings import (
        NewHandBooking as NewHandBooking,
    )
    from agenda.service.records.inbox import (
        InAppNotification as InAppNotification,
    )
    from agenda.service.records.jobs import (
        InstanceCheck as InstanceCheck,
    )
    from agenda.service.records.jobs import (
        ProfessionalOnInstance as ProfessionalOnInstance,
    )
    from agenda.service.records.outbox import (
        OutboxMessage as OutboxMessage,
    )
    from agenda.service.records.payments import (
        BillingAccount as BillingAccount,
    )
    from agenda.service.records.payments import (
        PaymentChange as PaymentChange,
    )
    from agenda.service.records.payments import (
        PaymentRecord as PaymentRecord,
    )
    from agenda.service.records.privacy import (
        CancelledForDeletion as CancelledForDeletion,
    )
    from agenda.service.records.privacy import (
        DeletionSubject as DeletionSubject,
    )
    from agenda.service.records.profiles import (
        PublicProfile as PublicProfile,
    )
    from agenda.service.records.profiles import (
        RelatedProfessional as RelatedProfessional,
    )
    from agenda.service.records.profiles import (
        Review as Review,
    )
    from agenda.service.records.reviews import (
        ClientReview as ClientReview,
    )
    from agenda.service.records.reviews import (
        ProfessionalReview as ProfessionalReview,
    )
    from agenda.service.records.reviews import (
        ReviewTarget as ReviewTarget,
    )
    from agenda.service.records.reviews import (
        WrittenReview as WrittenReview,
    )
    from agenda.service.records.schedule import (
        ProfessionalSchedule as ProfessionalSchedule,
    )
    from agenda.service.records.schedule import (
        ScheduleRange as ScheduleRange,
    )
    from agenda.service.records.site_pages import (
        ProfilePage as ProfilePage,
    )
    from agenda.service.records.site_pages import (
        RedirectPage as RedirectPage,
    )
    from agenda.service.records.threads import (
        NewThreadMessage as NewThreadMessage,
    )
    from agenda.service.records.threads import (
        ThreadMessage as ThreadMessage,
    )
    from agenda.service.records.threads import (
        ThreadRecord as ThreadRecord,
    )

# record -> the module of this package that defines it
_MODULE_OF = {
    "AccountRecord": "accounts",
    "SlugOwner": "accounts",
    "AppliedChange": "appointments",
    "AppointmentClient": "appointments",
    "AppointmentListing": "appointments",
    "AppointmentPage": "appointments",
    "AppointmentPayment": "appointments",
    "AppointmentProfessional": "appointments",
    "AppointmentRecord": "appointments",
    "ChangeWritten": "appointments",
    "ClientListing": "appointments",
    "BookingRecord": "booking",
    "LinkedAppointment": "guest_links",
    "NewBooking": "booking",
    "PaymentHold": "booking",
    "PlanUsage": "booking",
    "PlanCaps": "booking",
    "ProfessionalSchedule": "schedule",
    "PublicProfile": "profiles",
    "RelatedProfessional": "profiles",
    "Review": "profiles",
    "ProfilePage": "site_pages",
    "RedirectPage": "site_pages",
    "ScheduleRange": "schedule",
    "Claim": "deliveries",
    "Claimed": "deliveries",
    "InAppNotification": "inbox",
    "InstanceCheck": "jobs",
    "ProfessionalOnInstance": "jobs",
    "OutboxMessage": "outbox",
    "BillingAccount": "payments",
    "PaymentChange": "payments",
    "PaymentRecord": "payments",
    "CancelledForDeletion": "privacy",
    "StoredObject": "avatars",
    "UploadForm": "avatars",
    "DeletionSubject": "privacy",
    "ClaimedClient": "client_claims",
    "ClaimTarget": "client_claims",
    "ClientAccountContact": "client_claims",
    "LiveCode": "client_claims",
    "NewVerificationCode": "client_claims",
    "OfferedClient": "client_claims",
    "ClientNote": "client_notes",
    "ClaimableClient": "client_profile",
    "ClientAppointment": "client_profile",
    "ClientProfileRecord": "client_profile",
    "FollowedProfessional": "client_profile",
    "FollowRefusal": "client_profile",
    "FollowResult": "client_profile",
    "ProfessionalCard": "client_profile",
    "AppointmentChangeEntry": "clients",
    "AppointmentMark": "clients",
    "ClientAppointmentHistory": "clients",
    "ClientChangeEntry": "clients",
    "ClientClash": "clients",
    "ClientDetailRecord": "clients",
    "ClientListPage": "clients",
    "ClientMissing": "clients",
    "ClientState": "clients",
    "ClientSummary": "clients",
    "NewHandBooking": "hand_bookings",
    "ClientReview": "reviews",
    "ProfessionalReview": "reviews",
    "ReviewTarget": "reviews",
    "WrittenReview": "reviews",
    "NewThreadMessage": "threads",
    "ThreadMessage": "threads",
    "ThreadRecord": "threads",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next lookup is an ordinary one
    return value
