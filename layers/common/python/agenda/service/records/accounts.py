"""Records of a professional's own account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from agenda.domain.accounts import AccountSettings
    from agenda.domain.plans import Account


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """Everything the professional may see of their own account, with this month's usage (the
    month of their own zone, as the plan's caps count it)."""

    id: UUID
    settings: AccountSettings
    avatar_url: str | None
    billing: Account
    subscription_period_end: datetime | None
    cancel_at_period_end: bool
    previous_slugs: tuple[str, ...]
    month: date  # the first local day of the month the usage counts
    clients: int
    appointments_this_month: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SlugOwner:
    """Who holds a slug: its current professional, or the one who retired it."""

    professional_id: UUID
    user_id: str
    current_slug: str
    retired: bool
    active: bool
