"""The notes use cases on an in-memory store: whose notes a call reaches, what counts against
the rate limit, the pages, and refusals that carry nothing of the note."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from agenda.domain.errors import NotFound, RateLimited, ValidationFailed
from agenda.service import client_notes
from agenda.service.records import ClientNote

pytestmark = pytest.mark.unit

OWNER, OTHER = "user-owner", "user-other"


@dataclass
class MemoryNotes:
    """client id -> its owner's sign-in; the notes, each with its client."""

    owners: dict[UUID, str] = field(default_factory=dict)
    notes: dict[UUID, ClientNote] = field(default_factory=dict)
    clock: datetime = datetime(2026, 12, 1, 12, tzinfo=UTC)
    calls: int = 0

    def _mine(self, user_id: str, client_id: UUID) -> bool:
        self.calls += 1
        return self.owners.get(client_id) == user_id

    def page(
        self, user_id: str, client_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[ClientNote] | None:
        if not self._mine(user_id, client_id):
            return None
        found = sorted(
            (n for n in self.notes.values() if n.client_id == client_id),
            key=lambda n: (n.created_at, n.id),
            reverse=True,
        )
        if after is not None:
            found = [n for n in found if (n.created_at, n.id) < after]
        return found[:limit]

    def add(self, user_id: str, client_id: UUID, text: str) -> ClientNote | None:
        if not self._mine(user_id, client_id):
            return None
        self.clock += timedelta(seconds=1)
        note = ClientNote(uuid4(), client_id, text, self.clock, self.clock)
        self.notes[note.id] = note
        return note

    def change(self, user_id: str, client_id: UUID, note_id: UUID, text: str) -> ClientNote | None:
        note = self.notes.get(note_id)
        if not self._mine(user_id, client_id) or note is None or note.client_id != client_id:
            return None
        self.clock += timedelta(seconds=1)
        changed = ClientNote(note.id, client_id, text, note.created_at, self.clock)
        self.notes[note_id] = changed
        return changed

    def delete(self, user_id: str, client_id: UUID, note_id: UUID) -> bool:
        note = self.notes.get(note_id)
        if not self._mine(user_id, client_id) or note is None or note.client_id != client_id:
            return False
        del self.notes[note_id]
        return True


@dataclass
class MemoryStores:
    client_notes: MemoryNotes


@dataclass
class MemoryUnitOfWork:
    stores: MemoryStores

    def run[T](self, work: Callable[[MemoryStores], T]) -> T:
        return work(self.stores)

    read = run
    run_one = run


@dataclass
class CountingLimiter:
    allowed: int = 1000
    seen: list[str] = field(default_factory=list)

    def check(self, identifier: str) -> None:
        self.seen.append(identifier)
        if len(self.seen) > self.allowed:
            raise RateLimited("Too many attempts, please try again later", retry_after_seconds=5)


def deps(store: MemoryNotes, limiter: CountingLimiter) -> Any:
    return client_notes.ClientNotesDependencies(
        uow=MemoryUnitOfWork(MemoryStores(store)),
        limiter=limiter,
    )


def _world() -> tuple[MemoryNotes, CountingLimiter, UUID, UUID]:
    store, limiter = MemoryNotes(), CountingLimiter()
    mine, theirs = uuid4(), uuid4()
    store.owners.update({mine: OWNER, theirs: OTHER})
    return store, limiter, mine, theirs


def test_the_owner_writes_lists_edits_and_deletes() -> None:
    store, limiter, mine, _ = _world()
    d = deps(store, limiter)
    first = client_notes.add_note(d, str(mine), {"text": " um\n"}, user_id=OWNER)
    second = client_notes.add_note(d, str(mine), {"text": "dois"}, user_id=OWNER)
    assert first["text"] == "um"
    page = client_notes.list_notes(d, str(mine), None, user_id=OWNER)
    assert [item["id"] for item in page["items"]] == [second["id"], first["id"]]
    changed = client_notes.change_note(d, str(mine), first["id"], {"text": "1"}, user_id=OWNER)
    assert (changed["text"], changed["createdAt"]) == ("1", first["createdAt"])
    client_notes.delete_note(d, str(mine), second["id"], user_id=OWNER)
    assert [n.text for n in store.notes.values()] == ["1"]
    assert limiter.seen == [OWNER] * 4  # the writes, not the read


def test_pages_follow_the_cursor() -> None:
    store, limiter, mine, _ = _world()
    d = deps(store, limiter)
    ids = [
        client_notes.add_note(d, str(mine), {"text": f"n{i}"}, user_id=OWNER)["id"]
        for i in range(5)
    ]
    first = client_notes.list_notes(d, str(mine), {"limit": "2"}, user_id=OWNER)
    second = client_notes.list_notes(
        d, str(mine), {"limit": "2", "cursor": first["nextCursor"]}, user_id=OWNER
    )
    third = client_notes.list_notes(
        d, str(mine), {"limit": "2", "cursor": second["nextCursor"]}, user_id=OWNER
    )
    got = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert got == ids[::-1]
    assert third["nextCursor"] is None


@pytest.mark.parametrize(
    ("call", "takes_note"),
    [
        (lambda d, c, n: client_notes.list_notes(d, c, None, user_id=OWNER), False),
        (lambda d, c, n: client_notes.add_note(d, c, {"text": "x"}, user_id=OWNER), False),
        (lambda d, c, n: client_notes.change_note(d, c, n, {"text": "x"}, user_id=OWNER), True),
        (lambda d, c, n: client_notes.delete_note(d, c, n, user_id=OWNER), True),
    ],
)
def test_another_professionals_client_and_a_malformed_id_are_the_same_404(
    call: Callable[[Any, str, str], Any], takes_note: bool
) -> None:
    store, limiter, mine, theirs = _world()
    d = deps(store, limiter)
    their_note = store.add(OTHER, theirs, "alheia")
    assert their_note is not None
    my_note = client_notes.add_note(d, str(mine), {"text": "minha"}, user_id=OWNER)["id"]
    cases = [(str(theirs), str(their_note.id)), (str(uuid4()), my_note), ("not-a-uuid", my_note)]
    if takes_note:
        cases += [(str(mine), str(their_note.id)), (str(mine), "not-a-uuid")]
    for client_id, note_id in cases:
        with pytest.raises(NotFound):
            call(d, client_id, note_id)
    assert {n.text for n in store.notes.values()} == {"alheia", "minha"}


def test_a_refusal_carries_nothing_of_the_note() -> None:
    store, limiter, mine, _ = _world()
    d = deps(store, limiter)
    secret = "SEGREDO-" * 1300
    with pytest.raises(ValidationFailed) as refused:
        client_notes.add_note(d, str(mine), {"text": secret + "\x07"}, user_id=OWNER)
    error = refused.value
    assert error.__cause__ is None
    assert error.__suppress_context__
    printed = "".join(traceback.format_exception(error))
    assert "SEGREDO" not in printed
    assert set(error.fields) == {"text"}
    assert store.notes == {}


def test_writes_stop_at_the_limit_before_anything_is_read() -> None:
    store, _, mine, _ = _world()
    limiter = CountingLimiter(allowed=1)
    d = deps(store, limiter)
    client_notes.add_note(d, str(mine), {"text": "um"}, user_id=OWNER)
    calls = store.calls
    with pytest.raises(RateLimited):
        client_notes.add_note(d, str(mine), {"text": "dois"}, user_id=OWNER)
    assert store.calls == calls
    assert len(store.notes) == 1
    client_notes.list_notes(d, str(mine), None, user_id=OWNER)  # reads are not limited
