"""From an envelope to the words on a channel: the template's model is checked, the text of
the envelope's locale writes the message, the channel draws it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from agenda.domain.messages.catalogue import check, template_for
from agenda.domain.messages.formatting import locale_for
from agenda.domain.messages.markup import Rendered, draw
from agenda.domain.messages.params import Params, Text
from agenda.domain.messages.pt_br import TEXTS as PT_BR

# The texts of each locale (a tag of formatting.LOCALES). A language is one more entry here,
# with a function for every template of the catalogue.
TEXTS: Mapping[str, Mapping[str, Text]] = MappingProxyType({"pt-BR": PT_BR})


def render(
    template: str, channel: str, params: Mapping[str, Any], *, audience: str | None = None
) -> Rendered:
    """The subject and text of one message for one channel; for email an HTML body as well.

    `audience` is the envelope's: it must match the template's, and it tells a "rescheduled"
    message who reads it. Raises MessageError for an unknown template or channel and for a
    parameter that is missing or malformed, naming it.
    """
    spec = template_for(template, channel, audience)
    check(spec, params, audience)
    locale = locale_for(params.get("locale"))
    message = TEXTS[locale.tag][template](Params(spec, params, locale, audience))
    return draw(message, channel, locale)
