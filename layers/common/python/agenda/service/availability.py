"""GET and PUT /api/availability: the signed-in professional's schedule and settings.

The read path stays light (no pydantic): the document is built from the row. A replacement
is validated completely by the pure domain before a single statement is sent, then written in
one transaction; a refused request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agenda.domain.availability import parse_schedule, schedule_document, zone_of
from agenda.domain.errors import Forbidden
from agenda.observability import count, logger

if TYPE_CHECKING:
    from agenda.service.ports import AvailabilityStores, Clock, UnitOfWork

NOT_A_PROFESSIONAL = "Only a professional has an availability to manage"


@dataclass(frozen=True, slots=True)
class AvailabilityDependencies:
    uow: UnitOfWork[AvailabilityStores]
    clock: Clock


def get_availability(deps: AvailabilityDependencies, *, user_id: str) -> dict[str, Any]:
    now = deps.clock()
    schedule = deps.uow.read(lambda stores: stores.availability.read(user_id, now=now))
    if schedule is None:
        raise Forbidden(NOT_A_PROFESSIONAL)
    return schedule_document(schedule)


def replace_availability(
    deps: AvailabilityDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    now = deps.clock()
    zone = zone_of(body)
    # Past dates are judged in the zone the professional is moving to; an unknown zone is
    # refused by parse_schedule itself, any date will do for the rest of its checks then.
    today = now.astimezone(zone).date() if zone is not None else now.date()
    schedule = parse_schedule(body, today=today)
    # The settings' UPDATE takes the professional's row lock first, so two replacements run
    # one after the other and a booking's write, which locks the same row, never interleaves.
    professional_id = deps.uow.run(lambda stores: stores.availability.replace(user_id, schedule))
    if professional_id is None:
        raise Forbidden(NOT_A_PROFESSIONAL)
    count("AvailabilityReplaced")
    logger.info(
        "availability replaced",
        extra={
            "professional_id": str(professional_id),
            "weekly_windows": len(schedule.weekly),
            "overrides": len(schedule.overrides),
            "blocked_periods": len(schedule.blocked),
        },
    )
    return schedule_document(schedule)
