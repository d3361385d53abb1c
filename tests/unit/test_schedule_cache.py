"""A warm booking function's remembered schedules (agenda.service.schedule.ScheduleCache) on
the fakes: a booking decided from remembered rules reads nothing, never trusts remembered busy
ranges, and decides again from a fresh read whenever the write finds the schedule changed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, time, timedelta
from typing import Any

import pytest

from agenda.domain.errors import ServiceUnavailable, SlotTaken, SlotUnavailable
from agenda.domain.queries import FreeSlotsRequest
from agenda.service.booking import BookingDependencies, create_booking, free_slots
from agenda.service.records import ScheduleRange
from agenda.service.schedule import ScheduleCache, range_around
from tests.fakes import (
    FakeClock,
    FakeState,
    FakeStores,
    FakeUnitOfWork,
    ProfessionalRow,
    a_schedule,
)
from tests.unit.test_booking_service import IP, MONDAY, NOW, World, at, request

pytestmark = pytest.mark.unit


@pytest.fixture
def cache() -> ScheduleCache:
    return ScheduleCache()


@pytest.fixture
def world() -> World:
    return World(FakeUnitOfWork(clock=FakeClock(NOW)))


def deps(world: World, cache: ScheduleCache) -> BookingDependencies:
    return replace(world.deps(), schedules=cache)


def book(world: World, cache: ScheduleCache, hhmm: str, **changes: Any) -> dict[str, Any]:
    return create_booking(deps(world, cache), request(at(MONDAY, hhmm), **changes), source_ip=IP)


def change(state: FakeState, pro: ProfessionalRow, **schedule: Any) -> None:
    """What another transaction commits: the professional's row with new values."""
    row = state.professionals[pro.id]
    state.professionals[pro.id] = replace(row, schedule=replace(row.schedule, **schedule))


def mornings_only(state: FakeState, pro: ProfessionalRow) -> None:
    rules = state.professionals[pro.id].schedule.rules
    windows = tuple(w for w in rules.windows if w.start < time(12))
    change(state, pro, rules=replace(rules, windows=windows))


def test_a_second_booking_decides_from_the_remembered_rules_and_reads_nothing(
    world: World, cache: ScheduleCache
) -> None:
    world.professional()
    assert book(world, cache, "09:00")["status"] == "pending_confirmation"
    assert world.uow.reads == 1
    assert book(world, cache, "09:50", clientPhone="+5511912345678")["status"] == (
        "pending_confirmation"
    )
    assert world.uow.reads == 1
    assert len(world.state.appointments) == 2


def test_the_free_slots_page_leaves_the_rules_its_booking_needs(
    world: World, cache: ScheduleCache
) -> None:
    world.professional()
    listing = free_slots(world.uow, FreeSlotsRequest("dr-ana", MONDAY, 1), now=NOW, cache=cache)
    first = listing["days"][0]["slots"][0]["startsAt"]
    assert world.uow.reads == 1
    answer = create_booking(deps(world, cache), request(at(MONDAY, "09:00")), source_ip=IP)
    assert first == at(MONDAY, "09:00").isoformat()
    assert answer["status"] == "pending_confirmation"
    assert world.uow.reads == 1


def test_a_time_taken_since_the_rules_were_remembered_is_refused_by_the_write(
    world: World, cache: ScheduleCache
) -> None:
    ana = world.professional()
    book(world, cache, "09:00")
    rival = world.state.add_client(ana.id, name="João", phone="+5511955550000", email=None)
    world.state.add_appointment(ana.id, rival, at(MONDAY, "10:40"))
    before = world.state.copy()
    with pytest.raises(SlotTaken):
        book(world, cache, "10:40", clientPhone="+5511912345678")
    assert world.state == before
    assert world.uow.reads == 1  # the remembered busy ranges were not trusted, nor read again


def test_hours_changed_since_are_decided_again_from_a_fresh_read(
    world: World, cache: ScheduleCache
) -> None:
    ana = world.professional()
    book(world, cache, "09:00")
    mornings_only(world.state, ana)
    before = world.state.copy()
    with pytest.raises(SlotUnavailable):
        book(world, cache, "14:00", clientPhone="+5511912345678")
    assert world.state == before
    assert world.uow.reads == 2
    # The fresh rules are the ones remembered now.
    assert book(world, cache, "10:40", clientPhone="+5511912345678")["status"] == (
        "pending_confirmation"
    )
    assert world.uow.reads == 2


def test_a_setting_changed_between_the_decision_and_the_write_is_the_one_applied(
    world: World, cache: ScheduleCache
) -> None:
    ana = world.professional()
    book(world, cache, "09:00")
    world.uow.meanwhile(lambda state: change(state, ana, auto_confirm=True))
    answer = book(world, cache, "09:50", clientPhone="+5511912345678")
    assert answer["status"] == "confirmed"
    assert world.uow.commits == 2  # the stale decision wrote nothing
    assert world.uow.reads == 2
    assert ("booking_confirmed", "client", "whatsapp") in world.uow.queue.templates()


def test_a_schedule_that_keeps_changing_gives_up_with_a_retry_and_writes_nothing(
    world: World, cache: ScheduleCache
) -> None:
    ana = world.professional()
    book(world, cache, "09:00")
    before = world.state.copy()

    class Restless(FakeUnitOfWork):
        """Someone saves the professional's settings just before every write."""

        def run_one[T](self, work: Callable[[FakeStores], T]) -> T:
            confirms = self.state.professionals[ana.id].schedule.auto_confirm
            change(self.state, ana, auto_confirm=not confirms)
            return super().run_one(work)

    restless = Restless(state=world.state, clock=world.uow.clock, queue=world.uow.queue)
    with pytest.raises(ServiceUnavailable) as refused:
        create_booking(
            replace(deps(world, cache), uow=restless),
            request(at(MONDAY, "09:50"), clientPhone="+5511912345678"),
            source_ip=IP,
        )
    assert refused.value.retry_after_seconds > 0
    assert restless.attempts == 3
    assert restless.commits == 0
    assert world.state.appointments == before.appointments
    assert world.state.outbox == before.outbox


def test_payment_at_booking_reads_the_schedule_afresh_so_no_checkout_opens_for_a_taken_time(
    world: World, cache: ScheduleCache
) -> None:
    carla = world.state.add_professional(
        a_schedule(slug="dr-ana", payment_at_booking=True, auto_confirm=True)
    )
    book(world, cache, "09:00")
    rival = world.state.add_client(carla.id, name="João", phone="+5511955550000", email=None)
    world.state.add_appointment(carla.id, rival, at(MONDAY, "10:40"))
    calls = len(world.stripe.calls)
    with pytest.raises(SlotTaken):
        book(world, cache, "10:40", clientPhone="+5511912345678")
    assert len(world.stripe.calls) == calls
    assert world.uow.reads == 2


def test_the_cache_answers_only_for_the_dates_it_read_and_keeps_the_latest_ones() -> None:
    cache = ScheduleCache(size=2)
    starts = at(date(2030, 3, 6), "09:00")
    around = range_around(starts)
    schedules = [replace(a_schedule(slug=f"pro-{n}"), busy=((starts, starts),)) for n in range(3)]
    cache.put(schedules[0], around)
    remembered = cache.get("pro-0", around)
    assert remembered is not None
    assert remembered.busy == ()
    assert cache.get("pro-0", range_around(starts + timedelta(days=2))) is None
    wider = ScheduleRange(
        around.first_day - timedelta(days=1),
        around.last_day,
        around.busy_from,
        around.busy_until,
    )
    assert cache.get("pro-0", wider) is None
    cache.put(schedules[1], around)
    cache.get("pro-0", around)  # used: pro-1 is now the least recent
    cache.put(schedules[2], around)
    assert cache.get("pro-1", around) is None
    assert cache.get("pro-0", around) is not None
    assert cache.get("pro-2", around) is not None
    cache.forget("pro-0")
    assert cache.get("pro-0", around) is None
