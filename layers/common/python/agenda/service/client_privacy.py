"""A registered client's privacy rights (LGPD): the export of everything held about them, and
the deletion of their account in the two phases of DESIGN.md's decision (docs/privacy.md,
"Clients").

``delete_client_profile`` is phase one. It reads the upcoming live appointments of the
account (with every professional), asks Stripe for the refunds the cancellations owe before
anything is written (Stripe down is a 503 with nothing changed; a refund's idempotency key is
its appointment's, so a retried deletion gets the same refund back), then in one transaction
marks the account, cancels each appointment as the appointment route does for its client
(the row locked, the lifecycle's change, the audit row, the refund recorded), and tells each
professional of the account's rows: an in-app notice, and the catalogue's "cancelled by the
client" for each session that was theirs to see, naming the client by a placeholder only.
``purge_deleted_clients`` is phase two, the client_purge job.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.client_deletion import (
    PURGE_DEADLINE_SECONDS,
    CancelledSession,
    ProfessionalTold,
    check_confirmation,
    deletion_change,
    deletion_messages,
    deletion_notice,
    reason_for,
)
from agenda.domain.errors import ClientProfileNotFound
from agenda.domain.lifecycle import refund_due
from agenda.domain.statuses import LIVE
from agenda.observability import count, logger

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal

    from agenda.service.ports import ClientPrivacyStores, Clock, RateLimiter, Stripe, UnitOfWork
    from agenda.service.records import AppointmentRecord

# Accounts purged per run, each in its own transaction (as the professionals' purge).
PURGE_BATCH = 25


@dataclass(frozen=True, slots=True)
class ClientPrivacyDependencies:
    uow: UnitOfWork[ClientPrivacyStores]
    stripe: Stripe  # the refunds of cancelled paid sessions
    limiter: RateLimiter  # on the deletion only
    clock: Clock


@dataclass(frozen=True, slots=True)
class ClientPurgeDependencies:
    uow: UnitOfWork[ClientPrivacyStores]
    clock: Clock


def export_client_profile(deps: ClientPrivacyDependencies, *, user_id: str) -> dict[str, Any]:
    """GET /api/client-profile/export: every section, rows in camelCase."""
    from agenda.service.privacy import camel, camel_row, camel_rows

    found = deps.uow.read(lambda stores: stores.client_privacy.export(user_id))
    if found is None:
        raise ClientProfileNotFound()
    document: dict[str, Any] = {"exportedAt": deps.clock().isoformat()}
    for name, value in found.items():
        document[camel(name)] = camel_row(value) if isinstance(value, dict) else camel_rows(value)
    logger.info("client profile exported", extra={"sections": len(found)})
    count("ClientProfileExported")
    return document


def delete_client_profile(
    deps: ClientPrivacyDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """DELETE /api/client-profile with {"confirm": "<the account's email or phone>"}: phase
    one. A repeat while the purge waits cancels nothing new and answers the same shape."""
    from agenda.contract import ClientProfileDeletion, validate

    deps.limiter.check(user_id)
    confirm = validate(ClientProfileDeletion, body).confirm
    now = deps.clock()
    subject = deps.uow.read(lambda stores: stores.client_privacy.subject(user_id, now=now))
    if subject is None:
        raise ClientProfileNotFound()
    check_confirmation(confirm, phone=subject.phone, email=subject.email)
    refunds = _refunds(deps, subject.upcoming, user_id=user_id, now=now)

    def first_phase(stores: ClientPrivacyStores) -> tuple[list[AppointmentRecord], int, int]:
        if not stores.client_privacy.mark(user_id, now=now):
            raise ClientProfileNotFound()
        cancelled: list[AppointmentRecord] = []
        by_row: dict[UUID, list[CancelledSession]] = {}
        refunded = 0
        for appointment_id in subject.upcoming:
            record = stores.appointments.lock_for_user(appointment_id, user_id)
            if record is None or record.role != "client" or not _upcoming(record, now):
                continue  # changed since it was read: another change has the last word
            refund = refunds.get(record.id) or _refund(deps, record, now)
            written = _cancel(stores, record, refund, user_id=user_id, now=now)
            if refund is not None:
                refunded += 1
            cancelled.append(record)
            by_row.setdefault(record.client.id, []).append(
                CancelledSession(
                    record.id,
                    record.facts.starts_at,
                    written,
                    announced=record.facts.status != "pending_payment",
                )
            )
        professionals = 0
        for row in subject.rows:
            told = ProfessionalTold(
                professional_id=row.professional_id,
                client_id=row.client_id,
                contact=row.professional,
                locale=row.locale,
                timezone=row.timezone,
                cancelled=tuple(by_row.get(row.client_id, ())),
                kept=row.appointments,
            )
            stores.client_privacy.notify(row.professional_id, row.client_id, deletion_notice(told))
            stores.outbox.add([(row.professional_id, e) for e in deletion_messages(told)])
            professionals += 1
        return cancelled, refunded, professionals

    cancelled, refunded, professionals = deps.uow.run(first_phase)
    for record in cancelled:
        if record.facts.status == "pending_payment" and record.checkout_session_id is not None:
            # A hold's Checkout Session can no longer be paid (best effort, as the route's).
            deps.stripe.expire_checkout(record.checkout_session_id)
    count("ClientDeletionRequested")
    logger.info(
        "client deletion requested",
        extra={
            "cancelled_appointments": len(cancelled),
            "refunded_appointments": refunded,
            "notified_professionals": professionals,
            "repeat": subject.deletion_requested_at is not None,
        },
    )
    return {
        "status": "deletion_scheduled",
        "cancelledAppointments": len(cancelled),
        "refundedAppointments": refunded,
        "notifiedProfessionals": professionals,
    }


def _upcoming(record: AppointmentRecord, now: datetime) -> bool:
    return record.facts.status in LIVE and record.facts.starts_at > now


@dataclass(frozen=True, slots=True)
class _Refund:
    refund_id: str | None  # None: Stripe had refunded it already
    amount: Decimal | None


def _refunds(
    deps: ClientPrivacyDependencies,
    upcoming: tuple[UUID, ...],
    *,
    user_id: str,
    now: datetime,
) -> dict[UUID, _Refund]:
    """The refunds the cancellations owe, asked of Stripe before the transaction."""
    if not upcoming:
        return {}

    def read(stores: ClientPrivacyStores) -> list[AppointmentRecord]:
        found = (stores.appointments.lock_for_user(a, user_id) for a in upcoming)
        return [r for r in found if r is not None and r.role == "client"]

    refunds: dict[UUID, _Refund] = {}
    for record in deps.uow.read(read):
        if _upcoming(record, now):
            refund = _refund(deps, record, now)
            if refund is not None:
                refunds[record.id] = refund
    return refunds


def _refund(
    deps: ClientPrivacyDependencies, record: AppointmentRecord, now: datetime
) -> _Refund | None:
    """The money the cancellation gives back, asked of Stripe: before the transaction, and
    again under the row's lock only for a payment that arrived in between (as the appointment
    route does every refund)."""
    if record.payment is None:
        return None
    if not refund_due(deletion_change(record.facts, record.professional.policy, now=now)):
        return None
    refund_id = deps.stripe.refund(record.payment.payment_intent_id, appointment_id=record.id)
    count("AppointmentRefunded", action="cancel", actor="client")
    return _Refund(refund_id, record.payment.amount)


def _cancel(
    stores: ClientPrivacyStores,
    record: AppointmentRecord,
    refund: _Refund | None,
    *,
    user_id: str,
    now: datetime,
) -> int:
    """Cancel one appointment as its client, with its audit row; answers its new sequence."""
    from dataclasses import replace

    from agenda.service.records import AppliedChange

    change = deletion_change(record.facts, record.professional.policy, now=now)
    if refund is not None:
        change = replace(change, after=replace(change.after, payment_status="refunded"))
    written = stores.appointments.apply(
        record,
        AppliedChange(
            change=change,
            actor_role="client",
            actor_id=user_id,
            actor_label=f"client:{user_id}",
            reason=reason_for(record.professional.locale),
            refund_id=refund.refund_id if refund else None,
            refunded_amount=refund.amount if refund else None,
        ),
    )
    return written.facts.sequence


def purge_deleted_clients(
    deps: ClientPurgeDependencies, *, batch: int = PURGE_BATCH
) -> dict[str, int]:
    """Phase two, for every marked account with nothing owed about them on its way (or past
    its deadline); each in its own transaction, locked with SKIP LOCKED."""
    from agenda.service.privacy import purge_in_turn

    return purge_in_turn(
        lambda: deps.uow.run(partial(_purge_one, now=deps.clock())),
        batch=batch,
        metric="ClientAccountsPurged",
    )


def _purge_one(stores: ClientPrivacyStores, *, now: datetime) -> dict[str, int] | None:
    ready = stores.client_privacy.ready_for_purge(
        now=now, deadline_seconds=PURGE_DEADLINE_SECONDS, limit=1
    )
    if not ready:
        return None
    done = stores.client_privacy.purge(ready[0])
    logger.info("client account purged", extra=done)
    return done
