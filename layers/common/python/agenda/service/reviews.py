"""Reviews (docs/client-relationship.md, "Reviews"): the client of a completed session writes
one, signed in or through the guest link; the professional lists theirs, replies once, and
hides or shows one again. The rules are agenda.domain.reviews'.

A review is written by one statement that checks, with the insert, that the appointment is
completed and the caller's; when it writes nothing, a second read tells apart the three
refusals (not found, not completed, reviewed already), and the professional's in-app notice is
written in the same transaction as the review. The guest link's token is checked before any
database access, as the other guest routes check it (agenda.service.guest).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.errors import NotFound, ValidationFailed, known_id
from agenda.domain.reviews import (
    NO_APPOINTMENT,
    NO_REVIEW,
    moderation,
    refusal,
    reply_refusal,
)
from agenda.observability import count
from agenda.pagination import encode_cursor, page_of

if TYPE_CHECKING:
    from agenda.service.links import GuestLinks
    from agenda.service.ports import Clock, RateLimiter, ReviewStores, UnitOfWork
    from agenda.service.records import ClientReview, ProfessionalReview, WrittenReview

NO_PROFESSIONAL = "No professional account for this sign-in"


@dataclass(frozen=True, slots=True)
class ReviewDependencies:
    uow: UnitOfWork[ReviewStores]
    links: GuestLinks
    clock: Clock
    limiter: RateLimiter  # the "reviews" limit, per JWT subject or per guest appointment


# -- the client's review ----------------------------------------------------------------------


def review_as_client(
    deps: ReviewDependencies, appointment_id: str, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """POST /api/appointments/{id}/review {"rating", "comment"?} (the signed-in client)."""
    from agenda.contract import ReviewIn, validate

    target = known_id(appointment_id, NO_APPOINTMENT)
    deps.limiter.check(user_id)
    request = validate(ReviewIn, body)
    return _write(deps, target, user_id, request.rating, request.comment)


def review_as_guest(
    deps: ReviewDependencies, appointment_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST /api/guest/appointments/{id}/review {"token", "rating", "comment"?}."""
    from agenda.contract import GuestReviewIn, validate

    target = deps.links.appointment_of(body.get("token"), appointment_id, now=deps.clock())
    deps.limiter.check(f"guest:{target}")
    request = validate(GuestReviewIn, body)
    return _write(deps, target, None, request.rating, request.comment)


def _write(
    deps: ReviewDependencies,
    target: UUID,
    user_id: str | None,
    rating: int,
    comment: str | None,
) -> dict[str, Any]:
    from agenda.domain.notices import review_written

    def work(stores: ReviewStores) -> WrittenReview:
        written = stores.reviews.write(target, user_id=user_id, rating=rating, comment=comment)
        if written is None:
            found = stores.reviews.target(target, user_id=user_id)
            raise refusal(
                None if found is None else found.status,
                reviewed=found is not None and found.reviewed,
            )
        notice = review_written(
            target,
            written.client_name,
            rating,
            written.starts_at,
            written.timezone,
            locale=written.locale,
        )
        stores.notices.add(written.professional_id, [notice])
        return written

    written = deps.uow.run(work)
    count("ReviewWritten")
    return client_review_document(written.review)


def client_review_document(review: ClientReview) -> dict[str, Any]:
    """A review as its client sees it (ClientReviewOut)."""
    return {
        "id": str(review.id),
        "rating": review.rating,
        "comment": review.comment,
        "createdAt": _utc(review.created_at),
        "reply": review.reply,
        "repliedAt": None if review.replied_at is None else _utc(review.replied_at),
    }


# -- the professional's ---------------------------------------------------------------------------


def list_reviews(
    deps: ReviewDependencies, params: Mapping[str, str] | None, *, user_id: str
) -> dict[str, Any]:
    """GET /api/reviews[?cursor=&limit=]: newest first, hidden ones included."""
    fields: dict[str, str] = {}
    limit, after = page_of(params or {}, fields)
    if fields:
        raise ValidationFailed("The query is invalid", fields=fields)
    found = deps.uow.read(lambda stores: stores.reviews.page(user_id, after=after, limit=limit + 1))
    if found is None:
        raise NotFound(NO_PROFESSIONAL)
    page, more = found[:limit], len(found) > limit
    last = page[-1].review if more else None
    return {
        "items": [professional_review_document(item) for item in page],
        "nextCursor": None if last is None else encode_cursor(last.created_at, last.id),
    }


def reply(
    deps: ReviewDependencies, review_id: str, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """POST /api/reviews/{id}/reply {"text"}: once."""
    from agenda.contract import ReviewReplyIn, validate

    target = known_id(review_id, NO_REVIEW)
    request = validate(ReviewReplyIn, body)
    outcome = deps.uow.run_one(lambda stores: stores.reviews.reply(user_id, target, request.text))
    if isinstance(outcome, bool):
        raise reply_refusal(found=outcome)
    count("ReviewReplied")
    return professional_review_document(outcome)


def moderate(
    deps: ReviewDependencies, review_id: str, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """PATCH /api/reviews/{id} {"hidden": true, "reason"} or {"hidden": false}."""
    from agenda.contract import ReviewModeration, validate

    target = known_id(review_id, NO_REVIEW)
    request = validate(ReviewModeration, body)
    action = moderation(request.hidden)
    changed = deps.uow.run_one(
        lambda stores: stores.reviews.moderate(
            user_id, target, action=action, reason=request.reason
        )
    )
    if changed is None:
        raise NotFound(NO_REVIEW)
    return professional_review_document(changed)


def professional_review_document(item: ProfessionalReview) -> dict[str, Any]:
    """A review as its professional sees it (ProfessionalReviewOut)."""
    return {
        **client_review_document(item.review),
        "appointmentId": str(item.appointment_id),
        "clientId": str(item.client_id),
        "clientName": item.client_name,
        "hidden": item.hidden_at is not None,
        "hiddenReason": item.hidden_reason,
        "hiddenAt": None if item.hidden_at is None else _utc(item.hidden_at),
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
