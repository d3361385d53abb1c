"""A thread of messages between a professional and one of their clients (one clients row).

Pure. Who may read or write a thread is decided by the stores' lookups (the professional who
owns the row, the signed-in client who claimed it, the holder of a guest link of one of its
appointments); this module holds what follows from that:

- the sender a reader writes as, and the other side, whose unread messages a read marks;
- the text's rule: 1-2,000 characters once trimmed, lines kept, no control characters but the
  line breaks and tabs a person types; it is stored and answered as written, and shown
  everywhere as text (an email escapes it, WhatsApp gets it as a plain line);
- the query of a thread's page (``clientId``, ``cursor``, ``limit``), parsed without pydantic,
  since a read path must not load it;
- the messages a new one causes: the in-app notice for the other side in the professional's
  language, and the WhatsApp and email envelopes (one key per message, channel and audience,
  so the consumer sends each once).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from agenda.domain.errors import NotFound, ValidationFailed
from agenda.pagination import page_of

type Side = Literal["professional", "client"]

SIDES: tuple[Side, ...] = ("professional", "client")
MAX_TEXT_LENGTH = 2000
DEFAULT_PAGE = 50
# The notice shows the start of the message; the thread has the rest.
NOTICE_PREVIEW = 140
NO_THREAD = "We could not find this conversation"

# Line breaks and tabs are typed; the other control characters are refused (the same set as
# agenda.contract.TEXT_PATTERN's).
_REFUSED = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")


def other_side(sender: Side) -> Side:
    return "client" if sender == "professional" else "professional"


def sender_of(role: str) -> Side:
    """The side a reader of the thread writes as: the professional role wins for a person who
    is both (a professional who is their own client)."""
    return "professional" if role == "professional" else "client"


def clean_text(value: object) -> str:
    """The message as stored: trimmed, its lines kept; ValueError saying why when refused."""
    if not isinstance(value, str):
        raise ValueError("must be text")
    text = value.strip()
    if not text:
        raise ValueError("must not be blank")
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"must be at most {MAX_TEXT_LENGTH} characters")
    if _REFUSED.search(text):
        raise ValueError("must not contain control characters")
    return text


@dataclass(frozen=True, slots=True)
class ThreadQuery:
    client_id: UUID | None  # None on the guest route: the token names the thread
    limit: int
    after: tuple[datetime, UUID] | None


def parse_thread_query(params: Mapping[str, str] | None, *, guest: bool) -> ThreadQuery:
    """The query of a thread's page. A missing ``clientId`` is a 400; one that is no UUID is
    the 404 of a thread that is not the reader's (an id that cannot exist says nothing)."""
    params = params or {}
    fields: dict[str, str] = {}
    client_id: UUID | None = None
    raw_client = params.get("clientId")
    if not guest:
        if not raw_client:
            fields["clientId"] = "is required"
        else:
            try:
                client_id = UUID(raw_client)
            except ValueError:
                client_id = None
    limit, after = page_of(params, fields, default=DEFAULT_PAGE)
    if fields:
        raise ValidationFailed("The query is invalid", fields=fields)
    if not guest and client_id is None:
        raise NotFound(NO_THREAD)
    return ThreadQuery(client_id, limit, after)


def preview(text: str) -> str:
    """The start of a message on one line, for a notice."""
    line = " ".join(text.split())
    return line if len(line) <= NOTICE_PREVIEW else line[: NOTICE_PREVIEW - 1].rstrip() + "…"


def notice_words(
    sender: Side, *, professional_name: str, client_name: str, text: str, locale: str
) -> tuple[str, str]:
    """(title, body) of the other side's in-app notice, in the professional's language."""
    # The texts load with the first message written, never on a thread's read.
    from agenda.domain.messages.languages import language

    words = language(locale)
    author = professional_name if sender == "professional" else client_name
    rendered = words.in_app_message(author, preview(text))
    return rendered.subject, rendered.text


@dataclass(frozen=True, slots=True)
class Outgoing:
    """What a new message sends the other side by WhatsApp and email."""

    message_id: UUID
    sender: Side
    professional_name: str
    client_name: str
    text: str
    locale: str
    reply_url: str | None = None  # the client's manage link: their way back to the thread
    dashboard_url: str | None = None  # the professional's: the thread on their dashboard


def outgoing_envelopes(
    message: Outgoing, *, phone: str | None, email: str | None
) -> list[dict[str, Any]]:
    """The envelopes of one message to the other side's channels (none for a side without
    any). Keyed by the message's id: the outbox queues each once, the consumer sends it once."""
    # The catalogue loads with the first message written, never on a thread's read.
    from agenda.domain.messages import Party, to_both_channels

    params: dict[str, Any] = {
        "professionalName": message.professional_name,
        "clientName": message.client_name,
        "text": message.text,
        "locale": message.locale,
    }
    if message.sender == "professional":
        template, audience = "message_to_client", "client"
        if message.reply_url:
            params["replyUrl"] = message.reply_url
        name = message.client_name
    else:
        template, audience = "message_to_professional", "professional"
        if message.dashboard_url:
            params["dashboardUrl"] = message.dashboard_url
        name = message.professional_name
    return to_both_channels(
        Party(name, phone, email),
        audience=audience,
        template=template,
        subject_id=message.message_id,
        version=0,
        params=params,
    )
