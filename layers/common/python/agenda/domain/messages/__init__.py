"""Outgoing messages: which ones the product sends, and their text (Brazilian Portuguese and
English, by the professional's language).

Pure functions over plain values. A message travels as a small JSON envelope naming its
template and parameters; the consumer renders it, so the text can be fixed without touching
anything already queued.

- `catalogue`: the templates (who each message is for, its channels) and the parameter model
  of each, checked when an envelope is made and again when it is rendered;
- `formatting`: locales, and how dates, times, money and names are written;
- `envelopes`: message keys and the envelope builders, through which every envelope is made;
- `markup`: the rich text the texts are written in, and how each channel draws it;
- `params`: the typed reads of a message's parameters, for the texts;
- `pt_br`, `en`: the texts in Brazilian Portuguese and in English (a language is a module
  like them);
- `languages`: `language(tag)`, the one way from a locale tag to the texts written in it;
- `rendering`: `render`, from an envelope to the words on a channel.
"""

from agenda.domain.messages.catalogue import (
    CHANNELS,
    TEMPLATES,
    Audience,
    Channel,
    MessageError,
    ParamModel,
    Template,
)
from agenda.domain.messages.envelopes import (
    booking_messages,
    envelope,
    message_key,
    to_both_channels,
)
from agenda.domain.messages.formatting import (
    DEFAULT_LOCALE,
    EN,
    LOCALES,
    PT_BR,
    CurrencyStyle,
    Locale,
    first_name,
    locale_for,
    locale_tag,
    when_in,
    when_pt,
)
from agenda.domain.messages.languages import Language, language
from agenda.domain.messages.markup import Rendered
from agenda.domain.messages.rendering import render
from agenda.domain.parties import Party

__all__ = [
    "CHANNELS",
    "DEFAULT_LOCALE",
    "EN",
    "LOCALES",
    "PT_BR",
    "TEMPLATES",
    "Audience",
    "Channel",
    "CurrencyStyle",
    "Language",
    "Locale",
    "MessageError",
    "ParamModel",
    "Party",
    "Rendered",
    "Template",
    "booking_messages",
    "envelope",
    "first_name",
    "language",
    "locale_for",
    "locale_tag",
    "message_key",
    "render",
    "to_both_channels",
    "when_in",
    "when_pt",
]
