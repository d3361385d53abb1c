"""The rules a booking the professional makes by hand is checked with.

The same slot engine as the public page, with two of its limits lifted: the minimum notice
and the booking horizon protect the professional from their clients' self-booking, not from
their own diary (DESIGN.md: the horizon limits public self-booking only). The weekly hours,
overrides, blocked days, buffers and the past still hold. How far ahead a professional may
book has a bound of its own, the one a recurring series has: a year.
"""

from __future__ import annotations

from dataclasses import replace

from agenda.domain.slots import Rules

HORIZON_DAYS = 366


def professional_rules(rules: Rules) -> Rules:
    """`rules` as they bind the professional booking for a client."""
    return replace(rules, min_notice_minutes=0, horizon_days=max(rules.horizon_days, HORIZON_DAYS))
