"""Records of the public page of a professional."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Review:
    rating: int
    comment: str | None
    reviewer_name: str  # the first name only
    created_at: str  # ISO 8601, as the database wrote it


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
    reviews: tuple[Review, ...]
    related: tuple[RelatedProfessional, ...]
