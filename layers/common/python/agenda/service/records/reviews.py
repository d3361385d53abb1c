"""Records of reviews (docs/client-relationship.md, "Reviews")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ClientReview:
    """A review as its client sees it: theirs, with the professional's reply."""

    id: UUID
    rating: int
    comment: str | None
    created_at: datetime
    reply: str | None
    replied_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProfessionalReview:
    """A review as its professional sees it: hidden or not, with the client's full name."""

    review: ClientReview
    appointment_id: UUID
    client_id: UUID
    client_name: str
    hidden_at: datetime | None
    hidden_reason: str | None


@dataclass(frozen=True, slots=True)
class WrittenReview:
    """A review just written, with what the professional's notice of it says."""

    review: ClientReview
    professional_id: UUID
    client_name: str
    starts_at: datetime
    timezone: str
    locale: str


@dataclass(frozen=True, slots=True)
class ReviewTarget:
    """Why a review was not written: the appointment as the caller may see it."""

    status: str
    reviewed: bool
