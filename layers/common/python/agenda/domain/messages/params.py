"""Typed reads of one envelope's parameters, for the texts. Each read goes through the kind the
catalogue's model gives the parameter, so a text reads what the write accepted; every problem
names the parameter."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from agenda.domain.messages.catalogue import (
    AMOUNT,
    APPOINTMENTS,
    CURRENCY,
    DAY,
    MANAGE_LINKS,
    MOMENT,
    TEXT,
    URL,
    ZONE,
    AgendaEntry,
    Choice,
    Invalid,
    Kind,
    ManageLink,
    MessageError,
    Template,
    absent,
    param_error,
)
from agenda.domain.messages.formatting import Locale
from agenda.domain.messages.markup import Message


class Params:
    """The parameters of one message as its text reads them."""

    def __init__(
        self, template: Template, raw: Mapping[str, Any], locale: Locale, audience: str | None
    ) -> None:
        self.template = template
        self.raw = raw
        self.locale = locale
        self.audience = audience
        self._zone: ZoneInfo | None = None

    def error(self, name: str, problem: str) -> MessageError:
        return param_error(self.template.name, name, problem)

    def _read(self, name: str, kind: Kind) -> Any:
        try:
            return kind.parse(self.raw.get(name))
        except Invalid as exc:
            raise self.error(name + exc.where, exc.problem) from None

    def has(self, name: str) -> bool:
        return not absent(self.raw.get(name))

    def text(self, name: str) -> str:
        value: str = self._read(name, TEXT)
        return value

    def maybe_text(self, name: str) -> str | None:
        return self.text(name) if self.has(name) else None

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value: str = self._read(name, Choice(allowed))
        return value

    def maybe_choice(self, name: str, allowed: tuple[str, ...]) -> str | None:
        return self.choice(name, allowed) if self.has(name) else None

    def url(self, name: str) -> str:
        value: str = self._read(name, URL)
        return value

    def maybe_url(self, name: str) -> str | None:
        return self.url(name) if self.has(name) else None

    @property
    def zone(self) -> ZoneInfo:
        if self._zone is None:
            self._zone = self._read("timezone", ZONE)
        return self._zone

    def moment(self, name: str) -> datetime:
        """An instant, on the wall clock of the parameters' time zone."""
        instant: datetime = self._read(name, MOMENT)
        return instant.astimezone(self.zone)

    def maybe_moment(self, name: str) -> datetime | None:
        return self.moment(name) if self.has(name) else None

    def when(self, name: str = "startsAt") -> str:
        return self.locale.when(self.moment(name))

    def day(self, name: str) -> date:
        value: date = self._read(name, DAY)
        return value

    def money(self) -> str:
        amount = self._read("amount", AMOUNT)
        currency = self._read("currency", CURRENCY)
        try:
            return self.locale.money(amount, currency)
        except InvalidOperation:
            raise self.error("amount", f"is out of range: {self.raw.get('amount')!r}") from None

    def appointments(self, name: str = "appointments") -> list[AgendaEntry]:
        """(local start, client name, status) of each appointment, earliest first."""
        found: list[AgendaEntry] = self._read(name, APPOINTMENTS)
        zone = self.zone
        return [(starts.astimezone(zone), client, status) for starts, client, status in found]

    def manage_links(self, name: str = "appointments") -> list[ManageLink]:
        """(local start, manage link) of each appointment, earliest first."""
        found: list[ManageLink] = self._read(name, MANAGE_LINKS)
        zone = self.zone
        return [(starts.astimezone(zone), url) for starts, url in found]


type Text = Callable[[Params], Message]
"""A template's text in one language: from its parameters to a message."""
