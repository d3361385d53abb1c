"""The client's profile as pure rules and shaping: what a client may still do to each appointment
and until when (the lifecycle's own rules, never a copy), and the document the profile answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.contract import ClientProfileOut, FollowOut
from agenda.domain.client_profile import PROFILE_ACTIONS, client_allowances, parse_profile_query
from agenda.domain.errors import DomainError, ValidationFailed
from agenda.domain.lifecycle import STATUSES, Appointment, Policy, decide
from agenda.pagination import decode_cursor, encode_cursor
from agenda.service.client_profile import (
    appointment_document,
    claimable_document,
    follow_document,
    profile_document,
)
from agenda.service.records import (
    ClaimableClient,
    ClientAppointment,
    ClientProfileRecord,
    FollowedProfessional,
    ProfessionalCard,
)

pytestmark = pytest.mark.unit

STARTS = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(minutes=50)
CARD = ProfessionalCard("Dra. Ana", "dr-ana", "Psicóloga", None)
CLIENT_ID = UUID("5a0c9e2b-7f41-4d36-9b8e-2c1d0f3a6e57")


def confirmed(status: str = "confirmed", starts: datetime = STARTS) -> Appointment:
    return Appointment(status, "none", starts, starts + timedelta(minutes=50), 0)


# -- what the client may do, and until when ---------------------------------------------------


def test_well_ahead_both_are_allowed_until_the_notice_before_the_start() -> None:
    allowances = client_allowances(confirmed(), Policy(24, 24), STARTS - timedelta(hours=72))
    assert set(allowances) == {"cancel", "reschedule"}
    for allowance in allowances.values():
        assert allowance.allowed
        assert allowance.until == STARTS - timedelta(hours=24)


def test_each_action_keeps_its_own_notice() -> None:
    now = STARTS - timedelta(hours=24)
    allowances = client_allowances(confirmed(), Policy(48, 2), now)
    assert not allowances["cancel"].allowed
    assert allowances["cancel"].until == STARTS - timedelta(hours=48)
    assert allowances["reschedule"].allowed
    assert allowances["reschedule"].until == STARTS - timedelta(hours=2)


def test_the_last_instant_is_still_allowed_and_the_next_one_is_not() -> None:
    policy = Policy(24, 24)
    deadline = STARTS - timedelta(hours=24)
    assert client_allowances(confirmed(), policy, deadline)["cancel"].allowed
    late = client_allowances(confirmed(), policy, deadline + timedelta(microseconds=1))
    assert not late["cancel"].allowed
    assert late["cancel"].until == deadline  # says since when it is too late


@pytest.mark.parametrize("status", ["cancelled", "rejected", "completed", "no_show"])
def test_an_appointment_that_can_never_change_again_has_no_deadline(status: str) -> None:
    allowances = client_allowances(confirmed(status), Policy(), STARTS - timedelta(days=10))
    for action in PROFILE_ACTIONS:
        assert not allowances[action].allowed
        assert allowances[action].until is None


@pytest.mark.parametrize("status", ["pending_payment", "pending_confirmation"])
def test_a_pending_booking_may_be_cancelled_and_moved(status: str) -> None:
    allowances = client_allowances(confirmed(status), Policy(), STARTS - timedelta(days=3))
    assert allowances["cancel"].allowed
    assert allowances["reschedule"].allowed


def test_zero_notice_allows_until_the_start() -> None:
    allowances = client_allowances(confirmed(), Policy(0, 0), STARTS)
    assert allowances["cancel"].allowed
    assert allowances["cancel"].until == STARTS
    assert not client_allowances(confirmed(), Policy(0, 0), STARTS + timedelta(seconds=1))[
        "cancel"
    ].allowed


@given(
    status=st.sampled_from(STATUSES),
    hours_before=st.integers(min_value=-200, max_value=200),
    cancel_notice=st.integers(min_value=0, max_value=168),
    reschedule_notice=st.integers(min_value=0, max_value=168),
)
def test_allowed_is_exactly_what_the_state_machine_accepts_from_the_client(
    status: str, hours_before: int, cancel_notice: int, reschedule_notice: int
) -> None:
    """The profile's promise holds: allowed now if and only if the PATCH's rule accepts it."""
    appointment = confirmed(status)
    policy = Policy(cancel_notice, reschedule_notice)
    now = STARTS - timedelta(hours=hours_before)
    allowances = client_allowances(appointment, policy, now)
    for action in PROFILE_ACTIONS:
        new_range = (STARTS + timedelta(days=1), ENDS + timedelta(days=1))
        try:
            decide(
                appointment,
                action,
                role="client",
                policy=policy,
                now=now,
                new_range=new_range if action == "reschedule" else None,
            )
            accepted = True
        except DomainError:
            accepted = False
        assert allowances[action].allowed == accepted, (status, action, hours_before)
        if allowances[action].until is not None:
            assert allowances[action].until == policy.deadline(action, STARTS)


# -- the query -----------------------------------------------------------------------------


def test_the_query_defaults_to_the_first_page_of_twenty() -> None:
    query = parse_profile_query(None)
    assert (query.past_limit, query.past_after) == (20, None)


def test_a_cursor_names_where_the_page_starts() -> None:
    row = uuid4()
    query = parse_profile_query({"cursor": encode_cursor(STARTS, row), "limit": "5"})
    assert query.past_limit == 5
    assert query.past_after == (STARTS, row)


def test_every_bad_parameter_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_profile_query({"limit": "0", "cursor": "not-a-cursor"})
    assert set(refused.value.fields) == {"limit", "cursor"}


# -- the document --------------------------------------------------------------------------


def appointment(
    starts: datetime,
    *,
    status: str = "confirmed",
    zone: str = "America/Sao_Paulo",
    price: Decimal | None = Decimal("150.00"),
) -> ClientAppointment:
    return ClientAppointment(
        id=uuid4(),
        facts=confirmed(status, starts),
        professional=CARD,
        client_id=CLIENT_ID,
        timezone=zone,
        policy=Policy(24, 12),
        price=price,
        currency="BRL",
    )


def test_an_appointment_in_utc_and_in_the_professionals_wall_time() -> None:
    # 2030-03-10 is the first Sunday after New York moved its clocks on: 09:00 EDT is 13:00 UTC.
    starts = datetime(2030, 3, 11, 13, 0, tzinfo=UTC)
    item = appointment(starts, zone="America/New_York", price=None)
    document = appointment_document(item, now=starts - timedelta(hours=18))
    assert document["startsAt"] == "2030-03-11T13:00:00+00:00"
    assert document["endsAt"] == "2030-03-11T13:50:00+00:00"
    assert document["timezone"] == "America/New_York"
    assert document["localStartsAt"] == "2030-03-11T09:00:00-04:00"
    assert document["localEndsAt"] == "2030-03-11T09:50:00-04:00"
    assert (document["localDate"], document["time"]) == ("2030-03-11", "09:00")
    assert document["price"] is None
    # The client record it is under: the thread of messages with this professional.
    assert document["clientId"] == str(CLIENT_ID)
    assert document["professional"] == {
        "name": "Dra. Ana",
        "slug": "dr-ana",
        "profession": "Psicóloga",
        "avatarUrl": None,
    }
    # 18 hours ahead: past the 24-hour cancellation notice, inside the 12-hour reschedule one.
    assert document["actions"] == {
        "cancel": {"allowed": False, "until": "2030-03-10T13:00:00+00:00"},
        "reschedule": {"allowed": True, "until": "2030-03-11T01:00:00+00:00"},
    }


def record(
    *, past: tuple[ClientAppointment, ...] = (), claimable: tuple[ClaimableClient, ...] = ()
) -> ClientProfileRecord:
    return ClientProfileRecord(
        name="Maria Silva",
        phone="+5521998765432",
        email="maria@example.com",
        language="pt-BR",
        upcoming=(appointment(STARTS),),
        past=past,
        follows=(FollowedProfessional(CARD, STARTS - timedelta(days=1)),),
        claimable=claimable,
    )


def test_a_full_page_of_past_ones_names_the_next_page_by_its_last_appointment() -> None:
    now = STARTS
    past = tuple(appointment(STARTS - timedelta(days=n), status="completed") for n in (1, 2, 3))
    document = profile_document(record(past=past), now, past_limit=2)
    assert [item["id"] for item in document["past"]] == [str(past[0].id), str(past[1].id)]
    assert decode_cursor(document["pastCursor"]) == (past[1].facts.starts_at, past[1].id)
    ClientProfileOut.model_validate(document)


def test_the_last_page_has_no_cursor() -> None:
    past = (appointment(STARTS - timedelta(days=1), status="completed"),)
    document = profile_document(record(past=past), STARTS, past_limit=2)
    assert len(document["past"]) == 1
    assert document["pastCursor"] is None
    assert document["follows"] == [
        {
            "name": "Dra. Ana",
            "slug": "dr-ana",
            "profession": "Psicóloga",
            "avatarUrl": None,
            "followedAt": "2030-03-03T12:00:00+00:00",
        }
    ]
    FollowOut.model_validate(document["follows"][0])
    assert document["upcoming"][0]["actions"]["cancel"]["allowed"] is False  # it starts now


def test_a_claimable_row_never_shows_its_contact_in_clear() -> None:
    both = ClaimableClient(
        UUID(int=1), "Dra. Carla", "dra-carla", "+5521912345678", "Maria.S@Example.com"
    )
    phone_only = ClaimableClient(UUID(int=2), "Emily", "emily-tutor", "+15551234567", None)
    document = profile_document(record(claimable=(both, phone_only)), STARTS, past_limit=20)
    assert document["claimable"] == [
        {
            "clientId": str(UUID(int=1)),
            "professional": {"name": "Dra. Carla", "slug": "dra-carla"},
            "channels": [
                {"channel": "whatsapp", "to": "+55 •••••••5678"},
                {"channel": "email", "to": "M•••@Example.com"},
            ],
        },
        {
            "clientId": str(UUID(int=2)),
            "professional": {"name": "Emily", "slug": "emily-tutor"},
            "channels": [{"channel": "whatsapp", "to": "+1 ••••••4567"}],
        },
    ]
    text = json.dumps(document["claimable"], ensure_ascii=False)
    for secret in ("912345678", "Maria.S", "5551234567"):
        assert secret not in text
    ClientProfileOut.model_validate(document)


def test_the_follow_answer_is_the_profiles_line() -> None:
    followed = FollowedProfessional(CARD, STARTS)
    assert (
        follow_document(followed)
        == profile_document(
            ClientProfileRecord("M", None, None, "en", (), (), (followed,), ()),
            STARTS,
            past_limit=1,
        )["follows"][0]
    )
    assert claimable_document(ClaimableClient(UUID(int=3), "X", "x", "+5511987654321", None))[
        "channels"
    ] == [{"channel": "whatsapp", "to": "+55 •••••••4321"}]
