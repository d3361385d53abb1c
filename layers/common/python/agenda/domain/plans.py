"""Plans and what each allows, and the rate limits that protect public routes."""

from __future__ import annotations

from dataclasses import dataclass

from agenda.domain.errors import PlanLimitReached


@dataclass(frozen=True, slots=True)
class PlanLimits:
    max_clients: int | None  # None: unlimited
    max_appointments_per_month: int | None


PLAN_LIMITS: dict[str, PlanLimits] = {
    "free": PlanLimits(max_clients=10, max_appointments_per_month=20),
    "basic": PlanLimits(max_clients=None, max_appointments_per_month=None),
    "pro": PlanLimits(max_clients=None, max_appointments_per_month=None),
    "premium": PlanLimits(max_clients=None, max_appointments_per_month=None),
}


@dataclass(frozen=True, slots=True)
class RateLimit:
    max_requests: int
    window_seconds: int


RATE_LIMITS: dict[str, RateLimit] = {
    # Booking attempts per client IP: enough for a person who mistypes, not for a bot.
    "booking": RateLimit(max_requests=5, window_seconds=600),
}


def limits_for(plan: str) -> PlanLimits:
    # An unknown plan name is treated as the most restrictive one, never as unlimited.
    return PLAN_LIMITS.get(plan, PLAN_LIMITS["free"])


def check_booking_allowed(
    plan: str, *, existing_client: bool, clients: int, appointments_this_month: int
) -> None:
    """Raise PlanLimitReached when this booking would exceed the professional's plan.

    An existing client may always book again: the caps exist to limit growth on a free plan,
    not to lock out the people a professional already serves.
    """
    if existing_client:
        return
    limits = limits_for(plan)
    if limits.max_clients is not None and clients >= limits.max_clients:
        raise PlanLimitReached("This professional is not accepting new clients at the moment")
    if (
        limits.max_appointments_per_month is not None
        and appointments_this_month >= limits.max_appointments_per_month
    ):
        raise PlanLimitReached("This professional has no more bookings available this month")
