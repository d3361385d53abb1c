"""The one way from a language tag to the words written in it: `language(tag)` gives the texts
of every template, the professional's in-app notices and the calendar file's title, in the
language the product writes for that tag (Brazilian Portuguese for anything it does not know).

A language's module is imported the first time a text of it is needed, so a function that never
writes a message (the booking read path) loads none, and one that writes only Portuguese never
loads the English texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from importlib import import_module
from types import MappingProxyType
from typing import Protocol, cast

from agenda.domain.messages.formatting import locale_tag
from agenda.domain.messages.markup import Rendered
from agenda.domain.messages.params import Text

# Each locale of formatting.LOCALES and the module of its texts.
MODULES: Mapping[str, str] = MappingProxyType(
    {"pt-BR": "agenda.domain.messages.pt_br", "en": "agenda.domain.messages.en"}
)


class Language(Protocol):
    """What every language module provides (agenda.domain.messages.pt_br is the model)."""

    TEXTS: Mapping[str, Text]

    def in_app_booking_request(
        self, client_name: str, starts_at: datetime, timezone: str
    ) -> Rendered: ...

    def in_app_cancelled_by_client(
        self, client_name: str, starts_at: datetime, timezone: str, *, refunded: bool
    ) -> Rendered: ...

    def in_app_rescheduled_by_client(
        self, client_name: str, previous: datetime, starts_at: datetime, timezone: str
    ) -> Rendered: ...

    def in_app_booking_paid(
        self, client_name: str, starts_at: datetime, timezone: str, *, confirmed: bool
    ) -> Rendered: ...

    def in_app_payment_refunded(
        self, client_name: str, amount: str, starts_at: datetime, timezone: str
    ) -> Rendered: ...

    def in_app_plan_limit(self, limit: str) -> Rendered: ...

    def in_app_review(
        self, client_name: str, rating: int, starts_at: datetime, timezone: str
    ) -> Rendered: ...

    def in_app_message(self, author: str, preview: str) -> Rendered: ...

    def calendar_summary(self, professional_name: str) -> str: ...


def language(tag: object) -> Language:
    """The words of the language the product writes for `tag` ("en", "en-US", "pt-BR", ...)."""
    return cast("Language", import_module(MODULES[locale_tag(tag)]))
