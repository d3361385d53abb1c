"""GET and PUT /api/availability: the signed-in professional's schedule and settings.

The read path stays light (no pydantic): the document is built from the row. A replacement
is validated completely by the pure domain before a single statement is sent, then written in
one transaction; a refused request changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agenda.domain.availability import parse_schedule, rules_of, schedule_document, zone_of
from agenda.domain.errors import Forbidden, ValidationFailed
from agenda.domain.queries import parse_preview_query
from agenda.observability import count, logger
from agenda.service.booking import free_slots_document, listing_range

if TYPE_CHECKING:
    from collections.abc import Mapping

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


def preview_availability(
    deps: AvailabilityDependencies,
    body: dict[str, Any],
    params: Mapping[str, str] | None,
    *,
    user_id: str,
) -> dict[str, Any]:
    """POST /api/availability/preview: the free times the booking page would offer if `body`
    replaced the stored schedule, saving nothing. The engine and the answer are the page's own
    (free_slots_document), and so is the read: the professional's live appointments with the
    buffers they were booked with, only the rules swapped for the unsaved ones."""
    now = deps.clock()
    zone = zone_of(body)
    today = now.astimezone(zone).date() if zone is not None else now.date()
    # The query and the body are judged together, so one answer names every bad field.
    fields: dict[str, str] = {}
    try:
        query = parse_preview_query(params)
    except ValidationFailed as error:
        fields.update(error.fields)
        query = None
    try:
        schedule = parse_schedule(body, today=today)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, fields={**error.fields, **fields}) from None
    if query is None:
        raise ValidationFailed("The query is invalid", fields=fields)
    first_day = query.first_day or today
    within = listing_range(first_day, query.days)
    stored = deps.uow.read(lambda stores: stores.availability.booking_schedule(user_id, within))
    if stored is None:
        raise Forbidden(NOT_A_PROFESSIONAL)
    return free_slots_document(
        stored.slug,
        rules_of(schedule),
        first_day=first_day,
        days=query.days,
        busy=stored.busy,
        now=now,
    )
