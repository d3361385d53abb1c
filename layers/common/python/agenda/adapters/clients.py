"""SQL of the professional's client list (docs/client-relationship.md, "Clients").

The list is one statement: a page of the professional's clients in (folded name, id) order,
chosen first, then for each of them a LATERAL read of the last and next appointment, the
counts, what is owed and the unread messages, so the per-client work is done for the page's
rows only. A client's page is one statement too: the same summary, a page of appointments with
each one's audit trail as a JSON array, and the record of the client's details.

Writes run in a transaction that first locks the professional's row (``FOR NO KEY UPDATE``),
the lock the booking's upsert of a client takes (``book_appointment``, migration 0011): two
writes of one professional's clients, or a write and a booking, never decide a phone or an
email at once, and the email, which has no unique key, is as exact as the phone, which has
one. The insert still says ``ON CONFLICT DO NOTHING`` for any writer that takes no lock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pg8000.exceptions import DatabaseError

from agenda.adapters.postgres import UNIQUE_VIOLATION, sqlstate
from agenda.domain.clients import LIKE_ESCAPE, ClientDetails, ClientSearch
from agenda.domain.plans import Account
from agenda.domain.statuses import LIVE, OUTCOMES, RELEASED, UNPAID
from agenda.service.records import (
    AppointmentChangeEntry,
    AppointmentMark,
    ClientAppointmentHistory,
    ClientChangeEntry,
    ClientClash,
    ClientDetailRecord,
    ClientListPage,
    ClientState,
    ClientSummary,
)

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.service.records import ClientMissing


def _sql_list(values: frozenset[str]) -> str:
    return ", ".join(f"'{value}'" for value in sorted(values))


_LIVE_SQL = _sql_list(LIVE)
_RELEASED_SQL = _sql_list(RELEASED)
_OUTCOMES_SQL = _sql_list(OUTCOMES)
_UNPAID_SQL = _sql_list(UNPAID)
# The most recent changes of a client's details a page shows: years of edits stay bounded.
CHANGES_SHOWN = 100

# `chosen` is the page of clients (with their professional's session price): each gets its
# last appointment (started, not released), its next (live, not started), the counts, what is
# owed (outcomes unpaid, at the price of the appointment or else the session's) and the
# client's messages the professional has not read. An anonymised client's contact is gone: the
# phone left on the row is a placeholder that only keeps the key unique.
_SUMMARY = f"""
SELECT c.id, c.name,
       CASE WHEN c.anonymised_at IS NULL THEN c.phone END AS phone,
       CASE WHEN c.anonymised_at IS NULL THEN c.email END AS email,
       c.tags, c.user_id IS NOT NULL AS registered, c.anonymised_at IS NOT NULL AS anonymised,
       c.source, c.created_at, c.sort_key,
       last.id AS last_id, last.starts_at AS last_starts_at, last.status AS last_status,
       next.id AS next_id, next.starts_at AS next_starts_at, next.status AS next_status,
       tally.sessions, tally.no_shows, tally.cancellations, CAST(tally.owed AS text) AS owed,
       unread.messages AS unread_messages
FROM chosen c
LEFT JOIN LATERAL (
    SELECT a.id, a.starts_at, a.status FROM appointments a
    WHERE a.client_id = c.id AND a.starts_at <= :now AND a.status NOT IN ({_RELEASED_SQL})
    ORDER BY a.starts_at DESC, a.id DESC LIMIT 1
) last ON true
LEFT JOIN LATERAL (
    SELECT a.id, a.starts_at, a.status FROM appointments a
    WHERE a.client_id = c.id AND a.starts_at > :now AND a.status IN ({_LIVE_SQL})
    ORDER BY a.starts_at, a.id LIMIT 1
) next ON true
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE a.status = 'completed') AS sessions,
           count(*) FILTER (WHERE a.status = 'no_show') AS no_shows,
           count(*) FILTER (WHERE a.status = 'cancelled') AS cancellations,
           COALESCE(sum(COALESCE(a.amount_due, c.session_price)) FILTER (
               WHERE a.status IN ({_OUTCOMES_SQL}) AND a.payment_status IN ({_UNPAID_SQL})
           ), 0) AS owed
    FROM appointments a WHERE a.client_id = c.id
) tally
CROSS JOIN LATERAL (
    SELECT count(*) AS messages FROM messages m
    WHERE m.client_id = c.id AND m.sender = 'client' AND m.read_at IS NULL
) unread
"""

# The search: a part of the folded name, of the email, or the phone's digits (an anonymised
# client is found by name only: their contact is gone). `:contains` and `:digits` are LIKE
# patterns the domain escaped.
LIST_SQL = f"""
WITH me AS (
    SELECT id, currency, session_price FROM professionals WHERE user_id = :user_id
), chosen AS (
    SELECT c.*, me.session_price, client_name_key(c.name) AS sort_key
    FROM me JOIN clients c ON c.professional_id = me.id
    WHERE (CAST(:after_key AS text) IS NULL
           OR (client_name_key(c.name), c.id)
              > (CAST(:after_key AS text), CAST(:after_id AS uuid)))
      AND (CAST(:contains AS text) IS NULL
           OR client_name_key(c.name)
              LIKE client_name_key(CAST(:contains AS text)) ESCAPE '{LIKE_ESCAPE}'
           OR (c.anonymised_at IS NULL
               AND (lower(c.email) LIKE :contains ESCAPE '{LIKE_ESCAPE}'
                    OR c.phone LIKE CAST(:digits AS text))))
    ORDER BY client_name_key(c.name), c.id
    LIMIT :limit
)
SELECT me.currency, s.*
FROM me LEFT JOIN ({_SUMMARY}) s ON true
ORDER BY s.sort_key, s.id
"""

# One client of the professional: the summary, a page of appointments newest first after
# (:after_starts, :after_id), each with its audit trail oldest first, and the latest changes
# of the client's details.
DETAIL_SQL = f"""
WITH me AS (
    SELECT id, timezone, currency, session_price FROM professionals WHERE user_id = :user_id
), chosen AS (
    SELECT c.*, me.session_price, client_name_key(c.name) AS sort_key
    FROM me JOIN clients c ON c.professional_id = me.id AND c.id = :client_id
)
SELECT me.timezone, me.currency, s.*,
       COALESCE((
           SELECT json_agg(h ORDER BY h.starts_at DESC, h.id DESC)
           FROM (
               SELECT a.id, a.status, a.payment_status, a.starts_at, a.ends_at,
                      CAST(COALESCE(a.amount_due, me.session_price) AS text) AS price,
                      COALESCE((
                          SELECT json_agg(json_build_object(
                                     'at', ch.changed_at, 'action', ch.action,
                                     'from_status', ch.from_status, 'to_status', ch.to_status,
                                     'by', ch.actor_role, 'reason', ch.reason)
                                 ORDER BY ch.changed_at, ch.id)
                          FROM appointment_changes ch WHERE ch.appointment_id = a.id
                      ), '[]') AS changes
               FROM appointments a
               WHERE a.client_id = s.id
                 AND (CAST(:after_starts AS timestamptz) IS NULL
                      OR (a.starts_at, a.id) < (CAST(:after_starts AS timestamptz),
                                                CAST(:after_id AS uuid)))
               ORDER BY a.starts_at DESC, a.id DESC
               LIMIT :limit
           ) h
       ), '[]') AS appointments,
       COALESCE((
           SELECT json_agg(json_build_object(
                      'at', cc.created_at, 'action', cc.action, 'fields', cc.fields,
                      'by', cc.actor_role)
                  ORDER BY cc.created_at DESC, cc.id DESC)
           FROM (SELECT * FROM client_changes WHERE client_id = s.id
                 ORDER BY created_at DESC, id DESC LIMIT {CHANGES_SHOWN}) cc
       ), '[]') AS changes
FROM me LEFT JOIN ({_SUMMARY}) s ON true
"""

LOCK_PROFESSIONAL_SQL = """
SELECT id FROM professionals WHERE user_id = :user_id FOR NO KEY UPDATE
"""

PLAN_USAGE_SQL = """
SELECT p.plan, p.subscription_status, p.trial_ends_at, p.past_due_since,
       (SELECT count(*) FROM clients c WHERE c.professional_id = p.id) AS clients
FROM professionals p WHERE p.id = :professional_id
"""

STATE_SQL = """
SELECT name, phone, email, tags, anonymised_at IS NOT NULL AS anonymised
FROM clients WHERE id = :client_id AND professional_id = :professional_id
FOR UPDATE
"""

# Who has the phone, then who has the email (the oldest, as the booking matches), excluding
# the client being changed.
CLASH_SQL = """
SELECT id, phone = CAST(:phone AS text) AS by_phone,
       lower(email) = CAST(:email AS text) AS by_email
FROM clients
WHERE professional_id = :professional_id
  AND (CAST(:excluding AS uuid) IS NULL OR id <> CAST(:excluding AS uuid))
  AND (phone = CAST(:phone AS text) OR lower(email) = CAST(:email AS text))
ORDER BY (phone = CAST(:phone AS text)) DESC, created_at, id
LIMIT 2
"""

_TEXTS = "ARRAY(SELECT jsonb_array_elements_text(CAST({} AS jsonb)))"

INSERT_SQL = f"""
WITH inserted AS (
    INSERT INTO clients (professional_id, name, phone, email, tags, source)
    VALUES (:professional_id, :name, :phone, :email, {_TEXTS.format(":tags")}, 'professional')
    ON CONFLICT (professional_id, phone) DO NOTHING
    RETURNING id
), recorded AS (
    INSERT INTO client_changes (professional_id, client_id, action, fields, actor_role)
    SELECT :professional_id, id, 'created', {_TEXTS.format(":fields")}, 'professional'
    FROM inserted
)
SELECT id FROM inserted
"""

# The row is locked (STATE_SQL) and not anonymised: the update finds it.
UPDATE_SQL = f"""
WITH updated AS (
    UPDATE clients
    SET name = :name, phone = :phone, email = :email, tags = {_TEXTS.format(":tags")},
        updated_at = now()
    WHERE id = :client_id AND professional_id = :professional_id
    RETURNING id
)
INSERT INTO client_changes (professional_id, client_id, action, fields, actor_role)
SELECT :professional_id, id, 'updated', {_TEXTS.format(":fields")}, 'professional'
FROM updated
"""


def _instant(value: str) -> datetime:
    # JSON carries a timestamptz as ISO 8601 with its offset.
    return datetime.fromisoformat(value)


def _mark(row: Mapping[str, Any], prefix: str) -> AppointmentMark | None:
    if row[f"{prefix}_id"] is None:
        return None
    return AppointmentMark(
        id=row[f"{prefix}_id"], starts_at=row[f"{prefix}_starts_at"], status=row[f"{prefix}_status"]
    )


def _summary(row: Mapping[str, Any]) -> ClientSummary:
    return ClientSummary(
        id=row["id"],
        name=row["name"],
        phone=row["phone"],
        email=row["email"],
        tags=tuple(row["tags"] or ()),
        registered=row["registered"],
        anonymised=row["anonymised"],
        source=row["source"],
        created_at=row["created_at"],
        last_appointment=_mark(row, "last"),
        next_appointment=_mark(row, "next"),
        sessions=row["sessions"],
        no_shows=row["no_shows"],
        cancellations=row["cancellations"],
        owed=Decimal(row["owed"]),
        unread_messages=row["unread_messages"],
        sort_key=row["sort_key"],
    )


def _history(item: Mapping[str, Any]) -> ClientAppointmentHistory:
    return ClientAppointmentHistory(
        id=UUID(item["id"]),
        status=item["status"],
        payment_status=item["payment_status"],
        price=None if item["price"] is None else Decimal(item["price"]),
        starts_at=_instant(item["starts_at"]),
        ends_at=_instant(item["ends_at"]),
        changes=tuple(
            AppointmentChangeEntry(
                at=_instant(change["at"]),
                action=change["action"],
                from_status=change["from_status"],
                to_status=change["to_status"],
                by=change["by"],
                reason=change["reason"],
            )
            for change in item["changes"]
        ),
    )


def _change(item: Mapping[str, Any]) -> ClientChangeEntry:
    return ClientChangeEntry(
        at=_instant(item["at"]),
        action=item["action"],
        fields=tuple(item["fields"]),
        by=item["by"],
    )


class PostgresClients:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def page(
        self,
        user_id: str,
        *,
        now: datetime,
        search: ClientSearch | None,
        after: tuple[str, UUID] | None,
        limit: int,
    ) -> ClientListPage | None:
        rows = self._tx.query(
            LIST_SQL,
            user_id=user_id,
            now=now,
            after_key=after[0] if after else None,
            after_id=after[1] if after else None,
            contains=search.contains if search else None,
            digits=search.digits if search else None,
            limit=limit,
        )
        if not rows:
            return None
        return ClientListPage(
            currency=rows[0]["currency"].strip(),
            items=tuple(_summary(row) for row in rows if row["id"] is not None),
        )

    def detail(
        self,
        user_id: str,
        client_id: UUID,
        *,
        now: datetime,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> ClientDetailRecord | ClientMissing:
        row = self._tx.one(
            DETAIL_SQL,
            user_id=user_id,
            client_id=client_id,
            now=now,
            after_starts=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        if row is None:
            return "no_professional"
        if row["id"] is None:
            return "no_client"
        return ClientDetailRecord(
            timezone=row["timezone"],
            currency=row["currency"].strip(),
            client=_summary(row),
            appointments=tuple(_history(item) for item in row["appointments"]),
            changes=tuple(_change(item) for item in row["changes"]),
        )

    def lock_professional(self, user_id: str) -> UUID | None:
        row = self._tx.one(LOCK_PROFESSIONAL_SQL, user_id=user_id)
        return None if row is None else row["id"]

    def plan_usage(self, professional_id: UUID) -> tuple[Account, int]:
        row = self._tx.one(PLAN_USAGE_SQL, professional_id=professional_id)
        if row is None:
            raise RuntimeError("a locked professional is gone")
        account = Account(
            plan=row["plan"],
            subscription_status=row["subscription_status"],
            trial_ends_at=row["trial_ends_at"],
            past_due_since=row["past_due_since"],
        )
        return account, row["clients"]

    def state(self, professional_id: UUID, client_id: UUID) -> ClientState | None:
        row = self._tx.one(STATE_SQL, professional_id=professional_id, client_id=client_id)
        if row is None:
            return None
        return ClientState(
            details=ClientDetails(
                name=row["name"],
                phone=row["phone"],
                email=row["email"],
                tags=tuple(row["tags"] or ()),
            ),
            anonymised=row["anonymised"],
        )

    def clash(
        self,
        professional_id: UUID,
        *,
        phone: str | None,
        email: str | None,
        excluding: UUID | None = None,
    ) -> ClientClash | None:
        if phone is None and email is None:
            return None
        rows = self._tx.query(
            CLASH_SQL,
            professional_id=professional_id,
            phone=phone,
            email=email.lower() if email else None,
            excluding=excluding,
        )
        if not rows:
            return None
        fields = [name for name in ("phone", "email") if any(row[f"by_{name}"] for row in rows)]
        return ClientClash(fields=tuple(fields), client_id=rows[0]["id"])

    def insert(
        self, professional_id: UUID, details: ClientDetails, fields: Sequence[str]
    ) -> UUID | None:
        row = self._tx.one(
            INSERT_SQL,
            professional_id=professional_id,
            name=details.name,
            phone=details.phone,
            email=details.email,
            tags=json.dumps(list(details.tags)),
            fields=json.dumps(list(fields)),
        )
        return None if row is None else row["id"]

    def update(
        self, professional_id: UUID, client_id: UUID, details: ClientDetails, fields: Sequence[str]
    ) -> bool:
        try:
            self._tx.execute(
                UPDATE_SQL,
                professional_id=professional_id,
                client_id=client_id,
                name=details.name,
                phone=details.phone,
                email=details.email,
                tags=json.dumps(list(details.tags)),
                fields=json.dumps(list(fields)),
            )
        except DatabaseError as exc:
            # A client changing their own phone (docs/client-profile.md) takes no lock of the
            # professional: theirs committed first. The transaction is over; the caller's next
            # one sees who has the phone.
            if sqlstate(exc) == UNIQUE_VIOLATION:
                return False
            raise
        return True
