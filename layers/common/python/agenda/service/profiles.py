"""The public page of a professional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agenda.domain.errors import NotFound

if TYPE_CHECKING:
    from agenda.service.ports import ProfileStores, UnitOfWork


def public_profile(uow: UnitOfWork[ProfileStores], slug: str) -> dict[str, Any]:
    profile = uow.read(lambda stores: stores.professionals.public_profile(slug))
    if profile is None:
        raise NotFound("We could not find this professional")
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
        "reviews": [
            {
                "rating": review.rating,
                "comment": review.comment,
                "reviewerName": review.reviewer_name,
                "createdAt": review.created_at,
            }
            for review in profile.reviews
        ],
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
