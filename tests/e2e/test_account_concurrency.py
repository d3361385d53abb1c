"""Racing account writes through the local stack, with real concurrent requests: the gateway
runs each in its own Lambda container, so the inserts and updates meet in Postgres at once.
Exactly one of them wins, whatever the timing; the others get the contract's 409."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.account_helpers import (
    new_slug,
    new_user,
    patch_account,
    post_account,
    professional_rows,
    sign_up,
    sign_up_body,
    slug_rows,
)
from tests.appointment_helpers import bearer
from tests.conftest import rows

pytestmark = pytest.mark.e2e

RACERS = 4
ROUNDS = 3


def race(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the calls at the same instant, each on its own thread."""
    start = threading.Barrier(len(calls))

    def run(request: Callable[[], requests.Response]) -> requests.Response:
        start.wait()
        return request()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def outcomes(answers: list[requests.Response]) -> Counter[tuple[int, str | None]]:
    return Counter(
        (a.status_code, a.json().get("error", {}).get("code") if a.status_code != 201 else None)
        for a in answers
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_sign_in_racing_itself_gets_one_account(
    api: str, stack: LocalStack, db: pg8000.native.Connection, round_: int
) -> None:
    user = new_user()
    headers = bearer(stack, user)
    # Different slugs too: only the sign-in decides.
    bodies = [sign_up_body() for _ in range(RACERS)]
    answers = race([partial(post_account, api, headers, body) for body in bodies])
    assert outcomes(answers) == {(201, None): 1, (409, "ACCOUNT_EXISTS"): RACERS - 1}
    [row] = professional_rows(db, user)
    [won] = [a.json() for a in answers if a.status_code == 201]
    assert won["id"] == str(row["id"])
    # The losers' slugs were never taken: nothing of them stayed behind.
    for body in bodies:
        expected = 1 if body["slug"] == row["slug"] else 0
        assert len(slug_rows(db, body["slug"])) == expected


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_sign_ups_racing_for_one_slug_give_it_to_one(
    api: str, stack: LocalStack, db: pg8000.native.Connection, round_: int
) -> None:
    slug = new_slug("race")
    users = [new_user() for _ in range(RACERS)]
    answers = race(
        [partial(post_account, api, bearer(stack, u), sign_up_body(slug=slug)) for u in users]
    )
    assert outcomes(answers) == {(201, None): 1, (409, "SLUG_TAKEN"): RACERS - 1}
    for answer in answers:
        if answer.status_code == 409:
            suggestions = answer.json()["error"]["suggestions"]
            assert suggestions
            assert slug not in suggestions
    holders = rows(db, "SELECT user_id FROM professionals WHERE slug = :s", s=slug)
    assert len(holders) == 1
    assert [r["user_id"] for r in slug_rows(db, slug)] == [holders[0]["user_id"]]
    assert sum(len(professional_rows(db, user)) for user in users) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_a_slug_change_racing_sign_ups_for_the_slug_it_leaves(
    api: str, stack: LocalStack, db: pg8000.native.Connection, round_: int
) -> None:
    """The slug being left stays its professional's: a sign-up racing the change for it loses,
    whichever commits first, and the change itself goes through."""
    owner, headers, account = sign_up(api, stack)
    old, new = account["slug"], new_slug("left")
    others = [new_user() for _ in range(RACERS - 1)]
    calls: list[Callable[[], requests.Response]] = [
        partial(patch_account, api, headers, {"slug": new})
    ]
    calls += [partial(post_account, api, bearer(stack, u), sign_up_body(slug=old)) for u in others]
    change, *sign_ups = race(calls)
    assert change.status_code == 200, change.text
    assert outcomes(sign_ups) == {(409, "SLUG_TAKEN"): RACERS - 1}
    assert [(r["user_id"], r["retired_at"] is not None) for r in slug_rows(db, old)] == [
        (owner, True)
    ]
    assert all(professional_rows(db, user) == [] for user in others)
