"""PUT and DELETE /api/client-profile/follows/{slug} over HTTP against the local stack: idempotent
follows, the list in the profile, retired slugs, inactive professionals, the rate limit, and two
racing follows making one row."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pg8000.native
import pytest

from agenda.contract import FollowOut
from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer, new_professional
from tests.client_profile_helpers import (
    follow,
    follows_of,
    get_profile,
    new_client_user,
    new_phone,
    register,
    unfollow,
)
from tests.conftest import MakeProfessional
from tests.e2e.test_booking_api import assert_error

pytestmark = pytest.mark.e2e


def registered(db: pg8000.native.Connection) -> str:
    user = new_client_user()
    register(db, user, phone=new_phone())
    return user


def test_a_follow_is_made_once_listed_newest_first_and_removed(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    first, second = new_professional(make_professional), new_professional(make_professional)
    user = registered(db)
    headers = bearer(stack, user)

    made = follow(api, headers, first.slug)
    assert made.status_code == 201, made.text
    assert made.headers["Cache-Control"] == "no-store"
    FollowOut.model_validate(made.json())
    assert made.json()["slug"] == first.slug
    assert made.json()["name"] == f"Dra. {first.slug}"
    again = follow(api, headers, first.slug)
    assert again.status_code == 200, again.text
    assert again.json() == made.json()  # the same body, the same followedAt
    assert len(follows_of(db, user)) == 1

    assert follow(api, headers, second.slug).status_code == 201
    listed = get_profile(api, headers).json()["follows"]
    assert [item["slug"] for item in listed] == [second.slug, first.slug]
    assert listed[1] == made.json()
    times = [datetime.fromisoformat(item["followedAt"]) for item in listed]
    assert times == sorted(times, reverse=True)

    gone = unfollow(api, headers, first.slug)
    assert gone.status_code == 204, gone.text
    assert gone.text == ""
    assert unfollow(api, headers, first.slug).status_code == 204  # not following: the same
    assert [item["slug"] for item in get_profile(api, headers).json()["follows"]] == [second.slug]
    assert [row[0] for row in follows_of(db, user)] == [second.id]


def test_a_retired_slug_follows_its_current_owner(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    old_slug, new_slug = pro.slug, f"{pro.slug}-novo"
    db.run("UPDATE professionals SET slug = :s WHERE id = :p", s=new_slug, p=pro.id)
    user = registered(db)
    headers = bearer(stack, user)

    made = follow(api, headers, old_slug)
    assert made.status_code == 201, made.text
    assert made.json()["slug"] == new_slug
    assert follow(api, headers, new_slug).status_code == 200  # the same professional
    assert [row[0] for row in follows_of(db, user)] == [pro.id]
    assert unfollow(api, headers, old_slug).status_code == 204
    assert follows_of(db, user) == []


def test_unknown_and_inactive_professionals_are_404(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    hidden = new_professional(make_professional, active=False)
    user = registered(db)
    headers = bearer(stack, user)
    for slug in (hidden.slug, "nobody-has-this-slug", "Not_A_Slug"):
        assert_error(follow(api, headers, slug), 404, "NOT_FOUND")
        assert_error(unfollow(api, headers, slug), 404, "NOT_FOUND")
    assert follows_of(db, user) == []

    # A follow stays while the page is hidden and shows again when it is back.
    pro = new_professional(make_professional)
    assert follow(api, headers, pro.slug).status_code == 201
    db.run("UPDATE professionals SET active = false WHERE id = :p", p=pro.id)
    assert get_profile(api, headers).json()["follows"] == []
    db.run("UPDATE professionals SET active = true WHERE id = :p", p=pro.id)
    assert [f["slug"] for f in get_profile(api, headers).json()["follows"]] == [pro.slug]


def test_a_sign_in_without_a_client_account_follows_nobody(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    for sub in (pro.user_id, new_client_user()):
        headers = bearer(stack, sub)
        # The account is checked first: an unknown slug answers the same.
        for slug in (pro.slug, "nobody-has-this-slug"):
            assert_error(follow(api, headers, slug), 404, "CLIENT_PROFILE_NOT_FOUND")
            assert_error(unfollow(api, headers, slug), 404, "CLIENT_PROFILE_NOT_FOUND")
        assert follows_of(db, sub) == []


def test_follows_count_against_the_account_rate_limit(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    user = registered(db)
    headers = bearer(stack, user)
    for n in range(10):  # the account limit: 10 writes an hour per sign-in
        answer = (follow if n % 2 == 0 else unfollow)(api, headers, pro.slug)
        assert answer.status_code in (200, 201, 204), answer.text
    refused = follow(api, headers, pro.slug)
    assert_error(refused, 429, "RATE_LIMITED")
    assert int(refused.headers["Retry-After"]) >= 1
    assert follows_of(db, user) == []  # the tenth write was an unfollow; the refused wrote nothing
    # Reads are not writes: the profile still answers.
    assert get_profile(api, headers).status_code == 200


def test_racing_follows_make_one_row_and_one_201(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    user = registered(db)
    headers = bearer(stack, user)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: follow(api, headers, pro.slug), range(6)))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] * 5 + [201], [answer.text for answer in answers]
    assert len({answer.json()["followedAt"] for answer in answers}) == 1
    assert len(follows_of(db, user)) == 1
