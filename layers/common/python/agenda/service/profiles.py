"""The public page of a professional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agenda.domain.errors import NotFound

if TYPE_CHECKING:
    from agenda.adapters.repository import Repository


def public_profile(repo: Repository, slug: str) -> dict[str, Any]:
    row = repo.public_profile(slug)
    if row is None:
        raise NotFound("No professional with that address")
    return {
        "slug": row["slug"],
        "name": row["name"],
        "profession": row["profession"],
        "bio": row["bio"],
        "avatarUrl": row["avatar_url"],
        "sessionDuration": row["session_duration"],
        "sessionPrice": row["session_price"],
        "currency": row["currency"].strip(),
        "timezone": row["timezone"],
        "reviews": row["reviews"],
        "related": row["related"],
    }
