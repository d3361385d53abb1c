"""SQL of the daily jobs: their leases, reminder and agenda pages, the WhatsApp instances in use,
the checks' record and the failed deliveries of the last day. Every value goes as a parameter.

A lease is a row of job_leases: one statement takes it when it is free, ran out, or is the
holder's own already; the database's clock decides, so containers' clocks never matter.

The reminder pages walk appointments_confirmed_starts_id_idx ((starts_at, id) WHERE status =
'confirmed') by keyset: the next `limit` entries after the last one the previous page read,
within the union of the per-zone windows, and nothing more, so a page costs the same however
far the run has gone. Of those, the ones due come back with what their messages need: inside
their own professional's zone window, and not queued already (a re-run builds nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from agenda.domain.reminders import AGENDA_STATUSES, Agenda, AgendaItem, ReminderPage, Upcoming
from agenda.service.records import InstanceCheck, ProfessionalOnInstance

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.domain.reminders import Span

ACTIVE_ZONES_SQL = "SELECT DISTINCT timezone FROM professionals WHERE active ORDER BY timezone"

# The key expression repeats agenda.domain.messages.message_key, so that a row whose messages
# were queued by an earlier run is not even read (tests hold the two together).
REMINDER_PAGE_SQL = """
WITH page AS MATERIALIZED (
    SELECT a.id, a.starts_at
    FROM appointments a
    WHERE a.status = 'confirmed'
      AND (a.starts_at, a.id) > (CAST(:after_starts_at AS timestamptz), CAST(:after_id AS uuid))
      AND a.starts_at < :until
    ORDER BY a.starts_at, a.id
    LIMIT :limit
)
SELECT page.id, page.starts_at, due.sequence, due.ends_at, due.professional_id,
       due.professional_name, due.timezone, due.locale, due.client_name, due.client_phone,
       due.client_email
FROM page
LEFT JOIN LATERAL (
    SELECT a.sequence, a.ends_at, p.id AS professional_id, p.name AS professional_name,
           p.timezone, p.locale, c.name AS client_name, c.phone AS client_phone,
           c.email AS client_email
    FROM appointments a
    JOIN professionals p ON p.id = a.professional_id
    JOIN clients c ON c.id = a.client_id
    JOIN unnest(CAST(:zones AS text[]), CAST(:starts AS timestamptz[]),
                CAST(:ends AS timestamptz[])) AS w(zone, lo, hi) ON w.zone = p.timezone
    WHERE a.id = page.id
      AND a.starts_at >= w.lo AND a.starts_at < w.hi
      AND p.active
      AND NOT (
          (c.phone IS NULL OR EXISTS (
              SELECT 1 FROM notification_outbox o
              WHERE o.message_key = concat_ws(':', a.id, a.sequence, CAST(:template AS text),
                                              'whatsapp', 'client')))
          AND (c.email IS NULL OR EXISTS (
              SELECT 1 FROM notification_outbox o
              WHERE o.message_key = concat_ws(':', a.id, a.sequence, CAST(:template AS text),
                                              'email', 'client'))))
) due ON true
ORDER BY page.starts_at, page.id
"""

# Professionals by id, each with the live appointments of their local day (one probe of
# appointments_professional_starts_id_idx each); those with none, or whose agenda was queued
# already, are passed over in the query.
AGENDA_PAGE_SQL = """
SELECT p.id, p.name, p.phone, p.email, p.timezone, p.locale, w.day, day.items
FROM professionals p
JOIN unnest(CAST(:zones AS text[]), CAST(:days AS date[]), CAST(:starts AS timestamptz[]),
            CAST(:ends AS timestamptz[])) AS w(zone, day, lo, hi) ON w.zone = p.timezone
CROSS JOIN LATERAL (
    SELECT json_agg(json_build_array(extract(epoch FROM a.starts_at), c.name, a.status)
                    ORDER BY a.starts_at, a.id) AS items
    FROM appointments a JOIN clients c ON c.id = a.client_id
    WHERE a.professional_id = p.id
      AND a.starts_at >= w.lo AND a.starts_at < w.hi
      AND a.status = ANY(CAST(:statuses AS text[]))
) day
WHERE p.active AND p.id > CAST(:after_id AS uuid) AND day.items IS NOT NULL
  AND NOT (
      (p.phone IS NULL OR EXISTS (
          SELECT 1 FROM notification_outbox o
          WHERE o.message_key = concat_ws(':', p.id, to_char(w.day, 'YYYYMMDD')::int,
                                          'daily_agenda', 'whatsapp', 'professional')))
      AND (p.email IS NULL OR EXISTS (
          SELECT 1 FROM notification_outbox o
          WHERE o.message_key = concat_ws(':', p.id, to_char(w.day, 'YYYYMMDD')::int,
                                          'daily_agenda', 'email', 'professional'))))
ORDER BY p.id
LIMIT :limit
"""

# The instances messages go through: the professionals' own, and the platform's.
INSTANCES_IN_USE_SQL = """
SELECT DISTINCT whatsapp_instance AS instance FROM professionals
WHERE active AND whatsapp_instance IS NOT NULL AND btrim(whatsapp_instance) <> ''
ORDER BY 1
"""

PROFESSIONALS_ON_INSTANCES_SQL = """
SELECT id, name, email, timezone, locale, whatsapp_instance AS instance FROM professionals
WHERE active AND whatsapp_instance = ANY(CAST(:instances AS text[]))
ORDER BY id
"""

RECORD_CHECKS_SQL = """
INSERT INTO whatsapp_instance_checks (instance, state, alerts, error, checked_at)
SELECT * FROM unnest(CAST(:instances AS text[]), CAST(:states AS text[]),
                     CAST(:alerts AS integer[]), CAST(:errors AS text[]),
                     CAST(:checked_ats AS timestamptz[]))
"""

FAILED_DELIVERIES_SQL = """
SELECT count(*) AS failed FROM notification_deliveries
WHERE status IN ('failed', 'undeliverable', 'unknown') AND updated_at >= :since
"""

# Concurrent takers of a missing row: one inserts, the others wait on its key and then see the
# committed row in the conflict arm, whose WHERE turns them away (no row returned).
TAKE_LEASE_SQL = """
INSERT INTO job_leases AS l (job, holder, leased_until)
VALUES (:job, :holder, now() + CAST(:seconds AS integer) * interval '1 second')
ON CONFLICT (job) DO UPDATE SET holder = EXCLUDED.holder, leased_until = EXCLUDED.leased_until
WHERE l.leased_until <= now() OR l.holder = EXCLUDED.holder
RETURNING l.holder
"""

RENEW_LEASE_SQL = """
UPDATE job_leases SET leased_until = now() + CAST(:seconds AS integer) * interval '1 second'
WHERE job = :job AND holder = :holder
RETURNING holder
"""

# The row stays, naming the last holder, free from now on.
RELEASE_LEASE_SQL = """
UPDATE job_leases SET leased_until = LEAST(leased_until, now())
WHERE job = :job AND holder = :holder
"""

# Before the first page: no uuid sorts before this one.
FIRST_ID = "00000000-0000-0000-0000-000000000000"


class PostgresJobs:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def take_lease(self, job: str, *, holder: str, seconds: int) -> bool:
        return self._tx.one(TAKE_LEASE_SQL, job=job, holder=holder, seconds=seconds) is not None

    def renew_lease(self, job: str, *, holder: str, seconds: int) -> bool:
        return self._tx.one(RENEW_LEASE_SQL, job=job, holder=holder, seconds=seconds) is not None

    def release_lease(self, job: str, *, holder: str) -> None:
        self._tx.execute(RELEASE_LEASE_SQL, job=job, holder=holder)

    def active_zones(self) -> list[str]:
        return [row["timezone"] for row in self._tx.query(ACTIVE_ZONES_SQL)]

    def reminder_page(
        self,
        *,
        template: str,
        spans: Mapping[str, Span],
        after: tuple[datetime, UUID | None],
        limit: int,
    ) -> ReminderPage:
        """The next `limit` confirmed appointments in (starts_at, id) order after `after`,
        within the union of the spans; of those, the ones inside their professional's span
        whose reminders are not queued yet."""
        zones = list(spans)
        rows = self._tx.query(
            REMINDER_PAGE_SQL,
            zones=zones,
            starts=[spans[zone].start for zone in zones],
            ends=[spans[zone].end for zone in zones],
            after_starts_at=after[0],
            after_id=str(after[1] or FIRST_ID),
            until=max(span.end for span in spans.values()),
            template=template,
            limit=limit,
        )
        due = [
            Upcoming(
                appointment_id=row["id"],
                sequence=row["sequence"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                professional_id=row["professional_id"],
                professional_name=row["professional_name"],
                timezone=row["timezone"],
                locale=row["locale"],
                client_name=row["client_name"],
                client_phone=row["client_phone"],
                client_email=row["client_email"],
            )
            for row in rows
            if row["professional_id"] is not None
        ]
        last = (rows[-1]["starts_at"], rows[-1]["id"]) if rows else None
        return ReminderPage(due=due, read=len(rows), last=last)

    def agenda_page(
        self, *, days: Mapping[str, tuple[date, Span]], after_id: UUID | None, limit: int
    ) -> list[Agenda]:
        """The next `limit` professionals (by id) with appointments on their local day and no
        agenda queued for it yet."""
        zones = list(days)
        rows = self._tx.query(
            AGENDA_PAGE_SQL,
            zones=zones,
            days=[days[zone][0] for zone in zones],
            starts=[days[zone][1].start for zone in zones],
            ends=[days[zone][1].end for zone in zones],
            statuses=list(AGENDA_STATUSES),
            after_id=str(after_id or FIRST_ID),
            limit=limit,
        )
        return [
            Agenda(
                professional_id=row["id"],
                professional_name=row["name"],
                phone=row["phone"],
                email=row["email"],
                timezone=row["timezone"],
                locale=row["locale"],
                day=row["day"],
                items=[
                    AgendaItem(datetime.fromtimestamp(float(epoch), UTC), name, status)
                    for epoch, name, status in row["items"]
                ],
            )
            for row in rows
        ]

    def instances_in_use(self) -> list[str]:
        return [row["instance"] for row in self._tx.query(INSTANCES_IN_USE_SQL)]

    def professionals_on(self, instances: Sequence[str]) -> list[ProfessionalOnInstance]:
        if not instances:
            return []
        rows = self._tx.query(PROFESSIONALS_ON_INSTANCES_SQL, instances=list(instances))
        return [
            ProfessionalOnInstance(
                id=row["id"],
                name=row["name"],
                email=row["email"],
                timezone=row["timezone"],
                locale=row["locale"],
                instance=row["instance"],
            )
            for row in rows
        ]

    def record_checks(self, checks: Sequence[InstanceCheck]) -> None:
        if not checks:
            return
        self._tx.execute(
            RECORD_CHECKS_SQL,
            instances=[c.instance for c in checks],
            states=[c.state if c.state is not None else "error" for c in checks],
            alerts=[c.alerts for c in checks],
            errors=[c.error for c in checks],
            checked_ats=[c.checked_at for c in checks],
        )

    def failed_deliveries_since(self, since: datetime) -> int:
        row = self._tx.one(FAILED_DELIVERIES_SQL, since=since)
        return int(row["failed"]) if row else 0
