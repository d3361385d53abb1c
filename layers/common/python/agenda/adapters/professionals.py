"""SQL for professionals, their schedules and bookings. Every value goes as a parameter."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.adapters.postgres import overlap_is_slot_taken
from agenda.domain.errors import ScheduleChanged
from agenda.domain.language import language_of
from agenda.domain.parties import Party
from agenda.domain.plans import Account
from agenda.domain.slots import Busy, Rules, WeeklyWindow, settings_rules
from agenda.domain.statuses import RELEASED
from agenda.service.records import ProfessionalSchedule

# The records of the public page and of the booking write are imported where they are built:
# the booking read path, which loads this module on a cold start, uses neither.

if TYPE_CHECKING:
    from agenda.adapters.outbox import PostgresOutbox
    from agenda.adapters.postgres import Transaction
    from agenda.service.records import (
        BookingRecord,
        NewBooking,
        PlanCaps,
        PlanUsage,
        PublicProfile,
        ScheduleRange,
    )

# The statuses whose appointments no longer hold their time, as an SQL list; the exclusion
# constraint of the migrations names the same ones (tests hold the two together).
RELEASED_SQL = ", ".join(f"'{status}'" for status in sorted(RELEASED))

PUBLIC_PROFILE_SQL = """
SELECT p.slug, p.name, p.profession, p.bio, p.avatar_url, p.session_duration,
       p.session_price::float8 AS session_price, p.currency, p.timezone, p.locale,
       COALESCE((
           SELECT json_agg(json_build_array(
                      r.rating, r.comment, split_part(btrim(c.name), ' ', 1), r.created_at,
                      r.reply)
                  ORDER BY r.created_at DESC)
           FROM (SELECT * FROM reviews WHERE professional_id = p.id AND hidden_at IS NULL
                 ORDER BY created_at DESC LIMIT 20) r
           JOIN clients c ON c.id = r.client_id
       ), '[]') AS reviews,
       -- A hidden review counts in neither (reviews_shown_idx).
       (SELECT count(*) FROM reviews r WHERE r.professional_id = p.id AND r.hidden_at IS NULL)
           AS review_count,
       (SELECT avg(r.rating)::float8 FROM reviews r
        WHERE r.professional_id = p.id AND r.hidden_at IS NULL) AS review_average,
       COALESCE((
           SELECT json_agg(json_build_array(o.slug, o.name, o.profession, o.avatar_url)
                  ORDER BY o.name)
           FROM (SELECT slug, name, profession, avatar_url FROM professionals
                 WHERE profession = p.profession AND active AND id <> p.id
                 ORDER BY name LIMIT 6) o
       ), '[]') AS related
FROM professionals p
WHERE p.slug = :slug AND p.active
"""

# Everything the slot engine and a booking need from a professional `p`, in one round trip:
# the booking page, the booking check and the reschedule check all read exactly this, so they
# decide with one and the same rule set.
#
# Busy intervals are the live appointments' buffered ranges, the very ranges the exclusion
# constraint compares (each with the buffers it was booked with). They come as epoch seconds:
# thousands of them parse far faster from JSON numbers than from timestamp text. `{other}`
# leaves room for one more condition (the appointment being rescheduled).
_SCHEDULE_SQL = f"""
SELECT p.id, p.slug, p.schedule_version, p.plan, p.subscription_status, p.trial_ends_at,
       p.past_due_since, p.auto_confirm, p.name, p.phone, p.email, p.locale, p.payment_at_booking,
       p.payment_type, p.session_price, p.currency,
       p.timezone, p.session_duration, p.booking_horizon_days, p.buffer_before_minutes,
       p.buffer_after_minutes, p.slot_step_minutes, p.min_notice_minutes,
       COALESCE((SELECT json_agg(json_build_array(a.day_of_week, a.start_time, a.end_time))
                 FROM availability a WHERE a.professional_id = p.id), '[]') AS windows,
       COALESCE((SELECT json_agg(json_build_array(o.on_date, o.start_time, o.end_time))
                 FROM availability_overrides o
                 WHERE o.professional_id = p.id AND o.on_date BETWEEN :first_day AND :last_day),
                '[]') AS overrides,
       COALESCE((SELECT json_agg(json_build_array(b.starts_on, b.ends_on))
                 FROM blocked_periods b
                 WHERE b.professional_id = p.id AND b.ends_on >= :first_day
                   AND b.starts_on <= :last_day), '[]') AS blocked,
       COALESCE((SELECT json_agg(json_build_array(extract(epoch FROM lower(ap.blocked_during)),
                                                  extract(epoch FROM upper(ap.blocked_during))))
                 FROM appointments ap
                 WHERE ap.professional_id = p.id{{other}}
                   AND ap.status NOT IN ({RELEASED_SQL})
                   AND ap.blocked_during && tstzrange(:busy_from, :busy_until)), '[]') AS busy
FROM professionals p
"""
SCHEDULE_SQL = _SCHEDULE_SQL.format(other="") + "WHERE p.slug = :slug AND p.active\n"
# A reschedule's check: the appointment being moved is not busy.
RESCHEDULE_SCHEDULE_SQL = (
    _SCHEDULE_SQL.format(other=" AND ap.id <> :appointment_id")
    + "WHERE p.id = :professional_id AND p.active\n"
)

# The availability preview: the booking page's very read, keyed by the sign-in instead of the
# public slug (an inactive professional previews too, as they read their availability).
OWN_SCHEDULE_SQL = _SCHEDULE_SQL.format(other="") + "WHERE p.user_id = :user_id\n"

# A booking by the professional (agenda.adapters.hand_bookings): found by id, not by slug.
SCHEDULE_BY_ID_SQL = _SCHEDULE_SQL.format(other="") + "WHERE p.id = :professional_id AND p.active\n"

# The whole booking write (infra/migrations/0011_schedule_version.sql): one round trip, in
# autocommit, atomic as any statement.
BOOK_SQL = """
SELECT book_appointment(CAST(:booking AS jsonb), CAST(:max_clients AS integer),
                        CAST(:max_appointments AS integer), CAST(:decided_with AS bigint))
       AS written
"""


def epoch(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def rules_from(row: Mapping[str, Any]) -> Rules:
    """The slot engine's rules from the schedule columns of _SCHEDULE_SQL (the engine's one
    translation of the settings, which the availability preview runs over unsaved ones)."""
    overrides: dict[date, list[tuple[time, time]]] = {}
    for on_date, start, end in row["overrides"]:
        overrides.setdefault(date.fromisoformat(on_date), []).append(
            (time.fromisoformat(start), time.fromisoformat(end))
        )
    return settings_rules(
        timezone=row["timezone"],
        session_minutes=row["session_duration"],
        buffer_before_minutes=row.get("buffer_before_minutes") or 0,
        buffer_after_minutes=row.get("buffer_after_minutes") or 0,
        step_minutes=row.get("slot_step_minutes") or None,
        min_notice_minutes=row.get("min_notice_minutes") or 0,
        horizon_days=row["booking_horizon_days"],
        windows=tuple(
            WeeklyWindow(dow, time.fromisoformat(start), time.fromisoformat(end))
            for dow, start, end in row["windows"]
        ),
        overrides=overrides,
        blocked=[
            (date.fromisoformat(first), date.fromisoformat(last)) for first, last in row["blocked"]
        ],
    )


def busy_from(row: Mapping[str, Any]) -> tuple[Busy, ...]:
    """The live appointments' buffered ranges (what the exclusion constraint compares)."""
    return tuple((epoch(start), epoch(end)) for start, end in row["busy"])


def schedule_record(row: Mapping[str, Any]) -> ProfessionalSchedule:
    return ProfessionalSchedule(
        id=row["id"],
        slug=row["slug"],
        contact=Party(row["name"], row["phone"], row["email"]),
        timezone=row["timezone"],
        locale=row["locale"],
        session_duration=row["session_duration"],
        account=Account(
            plan=row["plan"],
            subscription_status=row["subscription_status"],
            trial_ends_at=row["trial_ends_at"],
            past_due_since=row["past_due_since"],
        ),
        auto_confirm=row["auto_confirm"],
        payment_at_booking=row["payment_at_booking"],
        payment_type=row["payment_type"],
        session_price=row["session_price"],
        currency=row["currency"].strip(),
        rules=rules_from(row),
        busy=busy_from(row),
        version=row["schedule_version"],
    )


class PostgresProfessionals:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def public_profile(self, slug: str) -> PublicProfile | None:
        from agenda.service.records import PublicProfile, RelatedProfessional, Review

        row = self._tx.one(PUBLIC_PROFILE_SQL, slug=slug)
        if row is None:
            return None
        return PublicProfile(
            slug=row["slug"],
            name=row["name"],
            profession=row["profession"],
            bio=row["bio"],
            avatar_url=row["avatar_url"],
            session_duration=row["session_duration"],
            session_price=row["session_price"],
            currency=row["currency"].strip(),
            timezone=row["timezone"],
            language=language_of(row["locale"]),
            reviews=tuple(Review(*review) for review in row["reviews"]),
            related=tuple(RelatedProfessional(*other) for other in row["related"]),
            review_count=int(row["review_count"]),
            review_average=row["review_average"],
        )

    def schedule(self, slug: str, within: ScheduleRange) -> ProfessionalSchedule | None:
        row = self._tx.one(SCHEDULE_SQL, slug=slug, **asdict(within))
        return schedule_record(row) if row is not None else None


class PostgresBookings:
    def __init__(self, tx: Transaction, outbox: PostgresOutbox) -> None:
        self._tx = tx
        self._outbox = outbox

    def insert(self, booking: NewBooking, caps: PlanCaps) -> BookingRecord | PlanUsage:
        from agenda.service.records import BookingRecord, OutboxMessage, PlanUsage

        payment = booking.payment
        values = {
            "appointment_id": str(booking.appointment_id),
            "professional_id": str(booking.professional_id),
            "client_name": booking.client_name,
            "phone": booking.phone,
            "email": booking.email,
            "starts_at": booking.starts_at.isoformat(),
            "ends_at": booking.ends_at.isoformat(),
            "status": booking.status,
            "buffer_before": booking.buffer_before_minutes,
            "buffer_after": booking.buffer_after_minutes,
            "title": booking.notification_title,
            "body": booking.notification_body,
            "messages": booking.messages,
            "payment_status": "pending" if payment else "none",
            "payment_expires_at": payment.expires_at.isoformat() if payment else None,
            "checkout_session_id": payment.checkout_session_id if payment else None,
            "amount_due": str(payment.amount) if payment else None,
            "month_start": caps.month_start.isoformat(),
            "month_end": caps.month_end.isoformat(),
        }
        with overlap_is_slot_taken():
            row = self._tx.one(
                BOOK_SQL,
                booking=json.dumps(values),
                max_clients=caps.max_clients,
                max_appointments=caps.max_appointments,
                decided_with=booking.schedule_version,
            )
        assert row is not None  # a function call always answers one row
        written = row["written"]
        if written.get("schedule_changed"):
            raise ScheduleChanged
        if written.get("refused"):
            return PlanUsage(
                clients=written["clients"],
                appointments_this_month=written["appointments_this_month"],
            )
        ids = written["outbox"]  # each message key's outbox row, the payloads being ours
        self._outbox.collect(
            [
                OutboxMessage(ids[message["messageKey"]], message["messageKey"], message)
                for message in booking.messages
            ]
        )
        return BookingRecord(
            appointment_id=UUID(written["appointment_id"]), status=written["status"]
        )
