"""From an envelope to the words on a channel: the template's model is checked, the text of
the envelope's locale writes the message, the channel draws it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agenda.domain.messages.catalogue import check, template_for
from agenda.domain.messages.formatting import locale_for
from agenda.domain.messages.languages import language
from agenda.domain.messages.markup import Rendered, draw
from agenda.domain.messages.params import Params


def render(
    template: str, channel: str, params: Mapping[str, Any], *, audience: str | None = None
) -> Rendered:
    """The subject and text of one message for one channel; for email an HTML body as well.

    `audience` is the envelope's: it must match the template's, and it tells a "rescheduled"
    message who reads it. Raises MessageError for an unknown template or channel and for a
    parameter that is missing or malformed, naming it. The envelope's `locale` parameter
    chooses the language; an envelope without one (queued before languages existed) is
    Brazilian Portuguese, as it was written to be.
    """
    spec = template_for(template, channel, audience)
    check(spec, params, audience)
    locale = locale_for(params.get("locale"))
    message = language(locale.tag).TEXTS[template](Params(spec, params, locale, audience))
    return draw(message, channel, locale)
