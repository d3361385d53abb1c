"""What the page publisher reads: what the page at a slug shows now."""

from __future__ import annotations

from dataclasses import dataclass

from agenda.service.records.profiles import PublicProfile


@dataclass(frozen=True, slots=True)
class ProfilePage:
    """The slug is an active professional's own: their page."""

    profile: PublicProfile
    review_count: int
    review_average: float | None  # None without reviews


@dataclass(frozen=True, slots=True)
class RedirectPage:
    """The slug is one an active professional left: it leads to their page at ``target``."""

    slug: str
    target: str
    name: str  # the professional's, for the page's link
    language: str
