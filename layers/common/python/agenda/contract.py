"""The public HTTP contract as pydantic models: request validation and the OpenAPI document.

Only request bodies are validated through these models at run time (and only on the write
path, which imports this module lazily); responses are built as plain dicts on the hot path and
tests check them against the response models, so the document cannot drift from the code.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from agenda.domain.accounts import (
    BIO_LENGTH,
    DEFAULT_LANGUAGE,
    DEFAULT_SESSION_MINUTES,
    DEFAULT_TIMEZONE,
    NOTICE_HOURS,
    PIX_KEY_LENGTH,
    PROFESSION_LENGTH,
    PUBLIC_CONTACT_LENGTH,
    Currency,
    Language,
    PaymentType,
)
from agenda.domain.accounts import EMAIL_LENGTH as ACCOUNT_EMAIL_LENGTH
from agenda.domain.accounts import LANGUAGES as ACCOUNT_LANGUAGES
from agenda.domain.accounts import MAX_PRICE as MAX_SESSION_PRICE
from agenda.domain.accounts import NAME_LENGTH as ACCOUNT_NAME_LENGTH
from agenda.domain.accounts import SLUG_DOCUMENTED_PATTERN as ACCOUNT_SLUG_PATTERN
from agenda.domain.accounts import SLUG_MAX_LENGTH as ACCOUNT_SLUG_MAX
from agenda.domain.accounts import SLUG_MIN_LENGTH as ACCOUNT_SLUG_MIN
from agenda.domain.availability import DEFAULT_HORIZON_DAYS, LIMITS
from agenda.domain.client_notes import (
    NOTE_MAX_LENGTH,
    NOTES_DEFAULT_LIMIT,
    NOTES_MAX_LIMIT,
    clean_note,
)
from agenda.domain.clients import (
    CLIENT_CURSOR_MAX_LENGTH,
    DEFAULT_CLIENTS_LIMIT,
    DEFAULT_HISTORY_LIMIT,
    MAX_TAGS,
    QUERY_MAX_LENGTH,
    TAG_LENGTH,
    clean_tags,
)
from agenda.domain.errors import ValidationFailed
from agenda.domain.guest_token import MAX_TOKEN_LENGTH
from agenda.domain.phone import DOCUMENTED_PATTERN as PHONE_PATTERN
from agenda.domain.phone import normalize_phone
from agenda.domain.plans import PaidPlan
from agenda.domain.queries import (
    DEFAULT_DAYS,
    DEFAULT_VIEW,
    FIRST_QUERY_DATE,
    LAST_QUERY_DATE,
    MAX_DAYS,
    PREVIEW_DEFAULT_DAYS,
    PREVIEW_MAX_DAYS,
    QUERY_DATE_PATTERN,
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
)
from agenda.domain.reviews import COMMENT_LENGTH as REVIEW_COMMENT_LENGTH
from agenda.domain.reviews import HIDDEN_REASON_LENGTH as REVIEW_HIDDEN_REASON_LENGTH
from agenda.domain.reviews import RATING_RANGE as REVIEW_RATINGS
from agenda.domain.reviews import REPLY_LENGTH as REVIEW_REPLY_LENGTH
from agenda.domain.reviews import clean_comment as clean_review_comment
from agenda.domain.reviews import clean_reason as clean_hidden_reason
from agenda.domain.reviews import clean_reply as clean_review_reply
from agenda.domain.slots import Period
from agenda.domain.statuses import Action, ChangedBy, LiveStatus, PaymentStatus, Status, View
from agenda.domain.threads import DEFAULT_PAGE as THREAD_PAGE
from agenda.domain.threads import MAX_TEXT_LENGTH as THREAD_TEXT_LENGTH
from agenda.domain.threads import clean_text as clean_message_text
from agenda.domain.verification import CODE_DIGITS, CODE_PATTERN
from agenda.pagination import DEFAULT_LIMIT, MAX_LIMIT

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# What the validators below enforce, as JSON Schema (ECMA-262) patterns for the document. The
# validators are the rule; these only state it, and tests/unit/test_openapi.py checks that every
# string a pattern allows passes its validator. Runs of whitespace (tabs and line breaks too)
# become one space before the control-character check, so the other control characters are the
# ones refused.
_REFUSED_CONTROL = r"\x00-\x08\x0e-\x1b\x7f"
TEXT_PATTERN = rf"^[^{_REFUSED_CONTROL}]*$"
# At least two characters left once the whitespace is collapsed.
_VISIBLE = r"[^\s\x00-\x1f\x7f\x85]"
NAME_PATTERN = (
    rf"^[^{_REFUSED_CONTROL}]*{_VISIBLE}[^{_REFUSED_CONTROL}]*{_VISIBLE}[^{_REFUSED_CONTROL}]*$"
)
# The ASCII addresses; the validator takes any character but @ and spaces, in lower case.
_ADDRESS = r"[!-?A-~]"
EMAIL_PATTERN = rf"^{_ADDRESS}{{1,64}}@{_ADDRESS}+\.{_ADDRESS}{{2,}}$"
GUEST_LINK_PATTERN = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
# A phone as a booking takes it, or an email: what POST /api/guest/links looks a booking up by.
CONTACT_PATTERN = f"(?:{PHONE_PATTERN})|(?:{EMAIL_PATTERN})"
# The document's example professional: the demo one `make dev` seeds, so the examples work locally.
EXAMPLE_SLUG = "dr-ana"


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


def parse_instant(value: object) -> datetime:
    """An ISO 8601 date-time that carries its own offset; anything else is refused."""
    if not isinstance(value, str) or len(value) > 40 or "T" not in value.upper():
        raise ValueError("must be an ISO 8601 date-time such as 2026-03-09T14:00:00-03:00")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("must be an ISO 8601 date-time such as 2026-03-09T14:00:00-03:00") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("must include a UTC offset, for example -03:00 or Z")
    # Its own wall-clock year, so that nothing is converted before the check: year 1 minus the
    # slot engine's margins is no datetime at all.
    if not FIRST_QUERY_DATE.year <= parsed.year <= LAST_QUERY_DATE.year:
        raise ValueError(f"must be from {FIRST_QUERY_DATE.year} to {LAST_QUERY_DATE.year}")
    return parsed


# What parse_instant takes, as the document states it: RFC 3339 in the supported years, with
# its offset (Python reads up to 6 fraction digits and drops the rest; a leap second is no time).
# `format: date-time` beside it rules out the days a month does not have.
INSTANT_PATTERN = (
    r"^2[0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_INSTANT: dict[str, Any] = {"json_schema_extra": {"pattern": INSTANT_PATTERN, "maxLength": 40}}


class BookingRequest(Model):
    """POST /api/booking. `website` is a honeypot a person never fills in."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    slug: Annotated[
        str, Field(strict=True, min_length=1, max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN)
    ]
    starts_at: Annotated[datetime, Field(description="ISO 8601 with offset", **_INSTANT)]
    client_name: Annotated[
        str,
        Field(
            strict=True,
            min_length=2,
            max_length=120,
            description="whitespace runs become one space; at least 2 characters are left;"
            " no control characters",
            json_schema_extra={"pattern": NAME_PATTERN},
        ),
    ]
    client_phone: Annotated[
        str,
        Field(
            strict=True,
            min_length=8,
            max_length=32,
            description="normalised to E.164. A Brazilian number needs its area code (DDD, one"
            " in use), a mobile's ninth digit may be left out; another country's is +<its"
            " digits>. The pattern states the usual forms; a trunk 0, a carrier code or 00 for"
            " + are read too",
            json_schema_extra={"pattern": PHONE_PATTERN},
        ),
    ]
    client_email: Annotated[
        str | None,
        Field(
            strict=True,
            max_length=254,
            description="kept in lower case; empty is the same as absent. The pattern states"
            " the ASCII addresses; any character but @ and spaces is taken",
            json_schema_extra={"pattern": EMAIL_PATTERN},
        ),
    ] = None
    website: Annotated[str | None, Field(strict=True, max_length=500)] = None

    @field_validator("starts_at", mode="before")
    @classmethod
    def _instant(cls, value: object) -> datetime:
        return parse_instant(value)

    @field_validator("client_name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = " ".join(value.split())
        if len(value) < 2:
            raise ValueError("must have at least 2 characters")
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("client_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        phone = normalize_phone(value)
        if phone is None:
            raise ValueError("must be a phone number with area code, e.g. (11) 98765-4321")
        return phone

    @field_validator("client_email", mode="before")
    @classmethod
    def _email(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower()
            if not value:
                return None
            if not _EMAIL.match(value):
                raise ValueError("must be a valid email address")
        return value


class BookingCreated(Model):
    """`pending_payment` when the professional takes payment at booking: the slot is held
    until `paymentExpiresAt`, and the booking goes on once the Checkout at `checkoutUrl` is
    paid."""

    success: Literal[True]
    status: LiveStatus
    checkout_url: str | None = None
    payment_expires_at: datetime | None = None


# --- plans and payments ------------------------------------------------------------------------


class CheckoutRequest(Model):
    """POST /api/stripe/checkout."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    plan: PaidPlan


class CheckoutStarted(Model):
    url: Annotated[str, Field(description="Stripe Checkout's page for the plan")]
    session_id: str


class PortalOpened(Model):
    url: Annotated[str, Field(description="Stripe's billing portal for the professional")]


class StripeEventReceived(Model):
    received: Literal[True]
    duplicate: Annotated[
        bool | None, Field(description="true when this event id was already processed")
    ] = None


# A query's local date: YYYY-MM-DD within the years the parsers take (agenda.domain.queries).
_YEARS = f", from {FIRST_QUERY_DATE} to {LAST_QUERY_DATE}"
# `date` as a type where a field named `date` hides it.
_Day = date
_DAY: dict[str, Any] = {"json_schema_extra": {"pattern": QUERY_DATE_PATTERN}}


class FreeSlotsQuery(Model):
    """GET /api/booking query string."""

    slug: Annotated[
        str,
        Field(
            min_length=1,
            max_length=SLUG_MAX_LENGTH,
            pattern=SLUG_PATTERN,
            examples=[EXAMPLE_SLUG],
        ),
    ]
    date: Annotated[date, Field(description=f"the first local date, YYYY-MM-DD{_YEARS}", **_DAY)]
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = DEFAULT_DAYS

    @field_validator("date", mode="before")
    @classmethod
    def _calendar_date(cls, value: object) -> object:
        if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
            raise ValueError("must be a date as YYYY-MM-DD")
        return value

    @field_validator("date")
    @classmethod
    def _supported_years(cls, value: _Day) -> _Day:
        if not FIRST_QUERY_DATE <= value <= LAST_QUERY_DATE:
            raise ValueError(f"must be from {FIRST_QUERY_DATE} to {LAST_QUERY_DATE}")
        return value


class SlotOut(Model):
    starts_at: datetime
    ends_at: datetime
    time: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]
    period: Period


class DayOut(Model):
    date: date
    slots: list[SlotOut]


class FreeSlots(Model):
    slug: str
    timezone: str
    session_duration: int
    bookable_until: Annotated[
        date,
        Field(
            description="the last local date a client may book (YYYY-MM-DD): today in the"
            " professional's zone plus their booking horizon; a later start is 409"
            " SLOT_UNAVAILABLE naming this date"
        ),
    ]
    days: list[DayOut]


class ReviewOut(Model):
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: str | None
    reviewer_name: str
    created_at: datetime
    reply: Annotated[
        str | None, Field(description="the professional's reply, shown under it; null: none")
    ]


class RelatedProfessional(Model):
    slug: str
    name: str
    profession: str
    avatar_url: str | None


class PublicProfile(Model):
    slug: str
    name: str
    profession: str
    bio: str | None
    avatar_url: str | None
    session_duration: int
    session_price: float | None
    currency: str
    timezone: str
    language: Annotated[
        Language, Field(description="the professional's language, the one their pages are in")
    ]
    reviews: Annotated[
        list[ReviewOut],
        Field(description="the latest shown reviews, newest first (hidden ones never)"),
    ]
    review_count: Annotated[int, Field(ge=0, description="shown reviews: hidden ones not")]
    review_average: Annotated[
        float | None,
        Field(ge=1, le=5, description="the shown reviews' average rating; null without any"),
    ]
    related: list[RelatedProfessional]


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None
    suggestions: Annotated[
        list[str] | None,
        Field(description="with SLUG_TAKEN: free slugs near the one asked for, best first"),
    ] = None
    contact: Annotated[
        str | None,
        Field(
            description="where a refusal asks to contact the professional: the link they "
            "published for it (https, mailto: or tel:), when they did"
        ),
    ] = None
    client_id: Annotated[
        str | None,
        Field(
            alias="clientId",
            description="with CLIENT_EXISTS: the id of the professional's client who already"
            " has that phone or email",
        ),
    ] = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


def validate[M: BaseModel](model: type[M], data: dict[str, Any]) -> M:
    """Validate into `model` or raise the contract's 400 with one message per field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for problem in exc.errors():
            name = ".".join(str(part) for part in problem["loc"]) or "body"
            message = str(problem["msg"]).removeprefix("Value error, ")
            fields.setdefault(name, message)
        raise ValidationFailed("Some fields are missing or invalid", fields=fields) from exc


# --- the appointment lifecycle ---------------------------------------------------------------


def _reason(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value or None


class AppointmentChange(Model):
    """PATCH /api/appointments/{id}: one action of the allowlist. `startsAt` (a free slot of
    the professional, as GET /api/booking lists them) is required to reschedule."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="ignore",
        # The service refuses a reschedule without a start (400 naming startsAt): said here.
        json_schema_extra={
            "if": {"properties": {"action": {"const": "reschedule"}}, "required": ["action"]},
            "then": {
                "properties": {"startsAt": {"type": "string"}},
                "required": ["startsAt"],
            },
        },
    )

    action: Action
    starts_at: Annotated[
        datetime | None,
        Field(description="ISO 8601 with offset; required to reschedule", **_INSTANT),
    ] = None
    reason: Annotated[
        str | None,
        Field(
            strict=True,
            max_length=500,
            description="told to the other side; whitespace runs become one space, no control"
            " characters",
            json_schema_extra={"pattern": TEXT_PATTERN},
        ),
    ] = None
    late_cancellation: Annotated[
        bool,
        Field(
            strict=True,
            description="the professional cancels and counts it as a late cancellation by "
            "the client: a paid session is then not refunded (only with action cancel, only "
            "by the professional)",
        ),
    ] = False

    @field_validator("starts_at", mode="before")
    @classmethod
    def _instant(cls, value: object) -> datetime | None:
        return None if value is None else parse_instant(value)

    @field_validator("reason")
    @classmethod
    def _clean_reason(cls, value: str | None) -> str | None:
        return _reason(value)


_GUEST_LINK_DESCRIPTION = (
    "the token of the guest link sent to the client: two base64url parts joined by a dot; a"
    " forged, altered or expired one, or one for another appointment, is 401"
)
# The guest link's token, as the guest routes take it: in a body (strict: a string, never a
# number made one) or in a query string (always text).
GuestTokenInBody = Annotated[
    str,
    Field(
        strict=True,
        min_length=1,
        max_length=MAX_TOKEN_LENGTH,
        description=_GUEST_LINK_DESCRIPTION,
        json_schema_extra={"pattern": GUEST_LINK_PATTERN},
    ),
]
GuestTokenInQuery = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TOKEN_LENGTH,
        description=_GUEST_LINK_DESCRIPTION,
        json_schema_extra={"pattern": GUEST_LINK_PATTERN},
    ),
]


class GuestCancel(Model):
    """POST /api/guest/appointments/{id}/cancel."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    token: GuestTokenInBody
    reason: Annotated[
        str | None,
        Field(
            strict=True,
            max_length=500,
            description="told to the professional; whitespace runs become one space, no"
            " control characters",
            json_schema_extra={"pattern": TEXT_PATTERN},
        ),
    ] = None

    @field_validator("reason")
    @classmethod
    def _clean_reason(cls, value: str | None) -> str | None:
        return _reason(value)


class GuestReschedule(GuestCancel):
    """POST /api/guest/appointments/{id}/reschedule, to a free slot of the professional."""

    starts_at: Annotated[datetime, Field(description="ISO 8601 with offset", **_INSTANT)]

    @field_validator("starts_at", mode="before")
    @classmethod
    def _instant(cls, value: object) -> datetime:
        return parse_instant(value)


class GuestLinkQuery(Model):
    """The query string of the guest GET routes."""

    token: GuestTokenInQuery


class AppointmentsQuery(Model):
    """GET /api/appointments query string. Dates are local dates of the professional."""

    view: View = DEFAULT_VIEW
    from_: Annotated[
        date | None,
        Field(alias="from", description=f"first local date, YYYY-MM-DD{_YEARS}", **_DAY),
    ] = None
    to: Annotated[
        date | None,
        Field(description=f"last local date, YYYY-MM-DD, inclusive{_YEARS}", **_DAY),
    ] = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    cursor: Annotated[
        str | None, Field(max_length=200, description="nextCursor of the previous page")
    ] = None


class ClientContact(Model):
    id: UUID
    name: str
    phone: str
    email: str | None
    registered: bool


class AppointmentOut(Model):
    id: UUID
    status: Status
    payment_status: PaymentStatus
    starts_at: datetime
    ends_at: datetime
    local_date: date
    time: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]
    sequence: int
    status_changed_at: datetime | None
    status_changed_by: ChangedBy | None
    created_at: datetime
    actions: Annotated[
        list[Action],
        Field(
            description="what the professional may do to it now, as the state machine allows "
            "(docs/appointments.md); a reschedule's new time is checked when it is asked for"
        ),
    ]
    client: ClientContact


class AppointmentPage(Model):
    view: View
    timezone: str
    items: list[AppointmentOut]
    next_cursor: str | None


class GuestProfessional(Model):
    name: str
    slug: str
    profession: str
    timezone: str
    session_duration: int
    language: Annotated[
        Language, Field(description="the professional's language: the page's and the messages'")
    ]
    contact: Annotated[
        str | None,
        Field(
            description="the way to reach the professional they chose to publish (https,"
            " mailto: or tel:), for what the link can no longer do; null when they did not"
        ),
    ]


class GuestPolicy(Model):
    cancellation_notice_hours: int
    reschedule_notice_hours: int
    can_cancel: bool
    can_reschedule: bool
    cancel_until: datetime
    reschedule_until: datetime
    refund_on_cancel: Annotated[
        Literal["none", "full"],
        Field(
            description="what a cancellation through this link would give back now: `full`,"
            " the whole online payment (refunded through Stripe); `none`, nothing was paid"
            " online, or the link may not cancel"
        ),
    ]
    refund_amount: Annotated[
        float | None, Field(description="with `full`: the amount given back; else null")
    ]
    refund_currency: Annotated[
        str | None, Field(description="with `full`: its currency (ISO 4217); else null")
    ]


class GuestAppointment(Model):
    id: UUID
    status: Status
    payment_status: PaymentStatus
    starts_at: datetime
    ends_at: datetime
    timezone: str
    sequence: int
    client_name: str
    price: Annotated[
        float | None,
        Field(
            description="the amount due online when the booking took payment, else the"
            " professional's session price; null: none set"
        ),
    ]
    currency: str
    professional: GuestProfessional
    policy: GuestPolicy
    review: Annotated[
        ClientReviewOut | None,
        Field(description="the client's review of this appointment; null: not reviewed"),
    ]
    can_review: Annotated[
        bool,
        Field(
            description="completed and not reviewed yet: POST"
            " /api/guest/appointments/{id}/review takes a review"
        ),
    ]


class GuestLinksRequest(Model):
    """POST /api/guest/links: the manage links of a phone's or an email's bookings, sent again."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    contact: Annotated[
        str,
        Field(
            strict=True,
            min_length=3,
            max_length=254,
            json_schema_extra={"pattern": CONTACT_PATTERN},
            description="the phone or the email the booking was made with: with an @ it is an"
            " email (kept in lower case), else a phone (normalised to E.164 as a booking's)."
            " The links go back to it, by email or by WhatsApp",
        ),
    ]

    @field_validator("contact")
    @classmethod
    def _contact(cls, value: str) -> str:
        value = value.strip()
        if "@" in value:
            email = value.lower()
            if not _EMAIL.match(email):
                raise ValueError("must be a valid email address")
            return email
        phone = normalize_phone(value)
        if phone is None:
            raise ValueError(
                "must be a phone number with area code, e.g. (11) 98765-4321, or an email"
            )
        return phone


class GuestLinksAccepted(Model):
    """The same answer whether or not any booking has that phone or email."""

    accepted: Literal[True]


# -- in-app notifications --------------------------------------------------------------------


class NotificationsQuery(Model):
    """GET /api/notifications query string."""

    unread: bool = False
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    cursor: str | None = Field(default=None, description="nextCursor of the previous page")


class NotificationOut(Model):
    id: UUID
    type: str
    title: str
    body: str
    data: dict[str, Any]
    read_at: datetime | None
    created_at: datetime


class NotificationPage(Model):
    items: list[NotificationOut]
    unread_count: int
    next_cursor: str | None


class NotificationRead(Model):
    """PATCH /api/notifications/{id} body."""

    read: Annotated[bool, Field(strict=True)]


class NotificationsMarked(Model):
    marked: int


# -- the professional's availability ------------------------------------------------------------
# Documentation and response checks: PUT /api/availability is validated by the pure domain
# (agenda.domain.availability), which names each bad rule ("weekly[2].end"); these models
# describe the same document with the domain's limits, and tests hold the two together.

# The minutes a local time may show: "00|15|30|45" for a granularity of 15.
_LOCAL_MINUTES = "|".join(f"{m:02d}" for m in range(0, 60, LIMITS.granularity_minutes))
LocalTime = Annotated[
    str,
    Field(
        pattern=rf"^([01]\d|2[0-3]):({_LOCAL_MINUTES})$",
        description='local wall-clock time "HH:MM" on a quarter hour',
    ),
]


def _minutes(bounds: tuple[int, int], *, description: str | None = None) -> Any:
    """A number of minutes within the domain's bounds, a whole multiple of its minute step."""
    low, high = bounds
    return Field(ge=low, le=high, multiple_of=LIMITS.minute_multiple, description=description)


class WeeklyWindowIn(Model):
    weekday: Annotated[int, Field(ge=0, le=6, description="0 = Sunday ... 6 = Saturday")]
    start: LocalTime
    end: Annotated[LocalTime, Field(description="after start; a window never crosses midnight")]


class WindowIn(Model):
    start: LocalTime
    end: LocalTime


class DateOverrideIn(Model):
    date: Annotated[date, Field(description="a local date; its windows replace the weekly ones")]
    windows: Annotated[list[WindowIn], Field(min_length=1, max_length=LIMITS.windows_per_override)]


class BlockedPeriodIn(Model):
    start: Annotated[date, Field(description="first blocked local date")]
    end: Annotated[date, Field(description="last blocked local date, included; >= start")]
    reason: Annotated[str | None, Field(max_length=LIMITS.reason_length)] = None


class AvailabilityDocument(Model):
    """GET /api/availability answers it; PUT /api/availability replaces it as a whole.

    Minutes are whole multiples of 5. Overrides before today and blocked periods that ended
    before today (in the professional's zone) are dropped, so a document read earlier can
    always be sent back. Windows of one day must not overlap (touching is fine), one override
    a date, none inside a blocked period.
    """

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    timezone: Annotated[
        str,
        Field(
            description="an IANA time zone name this runtime knows, such as"
            " America/Sao_Paulo (an unknown one is 400); windows stay local hours when it"
            " changes, booked appointments keep their instants",
            examples=["America/Sao_Paulo"],
        ),
    ]
    session_duration: Annotated[int, _minutes(LIMITS.session_minutes)]
    buffer_before_minutes: Annotated[int, _minutes(LIMITS.buffer_minutes)] = 0
    buffer_after_minutes: Annotated[int, _minutes(LIMITS.buffer_minutes)] = 0
    slot_step_minutes: Annotated[
        int | None,
        _minutes(
            LIMITS.step_minutes,
            description="minutes between candidate starts; null: one session after another,"
            " buffers included",
        ),
    ] = None
    min_notice_minutes: Annotated[
        int,
        _minutes(
            LIMITS.min_notice_minutes,
            description="no booking may start sooner than this after it is made (120 = 2 hours)",
        ),
    ] = 0
    booking_horizon_days: Annotated[
        int,
        Field(
            ge=LIMITS.horizon_days[0],
            le=LIMITS.horizon_days[1],
            description="how many local days ahead clients may book",
        ),
    ] = DEFAULT_HORIZON_DAYS
    weekly: Annotated[list[WeeklyWindowIn], Field(max_length=LIMITS.weekly_windows)]
    overrides: Annotated[list[DateOverrideIn], Field(max_length=LIMITS.overrides)] = []
    blocked: Annotated[list[BlockedPeriodIn], Field(max_length=LIMITS.blocked_periods)] = []


class AvailabilityPreviewQuery(Model):
    """POST /api/availability/preview query string (agenda.domain.queries.parse_preview_query
    decides; GET /api/booking's date and days, the date optional)."""

    date: Annotated[
        _Day | None,
        Field(
            description="the first local date, YYYY-MM-DD; default: today in the previewed"
            f" document's time zone{_YEARS}",
            **_DAY,
        ),
    ] = None
    days: Annotated[int, Field(ge=1, le=PREVIEW_MAX_DAYS)] = PREVIEW_DEFAULT_DAYS


# -- the professional's account (docs/accounts.md) ---------------------------------------------
# Documentation and response checks: the bodies are validated by the pure domain
# (agenda.domain.accounts), which names each bad field; these models state the same rules, and
# tests/unit/test_accounts.py holds the two together.

_ACCOUNT_SLUG: dict[str, Any] = {
    "min_length": ACCOUNT_SLUG_MIN,
    "max_length": ACCOUNT_SLUG_MAX,
    "description": "lowercase letters and digits in words joined by single hyphens, not a"
    " reserved word (api, p, manage, register, dashboard, admin, ...); unique across every"
    " professional's current and earlier slugs",
    "json_schema_extra": {"pattern": ACCOUNT_SLUG_PATTERN},
    "examples": ["dra-beatriz"],
}
_ONE_LINE = "whitespace runs become one space; no control characters"


def _line(bounds: tuple[int, int], description: str = _ONE_LINE) -> Any:
    return Field(
        min_length=bounds[0],
        max_length=bounds[1],
        description=description,
        json_schema_extra={"pattern": NAME_PATTERN},
    )


_PHONE = Field(
    min_length=8,
    max_length=32,
    description="the WhatsApp number, stored in E.164 (+5511987654321); a Brazilian number"
    " needs its area code",
    json_schema_extra={"pattern": PHONE_PATTERN},
)
_ACCOUNT_EMAIL = Field(
    max_length=ACCOUNT_EMAIL_LENGTH,
    description="kept in lower case",
    json_schema_extra={"pattern": EMAIL_PATTERN},
)
_ZONE = Field(
    description="an IANA time zone name such as America/Sao_Paulo or America/New_York (an"
    " unknown one is 400)",
    examples=["America/Sao_Paulo"],
)
_PRICE = Field(ge=0, le=float(MAX_SESSION_PRICE), description="at most 2 decimals; null: none")
_BIO = Field(max_length=BIO_LENGTH, json_schema_extra={"pattern": TEXT_PATTERN})
_NOTICE = Field(ge=NOTICE_HOURS[0], le=NOTICE_HOURS[1])


class AccountSignUp(Model):
    """POST /api/account. These keys only; every other setting starts at its default and
    changes through PATCH."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    name: Annotated[str, _line(ACCOUNT_NAME_LENGTH)]
    slug: Annotated[str, Field(**_ACCOUNT_SLUG)]
    profession: Annotated[str, _line(PROFESSION_LENGTH)]
    phone: Annotated[str, _PHONE]
    email: Annotated[str, _ACCOUNT_EMAIL]
    timezone: Annotated[str, _ZONE] = DEFAULT_TIMEZONE
    language: Language = DEFAULT_LANGUAGE
    session_duration: Annotated[int, _minutes(LIMITS.session_minutes)] = DEFAULT_SESSION_MINUTES
    session_price: Annotated[float | None, _PRICE] = None
    bio: Annotated[str | None, _BIO] = None


class AccountChanges(Model):
    """PATCH /api/account: the settings to change, at least one; a key left out keeps its
    value, null clears an optional one. Rules across fields are judged on the result:
    `paymentAtBooking` needs a `paymentType` other than none and a `sessionPrice` above 0."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="forbid",
        json_schema_extra={"minProperties": 1},
    )

    name: Annotated[str | None, _line(ACCOUNT_NAME_LENGTH)] = None
    slug: Annotated[
        str | None,
        Field(
            min_length=ACCOUNT_SLUG_MIN,
            max_length=ACCOUNT_SLUG_MAX,
            description="a new slug; the old one answers the public profile with a 308 to the"
            " new one and stays the professional's (it may be taken back)",
            json_schema_extra={"pattern": ACCOUNT_SLUG_PATTERN},
        ),
    ] = None
    profession: Annotated[str | None, _line(PROFESSION_LENGTH)] = None
    phone: Annotated[str | None, _PHONE] = None
    email: Annotated[str | None, _ACCOUNT_EMAIL] = None
    timezone: Annotated[str | None, _ZONE] = None
    language: Language | None = None
    session_duration: Annotated[int | None, _minutes(LIMITS.session_minutes)] = None
    session_price: Annotated[float | None, _PRICE] = None
    currency: Currency | None = None
    bio: Annotated[str | None, _BIO] = None
    auto_confirm: Annotated[
        bool | None, Field(description="bookings are confirmed without the professional")
    ] = None
    payment_at_booking: Annotated[
        bool | None,
        Field(description="the session price is paid online when booking (Stripe Checkout)"),
    ] = None
    payment_type: PaymentType | None = None
    pix_key: Annotated[
        str | None, Field(max_length=PIX_KEY_LENGTH, json_schema_extra={"pattern": TEXT_PATTERN})
    ] = None
    cancellation_notice_hours: Annotated[
        int | None, _NOTICE, Field(description="clients may cancel until this many hours before")
    ] = None
    reschedule_notice_hours: Annotated[
        int | None,
        _NOTICE,
        Field(description="clients may reschedule until this many hours before"),
    ] = None
    public_contact: Annotated[
        str | None,
        Field(
            max_length=PUBLIC_CONTACT_LENGTH,
            description="a link clients may use to reach the professional: https://, mailto:"
            " or tel:+",
        ),
    ] = None
    active: Annotated[
        bool | None,
        Field(
            description="false hides the public page (404) and refuses new bookings; existing"
            " appointments stay"
        ),
    ] = None


class EffectivePlanOut(Model):
    plan: Annotated[str, Field(description="the plan whose limits apply now")]
    state: Literal["trial", "active", "grace", "free"]
    until: Annotated[datetime | None, Field(description="when this state ends by itself")]


class PlanLimitsOut(Model):
    max_clients: Annotated[int | None, Field(description="null: unlimited")]
    max_appointments_per_month: Annotated[int | None, Field(description="null: unlimited")]


class PlanOfferOut(PlanLimitsOut):
    plan: Literal["free", "basic", "pro", "premium"]


class UsageOut(Model):
    month: Annotated[str, Field(description="YYYY-MM, the professional's own local month")]
    clients: int
    appointments_this_month: Annotated[
        int, Field(description="appointments this month not rejected or cancelled")
    ]


class AccountOut(Model):
    """Everything the professional may see of their own account (GET, and the answer of POST
    and PATCH)."""

    id: UUID
    name: str
    slug: str
    profession: str
    phone: str | None
    email: str | None
    timezone: str
    language: Language
    session_duration: int
    session_price: float | None
    currency: str
    bio: str | None
    avatar_url: str | None
    auto_confirm: bool
    payment_at_booking: bool
    payment_type: PaymentType
    pix_key: str | None
    cancellation_notice_hours: int
    reschedule_notice_hours: int
    public_contact: str | None
    active: bool
    previous_slugs: Annotated[
        list[str], Field(description="slugs left, newest first: each redirects to `slug`")
    ]
    created_at: datetime
    plan: Annotated[str, Field(description="the plan subscribed to (free until a checkout)")]
    subscription_status: str
    subscribed: Annotated[
        bool,
        Field(
            description="a subscription that has not ended exists: a checkout is refused (409),"
            " the billing portal changes the plan"
        ),
    ]
    trial_ends_at: Annotated[
        datetime | None, Field(description="the sign-up trial's end (14 days from sign-up)")
    ]
    subscription_period_end: datetime | None
    cancel_at_period_end: bool
    effective_plan: EffectivePlanOut
    limits: PlanLimitsOut
    plans: Annotated[
        list[PlanOfferOut],
        Field(description="every plan and its limits, free first: what the plan screen offers"),
    ]
    usage: UsageOut


class SlugQuery(Model):
    """GET /api/account/slug query string."""

    slug: Annotated[str, Field(min_length=1, max_length=SLUG_MAX_LENGTH, examples=["dra-beatriz"])]


class SlugCheck(Model):
    slug: str
    available: Annotated[
        bool, Field(description="free, or already this sign-in's own (current or earlier)")
    ]
    reason: Literal["malformed", "reserved", "taken"] | None
    message: str | None
    suggestions: Annotated[
        list[str], Field(description="free slugs near it when it is not available, best first")
    ]


# --- privacy: the professional's export and deletion (docs/privacy.md) -----------------------

type _Rows = Annotated[
    list[dict[str, Any]], Field(description="the rows, as JSON objects with camelCase names")
]


class AccountExport(Model):
    """Everything the professional owns, as stored: one section per kind of record, each row
    with every column (camelCase), oldest first."""

    exported_at: datetime
    professional: Annotated[
        dict[str, Any], Field(description="the professional's own row, every setting included")
    ]
    slugs: _Rows
    availability: _Rows
    availability_overrides: _Rows
    blocked_periods: _Rows
    clients: _Rows
    client_changes: Annotated[
        list[dict[str, Any]],
        Field(description="the record of the clients' details: who changed which, never values"),
    ]
    recurring_schedules: _Rows
    appointments: _Rows
    payments: Annotated[
        list[dict[str, Any]],
        Field(description="the money of each appointment paid or charged online, refunds included"),
    ]
    appointment_changes: Annotated[
        list[dict[str, Any]], Field(description="the audit trail: every change, who, from, to")
    ]
    client_notes: _Rows
    messages: _Rows
    reviews: _Rows
    review_changes: Annotated[
        list[dict[str, Any]],
        Field(description="every hiding, showing again and reply of a review, with its reason"),
    ]
    notifications: _Rows
    follows: _Rows
    sent_messages: Annotated[
        list[dict[str, Any]],
        Field(description="WhatsApp and email messages sent for the account, with their outcome"),
    ]
    stripe_events: Annotated[
        list[dict[str, Any]], Field(description="Stripe events processed about the account")
    ]


class AccountDeletion(Model):
    confirm: Annotated[
        str,
        Field(
            min_length=1,
            max_length=SLUG_MAX_LENGTH,
            description="the professional's own slug, typed to confirm",
            examples=[EXAMPLE_SLUG],
        ),
    ]


class AccountDeletionStarted(Model):
    status: Literal["deletion_scheduled"]
    cancelled_appointments: Annotated[
        int, Field(ge=0, description="upcoming appointments cancelled by this request")
    ]
    notified_clients: Annotated[
        int, Field(ge=0, description="clients told of their cancelled appointment")
    ]


# --- a registered client's privacy rights (docs/privacy.md, "Clients") ----------------------


class ClientProfileExport(Model):
    """Everything held about the signed-in client across professionals, as stored: one section
    per kind of record, each row with every column (camelCase), oldest first. Never the
    professionals' private notes, which are the professionals' records."""

    exported_at: datetime
    account: Annotated[
        dict[str, Any], Field(description="the client account: name, contact, language")
    ]
    clients: Annotated[
        list[dict[str, Any]],
        Field(
            description="each professional's record of the client the account claimed, with"
            " that professional's name and slug"
        ),
    ]
    appointments: _Rows
    payments: Annotated[
        list[dict[str, Any]],
        Field(description="the money of each appointment paid or charged online, refunds included"),
    ]
    appointment_changes: Annotated[
        list[dict[str, Any]],
        Field(description="the audit trail of their appointments: every change, by which role"),
    ]
    messages: _Rows
    reviews: _Rows
    notifications: Annotated[
        list[dict[str, Any]], Field(description="the in-app notifications addressed to them")
    ]
    follows: _Rows
    sent_messages: Annotated[
        list[dict[str, Any]],
        Field(description="WhatsApp and email messages sent to them, with their outcome"),
    ]
    verification_codes: Annotated[
        list[dict[str, Any]],
        Field(description="the one-time codes sent to them (never the code itself)"),
    ]


class ClientProfileDeletion(Model):
    confirm: Annotated[
        str,
        Field(
            min_length=1,
            max_length=320,
            description="the account's email or phone, typed to confirm",
            examples=["ana@example.com"],
        ),
    ]


class ClientDeletionStarted(Model):
    status: Literal["deletion_scheduled"]
    cancelled_appointments: Annotated[
        int, Field(ge=0, description="upcoming appointments cancelled by this request")
    ]
    refunded_appointments: Annotated[
        int, Field(ge=0, description="of those, the ones whose online payment was refunded")
    ]
    notified_professionals: Annotated[
        int, Field(ge=0, description="professionals told of the deletion")
    ]


# --- the professional's photo (docs/operations.md, "Media") -----------------------------------

ImageType = Literal["image/jpeg", "image/png", "image/webp"]


class AvatarUploadRequest(Model):
    content_type: Annotated[ImageType, Field(description="the photo's type; at most 2 MB")]


class AvatarUpload(Model):
    """A presigned POST: send a multipart/form-data POST to `url` with every entry of `fields`
    and then the file as `file` (the last part). The policy fixes the key, the type and the
    size (1 byte to `maxBytes`) until `expiresAt`; then confirm with `key`."""

    url: str
    fields: dict[str, str]
    key: str
    content_type: ImageType
    max_bytes: int
    expires_at: datetime


class AvatarConfirm(Model):
    key: Annotated[
        str,
        Field(
            min_length=1,
            max_length=200,
            description="the `key` of the upload, as POST /api/account/avatar answered it",
        ),
    ]


class AvatarConfirmed(Model):
    avatar_url: Annotated[str, Field(description="the photo's public address (the CDN's)")]


# --- claiming client rows and the client's contact (docs/client-profile.md) ------------------

_INVITE_TOKEN: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_TOKEN_LENGTH,
    "pattern": GUEST_LINK_PATTERN,
    "description": "the `invite` of the registration link (`/register?invite=...`): two"
    " base64url parts joined by a dot; a forged, altered, expired or other kind of token (a"
    " manage link's) is 403",
}
_CODE_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": CODE_PATTERN,
    "description": f"the {CODE_DIGITS} digits sent; a wrong, expired or used one is 403",
}
_CLAIMABLE_ID: dict[str, Any] = {
    "type": "string",
    "format": "uuid",
    "description": "a record offered for claiming",
}


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def _present(schema: dict[str, Any]) -> WithJsonSchema:
    """An optional key that, when given, is never null: the document states the key's own
    schema, without the null its Python type has (``_NO_DEFAULT`` drops the null default)."""
    return WithJsonSchema(schema)


_NO_DEFAULT = Field(json_schema_extra=_no_default)


class ClientClaim(Model):
    """POST /api/client-profile/claim: the registration invite of a confirmation message, or
    another professional's record (offered for claiming) with the code sent to it."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="ignore",
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["invite"],
                    "not": {"anyOf": [{"required": ["clientId"]}, {"required": ["code"]}]},
                },
                {"required": ["clientId", "code"], "not": {"required": ["invite"]}},
            ]
        },
    )

    invite: Annotated[
        str | None,
        Field(strict=True, min_length=1, max_length=MAX_TOKEN_LENGTH),
        _present(_INVITE_TOKEN),
        _NO_DEFAULT,
    ] = None
    client_id: Annotated[UUID | None, _present(_CLAIMABLE_ID), _NO_DEFAULT] = None
    code: Annotated[
        str | None, Field(strict=True, pattern=CODE_PATTERN), _present(_CODE_SCHEMA), _NO_DEFAULT
    ] = None

    @model_validator(mode="after")
    def _one_proof(self) -> ClientClaim:
        if self.invite is not None:
            if self.client_id is not None or self.code is not None:
                raise ValueError("give either invite, or clientId with code")
        elif self.client_id is None or self.code is None:
            raise ValueError("give either invite, or clientId with code")
        return self


class ClaimedClientOut(Model):
    """The client record the sign-in holds now; GET /api/client-profile shows the whole
    profile."""

    client_id: UUID
    professional_name: str
    professional_slug: str


class ClaimCodeRequest(Model):
    """POST /api/client-profile/claim/codes."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    client_id: Annotated[UUID, Field(description="a record offered for claiming")]
    channel: Annotated[
        Literal["whatsapp", "email"],
        Field(description="where the code goes: the record's phone (WhatsApp) or its email"),
    ]


class CodeSentOut(Model):
    """A code on its way: where to (shown in part), and until when it works."""

    channel: Literal["whatsapp", "email"]
    sent_to: Annotated[str, Field(description="the phone or email, masked: +55 •••••••5432")]
    expires_at: datetime


class ClientContactChanges(Model):
    """PATCH /api/client-profile: at least one key. `name` and `language` apply at once (the
    name on every claimed record too); a new `phone` or `email` (one at a time) is applied when
    the code sent to it is confirmed."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "minProperties": 1,
            "not": {"required": ["phone", "email"]},
        },
    )

    name: Annotated[
        str | None,
        _present(
            {
                "type": "string",
                "minLength": ACCOUNT_NAME_LENGTH[0],
                "maxLength": ACCOUNT_NAME_LENGTH[1],
                "pattern": NAME_PATTERN,
                "description": _ONE_LINE,
            }
        ),
        _NO_DEFAULT,
    ] = None
    language: Annotated[
        Language | None,
        _present({"type": "string", "enum": list(ACCOUNT_LANGUAGES)}),
        _NO_DEFAULT,
    ] = None
    phone: Annotated[
        str | None,
        _present(
            {
                "type": "string",
                "minLength": 8,
                "maxLength": 32,
                "pattern": PHONE_PATTERN,
                "description": "stored in E.164 (+5511987654321); a Brazilian number needs its"
                " area code",
            }
        ),
        _NO_DEFAULT,
    ] = None
    email: Annotated[
        str | None,
        _present(
            {
                "type": "string",
                "maxLength": ACCOUNT_EMAIL_LENGTH,
                "pattern": EMAIL_PATTERN,
                "description": "kept in lower case",
            }
        ),
        _NO_DEFAULT,
    ] = None


class ContactConfirm(Model):
    """POST /api/client-profile/contact/confirm."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    code: Annotated[str, Field(strict=True, pattern=CODE_PATTERN), WithJsonSchema(_CODE_SCHEMA)]


class ClientContactOut(Model):
    """The client account's details as they stand; `pending`: the code sent to a new phone or
    email, which applies when confirmed."""

    name: str
    phone: str | None
    email: str | None
    language: Language
    pending: CodeSentOut | None = None


# --- the registered client's profile and follows (docs/client-profile.md) -----------------


class ClientProfileQuery(Model):
    """GET /api/client-profile query string: the page of past appointments."""

    limit: Annotated[
        int, Field(ge=1, le=MAX_LIMIT, description="past appointments on this page")
    ] = DEFAULT_LIMIT
    cursor: Annotated[
        str | None,
        Field(max_length=200, description="`pastCursor` of the previous answer: the next page"),
    ] = None


class ProfessionalCardOut(Model):
    name: str
    slug: str
    profession: str
    avatar_url: Annotated[str | None, Field(description="the professional's photo")]


class ClientActionOut(Model):
    allowed: Annotated[bool, Field(description="the client may take this action now")]
    until: Annotated[
        datetime | None,
        Field(
            description="the last instant the client may (UTC), from the professional's notice;"
            " null when the appointment's status never allows it again"
        ),
    ]


class ClientActionsOut(Model):
    """What the client may do through PATCH /api/appointments/{id} with their token."""

    cancel: ClientActionOut
    reschedule: ClientActionOut


class ClientAppointmentOut(Model):
    id: UUID
    status: Status
    payment_status: PaymentStatus
    price: Annotated[
        float | None,
        Field(
            description="the amount due online when the booking took payment, else the"
            " professional's session price; null: none set"
        ),
    ]
    currency: str
    starts_at: Annotated[datetime, Field(description="UTC")]
    ends_at: Annotated[datetime, Field(description="UTC")]
    timezone: Annotated[str, Field(description="the professional's IANA zone")]
    local_starts_at: Annotated[datetime, Field(description="the wall time in `timezone`")]
    local_ends_at: Annotated[datetime, Field(description="the wall time in `timezone`")]
    local_date: date
    time: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]
    professional: ProfessionalCardOut
    client_id: Annotated[
        UUID,
        Field(
            description="the client record this appointment is under, with its professional:"
            " the `clientId` of their thread of messages (GET /api/messages)"
        ),
    ]
    actions: ClientActionsOut


class FollowOut(Model):
    """A followed professional (PUT's answer, and a line of the profile's `follows`)."""

    name: str
    slug: str
    profession: str
    avatar_url: str | None
    followed_at: datetime


class ClaimChannelOut(Model):
    channel: Literal["whatsapp", "email"]
    to: Annotated[str, Field(description="the row's phone or email, masked")]


class ClaimableProfessionalOut(Model):
    name: str
    slug: str


class ClaimableOut(Model):
    """Another professional's record with the account's phone or email, claimable with a code
    sent to one of `channels` (POST /api/client-profile/claim/codes)."""

    client_id: UUID
    professional: ClaimableProfessionalOut
    channels: list[ClaimChannelOut]


class ClientProfileOut(Model):
    name: str
    phone: str | None
    email: str | None
    language: Language
    upcoming: Annotated[
        list[ClientAppointmentOut],
        Field(
            description="pending or confirmed and not over, soonest first, across every"
            " professional (at most 100)"
        ),
    ]
    past: Annotated[
        list[ClientAppointmentOut],
        Field(description="the rest (over, cancelled, rejected, completed), newest first"),
    ]
    past_cursor: Annotated[
        str | None, Field(description="pass back as `cursor` for more past ones; null: no more")
    ]
    follows: Annotated[list[FollowOut], Field(description="newest first")]
    claimable: list[ClaimableOut]


# --- the client relationship (docs/client-relationship.md) ------------------------------------

# -- clients --

# A tag as documented: one line (no control character, no line or paragraph separator) with a
# visible character; agenda.domain.clients.clean_tags trims it and decides.
_ONE_LINE = r"\x00-\x1f\x7f\x85\u2028\u2029"
TAG_PATTERN = rf"^[^{_ONE_LINE}]*[^\s{_ONE_LINE}][^{_ONE_LINE}]*$"


def _client_name(value: str) -> str:
    value = " ".join(value.split())
    if len(value) < 2:
        raise ValueError("must have at least 2 characters")
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def _client_phone(value: str) -> str:
    phone = normalize_phone(value)
    if phone is None:
        raise ValueError("must be a phone number with area code, e.g. (11) 98765-4321")
    return phone


def _client_email(value: object) -> object:
    if isinstance(value, str):
        value = value.strip().lower()
        if not value:
            return None
        if not _EMAIL.match(value):
            raise ValueError("must be a valid email address")
    return value


_CLIENT_NAME = Field(
    strict=True,
    min_length=2,
    max_length=120,
    description="whitespace runs become one space; at least 2 characters are left; no control"
    " characters",
    json_schema_extra={"pattern": NAME_PATTERN},
)
_CLIENT_PHONE = Field(
    strict=True,
    min_length=8,
    max_length=32,
    description="normalised to E.164 as a booking's is: a Brazilian number needs its area code"
    " (DDD), another country's is +<its digits>",
    json_schema_extra={"pattern": PHONE_PATTERN},
)
_CLIENT_EMAIL = Field(
    strict=True,
    max_length=254,
    description="kept in lower case; empty is the same as absent",
    json_schema_extra={"pattern": f"^$|{EMAIL_PATTERN}"},
)
_TAGS = Field(
    json_schema_extra={"maxItems": MAX_TAGS},
    description=f"the professional's words for the client: at most {MAX_TAGS}, each trimmed,"
    f" one line, {TAG_LENGTH[0]}-{TAG_LENGTH[1]} characters; duplicates (ignoring case) are"
    " dropped, the first spelling and the order kept",
)
_Tag = Annotated[
    str,
    Field(
        strict=True,
        json_schema_extra={
            "pattern": TAG_PATTERN,
            "minLength": TAG_LENGTH[0],
            "maxLength": TAG_LENGTH[1],
        },
    ),
]


class ClientsQuery(Model):
    """GET /api/clients query string (agenda.domain.clients.parse_clients_query)."""

    q: Annotated[
        str | None,
        Field(
            max_length=QUERY_MAX_LENGTH,
            description="a part of the name (case and accents ignored), of the email, or of the"
            " phone (written as a phone, at least 3 digits); no control characters",
            json_schema_extra={"pattern": TEXT_PATTERN},
        ),
    ] = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_CLIENTS_LIMIT
    cursor: Annotated[
        str | None,
        Field(max_length=CLIENT_CURSOR_MAX_LENGTH, description="nextCursor of the previous page"),
    ] = None


class ClientHistoryQuery(Model):
    """GET /api/clients/{id} query string: the page of the client's appointments."""

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_HISTORY_LIMIT
    cursor: Annotated[
        str | None,
        Field(max_length=200, description="appointmentsCursor of the previous page"),
    ] = None


class NewClient(Model):
    """POST /api/clients: a client added by hand. No other key is taken."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    name: Annotated[str, _CLIENT_NAME]
    phone: Annotated[str, _CLIENT_PHONE]
    email: Annotated[str | None, _CLIENT_EMAIL] = None
    tags: Annotated[list[_Tag], _TAGS] = []

    _name = field_validator("name")(_client_name)
    _phone = field_validator("phone")(_client_phone)
    _email = field_validator("email", mode="before")(_client_email)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return list(clean_tags(value))


class HandBookingClient(Model):
    """A client given by their details in POST /api/appointments: matched by phone, else by
    email, among the professional's clients; created when none matches."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="forbid"
    )

    name: Annotated[str, _CLIENT_NAME]
    phone: Annotated[str, _CLIENT_PHONE]
    email: Annotated[str | None, _CLIENT_EMAIL] = None

    _name = field_validator("name")(_client_name)
    _phone = field_validator("phone")(_client_phone)
    _email = field_validator("email", mode="before")(_client_email)


class HandBooking(Model):
    """POST /api/appointments: the professional books a free time for a client, `clientId` (one
    of theirs) or `client` (their details), exactly one of the two. No other key is taken."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="forbid",
        # The service refuses both or neither (400 naming clientId): said here.
        json_schema_extra={
            "oneOf": [
                {"required": ["clientId"], "properties": {"clientId": {"type": "string"}}},
                {"required": ["client"], "properties": {"client": {"type": "object"}}},
            ]
        },
    )

    client_id: Annotated[
        str | None,
        Field(
            strict=True,
            max_length=64,
            description="one of the professional's clients; anything else, an id that is not a"
            " UUID included, is 404 as a missing client",
        ),
    ] = None
    client: HandBookingClient | None = None
    starts_at: Annotated[
        datetime,
        Field(description="ISO 8601 with offset: a free time of the weekly hours", **_INSTANT),
    ]

    @field_validator("starts_at", mode="before")
    @classmethod
    def _instant(cls, value: object) -> datetime:
        return parse_instant(value)


def _changes_schema(schema: dict[str, Any]) -> None:
    schema["minProperties"] = 1
    for field in schema.get("properties", {}).values():
        field.pop("default", None)


class ClientChanges(Model):
    """PATCH /api/clients/{id}: at least one of the keys; `email` null clears it; `tags` is
    the whole list. No other key is taken."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="forbid",
        json_schema_extra=_changes_schema,
    )

    # The defaults only stand for "not given" (model_fields_set says what was): a given name,
    # phone or tags is never empty, and never null.
    name: Annotated[str, _CLIENT_NAME] = ""
    phone: Annotated[str, _CLIENT_PHONE] = ""
    email: Annotated[str | None, _CLIENT_EMAIL] = None
    tags: Annotated[list[_Tag], _TAGS] = []

    _name = field_validator("name")(_client_name)
    _phone = field_validator("phone")(_client_phone)
    _email = field_validator("email", mode="before")(_client_email)

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        return list(clean_tags(value))

    @model_validator(mode="after")
    def _something(self) -> ClientChanges:
        if not self.model_fields_set:
            raise ValueError("must name at least one of name, phone, email or tags")
        return self


class AppointmentMarkOut(Model):
    id: UUID
    starts_at: datetime
    status: Status


class ClientCounts(Model):
    sessions: Annotated[int, Field(description="completed sessions")]
    no_shows: int
    cancellations: Annotated[
        int, Field(description="cancelled appointments, whoever cancelled; rejected not counted")
    ]


class OwedOut(Model):
    amount: Annotated[
        float,
        Field(
            description="the price of completed and no-show sessions not paid (payment none,"
            " pending or failed); 0 when nothing"
        ),
    ]
    currency: Annotated[str, Field(description="the professional's currency")]


class ClientOut(Model):
    """A client as the list shows them. An anonymised client (one who deleted their data)
    keeps the name the product gave them and has no phone or email."""

    id: UUID
    name: str
    phone: str | None
    email: str | None
    tags: list[str]
    registered: Annotated[bool, Field(description="a signed-in client claimed this row")]
    anonymised: bool
    source: Literal["booking", "professional"]
    created_at: datetime
    last_appointment: Annotated[
        AppointmentMarkOut | None,
        Field(description="the latest that has started, any status but rejected and cancelled"),
    ]
    next_appointment: Annotated[
        AppointmentMarkOut | None,
        Field(description="the soonest live one (pending or confirmed) not yet started"),
    ]
    counts: ClientCounts
    owed: OwedOut
    unread_messages: Annotated[
        int, Field(description="the client's messages the professional has not read")
    ]


class ClientPage(Model):
    items: Annotated[list[ClientOut], Field(description="by name (case and accents ignored), id")]
    next_cursor: str | None


class AppointmentChangeOut(Model):
    at: datetime
    action: Action
    from_status: Status
    to_status: Status
    by: ChangedBy
    reason: str | None


class ClientHistoryItemOut(Model):
    """One appointment of a client's history, as their professional sees it."""

    id: UUID
    status: Status
    payment_status: PaymentStatus
    price: Annotated[
        float | None, Field(description="the amount due, else the session price; null when none")
    ]
    starts_at: Annotated[datetime, Field(description="in the professional's zone")]
    ends_at: datetime
    local_date: date
    time: Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]
    changes: Annotated[
        list[AppointmentChangeOut], Field(description="the audit trail, oldest first")
    ]


class ClientChangeOut(Model):
    at: datetime
    action: Literal["created", "updated"]
    fields: Annotated[list[str], Field(description="the names of the details changed, no values")]
    by: Literal["professional", "system"]


class ClientDetailOut(ClientOut):
    """A client as in the list, with their history. Never a note: notes have their own route."""

    timezone: str
    appointments: Annotated[list[ClientHistoryItemOut], Field(description="a page, newest first")]
    appointments_cursor: Annotated[
        str | None, Field(description="the next page of appointments (pass it as cursor)")
    ]
    changes: Annotated[
        list[ClientChangeOut],
        Field(description="the record of the client's details, newest first (the latest 100)"),
    ]


# -- private notes --
# A note keeps its lines: tabs and line breaks pass, every other control character (and a lone
# surrogate) is refused, and something visible must be left once the ends are trimmed.
_NOTE_REFUSED = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
NOTE_PATTERN = rf"^[^{_NOTE_REFUSED}]*{_VISIBLE}[^{_NOTE_REFUSED}]*$"


class NoteIn(Model):
    """POST /api/clients/{id}/notes and PATCH /api/clients/{id}/notes/{noteId}."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    text: Annotated[
        str,
        Field(
            strict=True,
            min_length=1,
            max_length=NOTE_MAX_LENGTH,
            description="the note, as written: lines kept (tabs and line breaks), the"
            " whitespace around it trimmed, not blank, no other control characters. A refusal"
            " never quotes it",
            json_schema_extra={"pattern": NOTE_PATTERN},
        ),
    ]

    @field_validator("text")
    @classmethod
    def _clean_text(cls, value: str) -> str:
        return clean_note(value)


class NoteOut(Model):
    id: UUID
    text: str
    created_at: datetime
    updated_at: Annotated[datetime, Field(description="the last change; createdAt until then")]


class NotePage(Model):
    items: Annotated[list[NoteOut], Field(description="newest first")]
    next_cursor: Annotated[
        str | None, Field(description="pass back as `cursor` for the older notes; null: no more")
    ]


class NotesQuery(Model):
    """GET /api/clients/{id}/notes query string."""

    limit: Annotated[int, Field(ge=1, le=NOTES_MAX_LIMIT)] = NOTES_DEFAULT_LIMIT
    cursor: Annotated[
        str | None, Field(max_length=200, description="nextCursor of the previous page")
    ] = None


# -- messages --

# The text of a message or of a review's reply: lines kept, at least one visible character, the
# control characters other than line breaks and tabs refused (agenda.domain.threads.clean_text
# and agenda.domain.reviews.clean_reply decide).
MESSAGE_TEXT_PATTERN = rf"^[^{_REFUSED_CONTROL}]*{_VISIBLE}[^{_REFUSED_CONTROL}]*$"
_MESSAGE_TEXT = Field(
    strict=True,
    min_length=1,
    max_length=THREAD_TEXT_LENGTH,
    description="the message as written, trimmed; lines kept; shown everywhere as text, never"
    " as HTML",
    json_schema_extra={"pattern": MESSAGE_TEXT_PATTERN},
)
_THREAD_LIMIT = Field(ge=1, le=MAX_LIMIT, description="messages on this page")
_THREAD_CURSOR = Field(
    max_length=200, description="`nextCursor` of the previous answer: older messages"
)


class MessagesQuery(Model):
    """GET /api/messages query string."""

    client_id: Annotated[
        UUID, Field(description="the clients row whose thread it is (an id not yours: 404)")
    ]
    cursor: Annotated[str | None, _THREAD_CURSOR] = None
    limit: Annotated[int, _THREAD_LIMIT] = THREAD_PAGE


class GuestMessagesQuery(Model):
    """GET /api/guest/appointments/{id}/messages query string."""

    token: GuestTokenInQuery
    cursor: Annotated[str | None, _THREAD_CURSOR] = None
    limit: Annotated[int, _THREAD_LIMIT] = THREAD_PAGE


class MessageIn(Model):
    """POST /api/messages."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    client_id: Annotated[
        UUID, Field(description="the clients row whose thread it is (an id not yours: 404)")
    ]
    text: Annotated[str, _MESSAGE_TEXT]

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_message_text(value)


class GuestMessageIn(Model):
    """POST /api/guest/appointments/{id}/messages."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    token: GuestTokenInBody
    text: Annotated[str, _MESSAGE_TEXT]

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_message_text(value)


class MessageOut(Model):
    id: UUID
    sender: Annotated[Literal["professional", "client"], Field(description="who wrote it")]
    text: Annotated[str, Field(description="as written: plain text, lines kept")]
    created_at: datetime
    read_at: Annotated[
        datetime | None, Field(description="when the other side first opened the thread after it")
    ]


class ThreadProfessionalOut(Model):
    name: str
    slug: str


class ThreadClientOut(Model):
    name: str


class MessageThread(Model):
    client_id: UUID
    professional: ThreadProfessionalOut
    client: ThreadClientOut
    items: Annotated[list[MessageOut], Field(description="the latest page, newest last")]
    next_cursor: Annotated[
        str | None, Field(description="pass back as `cursor` for older messages; null: no more")
    ]
    unread_count: Annotated[
        int,
        Field(
            description="the other side's messages that were unread when the thread was opened:"
            " opening it marked them read"
        ),
    ]


# -- reviews --


class ReviewIn(Model):
    """POST /api/appointments/{id}/review: the client's review of a completed session."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )

    rating: Annotated[
        int,
        Field(strict=True, ge=REVIEW_RATINGS[0], le=REVIEW_RATINGS[1], description="1 to 5"),
    ]
    comment: Annotated[
        str | None,
        Field(
            strict=True,
            max_length=REVIEW_COMMENT_LENGTH,
            description="as written: lines kept, trimmed; blank is no comment; no control"
            " characters but line breaks and tabs. Shown publicly as text, never as HTML",
            json_schema_extra={"pattern": TEXT_PATTERN},
        ),
    ] = None

    @field_validator("comment")
    @classmethod
    def _clean_comment(cls, value: str | None) -> str | None:
        return clean_review_comment(value)


class GuestReviewIn(ReviewIn):
    """POST /api/guest/appointments/{id}/review: the same, through the guest link."""

    token: GuestTokenInBody


class ReviewReplyIn(Model):
    """POST /api/reviews/{id}/reply: the professional's one reply, shown under the review."""

    text: Annotated[
        str,
        Field(
            strict=True,
            min_length=1,
            max_length=REVIEW_REPLY_LENGTH,
            description="as written: lines kept, trimmed, not blank; shown publicly as text",
            json_schema_extra={"pattern": MESSAGE_TEXT_PATTERN},
        ),
    ]

    @field_validator("text")
    @classmethod
    def _clean_text(cls, value: str) -> str:
        return clean_review_reply(value)


class ReviewModeration(Model):
    """PATCH /api/reviews/{id}: hide a review with a reason, or show it again."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="ignore",
        json_schema_extra={
            "if": {"properties": {"hidden": {"const": True}}, "required": ["hidden"]},
            "then": {"required": ["reason"], "properties": {"reason": {"type": "string"}}},
            "else": {"properties": {"reason": {"type": "null"}}},
        },
    )

    hidden: Annotated[bool, Field(strict=True)]
    reason: Annotated[
        str | None,
        Field(
            strict=True,
            max_length=REVIEW_HIDDEN_REASON_LENGTH,
            validate_default=True,
            description="why it is hidden, for the professional's record: required with"
            " `hidden: true` (1-500 characters, whitespace runs become one space), refused with"
            " `hidden: false`",
            json_schema_extra={"pattern": MESSAGE_TEXT_PATTERN},
        ),
    ] = None

    @field_validator("reason")
    @classmethod
    def _clean_reason(cls, value: str | None, info: ValidationInfo) -> str | None:
        hidden = info.data.get("hidden")
        if not isinstance(hidden, bool):
            return value  # `hidden` itself is refused
        return clean_hidden_reason(value, hidden=hidden)


class ReviewsQuery(Model):
    """GET /api/reviews query string."""

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="reviews on this page")] = (
        DEFAULT_LIMIT
    )
    cursor: Annotated[
        str | None, Field(max_length=200, description="`nextCursor` of the previous page")
    ] = None


class ClientReviewOut(Model):
    """A review as its client sees it."""

    id: UUID
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: str | None
    created_at: datetime
    reply: Annotated[str | None, Field(description="the professional's reply; null: none")]
    replied_at: datetime | None


class ProfessionalReviewOut(ClientReviewOut):
    """A review as its professional sees it, hidden or not."""

    appointment_id: UUID
    client_id: UUID
    client_name: Annotated[str, Field(description="the client's full name")]
    hidden: Annotated[bool, Field(description="left out of the public profile and page")]
    hidden_reason: str | None
    hidden_at: datetime | None


class ReviewPage(Model):
    items: Annotated[list[ProfessionalReviewOut], Field(description="newest first")]
    next_cursor: Annotated[str | None, Field(description="null: no more")]
