"""Stripe subscriptions as domain facts: reading them, and what they change in the stored plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agenda.domain.billing import (
    BILLING,
    BillingState,
    SubscriptionSnapshot,
    apply_subscription,
    plan_activated,
    subscription_from_stripe,
)
from agenda.domain.plans import (
    GRACE_PERIOD,
    PLAN_LIMITS,
    PLANS,
    SUBSCRIPTION_STATUSES,
    Account,
    EffectivePlan,
    effective_plan,
)

pytestmark = pytest.mark.unit

PLAN_BY_PRICE = {"price_basic": "basic", "price_pro": "pro", "price_premium": "premium"}
CREATED = 1_893_456_000  # 2030-01-01T00:00:00Z
NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)
LIVE = ("incomplete", "trialing", "active", "past_due", "unpaid", "paused")
ENDED = ("canceled", "incomplete_expired")


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def stripe_subscription(**changes: Any) -> dict[str, Any]:
    """A subscription as Stripe's API sends it (older API version: the period on the top)."""
    obj: dict[str, Any] = {
        "id": "sub_1",
        "object": "subscription",
        "customer": "cus_1",
        "status": "active",
        "created": CREATED,
        "current_period_start": CREATED,
        "current_period_end": CREATED + 31 * 86_400,
        "trial_end": None,
        "cancel_at_period_end": False,
        "metadata": {"professional_id": "0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30"},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_1",
                    "object": "subscription_item",
                    "price": {"id": "price_pro", "object": "price", "unit_amount": 4900},
                    "quantity": 1,
                }
            ],
            "has_more": False,
        },
    }
    obj.update(changes)
    return obj


def snapshot(**changes: Any) -> SubscriptionSnapshot:
    fields: dict[str, Any] = {
        "id": "sub_1",
        "customer": "cus_1",
        "status": "active",
        "price_id": "price_pro",
        "plan": "pro",
        "created": utc(CREATED),
        "current_period_end": utc(CREATED + 31 * 86_400),
        "trial_end": None,
        "cancel_at_period_end": False,
        "professional_id": "pro_1",
    }
    fields.update(changes)
    return SubscriptionSnapshot(**fields)


def stored(**changes: Any) -> BillingState:
    """A professional holding sub_1, active on pro."""
    fields: dict[str, Any] = {
        "plan": "pro",
        "subscription_id": "sub_1",
        "subscription_status": "active",
        "subscription_created": utc(CREATED),
        "current_period_end": utc(CREATED + 31 * 86_400),
    }
    fields.update(changes)
    return BillingState(**fields)


# -- reading Stripe's object ---------------------------------------------------------------


def test_a_subscription_is_read_into_a_snapshot() -> None:
    obj = stripe_subscription(trial_end=CREATED + 14 * 86_400, cancel_at_period_end=True)
    assert subscription_from_stripe(obj, PLAN_BY_PRICE) == SubscriptionSnapshot(
        id="sub_1",
        customer="cus_1",
        status="active",
        price_id="price_pro",
        plan="pro",
        created=datetime(2030, 1, 1, tzinfo=UTC),
        current_period_end=datetime(2030, 2, 1, tzinfo=UTC),
        trial_end=datetime(2030, 1, 15, tzinfo=UTC),
        cancel_at_period_end=True,
        professional_id="0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30",
    )


def test_newer_api_versions_put_the_period_on_the_item_and_may_expand_or_not() -> None:
    obj = stripe_subscription(customer={"id": "cus_9", "object": "customer", "email": "a@b.c"})
    del obj["current_period_end"]
    item = obj["items"]["data"][0]
    item["current_period_end"] = CREATED + 365 * 86_400
    item["price"] = "price_premium"
    snap = subscription_from_stripe(obj, PLAN_BY_PRICE)
    assert snap.customer == "cus_9"
    assert (snap.price_id, snap.plan) == ("price_premium", "premium")
    assert snap.current_period_end == datetime(2031, 1, 1, tzinfo=UTC)
    assert snap.created.utcoffset() == timedelta(0)


def test_the_top_level_period_wins_when_both_are_there() -> None:
    obj = stripe_subscription()
    obj["items"]["data"][0]["current_period_end"] = CREATED + 5
    assert subscription_from_stripe(obj, PLAN_BY_PRICE).current_period_end == utc(
        CREATED + 31 * 86_400
    )


def test_a_price_that_is_not_ours_has_no_plan() -> None:
    obj = stripe_subscription()
    obj["items"]["data"][0]["price"] = {"id": "price_legacy_2019"}
    snap = subscription_from_stripe(obj, PLAN_BY_PRICE)
    assert (snap.price_id, snap.plan) == ("price_legacy_2019", None)
    for items in ({"object": "list", "data": []}, None):
        snap = subscription_from_stripe(stripe_subscription(items=items), PLAN_BY_PRICE)
        assert (snap.price_id, snap.plan, snap.current_period_end) == (
            None,
            None,
            utc(CREATED + 31 * 86_400),
        )


def test_optional_facts_may_be_absent() -> None:
    obj = stripe_subscription()
    for key in ("current_period_end", "trial_end", "cancel_at_period_end", "metadata", "items"):
        del obj[key]
    snap = subscription_from_stripe(obj, PLAN_BY_PRICE)
    assert snap.current_period_end is None
    assert snap.trial_end is None
    assert snap.cancel_at_period_end is False
    assert snap.professional_id is None
    assert snap.plan is None
    assert subscription_from_stripe(stripe_subscription(metadata={}), {}).professional_id is None


@pytest.mark.parametrize("field", ["id", "customer", "status", "created"])
def test_a_missing_fact_is_named(field: str) -> None:
    obj = stripe_subscription()
    del obj[field]
    with pytest.raises(ValueError, match=field):
        subscription_from_stripe(obj, PLAN_BY_PRICE)
    with pytest.raises(ValueError, match=field):
        subscription_from_stripe(stripe_subscription(**{field: None}), PLAN_BY_PRICE)


@pytest.mark.parametrize("status", ["none", "Active", "ended", "", "trial"])
def test_a_status_stripe_does_not_have_is_refused(status: str) -> None:
    with pytest.raises(ValueError, match="status"):
        subscription_from_stripe(stripe_subscription(status=status), PLAN_BY_PRICE)


@pytest.mark.parametrize("status", [s for s in SUBSCRIPTION_STATUSES if s != "none"])
def test_every_status_stripe_has_is_read(status: str) -> None:
    snap = subscription_from_stripe(stripe_subscription(status=status), PLAN_BY_PRICE)
    assert snap.status == status


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"created": "1893456000"}, "created"),
        ({"created": True}, "created"),
        ({"created": 1.5e9}, "created"),
        ({"created": 10**20}, "created"),
        ({"trial_end": "soon"}, "trial_end"),
        ({"current_period_end": [1]}, "current_period_end"),
        ({"customer": 42}, "customer"),
        ({"customer": {"object": "customer"}}, "customer"),
        ({"id": 7}, "id"),
        ({"cancel_at_period_end": "false"}, "cancel_at_period_end"),
        ({"metadata": ["professional_id"]}, "metadata"),
        ({"metadata": {"professional_id": 12}}, "professional_id"),
        ({"items": [{"price": "price_pro"}]}, "items"),
        ({"items": {"data": {"price": "price_pro"}}}, "items.data"),
        ({"items": {"data": ["si_1"]}}, "items.data"),
        ({"items": {"data": [{"price": 5}]}}, "price"),
        ({"items": {"data": [{"price": {"unit_amount": 5}}]}}, "price"),
    ],
)
def test_a_malformed_fact_is_refused_by_name(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        subscription_from_stripe(stripe_subscription(**changes), PLAN_BY_PRICE)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "price", "data", "current_period_end"]), inner)
    ),
    max_leaves=6,
)


# Nested JSON is slow to draw on a busy machine; the property, not the speed, is under test.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "customer",
                "status",
                "created",
                "current_period_end",
                "trial_end",
                "cancel_at_period_end",
                "metadata",
                "items",
            ]
        ),
        json_values,
    ),
    st.booleans(),
)
def test_any_json_is_a_snapshot_or_a_value_error(changes: dict[str, Any], merge: bool) -> None:
    obj = stripe_subscription(**changes) if merge else changes
    try:
        snap = subscription_from_stripe(obj, PLAN_BY_PRICE)
    except ValueError:
        return
    assert snap.status in SUBSCRIPTION_STATUSES
    assert snap.status != "none"
    assert snap.created.tzinfo is not None


# -- applying a snapshot to the stored state -----------------------------------------------


def test_a_first_subscription_is_taken_whole() -> None:
    state = BillingState(plan="free", trial_ends_at=NOW + timedelta(days=3))
    snap = snapshot(status="trialing", trial_end=utc(CREATED + 14 * 86_400), plan="premium")
    assert apply_subscription(state, snap, now=NOW) == BillingState(
        plan="premium",
        subscription_id="sub_1",
        subscription_status="trialing",
        subscription_created=utc(CREATED),
        trial_ends_at=utc(CREATED + 14 * 86_400),
        past_due_since=None,
        current_period_end=utc(CREATED + 31 * 86_400),
        cancel_at_period_end=False,
    )


def test_changes_to_the_same_subscription_are_taken() -> None:
    period_end = utc(CREATED + 62 * 86_400)
    snap = snapshot(
        price_id="price_basic",
        plan="basic",
        current_period_end=period_end,
        cancel_at_period_end=True,
    )
    assert apply_subscription(stored(), snap, now=NOW) == stored(
        plan="basic", current_period_end=period_end, cancel_at_period_end=True
    )
    assert apply_subscription(stored(), snapshot(status="canceled"), now=NOW) == stored(
        subscription_status="canceled"
    )


def test_what_the_snapshot_does_not_know_is_kept() -> None:
    trial = NOW - timedelta(days=1)
    state = stored(plan="premium", trial_ends_at=trial)
    after = apply_subscription(
        state, snapshot(plan=None, price_id="price_unknown", cancel_at_period_end=True), now=NOW
    )
    assert after == replace(state, cancel_at_period_end=True)
    # The snapshot's own trial end replaces the stored one.
    later_trial = NOW + timedelta(days=9)
    after = apply_subscription(state, snapshot(trial_end=later_trial), now=NOW)
    assert after is not None
    assert after.trial_ends_at == later_trial
    assert after.plan == "pro"


def test_nothing_to_write_when_nothing_changes() -> None:
    assert apply_subscription(stored(), snapshot(), now=NOW) is None
    state = BillingState(plan="free")
    first = apply_subscription(state, snapshot(), now=NOW)
    assert first is not None
    assert apply_subscription(first, snapshot(), now=LATER) is None


def test_past_due_is_dated_from_when_we_first_saw_it() -> None:
    due = snapshot(status="past_due")
    first = apply_subscription(stored(), due, now=NOW)
    assert first == stored(subscription_status="past_due", past_due_since=NOW)
    # Seen again two days later: still the first sighting.
    assert apply_subscription(first, due, now=LATER) is None
    # Recovered: cleared. Overdue once more: a new grace from then on.
    recovered = apply_subscription(first, snapshot(), now=LATER)
    assert recovered == stored()
    again = apply_subscription(recovered, due, now=LATER + timedelta(days=30))
    assert again is not None
    assert again.past_due_since == LATER + timedelta(days=30)


def test_a_past_due_state_never_dated_is_dated_now() -> None:
    state = stored(subscription_status="past_due", past_due_since=None)
    assert apply_subscription(state, snapshot(status="past_due"), now=NOW) == stored(
        subscription_status="past_due", past_due_since=NOW
    )


def test_a_past_due_date_left_from_before_is_not_reused() -> None:
    # An active row that still carries an old date: the new grace starts now, not then.
    state = stored(subscription_status="active", past_due_since=NOW - timedelta(days=40))
    after = apply_subscription(state, snapshot(status="past_due"), now=NOW)
    assert after == stored(subscription_status="past_due", past_due_since=NOW)


def test_past_due_of_another_subscription_starts_its_own_grace() -> None:
    state = stored(
        subscription_status="canceled", past_due_since=NOW - timedelta(days=20)
    )  # left over
    snap = snapshot(id="sub_2", status="past_due", created=utc(CREATED + 86_400))
    after = apply_subscription(state, snap, now=NOW)
    assert after is not None
    assert (after.subscription_id, after.past_due_since) == ("sub_2", NOW)


@pytest.mark.parametrize("snap_status", ENDED)
@pytest.mark.parametrize("stored_status", SUBSCRIPTION_STATUSES)
def test_an_ended_subscription_never_replaces_another(snap_status: str, stored_status: str) -> None:
    state = stored(subscription_status=stored_status, subscription_created=utc(CREATED - 86_400))
    snap = snapshot(id="sub_2", status=snap_status, created=utc(CREATED))
    assert apply_subscription(state, snap, now=NOW) is None


@pytest.mark.parametrize("snap_status", LIVE)
@pytest.mark.parametrize("stored_status", ["canceled", "incomplete_expired", "unpaid", "none"])
def test_a_live_subscription_replaces_one_that_stopped_however_new(
    snap_status: str, stored_status: str
) -> None:
    # The stopped one was even created later.
    state = stored(subscription_status=stored_status, subscription_created=utc(CREATED + 86_400))
    snap = snapshot(id="sub_2", status=snap_status, created=utc(CREATED), plan="basic")
    after = apply_subscription(state, snap, now=NOW)
    assert after is not None
    assert (after.subscription_id, after.subscription_status, after.plan) == (
        "sub_2",
        snap_status,
        "basic",
    )
    assert after.subscription_created == utc(CREATED)


@pytest.mark.parametrize("snap_status", LIVE)
@pytest.mark.parametrize(
    "stored_status", ["incomplete", "trialing", "active", "past_due", "paused"]
)
def test_between_live_subscriptions_the_one_created_later_wins(
    snap_status: str, stored_status: str
) -> None:
    if (snap_status in BILLING) != (stored_status in BILLING):
        return  # billing first: test_a_subscription_that_bills_wins_over_one_that_does_not
    state = stored(subscription_status=stored_status, subscription_created=utc(CREATED))
    newer = snapshot(id="sub_2", status=snap_status, created=utc(CREATED + 1))
    older = snapshot(id="sub_0", status=snap_status, created=utc(CREATED - 1))
    after = apply_subscription(state, newer, now=NOW)
    assert after is not None
    assert after.subscription_id == "sub_2"
    assert apply_subscription(state, older, now=NOW) is None


@pytest.mark.parametrize("billing", sorted(BILLING))
def test_a_subscription_that_bills_wins_over_one_that_does_not(billing: str) -> None:
    # A second checkout left half way (incomplete, created later) does not take the plan away,
    # in either order of events.
    paying = snapshot(id="sub_1", status=billing, created=utc(CREATED), plan="pro")
    abandoned = snapshot(id="sub_2", status="incomplete", created=utc(CREATED + 60), plan="basic")
    start = BillingState(plan="free")
    assert applied(start, [paying, abandoned]) == applied(start, [abandoned, paying])
    assert applied(start, [abandoned, paying]).subscription_id == "sub_1"


def test_a_stored_subscription_of_unknown_age_is_replaced() -> None:
    state = stored(subscription_created=None)
    after = apply_subscription(state, snapshot(id="sub_2"), now=NOW)
    assert after is not None
    assert after.subscription_id == "sub_2"


def test_two_subscriptions_of_the_same_second_settle_on_one_in_either_order() -> None:
    a = snapshot(id="sub_a", created=utc(CREATED), plan="basic")
    b = snapshot(id="sub_b", created=utc(CREATED), plan="premium")
    start = BillingState(plan="free")
    a_then_b = apply_subscription(apply_subscription(start, a, now=NOW) or start, b, now=NOW)
    b_then_a = apply_subscription(start, b, now=NOW)
    assert b_then_a is not None
    assert apply_subscription(b_then_a, a, now=NOW) is None
    assert a_then_b == b_then_a


def test_instants_must_be_aware() -> None:
    naive = datetime(2030, 1, 1)
    with pytest.raises(ValueError, match="now"):
        apply_subscription(stored(), snapshot(), now=naive)
    with pytest.raises(ValueError, match="created"):
        snapshot(created=naive)
    with pytest.raises(ValueError, match="past_due_since"):
        stored(past_due_since=naive)
    with pytest.raises(ValueError, match="status"):
        stored(subscription_status="late")


def test_the_stored_state_gives_the_account_the_plan_rules_read() -> None:
    state = stored(
        plan="basic",
        subscription_status="past_due",
        trial_ends_at=NOW - timedelta(days=30),
        past_due_since=NOW,
    )
    assert state.account() == Account(
        plan="basic",
        subscription_status="past_due",
        trial_ends_at=NOW - timedelta(days=30),
        past_due_since=NOW,
    )
    assert effective_plan(state.account(), NOW).until == NOW + GRACE_PERIOD


# -- activation ------------------------------------------------------------------------------


def effective(plan: str, state: str) -> EffectivePlan:
    limits = PLAN_LIMITS.get(plan, PLAN_LIMITS["free"])
    return EffectivePlan(plan=plan, state=state, limits=limits, until=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("before", "after", "activated"),
    [
        (effective("free", "free"), effective("pro", "active"), True),  # a new subscription
        (effective("pro", "trial"), effective("pro", "active"), True),  # a trial converts
        (effective("basic", "active"), effective("pro", "active"), True),  # an upgrade
        (effective("premium", "active"), effective("basic", "active"), True),  # a downgrade
        (effective("basic", "grace"), effective("pro", "active"), True),  # changed while late
        (effective("pro", "grace"), effective("pro", "active"), False),  # a payment recovered
        (effective("pro", "active"), effective("pro", "active"), False),  # nothing new
        (effective("pro", "active"), effective("pro", "grace"), False),
        (effective("free", "free"), effective("pro", "trial"), False),
        (effective("pro", "active"), effective("free", "free"), False),
        (effective("free", "free"), effective("free", "free"), False),
    ],
)
def test_what_counts_as_an_activation(
    before: EffectivePlan, after: EffectivePlan, activated: bool
) -> None:
    assert plan_activated(before, after) is activated


def test_a_checkout_that_completes_activates_and_a_recovered_card_does_not() -> None:
    state = BillingState(plan="free")
    paid = apply_subscription(state, snapshot(), now=NOW)
    assert paid is not None
    assert plan_activated(effective_plan(state.account(), NOW), effective_plan(paid.account(), NOW))
    late = apply_subscription(paid, snapshot(status="past_due"), now=NOW)
    assert late is not None
    recovered = apply_subscription(late, snapshot(), now=LATER)
    assert recovered is not None
    assert not plan_activated(
        effective_plan(late.account(), LATER), effective_plan(recovered.account(), LATER)
    )


# -- properties ------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2029, 1, 1),
    max_value=datetime(2031, 1, 1),
    timezones=st.sampled_from([UTC, ZoneInfo("America/Sao_Paulo")]),
)


@st.composite
def histories(draw: st.DrawFn) -> list[SubscriptionSnapshot]:
    """Snapshots of one subscription over its life, oldest first. Its id, customer and creation
    never change; a trial end, once it has one, stays set (Stripe keeps it after the trial); its
    prices are ours (an unknown price is kept out: then the stored plan is what was known)."""
    created = draw(instants)
    trial = draw(st.booleans())
    count = draw(st.integers(1, 6))
    history = []
    for _ in range(count):
        price_id, plan = draw(st.sampled_from(sorted(PLAN_BY_PRICE.items())))
        history.append(
            snapshot(
                status=draw(st.sampled_from([s for s in SUBSCRIPTION_STATUSES if s != "none"])),
                price_id=price_id,
                plan=plan,
                created=created,
                current_period_end=draw(st.none() | instants),
                trial_end=draw(instants) if trial else None,
                cancel_at_period_end=draw(st.booleans()),
            )
        )
    return history


starting_states = st.builds(
    BillingState,
    plan=st.sampled_from(PLANS),
    trial_ends_at=st.none() | instants,
) | st.builds(
    BillingState,
    plan=st.sampled_from(PLANS),
    subscription_id=st.just("sub_1"),
    subscription_status=st.sampled_from(SUBSCRIPTION_STATUSES),
    subscription_created=st.none() | instants,
    trial_ends_at=st.none() | instants,
    past_due_since=st.none() | instants,
    current_period_end=st.none() | instants,
    cancel_at_period_end=st.booleans(),
)


def applied(state: BillingState, snaps: list[SubscriptionSnapshot]) -> BillingState:
    for snap in snaps:
        state = apply_subscription(state, snap, now=NOW) or state
    return state


@given(starting_states, histories(), st.data())
def test_the_newest_snapshot_alone_decides_whatever_came_before(
    start: BillingState, history: list[SubscriptionSnapshot], data: st.DataObject
) -> None:
    *older, newest = history
    # Any of the older ones, in any order, any number of times: late and repeated deliveries.
    before = data.draw(st.lists(st.sampled_from(older), max_size=8)) if older else []
    through_all = applied(start, [*before, newest])
    only_newest = applied(start, [newest])
    assert replace(through_all, past_due_since=None) == replace(only_newest, past_due_since=None)
    assert (through_all.past_due_since is None) == (newest.status != "past_due")
    assert (through_all.subscription_id, through_all.subscription_status) == (
        "sub_1",
        newest.status,
    )


@given(starting_states, histories())
def test_applying_a_snapshot_twice_writes_once(
    start: BillingState, history: list[SubscriptionSnapshot]
) -> None:
    newest = history[-1]
    once = apply_subscription(start, newest, now=NOW) or start
    assert apply_subscription(once, newest, now=LATER) is None


@given(
    st.sampled_from(["incomplete", "trialing", "active", "past_due", "paused"]),
    st.sampled_from(["incomplete", "trialing", "active", "past_due", "paused"]),
    instants,
    instants,
)
def test_between_two_live_subscriptions_the_order_of_events_does_not_matter(
    status_a: str, status_b: str, created_a: datetime, created_b: datetime
) -> None:
    a = snapshot(id="sub_a", status=status_a, created=created_a, plan="basic")
    b = snapshot(id="sub_b", status=status_b, created=created_b, plan="premium")
    start = BillingState(plan="free")
    a_then_b = applied(start, [a, b])
    b_then_a = applied(start, [b, a])
    assert a_then_b == b_then_a
    rank_a = (status_a in BILLING, created_a, "sub_a")
    rank_b = (status_b in BILLING, created_b, "sub_b")
    winner = "sub_b" if rank_b > rank_a else "sub_a"
    assert a_then_b.subscription_id == winner


@given(starting_states, histories(), st.sampled_from(ENDED))
def test_an_ended_subscription_never_displaces_another(
    start: BillingState, history: list[SubscriptionSnapshot], status: str
) -> None:
    state = applied(start, history)
    other = snapshot(id="sub_other", status=status, created=utc(CREATED + 10**8))
    assert apply_subscription(state, other, now=NOW) is None
