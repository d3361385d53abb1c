"""Locales: how each language writes days, times and money, and how people are greeted by
name. Pure functions over plain values.

Two languages: Brazilian Portuguese (the default) and English (as written in the United States:
"Monday, December 7 at 3:00 PM", "$60.00"). A language adds its `Locale` to LOCALES here and
its texts as a module of its own (agenda.domain.messages.pt_br and .en), named in
agenda.domain.messages.rendering.

Month and weekday names are spelled here rather than by strftime's %A and %B, which follow the
process's C locale and would write English into a Portuguese message on a machine set up so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from zoneinfo import ZoneInfo

from agenda.domain.language import DEFAULT, language_of

DEFAULT_LOCALE = DEFAULT

WEEKDAYS_EN = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

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
    """How one language writes days, times and money."""

    tag: str
    weekdays: tuple[str, ...]  # Monday first, as date.weekday() counts
    # str.format patterns over day, month (a number), month_name and year
    day_month: str
    full_date: str
    twelve_hour: bool  # "3:00 PM" rather than "15:00"
    at: str  # joins a day and a time
    currencies: Mapping[str, CurrencyStyle]
    other_currency: CurrencyStyle  # separators for a currency not listed; its code is the symbol
    months: tuple[str, ...] = ()
    # Between a currency symbol and the number: "R$ 180,00" in Portuguese, "$180.00" in
    # English, where only a code ("CHF 180.00") keeps its space.
    symbol_gap: str = " "

    def _date(self, pattern: str, day: date) -> str:
        name = self.months[day.month - 1] if self.months else ""
        return pattern.format(day=day.day, month=day.month, month_name=name, year=day.year)

    def time(self, moment: datetime) -> str:
        if self.twelve_hour:
            hour = moment.hour % 12 or 12
            return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
        return f"{moment.hour:02d}:{moment.minute:02d}"

    def date_of_month(self, day: date) -> str:
        """The day of the month without the weekday: "23/11", "November 23"."""
        return self._date(self.day_month, day)

    def day(self, day: date) -> str:
        """The weekday and the day of the month: "segunda-feira, 23/11", "Monday, November 23"."""
        return f"{self.weekdays[day.weekday()]}, {self.date_of_month(day)}"

    def when(self, moment: datetime) -> str:
        """A local moment within the next weeks: "segunda-feira, 23/11 às 09:00"."""
        return f"{self.day(moment)} {self.at} {self.time(moment)}"

    def short_when(self, moment: datetime) -> str:
        return f"{self.date_of_month(moment)} {self.at} {self.time(moment)}"

    def dated_when(self, moment: datetime) -> str:
        """A local moment where the year matters (receipts): "23/11/2026 às 09:00"."""
        return f"{self._date(self.full_date, moment)} {self.at} {self.time(moment)}"

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
        gap = " " if style.symbol[-1:].isalpha() else self.symbol_gap
        return f"{sign}{style.symbol}{gap}{number}"


def zone_name(moment: datetime) -> str:
    """The zone a local moment is written in, for a reader who may live in another one: its
    abbreviation where the zone database has a word for it ("EST", "GMT"), else its offset
    from UTC ("UTC-3" for São Paulo, whose abbreviation is only "-03")."""
    abbreviation = moment.tzname() or ""
    if abbreviation.isalpha():
        return abbreviation
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if not minutes:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


# What Brazilians call their four zones ("09:00 (horário de Brasília)"); a zone elsewhere is
# written as zone_name writes it.
_ZONES_PT = {
    zone: label
    for label, zones in {
        "horário de Brasília": (
            "America/Sao_Paulo", "America/Bahia", "America/Fortaleza", "America/Recife",
            "America/Maceio", "America/Belem", "America/Araguaina", "America/Santarem",
        ),
        "horário do Amazonas": (
            "America/Manaus", "America/Cuiaba", "America/Campo_Grande", "America/Porto_Velho",
            "America/Boa_Vista",
        ),
        "horário do Acre": ("America/Rio_Branco", "America/Eirunepe"),
        "horário de Fernando de Noronha": ("America/Noronha",),
    }.items()
    for zone in zones
}  # fmt: skip


def zone_name_pt(moment: datetime) -> str:
    """The zone of a local moment as a reader in Brazil names it, for one who may live in
    another zone than the professional (Manaus and São Paulo are an hour apart)."""
    return _ZONES_PT.get(str(getattr(moment.tzinfo, "key", "")), zone_name(moment))


PT_BR = Locale(
    tag="pt-BR",
    weekdays=WEEKDAYS_PT,
    day_month="{day:02d}/{month:02d}",
    full_date="{day:02d}/{month:02d}/{year}",
    twelve_hour=False,
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

EN = Locale(
    tag="en",
    weekdays=WEEKDAYS_EN,
    months=MONTHS_EN,
    day_month="{month_name} {day}",
    full_date="{month_name} {day}, {year}",
    twelve_hour=True,
    at="at",
    # As an American reader writes them: the real beside the dollar keeps its own sign.
    currencies=MappingProxyType(
        {
            "USD": CurrencyStyle("$", ".", ","),
            "BRL": CurrencyStyle("R$", ".", ","),
            "EUR": CurrencyStyle("€", ".", ","),
            "GBP": CurrencyStyle("£", ".", ","),
            "CAD": CurrencyStyle("CA$", ".", ","),
        }
    ),
    other_currency=CurrencyStyle("", ".", ","),
    symbol_gap="",
)

LOCALES: Mapping[str, Locale] = MappingProxyType({PT_BR.tag: PT_BR, EN.tag: EN})


def locale_tag(tag: object) -> str:
    """The language the product writes for a tag: "en", "en-US" and "en_GB" are English,
    "pt-BR" and "pt" Brazilian Portuguese, and anything else (or nothing) the default."""
    return language_of(tag)


def locale_for(tag: object) -> Locale:
    """The locale for a tag such as "pt-BR", "pt_br" or "en-US"; anything unknown gets pt-BR."""
    return LOCALES[locale_tag(tag)]


def when_pt(starts_at: datetime, timezone: str) -> str:
    return PT_BR.when(starts_at.astimezone(ZoneInfo(timezone)))


def when_in(locale: object, starts_at: datetime, timezone: str) -> str:
    """A moment on the wall clock of `timezone`, as the language of `locale` writes it."""
    return locale_for(locale).when(starts_at.astimezone(ZoneInfo(timezone)))


_HONORIFICS = frozenset({"dr", "dra", "prof", "profa", "sr", "sra"})


def first_name(name: str) -> str:
    """The name to greet someone by: "Dra. Marina Lopes" is greeted as Marina."""
    words = name.split()
    while len(words) > 1 and words[0].lower().rstrip(".") in _HONORIFICS:
        words = words[1:]
    return words[0] if words else name
