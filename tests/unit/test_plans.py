"""Plans: which plan applies to a professional at an instant, and the rate-limit table."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.domain.accounts import SIGN_UP_TRIAL
from agenda.domain.plans import (
    GRACE_PERIOD,
    PAID_PLANS,
    PLAN_LIMITS,
    PLANS,
    RATE_LIMITS,
    SIGN_UP_TRIAL_PLAN,
    SUBSCRIPTION_STATUSES,
    Account,
    EffectivePlan,
    PlanLimits,
    RateLimit,
    effective_plan,
    limits_for,
)

pytestmark = pytest.mark.unit

NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
AHEAD = NOW + timedelta(days=3)
BEHIND = NOW - timedelta(days=3)
TICK = timedelta(microseconds=1)
FREE_LIMITS = PlanLimits(max_clients=10, max_appointments_per_month=20)
UNLIMITED = PlanLimits(max_clients=None, max_appointments_per_month=None)
FREE = EffectivePlan(plan="free", state="free", limits=FREE_LIMITS, until=None)


def test_the_plans_and_their_limits() -> None:
    assert PLANS == ("free", "basic", "pro", "premium")
    assert PAID_PLANS == ("basic", "pro", "premium")
    assert dict(PLAN_LIMITS) == {
        "free": FREE_LIMITS,
        "basic": UNLIMITED,
        "pro": UNLIMITED,
        "premium": UNLIMITED,
    }
    assert timedelta(days=7) == GRACE_PERIOD
    with pytest.raises(TypeError):
        PLAN_LIMITS["free"] = UNLIMITED  # type: ignore[index]


@pytest.mark.parametrize("plan", ["enterprise-typo", "", "FREE", "Pro"])
def test_an_unknown_plan_is_always_free(plan: str) -> None:
    assert limits_for(plan) == FREE_LIMITS
    for status in SUBSCRIPTION_STATUSES:
        account = Account(plan, status, trial_ends_at=AHEAD, past_due_since=NOW)
        assert effective_plan(account, NOW) == FREE


@pytest.mark.parametrize("status", SUBSCRIPTION_STATUSES)
def test_free_without_a_sign_up_trial_ahead_is_free(status: str) -> None:
    assert limits_for("free") == FREE_LIMITS
    for trial_ends_at in (None, BEHIND, NOW):
        account = Account("free", status, trial_ends_at=trial_ends_at, past_due_since=NOW)
        assert effective_plan(account, NOW) == FREE


@pytest.mark.parametrize("status", SUBSCRIPTION_STATUSES)
def test_a_sign_up_trial_on_free_lends_the_paid_limits_until_it_ends(status: str) -> None:
    # Whatever Stripe says of a subscription: the trial was given at sign-up, without a card.
    account = Account("free", status, trial_ends_at=AHEAD, past_due_since=NOW)
    assert SIGN_UP_TRIAL_PLAN in PAID_PLANS
    assert effective_plan(account, NOW) == paid(SIGN_UP_TRIAL_PLAN, "trial", AHEAD)
    assert effective_plan(account, AHEAD - TICK).limits == UNLIMITED
    assert effective_plan(account, AHEAD) == FREE
    assert effective_plan(account, AHEAD + timedelta(days=30)) == FREE


def test_a_fourteen_day_sign_up_trial_from_now() -> None:
    account = Account("free", trial_ends_at=NOW + SIGN_UP_TRIAL)
    assert effective_plan(account, NOW + timedelta(days=13, hours=23)).state == "trial"
    assert effective_plan(account, NOW + timedelta(days=14)) == FREE


def paid(plan: str, state: str, until: datetime | None) -> EffectivePlan:
    return EffectivePlan(plan=plan, state=state, limits=UNLIMITED, until=until)  # type: ignore[arg-type]


# status -> (the sign-up trial ends ahead, behind, or there is none) -> the answer for "pro",
# written out by hand from the billing rules.
EXPECTED: dict[str, dict[str, EffectivePlan]] = {
    "active": {
        "ahead": paid("pro", "active", None),
        "behind": paid("pro", "active", None),
        "none": paid("pro", "active", None),
    },
    "trialing": {
        "ahead": paid("pro", "trial", AHEAD),
        "behind": paid("pro", "trial", BEHIND),  # Stripe has not moved it on yet
        "none": paid("pro", "trial", None),
    },
    "past_due": {
        "ahead": paid("pro", "grace", NOW + GRACE_PERIOD),
        "behind": paid("pro", "grace", NOW + GRACE_PERIOD),
        "none": paid("pro", "grace", NOW + GRACE_PERIOD),
    },
    **{
        status: {"ahead": paid("pro", "trial", AHEAD), "behind": FREE, "none": FREE}
        for status in (
            "none",
            "incomplete",
            "incomplete_expired",
            "canceled",
            "unpaid",
            "paused",
        )
    },
}


@pytest.mark.parametrize("status", SUBSCRIPTION_STATUSES)
@pytest.mark.parametrize("trial", ["ahead", "behind", "none"])
def test_the_effective_plan_of_every_status(status: str, trial: str) -> None:
    trial_ends_at = {"ahead": AHEAD, "behind": BEHIND, "none": None}[trial]
    # Seen past due just now: the grace has only begun.
    account = Account("pro", status, trial_ends_at=trial_ends_at, past_due_since=NOW)
    assert effective_plan(account, NOW) == EXPECTED[status][trial]


def test_every_status_is_in_the_table() -> None:
    assert set(EXPECTED) == set(SUBSCRIPTION_STATUSES)


def test_the_sign_up_trial_ends_at_its_instant() -> None:
    account = Account("premium", trial_ends_at=AHEAD)
    assert effective_plan(account, AHEAD - TICK) == paid("premium", "trial", AHEAD)
    assert effective_plan(account, AHEAD) == FREE
    assert effective_plan(account, AHEAD + TICK) == FREE


def test_past_due_keeps_the_plan_for_the_grace_period_then_it_is_free() -> None:
    account = Account("basic", "past_due", past_due_since=BEHIND)
    grace_ends = BEHIND + timedelta(days=7)
    assert effective_plan(account, BEHIND) == paid("basic", "grace", grace_ends)
    assert effective_plan(account, grace_ends - TICK) == paid("basic", "grace", grace_ends)
    assert effective_plan(account, grace_ends) == FREE
    assert effective_plan(account, grace_ends + timedelta(days=30)) == FREE


def test_after_the_grace_even_a_sign_up_trial_still_ahead_does_not_count() -> None:
    account = Account("pro", "past_due", trial_ends_at=AHEAD, past_due_since=NOW - GRACE_PERIOD)
    assert effective_plan(account, NOW) == FREE


def test_past_due_not_yet_recorded_counts_as_just_now() -> None:
    account = Account("basic", "past_due", past_due_since=None)
    assert effective_plan(account, NOW) == paid("basic", "grace", NOW + GRACE_PERIOD)


def test_a_grace_period_over_a_clock_change_is_seven_whole_days() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Berlin moves its clocks forward on 31 March 2030: a week of wall time there is 167 hours.
    since = datetime(2030, 3, 28, 12, 0, tzinfo=berlin)
    account = Account("pro", "past_due", past_due_since=since)
    assert effective_plan(account, since + timedelta(hours=167, minutes=30)).state == "grace"
    assert effective_plan(account, (since + timedelta(days=7)).astimezone(UTC)).state == "grace"
    assert effective_plan(account, since.astimezone(UTC) + timedelta(hours=168)) == FREE


def test_the_answers_instants_are_in_utc() -> None:
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    trial_ends = datetime(2030, 3, 6, 9, 0, tzinfo=sao_paulo)
    for status in ("none", "trialing"):
        until = effective_plan(Account("pro", status, trial_ends_at=trial_ends), NOW).until
        assert until == trial_ends
        assert until is not None
        assert until.tzinfo is UTC
    since = datetime(2030, 3, 3, 9, 0, tzinfo=sao_paulo)
    until = effective_plan(Account("pro", "past_due", past_due_since=since), NOW).until
    assert until == since + GRACE_PERIOD
    assert until is not None
    assert until.tzinfo is UTC


def test_a_trial_after_which_stripe_says_active_is_active() -> None:
    account = Account("pro", "active", trial_ends_at=BEHIND)
    assert effective_plan(account, NOW) == paid("pro", "active", None)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Account("pro", trial_ends_at=datetime(2030, 1, 1)),
        lambda: Account("pro", "past_due", past_due_since=datetime(2030, 1, 1)),
        lambda: effective_plan(Account("pro"), datetime(2030, 1, 1)),
        lambda: Account("pro", "activ"),
        lambda: Account("pro", "Active"),
    ],
)
def test_naive_instants_and_unknown_statuses_are_refused(build: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        build()  # type: ignore[operator]


instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2040, 1, 1),
    timezones=st.sampled_from([UTC, ZoneInfo("America/Sao_Paulo"), ZoneInfo("Europe/Berlin")]),
)
accounts = st.builds(
    Account,
    plan=st.sampled_from([*PLANS, "gold", ""]),
    subscription_status=st.sampled_from(SUBSCRIPTION_STATUSES),
    trial_ends_at=st.none() | instants,
    past_due_since=st.none() | instants,
)


@given(accounts, instants)
def test_the_answer_is_consistent_whatever_the_account(account: Account, now: datetime) -> None:
    answer = effective_plan(account, now)
    assert answer.limits == limits_for(answer.plan)
    # Only a paid plan is unlimited, and only a paid plan's own subscription makes it so.
    assert (answer.state == "free") == (answer.plan == "free")
    if answer.state != "free":
        # A sign-up trial on the free plan lends its paid plan; any other state is the plan's.
        lent = account.plan == "free" and answer.state == "trial"
        assert answer.plan == (SIGN_UP_TRIAL_PLAN if lent else account.plan)
        assert answer.plan in PAID_PLANS
    if answer.state == "grace":
        assert account.subscription_status == "past_due"
        # Seven days of real time: UTC arithmetic, whatever the zones.
        since = (account.past_due_since or now).astimezone(UTC)
        assert answer.until == since + GRACE_PERIOD
        assert now < answer.until
    if answer.state == "trial" and account.subscription_status != "trialing":
        assert account.trial_ends_at is not None
        assert answer.until == account.trial_ends_at.astimezone(UTC)
        assert now < answer.until
    if answer.state in ("active", "free"):
        assert answer.until is None


@given(accounts, instants, st.sampled_from([UTC, ZoneInfo("Asia/Kolkata")]))
def test_the_answer_depends_on_instants_not_on_zones(
    account: Account, now: datetime, zone: ZoneInfo
) -> None:
    def moved(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(zone)

    elsewhere = replace(
        account,
        trial_ends_at=moved(account.trial_ends_at),
        past_due_since=moved(account.past_due_since),
    )
    assert effective_plan(elsewhere, now.astimezone(zone)) == effective_plan(account, now)


@given(accounts, instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)))
def test_time_alone_only_ends_a_state(account: Account, now: datetime, later: timedelta) -> None:
    # In UTC: wall arithmetic across a clock change may not move forward in time.
    then = now.astimezone(UTC) + later
    before = effective_plan(account, now)
    after = effective_plan(account, then)
    if before.state == "free":
        assert after == FREE
    # Stripe ends its own trials; a grace not yet recorded starts again at every instant.
    ends_by_itself = account.subscription_status != "trialing" and (
        account.subscription_status != "past_due" or account.past_due_since is not None
    )
    if before.until is not None and ends_by_itself and then >= before.until:
        assert after == FREE
    if after.state != "free":
        assert (after.plan, after.state) == (before.plan, before.state)
        if account.past_due_since is not None or after.state != "grace":
            assert after == before


# The rate limits, written out by hand: (max requests, window in seconds, whose budget).
EXPECTED_RATE_LIMITS = {
    "booking": (5, 600, "ip"),
    "ai_chat": (20, 3600, "user"),
    "checkout": (10, 3600, "user"),
    "messages": (30, 60, "user"),
    "guest": (30, 600, "ip"),
    "guest_links": (5, 600, "ip"),
    "guest_links_contact": (3, 3600, "contact"),
    "account": (10, 3600, "user"),
    "verification": (5, 3600, "user"),
    "verification_attempts": (10, 900, "user"),
    "notes": (60, 600, "user"),
    "clients": (60, 600, "user"),
    "reviews": (10, 3600, "user"),
}


def test_the_rate_limit_table() -> None:
    assert {
        name: (rule.max_requests, rule.window_seconds, rule.per)
        for name, rule in RATE_LIMITS.items()
    } == EXPECTED_RATE_LIMITS
    # What the booking function's limiter reads.
    assert RATE_LIMITS["booking"].max_requests == 5
    assert RATE_LIMITS["booking"].window_seconds == 600


def test_the_rate_limit_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        RATE_LIMITS["booking"] = RateLimit(1000, 1, "ip")  # type: ignore[index]
    with pytest.raises(AttributeError):
        RATE_LIMITS["booking"].max_requests = 1000  # type: ignore[misc]


def test_a_rate_limit_counts_per_address_unless_told() -> None:
    assert RateLimit(max_requests=3, window_seconds=60).per == "ip"


@pytest.mark.parametrize(
    ("max_requests", "window_seconds", "per"),
    [(0, 60, "ip"), (3, 0, "ip"), (-1, 60, "user"), (3, 60, "jwt")],
)
def test_a_rate_limit_that_could_never_allow_anything_is_refused(
    max_requests: int, window_seconds: int, per: str
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        RateLimit(max_requests, window_seconds, per)  # type: ignore[arg-type]
