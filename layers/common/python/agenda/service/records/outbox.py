"""Records of the transactional outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A message written to the outbox, to be handed to the queue."""

    id: int
    key: str
    payload: dict[str, Any]
