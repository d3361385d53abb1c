"""The appointment state machine and the client policy, as pure rules: every (state, action)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.domain.appointment_messages import MessageContext, messages_for
from agenda.domain.errors import (
    DomainError,
    Forbidden,
    InvalidTransition,
    ValidationFailed,
)
from agenda.domain.lifecycle import (
    ACTIONS,
    CLIENT_ACTIONS,
    PAYMENT_STATUSES,
    STATUSES,
    Appointment,
    Policy,
    decide,
    professional_actions,
)
from agenda.domain.messages import Party

pytestmark = pytest.mark.unit

STARTS = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(minutes=50)
BEFORE = STARTS - timedelta(hours=72)  # well inside the default 24-hour notice
STARTED = STARTS + timedelta(minutes=10)
NEW_RANGE = (STARTS + timedelta(days=1), ENDS + timedelta(days=1))
POLICY = Policy()

X = None  # the transition is refused: 409 INVALID_TRANSITION
# Written out by hand from the product rules, independently of the module's table:
# status -> action -> status after, for the professional, before the session starts.
PROFESSIONAL_BEFORE: dict[str, dict[str, str | None]] = {
    "pending_payment": {
        "confirm": "confirmed",
        "reject": "rejected",
        "cancel": "cancelled",
        "paid": "confirmed",
        "complete": X,
        "no_show": X,
        "reschedule": "pending_payment",
    },
    "pending_confirmation": {
        "confirm": "confirmed",
        "reject": "rejected",
        "cancel": "cancelled",
        "paid": "pending_confirmation",
        "complete": X,
        "no_show": X,
        "reschedule": "pending_confirmation",
    },
    "confirmed": {
        "confirm": X,
        "reject": X,
        "cancel": "cancelled",
        "paid": "confirmed",
        "complete": X,  # not before the session starts
        "no_show": X,
        "reschedule": "confirmed",
    },
    "rejected": dict.fromkeys(ACTIONS, X),
    "cancelled": dict.fromkeys(ACTIONS, X),
    "completed": {**dict.fromkeys(ACTIONS, X), "paid": "completed"},
    "no_show": {**dict.fromkeys(ACTIONS, X), "paid": "no_show"},
}
# Once the session has started, a confirmed appointment can be completed or marked a no-show.
PROFESSIONAL_STARTED = {
    status: {
        **actions,
        **({"complete": "completed", "no_show": "no_show"} if status == "confirmed" else {}),
    }
    for status, actions in PROFESSIONAL_BEFORE.items()
}
# Changes a calendar copy must pick up: new times, or tentative/confirmed/cancelled changed.
BUMPS = {
    ("pending_payment", "confirm"),
    ("pending_payment", "reject"),
    ("pending_payment", "cancel"),
    ("pending_payment", "paid"),
    ("pending_payment", "reschedule"),
    ("pending_confirmation", "confirm"),
    ("pending_confirmation", "reject"),
    ("pending_confirmation", "cancel"),
    ("pending_confirmation", "reschedule"),
    ("confirmed", "cancel"),
    ("confirmed", "reschedule"),
}


def appointment(status: str, payment: str = "none", sequence: int = 3) -> Appointment:
    return Appointment(status, payment, STARTS, ENDS, sequence)


def test_the_tables_cover_every_status_and_action() -> None:
    assert set(PROFESSIONAL_BEFORE) == set(STATUSES)
    for actions in PROFESSIONAL_BEFORE.values():
        assert set(actions) == set(ACTIONS)


@pytest.mark.parametrize("moment", ["before", "started"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", STATUSES)
def test_every_state_and_action_for_the_professional(status: str, action: str, moment: str) -> None:
    now = BEFORE if moment == "before" else STARTED
    expected = (PROFESSIONAL_BEFORE if moment == "before" else PROFESSIONAL_STARTED)[status][action]
    current = appointment(status)
    if expected is None:
        with pytest.raises(InvalidTransition):
            decide(
                current, action, role="professional", policy=POLICY, now=now, new_range=NEW_RANGE
            )
        return
    change = decide(
        current, action, role="professional", policy=POLICY, now=now, new_range=NEW_RANGE
    )
    assert change.after.status == expected
    assert change.before == current
    assert change.after.payment_status == ("paid" if action == "paid" else "none")
    moved = action == "reschedule"
    assert (change.after.starts_at, change.after.ends_at) == (
        NEW_RANGE if moved else (STARTS, ENDS)
    )
    bumped = (status, action) in BUMPS
    assert change.after.sequence == current.sequence + (1 if bumped else 0)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("status", STATUSES)
def test_every_state_and_action_for_the_client(status: str, action: str) -> None:
    current = appointment(status)
    if action not in CLIENT_ACTIONS:
        # Refused for who asks, before the status is looked at.
        with pytest.raises(Forbidden):
            decide(current, action, role="client", policy=POLICY, now=BEFORE, new_range=NEW_RANGE)
        return
    expected = PROFESSIONAL_BEFORE[status][action]
    if expected is None:
        with pytest.raises(InvalidTransition):
            decide(current, action, role="client", policy=POLICY, now=BEFORE, new_range=NEW_RANGE)
        return
    change = decide(current, action, role="client", policy=POLICY, now=BEFORE, new_range=NEW_RANGE)
    assert change.after.status == expected


@pytest.mark.parametrize("payment", ["paid", "refunded"])
def test_paid_needs_an_unpaid_appointment(payment: str) -> None:
    with pytest.raises(InvalidTransition, match=payment):
        decide(
            appointment("confirmed", payment),
            "paid",
            role="professional",
            policy=POLICY,
            now=BEFORE,
        )


@pytest.mark.parametrize("payment", ["none", "pending", "failed"])
def test_paid_from_any_unpaid_state(payment: str) -> None:
    change = decide(
        appointment("confirmed", payment), "paid", role="professional", policy=POLICY, now=BEFORE
    )
    assert change.after.payment_status == "paid"


@pytest.mark.parametrize("action", ["archive", "", "CONFIRM", "delete"])
def test_an_unknown_action_is_a_validation_error(action: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        decide(appointment("confirmed"), action, role="professional", policy=POLICY, now=BEFORE)
    assert "action" in refused.value.fields


def test_a_reschedule_to_the_same_time_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        decide(
            appointment("confirmed"),
            "reschedule",
            role="professional",
            policy=POLICY,
            now=BEFORE,
            new_range=(STARTS.astimezone(UTC), ENDS),
        )
    assert "startsAt" in refused.value.fields


# -- the policy --------------------------------------------------------------------------------


@given(
    notice=st.integers(min_value=0, max_value=720),
    minutes_before=st.integers(min_value=-10_000, max_value=50_000),
    action=st.sampled_from(sorted(CLIENT_ACTIONS)),
)
def test_clients_may_change_until_the_notice_and_the_professional_always(
    notice: int, minutes_before: int, action: str
) -> None:
    policy = Policy(cancellation_notice_hours=notice, reschedule_notice_hours=notice)
    now = STARTS - timedelta(minutes=minutes_before)
    allowed = minutes_before >= notice * 60
    current = appointment("confirmed")
    if allowed:
        decide(current, action, role="client", policy=policy, now=now, new_range=NEW_RANGE)
    else:
        with pytest.raises(Forbidden, match="contact the professional"):
            decide(current, action, role="client", policy=policy, now=now, new_range=NEW_RANGE)
    decide(current, action, role="professional", policy=policy, now=now, new_range=NEW_RANGE)


def test_cancel_and_reschedule_notices_are_separate() -> None:
    policy = Policy(cancellation_notice_hours=48, reschedule_notice_hours=2)
    now = STARTS - timedelta(hours=10)
    with pytest.raises(Forbidden, match="48 hours"):
        decide(appointment("confirmed"), "cancel", role="client", policy=policy, now=now)
    change = decide(
        appointment("confirmed"),
        "reschedule",
        role="client",
        policy=policy,
        now=now,
        new_range=NEW_RANGE,
    )
    assert change.after.starts_at == NEW_RANGE[0]


def test_the_deadline_is_an_instant_whatever_zone_the_start_is_written_in() -> None:
    local = STARTS.astimezone(ZoneInfo("America/Sao_Paulo"))
    assert Policy().deadline("cancel", local) == STARTS - timedelta(hours=24)


@given(
    status=st.sampled_from(STATUSES),
    payment=st.sampled_from(PAYMENT_STATUSES),
    action=st.text(max_size=12) | st.sampled_from(ACTIONS),
    role=st.sampled_from(["professional", "client"]),
    offset=st.integers(min_value=-5_000, max_value=5_000),
    notice=st.integers(min_value=0, max_value=100),
)
def test_decide_answers_every_request_with_a_change_or_a_domain_error(
    status: str, payment: str, action: str, role: str, offset: int, notice: int
) -> None:
    current = Appointment(status, payment, STARTS, ENDS, 0)
    policy = Policy(notice, notice)
    try:
        change = decide(
            current,
            action,
            role=role,  # type: ignore[arg-type]
            policy=policy,
            now=STARTS + timedelta(minutes=offset),
            new_range=NEW_RANGE,
        )
    except DomainError:
        return
    assert action in ACTIONS
    assert role == "professional" or action in CLIENT_ACTIONS
    assert change.after.sequence in (0, 1)
    assert change.after.status in STATUSES


# -- who is told -------------------------------------------------------------------------------

APPOINTMENT_ID = UUID("0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30")
PRO = Party("Dra. Ana Souza", "+5511987650001", "ana@example.com")
CLIENT = Party("Maria Silva", "+5511987654321", None)


def context(**overrides: object) -> MessageContext:
    values: dict[str, object] = {
        "appointment_id": APPOINTMENT_ID,
        "professional": PRO,
        "client": CLIENT,
        "timezone": "America/Sao_Paulo",
        "locale": "pt-BR",
        "manage_url": "https://app.example/manage/x?token=t",
        "register_url": "https://app.example/register?invite=t",
        "booking_url": "https://app.example/p/dr-ana",
    }
    values.update(overrides)
    return MessageContext(**values)  # type: ignore[arg-type]


def sent(
    status: str, action: str, role: str = "professional", **overrides: object
) -> list[tuple[str, str, str]]:
    change = decide(
        appointment(status),
        action,
        role=role,  # type: ignore[arg-type]
        policy=POLICY,
        now=BEFORE if action not in ("complete", "no_show") else STARTED,
        new_range=NEW_RANGE,
    )
    return [
        (m["template"], m["audience"], m["channel"])
        for m in messages_for(change, context(**overrides))
    ]


def test_each_change_tells_the_right_people() -> None:
    assert sent("pending_confirmation", "confirm") == [("booking_confirmed", "client", "whatsapp")]
    assert sent("pending_payment", "paid") == [("booking_confirmed", "client", "whatsapp")]
    assert sent("pending_confirmation", "reject") == [("booking_rejected", "client", "whatsapp")]
    assert sent("confirmed", "cancel") == [("cancelled_by_professional", "client", "whatsapp")]
    # A client who cancels is told it is done; the professional is told it happened.
    assert sent("confirmed", "cancel", role="client") == [
        ("cancellation_confirmed", "client", "whatsapp"),
        ("cancelled_by_client", "professional", "whatsapp"),
        ("cancelled_by_client", "professional", "email"),
    ]
    # A booking still held for payment was never announced to the professional.
    assert sent("pending_payment", "cancel", role="client") == [
        ("cancellation_confirmed", "client", "whatsapp"),
    ]
    assert sent("confirmed", "reschedule", role="client") == [
        ("rescheduled", "client", "whatsapp"),
        ("rescheduled", "professional", "whatsapp"),
        ("rescheduled", "professional", "email"),
    ]
    assert sent("confirmed", "reschedule") == [
        ("rescheduled", "client", "whatsapp"),
        ("rescheduled", "professional", "whatsapp"),
        ("rescheduled", "professional", "email"),
    ]
    # A completed session asks the client for a review (and only a completed one).
    assert sent("confirmed", "complete") == [("review_request", "client", "whatsapp")]
    for status, action in [
        ("confirmed", "paid"),
        ("pending_confirmation", "paid"),
        ("confirmed", "no_show"),
    ]:
        assert sent(status, action) == [], (status, action)


def test_client_messages_carry_the_guest_link_and_the_invite_only_without_an_account() -> None:
    change = decide(
        appointment("pending_confirmation"),
        "confirm",
        role="professional",
        policy=POLICY,
        now=BEFORE,
    )
    [message] = messages_for(change, context())
    params = message["params"]
    assert params["manageUrl"] == "https://app.example/manage/x?token=t"
    assert params["registerUrl"] == "https://app.example/register?invite=t"
    assert params["startsAt"] == "2030-03-04T09:00:00-03:00"
    assert params["timezone"] == "America/Sao_Paulo"
    assert message["messageKey"] == f"{APPOINTMENT_ID}:4:booking_confirmed:whatsapp:client"
    [registered] = messages_for(change, context(register_url=None))
    assert "registerUrl" not in registered["params"]


def test_the_professional_never_gets_the_clients_link() -> None:
    change = decide(
        appointment("confirmed"),
        "reschedule",
        role="client",
        policy=POLICY,
        now=BEFORE,
        new_range=NEW_RANGE,
    )
    messages = messages_for(change, context(reason="Viagem"))
    for message in messages:
        assert ("manageUrl" in message["params"]) == (message["audience"] == "client")
        assert message["params"]["previousStartsAt"] == "2030-03-04T09:00:00-03:00"
        assert message["params"]["startsAt"] == "2030-03-05T09:00:00-03:00"
        assert message["params"]["movedBy"] == "client"
        assert message["params"]["reason"] == "Viagem"


def test_a_second_reschedule_is_a_new_message() -> None:
    first = decide(
        appointment("confirmed", sequence=1),
        "reschedule",
        role="professional",
        policy=POLICY,
        now=BEFORE,
        new_range=NEW_RANGE,
    )
    second = decide(
        first.after,
        "reschedule",
        role="professional",
        policy=POLICY,
        now=BEFORE,
        new_range=(STARTS + timedelta(days=2), ENDS + timedelta(days=2)),
    )
    keys = {m["messageKey"] for c in (first, second) for m in messages_for(c, context())}
    assert len(keys) == 6
    assert second.after.sequence == 3


def test_the_documented_contract_names_the_same_statuses_and_actions() -> None:
    """The OpenAPI document lists, in the domain's order, exactly what the domain defines."""
    from typing import Any, get_args

    from agenda.contract import (
        AppointmentChange,
        AppointmentOut,
        AppointmentPage,
        AppointmentsQuery,
        BookingCreated,
        GuestAppointment,
    )
    from agenda.domain.statuses import (
        ACTIONS,
        LIVE,
        PAYMENT_STATUSES,
        STATUSES,
        VIEWS,
        ChangedBy,
    )

    def enum(model: Any, field: str) -> list[str]:
        schema = model.model_json_schema(by_alias=True)["properties"][field]
        options = schema.get("anyOf", [schema])
        [values] = [option["enum"] for option in options if "enum" in option]
        return list(values)

    for model in (AppointmentOut, GuestAppointment):
        assert enum(model, "status") == list(STATUSES)
        assert enum(model, "paymentStatus") == list(PAYMENT_STATUSES)
    assert enum(AppointmentChange, "action") == list(ACTIONS)
    assert enum(BookingCreated, "status") == [s for s in STATUSES if s in LIVE]
    assert enum(AppointmentsQuery, "view") == enum(AppointmentPage, "view") == list(VIEWS)
    changed_by = enum(AppointmentOut, "statusChangedBy")
    assert changed_by == list(get_args(ChangedBy))
    # A booking whose payment Stripe reported, or whose hold ran out, was changed by "system".
    assert set(changed_by) == {"professional", "client", "guest", "system"}


# -- what a refusal says ------------------------------------------------------------------------

WORDING = [
    (
        "cancelled",
        "none",
        "cancel",
        "professional",
        BEFORE,
        "This appointment was already cancelled",
    ),
    (
        "confirmed",
        "none",
        "confirm",
        "professional",
        BEFORE,
        "This appointment was already confirmed",
    ),
    ("rejected", "none", "reject", "professional", BEFORE, "This appointment was already declined"),
    (
        "completed",
        "none",
        "complete",
        "professional",
        STARTED,
        "This appointment was already marked as completed",
    ),
    (
        "no_show",
        "none",
        "no_show",
        "professional",
        STARTED,
        "This appointment was already marked as a no-show",
    ),
    (
        "rejected",
        "none",
        "cancel",
        "professional",
        BEFORE,
        "This appointment was declined, so it can no longer be cancelled",
    ),
    (
        "cancelled",
        "none",
        "reschedule",
        "client",
        BEFORE,
        "This appointment was cancelled, so it can no longer be rescheduled",
    ),
    (
        "completed",
        "none",
        "reschedule",
        "professional",
        STARTED,
        "This appointment was completed, so it can no longer be rescheduled",
    ),
    (
        "confirmed",
        "none",
        "reject",
        "professional",
        BEFORE,
        "This appointment is already confirmed, so it can no longer be declined",
    ),
    (
        "pending_confirmation",
        "none",
        "complete",
        "professional",
        STARTED,
        "This appointment is still awaiting confirmation, so it cannot be marked as completed",
    ),
    (
        "pending_payment",
        "none",
        "no_show",
        "professional",
        STARTED,
        "This appointment is still awaiting payment, so it cannot be marked as a no-show",
    ),
    (
        "confirmed",
        "none",
        "complete",
        "professional",
        BEFORE,
        "This session has not started yet, so it cannot be marked as completed",
    ),
    ("confirmed", "paid", "paid", "professional", BEFORE, "This appointment was already paid"),
    (
        "confirmed",
        "refunded",
        "paid",
        "professional",
        BEFORE,
        "This appointment's payment was refunded, so it cannot be marked as paid",
    ),
    (
        "confirmed",
        "none",
        "confirm",
        "client",
        BEFORE,
        "Only the professional can confirm an appointment",
    ),
    (
        "confirmed",
        "none",
        "no_show",
        "client",
        BEFORE,
        "Only the professional can mark an appointment as a no-show",
    ),
]


@pytest.mark.parametrize(("status", "payment", "action", "role", "now", "message"), WORDING)
def test_a_refusal_says_what_happened_in_plain_words(
    status: str, payment: str, action: str, role: str, now: datetime, message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        decide(
            appointment(status, payment),
            action,
            role=role,  # type: ignore[arg-type]
            policy=POLICY,
            now=now,
            new_range=NEW_RANGE,
        )
    assert refused.value.message == message


def test_an_unknown_action_and_the_same_time_again_are_plain_sentences() -> None:
    with pytest.raises(ValidationFailed) as unknown:
        decide(appointment("confirmed"), "archive", role="professional", policy=POLICY, now=BEFORE)
    assert unknown.value.message == "That is not something that can be done to an appointment"
    with pytest.raises(ValidationFailed) as same:
        decide(
            appointment("confirmed"),
            "reschedule",
            role="professional",
            policy=POLICY,
            now=BEFORE,
            new_range=(STARTS, ENDS),
        )
    assert same.value.message == "The appointment is already at that time: choose another one"


@pytest.mark.parametrize("moment", [BEFORE, STARTED])
@pytest.mark.parametrize("role", ["professional", "client"])
def test_no_refusal_names_a_status_the_way_the_code_spells_it(role: str, moment: datetime) -> None:
    for status in STATUSES:
        for payment in PAYMENT_STATUSES:
            for action in ACTIONS:
                try:
                    decide(
                        appointment(status, payment),
                        action,
                        role=role,  # type: ignore[arg-type]
                        policy=POLICY,
                        now=moment,
                        new_range=NEW_RANGE,
                    )
                except DomainError as refused:
                    text = refused.message
                    assert "_" not in text, text
                    assert not text.startswith("An appointment "), text
                    assert text[0].isupper(), text


# What the dashboard offers, written out by hand: (status, payment, started) -> actions.
OFFERED = [
    ("pending_confirmation", "none", False, ("confirm", "reject", "cancel", "paid", "reschedule")),
    ("pending_payment", "pending", False, ("confirm", "reject", "cancel", "paid", "reschedule")),
    ("confirmed", "none", False, ("cancel", "paid", "reschedule")),
    ("confirmed", "paid", False, ("cancel", "reschedule")),
    ("confirmed", "none", True, ("cancel", "paid", "complete", "no_show", "reschedule")),
    ("confirmed", "refunded", True, ("cancel", "complete", "no_show", "reschedule")),
    ("completed", "none", True, ("paid",)),
    ("completed", "paid", True, ()),
    ("no_show", "failed", True, ("paid",)),
    ("rejected", "none", False, ()),
    ("cancelled", "paid", True, ()),
]


@pytest.mark.parametrize(("status", "payment", "started", "offered"), OFFERED)
def test_the_professional_is_offered_exactly_the_actions_the_rules_allow(
    status: str, payment: str, started: bool, offered: tuple[str, ...]
) -> None:
    facts = appointment(status, payment)
    now = STARTED if started else BEFORE
    assert professional_actions(facts, now=now) == offered
    # And each one offered goes through decide, each one left out is refused by it.
    for action in ACTIONS:
        new_range = NEW_RANGE if action == "reschedule" else None
        if action in offered:
            decide(facts, action, role="professional", policy=POLICY, now=now, new_range=new_range)
        else:
            with pytest.raises(InvalidTransition):
                decide(
                    facts, action, role="professional", policy=POLICY, now=now, new_range=new_range
                )
