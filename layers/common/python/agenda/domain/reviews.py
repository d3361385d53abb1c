"""Reviews (docs/client-relationship.md, "Reviews"): who may review what, and what a
professional may do to a review.

Pure. The rules:

1. Only a ``completed`` appointment is reviewed, and only by its client: the signed-in client
   whose account claimed the appointment's client row, or the holder of the appointment's
   guest link. Anyone else's appointment is not found, exactly like a missing one.
2. One review an appointment: a second one is ``ALREADY_REVIEWED``, two at once included (the
   table's unique key decides; the refusal is told apart after the write found nothing to do).
3. The professional replies once (``ALREADY_REPLIED`` after), and hides a review only with a
   reason (a hidden review stays, counts nowhere public, and may be shown again). Hiding a
   hidden review again replaces its reason. Nobody deletes a review.
"""

from __future__ import annotations

import re
from typing import Literal

from agenda.domain.errors import AlreadyReplied, AlreadyReviewed, NotFound, NotReviewable

RATING_RANGE = (1, 5)
COMMENT_LENGTH = 2000
REPLY_LENGTH = 2000
HIDDEN_REASON_LENGTH = 500
REVIEWABLE_STATUS = "completed"

NO_APPOINTMENT = "We could not find this appointment"
NO_REVIEW = "We could not find this review"
NOT_REVIEWABLE = "Only a completed session can be reviewed"
ALREADY_REVIEWED = "This session has been reviewed already"
ALREADY_REPLIED = "This review has a reply already"

type Moderation = Literal["hidden", "shown"]


def can_review(status: str, *, reviewed: bool) -> bool:
    """Whether the appointment's client may review it now."""
    return status == REVIEWABLE_STATUS and not reviewed


def refusal(status: str | None, *, reviewed: bool) -> NotFound | NotReviewable | AlreadyReviewed:
    """Why a review was not written, from what the appointment is now (``status`` None: it is
    not the caller's, or does not exist). A completed appointment the write found reviewed is
    one a concurrent review got to first."""
    if status is None:
        return NotFound(NO_APPOINTMENT)
    if reviewed or status == REVIEWABLE_STATUS:
        return AlreadyReviewed(ALREADY_REVIEWED)
    return NotReviewable(NOT_REVIEWABLE)


def reply_refusal(*, found: bool) -> NotFound | AlreadyReplied:
    """Why a reply was not stored: the review is not the professional's, or has a reply."""
    return AlreadyReplied(ALREADY_REPLIED) if found else NotFound(NO_REVIEW)


def moderation(hidden: bool) -> Moderation:
    """The record a hiding or a showing leaves in review_changes."""
    return "hidden" if hidden else "shown"


# What a comment or a reply may hold: lines and tabs kept; the other control characters are
# refused (agenda.contract states the same as a pattern).
_REFUSED = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
CONTROL_CHARACTERS = "must not contain control characters"


def clean_comment(value: str | None) -> str | None:
    """A review's comment as stored: trimmed, lines kept; a blank one is no comment."""
    if value is None:
        return None
    if _REFUSED.search(value):
        raise ValueError(CONTROL_CHARACTERS)
    return value.strip() or None


def clean_reply(value: str) -> str:
    """The professional's reply as stored: trimmed, lines kept, never blank."""
    text = clean_comment(value)
    if text is None:
        raise ValueError("must not be blank")
    return text


def clean_reason(value: str | None, *, hidden: bool) -> str | None:
    """Why a review is hidden, on one line: required to hide, refused to show again."""
    if not hidden:
        if value is not None:
            raise ValueError("only goes with hidden: true")
        return None
    reason = " ".join((value or "").split())
    if _REFUSED.search(reason):
        raise ValueError(CONTROL_CHARACTERS)
    if not reason:
        raise ValueError("is required to hide a review")
    return reason
