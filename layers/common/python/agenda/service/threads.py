"""Messages between a professional and one of their clients (docs/client-relationship.md,
"Messages"): a thread's page, and a new message.

Four routes run this code: ``/api/messages`` with a JWT (the professional who owns the clients
row, or the signed-in client whose account claimed it) and its guest twin
``/api/guest/appointments/{id}/messages``, whose token is verified before anything touches the
database, exactly as the other guest routes do (agenda.service.guest.authorize). A thread that
is not the reader's is a 404 like one that does not exist.

Opening a thread marks the other side's unread messages read, in the transaction of the read,
and answers how many there were. A new message is one transaction: the message, the other
side's in-app notice and the WhatsApp and email messages to them in the outbox, keyed by the
message's id, so each reaches them once. Writes count against the ``messages`` rate limit per
sender: the JWT's subject, or ``guest:<client id>``.

The read path imports neither pydantic nor the message catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from agenda.domain.errors import NotFound
from agenda.domain.threads import NO_THREAD, other_side, parse_thread_query, sender_of
from agenda.observability import count, logger
from agenda.pagination import encode_cursor

if TYPE_CHECKING:
    from agenda.service.links import GuestLinks
    from agenda.service.ports import Clock, RateLimiter, ThreadStores, UnitOfWork
    from agenda.service.records import ThreadMessage, ThreadRecord


@dataclass(frozen=True, slots=True)
class ThreadDependencies:
    uow: UnitOfWork[ThreadStores]
    links: GuestLinks
    clock: Clock
    limiter: RateLimiter


# --- reading ---------------------------------------------------------------------------------


def read_thread(
    deps: ThreadDependencies, params: Mapping[str, str] | None, *, user_id: str
) -> dict[str, Any]:
    """GET /api/messages?clientId=C[&cursor=&limit=]"""
    query = parse_thread_query(params, guest=False)
    client_id = query.client_id
    assert client_id is not None  # parse_thread_query refuses a JWT read without one
    return _read(
        deps,
        lambda stores: stores.messages.thread_for_user(client_id, user_id),
        query.limit,
        query.after,
    )


def read_guest_thread(
    deps: ThreadDependencies, appointment_id: str, params: Mapping[str, str] | None
) -> dict[str, Any]:
    """GET /api/guest/appointments/{id}/messages?token=T[&cursor=&limit=]"""
    target = _authorize(deps, appointment_id, (params or {}).get("token"))
    query = parse_thread_query(params, guest=True)
    return _read(
        deps,
        lambda stores: stores.messages.thread_for_appointment(target),
        query.limit,
        query.after,
    )


def _read(
    deps: ThreadDependencies,
    find: Callable[[ThreadStores], ThreadRecord | None],
    limit: int,
    after: tuple[datetime, UUID] | None,
) -> dict[str, Any]:
    def work(stores: ThreadStores) -> tuple[ThreadRecord, int, list[ThreadMessage]]:
        thread = find(stores)
        if thread is None:
            raise NotFound(NO_THREAD)
        marked = stores.messages.mark_read(thread.client_id, other_side(thread.reader))
        found = stores.messages.page(thread.client_id, after=after, limit=limit + 1)
        return thread, marked, found

    thread, unread, found = deps.uow.run(work)
    page, more = found[:limit], len(found) > limit
    return {
        "clientId": str(thread.client_id),
        "professional": {"name": thread.professional.name, "slug": thread.professional_slug},
        "client": {"name": thread.client.name},
        # Read newest first, answered newest last: a chat shows the latest at the bottom.
        "items": [message_document(message) for message in reversed(page)],
        "nextCursor": encode_cursor(page[-1].created_at, page[-1].id) if more else None,
        "unreadCount": unread,
    }


def message_document(message: ThreadMessage) -> dict[str, Any]:
    return {
        "id": str(message.id),
        "sender": message.sender,
        "text": message.text,
        "createdAt": message.created_at.isoformat(),
        "readAt": message.read_at.isoformat() if message.read_at else None,
    }


# --- writing ---------------------------------------------------------------------------------


def send(deps: ThreadDependencies, body: dict[str, Any], *, user_id: str) -> dict[str, Any]:
    """POST /api/messages {"clientId", "text"}"""
    from agenda.contract import MessageIn, validate

    request = validate(MessageIn, body)
    thread = deps.uow.read(
        lambda stores: stores.messages.thread_for_user(request.client_id, user_id)
    )
    if thread is None:
        raise NotFound(NO_THREAD)
    deps.limiter.check(user_id)
    return _write(deps, thread, request.text, guest=False)


def send_as_guest(
    deps: ThreadDependencies, appointment_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST /api/guest/appointments/{id}/messages {"token", "text"}"""
    from agenda.contract import GuestMessageIn, validate

    target = _authorize(deps, appointment_id, body.get("token"))
    request = validate(GuestMessageIn, body)
    thread = deps.uow.read(lambda stores: stores.messages.thread_for_appointment(target))
    if thread is None:
        raise NotFound(NO_THREAD)
    deps.limiter.check(f"guest:{thread.client_id}")
    return _write(deps, thread, request.text, guest=True)


def _write(
    deps: ThreadDependencies, thread: ThreadRecord, text: str, *, guest: bool
) -> dict[str, Any]:
    from agenda.domain.threads import Outgoing, notice_words, outgoing_envelopes
    from agenda.service.records import NewThreadMessage

    sender = sender_of(thread.reader)
    professional, client = thread.professional, thread.client
    message_id = uuid4()
    title, notice_body = notice_words(
        sender,
        professional_name=professional.name,
        client_name=client.name,
        text=text,
        locale=thread.locale,
    )
    reply_url = None
    if sender == "professional" and thread.reply_to is not None:
        appointment_id, ends_at = thread.reply_to
        # A link that has expired already would only say so: left out.
        if ends_at > deps.links.valid_for_ended_after(deps.clock()):
            reply_url = deps.links.manage_url(appointment_id, ends_at) + "#messages"
    dashboard_url = (
        deps.links.dashboard_url(f"/clients/{thread.client_id}#messages")
        if sender == "client"
        else None
    )
    to = client if sender == "professional" else professional
    envelopes = outgoing_envelopes(
        Outgoing(
            message_id=message_id,
            sender=sender,
            professional_name=professional.name,
            client_name=client.name,
            text=text,
            locale=thread.locale,
            reply_url=reply_url,
            dashboard_url=dashboard_url,
        ),
        phone=to.phone,
        email=to.email,
    )

    def work(stores: ThreadStores) -> ThreadMessage:
        written = stores.messages.write(
            NewThreadMessage(
                id=message_id,
                client_id=thread.client_id,
                professional_id=thread.professional_id,
                sender=sender,
                text=text,
                notice_title=title,
                notice_body=notice_body,
            )
        )
        if written is None:
            raise NotFound(NO_THREAD)
        stores.outbox.add([(thread.professional_id, envelope) for envelope in envelopes])
        return written

    written = deps.uow.run(work)
    count("MessageSent", sender=sender, via="guest" if guest else "app")
    logger.info(
        "message sent",
        extra={
            "message_id": str(written.id),
            "professional_id": str(thread.professional_id),
            "client_id": str(thread.client_id),
            "sender": sender,
            "channels": len(envelopes),
        },
    )
    return message_document(written)


def _authorize(deps: ThreadDependencies, appointment_id: str, token: object) -> UUID:
    """The appointment a valid token for this very appointment names, or Unauthorized: the
    check of every guest route, made without the database."""
    return deps.links.appointment_of(token, appointment_id, now=deps.clock())
