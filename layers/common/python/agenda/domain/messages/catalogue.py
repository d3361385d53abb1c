"""The catalogue: which messages the product sends, to whom, on which channels, and the
parameter model of each.

A parameter model names every parameter a template reads and how it is written on the wire
(a `Kind`: text, an http(s) address, an ISO 8601 instant with its offset, an IANA zone ...).
`check` holds an envelope against its template's model. The envelope builders call it when a
message is written, so a bad message fails the write instead of reaching the dead-letter queue;
`render` calls it again when the message is read, for what was queued before the check existed.

The kinds parse as well as check: the texts read their parameters through the same kinds
(agenda.domain.messages.params), so what was accepted at the write is what is read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

type Channel = Literal["whatsapp", "email"]
type Audience = Literal["professional", "client", "either"]

CHANNELS: tuple[Channel, ...] = ("whatsapp", "email")
PARTIES = ("client", "professional")


class MessageError(ValueError):
    """An envelope that cannot become a message: an unknown template or channel, or a parameter
    missing or malformed. Sending it again as it is cannot help: the envelope or the catalogue
    has to change first."""

    def __init__(
        self, message: str, *, template: str | None = None, params: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.template = template
        self.params = params


def param_error(template: str, name: str, problem: str) -> MessageError:
    return MessageError(
        f"message {template!r}: {name} {problem}", template=template, params=(name,)
    )


class Invalid(Exception):
    """A value its kind refuses; `where` is the part of it at fault (".startsAt", "[2]")."""

    def __init__(self, problem: str, where: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.where = where


def absent(value: object) -> bool:
    return value is None or (isinstance(value, str) and (not value or value.isspace()))


# --- kinds: how one parameter is written ---------------------------------------------------


def _text(value: object) -> str:
    if absent(value):
        raise Invalid("is required")
    if not isinstance(value, str):
        raise Invalid("must be text")
    # One line: a value never adds lines to a message or headers to an email.
    return " ".join(value.split())


class Kind:
    """Text, the base of every kind: present, a string, read as one line. `parse` gives the
    value as a text reads it; `check` only says whether it would parse (cheaper, for the
    write), and must refuse exactly what `parse` refuses."""

    def parse(self, value: object) -> Any:
        return _text(value)

    def check(self, value: object) -> None:
        self.parse(value)


class _Text(Kind):
    def check(self, value: object) -> None:
        if not isinstance(value, str) or not value or value.isspace():
            _text(value)  # raises, naming the problem


class _Url(Kind):
    def parse(self, value: object) -> str:
        text = _text(value)
        try:
            parts = urlsplit(text)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
            raise Invalid("must be an http(s) address")
        return text


@dataclass(frozen=True, slots=True)
class Choice(Kind):
    allowed: tuple[str, ...]

    def parse(self, value: object) -> str:
        text = _text(value)
        if text not in self.allowed:
            raise Invalid(f"must be one of {', '.join(self.allowed)}, not {text!r}")
        return text


class _Zone(Kind):
    def parse(self, value: object) -> ZoneInfo:
        name = _text(value)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(f"is not a known IANA time zone: {name!r}") from None


class _Moment(Kind):
    """An instant with its UTC offset (a datetime is accepted in process, never on the wire)."""

    def parse(self, value: object) -> datetime:
        if isinstance(value, datetime):
            instant = value
        else:
            text = _text(value)
            try:
                instant = datetime.fromisoformat(text)
            except ValueError:
                raise Invalid(f"is not an ISO 8601 date-time: {text!r}") from None
        if instant.utcoffset() is None:
            raise Invalid("must carry a UTC offset")
        return instant

    def check(self, value: object) -> None:
        # The common case without the copy `parse` makes; anything else goes the long way.
        if isinstance(value, str):
            try:
                instant = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if instant.utcoffset() is not None:
                    return
        self.parse(value)


class _Day(Kind):
    def parse(self, value: object) -> date:
        text = _text(value)
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise Invalid(f"is not a date (YYYY-MM-DD): {text!r}") from None


_CENT = Decimal("0.01")


class _Amount(Kind):
    def parse(self, value: object) -> Decimal:
        if absent(value):
            raise Invalid("is required")
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise Invalid("must be a decimal string like '180.00'")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise Invalid(f"is not a decimal like '180.00': {value!r}") from None
        if not amount.is_finite():
            raise Invalid(f"is not a decimal like '180.00': {value!r}")
        try:
            amount.quantize(_CENT)
        except InvalidOperation:
            raise Invalid(f"is out of range: {value!r}") from None
        return amount


class _Currency(Kind):
    def parse(self, value: object) -> str:
        currency = _text(value).upper()
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise Invalid(f"must be a three-letter code like BRL: {currency!r}")
        return currency


class _Locale(Kind):
    """Any tag: one the product does not write gets Brazilian Portuguese."""

    def parse(self, value: object) -> object:
        return value

    def check(self, value: object) -> None:
        pass


type AgendaEntry = tuple[datetime, str, str | None]


class _Appointments(Kind):
    """A day's appointments: a list of {startsAt, clientName, status?}, read earliest first."""

    def parse(self, value: object) -> list[AgendaEntry]:
        if value is None:
            raise Invalid("is required")
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise Invalid("must be a list of {startsAt, clientName}")
        found = []
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise Invalid("must be an object with startsAt and clientName", f"[{i}]")
            try:
                starts = MOMENT.parse(item.get("startsAt"))
            except Invalid as exc:
                raise Invalid(exc.problem, f"[{i}].startsAt") from None
            try:
                client = _text(item.get("clientName"))
            except Invalid as exc:
                raise Invalid(exc.problem, f"[{i}].clientName") from None
            status = item.get("status")
            found.append((starts, client, status if isinstance(status, str) else None))
        return sorted(found, key=lambda appointment: appointment[0])


type ManageLink = tuple[datetime, str]


class _ManageLinks(Kind):
    """A client's appointments with one professional and the manage link of each: a non-empty
    list of {startsAt, manageUrl}, read earliest first."""

    def parse(self, value: object) -> list[ManageLink]:
        if value is None:
            raise Invalid("is required")
        if isinstance(value, str | bytes) or not isinstance(value, Sequence) or not value:
            raise Invalid("must be a non-empty list of {startsAt, manageUrl}")
        found = []
        for i, item in enumerate(value):
            if not isinstance(item, Mapping):
                raise Invalid("must be an object with startsAt and manageUrl", f"[{i}]")
            try:
                starts = MOMENT.parse(item.get("startsAt"))
            except Invalid as exc:
                raise Invalid(exc.problem, f"[{i}].startsAt") from None
            try:
                url = URL.parse(item.get("manageUrl"))
            except Invalid as exc:
                raise Invalid(exc.problem, f"[{i}].manageUrl") from None
            found.append((starts, url))
        return sorted(found, key=lambda link: link[0])


TEXT = _Text()
URL = _Url()
ZONE = _Zone()
MOMENT = _Moment()
DAY = _Day()
AMOUNT = _Amount()
CURRENCY = _Currency()
LOCALE = _Locale()
APPOINTMENTS = _Appointments()
MANAGE_LINKS = _ManageLinks()
STATUS = Choice(("pending_confirmation", "confirmed"))
PARTY = Choice(PARTIES)
LIMIT = Choice(("clients", "appointments"))
# What became of the payment of a cancelled session: given back, or kept because the
# professional counted the cancellation late.
REFUND = Choice(("refunded", "kept"))
# What a verification code proves: a client row of another professional is theirs (claim), or
# a new phone or email of their account reaches them (contact).
CODE_PURPOSE = Choice(("claim", "contact"))


# --- the parameter models ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParamModel:
    """The parameters of one template: the ones it needs, the ones it may take, each with its
    kind. `one_of`: at least one of these must be present (a way to pay). `reader`: for a
    template any side may read, the parameter that tells who reads it when the envelope does
    not say. Every model takes `locale`. Parameters the model does not name are carried and
    not read."""

    required: Mapping[str, Kind]
    optional: Mapping[str, Kind] = field(default_factory=dict)
    one_of: tuple[str, ...] = ()
    reader: str | None = None

    # What `check` walks, worked out once: (name, kind, required) of every parameter, and the
    # instants that need the time zone when it is optional.
    fields: tuple[tuple[str, Kind, bool], ...] = field(init=False, repr=False, compare=False)
    zoned: tuple[str, ...] = field(init=False, repr=False, compare=False)
    names: tuple[str, ...] = field(init=False, repr=False, compare=False)  # the required

    def __post_init__(self) -> None:
        required = dict(self.required)
        optional = {**self.optional, "locale": LOCALE}
        object.__setattr__(self, "required", MappingProxyType(required))
        object.__setattr__(self, "optional", MappingProxyType(optional))
        fields = [(name, kind, True) for name, kind in required.items()]
        fields += [(name, kind, False) for name, kind in optional.items() if kind is not LOCALE]
        object.__setattr__(self, "fields", tuple(fields))
        zoned = (
            ()
            if "timezone" in required
            else tuple(name for name, kind in optional.items() if kind is MOMENT)
        )
        object.__setattr__(self, "zoned", zoned)
        object.__setattr__(self, "names", tuple(required))


@dataclass(frozen=True, slots=True)
class Template:
    """One kind of message. `audience` is "either" when the envelope decides who reads it."""

    name: str
    audience: Audience
    channels: tuple[Channel, ...]
    model: ParamModel

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(self.model.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(self.model.optional)


_BOTH: tuple[Channel, ...] = ("whatsapp", "email")
_APPOINTMENT: Mapping[str, Kind] = {
    "professionalName": TEXT,
    "clientName": TEXT,
    "startsAt": MOMENT,
    "timezone": ZONE,
}


def _template(
    name: str,
    audience: Audience,
    required: Mapping[str, Kind],
    optional: Mapping[str, Kind] | None = None,
    *,
    channels: tuple[Channel, ...] = _BOTH,
    one_of: tuple[str, ...] = (),
    reader: str | None = None,
) -> Template:
    return Template(name, audience, channels, ParamModel(required, optional or {}, one_of, reader))


TEMPLATES: Mapping[str, Template] = MappingProxyType(
    {
        t.name: t
        for t in (
            _template(
                "booking_request",
                "professional",
                _APPOINTMENT,
                {"status": STATUS, "dashboardUrl": URL},
            ),
            _template("booking_received", "client", _APPOINTMENT, {"manageUrl": URL}),
            _template(
                "booking_confirmed",
                "client",
                _APPOINTMENT,
                {"manageUrl": URL, "registerUrl": URL},
            ),
            _template(
                "booking_rejected",
                "client",
                _APPOINTMENT,
                {"reason": TEXT, "bookingUrl": URL, "manageUrl": URL},
            ),
            _template(
                "registration_invite",
                "client",
                {"professionalName": TEXT, "clientName": TEXT, "registerUrl": URL},
            ),
            _template(
                "cancelled_by_client",
                "professional",
                _APPOINTMENT,
                {"reason": TEXT, "dashboardUrl": URL},
            ),
            # The client's own cancellation, confirmed to them.
            _template(
                "cancellation_confirmed",
                "client",
                _APPOINTMENT,
                {"reason": TEXT, "bookingUrl": URL, "manageUrl": URL, "refund": REFUND},
            ),
            _template(
                "cancelled_by_professional",
                "client",
                _APPOINTMENT,
                {"reason": TEXT, "bookingUrl": URL, "manageUrl": URL, "refund": REFUND},
            ),
            _template(
                "rescheduled",
                "either",
                {**_APPOINTMENT, "previousStartsAt": MOMENT},
                # manageUrl is the client's link, dashboardUrl the professional's.
                {"movedBy": PARTY, "reason": TEXT, "manageUrl": URL, "dashboardUrl": URL},
                reader="movedBy",
            ),
            _template("reminder_24h", "client", _APPOINTMENT, {"manageUrl": URL}),
            _template("reminder_1h", "client", _APPOINTMENT, {"manageUrl": URL}),
            _template(
                "daily_agenda",
                "professional",
                {
                    "professionalName": TEXT,
                    "date": DAY,
                    "timezone": ZONE,
                    "appointments": APPOINTMENTS,
                },
            ),
            _template(
                "payment_received",
                "client",
                {
                    "professionalName": TEXT,
                    "clientName": TEXT,
                    "amount": AMOUNT,
                    "currency": CURRENCY,
                },
                {"startsAt": MOMENT, "timezone": ZONE, "paidAt": MOMENT, "manageUrl": URL},
            ),
            _template(
                "payment_refunded",
                "client",
                {
                    "professionalName": TEXT,
                    "clientName": TEXT,
                    "amount": AMOUNT,
                    "currency": CURRENCY,
                },
                {"startsAt": MOMENT, "timezone": ZONE, "manageUrl": URL},
            ),
            _template(
                "payment_pending",
                "client",
                {
                    "professionalName": TEXT,
                    "clientName": TEXT,
                    "amount": AMOUNT,
                    "currency": CURRENCY,
                },
                {
                    "pixKey": TEXT,
                    "startsAt": MOMENT,
                    "timezone": ZONE,
                    "paymentUrl": URL,
                    "expiresAt": MOMENT,
                    "manageUrl": URL,
                },
                # At least one way to pay: a Pix key, or a payment page (Stripe Checkout).
                one_of=("pixKey", "paymentUrl"),
            ),
            _template(
                "review_request",
                "client",
                {"professionalName": TEXT, "clientName": TEXT, "reviewUrl": URL},
                {"startsAt": MOMENT, "timezone": ZONE},
            ),
            _template("no_show", "client", _APPOINTMENT, {"bookingUrl": URL, "manageUrl": URL}),
            _template(
                "plan_activated", "professional", {"professionalName": TEXT, "planName": TEXT}
            ),
            _template(
                "payment_failed",
                "professional",
                {"professionalName": TEXT},
                {"planName": TEXT, "portalUrl": URL},
            ),
            _template(
                "plan_limit_reached",
                "professional",
                {"professionalName": TEXT, "limit": LIMIT},
                {"planName": TEXT, "upgradeUrl": URL},
            ),
            _template(
                "whatsapp_disconnected",
                "professional",
                {"professionalName": TEXT, "instance": TEXT},
                {"reconnectUrl": URL},
                channels=("email",),
            ),
            # A client asked for their links again (POST /api/guest/links): one message per
            # professional, to the phone or email they asked with.
            _template(
                "guest_links",
                "client",
                {
                    "professionalName": TEXT,
                    "clientName": TEXT,
                    "timezone": ZONE,
                    "appointments": MANAGE_LINKS,
                },
            ),
            # A one-time code to a client's phone or email (agenda.domain.verification). Not an
            # appointment's: it goes out alone, never beside another message.
            _template(
                "verification_code",
                "client",
                {"code": TEXT, "purpose": CODE_PURPOSE},
                {"clientName": TEXT, "professionalName": TEXT},
            ),
            # A message of the thread between a professional and a client (agenda.domain
            # .threads), to the side that did not write it; the text goes as one plain line.
            # `replyUrl` is the client's manage link, which opens the thread.
            _template(
                "message_to_client",
                "client",
                {"professionalName": TEXT, "clientName": TEXT, "text": TEXT},
                {"replyUrl": URL},
            ),
            # `dashboardUrl` opens the thread on the professional's dashboard.
            _template(
                "message_to_professional",
                "professional",
                {"professionalName": TEXT, "clientName": TEXT, "text": TEXT},
                {"dashboardUrl": URL},
            ),
        )
    }
)


# --- holding an envelope against its template ----------------------------------------------


def template_for(template: str, channel: str | None, audience: str | None) -> Template:
    """The template an envelope names, once its channel (unless None) and audience fit it."""
    spec = TEMPLATES.get(template)
    if spec is None:
        raise MessageError(f"unknown message template {template!r}", template=template)
    if channel is None:
        pass
    elif channel not in CHANNELS:
        raise MessageError(
            f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}", template=template
        )
    elif channel not in spec.channels:
        raise MessageError(f"message {template!r} is not sent by {channel}", template=template)
    if audience is not None and audience not in PARTIES:
        raise MessageError(f"unknown audience {audience!r}", template=template)
    if audience is not None and spec.audience not in ("either", audience):
        raise MessageError(
            f"message {template!r} is for the {spec.audience}, not the {audience}",
            template=template,
        )
    return spec


_JSON_SCALARS = (str, int, float, bool, type(None))


def _wire_problem(value: object) -> str | None:
    """Why a value cannot travel as JSON, or None."""
    if type(value) in _JSON_SCALARS:
        return None
    if isinstance(value, list):
        for item in value:
            if (problem := _wire_problem(item)) is not None:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"has a key of type {type(key).__name__}"
            if (problem := _wire_problem(item)) is not None:
                return problem
        return None
    return f"is a {type(value).__name__}, not a JSON value (text, number, list or object)"


def check(spec: Template, params: object, audience: str | None, *, wire: bool = False) -> None:
    """Hold the parameters of one message against its template's model: every required one
    present, every one the model names of its kind, the cross-parameter rules kept. With
    `wire`, every value must also be JSON as it is (the outbox and the queue carry JSON).
    Raises MessageError naming the template and the parameter."""
    name = spec.name
    if type(params) is not dict and not isinstance(params, Mapping):
        raise MessageError(f"message {name!r}: params must be an object", template=name)
    model = spec.model
    for param in model.names:
        if absent(params.get(param)):
            missing = tuple(param for param in model.names if absent(params.get(param)))
            raise MessageError(
                f"message {name!r} is missing {', '.join(missing)}", template=name, params=missing
            )
    if wire:
        for param, value in params.items():
            if not isinstance(param, str):
                raise MessageError(f"message {name!r}: parameter names must be text", template=name)
            if type(value) is not str and (problem := _wire_problem(value)) is not None:
                raise param_error(name, param, problem)
    for param, kind, required in model.fields:
        value = params.get(param)
        if not required and absent(value):
            continue
        try:
            kind.check(value)
        except Invalid as exc:
            raise param_error(name, param + exc.where, exc.problem) from None
    # An instant is shown on the wall clock of the message's zone.
    zoned = model.zoned
    if zoned and absent(params.get("timezone")) and any(not absent(params.get(p)) for p in zoned):
        raise param_error(name, "timezone", "is required")
    if model.one_of and all(absent(params.get(param)) for param in model.one_of):
        first, *others = model.one_of
        raise param_error(name, first, f"or {' or '.join(others)} is required")
    if model.reader is not None and audience is None and absent(params.get(model.reader)):
        raise param_error(name, model.reader, "is required when the audience is not known")
