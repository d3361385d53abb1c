"""Recovering messages whose enqueue failed: the outbox relay."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agenda.service.ports import OutboxStores, UnitOfWork

# Rows younger than this may still be in the hands of the request that wrote them.
GRACE_SECONDS = 30


def relay(
    uow: UnitOfWork[OutboxStores], *, batch: int = 100, grace_seconds: int = GRACE_SECONDS
) -> int:
    """Send pending outbox rows to the queue, a batch at a time; return how many were accepted.

    Rows stay locked while they are sent (SKIP LOCKED), so two relays never send the same row.
    """
    total = 0
    while True:

        def claim_and_send(stores: OutboxStores) -> tuple[int, int]:
            messages = stores.outbox.pending(grace_seconds=grace_seconds, limit=batch)
            return len(messages), stores.outbox.send(messages)

        found, accepted = uow.run(claim_and_send)
        total += accepted
        if found < batch or accepted == 0:
            return total
