"""The appointment lifecycle: who may do what to an appointment, and what it becomes.

Pure rules over plain values. The service loads an appointment, asks ``decide`` what a request
would do, writes the answer and queues the messages it causes
(``agenda.domain.appointment_messages``), all in one transaction.

Rules, checked in this order so an answer never reveals more than the caller may know:

1. The action is one of ``ACTIONS`` (anything else is a 400).
2. The role may take it: the professional may take every action; the client (signed in, or
   through the guest link) may only cancel and reschedule (else 403).
3. The status allows it (``TRANSITIONS``; else 409 INVALID_TRANSITION). ``paid`` also needs an
   unpaid appointment; ``complete`` and ``no_show`` need a session that has started.
4. A client keeps to the professional's policy: cancel or reschedule no later than the notice
   before the session starts (else 403). The professional always may.

A change that a calendar copy must pick up (its times, or its calendar status: tentative,
confirmed or cancelled) bumps the appointment's ``sequence``: the ICS SEQUENCE, and the version
in the keys of the messages it causes, so a second reschedule is a new message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from agenda.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from agenda.domain.statuses import (
    ACTIONS,
    CLIENT_ACTIONS,
    LIVE,
    PAYMENT_STATUSES,
    PENDING,
    RELEASED,
    STATUSES,
    UNPAID,
    Actor,
    Role,
)

# action -> {status it may start from: status it leads to}
TRANSITIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "confirm": MappingProxyType(dict.fromkeys(PENDING, "confirmed")),
        "reject": MappingProxyType(dict.fromkeys(PENDING, "rejected")),
        "cancel": MappingProxyType(dict.fromkeys(LIVE, "cancelled")),
        "reschedule": MappingProxyType({status: status for status in LIVE}),
        "complete": MappingProxyType({"confirmed": "completed"}),
        "no_show": MappingProxyType({"confirmed": "no_show"}),
        # The professional saw the money arrive: an appointment waiting only on payment is now
        # confirmed; any other keeps its status. A cancelled or rejected one is a refund matter.
        "paid": MappingProxyType(
            {
                "pending_payment": "confirmed",
                "pending_confirmation": "pending_confirmation",
                "confirmed": "confirmed",
                "completed": "completed",
                "no_show": "no_show",
            }
        ),
    }
)

# How each status shows in a calendar (ICS STATUS).
CALENDAR_STATUS: Mapping[str, str] = MappingProxyType(
    {
        "pending_payment": "TENTATIVE",
        "pending_confirmation": "TENTATIVE",
        "confirmed": "CONFIRMED",
        "completed": "CONFIRMED",
        "no_show": "CONFIRMED",
        "rejected": "CANCELLED",
        "cancelled": "CANCELLED",
    }
)

# How the refusals name an action and a status, in words a client reads.
_DONE = {
    "confirm": "confirmed",
    "reject": "declined",
    "cancel": "cancelled",
    "paid": "marked as paid",
    "complete": "marked as completed",
    "no_show": "marked as a no-show",
    "reschedule": "rescheduled",
}
_ONLY_THE_PROFESSIONAL = {
    "confirm": "confirm an appointment",
    "reject": "decline an appointment",
    "paid": "mark an appointment as paid",
    "complete": "mark an appointment as completed",
    "no_show": "mark an appointment as a no-show",
}
_IS = {
    "pending_payment": "is still awaiting payment",
    "pending_confirmation": "is still awaiting confirmation",
    "confirmed": "is already confirmed",
    "rejected": "was declined",
    "cancelled": "was cancelled",
    "completed": "was completed",
    "no_show": "was marked as a no-show",
}
_PAYMENT_WAS = {"paid": "was already paid", "refunded": "was refunded"}
_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Appointment:
    """The facts of an appointment the rules read and write. Instants are aware."""

    status: str
    payment_status: str
    starts_at: datetime
    ends_at: datetime
    sequence: int

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")
        if self.payment_status not in PAYMENT_STATUSES:
            raise ValueError(f"unknown payment status {self.payment_status!r}")
        for name in ("starts_at", "ends_at"):
            moment: datetime = getattr(self, name)
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")
        if _utc(self.ends_at) <= _utc(self.starts_at):
            raise ValueError("an appointment must end after it starts")


@dataclass(frozen=True, slots=True)
class Policy:
    """What a professional allows clients: how many hours ahead they may still change a booking."""

    cancellation_notice_hours: int = 24
    reschedule_notice_hours: int = 24

    def __post_init__(self) -> None:
        if self.cancellation_notice_hours < 0 or self.reschedule_notice_hours < 0:
            raise ValueError("notice hours must not be negative")

    def notice_hours(self, action: str) -> int:
        return (
            self.cancellation_notice_hours if action == "cancel" else self.reschedule_notice_hours
        )

    def deadline(self, action: str, starts_at: datetime) -> datetime:
        """The last moment a client may still take this action (cancel or reschedule)."""
        return _utc(starts_at) - _HOUR * self.notice_hours(action)

    def client_may(self, action: str, starts_at: datetime, now: datetime) -> bool:
        return action in CLIENT_ACTIONS and _utc(now) <= self.deadline(action, starts_at)


@dataclass(frozen=True, slots=True)
class Change:
    """What an action does to an appointment: its facts before and after."""

    action: str
    role: Actor
    before: Appointment
    after: Appointment
    # The professional counted a cancellation as a late one by the client (DESIGN.md).
    late_cancellation: bool = False

    @property
    def moved(self) -> bool:
        return _utc(self.before.starts_at) != _utc(self.after.starts_at) or _utc(
            self.before.ends_at
        ) != _utc(self.after.ends_at)

    @property
    def status_changed(self) -> bool:
        return self.before.status != self.after.status


def permit(
    appointment: Appointment, action: str, *, role: Role, policy: Policy, now: datetime
) -> tuple[str, str]:
    """The status and payment status ``action`` leads to, or the error that refuses it (rules
    1 to 4 of the module). A reschedule is checked here before its target slot is looked at."""
    if action not in ACTIONS:
        raise ValidationFailed(
            "That is not something that can be done to an appointment",
            fields={"action": f"must be one of: {', '.join(ACTIONS)}"},
        )
    if role == "client" and action not in CLIENT_ACTIONS:
        raise Forbidden(f"Only the professional can {_ONLY_THE_PROFESSIONAL[action]}")
    status = appointment.status
    target = TRANSITIONS[action].get(status)
    if target is None:
        raise InvalidTransition(_refusal(action, status))
    payment = appointment.payment_status
    if action == "paid":
        if payment == "paid":
            raise InvalidTransition("This appointment was already paid")
        if payment not in UNPAID:
            raise InvalidTransition(
                f"This appointment's payment {_PAYMENT_WAS[payment]}, so it cannot be"
                " marked as paid"
            )
        payment = "paid"
    if action in ("complete", "no_show") and _utc(now) < _utc(appointment.starts_at):
        raise InvalidTransition(
            f"This session has not started yet, so it cannot be {_DONE[action]}"
        )
    if role == "client" and not policy.client_may(action, appointment.starts_at, now):
        raise Forbidden(_policy_message(action, policy))
    return target, payment


# Read for a client's actions only: the professional's are never limited by the notice.
_PROFESSIONAL_POLICY = Policy()


def professional_actions(appointment: Appointment, *, now: datetime) -> tuple[str, ...]:
    """The actions ``permit`` lets the professional take on the appointment now, in the
    allowlist's order: what the dashboard offers. A reschedule's target is checked when one is
    asked for."""
    allowed = []
    for action in ACTIONS:
        try:
            permit(appointment, action, role="professional", policy=_PROFESSIONAL_POLICY, now=now)
        except InvalidTransition:
            continue
        allowed.append(action)
    return tuple(allowed)


def decide(
    appointment: Appointment,
    action: str,
    *,
    role: Role,
    policy: Policy,
    now: datetime,
    new_range: tuple[datetime, datetime] | None = None,
    late_cancellation: bool = False,
) -> Change:
    """The change ``action`` makes, or the error that refuses it (see ``permit``).

    ``new_range`` is the slot a reschedule moves to; the caller has checked that it is a real
    free slot of the professional (``agenda.domain.slots.find_slot``). ``late_cancellation``:
    the professional cancels and counts it as a late cancellation by the client (only the
    professional may say so, and only of a cancellation).
    """
    if late_cancellation and action != "cancel":
        raise ValidationFailed(
            "Only a cancellation can be counted as late",
            fields={"lateCancellation": "applies only to the cancel action"},
        )
    status, payment = permit(appointment, action, role=role, policy=policy, now=now)
    if late_cancellation and role != "professional":
        raise Forbidden("Only the professional can count a cancellation as late")
    starts_at, ends_at = appointment.starts_at, appointment.ends_at
    if action == "reschedule":
        if new_range is None:
            raise ValueError("a reschedule needs the new range")
        starts_at, ends_at = new_range
        if _utc(starts_at) == _utc(appointment.starts_at):
            raise ValidationFailed(
                "The appointment is already at that time: choose another one",
                fields={"startsAt": "must differ from the appointment's current time"},
            )
    after = Appointment(status, payment, starts_at, ends_at, appointment.sequence)
    change = Change(action, role, appointment, after, late_cancellation)
    if change.moved or CALENDAR_STATUS[appointment.status] != CALENDAR_STATUS[status]:
        change = replace(change, after=replace(after, sequence=appointment.sequence + 1))
    return change


def refund_due(change: Change) -> bool:
    """Whether ending this appointment gives its payment back (DESIGN.md, late cancellation):
    a paid appointment that is rejected, cancelled by its client in time, or cancelled by the
    professional unless they count it as a late cancellation by the client. (A client's
    cancellation after the notice is refused before it gets here.)"""
    if change.before.payment_status != "paid" or change.after.status not in RELEASED:
        return False
    return not change.late_cancellation


def _refusal(action: str, status: str) -> str:
    """Why the status refuses the action: already done, over, or not there yet."""
    if status in TRANSITIONS[action].values():
        return f"This appointment was already {_DONE[action]}"
    if status in PENDING:
        return f"This appointment {_IS[status]}, so it cannot be {_DONE[action]}"
    return f"This appointment {_IS[status]}, so it can no longer be {_DONE[action]}"


def _policy_message(action: str, policy: Policy) -> str:
    hours = policy.notice_hours(action)
    verb = "cancelled" if action == "cancel" else "rescheduled"
    if hours == 0:
        return (
            f"This appointment can no longer be {verb} online: it has started."
            " Please contact the professional."
        )
    return (
        f"Appointments with this professional can be {verb} online up to {hours} hours before"
        " they start. Please contact the professional."
    )


def _utc(moment: datetime) -> datetime:
    # Within one zone Python compares wall fields (PEP 495); in UTC that is the instant.
    return moment.astimezone(UTC)


def settle_payment(appointment: Appointment, *, auto_confirm: bool) -> Change | None:
    """Stripe reported the booking's payment. A booking held for payment becomes a booking:
    confirmed when the professional confirms automatically, else awaiting confirmation. An
    appointment that already went on (a professional marked it paid by hand) only records the
    payment. A cancelled or rejected one answers None: the caller tries to reinstate it
    (``reinstate_paid``) or refunds the money. An already paid one also answers None."""
    if appointment.payment_status not in UNPAID:
        return None
    if appointment.status == "pending_payment":
        status = "confirmed" if auto_confirm else "pending_confirmation"
    elif appointment.status in RELEASED:
        return None
    else:
        status = appointment.status
    return _system_change(appointment, "paid", status, "paid")


def reinstate_paid(appointment: Appointment, *, auto_confirm: bool) -> Change:
    """A payment that arrived after its hold was released (the session was paid in its last
    moment, the event came late): the booking comes back, if its slot is still free (the
    exclusion constraint decides when the change is written)."""
    if appointment.status != "cancelled":
        raise ValueError("only a released booking is reinstated")
    status = "confirmed" if auto_confirm else "pending_confirmation"
    return _system_change(appointment, "paid", status, "paid")


def release_hold(appointment: Appointment, *, payment_status: str = "none") -> Change | None:
    """A booking held for payment that was not paid in time (or whose payment failed) is
    cancelled, freeing its slot. Anything else is left alone (None)."""
    if appointment.status != "pending_payment":
        return None
    if payment_status not in ("none", "failed"):
        raise ValueError("a released hold is unpaid or failed")
    return _system_change(appointment, "expire", "cancelled", payment_status)


def refund_reported(appointment: Appointment, *, full: bool) -> Change | None:
    """Stripe reported a refund of the appointment's payment that no change here made (one
    made in Stripe's dashboard): the appointment keeps its status; a full refund makes its
    payment refunded. Anything not paid answers None (the refund was ours, or is already
    recorded)."""
    if appointment.payment_status != "paid":
        return None
    return _system_change(appointment, "refund", appointment.status, "refunded" if full else "paid")


def _system_change(
    appointment: Appointment, action: str, status: str, payment_status: str
) -> Change:
    after = replace(appointment, status=status, payment_status=payment_status)
    if CALENDAR_STATUS[appointment.status] != CALENDAR_STATUS[status]:
        after = replace(after, sequence=appointment.sequence + 1)
    return Change(action, "system", appointment, after)
