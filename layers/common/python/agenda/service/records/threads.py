"""Records of a thread of messages between a professional and one client (agenda.domain.threads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from agenda.domain.parties import Party
from agenda.domain.threads import Side


@dataclass(frozen=True, slots=True)
class ThreadRecord:
    """A thread as its reader reaches it: the clients row, both sides' names and channels, and
    the side the reader writes as. ``reply_to``: the client's latest appointment (its id and its
    end), whose manage link takes the client back to the thread; None when they have none."""

    client_id: UUID
    professional_id: UUID
    professional: Party
    professional_slug: str
    locale: str
    client: Party
    reader: Side
    reply_to: tuple[UUID, datetime] | None


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    id: UUID
    sender: Side
    text: str
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewThreadMessage:
    """A message to write, with the other side's in-app notice (its words already made)."""

    id: UUID
    client_id: UUID
    professional_id: UUID
    sender: Side
    text: str
    notice_title: str
    notice_body: str
