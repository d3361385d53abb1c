"""The messages use cases (agenda.service.threads) on an in-memory thread store: a guest link is
checked before any store is asked, the rate limit before anything is written, each side writes
as itself and tells the other, and the client's message carries a working way back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from agenda.domain.errors import NotFound, RateLimited, Unauthorized, ValidationFailed
from agenda.domain.parties import Party
from agenda.domain.threads import Side
from agenda.service.records import NewThreadMessage, ThreadMessage, ThreadRecord
from agenda.service.threads import (
    ThreadDependencies,
    read_guest_thread,
    read_thread,
    send,
    send_as_guest,
)
from tests.fakes import AllowAll, RefuseAll, guest_links

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
PRO_USER, CLIENT_USER = "user-dr-ana", "client-maria"


@dataclass
class MemoryThreads:
    """One professional, one client row, one appointment; every call recorded."""

    client_id: UUID = field(default_factory=uuid4)
    professional_id: UUID = field(default_factory=uuid4)
    appointment_id: UUID = field(default_factory=uuid4)
    appointment_ends_at: datetime | None = NOW + timedelta(days=3)
    anonymised: bool = False
    messages: list[ThreadMessage] = field(default_factory=list)
    written: list[NewThreadMessage] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def _record(self, reader: Side) -> ThreadRecord:
        reply_to = (
            None
            if self.appointment_ends_at is None
            else (self.appointment_id, self.appointment_ends_at)
        )
        return ThreadRecord(
            client_id=self.client_id,
            professional_id=self.professional_id,
            professional=Party("Dra. Ana", "+5511987654321", "ana@example.com"),
            professional_slug="dr-ana",
            locale="pt-BR",
            client=Party("Maria Silva", "+5521998765432", None),
            reader=reader,
            reply_to=reply_to,
        )

    def thread_for_user(self, client_id: UUID, user_id: str) -> ThreadRecord | None:
        self.calls.append("thread_for_user")
        if client_id != self.client_id or self.anonymised:
            return None
        return {PRO_USER: self._record("professional"), CLIENT_USER: self._record("client")}.get(
            user_id
        )

    def thread_for_appointment(self, appointment_id: UUID) -> ThreadRecord | None:
        self.calls.append("thread_for_appointment")
        ok = appointment_id == self.appointment_id and not self.anonymised
        return self._record("client") if ok else None

    def mark_read(self, client_id: UUID, sender: Side) -> int:
        self.calls.append(f"mark_read:{sender}")
        unread = [m for m in self.messages if m.sender == sender and m.read_at is None]
        self.messages = [
            ThreadMessage(m.id, m.sender, m.text, m.created_at, NOW) if m in unread else m
            for m in self.messages
        ]
        return len(unread)

    def page(
        self, client_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[ThreadMessage]:
        self.calls.append("page")
        newest = sorted(self.messages, key=lambda m: (m.created_at, m.id), reverse=True)
        if after is not None:
            newest = [m for m in newest if (m.created_at, m.id) < after]
        return newest[:limit]

    def write(self, message: NewThreadMessage) -> ThreadMessage | None:
        self.calls.append("write")
        self.written.append(message)
        stored = ThreadMessage(message.id, message.sender, message.text, NOW, None)
        self.messages.append(stored)
        return stored


class MemoryUnitOfWork:
    def __init__(self, threads: MemoryThreads) -> None:
        self.threads = threads

    @property
    def messages(self) -> MemoryThreads:
        return self.threads

    @property
    def outbox(self) -> MemoryUnitOfWork:
        return self

    def add(self, items: list[tuple[UUID | None, dict[str, Any]]]) -> list[str]:
        self.threads.outbox += [envelope for _, envelope in items]
        return [envelope["messageKey"] for _, envelope in items]

    def run[T](self, work: Callable[[Any], T]) -> T:
        return work(self)

    read = run
    run_one = run


def deps(threads: MemoryThreads, limiter: Any = None) -> ThreadDependencies:
    return ThreadDependencies(
        uow=MemoryUnitOfWork(threads),
        links=guest_links(),
        clock=lambda: NOW,
        limiter=limiter or AllowAll(),
    )


def token_for(appointment_id: UUID) -> str:
    return guest_links().token(appointment_id, NOW + timedelta(days=3))


def test_a_guest_link_is_checked_before_any_store_is_asked() -> None:
    threads = MemoryThreads()
    other = token_for(uuid4())
    with pytest.raises(Unauthorized):
        read_guest_thread(deps(threads), str(threads.appointment_id), {"token": other})
    with pytest.raises(Unauthorized):
        send_as_guest(
            deps(threads), str(threads.appointment_id), {"token": "forged.x", "text": "oi"}
        )
    with pytest.raises(Unauthorized):
        send_as_guest(deps(threads), str(threads.appointment_id), {"text": "oi"})
    assert threads.calls == []


def test_the_rate_limit_refuses_before_anything_is_written() -> None:
    threads, limiter = MemoryThreads(), RefuseAll()
    body = {"clientId": str(threads.client_id), "text": "oi"}
    with pytest.raises(RateLimited):
        send(deps(threads, limiter), body, user_id=PRO_USER)
    assert limiter.checked == [PRO_USER]
    token = token_for(threads.appointment_id)
    with pytest.raises(RateLimited):
        send_as_guest(
            deps(threads, limiter), str(threads.appointment_id), {"token": token, "text": "oi"}
        )
    # A guest is counted by the client row, whatever appointment's link they hold.
    assert limiter.checked == [PRO_USER, f"guest:{threads.client_id}"]
    assert threads.written == []
    assert threads.outbox == []


def test_someone_elses_thread_is_not_found_and_costs_no_limit() -> None:
    threads, limiter = MemoryThreads(), AllowAll()
    body = {"clientId": str(threads.client_id), "text": "oi"}
    with pytest.raises(NotFound):
        send(deps(threads, limiter), body, user_id="user-someone-else")
    with pytest.raises(NotFound):
        read_thread(deps(threads), {"clientId": str(threads.client_id)}, user_id="nobody")
    assert limiter.checked == []
    assert threads.written == []


def test_bad_input_is_refused_before_the_store_is_asked() -> None:
    threads = MemoryThreads()
    with pytest.raises(ValidationFailed):
        send(deps(threads), {"clientId": str(threads.client_id), "text": ""}, user_id=PRO_USER)
    assert threads.calls == []


def test_the_professional_writes_to_the_client_with_a_way_back() -> None:
    threads = MemoryThreads()
    answer = send(
        deps(threads),
        {"clientId": str(threads.client_id), "text": " Oi!\nTudo bem? "},
        user_id=PRO_USER,
    )
    assert (answer["sender"], answer["text"]) == ("professional", "Oi!\nTudo bem?")
    [written] = threads.written
    assert written.notice_title == "Nova mensagem de Dra. Ana"
    assert written.notice_body == "Oi! Tudo bem?"
    # The client has a phone only: one message, by WhatsApp, keyed by the message.
    [envelope] = threads.outbox
    assert envelope["messageKey"] == f"{written.id}:0:message_to_client:whatsapp:client"
    reply = envelope["params"]["replyUrl"]
    assert reply.endswith("#messages")
    assert f"/manage/{threads.appointment_id}?token=" in reply


def test_no_way_back_once_the_link_has_expired() -> None:
    threads = MemoryThreads(appointment_ends_at=NOW - timedelta(days=60))
    send(deps(threads), {"clientId": str(threads.client_id), "text": "Oi"}, user_id=PRO_USER)
    assert "replyUrl" not in threads.outbox[0]["params"]


def test_the_client_writes_to_the_professional_on_every_channel() -> None:
    threads = MemoryThreads()
    send(deps(threads), {"clientId": str(threads.client_id), "text": "Oi"}, user_id=CLIENT_USER)
    assert [(e["template"], e["channel"]) for e in threads.outbox] == [
        ("message_to_professional", "whatsapp"),
        ("message_to_professional", "email"),
    ]
    assert threads.written[0].notice_title == "Nova mensagem de Maria Silva"


def test_opening_marks_the_other_side_and_answers_newest_last() -> None:
    threads = MemoryThreads()
    for n in range(3):
        threads.messages.append(
            ThreadMessage(uuid4(), "client", f"m{n}", NOW + timedelta(minutes=n), None)
        )
    thread = read_thread(
        deps(threads), {"clientId": str(threads.client_id), "limit": "2"}, user_id=PRO_USER
    )
    assert [item["text"] for item in thread["items"]] == ["m1", "m2"]
    assert thread["unreadCount"] == 3
    assert thread["nextCursor"] is not None
    assert "mark_read:client" in threads.calls
    older = read_thread(
        deps(threads),
        {"clientId": str(threads.client_id), "limit": "2", "cursor": thread["nextCursor"]},
        user_id=PRO_USER,
    )
    assert [item["text"] for item in older["items"]] == ["m0"]
    assert (older["nextCursor"], older["unreadCount"]) == (None, 0)
