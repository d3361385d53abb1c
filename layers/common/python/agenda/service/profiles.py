"""The public page of a professional."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agenda.domain.errors import NotFound

if TYPE_CHECKING:
    from agenda.service.ports import PageStores, ProfileStores, UnitOfWork

NOT_FOUND = "We could not find this professional"


@dataclass(frozen=True, slots=True)
class Moved:
    """A slug its professional left: the page is at ``slug`` now."""

    slug: str


def public_page(uow: UnitOfWork[PageStores], slug: str) -> dict[str, Any] | Moved:
    """The profile at ``slug``, or where it moved: links shared before a slug change keep
    working. The old slug is looked up only when no page answers, so a page costs one read."""
    try:
        return public_profile(uow, slug)
    except NotFound:
        moved = uow.read(lambda stores: stores.accounts.moved_to(slug))
        if moved is None:
            raise
        return Moved(moved)


def public_profile(uow: UnitOfWork[ProfileStores], slug: str) -> dict[str, Any]:
    profile = uow.read(lambda stores: stores.professionals.public_profile(slug))
    if profile is None:
        raise NotFound(NOT_FOUND)
    return {
        "slug": profile.slug,
        "name": profile.name,
        "profession": profile.profession,
        "bio": profile.bio,
        "avatarUrl": profile.avatar_url,
        "sessionDuration": profile.session_duration,
        "sessionPrice": profile.session_price,
        "currency": profile.currency,
        "timezone": profile.timezone,
        "language": profile.language,
        "reviews": [
            {
                "rating": review.rating,
                "comment": review.comment,
                "reviewerName": review.reviewer_name,
                "createdAt": review.created_at,
                "reply": review.reply,
            }
            for review in profile.reviews
        ],
        "reviewCount": profile.review_count,
        "reviewAverage": profile.review_average,
        "related": [
            {
                "slug": other.slug,
                "name": other.name,
                "profession": other.profession,
                "avatarUrl": other.avatar_url,
            }
            for other in profile.related
        ],
    }
