"""POST /api/guest/links: a client who lost the message asks for their manage links again, by
the phone or the email they booked with (agenda.domain.guest_links says which appointments).

The answer is the same whether or not any booking has that contact, and it takes the same
work: the limits are checked, the lookup runs and the messages (none, for an unknown contact)
are written to the outbox in one transaction either way; the send itself happens later, in
the notifications consumer. The function holds every answer to a response floor, so the time
taken does not tell who is a client either.

Two limits: per client address, so one address cannot walk a list of contacts, and per
contact (keyed: agenda.service.links.GuestLinks.contact_key), so many addresses cannot flood
one phone. Each professional's client gets one message, in the professional's language, on
the channel of the contact given (an email by email, a phone by WhatsApp).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from agenda.domain.guest_links import MAX_PER_PROFESSIONAL, MAX_PROFESSIONALS
from agenda.observability import count, logger

if TYPE_CHECKING:
    from uuid import UUID

    from agenda.service.links import GuestLinks
    from agenda.service.ports import Clock, GuestLinkStores, Queued, RateLimiter, UnitOfWork
    from agenda.service.records import LinkedAppointment

ACCEPTED: dict[str, Any] = {"accepted": True}


@dataclass(frozen=True, slots=True)
class GuestLinkDependencies:
    uow: UnitOfWork[GuestLinkStores]
    links: GuestLinks
    clock: Clock
    per_address: RateLimiter  # ``guest_links``: requests per client address
    per_contact: RateLimiter  # ``guest_links_contact``: requests per phone or email


def send_links(
    deps: GuestLinkDependencies, body: dict[str, Any], *, client_address: str
) -> dict[str, Any]:
    """POST /api/guest/links {"contact"}: always {"accepted": true} for a well-formed contact."""
    from agenda.contract import GuestLinksRequest, validate

    deps.per_address.check(client_address)
    contact = validate(GuestLinksRequest, body).contact
    deps.links.ready()  # the key, before the transaction starts
    deps.per_contact.check(deps.links.contact_key(contact))
    by_email = "@" in contact
    now = deps.clock()

    def work(stores: GuestLinkStores) -> int:
        found = stores.guest_links.appointments_for(
            phone=None if by_email else contact,
            email=contact if by_email else None,
            ended_after=deps.links.valid_for_ended_after(now),
            limit=MAX_PER_PROFESSIONAL,
        )
        messages = _messages(deps.links, found, contact, "email" if by_email else "whatsapp")
        stores.outbox.add(messages)
        return len(messages)

    written = deps.uow.run(work)
    count("GuestLinksRequested", found="yes" if written else "no")
    logger.info("guest links requested", extra={"messages": written})
    return ACCEPTED


def _messages(
    links: GuestLinks, found: list[LinkedAppointment], to: str, channel: str
) -> list[Queued]:
    """One message per professional, listing each appointment's time and manage link."""
    from agenda.domain.messages import envelope

    grouped: dict[UUID, list[LinkedAppointment]] = {}
    for appointment in found:
        grouped.setdefault(appointment.professional_id, []).append(appointment)
    messages: list[Queued] = []
    for professional_id, appointments in list(grouped.items())[:MAX_PROFESSIONALS]:
        first = appointments[0]
        params = {
            "professionalName": first.professional_name,
            "clientName": first.client_name,
            "timezone": first.timezone,
            "locale": first.locale,
            "appointments": [
                {
                    "startsAt": item.starts_at.isoformat(),
                    "manageUrl": links.manage_url(item.id, item.ends_at),
                }
                for item in appointments
            ],
        }
        # Every request is a message of its own: asking again sends again (within the limits).
        message = envelope(
            subject_id=uuid4(),
            version=0,
            template="guest_links",
            channel=channel,
            audience="client",
            to=to,
            params=params,
        )
        messages.append((professional_id, message))
    return messages
