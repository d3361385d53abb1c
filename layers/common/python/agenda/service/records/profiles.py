"""Records of the public page of a professional."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Review:
    rating: int
    comment: str | None
    reviewer_name: str  # the first name only
    created_at: str  # ISO 8601, as the database wrote it
    reply: str | None = None  # the professional's, shown under the review


@dataclass(frozen=True, slots=True)
class RelatedProfessional:
    slug: str
    name: str
    profession: str
    avatar_url: str | None


@dataclass(frozen=True, slots=True)
class PublicProfile:
    slug: str
    name: str
    profession: str
    bio: str | None
    avatar_url: str | None
    session_duration: int
    session_price: float | None
    currency: str
    timezone: str
    language: str  # the page's language: pt-BR or en
    reviews: tuple[Review, ...]  # the latest shown ones: hidden reviews never
    related: tuple[RelatedProfessional, ...]
    review_count: int = 0  # the shown reviews
    review_average: float | None = None  # None without shown reviews
