"""Outgoing messages: which ones the product sends, and their text (Brazilian Portuguese).

Pure functions over plain values. A message travels as a small JSON envelope naming its
template and parameters; the consumer renders it, so the text can be fixed without touching
anything already queued.

`TEMPLATES` is the catalogue: who each message is for, the channels it exists on and the
parameters it takes. `render` turns a template, a channel and parameters into a subject, a
plain text and, for email, an HTML body. Each text is written once, as paragraphs of plain and
bold pieces, lists and links; each channel draws it its own way (WhatsApp markup, plain text,
escaped HTML), so the versions can never drift apart.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agenda.domain.parties import Party

type Channel = Literal["whatsapp", "email"]
type Audience = Literal["professional", "client", "either"]

CHANNELS: tuple[Channel, ...] = ("whatsapp", "email")
DEFAULT_LOCALE = "pt-BR"

WEEKDAYS_PT = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)


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


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str | None = None


# --- the catalogue -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Template:
    """One kind of message. `audience` is "either" when the envelope decides who reads it."""

    name: str
    audience: Audience
    channels: tuple[Channel, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


_BOTH: tuple[Channel, ...] = ("whatsapp", "email")
_APPOINTMENT = ("professionalName", "clientName", "startsAt", "timezone")


def _template(
    name: str,
    audience: Audience,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    channels: tuple[Channel, ...] = _BOTH,
) -> Template:
    return Template(name, audience, channels, required, (*optional, "locale"))


TEMPLATES: Mapping[str, Template] = MappingProxyType(
    {
        t.name: t
        for t in (
            _template("booking_request", "professional", _APPOINTMENT, ("status",)),
            _template("booking_received", "client", _APPOINTMENT, ("manageUrl",)),
            _template("booking_confirmed", "client", _APPOINTMENT, ("manageUrl", "registerUrl")),
            _template(
                "booking_rejected", "client", _APPOINTMENT, ("reason", "bookingUrl", "manageUrl")
            ),
            _template(
                "registration_invite", "client", ("professionalName", "clientName", "registerUrl")
            ),
            _template("cancelled_by_client", "professional", _APPOINTMENT, ("reason",)),
            _template(
                "cancelled_by_professional",
                "client",
                _APPOINTMENT,
                ("reason", "bookingUrl", "manageUrl"),
            ),
            _template(
                "rescheduled",
                "either",
                (*_APPOINTMENT, "previousStartsAt"),
                ("movedBy", "reason", "manageUrl"),
            ),
            _template("reminder_24h", "client", _APPOINTMENT, ("manageUrl",)),
            _template("reminder_1h", "client", _APPOINTMENT, ("manageUrl",)),
            _template(
                "daily_agenda",
                "professional",
                ("professionalName", "date", "timezone", "appointments"),
            ),
            _template(
                "payment_received",
                "client",
                ("professionalName", "clientName", "amount", "currency"),
                ("startsAt", "timezone", "paidAt", "manageUrl"),
            ),
            _template(
                "payment_pending",
                "client",
                ("professionalName", "clientName", "amount", "currency"),
                # At least one way to pay: a Pix key, or a payment page (Stripe Checkout).
                ("pixKey", "startsAt", "timezone", "paymentUrl", "expiresAt", "manageUrl"),
            ),
            _template(
                "review_request",
                "client",
                ("professionalName", "clientName", "reviewUrl"),
                ("startsAt", "timezone"),
            ),
            _template("no_show", "client", _APPOINTMENT, ("bookingUrl", "manageUrl")),
            _template("plan_activated", "professional", ("professionalName", "planName")),
            _template(
                "payment_failed", "professional", ("professionalName",), ("planName", "portalUrl")
            ),
            _template(
                "plan_limit_reached",
                "professional",
                ("professionalName", "limit"),
                ("planName", "upgradeUrl"),
            ),
            _template(
                "whatsapp_disconnected",
                "professional",
                ("professionalName", "instance"),
                ("reconnectUrl",),
                channels=("email",),
            ),
        )
    }
)


# --- locales: how dates, times and money are written ---------------------------------------


@dataclass(frozen=True, slots=True)
class CurrencyStyle:
    symbol: str
    decimal: str
    thousands: str
    places: int = 2


@dataclass(frozen=True, slots=True)
class Locale:
    """How one language writes days, times and money. Only pt-BR exists; a new locale adds an
    entry to LOCALES and its own texts to _TEXTS."""

    tag: str
    weekdays: tuple[str, ...]  # Monday first, as date.weekday() counts
    day_month: str  # strftime patterns
    full_date: str
    clock: str
    at: str  # joins a day and a time
    currencies: Mapping[str, CurrencyStyle]
    other_currency: CurrencyStyle  # separators for a currency not listed; its code is the symbol

    def time(self, moment: datetime) -> str:
        return moment.strftime(self.clock)

    def day(self, day: date) -> str:
        """The weekday and the day of the month: "segunda-feira, 23/11"."""
        return f"{self.weekdays[day.weekday()]}, {day.strftime(self.day_month)}"

    def when(self, moment: datetime) -> str:
        """A local moment within the next weeks: "segunda-feira, 23/11 às 09:00"."""
        return f"{self.day(moment)} {self.at} {self.time(moment)}"

    def short_when(self, moment: datetime) -> str:
        return f"{moment.strftime(self.day_month)} {self.at} {self.time(moment)}"

    def dated_when(self, moment: datetime) -> str:
        """A local moment where the year matters (receipts): "23/11/2026 às 09:00"."""
        return f"{moment.strftime(self.full_date)} {self.at} {self.time(moment)}"

    def money(self, amount: Decimal, currency: str) -> str:
        style = self.currencies.get(currency) or CurrencyStyle(
            currency,
            self.other_currency.decimal,
            self.other_currency.thousands,
            self.other_currency.places,
        )
        step = Decimal(1).scaleb(-style.places)
        rounded = amount.quantize(step, rounding=ROUND_HALF_UP)
        whole, _, cents = f"{abs(rounded):f}".partition(".")
        number = f"{int(whole):,}".replace(",", style.thousands)
        if style.places:
            number += style.decimal + cents
        sign = "-" if rounded < 0 else ""
        return f"{sign}{style.symbol} {number}"


PT_BR = Locale(
    tag="pt-BR",
    weekdays=WEEKDAYS_PT,
    day_month="%d/%m",
    full_date="%d/%m/%Y",
    clock="%H:%M",
    at="às",
    # A foreign currency is written the way the people who pay in it read it.
    currencies=MappingProxyType(
        {
            "BRL": CurrencyStyle("R$", ",", "."),
            "USD": CurrencyStyle("US$", ".", ","),
            "EUR": CurrencyStyle("€", ",", "."),
            "GBP": CurrencyStyle("£", ".", ","),
        }
    ),
    other_currency=CurrencyStyle("", ",", "."),
)

LOCALES: Mapping[str, Locale] = MappingProxyType({PT_BR.tag: PT_BR})


def locale_for(tag: object) -> Locale:
    """The locale for a tag such as "pt-BR" or "pt_br"; anything unknown gets pt-BR."""
    if isinstance(tag, str):
        wanted = tag.strip().replace("_", "-").lower()
        for known, locale in LOCALES.items():
            if known.lower() == wanted:
                return locale
    return LOCALES[DEFAULT_LOCALE]


def when_pt(starts_at: datetime, timezone: str) -> str:
    return PT_BR.when(starts_at.astimezone(ZoneInfo(timezone)))


_HONORIFICS = frozenset({"dr", "dra", "prof", "profa", "sr", "sra"})


def first_name(name: str) -> str:
    """The name to greet someone by: "Dra. Marina Lopes" is greeted as Marina."""
    words = name.split()
    while len(words) > 1 and words[0].lower().rstrip(".") in _HONORIFICS:
        words = words[1:]
    return words[0] if words else name


# --- envelopes -----------------------------------------------------------------------------


def message_key(
    subject_id: UUID | str, version: int, template: str, channel: str, audience: str
) -> str:
    """The identity of one message: what it is about (an appointment, or a professional for
    account messages), which change of it (its sequence), what, how and to whom. The outbox and
    the delivery records are unique on it, so the same message is queued and sent once."""
    return f"{subject_id}:{version}:{template}:{channel}:{audience}"


def envelope(
    *,
    subject_id: UUID | str,
    version: int,
    template: str,
    channel: str,
    audience: str,
    to: str,
    params: dict[str, Any],
) -> dict[str, Any]:
    """One message as it travels through the outbox and the queue."""
    return {
        "messageKey": message_key(subject_id, version, template, channel, audience),
        "template": template,
        "channel": channel,
        "audience": audience,
        "to": to,
        "params": params,
    }


def to_both_channels(
    party: Party,
    *,
    audience: str,
    template: str,
    subject_id: UUID | str,
    version: int,
    params: dict[str, Any],
) -> list[dict[str, Any]]:
    """The WhatsApp and email envelopes for one person, for the channels they have."""
    return [
        envelope(
            subject_id=subject_id,
            version=version,
            template=template,
            channel=channel,
            audience=audience,
            to=address,
            params=params,
        )
        for channel, address in (("whatsapp", party.phone), ("email", party.email))
        if address
    ]


def booking_messages(
    *,
    appointment_id: UUID,
    professional: Party,
    client: Party,
    starts_at: datetime,
    timezone: str,
    status: str,
    manage_url: str | None = None,
) -> list[dict[str, Any]]:
    """What a new booking queues: the request to the professional, the receipt to the client
    (with the link that lets a client without an account view, cancel or reschedule)."""
    params = {
        "professionalName": professional.name,
        "clientName": client.name,
        "startsAt": starts_at.isoformat(),
        "timezone": timezone,
        "status": status,
    }
    client_template = "booking_confirmed" if status == "confirmed" else "booking_received"
    return [
        *to_both_channels(
            professional,
            audience="professional",
            template="booking_request",
            subject_id=appointment_id,
            version=0,
            params=params,
        ),
        *to_both_channels(
            client,
            audience="client",
            template=client_template,
            subject_id=appointment_id,
            version=0,
            params={**params, "manageUrl": manage_url} if manage_url else params,
        ),
    ]


def in_app_booking_request(client_name: str, starts_at: datetime, timezone: str) -> Rendered:
    return Rendered(
        subject="Novo pedido de agendamento",
        text=f"{client_name} pediu um horário para {when_pt(starts_at, timezone)}.",
    )


# --- what a text is made of ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Bold:
    text: str


type _Piece = str | _Bold
type _Line = tuple[_Piece, ...]


@dataclass(frozen=True, slots=True)
class _Paragraph:
    lines: tuple[_Line, ...]


@dataclass(frozen=True, slots=True)
class _Bullets:
    items: tuple[_Line, ...]


@dataclass(frozen=True, slots=True)
class _Link:
    label: str
    url: str


type _Block = _Paragraph | _Bullets | _Link


@dataclass(frozen=True, slots=True)
class _Message:
    subject: str
    blocks: tuple[_Block, ...]


def _para(*pieces: _Piece) -> _Paragraph:
    return _Paragraph((pieces,))


def _lines(*lines: _Line) -> _Paragraph:
    return _Paragraph(lines)


# --- reading parameters --------------------------------------------------------------------


def _absent(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Params:
    """Typed reads of one envelope's parameters; every problem names the parameter."""

    def __init__(
        self, template: Template, raw: Mapping[str, Any], locale: Locale, audience: str | None
    ) -> None:
        self.template = template
        self.raw = raw
        self.locale = locale
        self.audience = audience
        self._zone: ZoneInfo | None = None

    def error(self, name: str, problem: str) -> MessageError:
        return MessageError(
            f"message {self.template.name!r}: {name} {problem}",
            template=self.template.name,
            params=(name,),
        )

    def has(self, name: str) -> bool:
        return not _absent(self.raw.get(name))

    def text(self, name: str) -> str:
        return self._text(name, self.raw.get(name))

    def _text(self, name: str, value: object) -> str:
        if _absent(value):
            raise self.error(name, "is required")
        if not isinstance(value, str):
            raise self.error(name, "must be text")
        # One line: a value never adds lines to a message or headers to an email.
        return " ".join(value.split())

    def maybe_text(self, name: str) -> str | None:
        return self.text(name) if self.has(name) else None

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name)
        if value not in allowed:
            raise self.error(name, f"must be one of {', '.join(allowed)}, not {value!r}")
        return value

    def maybe_choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        return self.choice(name, allowed) if self.has(name) else None

    def url(self, name: str) -> str:
        value = self.text(name)
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
            raise self.error(name, "must be an http(s) address")
        return value

    def maybe_url(self, name: str) -> str | None:
        return self.url(name) if self.has(name) else None

    @property
    def zone(self) -> ZoneInfo:
        if self._zone is None:
            name = self.text("timezone")
            try:
                self._zone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                raise self.error("timezone", f"is not a known IANA time zone: {name!r}") from None
        return self._zone

    def moment(self, name: str) -> datetime:
        """An instant, on the wall clock of the parameters' time zone."""
        return self._moment(name, self.raw.get(name))

    def _moment(self, name: str, value: object) -> datetime:
        if isinstance(value, datetime):
            instant = value
        else:
            text = self._text(name, value)
            try:
                instant = datetime.fromisoformat(text)
            except ValueError:
                raise self.error(name, f"is not an ISO 8601 date-time: {text!r}") from None
        if instant.utcoffset() is None:
            raise self.error(name, "must carry a UTC offset")
        return instant.astimezone(self.zone)

    def maybe_moment(self, name: str) -> datetime | None:
        return self.moment(name) if self.has(name) else None

    def when(self, name: str = "startsAt") -> str:
        return self.locale.when(self.moment(name))

    def day(self, name: str) -> date:
        text = self.text(name)
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.error(name, f"is not a date (YYYY-MM-DD): {text!r}") from None

    def money(self) -> str:
        value = self.raw.get("amount")
        if _absent(value):
            raise self.error("amount", "is required")
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self.error("amount", "must be a decimal string like '180.00'")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.error("amount", f"is not a decimal like '180.00': {value!r}") from None
        if not amount.is_finite():
            raise self.error("amount", f"is not a decimal like '180.00': {value!r}")
        currency = self.text("currency").upper()
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise self.error("currency", f"must be a three-letter code like BRL: {currency!r}")
        try:
            return self.locale.money(amount, currency)
        except InvalidOperation:
            raise self.error("amount", f"is out of range: {value!r}") from None

    def appointments(self, name: str = "appointments") -> list[tuple[datetime, str, str | None]]:
        """(local start, client name, status) of each appointment, earliest first."""
        value = self.raw.get(name)
        if value is None:
            raise self.error(name, "is required")
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise self.error(name, "must be a list of {startsAt, clientName}")
        found = []
        for i, item in enumerate(value):
            where = f"{name}[{i}]"
            if not isinstance(item, Mapping):
                raise self.error(where, "must be an object with startsAt and clientName")
            status = item.get("status")
            found.append(
                (
                    self._moment(f"{where}.startsAt", item.get("startsAt")),
                    self._text(f"{where}.clientName", item.get("clientName")),
                    status if isinstance(status, str) else None,
                )
            )
        return sorted(found, key=lambda appointment: appointment[0])


# --- the texts, in Brazilian Portuguese ----------------------------------------------------

_MANAGE = "Ver, remarcar ou cancelar"
_DETAILS = "Ver detalhes"
_REBOOK = "Escolher outro horário"
_PLAN_NAMES_PT = {"free": "Gratuito", "basic": "Básico", "pro": "Pro", "premium": "Premium"}


def _hello(name: str) -> str:
    return f"Olá, {first_name(name)}!"


def _link(p: _Params, name: str, label: str) -> tuple[_Block, ...]:
    url = p.maybe_url(name)
    return (_Link(label, url),) if url else ()


def _reason(p: _Params) -> tuple[_Block, ...]:
    reason = p.maybe_text("reason")
    return (_para(f"Motivo: {reason}"),) if reason else ()


def _plan_name(p: _Params) -> str | None:
    name = p.maybe_text("planName")
    return _PLAN_NAMES_PT.get(name.lower(), name) if name else None


def _invite(professional: str, url: str, *, greeting: str | None = None) -> tuple[_Block, ...]:
    return (
        _para(
            *((greeting, " ") if greeting else ()),
            "Crie sua conta para ver seus horários com ",
            _Bold(professional),
            " em um só lugar e remarcar ou cancelar quando precisar.",
        ),
        _Link("Criar conta", url),
    )


def _booking_request(p: _Params) -> _Message:
    pro, client, starts = p.text("professionalName"), p.text("clientName"), p.moment("startsAt")
    status = p.maybe_choice("status", ("pending_confirmation", "confirmed"))
    if status == "confirmed":
        subject = f"Novo agendamento: {client}, {p.locale.short_when(starts)}"
        verb, next_step = " agendou um horário para ", "O agendamento já está confirmado."
    else:
        subject = f"Novo pedido de horário: {client}, {p.locale.short_when(starts)}"
        verb, next_step = " pediu um horário para ", "Confirme ou recuse o pedido na sua agenda."
    return _Message(
        subject,
        (
            _para(_hello(pro), " ", _Bold(client), verb, _Bold(p.locale.when(starts)), "."),
            _para(next_step),
        ),
    )


def _booking_received(p: _Params) -> _Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return _Message(
        f"Recebemos seu pedido de horário com {pro}",
        (
            _para(
                _hello(client),
                " Recebemos seu pedido de horário com ",
                _Bold(pro),
                " para ",
                _Bold(p.when()),
                ".",
            ),
            _para("Você receberá uma mensagem assim que ele for confirmado."),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


def _booking_confirmed(p: _Params) -> _Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    register = p.maybe_url("registerUrl")
    return _Message(
        f"Horário confirmado com {pro}",
        (
            _para(
                _hello(client),
                " Seu horário com ",
                _Bold(pro),
                " está confirmado para ",
                _Bold(p.when()),
                ".",
            ),
            *_link(p, "manageUrl", _MANAGE),
            *(_invite(pro, register) if register else ()),
        ),
    )


def _booking_rejected(p: _Params) -> _Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return _Message(
        f"Seu pedido de horário com {pro} não foi confirmado",
        (
            _para(
                _hello(client),
                " Infelizmente ",
                _Bold(pro),
                " não pôde confirmar seu pedido de horário para ",
                _Bold(p.when()),
                ".",
            ),
            *_reason(p),
            *_link(p, "bookingUrl", _REBOOK),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


def _registration_invite(p: _Params) -> _Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return _Message(
        "Crie sua conta e acompanhe seus horários",
        _invite(pro, p.url("registerUrl"), greeting=_hello(client)),
    )


def _cancelled_by_client(p: _Params) -> _Message:
    pro, client, starts = p.text("professionalName"), p.text("clientName"), p.moment("startsAt")
    return _Message(
        f"Agendamento cancelado: {client}, {p.locale.short_when(starts)}",
        (
            _para(
                _hello(pro),
                " ",
                _Bold(client),
                " cancelou o horário de ",
                _Bold(p.locale.when(starts)),
                ".",
            ),
            *_reason(p),
            _para("O horário voltou a ficar livre na sua agenda."),
        ),
    )


def _cancelled_by_professional(p: _Params) -> _Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return _Message(
        f"Seu horário com {pro} foi cancelado",
        (
            _para(
                _hello(client), " ", _Bold(pro), " cancelou seu horário de ", _Bold(p.when()), "."
            ),
            *_reason(p),
            *_link(p, "bookingUrl", _REBOOK),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


_PARTIES = ("client", "professional")


def _rescheduled(p: _Params) -> _Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    moved_by = p.maybe_choice("movedBy", _PARTIES)
    reader = p.audience
    # Usually the one who did not move it is told; either side tells who the other is.
    if reader is None and moved_by is None:
        raise p.error("movedBy", "is required when the audience is not known")
    if reader is None:
        reader = "professional" if moved_by == "client" else "client"
    if moved_by is None:
        moved_by = "professional" if reader == "client" else "client"

    if reader == "client":
        subject = f"Seu horário com {pro} foi remarcado"
        if moved_by == "professional":
            opening = (_hello(client), " ", _Bold(pro), " remarcou seu horário.")
        else:
            opening = (_hello(client), " Seu horário com ", _Bold(pro), " foi remarcado.")
    else:
        subject = f"Agendamento remarcado: {client}"
        if moved_by == "client":
            opening = (_hello(pro), " ", _Bold(client), " remarcou o horário.")
        else:
            opening = (_hello(pro), " Você remarcou o horário de ", _Bold(client), ".")
    return _Message(
        subject,
        (
            _para(*opening),
            _lines(
                ("Antes: ", p.when("previousStartsAt")),
                ("Agora: ", _Bold(p.when("startsAt"))),
            ),
            *_reason(p),
            *(_link(p, "manageUrl", _MANAGE) if reader == "client" else ()),
        ),
    )


def _reminder_24h(p: _Params) -> _Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return _Message(
        f"Lembrete: seu horário com {pro}",
        (
            _para(
                _hello(client),
                " Lembrete do seu horário com ",
                _Bold(pro),
                ": ",
                _Bold(p.when()),
                ".",
            ),
            _para("Se não puder comparecer, avise com antecedência."),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


def _reminder_1h(p: _Params) -> _Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return _Message(
        f"Seu horário com {pro} é daqui a pouco",
        (
            _para(
                _hello(client),
                " Seu horário com ",
                _Bold(pro),
                " é daqui a pouco: ",
                _Bold(p.when()),
                ".",
            ),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


_STATUS_NOTES_PT = {"pending_confirmation": " (aguardando sua confirmação)"}


def _daily_agenda(p: _Params) -> _Message:
    pro, day = p.text("professionalName"), p.day("date")
    appointments = p.appointments()
    heading = p.locale.day(day)
    count = len(appointments)
    if not count:
        return _Message(
            f"Sua agenda de {heading}: nenhum atendimento",
            (
                _para(
                    _hello(pro),
                    " Você não tem atendimentos marcados para ",
                    _Bold(heading),
                    ".",
                ),
            ),
        )
    noun = "atendimento" if count == 1 else "atendimentos"
    items: list[_Line] = []
    for starts, client, status in appointments:
        clock = p.locale.time(starts)
        if starts.date() != day:  # a late session that runs into the next day's date
            clock += f" ({starts.strftime(p.locale.day_month)})"
        items.append((_Bold(clock), f" — {client}{_STATUS_NOTES_PT.get(status or '', '')}"))
    return _Message(
        f"Sua agenda de {heading}: {count} {noun}",
        (
            _para(_hello(pro), " Sua agenda de ", _Bold(heading), f" tem {count} {noun}:"),
            _Bullets(tuple(items)),
        ),
    )


def _payment_received(p: _Params) -> _Message:
    pro, client, amount = p.text("professionalName"), p.text("clientName"), p.money()
    starts, paid = p.maybe_moment("startsAt"), p.maybe_moment("paidAt")
    details: list[_Line] = [
        ("Valor: ", _Bold(amount)),
        (f"Cliente: {client}",),
        (f"Profissional: {pro}",),
    ]
    if starts:
        details.append((f"Atendimento: {p.locale.dated_when(starts)}",))
    if paid:
        details.append((f"Pago em: {p.locale.dated_when(paid)}",))
    return _Message(
        f"Recibo de pagamento: {amount}",
        (
            _para(_hello(client), " Seu pagamento para ", _Bold(pro), " foi confirmado."),
            _lines(*details),
            _para("Guarde esta mensagem como comprovante."),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


def _payment_pending(p: _Params) -> _Message:
    pro, client, amount = p.text("professionalName"), p.text("clientName"), p.money()
    # The key alone on its line, not bold, so it is copied without markup.
    key = p.maybe_text("pixKey")
    if key is None and not p.has("paymentUrl"):
        raise p.error("pixKey", "or paymentUrl is required: a way to pay")
    expires = p.maybe_moment("expiresAt")
    starts = p.maybe_moment("startsAt")
    if starts:
        opening: _Line = (
            _hello(client),
            " Falta o pagamento do seu horário com ",
            _Bold(pro),
            " de ",
            _Bold(p.locale.when(starts)),
            ".",
        )
    else:
        opening = (_hello(client), " Há um pagamento pendente para ", _Bold(pro), ".")
    return _Message(
        f"Pagamento pendente: {amount}",
        (
            _para(*opening),
            _para("Valor: ", _Bold(amount)),
            *((_lines(("Para pagar com Pix, use a chave:",), (key,)),) if key else ()),
            *_link(p, "paymentUrl", "Ou pague pelo link" if key else "Pague pelo link"),
            *(
                (_para("O horário fica reservado até ", _Bold(p.locale.time(expires)), "."),)
                if expires
                else ()
            ),
            _para("Assim que o pagamento for confirmado, você receberá o recibo."),
            *_link(p, "manageUrl", _MANAGE),
        ),
    )


def _review_request(p: _Params) -> _Message:
    pro, client, review = p.text("professionalName"), p.text("clientName"), p.url("reviewUrl")
    starts = p.maybe_moment("startsAt")
    on_day = f" no dia {starts.strftime(p.locale.day_month)}" if starts else ""
    return _Message(
        f"Como foi seu atendimento com {pro}?",
        (
            _para(_hello(client), " Como foi seu atendimento com ", _Bold(pro), f"{on_day}?"),
            _para("Sua avaliação leva um minuto e ajuda outras pessoas a escolher."),
            _Link("Avaliar o atendimento", review),
        ),
    )


def _no_show(p: _Params) -> _Message:
    pro, client = p.text("professionalName"), p.text("clientName")
    return _Message(
        f"Falta registrada: seu horário com {pro}",
        (
            _para(
                _hello(client),
                " Sentimos sua falta. Seu horário com ",
                _Bold(pro),
                " de ",
                _Bold(p.when()),
                " foi registrado como falta.",
            ),
            *_link(p, "bookingUrl", "Agendar um novo horário"),
            *_link(p, "manageUrl", _DETAILS),
        ),
    )


def _plan_activated(p: _Params) -> _Message:
    pro, plan = p.text("professionalName"), _plan_name(p) or ""
    return _Message(
        f"Plano {plan} ativado",
        (
            _para(_hello(pro), " Seu plano ", _Bold(plan), " está ativo. Obrigado pela confiança!"),
            _para("Os recursos do plano já estão liberados na sua conta."),
        ),
    )


def _payment_failed(p: _Params) -> _Message:
    pro, plan = p.text("professionalName"), _plan_name(p)
    which: _Line = (" do seu plano ", _Bold(plan)) if plan else (" do seu plano",)
    return _Message(
        "Não conseguimos cobrar sua assinatura",
        (
            _para(_hello(pro), " Não conseguimos cobrar a assinatura", *which, "."),
            _para("Atualize sua forma de pagamento para continuar com os recursos do plano."),
            *_link(p, "portalUrl", "Atualizar forma de pagamento"),
        ),
    )


def _plan_limit_reached(p: _Params) -> _Message:
    pro, plan = p.text("professionalName"), _plan_name(p)
    limit = p.choice("limit", ("clients", "appointments"))
    of_plan: _Line = (" do plano ", _Bold(plan), ".") if plan else (" do seu plano.",)
    if limit == "clients":
        subject = "Você atingiu o limite de clientes do seu plano"
        reached = " Você atingiu o limite de clientes"
        effect = "Novos clientes não conseguem agendar até você mudar de plano."
    else:
        subject = "Você atingiu o limite mensal de agendamentos do seu plano"
        reached = " Você atingiu o limite mensal de agendamentos"
        effect = "Novos clientes não conseguem agendar neste mês, a menos que você mude de plano."
    return _Message(
        subject,
        (
            _para(_hello(pro), reached, *of_plan),
            _para(effect, " Quem já é seu cliente continua agendando normalmente."),
            *_link(p, "upgradeUrl", "Ver planos"),
        ),
    )


def _whatsapp_disconnected(p: _Params) -> _Message:
    pro, instance = p.text("professionalName"), p.text("instance")
    reconnect = p.maybe_url("reconnectUrl")
    how: _Block = (
        _Link("Reconectar agora", reconnect)
        if reconnect
        else _para("Para reconectar, acesse sua conta e leia o QR code novamente.")
    )
    return _Message(
        "Seu WhatsApp foi desconectado",
        (
            _para(
                _hello(pro),
                " O WhatsApp ligado à sua agenda (instância ",
                _Bold(instance),
                ") foi desconectado.",
            ),
            _para(
                "Enquanto ele não for reconectado, seus clientes não recebem confirmações nem "
                "lembretes pelo WhatsApp. Os e-mails continuam sendo enviados."
            ),
            how,
        ),
    )


type _Text = Callable[[_Params], _Message]

_TEXTS_PT_BR: Mapping[str, _Text] = MappingProxyType(
    {
        "booking_request": _booking_request,
        "booking_received": _booking_received,
        "booking_confirmed": _booking_confirmed,
        "booking_rejected": _booking_rejected,
        "registration_invite": _registration_invite,
        "cancelled_by_client": _cancelled_by_client,
        "cancelled_by_professional": _cancelled_by_professional,
        "rescheduled": _rescheduled,
        "reminder_24h": _reminder_24h,
        "reminder_1h": _reminder_1h,
        "daily_agenda": _daily_agenda,
        "payment_received": _payment_received,
        "payment_pending": _payment_pending,
        "review_request": _review_request,
        "no_show": _no_show,
        "plan_activated": _plan_activated,
        "payment_failed": _payment_failed,
        "plan_limit_reached": _plan_limit_reached,
        "whatsapp_disconnected": _whatsapp_disconnected,
    }
)

_TEXTS: Mapping[str, Mapping[str, _Text]] = MappingProxyType({"pt-BR": _TEXTS_PT_BR})


# --- drawing a text for a channel ----------------------------------------------------------


def _whatsapp_piece(piece: _Piece) -> str:
    if isinstance(piece, _Bold):
        # WhatsApp markup has no escape: a value holding the marker itself stays plain.
        return f"*{piece.text}*" if piece.text and "*" not in piece.text else piece.text
    return piece


def _plain_piece(piece: _Piece) -> str:
    return piece.text if isinstance(piece, _Bold) else piece


def _html_piece(piece: _Piece) -> str:
    if isinstance(piece, _Bold):
        return f"<strong>{html.escape(piece.text)}</strong>"
    return html.escape(piece)


def _as_text(blocks: tuple[_Block, ...], piece: Callable[[_Piece], str], bullet: str) -> str:
    def line(pieces: _Line) -> str:
        return "".join(piece(p) for p in pieces)

    drawn = []
    for block in blocks:
        match block:
            case _Paragraph(lines):
                drawn.append("\n".join(line(each) for each in lines))
            case _Bullets(items):
                drawn.append("\n".join(bullet + line(each) for each in items))
            case _Link(label, url):
                drawn.append(f"{label}: {url}")
    return "\n\n".join(drawn)


_BODY_STYLE = "font-family: Arial, Helvetica, sans-serif; font-size: 16px; line-height: 1.5"


def _as_html(message: _Message, locale: Locale) -> str:
    def line(pieces: _Line) -> str:
        return "".join(_html_piece(p) for p in pieces)

    drawn = []
    for block in message.blocks:
        match block:
            case _Paragraph(lines):
                drawn.append("<p>" + "<br>\n".join(line(each) for each in lines) + "</p>")
            case _Bullets(items):
                rows = "".join(f"<li>{line(each)}</li>\n" for each in items)
                drawn.append(f"<ul>\n{rows}</ul>")
            case _Link(label, url):
                drawn.append(f'<p><a href="{html.escape(url)}">{html.escape(label)}</a></p>')
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(locale.tag)}">\n'
        f'<head><meta charset="utf-8"><title>{html.escape(message.subject)}</title></head>\n'
        f'<body style="{_BODY_STYLE}">\n' + "\n".join(drawn) + "\n</body>\n</html>\n"
    )


def render(
    template: str, channel: str, params: Mapping[str, Any], *, audience: str | None = None
) -> Rendered:
    """The subject and text of one message for one channel; for email an HTML body as well.

    `audience` is the envelope's: it must match the template's, and it tells a "rescheduled"
    message who reads it. Raises MessageError for an unknown template or channel and for a
    parameter that is missing or malformed, naming it.
    """
    spec = TEMPLATES.get(template)
    if spec is None:
        raise MessageError(f"unknown message template {template!r}", template=template)
    if channel not in CHANNELS:
        raise MessageError(
            f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}", template=template
        )
    if channel not in spec.channels:
        raise MessageError(f"message {template!r} is not sent by {channel}", template=template)
    if audience is not None and audience not in _PARTIES:
        raise MessageError(f"unknown audience {audience!r}", template=template)
    if audience is not None and spec.audience not in ("either", audience):
        raise MessageError(
            f"message {template!r} is for the {spec.audience}, not the {audience}",
            template=template,
        )
    if not isinstance(params, Mapping):
        raise MessageError(f"message {template!r}: params must be an object", template=template)
    missing = tuple(name for name in spec.required if _absent(params.get(name)))
    if missing:
        raise MessageError(
            f"message {template!r} is missing {', '.join(missing)}",
            template=template,
            params=missing,
        )

    locale = locale_for(params.get("locale"))
    message = _TEXTS[locale.tag][template](_Params(spec, params, locale, audience))
    if channel == "whatsapp":
        return Rendered(message.subject, _as_text(message.blocks, _whatsapp_piece, "• "))
    return Rendered(
        message.subject,
        _as_text(message.blocks, _plain_piece, "- "),
        _as_html(message, locale),
    )
