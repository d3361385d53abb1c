"""An appointment's lifecycle (agenda.service.appointments) and the guest link
(agenda.service.guest) on the in-memory fakes: who may do what, what the change writes and
tells whom, and that a refused change writes and queues nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from agenda.domain.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    SlotTaken,
    SlotUnavailable,
    Unauthorized,
    ValidationFailed,
)
from agenda.domain.lifecycle import Policy
from agenda.service import guest
from agenda.service.appointments import (
    AppointmentsDependencies,
    change_as_user,
    list_appointments,
)
from agenda.service.records import ScheduleRange
from tests.fakes import (
    APP_BASE_URL,
    SAO_PAULO,
    FakeClock,
    FakeState,
    FakeUnitOfWork,
    ProfessionalRow,
    a_schedule,
    guest_links,
)

pytestmark = pytest.mark.unit

ZONE = ZoneInfo(SAO_PAULO)
NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)  # a Friday, 09:00 in São Paulo
MONDAY = date(2030, 3, 4)
TUESDAY = date(2030, 3, 5)
LINKS = guest_links()
PRO_USER = "user-dr-ana"
CLIENT_USER = "user-joao"


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), ZONE)


@dataclass
class World:
    uow: FakeUnitOfWork
    pro: ProfessionalRow
    guest_client: UUID  # no account: manages bookings through the guest link
    registered_client: UUID  # signs in as CLIENT_USER

    @property
    def state(self) -> FakeState:
        return self.uow.state

    @property
    def deps(self) -> AppointmentsDependencies:
        return AppointmentsDependencies(uow=self.uow, links=LINKS, clock=self.uow.clock)

    def appointment(self, client: UUID, starts_at: datetime, **options: Any) -> UUID:
        return self.state.add_appointment(self.pro.id, client, starts_at, **options)

    def change(self, appointment_id: UUID | str, user_id: str, **body: Any) -> dict[str, Any]:
        return change_as_user(self.deps, str(appointment_id), body, user_id=user_id)

    def token(self, appointment_id: UUID) -> str:
        return LINKS.token(appointment_id, self.state.appointments[appointment_id].facts.ends_at)


def make_world(*, policy: Policy | None = None, **schedule: Any) -> World:
    state = FakeState()
    pro = state.add_professional(a_schedule(**schedule), user_id=PRO_USER, policy=policy)
    guest_client = state.add_client(pro.id)
    registered = state.add_client(
        pro.id,
        name="João Lima",
        phone="+5511955550000",
        email="joao@example.com",
        user_id=CLIENT_USER,
    )
    return World(FakeUnitOfWork(state, clock=FakeClock(NOW)), pro, guest_client, registered)


@pytest.fixture
def world() -> World:
    return make_world()


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


# -- confirm, reject, cancel ------------------------------------------------------------------


def test_confirming_tells_a_guest_client_with_the_guest_link_and_the_invite(world: World) -> None:
    appointment = world.appointment(
        world.guest_client, at(MONDAY, "09:00"), status="pending_confirmation"
    )
    answer = world.change(appointment, PRO_USER, action="confirm")

    assert (answer["status"], answer["sequence"], answer["statusChangedBy"]) == (
        "confirmed",
        1,
        "professional",
    )
    row = world.state.appointments[appointment]
    assert (row.facts.status, row.facts.sequence) == ("confirmed", 1)
    assert (row.status_changed_by, row.status_changed_at) == (f"professional:{PRO_USER}", NOW)
    [audit] = world.state.changes_of(appointment)
    assert (audit.action, audit.actor_role, audit.actor_id) == ("confirm", "professional", PRO_USER)
    assert (audit.from_status, audit.to_status, audit.sequence) == (
        "pending_confirmation",
        "confirmed",
        1,
    )
    assert world.uow.queue.templates() == {
        ("booking_confirmed", "client", "whatsapp"),
        ("booking_confirmed", "client", "email"),
    }
    for message in world.uow.queue.sent:
        assert message.key.startswith(f"{appointment}:1:booking_confirmed:")
        params = message.payload["params"]
        assert params["startsAt"] == "2030-03-04T09:00:00-03:00"
        assert params["registerUrl"].startswith(f"{APP_BASE_URL}/register?")
        invite = query_of(params["registerUrl"])
        # The invite names the client row, and it is not a guest link: forwarding the manage
        # link never lets anyone claim the client.
        assert set(invite) == {"invite"}
        assert LINKS.verify_invite(invite["invite"], now=NOW).client_id == world.guest_client
        assert invite["invite"] != query_of(params["manageUrl"])["token"]
        # The guest link in the message opens this very appointment.
        assert LINKS.verify(query_of(params["manageUrl"])["token"], now=NOW).appointment_id == (
            appointment
        )


def test_a_client_with_an_account_gets_no_invite(world: World) -> None:
    appointment = world.appointment(
        world.registered_client, at(MONDAY, "09:00"), status="pending_confirmation"
    )
    world.change(appointment, PRO_USER, action="confirm")
    assert world.uow.queue.sent
    assert all("registerUrl" not in p["params"] for p in world.uow.queue.payloads)


def test_a_client_may_not_confirm_and_nothing_changes(world: World) -> None:
    appointment = world.appointment(
        world.registered_client, at(MONDAY, "09:00"), status="pending_confirmation"
    )
    before = world.state.copy()
    with pytest.raises(Forbidden):
        world.change(appointment, CLIENT_USER, action="confirm")
    assert world.state == before
    assert world.uow.queue.sent == []
    assert (world.uow.commits, world.uow.rollbacks) == (0, 1)


def test_rejecting_tells_the_client_with_the_reason_and_the_booking_page(world: World) -> None:
    appointment = world.appointment(
        world.guest_client, at(MONDAY, "09:00"), status="pending_confirmation"
    )
    answer = world.change(appointment, PRO_USER, action="reject", reason="  Agenda  cheia ")
    assert answer["status"] == "rejected"
    assert world.uow.queue.templates() == {
        ("booking_rejected", "client", "whatsapp"),
        ("booking_rejected", "client", "email"),
    }
    params = world.uow.queue.payloads[0]["params"]
    assert params["reason"] == "Agenda cheia"
    assert params["bookingUrl"] == f"{APP_BASE_URL}/p/dr-ana"
    assert world.state.changes_of(appointment)[0].reason == "Agenda cheia"
    # The rejected time is free again.
    assert world.state.busy(world.pro.id, around(MONDAY)) == ()


def around(day: date) -> ScheduleRange:
    start = datetime.combine(day, time(), UTC)
    return ScheduleRange(day, day, start - timedelta(days=1), start + timedelta(days=2))


def test_a_client_cancelling_in_time_tells_the_professional_and_confirms_it(
    world: World,
) -> None:
    appointment = world.appointment(world.registered_client, at(MONDAY, "09:00"))
    assert world.change(appointment, CLIENT_USER, action="cancel")["status"] == "cancelled"
    assert world.uow.queue.templates() == {
        ("cancelled_by_client", "professional", "whatsapp"),
        ("cancelled_by_client", "professional", "email"),
        ("cancellation_confirmed", "client", "whatsapp"),
        ("cancellation_confirmed", "client", "email"),
    }
    (notice,) = world.state.notifications
    assert (notice.professional_id, notice.type) == (world.pro.id, "cancelled_by_client")
    assert notice.data == {"appointmentId": str(appointment)}
    row = world.state.appointments[appointment]
    assert row.status_changed_by == f"client:{CLIENT_USER}"
    assert world.state.changes_of(appointment)[0].actor_role == "client"


def test_a_client_cancelling_after_the_notice_is_forbidden_and_nothing_changes(
    world: World,
) -> None:
    soon = world.appointment(world.registered_client, NOW + timedelta(hours=5))
    before = world.state.copy()
    with pytest.raises(Forbidden) as refused:
        world.change(soon, CLIENT_USER, action="cancel")
    assert "24 hours" in refused.value.message
    assert world.state == before
    assert world.uow.queue.sent == []
    # The professional always may, and the client hears of it.
    assert world.change(soon, PRO_USER, action="cancel")["status"] == "cancelled"
    assert {t for t, _, _ in world.uow.queue.templates()} == {"cancelled_by_professional"}


def test_a_shorter_notice_lets_the_client_cancel_later() -> None:
    world = make_world(policy=Policy(cancellation_notice_hours=2))
    soon = world.appointment(world.registered_client, NOW + timedelta(hours=5))
    assert world.change(soon, CLIENT_USER, action="cancel")["status"] == "cancelled"


@pytest.mark.parametrize(
    ("status", "starts_at", "action"),
    [
        ("pending_confirmation", at(MONDAY, "09:00"), "complete"),
        ("confirmed", at(MONDAY, "09:00"), "complete"),  # the session has not started
        ("confirmed", at(MONDAY, "09:00"), "confirm"),
        ("cancelled", at(MONDAY, "09:00"), "confirm"),
        ("rejected", at(MONDAY, "09:00"), "cancel"),
        ("completed", NOW - timedelta(days=3), "no_show"),
    ],
)
def test_an_illegal_transition_is_refused_and_nothing_changes(
    world: World, status: str, starts_at: datetime, action: str
) -> None:
    appointment = world.appointment(world.guest_client, starts_at, status=status)
    before = world.state.copy()
    with pytest.raises(InvalidTransition):
        world.change(appointment, PRO_USER, action=action)
    assert world.state == before
    assert world.uow.queue.sent == []


def test_a_completed_session_asks_the_client_for_a_review_once(world: World) -> None:
    appointment = world.appointment(world.guest_client, NOW - timedelta(minutes=10))
    assert world.change(appointment, PRO_USER, action="complete")["status"] == "completed"
    assert world.uow.queue.templates() == {
        ("review_request", "client", "whatsapp"),
        ("review_request", "client", "email"),
    }
    for payload in world.uow.queue.payloads:
        review_url = payload["params"]["reviewUrl"]
        assert review_url.startswith(f"{APP_BASE_URL}/manage/{appointment}?token=")
        assert review_url.endswith("#review")
        token = parse_qs(urlsplit(review_url.removesuffix("#review")).query)["token"][0]
        assert LINKS.verify(token, now=NOW).appointment_id == appointment
    assert world.uow.commits == 1
    # Completion is final: no second change can ask again.
    with pytest.raises(InvalidTransition):
        world.change(appointment, PRO_USER, action="complete")
    assert len(world.uow.queue.sent) == 2


def test_marking_paid_keeps_the_status_and_records_the_payment(world: World) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    answer = world.change(appointment, PRO_USER, action="paid")
    assert (answer["status"], answer["paymentStatus"], answer["sequence"]) == (
        "confirmed",
        "paid",
        0,
    )
    row = world.state.appointments[appointment]
    assert row.status_changed_by is None  # the status did not change
    with pytest.raises(InvalidTransition):
        world.change(appointment, PRO_USER, action="paid")


# -- reschedule -------------------------------------------------------------------------------


def test_a_reschedule_moves_to_a_free_slot_and_tells_both(world: World) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    answer = world.change(
        appointment, PRO_USER, action="reschedule", startsAt=at(TUESDAY, "14:00").isoformat()
    )
    assert answer["startsAt"] == "2030-03-05T14:00:00-03:00"
    assert answer["endsAt"] == "2030-03-05T14:50:00-03:00"
    row = world.state.appointments[appointment]
    assert (row.facts.starts_at, row.facts.sequence) == (at(TUESDAY, "14:00"), 1)
    assert world.uow.queue.templates() == {
        ("rescheduled", "client", "whatsapp"),
        ("rescheduled", "client", "email"),
        ("rescheduled", "professional", "whatsapp"),
        ("rescheduled", "professional", "email"),
    }
    params = world.uow.queue.payloads[0]["params"]
    assert (params["previousStartsAt"], params["movedBy"]) == (
        "2030-03-04T09:00:00-03:00",
        "professional",
    )
    [audit] = world.state.changes_of(appointment)
    assert (audit.from_starts_at, audit.to_starts_at) == (
        at(MONDAY, "09:00"),
        at(TUESDAY, "14:00"),
    )
    # The old time is free, the new one taken.
    assert world.state.busy(world.pro.id, around(MONDAY)) == (
        (at(TUESDAY, "14:00"), at(TUESDAY, "14:50")),
    )


def test_a_reschedule_into_a_taken_slot_is_slot_taken_and_nothing_is_written(
    world: World,
) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    world.appointment(world.registered_client, at(TUESDAY, "14:00"))
    before = world.state.copy()
    with pytest.raises(SlotTaken):
        world.change(
            appointment, PRO_USER, action="reschedule", startsAt=at(TUESDAY, "14:00").isoformat()
        )
    assert world.state == before
    assert world.uow.queue.sent == []


def test_a_reschedule_may_overlap_the_appointments_own_current_time() -> None:
    # Slots every 25 minutes: moving 09:00-09:50 to 09:25 overlaps only itself.
    world = make_world(step_minutes=25)
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    answer = world.change(
        appointment, PRO_USER, action="reschedule", startsAt=at(MONDAY, "09:25").isoformat()
    )
    assert answer["startsAt"] == "2030-03-04T09:25:00-03:00"


def test_a_reschedule_keeps_the_buffers_it_was_checked_with() -> None:
    world = make_world(buffer_after_minutes=10)
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    world.change(
        appointment, PRO_USER, action="reschedule", startsAt=at(MONDAY, "10:00").isoformat()
    )
    row = world.state.appointments[appointment]
    assert (row.buffer_before_minutes, row.buffer_after_minutes) == (0, 10)
    assert row.blocked_during == (at(MONDAY, "10:00"), at(MONDAY, "11:00"))


@pytest.mark.parametrize(
    "starts_at",
    [at(MONDAY, "12:00"), at(MONDAY, "09:10"), at(date(2030, 3, 2), "09:00"), NOW - timedelta(1)],
)
def test_a_reschedule_to_a_time_that_is_not_a_slot_is_unavailable(
    world: World, starts_at: datetime
) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    before = world.state.copy()
    with pytest.raises(SlotUnavailable):
        world.change(appointment, PRO_USER, action="reschedule", startsAt=starts_at.isoformat())
    assert world.state == before


def test_a_reschedule_needs_a_new_time(world: World) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    with pytest.raises(ValidationFailed) as missing:
        world.change(appointment, PRO_USER, action="reschedule")
    assert "startsAt" in missing.value.fields
    with pytest.raises(ValidationFailed) as same:
        world.change(
            appointment, PRO_USER, action="reschedule", startsAt=at(MONDAY, "09:00").isoformat()
        )
    assert "startsAt" in same.value.fields
    assert world.uow.commits == 0


def test_a_client_may_not_reschedule_after_the_notice_and_learns_nothing_of_the_slot(
    world: World,
) -> None:
    soon = world.appointment(world.registered_client, NOW + timedelta(hours=5))
    world.appointment(world.guest_client, at(TUESDAY, "09:00"))
    for target in (at(TUESDAY, "14:00"), at(TUESDAY, "09:00")):  # free, taken
        with pytest.raises(Forbidden):
            world.change(soon, CLIENT_USER, action="reschedule", startsAt=target.isoformat())
    assert world.state.changes == []


# -- whose appointment ----------------------------------------------------------------------------


def test_someone_elses_appointment_is_not_found(world: World) -> None:
    other_pro = world.state.add_professional(a_schedule(slug="dr-bia"), user_id="user-dr-bia")
    stranger = world.state.add_client(other_pro.id, user_id="user-stranger")
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    theirs = world.state.add_appointment(other_pro.id, stranger, at(MONDAY, "09:00"))
    before = world.state.copy()
    cases: list[tuple[UUID | str, str]] = [
        (appointment, "user-dr-bia"),  # another professional
        (appointment, "user-stranger"),  # another professional's client
        (appointment, CLIENT_USER),  # another client of the same professional
        (theirs, PRO_USER),
        (uuid4(), PRO_USER),  # none at all
        ("not-a-uuid", PRO_USER),
    ]
    for target, user in cases:
        with pytest.raises(NotFound):
            world.change(target, user, action="cancel")
    assert world.state == before
    assert world.uow.queue.sent == []


def test_an_unknown_action_is_a_validation_error(world: World) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    with pytest.raises(ValidationFailed) as invalid:
        world.change(appointment, PRO_USER, action="delete")
    assert "action" in invalid.value.fields
    assert world.uow.attempts == 0


# -- the guest link -------------------------------------------------------------------------------


def test_a_guest_sees_the_appointment_and_what_the_policy_allows_but_no_contacts(
    world: World,
) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    view = guest.view(world.deps, str(appointment), world.token(appointment))
    assert (view["id"], view["status"], view["startsAt"]) == (
        str(appointment),
        "confirmed",
        "2030-03-04T09:00:00-03:00",
    )
    assert view["professional"] == {
        "name": "Dra. Ana Souza",
        "slug": "dr-ana",
        "profession": "Psicóloga",
        "timezone": SAO_PAULO,
        "sessionDuration": 50,
        "language": "pt-BR",
        "contact": None,
    }
    assert view["policy"]["canCancel"] is True
    assert view["policy"]["cancelUntil"] == "2030-03-03T09:00:00-03:00"
    # Nothing was paid online: a cancellation gives nothing back.
    assert (view["policy"]["refundOnCancel"], view["policy"]["refundAmount"]) == ("none", None)
    flat = repr(view)
    for contact in ("+5511", "@example.com"):
        assert contact not in flat
    assert (world.uow.reads, world.uow.attempts) == (1, 0)  # one read, no transaction


def test_a_token_for_another_appointment_is_unauthorized_and_changes_nothing(
    world: World,
) -> None:
    mine = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    other = world.appointment(world.registered_client, at(MONDAY, "09:50"))
    before = world.state.copy()
    wrong = world.token(other)
    for attempt in (
        lambda: guest.view(world.deps, str(mine), wrong),
        lambda: guest.calendar(world.deps, str(mine), wrong),
        lambda: guest.cancel(world.deps, str(mine), {"token": wrong}),
        lambda: guest.reschedule(
            world.deps, str(mine), {"token": wrong, "startsAt": at(TUESDAY, "14:00").isoformat()}
        ),
        lambda: guest.cancel(world.deps, str(mine), {"token": wrong[:-2] + "AA"}),
        lambda: guest.cancel(world.deps, str(mine), {"token": None}),
    ):
        with pytest.raises(Unauthorized):
            attempt()
    assert world.state == before
    assert world.uow.reads == 0
    assert world.uow.attempts == 0


def test_an_expired_token_is_unauthorized(world: World) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    token = world.token(appointment)
    world.uow.clock.advance(timedelta(days=20))
    with pytest.raises(Unauthorized):
        guest.view(world.deps, str(appointment), token)


def test_a_guest_cancels_within_the_policy_and_the_link_can_still_look_but_not_act(
    world: World,
) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    token = world.token(appointment)
    answer = guest.cancel(world.deps, str(appointment), {"token": token, "reason": "Viagem"})
    assert answer["status"] == "cancelled"
    assert answer["policy"]["canCancel"] is False
    assert world.uow.queue.templates() == {
        ("cancelled_by_client", "professional", "whatsapp"),
        ("cancelled_by_client", "professional", "email"),
        ("cancellation_confirmed", "client", "whatsapp"),
        ("cancellation_confirmed", "client", "email"),
    }
    assert world.uow.queue.payloads[0]["params"]["reason"] == "Viagem"
    row = world.state.appointments[appointment]
    assert row.status_changed_by == "guest"
    [audit] = world.state.changes_of(appointment)
    assert (audit.actor_role, audit.actor_id) == ("guest", None)

    assert guest.view(world.deps, str(appointment), token)["status"] == "cancelled"
    name, ics = guest.calendar(world.deps, str(appointment), token)
    assert name == f"appointment-{appointment}.ics"
    assert "STATUS:CANCELLED" in ics
    with pytest.raises(InvalidTransition):
        guest.cancel(world.deps, str(appointment), {"token": token})
    assert len(world.state.changes_of(appointment)) == 1


def test_a_guest_reschedules_to_a_free_slot_but_not_into_a_taken_one(world: World) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    world.appointment(world.registered_client, at(TUESDAY, "09:00"))
    token = world.token(appointment)
    with pytest.raises(SlotTaken):
        guest.reschedule(
            world.deps,
            str(appointment),
            {"token": token, "startsAt": at(TUESDAY, "09:00").isoformat()},
        )
    answer = guest.reschedule(
        world.deps, str(appointment), {"token": token, "startsAt": at(TUESDAY, "09:50").isoformat()}
    )
    assert (answer["startsAt"], answer["sequence"]) == ("2030-03-05T09:50:00-03:00", 1)
    moved = [p for p in world.uow.queue.payloads if p["template"] == "rescheduled"]
    assert {p["params"]["movedBy"] for p in moved} == {"client"}
    # The client's message carries a new link, valid for the new time.
    [link] = {p["params"]["manageUrl"] for p in moved if p["audience"] == "client"}
    assert LINKS.verify(query_of(link)["token"], now=NOW).appointment_id == appointment


def test_a_guest_may_not_cancel_after_the_notice(world: World) -> None:
    soon = world.appointment(world.guest_client, NOW + timedelta(hours=5))
    with pytest.raises(Forbidden):
        guest.cancel(world.deps, str(soon), {"token": world.token(soon)})
    assert world.state.appointments[soon].facts.status == "confirmed"


# -- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_pages_through_a_view_in_order(world: World) -> None:
    first = world.appointment(world.guest_client, at(MONDAY, "09:00"), status="pending_payment")
    second = world.appointment(
        world.registered_client, at(MONDAY, "09:50"), status="pending_confirmation"
    )
    world.appointment(world.guest_client, at(MONDAY, "10:40"))  # confirmed: upcoming
    world.appointment(world.guest_client, at(MONDAY, "14:00"), status="cancelled")
    page = list_appointments(world.deps, {"view": "pending", "limit": "1"}, user_id=PRO_USER)
    assert [item["id"] for item in page["items"]] == [str(first)]
    assert page["timezone"] == SAO_PAULO
    assert page["nextCursor"] is not None
    rest = list_appointments(
        world.deps,
        {"view": "pending", "limit": "1", "cursor": page["nextCursor"]},
        user_id=PRO_USER,
    )
    assert [item["id"] for item in rest["items"]] == [str(second)]
    assert rest["items"][0]["client"]["registered"] is True
    assert rest["nextCursor"] is None
    cancelled = list_appointments(world.deps, {"view": "cancelled"}, user_id=PRO_USER)
    assert [item["time"] for item in cancelled["items"]] == ["14:00"]


def test_only_a_professional_has_a_dashboard(world: World) -> None:
    with pytest.raises(Forbidden):
        list_appointments(world.deps, {}, user_id=CLIENT_USER)


def test_a_reschedule_beyond_the_horizon_names_the_last_bookable_date(world: World) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    before = world.state.copy()
    beyond = at(date(2030, 5, 1), "09:00")  # today (2030-03-01) + 60 days is 2030-04-30
    with pytest.raises(SlotUnavailable) as refused:
        world.change(appointment, PRO_USER, action="reschedule", startsAt=beyond.isoformat())
    assert refused.value.message == "Bookings with this professional are open until 2030-04-30"
    token = world.token(appointment)
    with pytest.raises(SlotUnavailable) as as_guest:
        guest.reschedule(
            world.deps, str(appointment), {"token": token, "startsAt": beyond.isoformat()}
        )
    assert as_guest.value.message == refused.value.message
    assert world.state == before


def test_the_guest_services_refusals_are_plain_sentences(world: World) -> None:
    appointment = world.appointment(world.guest_client, at(MONDAY, "09:00"))
    token = world.token(appointment)
    guest.cancel(world.deps, str(appointment), {"token": token})
    with pytest.raises(InvalidTransition) as again:
        guest.cancel(world.deps, str(appointment), {"token": token})
    assert again.value.message == "This appointment was already cancelled"
    with pytest.raises(InvalidTransition) as moved:
        guest.reschedule(
            world.deps,
            str(appointment),
            {"token": token, "startsAt": at(TUESDAY, "09:00").isoformat()},
        )
    assert (
        moved.value.message == "This appointment was cancelled, so it can no longer be rescheduled"
    )
    del world.state.appointments[appointment]
    with pytest.raises(NotFound) as gone:
        guest.view(world.deps, str(appointment), token)
    assert gone.value.message == "We could not find this appointment"
    with pytest.raises(NotFound) as not_yours:
        world.change(uuid4(), PRO_USER, action="cancel")
    assert not_yours.value.message == gone.value.message
