"""SQL of a registered client's privacy rights: the export of everything held about them,
across professionals, and their deletion in two phases (docs/privacy.md, "Clients"). Every
value goes as a parameter.

The export is one statement, each section a JSON array the server builds. It never reads
``client_notes``: a professional's notes are the professional's records, not the client's.

Phase one is the appointment route's own change per appointment (the audit row with it) plus
``mark`` and ``notify`` here. Phase two (``purge``) is one statement: it deletes the rows that
only make sense with the person (follows, codes, conversations, the notifications and the
messages addressed to them, their delivery records), scrubs every other copy of their name,
phone and email (outbox payloads, notices, audit reasons, booking notes, reviews), anonymises
the client rows and deletes the account.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.adapters.privacy import HAS_MONEY, PAYMENT_ROW, SENT_MESSAGE_ROW
from agenda.domain.client_deletion import PLACEHOLDER_NAMES
from agenda.domain.language import EN
from agenda.domain.parties import Party
from agenda.domain.statuses import LIVE
from agenda.service.records.client_privacy import ClientDeletionSubject, ClientRow

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.domain.client_deletion import DeletionNotice

# The person's rows: the account, and the client rows it claimed. Their contact is every phone
# and email of those (a row keeps the one it was booked with until a change reaches it), and
# every destination a code of theirs went to.
# Every phone and email of theirs: the account's, each claimed row's, and a new one a code was
# sent to but not confirmed (yet).
_CONTACT = """contact AS (
    SELECT v.address FROM me, LATERAL (VALUES (me.phone), (me.email)) AS v (address)
    WHERE v.address IS NOT NULL
    UNION
    SELECT v.address FROM mine, LATERAL (VALUES (mine.phone), (mine.email)) AS v (address)
    WHERE v.address IS NOT NULL
    UNION
    SELECT destination FROM verification_codes WHERE user_id = :user_id
)"""

_ME = f"""
WITH me AS (SELECT * FROM client_accounts WHERE user_id = :user_id),
mine AS (SELECT c.* FROM clients c JOIN me ON c.user_id = me.user_id),
{_CONTACT}
"""

# Sections oldest first, rows with every column in camelCase (the service renames them), each
# row of another professional's with that professional's name and slug. The audit trail shows
# who acted by role; an actor id is shown only when it is the client's own sign-in.
EXPORT_SQL = (
    _ME
    + f"""
SELECT
  to_jsonb(me) AS account,
  (SELECT COALESCE(jsonb_agg(to_jsonb(c) || jsonb_build_object(
              'professional_name', p.name, 'professional_slug', p.slug)
            ORDER BY c.created_at, c.id), '[]')
   FROM mine c JOIN professionals p ON p.id = c.professional_id) AS clients,
  (SELECT COALESCE(jsonb_agg(to_jsonb(a) - 'blocked_during' ORDER BY a.starts_at, a.id), '[]')
   FROM appointments a WHERE a.client_id IN (SELECT id FROM mine)) AS appointments,
  (SELECT COALESCE(jsonb_agg({PAYMENT_ROW} ORDER BY a.starts_at, a.id), '[]')
   FROM appointments a
   WHERE a.client_id IN (SELECT id FROM mine) AND {HAS_MONEY}) AS payments,
  (SELECT COALESCE(jsonb_agg((to_jsonb(t) - 'actor_id') || jsonb_build_object(
              'actor_id', CASE WHEN t.actor_id = me.user_id THEN t.actor_id END)
            ORDER BY t.changed_at, t.id), '[]')
   FROM appointment_changes t
   JOIN appointments a ON a.id = t.appointment_id
   WHERE a.client_id IN (SELECT id FROM mine)) AS appointment_changes,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM messages t WHERE t.client_id IN (SELECT id FROM mine)) AS messages,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM reviews t WHERE t.client_id IN (SELECT id FROM mine)) AS reviews,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM notifications t
   WHERE t.recipient = 'client' AND t.client_id IN (SELECT id FROM mine)) AS notifications,
  (SELECT COALESCE(jsonb_agg(to_jsonb(f) || jsonb_build_object(
              'professional_name', p.name, 'professional_slug', p.slug)
            ORDER BY f.created_at, f.id), '[]')
   FROM follows f JOIN professionals p ON p.id = f.professional_id
   WHERE f.user_id = me.user_id) AS follows,
  (SELECT COALESCE(jsonb_agg({SENT_MESSAGE_ROW} ORDER BY o.created_at, o.id), '[]')
   FROM notification_outbox o
   LEFT JOIN notification_deliveries d ON d.message_key = o.message_key
   WHERE (o.professional_id IN (SELECT professional_id FROM mine) OR o.professional_id IS NULL)
     AND o.payload ->> 'audience' = 'client'
     AND o.payload ->> 'to' IN (SELECT address FROM contact)) AS sent_messages,
  (SELECT COALESCE(jsonb_agg(to_jsonb(v) - 'code_hash' ORDER BY v.created_at, v.id), '[]')
   FROM verification_codes v WHERE v.user_id = me.user_id) AS verification_codes
FROM me
"""
)

SUBJECT_SQL = (
    _ME
    + """
SELECT me.user_id, me.phone, me.email, me.deletion_requested_at,
  (SELECT COALESCE(jsonb_agg(jsonb_build_object(
              'client_id', c.id, 'professional_id', p.id, 'name', p.name, 'phone', p.phone,
              'email', p.email, 'locale', p.locale, 'timezone', p.timezone,
              'appointments', (SELECT count(*) FROM appointments a WHERE a.client_id = c.id))
            ORDER BY c.created_at, c.id), '[]')
   FROM mine c JOIN professionals p ON p.id = c.professional_id) AS client_rows,
  (SELECT COALESCE(jsonb_agg(a.id ORDER BY a.starts_at, a.id), '[]')
   FROM appointments a
   WHERE a.client_id IN (SELECT id FROM mine)
     AND a.status = ANY(CAST(:live AS text[])) AND a.starts_at > :now) AS upcoming
FROM me
"""
)

# The account's row lock orders two deletions of one account one after the other.
MARK_SQL = """
UPDATE client_accounts
SET deletion_requested_at = COALESCE(deletion_requested_at, :now), updated_at = :now
WHERE user_id = :user_id
RETURNING deletion_requested_at
"""

# The professional's notice of the deletion, once per client row (a repeat adds none).
NOTIFY_SQL = """
INSERT INTO notifications (professional_id, recipient, type, title, body, data, dedupe_key)
VALUES (:professional_id, 'professional', 'client_deleted', :title, :body,
        CAST(:data AS jsonb), :key)
ON CONFLICT (dedupe_key) DO NOTHING
"""

# A marked account is ready when nothing owed about them is still on its way: no outbox row
# addressed to them or about one of their appointments waits for the queue, and none of the
# last day (the deadline's span) waits for its final delivery outcome. Past the deadline the
# purge goes ahead anyway.
READY_SQL = """
SELECT ca.user_id FROM client_accounts ca
WHERE ca.deletion_requested_at IS NOT NULL
  AND (ca.deletion_requested_at
           < CAST(:now AS timestamptz) - make_interval(secs => :deadline_seconds)
       OR NOT EXISTS (
           SELECT 1 FROM notification_outbox o
           LEFT JOIN notification_deliveries d ON d.message_key = o.message_key
           WHERE (o.professional_id IN (
                      SELECT c.professional_id FROM clients c WHERE c.user_id = ca.user_id)
                  OR o.professional_id IS NULL)
             AND (o.payload ->> 'to' IN (
                      SELECT v.address FROM clients c,
                             LATERAL (VALUES (c.phone), (c.email)) AS v (address)
                      WHERE c.user_id = ca.user_id AND v.address IS NOT NULL
                      UNION ALL
                      SELECT v.address FROM (VALUES (ca.phone), (ca.email)) AS v (address)
                      WHERE v.address IS NOT NULL
                      UNION ALL
                      SELECT v.destination FROM verification_codes v
                      WHERE v.user_id = ca.user_id)
                  OR split_part(o.message_key, ':', 1) IN (
                      SELECT CAST(a.id AS text) FROM appointments a
                      JOIN clients c ON c.id = a.client_id WHERE c.user_id = ca.user_id))
             AND (EXISTS (SELECT 1 FROM notification_outbox_pending q WHERE q.id = o.id)
                  OR (o.created_at
                          >= CAST(:now AS timestamptz) - make_interval(secs => :deadline_seconds)
                      AND (d.status IS NULL OR d.status IN ('sending', 'failed'))))))
ORDER BY ca.deletion_requested_at, ca.user_id
LIMIT :limit
FOR UPDATE OF ca SKIP LOCKED
"""

# One statement: every CTE reads the rows as they were when it began, so the client rows still
# carry the name, phone and email the scrubbing looks for. `needles` are those values (phones
# also as bare digits, the way WhatsApp addresses are written), longest first so a phone is
# replaced whole before its digits; in jsonb they are matched as JSON writes them. Each table
# is written by one CTE (or two on disjoint rows), as Postgres requires of one statement.
PURGE_SQL = f"""
WITH me AS (
    SELECT user_id, name, phone, email FROM client_accounts
    WHERE user_id = :user_id AND deletion_requested_at IS NOT NULL
), mine AS (
    SELECT c.id, c.name, c.phone, c.email, c.professional_id,
           CASE WHEN p.locale LIKE 'en%' THEN :placeholder_en ELSE :placeholder_pt END
               AS placeholder
    FROM clients c JOIN me ON c.user_id = me.user_id
    JOIN professionals p ON p.id = c.professional_id
), {_CONTACT}, raw AS (
    SELECT me.name AS value FROM me
    UNION SELECT mine.name FROM mine
    UNION SELECT address FROM contact
    UNION SELECT lower(address) FROM contact WHERE address LIKE '%@%'
    UNION SELECT regexp_replace(address, '[^0-9]', '', 'g') FROM contact
    WHERE address NOT LIKE '%@%'
), needles AS (
    SELECT COALESCE(array_agg(value ORDER BY length(value) DESC, value), '{{}}') AS plain,
           COALESCE(array_agg(substr(CAST(to_jsonb(value) AS text), 2,
                                     length(CAST(to_jsonb(value) AS text)) - 2)
                              ORDER BY length(value) DESC, value), '{{}}') AS quoted
    FROM raw WHERE length(value) >= 3
), appts AS (
    SELECT a.id, a.client_id FROM appointments a WHERE a.client_id IN (SELECT id FROM mine)
), keys AS (
    SELECT CAST(id AS text) AS subject FROM appts
), to_them AS (
    SELECT o.message_key FROM notification_outbox o
    WHERE (o.professional_id IN (SELECT professional_id FROM mine) OR o.professional_id IS NULL)
      AND o.payload ->> 'audience' = 'client'
      AND o.payload ->> 'to' IN (SELECT address FROM contact)
), deliveries AS (
    DELETE FROM notification_deliveries d
    WHERE d.message_key IN (SELECT message_key FROM to_them)
    RETURNING 1
), outbox_gone AS (
    DELETE FROM notification_outbox o WHERE o.message_key IN (SELECT message_key FROM to_them)
    RETURNING 1
), outbox_scrubbed AS (
    UPDATE notification_outbox o
    SET payload = CAST(scrub_text(CAST(o.payload AS text), n.quoted, :placeholder_pt) AS jsonb)
    FROM needles n
    WHERE o.message_key NOT IN (SELECT message_key FROM to_them)
      AND (split_part(o.message_key, ':', 1) IN (SELECT subject FROM keys)
           OR (o.professional_id IN (SELECT professional_id FROM mine)
               AND scrub_text(CAST(o.payload AS text), n.quoted, :placeholder_pt)
                   <> CAST(o.payload AS text)))
    RETURNING 1
), notices_gone AS (
    DELETE FROM notifications t
    WHERE t.recipient = 'client' AND t.client_id IN (SELECT id FROM mine)
    RETURNING 1
), notices_scrubbed AS (
    UPDATE notifications t
    SET title = scrub_text(t.title, n.plain, m.placeholder),
        body = scrub_text(t.body, n.plain, m.placeholder),
        data = CAST(scrub_text(CAST(t.data AS text), n.quoted, m.placeholder) AS jsonb)
    FROM needles n, (SELECT DISTINCT professional_id, placeholder FROM mine) m
    WHERE t.recipient = 'professional' AND t.professional_id = m.professional_id
      AND (t.client_id IN (SELECT id FROM mine)
           OR t.data ->> 'appointmentId' IN (SELECT subject FROM keys))
    RETURNING 1
), changes AS (
    UPDATE appointment_changes t
    SET actor_id = CASE WHEN t.actor_id = :user_id THEN :deleted_actor ELSE t.actor_id END,
        reason = scrub_text(t.reason, n.plain, m.placeholder)
    FROM needles n, appts a, mine m
    WHERE t.appointment_id = a.id AND m.id = a.client_id
    RETURNING 1
), appointments_scrubbed AS (
    UPDATE appointments t
    SET status_changed_by = CASE WHEN t.status_changed_by = 'client:' || :user_id
                                 THEN 'client' ELSE t.status_changed_by END,
        notes = scrub_text(t.notes, n.plain, m.placeholder)
    FROM needles n, mine m
    WHERE t.client_id = m.id
    RETURNING 1
), reviews_scrubbed AS (
    -- The professional's reply and hiding reason may name the client too.
    UPDATE reviews t
    SET comment = scrub_text(t.comment, n.plain, m.placeholder),
        reply = scrub_text(t.reply, n.plain, m.placeholder),
        hidden_reason = scrub_text(t.hidden_reason, n.plain, m.placeholder)
    FROM needles n, mine m
    WHERE t.client_id = m.id
      AND (t.comment IS NOT NULL OR t.reply IS NOT NULL OR t.hidden_reason IS NOT NULL)
    RETURNING 1
), review_changes_scrubbed AS (
    UPDATE review_changes t SET reason = scrub_text(t.reason, n.plain, m.placeholder)
    FROM needles n, mine m, reviews r
    WHERE t.review_id = r.id AND r.client_id = m.id AND t.reason IS NOT NULL
    RETURNING 1
), conversations AS (
    DELETE FROM messages t WHERE t.client_id IN (SELECT id FROM mine) RETURNING 1
), follows_gone AS (
    DELETE FROM follows f USING me WHERE f.user_id = me.user_id RETURNING 1
), codes AS (
    DELETE FROM verification_codes v
    WHERE v.user_id = :user_id OR v.client_id IN (SELECT id FROM mine)
       OR v.destination IN (SELECT address FROM contact)
    RETURNING 1
), anonymised AS (
    -- The phone must stay unique per professional and say nothing: the row's own id does.
    UPDATE clients c
    SET name = m.placeholder, phone = 'deleted:' || CAST(c.id AS text), email = NULL,
        user_id = NULL, anonymised_at = now(), updated_at = now()
    FROM mine m WHERE c.id = m.id
    RETURNING 1
), gone AS (
    DELETE FROM client_accounts a USING me WHERE a.user_id = me.user_id RETURNING 1
)
SELECT (SELECT count(*) FROM gone) AS accounts,
       (SELECT count(*) FROM anonymised) AS clients,
       (SELECT count(*) FROM deliveries) AS deliveries,
       (SELECT count(*) FROM outbox_gone) AS messages_to_them,
       (SELECT count(*) FROM outbox_scrubbed) AS messages_scrubbed,
       (SELECT count(*) FROM notices_gone) + (SELECT count(*) FROM notices_scrubbed)
           AS notifications,
       (SELECT count(*) FROM conversations) AS conversation_messages,
       (SELECT count(*) FROM follows_gone) AS follows,
       (SELECT count(*) FROM codes) AS verification_codes,
       (SELECT count(*) FROM changes) + (SELECT count(*) FROM appointments_scrubbed)
           + (SELECT count(*) FROM reviews_scrubbed)
           + (SELECT count(*) FROM review_changes_scrubbed) AS records_scrubbed
"""

# What the audit keeps of the deleted client's own changes: the role stays "client"; the
# sign-in it names is gone with the account.
DELETED_ACTOR = "deleted-client"


class PostgresClientPrivacy:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def export(self, user_id: str) -> dict[str, Any] | None:
        return self._tx.one(EXPORT_SQL, user_id=user_id)

    def subject(self, user_id: str, *, now: datetime) -> ClientDeletionSubject | None:
        row = self._tx.one(SUBJECT_SQL, user_id=user_id, now=now, live=sorted(LIVE))
        if row is None:
            return None
        return ClientDeletionSubject(
            user_id=row["user_id"],
            phone=row["phone"],
            email=row["email"],
            deletion_requested_at=row["deletion_requested_at"],
            rows=tuple(
                ClientRow(
                    client_id=UUID(r["client_id"]),
                    professional_id=UUID(r["professional_id"]),
                    professional=Party(r["name"], r["phone"], r["email"]),
                    locale=r["locale"],
                    timezone=r["timezone"],
                    appointments=int(r["appointments"]),
                )
                for r in row["client_rows"]
            ),
            upcoming=tuple(UUID(a) for a in row["upcoming"]),
        )

    def mark(self, user_id: str, *, now: datetime) -> bool:
        return self._tx.one(MARK_SQL, user_id=user_id, now=now) is not None

    def notify(self, professional_id: UUID, client_id: UUID, notice: DeletionNotice) -> None:
        self._tx.execute(
            NOTIFY_SQL,
            professional_id=professional_id,
            title=notice.title,
            body=notice.body,
            data=json.dumps(notice.data),
            key=f"client_deleted:{client_id}",
        )

    def ready_for_purge(self, *, now: datetime, deadline_seconds: int, limit: int) -> list[str]:
        rows = self._tx.query(READY_SQL, now=now, deadline_seconds=deadline_seconds, limit=limit)
        return [row["user_id"] for row in rows]

    def purge(self, user_id: str) -> dict[str, int]:
        row = self._tx.one(
            PURGE_SQL,
            user_id=user_id,
            placeholder_pt=PLACEHOLDER_NAMES["pt-BR"],
            placeholder_en=PLACEHOLDER_NAMES[EN],
            deleted_actor=DELETED_ACTOR,
        )
        return {name: int(value) for name, value in (row or {}).items()}
