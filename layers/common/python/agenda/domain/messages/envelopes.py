"""Envelopes: one message as it travels through the outbox and the queue, a small JSON object
naming its template and parameters. The consumer renders it, so the text can be fixed without
touching anything already queued.

Every envelope is made here, and its parameters are held against the template's model when it
is made (agenda.domain.messages.catalogue.check): a message that could not be rendered fails
the write that queues it, with a MessageError naming the template and the parameter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from agenda.domain.messages.catalogue import check, template_for
from agenda.domain.parties import Party


def message_key(
    subject_id: UUID | str, version: int, template: str, channel: str, audience: str
) -> str:
    """The identity of one message: what it is about (an appointment, or a professional for
    account messages), which change of it (its sequence), what, how and to whom. The outbox and
    the delivery records are unique on it, so the same message is queued and sent once."""
    return f"{subject_id}:{version}:{template}:{channel}:{audience}"


def _envelope(
    subject_id: UUID | str,
    version: int,
    template: str,
    channel: str,
    audience: str,
    to: str,
    params: dict[str, Any],
) -> dict[str, Any]:
    return {
        "messageKey": message_key(subject_id, version, template, channel, audience),
        "template": template,
        "channel": channel,
        "audience": audience,
        "to": to,
        "params": params,
    }


def envelope(
    *,
    subject_id: UUID | str,
    version: int,
    template: str,
    channel: str,
    audience: str,
    to: str,
    params: dict[str, Any],
) -> dict[str, Any]:
    """One message as it travels through the outbox and the queue. Raises MessageError when
    the template, channel or audience is unknown or a parameter is missing or malformed."""
    check(template_for(template, channel, audience), params, audience, wire=True)
    return _envelope(subject_id, version, template, channel, audience, to, params)


def to_both_channels(
    party: Party,
    *,
    audience: str,
    template: str,
    subject_id: UUID | str,
    version: int,
    params: dict[str, Any],
) -> list[dict[str, Any]]:
    """The WhatsApp and email envelopes for one person, for the channels they have. The
    parameters are checked once, even for a person with no channel at all."""
    reached = [
        (channel, address)
        for channel, address in (("whatsapp", party.phone), ("email", party.email))
        if address
    ]
    spec = template_for(template, None, audience)
    for channel, _ in reached:
        template_for(template, channel, audience)
    check(spec, params, audience, wire=True)
    return [
        _envelope(subject_id, version, template, channel, audience, address, params)
        for channel, address in reached
    ]


def booking_messages(
    *,
    appointment_id: UUID,
    professional: Party,
    client: Party,
    starts_at: datetime,
    timezone: str,
    status: str,
    locale: str,
    manage_url: str | None = None,
    register_url: str | None = None,
    dashboard_url: str | None = None,
) -> list[dict[str, Any]]:
    """What a new booking queues: the request to the professional (with the link to their
    dashboard, where it is confirmed), the receipt to the client (with the link that lets a
    client without an account view, cancel or reschedule; a confirmed booking also invites a
    client without an account to register), both in the professional's language (`locale`)."""
    params = booking_params(
        professional=professional,
        client=client,
        starts_at=starts_at,
        timezone=timezone,
        status=status,
        locale=locale,
    )
    return [
        *to_both_channels(
            professional,
            audience="professional",
            template="booking_request",
            subject_id=appointment_id,
            version=0,
            params={**params, "dashboardUrl": dashboard_url} if dashboard_url else params,
        ),
        *client_booking_messages(
            appointment_id=appointment_id,
            client=client,
            params=params,
            manage_url=manage_url,
            register_url=register_url,
        ),
    ]


def client_booking_messages(
    *,
    appointment_id: UUID,
    client: Party,
    params: dict[str, Any],
    manage_url: str | None,
    register_url: str | None,
) -> list[dict[str, Any]]:
    """The client's part of a new booking: `booking_received`, or `booking_confirmed` (with the
    invite to register, when given) for a booking confirmed as it is made. Alone, it is what a
    booking the professional makes by hand queues: they need no request of their own."""
    confirmed = params["status"] == "confirmed"
    to_client: dict[str, Any] = {**params, "manageUrl": manage_url} if manage_url else params
    if register_url and confirmed:
        to_client = {**to_client, "registerUrl": register_url}
    return to_both_channels(
        client,
        audience="client",
        template="booking_confirmed" if confirmed else "booking_received",
        subject_id=appointment_id,
        version=0,
        params=to_client,
    )


def booking_params(
    *,
    professional: Party,
    client: Party,
    starts_at: datetime,
    timezone: str,
    status: str,
    locale: str,
) -> dict[str, Any]:
    """The parameters every message of a new booking carries."""
    return {
        "professionalName": professional.name,
        "clientName": client.name,
        "startsAt": starts_at.isoformat(),
        "timezone": timezone,
        "status": status,
        "locale": locale,
    }
