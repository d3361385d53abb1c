"""The OpenAPI 3.1 document of the HTTP API, generated from template.yaml and the contract's models.

Every route the template declares is documented; the schemas come from the pydantic models in
`agenda.contract`, the error statuses from the one error mapping in `agenda.http`, so the document
cannot drift from the code. This module lives in infra/ and is never imported by a function or
the layer: generating the document costs a Lambda's cold start nothing.

    python -m infra.openapi --out build/openapi.json [--docs build/openapi.html]
"""

from __future__ import annotations

import argparse
import html
import json
import re
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from agenda.contract import (
    EXAMPLE_SLUG,
    AccountChanges,
    AccountDeletion,
    AccountDeletionStarted,
    AccountExport,
    AccountOut,
    AccountSignUp,
    AppointmentChange,
    AppointmentOut,
    AppointmentPage,
    AppointmentsQuery,
    AvailabilityDocument,
    AvailabilityPreviewQuery,
    AvatarConfirm,
    AvatarConfirmed,
    AvatarUpload,
    AvatarUploadRequest,
    BookingCreated,
    BookingRequest,
    CheckoutRequest,
    CheckoutStarted,
    ClaimCodeRequest,
    ClaimedClientOut,
    ClientChanges,
    ClientClaim,
    ClientContactChanges,
    ClientContactOut,
    ClientDeletionStarted,
    ClientDetailOut,
    ClientHistoryQuery,
    ClientPage,
    ClientProfileDeletion,
    ClientProfileExport,
    ClientProfileOut,
    ClientProfileQuery,
    ClientReviewOut,
    ClientsQuery,
    CodeSentOut,
    ContactConfirm,
    ErrorResponse,
    FollowOut,
    FreeSlots,
    FreeSlotsQuery,
    GuestAppointment,
    GuestCancel,
    GuestLinkQuery,
    GuestLinksAccepted,
    GuestLinksRequest,
    GuestMessageIn,
    GuestMessagesQuery,
    GuestReschedule,
    GuestReviewIn,
    HandBooking,
    MessageIn,
    MessageOut,
    MessagesQuery,
    MessageThread,
    NewClient,
    NoteIn,
    NoteOut,
    NotePage,
    NotesQuery,
    NotificationOut,
    NotificationPage,
    NotificationRead,
    NotificationsMarked,
    NotificationsQuery,
    PortalOpened,
    ProfessionalReviewOut,
    PublicProfile,
    ReviewIn,
    ReviewModeration,
    ReviewPage,
    ReviewReplyIn,
    ReviewsQuery,
    SlugCheck,
    SlugQuery,
    StripeEventReceived,
)
from agenda.domain.errors import (
    AccountExists,
    AlreadyClaimed,
    AlreadyReplied,
    AlreadyReviewed,
    ClientAnonymised,
    ClientExists,
    ClientProfileNotFound,
    ContactInUse,
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    NotImplementedYet,
    NotReviewable,
    PayloadTooLarge,
    PlanLimitReached,
    RateLimited,
    ServiceUnavailable,
    SlotTaken,
    SlotUnavailable,
    SlugTaken,
    Unauthorized,
    ValidationFailed,
)
from agenda.domain.queries import SLUG_MAX_LENGTH, SLUG_PATTERN
from agenda.http import STATUS_BY_ERROR
from infra.local.template import Route, load_stack
from infra.paths import ROOT, TEMPLATE

LOCAL_GATEWAY = "http://127.0.0.1:3000"
TITLE = "Agenda booking API"
DEFAULT_VERSION = "0.1.0"
SCHEMA_REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "bearerAuth"
# API Gateway's ANY stands for every method; OpenAPI has no such method.
ANY_METHODS = ("get", "post", "put", "patch", "delete")
# Errors that carry a Retry-After header (agenda.http.error_response sets it for these).
RETRYABLE: tuple[type[DomainError], ...] = (RateLimited, ServiceUnavailable)

_PATH_PARAMETER = re.compile(r"\{([^}/]+?)\+?\}")
# What the built routes take in their path: ids are UUIDs (anything else is 404, like an id
# that does not exist), a slug is a professional's public address.
PATH_PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "format": "uuid"},
    "noteId": {"type": "string", "format": "uuid"},
    "slug": {
        "type": "string",
        "minLength": 1,
        "maxLength": SLUG_MAX_LENGTH,
        "pattern": SLUG_PATTERN,
        "examples": [EXAMPLE_SLUG],
    },
}


class GatewayUnauthorized(BaseModel):
    """API Gateway's own answer when its JWT authorizer refuses a request: a missing, malformed,
    expired or foreign token. No function runs, so the body is not the contract's error shape."""

    message: Literal["Unauthorized"]


class StripeEventData(BaseModel):
    model_config = ConfigDict(extra="allow")

    object: Annotated[dict[str, Any], Field(description="the object the event is about")]


class StripeEvent(BaseModel):
    """The body Stripe posts: an event object, read only after its signature is verified over
    the exact bytes received. Fields not named here are Stripe's and are ignored."""

    model_config = ConfigDict(extra="allow")

    id: Annotated[str, Field(min_length=1, description="Stripe's event id (evt_...)")]
    object: Literal["event"]
    type: Annotated[str, Field(min_length=1, description="checkout.session.completed, ...")]
    created: Annotated[int, Field(description="Unix seconds")]
    data: StripeEventData


@dataclass(frozen=True)
class Header:
    """A request header an operation requires."""

    name: str
    description: str
    pattern: str | None = None


@dataclass(frozen=True)
class Operation:
    """What the template cannot say about a route: its models, answer and possible errors."""

    operation_id: str
    summary: str
    description: str = ""
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[type[DomainError], ...] = ()
    # An answer that is not JSON (a calendar file): its media type, with a string schema.
    media_type: str | None = None
    headers: tuple[Header, ...] = ()
    # A permanent redirect the route may answer instead (a slug its professional left).
    redirect: str | None = None
    # Other success statuses answered with the same body (a PUT that found it done already).
    also: tuple[int, ...] = ()


OPERATIONS: dict[str, Operation] = {
    "GET /api/professionals/{slug}": Operation(
        operation_id="getProfessional",
        summary="A professional's public profile",
        description=(
            "Name, profession, bio, session duration and price, time zone, reviews with the"
            " reviewers' first names and related professionals. Never contact details, plan or"
            " payment data."
        ),
        response=PublicProfile,
        errors=(NotFound, ServiceUnavailable),
        redirect=(
            "A slug the professional changed away from: permanent redirect to the current"
            " profile (`Location: /api/professionals/{new slug}`), the same request repeated"
            " there; the body names the new slug. Only while the professional is active."
        ),
    ),
    "GET /api/booking": Operation(
        operation_id="listFreeSlots",
        summary="Free slots of a professional",
        description=(
            "Slots computed on the server from the weekly availability in the professional's own"
            " time zone, minus booked appointments and the past, for `days` days from `date`."
            " `bookableUntil` is the last local date a client may book (today in the"
            " professional's zone plus their booking horizon); days after it have no slots."
        ),
        query=FreeSlotsQuery,
        response=FreeSlots,
        errors=(ValidationFailed, NotFound, ServiceUnavailable),
    ),
    "POST /api/booking": Operation(
        operation_id="createBooking",
        summary="Book a slot",
        description=(
            "Rate limited per client IP. The slot must be one of the professional's free slots;"
            " the client is matched by phone or email. The answer never comes sooner than"
            " 250 ms after the request. With a professional who takes payment at booking, the"
            " booking is `pending_payment` and holds its slot until `paymentExpiresAt`; paying"
            " at `checkoutUrl` makes it a booking (503 when payments are unavailable, with"
            " nothing written). A start after `bookableUntil` is 409 `SLOT_UNAVAILABLE` whose"
            " message names that date."
        ),
        body=BookingRequest,
        response=BookingCreated,
        status=201,
        errors=(
            ValidationFailed,
            PlanLimitReached,
            NotFound,
            SlotTaken,
            SlotUnavailable,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    "GET /api/appointments": Operation(
        operation_id="listAppointments",
        summary="The signed-in professional's appointments",
        description=(
            "One page of a view, in the professional's time zone, with each client's name and"
            " contact. `upcoming` (confirmed, not over) and `pending` (awaiting confirmation or"
            " payment, not over) run forwards from now; `past` (completed, no-show, or over) and"
            " `cancelled` (cancelled or rejected) run backwards. `from`/`to` are local dates,"
            " inclusive. Pages are keyset cursors: pass `nextCursor` back as `cursor`. A user"
            " who is not a professional gets 403."
        ),
        query=AppointmentsQuery,
        response=AppointmentPage,
        errors=(ValidationFailed, Forbidden, ServiceUnavailable),
    ),
    "POST /api/appointments": Operation(
        operation_id="bookAppointment",
        summary="Book a free time for a client by hand",
        description=(
            "A phone call or a walk-in: the signed-in professional books a free time for a"
            " client, `clientId` (one of theirs) or `client` (`name`, `phone`, `email`?: matched"
            " by phone, else by email, among their clients as a booking matches; else added, as"
            " `POST /api/clients` adds one), exactly one of the two (else 400 naming"
            " `clientId`). `startsAt` must be a slot of the weekly hours, overrides and blocked"
            " days, clear of other appointments and their buffers, as the booking page offers"
            " it, except that the minimum notice and the booking horizon (public self-booking"
            " only) do not apply; at most a year ahead, never in the past (else 409"
            " `SLOT_UNAVAILABLE`). An overlap is 409 `SLOT_TAKEN`, decided by the database:"
            " two requests at once for one time give one 201 and one 409. A new client counts"
            " against the plan's caps as a booking's new client does (403"
            " `PLAN_LIMIT_REACHED`). A client of another professional, an anonymised one, or an"
            " id that is not a UUID is 404. 201 with the appointment as the dashboard lists it:"
            " `confirmed`, payment `none`; the client is sent `booking_confirmed` on both"
            " channels with the guest link (and the invite to register, without an account);"
            " the professional is told nothing. A user who is not a professional gets 403."
            " Counts against the `clients` rate limit (60 writes per 10 minutes per"
            " professional)."
        ),
        body=HandBooking,
        response=AppointmentOut,
        status=201,
        errors=(
            ValidationFailed,
            Forbidden,
            PlanLimitReached,
            NotFound,
            SlotTaken,
            SlotUnavailable,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    "PATCH /api/appointments/{id}": Operation(
        operation_id="changeAppointment",
        summary="Change an appointment through its state machine",
        description=(
            "Actions: `confirm` and `reject` (pending only), `cancel`, `paid`, `complete` and"
            " `no_show` (once the session started), `reschedule` (to a free slot, `startsAt`)."
            " The professional may take every action; the appointment's registered client may"
            " cancel or reschedule, within the professional's notice (403 past it). Anyone"
            " else's appointment is 404, like one that does not exist. Every change is audited"
            " and queues its messages."
        ),
        body=AppointmentChange,
        response=AppointmentOut,
        errors=(
            ValidationFailed,
            Forbidden,
            NotFound,
            InvalidTransition,
            SlotTaken,
            SlotUnavailable,
            PayloadTooLarge,
            ServiceUnavailable,
        ),
    ),
    "GET /api/availability": Operation(
        operation_id="getAvailability",
        summary="The signed-in professional's availability and scheduling settings",
        description=(
            "Weekly windows (several a day), date overrides and blocked periods in the"
            " professional's own time zone, and the settings the slot engine applies: session"
            " length, buffers before and after, slot step, minimum notice, booking horizon."
            " Overrides and blocked periods already past are left out. A user who is not a"
            " professional gets 403."
        ),
        response=AvailabilityDocument,
        errors=(Forbidden, ServiceUnavailable),
    ),
    "PUT /api/availability": Operation(
        operation_id="replaceAvailability",
        summary="Replace the availability and scheduling settings as a whole",
        description=(
            "Validated completely before anything is written, then replaced in one transaction:"
            " a refused request changes nothing. Times are `HH:MM` on quarter hours, windows of"
            " a day must not overlap and end after they start, the zone must exist; each bad"
            " rule is named in `fields` (`weekly[2].end`, `overrides[0].date`, ...). Booked"
            " appointments keep their times and the buffers they were booked with. Answers the"
            " document as stored."
        ),
        body=AvailabilityDocument,
        response=AvailabilityDocument,
        errors=(ValidationFailed, Forbidden, PayloadTooLarge, ServiceUnavailable),
    ),
    "POST /api/availability/preview": Operation(
        operation_id="previewAvailability",
        summary="The free times the booking page would offer under an unsaved availability",
        description=(
            "The body is the document PUT /api/availability takes, validated the same way (the"
            " same 400 `VALIDATION_FAILED` naming each bad rule in `fields`, together with a bad"
            " `date` or `days`); nothing is saved. The answer is GET /api/booking's for the"
            " professional's slug as if the document had been saved: the one slot engine over"
            " the document's rules, minus every appointment not rejected or cancelled (with the"
            " buffers it was booked with), the past, the notice, and the dates after the"
            " horizon. `date` defaults to today in the document's time zone, `days` to 7 (at"
            " most 31). An inactive professional previews too. A user who is not a professional"
            " gets 403, as GET /api/availability answers them."
        ),
        query=AvailabilityPreviewQuery,
        body=AvailabilityDocument,
        response=FreeSlots,
        errors=(ValidationFailed, Forbidden, PayloadTooLarge, ServiceUnavailable),
    ),
    "GET /api/guest/appointments/{id}": Operation(
        operation_id="viewGuestAppointment",
        summary="An appointment seen through its guest link",
        description=(
            "The guest link sent to a client without an account. A forged, altered or expired"
            " token, or one for another appointment, is 401."
        ),
        query=GuestLinkQuery,
        response=GuestAppointment,
        errors=(Unauthorized, NotFound, ServiceUnavailable),
    ),
    "GET /api/guest/appointments/{id}/calendar.ics": Operation(
        operation_id="downloadGuestCalendar",
        summary="The appointment as an iCalendar file",
        description=(
            "RFC 5545, local times with the professional's zone and its VTIMEZONE, a stable UID"
            " and a SEQUENCE that grows with every change a calendar must pick up (a cancelled"
            " appointment comes as STATUS:CANCELLED)."
        ),
        query=GuestLinkQuery,
        media_type="text/calendar",
        errors=(Unauthorized, NotFound, ServiceUnavailable),
    ),
    "POST /api/guest/appointments/{id}/cancel": Operation(
        operation_id="cancelGuestAppointment",
        summary="Cancel through the guest link",
        description="Within the professional's notice; the professional is told.",
        body=GuestCancel,
        response=GuestAppointment,
        errors=(
            ValidationFailed,
            Unauthorized,
            Forbidden,
            NotFound,
            InvalidTransition,
            PayloadTooLarge,
            ServiceUnavailable,
        ),
    ),
    "POST /api/guest/appointments/{id}/reschedule": Operation(
        operation_id="rescheduleGuestAppointment",
        summary="Reschedule through the guest link",
        description=(
            "To a free slot of the professional (as `GET /api/booking` lists them), within the"
            " professional's notice; both sides are told."
        ),
        body=GuestReschedule,
        response=GuestAppointment,
        errors=(
            ValidationFailed,
            Unauthorized,
            Forbidden,
            NotFound,
            InvalidTransition,
            SlotTaken,
            SlotUnavailable,
            PayloadTooLarge,
            ServiceUnavailable,
        ),
    ),
    "POST /api/guest/links": Operation(
        operation_id="sendGuestLinks",
        summary="Send a client's manage links again",
        description=(
            "For a client who lost the message: `contact` is the phone or the email they booked"
            " with. Every client record with it (one per professional; deleted or anonymised"
            " ones match nothing) gets one message per professional, on the channel of the"
            " contact given (an email by email, a phone by WhatsApp), in the professional's"
            " language, listing each appointment whose link still works (live ones, and past"
            " ones until the link expires) with its time and manage link. The answer is 202"
            ' `{"accepted": true}` for any well-formed contact, whether or not a booking has'
            " it, and never comes sooner than the booking's response floor. A JWT is ignored."
            " Limited per client address (`guest_links`: 5 in 10 minutes) and per contact"
            " (`guest_links_contact`: 3 an hour, from any address)."
        ),
        body=GuestLinksRequest,
        response=GuestLinksAccepted,
        status=202,
        errors=(ValidationFailed, PayloadTooLarge, RateLimited, ServiceUnavailable),
    ),
    "GET /api/notifications": Operation(
        operation_id="listNotifications",
        summary="The signed-in user's in-app notifications",
        description=(
            "Newest first: the notices of the user's own professional page and, as a registered"
            " client, those about their appointments. `unreadCount` counts all unread ones."
            " Pages are keyset cursors: pass `nextCursor` back as `cursor`."
        ),
        query=NotificationsQuery,
        response=NotificationPage,
        errors=(ValidationFailed, ServiceUnavailable),
    ),
    "PATCH /api/notifications/{id}": Operation(
        operation_id="markNotification",
        summary="Mark one notification read or unread",
        description="Anyone else's notification is 404, like one that does not exist.",
        body=NotificationRead,
        response=NotificationOut,
        errors=(ValidationFailed, NotFound, PayloadTooLarge, ServiceUnavailable),
    ),
    "POST /api/stripe/checkout": Operation(
        operation_id="startCheckout",
        summary="Subscribe to a plan through Stripe Checkout",
        description=(
            "A Checkout Session for the plan's price, for the professional's Stripe customer"
            " (created on the first checkout). Refused with 409 while a subscription exists:"
            " plan changes and cancellation go through the billing portal. The plan takes effect"
            " when Stripe reports the subscription (webhook), not when this answers."
        ),
        body=CheckoutRequest,
        response=CheckoutStarted,
        errors=(
            ValidationFailed,
            NotFound,
            InvalidTransition,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    "POST /api/stripe/portal": Operation(
        operation_id="openBillingPortal",
        summary="Open Stripe's billing portal",
        description=(
            "Invoices, payment method, plan changes and cancellation. 409 before the first"
            " checkout (no Stripe customer yet), and when Stripe no longer knows the stored"
            " customer."
        ),
        response=PortalOpened,
        errors=(NotFound, InvalidTransition, RateLimited, ServiceUnavailable),
    ),
    "POST /api/stripe/webhook": Operation(
        operation_id="receiveStripeEvent",
        summary="Stripe's events (called by Stripe)",
        description=(
            "The body is a Stripe event, verified with the `Stripe-Signature` header over the"
            " exact bytes received and a timestamp within 5 minutes either way. Each event id"
            " is applied once; a repeat answers 200 with `duplicate`. Handled:"
            " checkout.session.completed, async_payment_succeeded, async_payment_failed and"
            " expired; customer.subscription.created, updated and deleted; invoice.paid and"
            " invoice.payment_failed. Other types answer 200 and change nothing. A 5xx makes"
            " Stripe retry, and nothing of the event was kept."
        ),
        body=StripeEvent,
        headers=(
            Header(
                "Stripe-Signature",
                "`t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=...]`, signed with the endpoint's"
                " secret over `<t>.` and the raw body. Missing, malformed, stale or not"
                " matching: 400 `VALIDATION_FAILED`, and nothing is read.",
                pattern=r"^t=[0-9]{1,15}(,v[0-9]+=[0-9a-f]+)+$",
            ),
        ),
        response=StripeEventReceived,
        errors=(ValidationFailed, PayloadTooLarge, ServiceUnavailable),
    ),
    "POST /api/notifications/read-all": Operation(
        operation_id="markAllNotificationsRead",
        summary="Mark every unread notification read",
        response=NotificationsMarked,
        errors=(ServiceUnavailable,),
    ),
    "POST /api/account": Operation(
        operation_id="createAccount",
        summary="Sign up: the professional account of the token's subject",
        description=(
            "One professional per sign-in: a second request is 409 `ACCOUNT_EXISTS`, however"
            " the two race. The slug must be free (never used by anyone else, earlier slugs"
            " included): else 409 `SLUG_TAKEN` with free `suggestions` beside `fields` (and in"
            " `fields.slug`). Starts on the free plan with a 14-day trial of the paid plans'"
            " limits (`trialEndsAt`), no availability yet, and public at once at"
            " `/api/professionals/{slug}`. Rate limited per sign-in (`account`: 10 writes an"
            " hour). Every bad field is named in `fields`; nothing is written then."
        ),
        body=AccountSignUp,
        response=AccountOut,
        status=201,
        errors=(
            ValidationFailed,
            SlugTaken,
            AccountExists,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    "GET /api/account": Operation(
        operation_id="getAccount",
        summary="The signed-in professional's own account",
        description=(
            "Every setting, the plan subscribed to, the subscription's state, the sign-up"
            " trial's end, the plan whose limits apply now and those limits, and this month's"
            " usage (clients, appointments) in the professional's own month. 404 for a"
            " sign-in without a professional account."
        ),
        response=AccountOut,
        errors=(NotFound, ServiceUnavailable),
    ),
    "PATCH /api/account": Operation(
        operation_id="updateAccount",
        summary="Change the signed-in professional's settings",
        description=(
            "Only the keys sent change. Validated completely against the settings as they would"
            " be stored before anything is written (a refused body changes nothing). A new slug"
            " keeps the old one working: `/api/professionals/{old}` answers 308 to the new one,"
            " and no one else may take the old one. `active: false` hides the page (404) and"
            " refuses new bookings; existing appointments stay. Rate limited per sign-in"
            " (`account`)."
        ),
        body=AccountChanges,
        response=AccountOut,
        errors=(
            ValidationFailed,
            NotFound,
            SlugTaken,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    "GET /api/account/slug": Operation(
        operation_id="checkSlug",
        summary="Whether a slug is free",
        description=(
            "`available` with no `reason`, or why not: `malformed`, `reserved` or `taken`"
            " (current or earlier slug of another professional), with free `suggestions`. The"
            " sign-in's own slugs, current or earlier, are available to it. Needs a sign-in, not"
            " an account."
        ),
        query=SlugQuery,
        response=SlugCheck,
        errors=(ValidationFailed, ServiceUnavailable),
    ),
    "POST /api/account/avatar": Operation(
        operation_id="startAvatarUpload",
        summary="A presigned POST to upload the professional's photo",
        description=(
            "JPEG, PNG or WebP, at most 2 MB. Post the file straight to `url` as"
            " multipart/form-data, every entry of `fields` first and the file last as `file`;"
            " the storage refuses a different type, key or size, or a form past `expiresAt`."
            " The photo changes only when confirmed (POST /api/account/avatar/confirm). Counts"
            " against the `account` rate limit (10 writes an hour)."
        ),
        body=AvatarUploadRequest,
        response=AvatarUpload,
        errors=(ValidationFailed, NotFound, PayloadTooLarge, RateLimited, ServiceUnavailable),
    ),
    "POST /api/account/avatar/confirm": Operation(
        operation_id="confirmAvatarUpload",
        summary="Check an uploaded photo and make it the professional's",
        description=(
            "The stored file must be within 2 MB and its bytes must be the type it was uploaded"
            " as (JPEG FF D8 FF, PNG 89 50 4E 47 0D 0A 1A 0A, WebP RIFF....WEBP); a file that is"
            " not is deleted and refused (413 over the size, 400 otherwise). An upload that"
            " expired, was never made or is another professional's is 404. The photo is then"
            " served by the CDN at `avatarUrl`, and the previous one is deleted. Counts against"
            " the `account` rate limit."
        ),
        body=AvatarConfirm,
        response=AvatarConfirmed,
        errors=(ValidationFailed, NotFound, PayloadTooLarge, RateLimited, ServiceUnavailable),
    ),
    "GET /api/account/export": Operation(
        operation_id="exportAccount",
        summary="Everything the signed-in professional's account holds, as JSON",
        description=(
            "The right of access (LGPD): the profile and every setting, the slugs, availability,"
            " overrides and blocked periods, clients, recurring series, appointments with their"
            " payments and refunds, the audit trail of changes, private notes, messages,"
            " reviews, in-app notifications, follows, the WhatsApp and email messages sent with"
            " their outcome, and the Stripe events processed about the account. Each row has"
            " every column, in camelCase. Answered `Cache-Control: no-store`, as a download."
            " See docs/privacy.md."
        ),
        response=AccountExport,
        errors=(NotFound, ServiceUnavailable),
    ),
    "DELETE /api/account": Operation(
        operation_id="deleteAccount",
        summary="Delete the signed-in professional's account",
        description=(
            "Confirmed by the professional's own slug in `confirm` (else 400, nothing changed)."
            " Ends the Stripe subscription, hides the page, cancels every upcoming appointment"
            " and tells each of those clients by WhatsApp and email; then, once those messages"
            " are out, a job deletes every row of the professional (within minutes; at most a"
            " day when a message cannot be delivered). Answers 202 when the first phase is"
            " done; a repeat answers the same. Counts against the `account` rate limit (10"
            " writes an hour). See docs/privacy.md."
        ),
        body=AccountDeletion,
        response=AccountDeletionStarted,
        status=202,
        errors=(ValidationFailed, NotFound, PayloadTooLarge, RateLimited, ServiceUnavailable),
    ),
    "GET /api/client-profile/export": Operation(
        operation_id="exportClientProfile",
        summary="Everything held about the signed-in client, across professionals, as JSON",
        description=(
            "The right of access (LGPD): the client account; each professional's record of"
            " the client the account claimed, with the professional's name and slug; the"
            " appointments with their payments and refunds and their audit trail; messages,"
            " reviews, the in-app notifications addressed to them, follows, the WhatsApp and"
            " email messages sent to them with their outcome, and the verification codes"
            " (never the code). Never the professionals' private notes: those are the"
            " professionals' records. Each row has every column, in camelCase. A sign-in"
            " without a client account is 404 `CLIENT_PROFILE_NOT_FOUND`. Answered"
            " `Cache-Control: no-store`, as a download. See docs/privacy.md."
        ),
        response=ClientProfileExport,
        errors=(ClientProfileNotFound, ServiceUnavailable),
    ),
    "DELETE /api/client-profile": Operation(
        operation_id="deleteClientProfile",
        summary="Delete the signed-in client's account",
        description=(
            "Confirmed by the account's email or phone in `confirm` (else 400, nothing"
            " changed). Cancels every upcoming appointment of theirs with every professional,"
            " as a cancellation by the client (refunded as the client's cancellation is; one"
            " inside the professional's notice is a late cancellation, not refunded), and"
            " tells each of their professionals, naming no one. Then, once the messages owed"
            " about them are out, a job removes their contact data and account link"
            " everywhere; the professionals keep their notes and the appointment history"
            " under an anonymised client. Stripe down is 503 with nothing changed. Answers 202"
            " when the first phase is done; a repeat answers the same. Counts against the"
            " `account` rate limit (10 writes an hour). See docs/privacy.md."
        ),
        body=ClientProfileDeletion,
        response=ClientDeletionStarted,
        status=202,
        errors=(
            ValidationFailed,
            ClientProfileNotFound,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    "GET /api/client-profile": Operation(
        operation_id="getClientProfile",
        summary="The signed-in client's profile",
        description=(
            "The client account's contact; its appointments with every professional whose"
            " record it claimed: `upcoming` (pending or confirmed, not over; soonest first) and"
            " one page of `past` (newest first; pass `pastCursor` back as `cursor`), each in"
            " UTC and in the professional's own zone, with whether the client may cancel and"
            " reschedule it now and `until` when (the professional's notice; then 403, as"
            " `PATCH /api/appointments/{id}` answers the client's token); the professionals"
            " followed; and the records of other professionals with the account's phone or"
            " email offered for claiming, their contact masked. A sign-in without a client"
            " account (before its first claim, or a professional's) is 404"
            " `CLIENT_PROFILE_NOT_FOUND`. Answered `Cache-Control: no-store`. See"
            " docs/client-profile.md."
        ),
        query=ClientProfileQuery,
        response=ClientProfileOut,
        errors=(ValidationFailed, ClientProfileNotFound, ServiceUnavailable),
    ),
    "PUT /api/client-profile/follows/{slug}": Operation(
        operation_id="followProfessional",
        summary="Follow a professional",
        description=(
            "201 with the follow when new, 200 with the same body when already followed. A"
            " slug the professional left follows them at their current one. An unknown or"
            " inactive slug is 404 `NOT_FOUND`; a sign-in without a client account is 404"
            " `CLIENT_PROFILE_NOT_FOUND`. Counts against the `account` rate limit (10 writes"
            " an hour)."
        ),
        response=FollowOut,
        status=201,
        also=(200,),
        errors=(ClientProfileNotFound, NotFound, RateLimited, ServiceUnavailable),
    ),
    "DELETE /api/client-profile/follows/{slug}": Operation(
        operation_id="unfollowProfessional",
        summary="Stop following a professional",
        description=(
            "204 whether or not the professional was followed. An unknown or inactive slug is"
            " 404 `NOT_FOUND`; a sign-in without a client account is 404"
            " `CLIENT_PROFILE_NOT_FOUND`. Counts against the `account` rate limit."
        ),
        status=204,
        errors=(ClientProfileNotFound, NotFound, RateLimited, ServiceUnavailable),
    ),
    "POST /api/client-profile/claim": Operation(
        operation_id="claimClient",
        summary="Claim a client record for the signed-in user",
        description=(
            "By the `invite` of the registration link a confirmation message carries, which"
            " names one client record of one professional; or, for another professional's"
            " record offered to the account (its phone or email is the account's), by"
            " `clientId` and the `code` POST /api/client-profile/claim/codes sent to it. The"
            " first claim creates the sign-in's client account from the record (name, phone,"
            " email; the professional's language); every claim links the record to it."
            " Claiming one's own record again answers the same. A proof that does not hold is"
            " 403 `FORBIDDEN` with `fields.invite` or `fields.code`: an invite forged, altered,"
            " expired, signed with another key or of another kind (a manage link's token); a"
            " code wrong, expired, used, superseded or past its 5 tries; or a record deleted"
            " since. A record another sign-in claimed is 409 `ALREADY_CLAIMED` (two sign-ins"
            " racing for one record: exactly one wins). Tries of a code count against the"
            " `verification_attempts` rate limit (10 in 15 minutes)."
        ),
        body=ClientClaim,
        response=ClaimedClientOut,
        errors=(
            ValidationFailed,
            Forbidden,
            AlreadyClaimed,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    "POST /api/client-profile/claim/codes": Operation(
        operation_id="sendClaimCode",
        summary="Send a code to the phone or email of a record offered for claiming",
        description=(
            "Only for another professional's record that nobody claimed, not deleted, whose"
            " phone or email is the account's, by a channel the record has (`whatsapp`: its"
            " phone; `email`: its email). Anything else, and a sign-in without a client"
            " account, is the same 404 `NOT_FOUND`, so the route tells nobody whether a phone"
            " is someone's client. The code has 6 digits, works 10 minutes and 5 tries, and"
            " replaces any code sent before. `sentTo` shows the destination in part. Counts"
            " against the `verification` rate limit (5 an hour)."
        ),
        body=ClaimCodeRequest,
        response=CodeSentOut,
        status=202,
        errors=(ValidationFailed, NotFound, PayloadTooLarge, RateLimited, ServiceUnavailable),
    ),
    "PATCH /api/client-profile": Operation(
        operation_id="updateClientContact",
        summary="Change the signed-in client's name, language, phone or email",
        description=(
            "`name` and `language` apply at once (the name on every claimed record too): 200."
            " A new `phone` or `email` (one at a time) is 202: a code goes to the new"
            " destination and `pending` says where; nothing changes until POST"
            " /api/client-profile/contact/confirm. A phone or email another client of one of"
            " the client's professionals holds is 409 `CONTACT_IN_USE`. 404"
            " `CLIENT_PROFILE_NOT_FOUND` before a first claim. Counts against the `account`"
            " rate limit, and a code sent against `verification`."
        ),
        body=ClientContactChanges,
        response=ClientContactOut,
        also=(202,),
        errors=(
            ValidationFailed,
            ClientProfileNotFound,
            ContactInUse,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    "POST /api/client-profile/contact/confirm": Operation(
        operation_id="confirmClientContact",
        summary="Apply a new phone or email with the code sent to it",
        description=(
            "The account and every claimed record take the new phone or email in one write."
            " A wrong, expired or used code is 403 `FORBIDDEN` with `fields.code`; a phone"
            " another client of one of the professionals took since is 409 `CONTACT_IN_USE`,"
            " and nothing is written. Counts against the `account` and"
            " `verification_attempts` rate limits."
        ),
        body=ContactConfirm,
        response=ClientContactOut,
        errors=(
            ValidationFailed,
            Forbidden,
            ClientProfileNotFound,
            ContactInUse,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    # -- clients (docs/client-relationship.md) --
    "GET /api/clients": Operation(
        operation_id="listClients",
        summary="The professional's clients",
        description=(
            "One page (`limit` 1-100, default 25; pass `nextCursor` back as `cursor`) in name"
            " order, case and accents ignored, then id. `q` (at most 100 characters) finds a"
            " client by a part of the name (case and accents ignored), a part of the email, or,"
            " written as a phone (digits and the usual separators, at least 3 digits), those"
            " digits in the phone. Each client with the last appointment that started (not"
            " rejected or cancelled), the next live one, counts (completed sessions, no-shows,"
            " cancellations), what they owe (completed and no-show sessions unpaid, in the"
            " professional's currency) and their unread messages. An anonymised client (one who"
            " deleted their data) is listed with `anonymised: true` and no phone or email. A"
            " sign-in without a professional account (a client's) is 404 `NOT_FOUND`. Answered"
            " `Cache-Control: no-store`."
        ),
        query=ClientsQuery,
        response=ClientPage,
        errors=(ValidationFailed, NotFound, ServiceUnavailable),
    ),
    "POST /api/clients": Operation(
        operation_id="addClient",
        summary="Add a client by hand",
        description=(
            "A client the professional adds (a phone call, a walk-in, a series to come): 201"
            " with the client as `GET /api/clients/{id}` answers it. The phone is normalised as"
            " a booking's is, the email kept in lower case; no key beyond name, phone, email and"
            " tags is taken. A phone or an email (case ignored) another of the professional's"
            " clients has is 409 `CLIENT_EXISTS` with `fields` naming it and `clientId` of the"
            " client who has it; two requests at once for one phone or email give one 201 and"
            " one 409. A client added by hand counts against the plan's cap on clients as a"
            " booking's new client does: past it, 403 `PLAN_LIMIT_REACHED`. Recorded in the"
            " client's `changes` (`created`, the fields given). Counts against the `clients`"
            " rate limit (60 writes per 10 minutes per professional)."
        ),
        body=NewClient,
        response=ClientDetailOut,
        status=201,
        errors=(
            ValidationFailed,
            PlanLimitReached,
            NotFound,
            ClientExists,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    "GET /api/clients/{id}": Operation(
        operation_id="getClient",
        summary="A client and their history",
        description=(
            "The client as in the list, with `appointments` (a page, newest first, `limit`"
            " 1-100, default 25, `appointmentsCursor` for the next), each in the professional's"
            " zone with its price and its audit trail oldest first (`by`: professional, client,"
            " guest or system), and `changes`, the record of the client's details newest first"
            " (the latest 100; the names of the fields changed, never their values). Never a"
            " note. Another professional's client, or an id that is not a UUID, is 404"
            " `NOT_FOUND` like a missing one. Answered `Cache-Control: no-store`."
        ),
        query=ClientHistoryQuery,
        response=ClientDetailOut,
        errors=(ValidationFailed, NotFound, ServiceUnavailable),
    ),
    "PATCH /api/clients/{id}": Operation(
        operation_id="changeClient",
        summary="Change a client's details",
        description=(
            "Any of `name`, `phone`, `email` (null clears it) and `tags` (the whole list), at"
            " least one; no other key is taken. 200 with the client. A phone or an email"
            " another client of the professional has is 409 `CLIENT_EXISTS` (with `clientId`);"
            " an anonymised client is 409 `CLIENT_ANONYMISED`: their details are gone and stay"
            " gone. Recorded in `changes` (`updated`, the fields that changed; nothing when"
            " nothing changed). Counts against the `clients` rate limit."
        ),
        body=ClientChanges,
        response=ClientDetailOut,
        errors=(
            ValidationFailed,
            NotFound,
            ClientExists,
            ClientAnonymised,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    # -- private notes --
    "GET /api/clients/{id}/notes": Operation(
        operation_id="listClientNotes",
        summary="The private notes about one of the professional's clients",
        description=(
            "Newest first, in pages of `limit` (1-100, default 25): pass `nextCursor` back as"
            " `cursor` for older ones. Who can read a note: only the professional who owns the"
            " client, through these routes and their own export (GET /api/account/export)."
            " Never the client (their export leaves notes out), the public, another"
            " professional, a message or a log. Another professional's client, a client's own"
            " sign-in and an id that is not a UUID are 404 like a client that does not exist."
            " An anonymised client's notes stay the professional's. Reads do not count"
            " against a rate limit. `Cache-Control: no-store`."
        ),
        query=NotesQuery,
        response=NotePage,
        errors=(ValidationFailed, NotFound, ServiceUnavailable),
    ),
    "POST /api/clients/{id}/notes": Operation(
        operation_id="addClientNote",
        summary="Write a private note about a client",
        description=(
            "`text`: 1-10,000 characters, lines kept (tabs and line breaks), trimmed, not"
            " blank, no other control characters; a refusal names `text` and never quotes it."
            " Readable by the owner alone (see GET). Another professional's client is 404."
            " Counts against the `notes` rate limit (60 writes per 10 minutes per sign-in)."
            " `Cache-Control: no-store`."
        ),
        body=NoteIn,
        response=NoteOut,
        status=201,
        errors=(ValidationFailed, NotFound, PayloadTooLarge, RateLimited, ServiceUnavailable),
    ),
    "PATCH /api/clients/{id}/notes/{noteId}": Operation(
        operation_id="changeClientNote",
        summary="Replace a private note's text",
        description=(
            "The whole text, by the same rules as a new note; `updatedAt` moves on. A note of"
            " another client or another professional is 404 like one that does not exist."
            " Readable by the owner alone (see GET). Counts against the `notes` rate limit."
            " `Cache-Control: no-store`."
        ),
        body=NoteIn,
        response=NoteOut,
        errors=(ValidationFailed, NotFound, PayloadTooLarge, RateLimited, ServiceUnavailable),
    ),
    "DELETE /api/clients/{id}/notes/{noteId}": Operation(
        operation_id="deleteClientNote",
        summary="Delete a private note",
        description=(
            "204, and the note is gone (a second DELETE is 404). A note of another client or"
            " another professional is 404 like one that does not exist. Counts against the"
            " `notes` rate limit. `Cache-Control: no-store`."
        ),
        status=204,
        errors=(NotFound, RateLimited, ServiceUnavailable),
    ),
    # -- messages --
    "GET /api/messages": Operation(
        operation_id="readMessages",
        summary="A thread of messages with one client",
        description=(
            "The thread of the clients row `clientId`, for its professional or for the"
            " signed-in client whose account claimed that row; anyone else's, an anonymised"
            " client's and an id that is no UUID are 404 like a missing one. `items` is the"
            " latest page (`limit` 1-100, default 50) with the newest last; `nextCursor` reaches"
            " older messages. Opening the thread marks the other side's unread messages read"
            " and `unreadCount` says how many there were. A professional who is also the"
            " client of that row reads as the professional. `Cache-Control: no-store`."
        ),
        query=MessagesQuery,
        response=MessageThread,
        errors=(ValidationFailed, NotFound, ServiceUnavailable),
    ),
    "POST /api/messages": Operation(
        operation_id="sendMessage",
        summary="Write in a thread with one client",
        description=(
            "By the professional of the clients row or the signed-in client who claimed it"
            " (anyone else: 404). `text` is 1-2,000 characters once trimmed, lines kept,"
            " control characters refused; it is stored and answered as written and shown"
            " everywhere as text. In one transaction: the message, the other side's in-app"
            " notification (type `message`) and the message to them by WhatsApp (and email"
            " when they have one) through the outbox, each sent once; a message to the client"
            " links to their latest appointment's manage page. Counts against the `messages`"
            " rate limit (30 a minute per sender)."
        ),
        body=MessageIn,
        response=MessageOut,
        status=201,
        errors=(ValidationFailed, NotFound, PayloadTooLarge, RateLimited, ServiceUnavailable),
    ),
    "GET /api/guest/appointments/{id}/messages": Operation(
        operation_id="readGuestMessages",
        summary="The client's thread through a guest link",
        description=(
            "The thread of the appointment's client with its professional, as"
            " `GET /api/messages` answers it, for the holder of the appointment's guest link."
            " A forged, altered or expired token, or one for another appointment, is 401 and"
            " nothing is read; an anonymised client's thread is 404. Opening it marks the"
            " professional's unread messages read. `Cache-Control: no-store`."
        ),
        query=GuestMessagesQuery,
        response=MessageThread,
        errors=(ValidationFailed, Unauthorized, NotFound, ServiceUnavailable),
    ),
    "POST /api/guest/appointments/{id}/messages": Operation(
        operation_id="sendGuestMessage",
        summary="Write to the professional through a guest link",
        description=(
            "As `POST /api/messages` from the client's side, with the guest link's `token` in"
            " the body, checked before anything else (401 when it is not this appointment's)."
            " The professional gets the in-app notification and the message by WhatsApp and"
            " email. Counts against the `messages` rate limit (30 a minute per client)."
        ),
        body=GuestMessageIn,
        response=MessageOut,
        status=201,
        errors=(
            ValidationFailed,
            Unauthorized,
            NotFound,
            PayloadTooLarge,
            RateLimited,
            ServiceUnavailable,
        ),
    ),
    # -- reviews --
    "POST /api/appointments/{id}/review": Operation(
        operation_id="reviewAppointment",
        summary="Review a completed session (the signed-in client)",
        description=(
            "The client of the appointment (the account that claimed its client record)"
            " reviews it once: `rating` 1-5 and an optional `comment` (at most 2,000"
            " characters, lines kept, blank is none). 201 with the review. An appointment that"
            " is not the caller's, or an id that is no UUID, is 404 `NOT_FOUND` like a missing"
            " one; one that is not `completed` is 409 `NOT_REVIEWABLE`; a second review of the"
            " same appointment, two at once included, is 409 `ALREADY_REVIEWED`. The"
            " professional gets an in-app notice. Counts against the `reviews` rate limit (10"
            " an hour per sign-in). `Cache-Control: no-store`."
        ),
        body=ReviewIn,
        response=ClientReviewOut,
        status=201,
        errors=(
            ValidationFailed,
            NotFound,
            NotReviewable,
            AlreadyReviewed,
            RateLimited,
            PayloadTooLarge,
            ServiceUnavailable,
        ),
    ),
    "POST /api/guest/appointments/{id}/review": Operation(
        operation_id="reviewGuestAppointment",
        summary="Review a completed session through the guest link",
        description=(
            "As `POST /api/appointments/{id}/review`, the guest link's `token` in the body,"
            " checked before anything else: a forged, altered or expired token, or one for"
            " another appointment, is 401 `UNAUTHORIZED` and nothing is read. The link of the"
            " `review_request` message opens the manage page's form (`#review`). Counts"
            " against the `reviews` rate limit per appointment. `Cache-Control: no-store`."
        ),
        body=GuestReviewIn,
        response=ClientReviewOut,
        status=201,
        errors=(
            ValidationFailed,
            Unauthorized,
            NotFound,
            NotReviewable,
            AlreadyReviewed,
            RateLimited,
            PayloadTooLarge,
            ServiceUnavailable,
        ),
    ),
    "GET /api/reviews": Operation(
        operation_id="listReviews",
        summary="The professional's reviews",
        description=(
            "Newest first, hidden ones included, each with the client's full name, the reply"
            " and the hiding (`hidden`, `hiddenReason`, `hiddenAt`); `limit` 1-100, `cursor`"
            " from `nextCursor`. A sign-in without a professional account is 404 `NOT_FOUND`."
            " `Cache-Control: no-store`."
        ),
        query=ReviewsQuery,
        response=ReviewPage,
        errors=(ValidationFailed, NotFound, ServiceUnavailable),
    ),
    "POST /api/reviews/{id}/reply": Operation(
        operation_id="replyToReview",
        summary="Reply to a review, once",
        description=(
            "`text` 1-2,000 characters, lines kept, shown publicly under the review. 201 with"
            " the review. A second reply, two at once included, is 409 `ALREADY_REPLIED`;"
            " another professional's review, or an id that is no UUID, is 404 `NOT_FOUND`."
            " Recorded in the review's changes (`replied`). `Cache-Control: no-store`."
        ),
        body=ReviewReplyIn,
        response=ProfessionalReviewOut,
        status=201,
        errors=(
            ValidationFailed,
            NotFound,
            AlreadyReplied,
            PayloadTooLarge,
            ServiceUnavailable,
        ),
    ),
    "PATCH /api/reviews/{id}": Operation(
        operation_id="moderateReview",
        summary="Hide a review, or show it again",
        description=(
            '`{"hidden": true, "reason"}` hides it (the reason 1-500 characters,'
            " required; hiding a hidden review again replaces the reason),"
            ' `{"hidden": false}` shows it again (a reason is refused). 200 with the'
            " review. A hidden review stays, counts in neither the public average nor the"
            " count, and is never deleted. Each change of state is recorded (`hidden` with its"
            " reason, `shown`). Another professional's review is 404 `NOT_FOUND`."
            " `Cache-Control: no-store`."
        ),
        body=ReviewModeration,
        response=ProfessionalReviewOut,
        errors=(ValidationFailed, NotFound, PayloadTooLarge, ServiceUnavailable),
    ),
}

REQUEST_MODELS: tuple[type[BaseModel], ...] = tuple(
    dict.fromkeys(m for op in OPERATIONS.values() for m in (op.query, op.body) if m is not None)
)
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (
    *dict.fromkeys(op.response for op in OPERATIONS.values() if op.response is not None),
    ErrorResponse,
    GatewayUnauthorized,
)


def project_version(pyproject: Path = ROOT / "pyproject.toml") -> str:
    try:
        with pyproject.open("rb") as file:
            version = tomllib.load(file).get("project", {}).get("version")
    except (OSError, tomllib.TOMLDecodeError):
        return DEFAULT_VERSION
    return version if isinstance(version, str) and version else DEFAULT_VERSION


def component_schemas() -> dict[str, Any]:
    """components.schemas: requests as they are validated, responses as they are serialised."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        *((model, "validation") for model in REQUEST_MODELS),
        *((model, "serialization") for model in RESPONSE_MODELS),
    ]
    _, schema = models_json_schema(models, by_alias=True, ref_template=SCHEMA_REF)
    definitions: dict[str, Any] = schema.get("$defs", {})
    return dict(sorted(definitions.items()))


def build_document(template: Path = TEMPLATE) -> dict[str, Any]:
    schemas = component_schemas()
    routes = sorted(load_stack(template).routes, key=lambda route: (route.path, route.method))
    operation_ids = _fallback_operation_ids(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        path = _openapi_path(route.path)
        methods = ANY_METHODS if route.method == "ANY" else (route.method.lower(),)
        for method in methods:
            paths.setdefault(path, {})[method] = _operation(
                route, method, schemas, operation_ids[route.route_key]
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": project_version(),
            "description": (
                "Public booking routes and the professional's routes of the booking backend."
                " JSON bodies use camelCase; times are ISO 8601 with an offset. Every error"
                ' answers `{"error": {"code", "message", "fields"?}}`.'
            ),
        },
        "servers": [{"url": LOCAL_GATEWAY, "description": "Local gateway (make dev)"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A JWT from the configured issuer, checked by the API's"
                    " JWT authorizer.",
                }
            },
        },
    }


def _openapi_path(path: str) -> str:
    """API Gateway's greedy `{proxy+}` is a plain `{proxy}` in OpenAPI's path templating."""
    return _PATH_PARAMETER.sub(lambda match: "{" + match.group(1) + "}", path)


def _fallback_operation_ids(routes: Sequence[Route]) -> dict[str, str]:
    """operationId of routes without metadata: function and method, plus path words if needed."""
    ids: dict[str, str] = {}
    for route in routes:
        if route.route_key in OPERATIONS:
            ids[route.route_key] = OPERATIONS[route.route_key].operation_id
            continue
        stem = route.function.removesuffix("Function")
        ids[route.route_key] = stem[:1].lower() + stem[1:] + route.method.capitalize()
    counts: dict[str, int] = defaultdict(int)
    for operation_id in ids.values():
        counts[operation_id] += 1
    for route in routes:
        if counts[ids[route.route_key]] > 1 and route.route_key not in OPERATIONS:
            words = [w for w in re.split(r"[^A-Za-z0-9]+", route.path) if w and w != "api"]
            ids[route.route_key] += "".join(word[:1].upper() + word[1:] for word in words)
    return ids


def _operation(
    route: Route, method: str, schemas: dict[str, Any], operation_id: str
) -> dict[str, Any]:
    spec = OPERATIONS.get(route.route_key)
    operation: dict[str, Any] = {
        "operationId": (
            operation_id if method == route.method.lower() else operation_id + method.capitalize()
        ),
        "tags": [route.function.removesuffix("Function")],
    }
    parameters = _path_parameters(route.path, known=spec is not None)
    responses: dict[str, Any]
    errors: list[type[DomainError]]
    if spec is None:
        operation["summary"] = "Not available yet"
        operation["description"] = f"Declared in the stack ({route.function}), not built yet."
        responses = {}
        errors = [NotImplementedYet]
    else:
        operation["summary"] = spec.summary
        if spec.description:
            operation["description"] = spec.description
        if spec.query is not None:
            parameters += _query_parameters(spec.query, schemas)
        parameters += [_header_parameter(header) for header in spec.headers]
        if spec.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(spec.body)}},
            }
        statuses = (spec.status, *spec.also)
        responses = {str(status): _success(spec, status) for status in statuses}
        if spec.redirect is not None:
            responses["308"] = {
                "description": spec.redirect,
                "headers": {
                    "Location": {
                        "description": "The current address.",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                },
            }
        errors = list(spec.errors)
    if route.authorized:
        operation["security"] = [{SECURITY_SCHEME: []}]
        errors.append(Unauthorized)
    if parameters:
        operation["parameters"] = parameters
    responses.update(_error_responses(errors, authorized=route.authorized))
    operation["responses"] = dict(sorted(responses.items()))
    return operation


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def _path_parameters(path: str, *, known: bool) -> list[dict[str, Any]]:
    """A built route's parameters as it reads them; an unbuilt one's as plain strings."""
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": dict(PATH_PARAMETER_SCHEMAS.get(name, {"type": "string"}))
            if known
            else {"type": "string"},
        }
        for name in _PATH_PARAMETER.findall(path)
    ]


def _header_parameter(header: Header) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1}
    if header.pattern is not None:
        schema["pattern"] = header.pattern
    return {
        "name": header.name,
        "in": "header",
        "required": True,
        "description": header.description,
        "schema": schema,
    }


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One query parameter per field of the model, as its validation schema describes it."""
    schema = schemas[model.__name__]
    required = set(schema.get("required", ()))
    parameters = []
    for name, property_schema in schema.get("properties", {}).items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in property_schema.items() if k != "description"},
        }
        if "description" in property_schema:
            parameter["description"] = property_schema["description"]
        parameters.append(parameter)
    return parameters


def _success(spec: Operation, status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": HTTPStatus(status).phrase}
    if spec.response is not None:
        answer["content"] = {"application/json": {"schema": _ref(spec.response)}}
    elif spec.media_type is not None:
        answer["content"] = {spec.media_type: {"schema": {"type": "string"}}}
    return answer


def _error_responses(
    errors: Sequence[type[DomainError]], *, authorized: bool = True
) -> dict[str, Any]:
    by_status: dict[int, list[type[DomainError]]] = defaultdict(list)
    for error in errors:
        by_status[STATUS_BY_ERROR[error]].append(error)
    responses: dict[str, Any] = {}
    for status, kinds in sorted(by_status.items()):
        codes = ", ".join(f"`{kind.code}`" for kind in dict.fromkeys(kinds))
        response: dict[str, Any] = {
            "description": f"{HTTPStatus(status).phrase}. `error.code`: {codes}.",
            "content": {"application/json": {"schema": _ref(ErrorResponse)}},
        }
        if status == HTTPStatus.UNAUTHORIZED and authorized:
            response["description"] += (
                " A missing or invalid token is refused by the API's JWT authorizer before the"
                " function runs, with API Gateway's own body"
                ' `{"message": "Unauthorized"}`.'
            )
            response["content"]["application/json"]["schema"] = {
                "anyOf": [_ref(GatewayUnauthorized), _ref(ErrorResponse)]
            }
        if any(issubclass(kind, RETRYABLE) for kind in kinds):
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
        responses[str(status)] = response
    return responses


# -- the human-readable page ---------------------------------------------------------------

_STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;
background:#f6f7f9}
main{max-width:960px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}h2{margin:32px 0 8px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
h3{margin:16px 0 6px;font-size:15px}
.op{background:#fff;border:1px solid #d5d9e0;border-radius:6px;padding:12px 16px;margin:12px 0}
.op>header{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}
.method{font:bold 12px/1 ui-monospace,monospace;color:#fff;padding:4px 8px;border-radius:4px;
text-transform:uppercase}
.get{background:#2f7d4a}.post{background:#2b62b8}.put{background:#8a5a00}
.patch{background:#6b4bb3}.delete{background:#b23a3a}
.path{font:15px ui-monospace,monospace}.auth{font-size:13px;color:#5a6272}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;border-top:1px solid #e6e8ec;padding:4px 8px;vertical-align:top}
code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f0f2f5;padding:8px;border-radius:4px;overflow:auto;margin:4px 0}
"""


def docs_page(openapi_url: str) -> str:
    """The document as one self-contained HTML page (no scripts, fonts or CDN: works offline)."""
    document = build_document()
    e = html.escape
    info = document["info"]
    out: list[str] = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(info['title'])}</title><style>{_STYLE}</style></head><body><main>",
        f"<h1>{e(info['title'])} <small>{e(info['version'])}</small></h1>",
        f"<p>{_text(info['description'])}</p>",
        f'<p>OpenAPI 3.1 document: <a href="{e(openapi_url)}">{e(openapi_url)}</a>.',
        " Server: "
        + ", ".join(f"<code>{e(server['url'])}</code>" for server in document["servers"])
        + ".</p>",
        "<h2>Operations</h2>",
    ]
    schemas: dict[str, Any] = document["components"]["schemas"]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            out.append(_operation_html(path, method, operation, schemas))
    out.append("<h2>Schemas</h2>")
    for name, schema in schemas.items():
        out.append(
            f'<section class="op" id="{e(_anchor(name))}"><h3>{e(name)}</h3>'
            f"<pre>{e(_pretty(schema))}</pre></section>"
        )
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _operation_html(
    path: str, method: str, operation: dict[str, Any], schemas: dict[str, Any]
) -> str:
    e = html.escape
    auth = "bearer JWT" if operation.get("security") else "none"
    parts = [
        f'<section class="op" id="{e(operation["operationId"])}"><header>',
        f'<span class="method {e(method)}">{e(method)}</span>',
        f'<span class="path">{e(path)}</span>',
        f"<strong>{e(operation.get('summary', ''))}</strong>",
        f'<span class="auth">auth: {e(auth)}</span></header>',
    ]
    if operation.get("description"):
        parts.append(f"<p>{_text(operation['description'])}</p>")
    if operation.get("parameters"):
        parts.append(
            "<h3>Parameters</h3><table><tr><th>name</th><th>in</th><th>required</th>"
            "<th>schema</th></tr>"
        )
        for parameter in operation["parameters"]:
            parts.append(
                f"<tr><td><code>{e(parameter['name'])}</code></td><td>{e(parameter['in'])}</td>"
                f"<td>{'yes' if parameter.get('required') else 'no'}</td>"
                f"<td><pre>{e(_pretty(parameter['schema']))}</pre></td></tr>"
            )
        parts.append("</table>")
    body = operation.get("requestBody")
    if body:
        parts.append("<h3>Request body</h3>")
        for media_type, content in body["content"].items():
            schema = content["schema"]
            parts.append(f"<p><code>{e(media_type)}</code> {_schema_link(schema)}</p>")
            if isinstance(schema.get("$ref"), str):
                schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
                parts.append(f"<pre>{e(_pretty(schema))}</pre>")
    parts.append(
        "<h3>Responses</h3><table><tr><th>status</th><th>description</th><th>body</th></tr>"
    )
    for status, response in operation["responses"].items():
        bodies = " ".join(
            _schema_link(content["schema"]) for content in response.get("content", {}).values()
        )
        headers = "".join(
            f"<br>header <code>{e(name)}</code>" for name in response.get("headers", {})
        )
        parts.append(
            f"<tr><td><strong>{e(status)}</strong></td>"
            f"<td>{_text(response['description'])}{headers}</td><td>{bodies}</td></tr>"
        )
    parts.append("</table></section>")
    return "\n".join(parts)


def _schema_link(schema: dict[str, Any]) -> str:
    """A link to the named schema below, or the inline schema itself."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        return f'<a href="#{html.escape(_anchor(name))}"><code>{html.escape(name)}</code></a>'
    return f"<pre>{html.escape(_pretty(schema))}</pre>"


def _text(description: str) -> str:
    """Escaped prose, its `code spans` (the one piece of Markdown the document uses) as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(description))


def _anchor(schema_name: str) -> str:
    return f"schema-{schema_name}"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def write_document(out: Path, document: dict[str, Any]) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.openapi", description="Write the API's OpenAPI 3.1 document."
    )
    parser.add_argument("--out", type=Path, default=Path("build/openapi.json"))
    parser.add_argument(
        "--docs", type=Path, default=None, help="also write the HTML page to this file"
    )
    args = parser.parse_args(argv)
    print(write_document(args.out, build_document()))
    if args.docs is not None:
        args.docs.parent.mkdir(parents=True, exist_ok=True)
        relative = args.out.resolve().relative_to(args.docs.resolve().parent, walk_up=True)
        args.docs.write_text(docs_page(relative.as_posix()), encoding="utf-8")
        print(args.docs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
