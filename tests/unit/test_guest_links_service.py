"""Sending a client's manage links again, on in-memory fakes: the same answer for every
well-formed contact, one message per professional on the contact's own channel, the limits
checked in order, and the per-contact limit counting a keyed hash, never the contact."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

import pytest

from agenda.domain.errors import RateLimited, ValidationFailed
from agenda.domain.guest_links import MAX_PER_PROFESSIONAL
from agenda.service.guest_links import GuestLinkDependencies, send_links
from agenda.service.ports import Queued
from agenda.service.records import LinkedAppointment
from tests.fakes import AllowAll, RefuseAll, guest_links

pytestmark = pytest.mark.unit

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
IP = "198.51.100.7"
LINKS = guest_links(valid_days_after=14)


@dataclass
class Booked:
    """One appointment of the fake's world, under a client's phone and email."""

    phone: str
    email: str | None
    appointment: LinkedAppointment


@dataclass
class Lookup:
    booked: list[Booked] = field(default_factory=list)
    asked: list[dict[str, Any]] = field(default_factory=list)

    def appointments_for(
        self, *, phone: str | None, email: str | None, ended_after: datetime, limit: int
    ) -> list[LinkedAppointment]:
        self.asked.append({"phone": phone, "email": email, "ended_after": ended_after})
        found = [
            b.appointment
            for b in self.booked
            if (b.phone == phone or (email is not None and b.email == email))
            and b.appointment.ends_at > ended_after
        ]
        found.sort(key=lambda a: (str(a.professional_id), a.starts_at))
        kept: list[LinkedAppointment] = []
        for appointment in found:
            if sum(1 for k in kept if k.professional_id == appointment.professional_id) < limit:
                kept.append(appointment)
        return kept


@dataclass
class Outbox:
    written: list[Queued] = field(default_factory=list)

    def add(self, items: list[Queued]) -> list[str]:
        self.written.extend(items)
        return [envelope["messageKey"] for _, envelope in items]


@dataclass
class Stores:
    guest_links: Lookup
    outbox: Outbox


@dataclass
class UnitOfWork:
    stores: Stores
    transactions: int = 0

    def run[T](self, work: Callable[[Stores], T]) -> T:
        self.transactions += 1
        return work(self.stores)


@dataclass
class World:
    lookup: Lookup = field(default_factory=Lookup)
    outbox: Outbox = field(default_factory=Outbox)
    per_address: Any = field(default_factory=AllowAll)
    per_contact: Any = field(default_factory=AllowAll)
    uow: UnitOfWork | None = None

    def deps(self) -> GuestLinkDependencies:
        if self.uow is None:
            self.uow = UnitOfWork(Stores(self.lookup, self.outbox))
        return GuestLinkDependencies(
            uow=self.uow,  # type: ignore[arg-type]
            links=LINKS,
            clock=lambda: NOW,
            per_address=self.per_address,
            per_contact=self.per_contact,
        )

    def ask(self, contact: object) -> dict[str, Any]:
        return send_links(self.deps(), {"contact": contact}, client_address=IP)

    def book(
        self,
        professional: UUID,
        starts_at: datetime,
        *,
        phone: str = "+5511987654321",
        email: str | None = "maria@example.com",
        name: str = "Dra. Ana Souza",
        locale: str = "pt-BR",
    ) -> UUID:
        appointment = LinkedAppointment(
            id=uuid4(),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=50),
            professional_id=professional,
            professional_name=name,
            timezone="America/Sao_Paulo",
            locale=locale,
            client_name="Maria Silva",
        )
        self.lookup.booked.append(Booked(phone, email, appointment))
        return appointment.id

    def envelopes(self) -> list[dict[str, Any]]:
        return [envelope for _, envelope in self.outbox.written]


def test_an_unknown_contact_gets_the_same_answer_after_the_same_work() -> None:
    world = World()
    assert world.ask("nobody@example.com") == {"accepted": True}
    assert world.uow is not None
    assert world.uow.transactions == 1
    assert world.lookup.asked == [
        {"phone": None, "email": "nobody@example.com", "ended_after": NOW - timedelta(days=14)}
    ]
    assert world.outbox.written == []


def test_one_message_per_professional_by_whatsapp_for_a_phone() -> None:
    world = World()
    ana, emily = uuid4(), uuid4()
    first = world.book(ana, NOW + timedelta(days=3))
    second = world.book(ana, NOW + timedelta(days=10))
    third = world.book(emily, NOW + timedelta(days=5), name="Emily Carter", locale="en")
    assert world.ask("(11) 98765-4321") == {"accepted": True}
    assert world.lookup.asked[0]["phone"] == "+5511987654321"
    sent = world.outbox.written
    assert sorted((str(pro), e["template"], e["channel"], e["to"]) for pro, e in sent) == sorted(
        [
            (str(ana), "guest_links", "whatsapp", "+5511987654321"),
            (str(emily), "guest_links", "whatsapp", "+5511987654321"),
        ]
    )
    by_professional = {pro: envelope["params"] for pro, envelope in sent}
    assert by_professional[emily]["locale"] == "en"
    listed = by_professional[ana]["appointments"]
    assert [urlsplit(item["manageUrl"]).path for item in listed] == [
        f"/manage/{first}",
        f"/manage/{second}",
    ]
    # Every link is a real one: its token opens that very appointment.
    for item, target in zip(listed, (first, second), strict=True):
        token = parse_qs(urlsplit(item["manageUrl"]).query)["token"][0]
        assert LINKS.verify(token, now=NOW).appointment_id == target
    assert [urlsplit(i["manageUrl"]).path for i in by_professional[emily]["appointments"]] == [
        f"/manage/{third}"
    ]


def test_an_email_is_answered_by_email_in_lower_case() -> None:
    world = World()
    world.book(uuid4(), NOW + timedelta(days=2))
    world.ask("  Maria@Example.COM ")
    assert [(e["channel"], e["to"]) for e in world.envelopes()] == [("email", "maria@example.com")]


def test_asking_twice_sends_twice() -> None:
    world = World()
    world.book(uuid4(), NOW + timedelta(days=2))
    world.ask("maria@example.com")
    world.ask("maria@example.com")
    keys = [e["messageKey"] for e in world.envelopes()]
    assert len(keys) == 2
    assert len(set(keys)) == 2


def test_a_long_list_is_cut_at_the_soonest() -> None:
    world = World()
    pro = uuid4()
    for day in range(MAX_PER_PROFESSIONAL + 3):
        world.book(pro, NOW + timedelta(days=day + 1))
    world.ask("maria@example.com")
    (envelope,) = world.envelopes()
    assert len(envelope["params"]["appointments"]) == MAX_PER_PROFESSIONAL


@pytest.mark.parametrize("contact", ["", "maria@", "12", "not a phone", None, 42])
def test_a_malformed_contact_is_a_validation_error_before_any_work(contact: object) -> None:
    world = World()
    with pytest.raises(ValidationFailed) as refused:
        world.ask(contact)
    assert "contact" in refused.value.fields
    assert world.uow is not None
    assert world.uow.transactions == 0
    assert world.per_contact.checked == []


def test_the_address_limit_comes_first_and_stops_everything() -> None:
    world = World(per_address=RefuseAll(retry_after_seconds=300))
    with pytest.raises(RateLimited) as limited:
        world.ask("not even a contact")
    assert limited.value.retry_after_seconds == 300
    assert world.per_address.checked == [IP]
    assert world.uow is not None
    assert world.uow.transactions == 0


def test_the_contact_limit_counts_a_keyed_hash_of_the_normalised_contact() -> None:
    world = World(per_contact=RefuseAll())
    with pytest.raises(RateLimited):
        world.ask("(11) 98765-4321")
    with pytest.raises(RateLimited):
        world.ask("+55 11 98765-4321")
    first, second = world.per_contact.checked
    assert first == second == LINKS.contact_key("+5511987654321")
    assert "98765" not in first
    assert world.uow is not None
    assert world.uow.transactions == 0
