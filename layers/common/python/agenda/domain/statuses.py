"""The names of an appointment's states, actions and views: the one spelling of each.

Types and sets only, no rules (those are ``agenda.domain.lifecycle``'s), so the read paths that
only filter by status (the slot engine's busy times, the dashboard's views) load nothing else.
"""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["professional", "client"]
# Who changed an appointment: a person in one of the roles, or the system acting on a payment
# Stripe reported or on a payment hold that ran out.
Actor = Literal["professional", "client", "system"]
# Who an appointment's record says last changed its status: the role, "guest" for a client
# acting through a guest link, or "system" (see Actor).
ChangedBy = Literal["professional", "client", "guest", "system"]

# The types are the one spelling of each name; the tuples (in this order) are what code
# iterates and what error messages list.
Status = Literal[
    "pending_payment",
    "pending_confirmation",
    "confirmed",
    "rejected",
    "cancelled",
    "completed",
    "no_show",
]
PaymentStatus = Literal["none", "pending", "paid", "refunded", "failed"]
Action = Literal["confirm", "reject", "cancel", "paid", "complete", "no_show", "reschedule"]
STATUSES: tuple[Status, ...] = get_args(Status)
PAYMENT_STATUSES: tuple[PaymentStatus, ...] = get_args(PaymentStatus)
ACTIONS: tuple[Action, ...] = get_args(Action)

# Appointments still ahead of their outcome: they may be cancelled or moved. (Completed and
# no-show ones keep holding their time in the exclusion constraint; they just cannot change.)
# A new booking is always live, so these are also what POST /api/booking answers.
LiveStatus = Literal["pending_payment", "pending_confirmation", "confirmed"]
LIVE: frozenset[LiveStatus] = frozenset(get_args(LiveStatus))
PENDING: frozenset[LiveStatus] = frozenset({"pending_payment", "pending_confirmation"})
# Appointments that no longer hold their time: the slot is free again (the exclusion constraint
# and the busy times of the slot engine leave them out).
RELEASED: frozenset[Status] = frozenset({"rejected", "cancelled"})
# Sessions that took place or were missed: they keep their time, and cannot change any more.
OUTCOMES: frozenset[Status] = frozenset({"completed", "no_show"})
CLIENT_ACTIONS: frozenset[Action] = frozenset({"cancel", "reschedule"})
UNPAID: frozenset[PaymentStatus] = frozenset({"none", "pending", "failed"})

# The professional's dashboard splits every appointment into exactly one view: upcoming
# (confirmed, not over), pending (PENDING, not over), past (completed, no-show, or LIVE and
# over) and cancelled (RELEASED).
View = Literal["upcoming", "pending", "past", "cancelled"]
VIEWS: tuple[View, ...] = get_args(View)
