"""Racing reviews of one appointment through the local stack, with real concurrent requests:
the gateway runs each in its own Lambda container, so the inserts meet in Postgres at once. The
table's unique key decides: one review is written, the other caller gets 409
ALREADY_REVIEWED, and the professional is told once."""

from __future__ import annotations

import uuid
from functools import partial

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, rows
from tests.e2e.test_account_concurrency import outcomes, race
from tests.review_helpers import as_client, guest_review, review, review_rows, session, token

pytestmark = pytest.mark.e2e

ROUNDS = 4


def _told(db: pg8000.native.Connection, professional_id: uuid.UUID) -> int:
    [row] = rows(
        db,
        "SELECT count(*) AS n FROM notifications WHERE professional_id = :p AND type = 'review'",
        p=professional_id,
    )
    return int(row["n"])


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_reviews_at_once_write_one(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    round_: int,
) -> None:
    visit = session(db, make_professional)
    headers = as_client(stack, visit)
    # The same client twice at once: signed in both times, or signed in and through the link.
    second = (
        partial(review, api, visit.appointment, {"rating": 2}, headers)
        if round_ % 2
        else partial(
            guest_review, api, visit.appointment, {"token": token(stack, visit), "rating": 2}
        )
    )
    answers = race([partial(review, api, visit.appointment, {"rating": 5}, headers), second])

    assert outcomes(answers) == {(201, None): 1, (409, "ALREADY_REVIEWED"): 1}
    [winner] = [a for a in answers if a.status_code == 201]
    [row] = review_rows(db, visit.appointment)
    assert (str(row["id"]), row["rating"]) == (winner.json()["id"], winner.json()["rating"])
    assert _told(db, visit.pro.id) == 1
