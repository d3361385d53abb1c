"""After a booking lands: the professional's dashboard, and changes through the state machine.

A change runs in one short transaction: lock the appointment row (finding it only for its
professional or its client), decide with the pure lifecycle rules, check a reschedule target
against the slot engine, give a paid session's money back when the change ends it, then write
the new state, its audit record, the professional's in-app notice and the messages together.
The messages go to the queue after the commit, as a booking's do.

The refund is asked of Stripe inside the transaction, under the row's lock: if Stripe cannot
answer, nothing changes and the caller is told to try again (503); if the commit fails after
Stripe refunded, the retry's refund answers the same refund (its idempotency key is the
appointment's), and Stripe's ``charge.refunded`` event records it even if nobody retries.

The dashboard is the read path: it imports neither pydantic nor boto3.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from agenda.domain.errors import (
    DomainError,
    Forbidden,
    NotFound,
    SlotTaken,
    SlotUnavailable,
    ValidationFailed,
    in_language,
    known_id,
)
from agenda.domain.lifecycle import Role, decide, permit, professional_actions, refund_due
from agenda.domain.queries import parse_list_query
from agenda.observability import count, logger
from agenda.pagination import encode_cursor
from agenda.service.records import AppointmentListing, ClientListing

if TYPE_CHECKING:
    from agenda.domain.lifecycle import Change
    from agenda.service.links import GuestLinks
    from agenda.service.ports import ChangeStores, Clock, Stripe, UnitOfWork
    from agenda.service.records import AppointmentPayment, AppointmentRecord


# A registered client's own appointments are in their profile: the refusal says where.
NOT_A_PROFESSIONAL = (
    "Only a professional has an appointments dashboard:"
    " a client's appointments are at /api/client-profile"
)


@dataclass(frozen=True, slots=True)
class AppointmentsDependencies:
    uow: UnitOfWork[ChangeStores]
    links: GuestLinks
    clock: Clock
    # Refunds a paid session a change ends, and closes the checkout of a hold that is
    # cancelled. None where no appointment is ever paid online.
    stripe: Stripe | None = None


@dataclass(frozen=True, slots=True)
class Requester:
    """Who asks for a change: a verified JWT subject, or the holder of a guest link."""

    user_id: str | None  # None: the holder of a guest link

    def audit_role(self, role: Role) -> str:
        return "guest" if self.user_id is None else role

    def label(self, role: Role) -> str:
        """What status_changed_by records: "professional:<sub>", "client:<sub>" or "guest"."""
        return "guest" if self.user_id is None else f"{role}:{self.user_id}"


GUEST = Requester(user_id=None)


@dataclass(frozen=True, slots=True)
class _Move:
    """Where a reschedule goes, and the buffers it was checked with (stored with it)."""

    starts_at: datetime
    ends_at: datetime
    buffer_before_minutes: int
    buffer_after_minutes: int


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    action: str
    starts_at: datetime | None
    reason: str | None
    late_cancellation: bool = False


@dataclass(frozen=True, slots=True)
class _Refund:
    """The money a change gave back, or None: what was paid stays paid (a late cancellation,
    or a payment the professional took by hand and returns themselves)."""

    refund_id: str | None  # None: Stripe had already refunded it (from its dashboard)
    amount: Decimal | None


# --- the dashboard ---------------------------------------------------------------------------


def list_appointments(
    deps: AppointmentsDependencies, params: Mapping[str, str] | None, *, user_id: str
) -> dict[str, Any]:
    """GET /api/appointments: one page of a view of the signed-in professional's appointments,
    in their time zone, with each client's name and contact."""
    query = parse_list_query(params)
    now = deps.clock()
    page = deps.uow.read(
        lambda stores: stores.appointments.page(
            user_id,
            view=query.view,
            now=now,
            from_day=query.from_day,
            to_day=query.to_day,
            after=query.after,
            limit=query.limit + 1,
        )
    )
    if page is None:
        raise Forbidden(NOT_A_PROFESSIONAL)
    zone = ZoneInfo(page.timezone)
    items, more = page.items[: query.limit], len(page.items) > query.limit
    return {
        "view": query.view,
        "timezone": page.timezone,
        "items": [appointment_item(item, zone, now=now) for item in items],
        "nextCursor": encode_cursor(items[-1].facts.starts_at, items[-1].id) if more else None,
    }


def appointment_item(item: AppointmentListing, zone: ZoneInfo, *, now: datetime) -> dict[str, Any]:
    """One appointment as the professional's dashboard shows it, with the actions the state
    machine lets them take on it `now`."""
    facts = item.facts
    starts = facts.starts_at.astimezone(zone)
    changed_at, changed_by = item.status_changed_at, item.status_changed_by
    return {
        "id": str(item.id),
        "status": facts.status,
        "paymentStatus": facts.payment_status,
        "startsAt": starts.isoformat(),
        "endsAt": facts.ends_at.astimezone(zone).isoformat(),
        "localDate": starts.date().isoformat(),
        "time": f"{starts.hour:02d}:{starts.minute:02d}",
        "sequence": facts.sequence,
        "statusChangedAt": changed_at.astimezone(zone).isoformat() if changed_at else None,
        # The role only: the account ids behind it are nobody else's business.
        "statusChangedBy": changed_by.partition(":")[0] if changed_by else None,
        "createdAt": item.created_at.astimezone(zone).isoformat(),
        "actions": list(professional_actions(facts, now=now)),
        "client": {
            "id": str(item.client.id),
            "name": item.client.name,
            "phone": item.client.phone,
            "email": item.client.email,
            "registered": item.client.registered,
        },
    }


def listing_of(record: AppointmentRecord) -> AppointmentListing:
    client = record.client
    return AppointmentListing(
        id=record.id,
        facts=record.facts,
        status_changed_by=record.status_changed_by,
        status_changed_at=record.status_changed_at,
        created_at=record.created_at,
        client=ClientListing(
            id=client.id,
            name=client.contact.name,
            phone=client.contact.phone,
            email=client.contact.email,
            registered=client.user_id is not None,
        ),
    )


# --- changes ---------------------------------------------------------------------------------


def change_as_user(
    deps: AppointmentsDependencies, appointment_id: str, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """PATCH /api/appointments/{id} by the owner professional or the appointment's client."""
    from agenda.contract import AppointmentChange, validate

    target = known_id(appointment_id, "We could not find this appointment")
    request = validate(AppointmentChange, body)
    if request.action == "reschedule" and request.starts_at is None:
        raise ValidationFailed(
            "Some fields are missing or invalid",
            fields={"startsAt": "is required to reschedule"},
        )
    record = apply_change(
        deps,
        ChangeRequest(request.action, request.starts_at, request.reason, request.late_cancellation),
        requester=Requester(user_id),
        lock=lambda stores: stores.appointments.lock_for_user(target, user_id),
    )
    return appointment_item(
        listing_of(record), ZoneInfo(record.professional.timezone), now=deps.clock()
    )


def apply_change(
    deps: AppointmentsDependencies,
    request: ChangeRequest,
    *,
    requester: Requester,
    lock: Callable[[ChangeStores], AppointmentRecord | None],
) -> AppointmentRecord:
    """Run one change in one transaction; return the appointment as it now is."""
    from agenda.domain.appointment_messages import MessageContext, messages_for
    from agenda.domain.notices import change_notices
    from agenda.service.records import AppliedChange

    now = deps.clock()
    deps.links.ready()
    # The professional's language once the appointment is read: a refusal is answered in it.
    spoken: list[str] = []

    def work(stores: ChangeStores) -> tuple[AppointmentRecord, AppointmentRecord]:
        record = lock(stores)
        if record is None:
            raise NotFound("We could not find this appointment")
        spoken.append(record.professional.locale)
        role = record.role
        professional = record.professional
        move: _Move | None = None
        if request.action == "reschedule":
            # Who may and whether the status allows it come first: the slot is looked at
            # only for someone entitled to move this appointment.
            _permit(record, request.action, now)
            assert request.starts_at is not None
            move = _free_slot(stores, record, request.starts_at, now)
        try:
            change = decide(
                record.facts,
                request.action,
                role=role,
                policy=professional.policy,
                now=now,
                new_range=(move.starts_at, move.ends_at) if move else None,
                late_cancellation=request.late_cancellation,
            )
        except Forbidden as refused:
            raise _offering_contact(refused, record) from None
        refund = _refund(deps, record, change)
        if refund is not None:
            change = replace(change, after=replace(change.after, payment_status="refunded"))
        ends_at = change.after.ends_at
        envelopes = messages_for(
            change,
            MessageContext(
                appointment_id=record.id,
                professional=professional.contact,
                client=record.client.contact,
                timezone=professional.timezone,
                locale=professional.locale,
                reason=request.reason,
                manage_url=deps.links.manage_url(record.id, ends_at),
                register_url=(
                    None
                    if record.client.user_id is not None
                    else deps.links.register_url(record.client.id, now)
                ),
                booking_url=deps.links.booking_url(professional.slug),
                dashboard_url=deps.links.dashboard_url(),
                refund=_refund_word(record, change, refund),
                currency=professional.currency,
                refunded_amount=refund.amount if refund else None,
            ),
        )
        written = stores.appointments.apply(
            record,
            AppliedChange(
                change=change,
                actor_role=requester.audit_role(role),
                actor_id=requester.user_id,
                actor_label=requester.label(role),
                reason=request.reason,
                buffer_before_minutes=move.buffer_before_minutes if move else None,
                buffer_after_minutes=move.buffer_after_minutes if move else None,
                refund_id=refund.refund_id if refund else None,
                refunded_amount=refund.amount if refund else None,
            ),
        )
        stores.outbox.add([(professional.id, envelope) for envelope in envelopes])
        stores.notices.add(
            professional.id,
            change_notices(
                change,
                record.id,
                record.client.contact.name,
                professional.timezone,
                refunded=refund is not None,
                locale=professional.locale,
            ),
        )
        after = replace(
            record,
            facts=written.facts,
            status_changed_by=written.status_changed_by,
            status_changed_at=written.status_changed_at,
            updated_at=written.updated_at,
        )
        return record, after

    try:
        before, after = deps.uow.run(work)
    except DomainError as exc:
        if spoken:
            in_language(exc, spoken[-1])
        if isinstance(exc, SlotTaken):
            count("AppointmentRescheduleConflict")
        else:
            count("AppointmentChangeRefused", action=request.action, code=exc.code)
        raise
    if before.facts.status == "pending_payment" and after.facts.status == "cancelled":
        _close_checkout(deps, before)
    actor_role = requester.audit_role(before.role)
    count("AppointmentChanged", action=request.action, actor=actor_role)
    logger.info(
        "appointment changed",
        extra={
            "appointment_id": str(after.id),
            "professional_id": str(after.professional.id),
            "action": request.action,
            "actor_role": actor_role,
            "from_status": before.facts.status,
            "to_status": after.facts.status,
            "sequence": after.facts.sequence,
        },
    )
    return after


def _permit(record: AppointmentRecord, action: str, now: datetime) -> None:
    try:
        permit(record.facts, action, role=record.role, policy=record.professional.policy, now=now)
    except Forbidden as refused:
        raise _offering_contact(refused, record) from None


def _offering_contact(refused: Forbidden, record: AppointmentRecord) -> Forbidden:
    """A client refused by the policy is told to contact the professional: with the way the
    professional published for it, if they did (never their private phone or email)."""
    if record.role == "client":
        refused.contact = record.professional.public_contact
    return refused


def refundable(record: AppointmentRecord, change: Change) -> AppointmentPayment | None:
    """The online payment this change gives back, or None: the one rule a change applies,
    and what the guest page tells a client before they cancel."""
    if not refund_due(change) or record.payment is None:
        return None
    return record.payment


def _refund(
    deps: AppointmentsDependencies, record: AppointmentRecord, change: Change
) -> _Refund | None:
    """Give a paid session's money back when the change ends it (DESIGN.md, late
    cancellation). Only what Stripe took can be given back here."""
    payment = refundable(record, change)
    if payment is None:
        return None
    if deps.stripe is None:
        raise RuntimeError("a session paid through Stripe is refunded through Stripe")
    refund_id = deps.stripe.refund(payment.payment_intent_id, appointment_id=record.id)
    count("AppointmentRefunded", action=change.action, actor=change.role)
    logger.info(
        "payment refunded",
        extra={"appointment_id": str(record.id), "refund_id": refund_id, "action": change.action},
    )
    return _Refund(refund_id, payment.amount)


def _refund_word(record: AppointmentRecord, change: Change, refund: _Refund | None) -> str | None:
    """What the cancellation message says of the money: given back, kept (late), or nothing
    (nothing was paid online)."""
    if refund is not None:
        return "refunded"
    if change.late_cancellation and record.payment is not None:
        return "kept"
    return None


def _close_checkout(deps: AppointmentsDependencies, record: AppointmentRecord) -> None:
    """A hold its client cancelled: its Checkout Session can no longer be paid (best effort;
    a payment that still arrives is refunded, agenda.service.payments)."""
    if deps.stripe is not None and record.checkout_session_id is not None:
        deps.stripe.expire_checkout(record.checkout_session_id)


def _free_slot(
    stores: ChangeStores, record: AppointmentRecord, starts_at: datetime, now: datetime
) -> _Move:
    """The slot a reschedule moves to: one the booking page would offer, with the appointment's
    own current range counted as free. The exclusion constraint still has the last word."""
    from agenda.service.schedule import bookable_slot, range_around

    schedule = stores.appointments.reschedule_schedule(
        record.professional.id, record.id, range_around(starts_at)
    )
    if schedule is None:
        raise SlotUnavailable("This professional is not taking bookings at the moment")
    rules = schedule.rules
    slot = bookable_slot(rules, starts_at, busy=schedule.busy, now=now)
    return _Move(
        slot.starts_at, slot.ends_at, rules.buffer_before_minutes, rules.buffer_after_minutes
    )
