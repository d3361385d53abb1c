"""The follows and profile use cases over an in-memory store: the rate limit before anything,
which refusal is which 404, and a follow that raced a concurrent one answered from a second
run of the same statement."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from agenda.domain.errors import ClientProfileNotFound, NotFound, RateLimited
from agenda.service.client_profile import (
    ClientProfileDependencies,
    FollowDependencies,
    follow,
    get_profile,
    unfollow,
)
from agenda.service.records import (
    ClientProfileRecord,
    FollowedProfessional,
    FollowRefusal,
    FollowResult,
    ProfessionalCard,
)
from tests.fakes import AllowAll, RefuseAll

pytestmark = pytest.mark.unit

NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
CARD = ProfessionalCard("Dra. Ana", "dr-ana", "Psicóloga", "https://cdn.example/a.png")
FOLLOWED = FollowedProfessional(CARD, NOW)


class ScriptedProfiles:
    """Answers each call with the next scripted outcome; records what it was asked."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def _next(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((name, args, kwargs))
        return self.outcomes.pop(0)

    def profile(self, user_id: str, **kwargs: Any) -> ClientProfileRecord | None:
        result: ClientProfileRecord | None = self._next("profile", user_id, **kwargs)
        return result

    def follow(self, user_id: str, slug: str) -> FollowResult | FollowRefusal:
        result: FollowResult | FollowRefusal = self._next("follow", user_id, slug)
        return result

    def unfollow(self, user_id: str, slug: str) -> FollowRefusal | None:
        result: FollowRefusal | None = self._next("unfollow", user_id, slug)
        return result


class Stores:
    def __init__(self, profiles: ScriptedProfiles) -> None:
        self.client_profiles = profiles


class OneStatementUnitOfWork:
    """Each piece of work is one statement here, as the Postgres one promises for these."""

    def __init__(self, profiles: ScriptedProfiles) -> None:
        self.stores = Stores(profiles)
        self.runs = 0

    def run[T](self, work: Callable[[Stores], T]) -> T:
        raise AssertionError("a follow is one statement, never a transaction")

    def run_one[T](self, work: Callable[[Stores], T]) -> T:
        self.runs += 1
        return work(self.stores)

    def read[T](self, work: Callable[[Stores], T]) -> T:
        return work(self.stores)


def follows(profiles: ScriptedProfiles, limiter: Any = None) -> FollowDependencies:
    return FollowDependencies(
        uow=OneStatementUnitOfWork(profiles),
        limiter=limiter or AllowAll(),
    )


def test_a_new_follow_is_201_and_an_existing_one_200_with_the_same_body() -> None:
    profiles = ScriptedProfiles(FollowResult(FOLLOWED, True), FollowResult(FOLLOWED, False))
    deps = follows(profiles)
    made = follow(deps, "dr-ana", user_id="u1")
    again = follow(deps, "dr-ana", user_id="u1")
    assert made[0] == 201
    assert again[0] == 200
    assert (
        made[1]
        == again[1]
        == {
            "name": "Dra. Ana",
            "slug": "dr-ana",
            "profession": "Psicóloga",
            "avatarUrl": "https://cdn.example/a.png",
            "followedAt": "2030-03-04T12:00:00+00:00",
        }
    )


def test_a_follow_that_raced_another_is_answered_by_running_the_statement_again() -> None:
    profiles = ScriptedProfiles("raced", FollowResult(FOLLOWED, False))
    deps = follows(profiles)
    status, _ = follow(deps, "dr-ana", user_id="u1")
    assert status == 200  # the other request made it
    assert [call[0] for call in profiles.calls] == ["follow", "follow"]


@pytest.mark.parametrize(
    ("refusal", "error", "code"),
    [
        ("no_account", ClientProfileNotFound, "CLIENT_PROFILE_NOT_FOUND"),
        ("no_professional", NotFound, "NOT_FOUND"),
    ],
)
def test_each_refusal_is_its_own_404(refusal: str, error: type[NotFound], code: str) -> None:
    for act in (follow, unfollow):
        with pytest.raises(error) as refused:
            act(follows(ScriptedProfiles(refusal)), "dr-ana", user_id="u1")
        assert refused.value.code == code


def test_the_rate_limit_is_checked_before_anything_is_read_or_written() -> None:
    for act in (follow, unfollow):
        profiles = ScriptedProfiles()
        limiter = RefuseAll()
        with pytest.raises(RateLimited):
            act(follows(profiles, limiter), "dr-ana", user_id="u1")
        assert limiter.checked == ["u1"]
        assert profiles.calls == []


def test_an_unfollow_answers_nothing_once_done() -> None:
    profiles = ScriptedProfiles(None)
    unfollow(follows(profiles), "dr-ana", user_id="u1")  # no refusal
    assert profiles.calls == [("unfollow", ("u1", "dr-ana"), {})]


def test_the_profile_asks_one_past_appointment_more_than_the_page() -> None:
    profiles = ScriptedProfiles(None, ClientProfileRecord("M", None, None, "en", (), (), (), ()))
    deps = ClientProfileDependencies(
        uow=OneStatementUnitOfWork(profiles),
        clock=lambda: NOW,
    )
    with pytest.raises(ClientProfileNotFound):
        get_profile(deps, None, user_id="nobody")
    document = get_profile(deps, {"limit": "5"}, user_id="u1")
    assert document["pastCursor"] is None
    _, _, asked = profiles.calls[1]
    assert asked["past_limit"] == 6
    assert asked["now"] == NOW
    assert asked["past_after"] is None
