"""Locales: how each language writes days, times and money, and how people are greeted by
name. Pure functions over plain values.

Only pt-BR exists. A new language adds its `Locale` to LOCALES here and its texts as a module
of its own (agenda.domain.messages.pt_br is the model), named in agenda.domain.messages.rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

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


@dataclass(frozen=True, slots=True)
class CurrencyStyle:
    symbol: str
    decimal: str
    thousands: str
    places: int = 2


@dataclass(frozen=True, slots=True)
class Locale:
    """How one language writes days, times and money. Only pt-BR exists; a new locale adds an
    entry to LOCALES and its own texts module (see agenda.domain.messages.rendering)."""

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
