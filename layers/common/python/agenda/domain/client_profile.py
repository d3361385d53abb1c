"""A registered client's view of their appointments: what they may still do to each, and until
when, and which page of their past ones they asked for.

The answer comes from the lifecycle's own rules (``agenda.domain.lifecycle.permit`` with the
client's role, and ``Policy.deadline``), never a second copy of them: what the profile offers
is exactly what ``PATCH /api/appointments/{id}`` then accepts from the client.

- ``allowed``: the client may take the action now (its status allows it and the notice has
  not passed).
- ``until``: the last instant they may, from the professional's notice; None when the status
  never allows it again (cancelled, rejected, completed, no-show), so no deadline is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from uuid import UUID

from agenda.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from agenda.domain.lifecycle import Appointment, Policy, permit
from agenda.domain.statuses import CLIENT_ACTIONS, Action
from agenda.pagination import page_of

# The order the profile names them in.
PROFILE_ACTIONS: tuple[Action, ...] = ("cancel", "reschedule")
assert set(PROFILE_ACTIONS) == CLIENT_ACTIONS, "the profile names every action a client may take"
# How many upcoming appointments one profile lists (soonest first); past ones page by cursor.
MAX_UPCOMING = 100


@dataclass(frozen=True, slots=True)
class Allowance:
    """Whether the client may take an action now, and the last instant they may."""

    allowed: bool
    until: datetime | None


def client_allowances(
    appointment: Appointment, policy: Policy, now: datetime
) -> Mapping[str, Allowance]:
    """cancel and reschedule, each allowed or not, with its deadline (see the module)."""
    allowances: dict[str, Allowance] = {}
    for action in PROFILE_ACTIONS:
        until: datetime | None = policy.deadline(action, appointment.starts_at)
        try:
            permit(appointment, action, role="client", policy=policy, now=now)
            allowed = True
        except InvalidTransition:
            allowed, until = False, None
        except Forbidden:
            # The notice has passed: the deadline says since when.
            allowed = False
        allowances[action] = Allowance(allowed, until)
    return MappingProxyType(allowances)


@dataclass(frozen=True, slots=True)
class ClientProfileQuery:
    """GET /api/client-profile: the size of the page of past appointments, and where it
    starts (the ``pastCursor`` of the previous page)."""

    past_limit: int
    past_after: tuple[datetime, UUID] | None


def parse_profile_query(params: Mapping[str, str] | None) -> ClientProfileQuery:
    """The query string of GET /api/client-profile (the rules of contract.ClientProfileQuery);
    every bad parameter is named at once."""
    fields: dict[str, str] = {}
    limit, after = page_of(params or {}, fields)
    if fields:
        raise ValidationFailed("The query is invalid", fields=fields)
    return ClientProfileQuery(limit, after)
