"""The outbox's queue state (migration 0014): every statement that writes outbox rows leaves a
pending row for each, whoever wrote it; the queue taking a row deletes its pending row and
leaves the outbox row as it was; deleting outbox rows, by hand or by a professional's cascade,
takes their pending rows with them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

import pg8000.native
import pytest

from agenda.adapters.outbox import PostgresOutbox, dispatch
from agenda.adapters.postgres import Database
from agenda.service.records import OutboxMessage
from agenda.settings import DatabaseSettings
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, rows

pytestmark = pytest.mark.integration


def envelope(key: str) -> dict[str, object]:
    return {"messageKey": key, "template": "booking_received", "channel": "email",
            "audience": "client", "to": "maria@example.com", "params": {}}  # fmt: skip


def pending(db: pg8000.native.Connection, prefix: str) -> list[str]:
    found = rows(
        db,
        "SELECT o.message_key FROM notification_outbox_pending q"
        " JOIN notification_outbox o USING (id) WHERE o.message_key LIKE :p ORDER BY o.id",
        p=f"{prefix}%",
    )
    return [row["message_key"] for row in found]


def orphans(db: pg8000.native.Connection) -> int:
    [row] = rows(
        db,
        "SELECT count(*) AS n FROM notification_outbox_pending q"
        " WHERE NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.id = q.id)",
    )
    return int(row["n"])


class Takes:
    def __init__(self, refuse: str) -> None:
        self.refuse = refuse

    def publish(self, messages: Sequence[OutboxMessage]) -> set[int]:
        return {m.id for m in messages if self.refuse not in m.key}


def test_each_written_row_waits_until_the_queue_takes_it_and_is_never_rewritten(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    prefix = f"pending-{uuid.uuid4().hex}"
    database = Database(DatabaseSettings.from_url(stack.postgres.url))
    try:
        written: list[OutboxMessage] = []
        keys = [f"{prefix}:{n}" for n in range(4)]
        database.transaction(
            lambda tx: PostgresOutbox(tx, written, None).add(
                [(pro.id, envelope(key)) for key in keys]
            )
        )
        # An operator's INSERT, not through the adapter, waits for the queue all the same.
        db.run(
            "INSERT INTO notification_outbox (message_key, payload, professional_id)"
            " VALUES (:k, CAST(:p AS jsonb), :pro)",
            k=f"{prefix}:by-hand",
            p=json.dumps(envelope(f"{prefix}:by-hand")),
            pro=pro.id,
        )
        assert pending(db, prefix) == [*keys, f"{prefix}:by-hand"]
        before = rows(db, "SELECT ctid, xmin FROM notification_outbox WHERE message_key LIKE :p"
                          " ORDER BY id", p=f"{prefix}%")  # fmt: skip

        assert dispatch(database.query, Takes(refuse=":2"), written) == 3
        assert pending(db, prefix) == [f"{prefix}:2", f"{prefix}:by-hand"]
        [failed] = rows(
            db,
            "SELECT q.attempts, q.last_error FROM notification_outbox_pending q"
            " JOIN notification_outbox o USING (id) WHERE o.message_key = :k",
            k=f"{prefix}:2",
        )
        assert failed == {"attempts": 1, "last_error": "rejected by the queue"}
        # The outbox rows themselves were not touched: the same tuples, the same versions.
        after = rows(db, "SELECT ctid, xmin FROM notification_outbox WHERE message_key LIKE :p"
                         " ORDER BY id", p=f"{prefix}%")  # fmt: skip
        assert after == before
    finally:
        database.close()


def test_deleting_outbox_rows_by_hand_or_by_cascade_takes_their_pending_rows(
    db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    kept, leaving = make_professional(), make_professional()
    prefix = f"pending-{uuid.uuid4().hex}"
    for pro, name in ((kept, "kept"), (leaving, "leaving"), (kept, "by-hand")):
        key = f"{prefix}:{name}"
        db.run(
            "INSERT INTO notification_outbox (message_key, payload, professional_id)"
            " VALUES (:k, CAST(:p AS jsonb), :pro)",
            k=key,
            p=json.dumps(envelope(key)),
            pro=pro.id,
        )
    db.run("DELETE FROM notification_outbox WHERE message_key = :k", k=f"{prefix}:by-hand")
    db.run("DELETE FROM professionals WHERE id = :p", p=leaving.id)
    assert pending(db, prefix) == [f"{prefix}:kept"]
    assert orphans(db) == 0
