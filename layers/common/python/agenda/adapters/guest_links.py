"""SQL for sending a client's manage links again: the appointments of every client record with
a phone or an email (agenda.domain.guest_links says which), in one statement.

A record whose client was anonymised, whose client account is being deleted, or whose
professional is leaving matches nothing: the links would reach someone the product is
forgetting, or open pages about to disappear.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from agenda.domain.guest_links import SENT_AGAIN
from agenda.service.records import LinkedAppointment

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction

_STATUSES = ", ".join(f"'{status}'" for status in sorted(SENT_AGAIN))

APPOINTMENTS_FOR_CONTACT_SQL = f"""
SELECT id, starts_at, ends_at, professional_id, professional_name, timezone, locale,
       client_name
FROM (
    SELECT a.id, a.starts_at, a.ends_at, p.id AS professional_id,
           p.name AS professional_name, p.timezone, p.locale, c.name AS client_name,
           row_number() OVER (PARTITION BY p.id ORDER BY a.starts_at, a.id) AS position
    FROM clients c
    JOIN professionals p ON p.id = c.professional_id
    JOIN appointments a ON a.client_id = c.id
    WHERE (c.phone = CAST(:phone AS text) OR lower(c.email) = CAST(:email AS text))
      AND c.anonymised_at IS NULL
      AND p.deletion_requested_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM client_accounts ca
                      WHERE ca.user_id = c.user_id AND ca.deletion_requested_at IS NOT NULL)
      AND a.status IN ({_STATUSES})
      AND a.ends_at > :ended_after
) found
WHERE position <= :limit
ORDER BY professional_id, starts_at, id
"""


class PostgresGuestLinks:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def appointments_for(
        self, *, phone: str | None, email: str | None, ended_after: datetime, limit: int
    ) -> list[LinkedAppointment]:
        rows = self._tx.query(
            APPOINTMENTS_FOR_CONTACT_SQL,
            phone=phone,
            email=email,
            ended_after=ended_after,
            limit=limit,
        )
        return [
            LinkedAppointment(
                id=row["id"],
                starts_at=row["starts_at"],
                ends_at=row["ends_at"],
                professional_id=row["professional_id"],
                professional_name=row["professional_name"],
                timezone=row["timezone"],
                locale=row["locale"],
                client_name=row["client_name"],
            )
            for row in rows
        ]
