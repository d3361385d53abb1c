"""Outgoing messages: which ones the product sends, and their text (Brazilian Portuguese).

Pure functions over plain values. A message travels as a small JSON envelope naming its
template and parameters; the consumer renders it, so the text can be fixed without touching
anything already queued.

- `catalogue`: the templates (who each message is for, its channels) and the parameter model
  of each, checked when an envelope is made and again when it is rendered;
- `formatting`: locales, and how dates, times, money and names are written;
- `envelopes`: message keys and the envelope builders, through which every envelope is made;
- `markup`: the rich text the texts are written in, and how each channel draws it;
- `params`: the typed reads of a message's parameters, for the texts;
- `pt_br`: the texts in Brazilian Portuguese (a language is a module like it);
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
    LOCALES,
    PT_BR,
    CurrencyStyle,
    Locale,
    first_name,
    locale_for,
    when_pt,
)
from agenda.domain.messages.markup import Rendered
from agenda.domain.messages.rendering import render
from agenda.domain.parties import Party

__all__ = [
    "CHANNELS",
    "DEFAULT_LOCALE",
    "LOCALES",
    "PT_BR",
    "TEMPLATES",
    "Audience",
    "Channel",
    "CurrencyStyle",
    "Locale",
    "MessageError",
    "ParamModel",
    "Party",
    "Rendered",
    "Template",
    "booking_messages",
    "envelope",
    "first_name",
    "locale_for",
    "message_key",
    "render",
    "to_both_channels",
    "when_pt",
]
