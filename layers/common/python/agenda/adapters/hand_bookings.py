"""SQL of a booking the professional makes by hand (POST /api/appointments).

Everything runs in the caller's one transaction, after the professional's row is locked as
the public booking's statement locks it (infra/migrations/0011_schedule_version.sql): the
plan's counts, the client found or added and the appointment written are one decision, and
a public booking of the same professional waits for it. The range itself is the exclusion
constraint's: an overlap is SlotTaken, whoever wrote first.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.adapters.appointments import appointment_facts
from agenda.adapters.clients import LOCK_PROFESSIONAL_SQL, PostgresClients
from agenda.adapters.postgres import overlap_is_slot_taken
from agenda.adapters.professionals import SCHEDULE_BY_ID_SQL, schedule_record
from agenda.service.records import AppointmentListing, ClientListing, PlanUsage

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from agenda.adapters.postgres import Transaction
    from agenda.domain.clients import ClientDetails
    from agenda.service.records import NewHandBooking, ProfessionalSchedule, ScheduleRange

_CLIENT_COLUMNS = "id, name, phone, email, user_id IS NOT NULL AS registered"

# An anonymised client (docs/privacy.md) is nobody's to book: not found, by id or by details.
CLIENT_SQL = f"""
SELECT {_CLIENT_COLUMNS} FROM clients
WHERE id = :client_id AND professional_id = :professional_id AND anonymised_at IS NULL
"""

# As the booking's statement matches: the client with this phone (the unique key), else the
# oldest one with this email.
MATCH_SQL = f"""
SELECT {_CLIENT_COLUMNS} FROM clients
WHERE professional_id = :professional_id AND anonymised_at IS NULL
  AND (phone = :phone OR (CAST(:email AS text) IS NOT NULL AND lower(email) = :email))
ORDER BY phone = :phone DESC, created_at
LIMIT 1
"""

# What the plan's caps count, as the booking's statement counts them.
USAGE_SQL = """
SELECT (SELECT count(*) FROM clients WHERE professional_id = :professional_id) AS clients,
       (SELECT count(*) FROM appointments
        WHERE professional_id = :professional_id
          AND status NOT IN ('rejected', 'cancelled')
          AND starts_at >= :month_start AND starts_at < :month_end) AS appointments_this_month
"""

INSERT_SQL = """
INSERT INTO appointments (id, professional_id, client_id, starts_at, ends_at, status,
                          buffer_before_minutes, buffer_after_minutes, payment_status)
VALUES (:appointment_id, :professional_id, :client_id, :starts_at, :ends_at, 'confirmed',
        :buffer_before, :buffer_after, 'none')
RETURNING id, status, payment_status, starts_at, ends_at, sequence, status_changed_by,
          status_changed_at, created_at
"""


def _client(row: Mapping[str, Any]) -> ClientListing:
    return ClientListing(
        id=row["id"],
        name=row["name"],
        phone=row["phone"],
        email=row["email"],
        registered=row["registered"],
    )


class PostgresHandBookings:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def lock_professional(self, user_id: str) -> UUID | None:
        row = self._tx.one(LOCK_PROFESSIONAL_SQL, user_id=user_id)
        return None if row is None else row["id"]

    def schedule(self, professional_id: UUID, within: ScheduleRange) -> ProfessionalSchedule | None:
        row = self._tx.one(SCHEDULE_BY_ID_SQL, professional_id=professional_id, **asdict(within))
        return schedule_record(row) if row is not None else None

    def client(self, professional_id: UUID, client_id: UUID) -> ClientListing | None:
        row = self._tx.one(CLIENT_SQL, professional_id=professional_id, client_id=client_id)
        return None if row is None else _client(row)

    def match(self, professional_id: UUID, phone: str, email: str | None) -> ClientListing | None:
        row = self._tx.one(MATCH_SQL, professional_id=professional_id, phone=phone, email=email)
        return None if row is None else _client(row)

    def usage(self, professional_id: UUID, month_start: datetime, month_end: datetime) -> PlanUsage:
        row = self._tx.one(
            USAGE_SQL, professional_id=professional_id, month_start=month_start, month_end=month_end
        )
        assert row is not None  # two counts always answer one row
        return PlanUsage(
            clients=row["clients"], appointments_this_month=row["appointments_this_month"]
        )

    def add_client(
        self, professional_id: UUID, details: ClientDetails, fields: Sequence[str]
    ) -> UUID | None:
        # The statement of POST /api/clients: source 'professional' and its 'created' change.
        return PostgresClients(self._tx).insert(professional_id, details, fields)

    def insert(self, booking: NewHandBooking, client: ClientListing) -> AppointmentListing:
        with overlap_is_slot_taken("Someone has just booked that time: please choose another one"):
            row = self._tx.one(
                INSERT_SQL,
                appointment_id=booking.appointment_id,
                professional_id=booking.professional_id,
                client_id=booking.client_id,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                buffer_before=booking.buffer_before_minutes,
                buffer_after=booking.buffer_after_minutes,
            )
        assert row is not None  # an insert with RETURNING answers its row
        return AppointmentListing(
            id=row["id"],
            facts=appointment_facts(row),
            status_changed_by=row["status_changed_by"],
            status_changed_at=row["status_changed_at"],
            created_at=row["created_at"],
            client=client,
        )
