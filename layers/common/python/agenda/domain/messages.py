"""Outgoing messages: which ones a booking causes, and their text (Brazilian Portuguese).

Pure functions over plain values. A message travels as a small JSON envelope naming its
template and parameters; the consumer renders it, so the text can be fixed without touching
anything already queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

WEEKDAYS_PT = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    phone: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str


def when_pt(starts_at: datetime, timezone: str) -> str:
    local = starts_at.astimezone(ZoneInfo(timezone))
    return f"{WEEKDAYS_PT[local.weekday()]}, {local:%d/%m} às {local:%H:%M}"


def first_name(name: str) -> str:
    return name.split()[0] if name.split() else name


def message_key(
    subject_id: UUID | str, version: int, template: str, channel: str, audience: str
) -> str:
    """The identity of one message: what it is about (an appointment, or a professional for
    account messages), which change of it (its sequence), what, how and to whom. The outbox and
    the delivery records are unique on it, so the same message is queued and sent once."""
    return f"{subject_id}:{version}:{template}:{channel}:{audience}"


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
    """One message as it travels through the outbox and the queue."""
    return {
        "messageKey": message_key(subject_id, version, template, channel, audience),
        "template": template,
        "channel": channel,
        "audience": audience,
        "to": to,
        "params": params,
    }


def to_both_channels(
    party: Party,
    *,
    audience: str,
    template: str,
    subject_id: UUID | str,
    version: int,
    params: dict[str, Any],
) -> list[dict[str, Any]]:
    """The WhatsApp and email envelopes for one person, for the channels they have."""
    return [
        envelope(
            subject_id=subject_id,
            version=version,
            template=template,
            channel=channel,
            audience=audience,
            to=address,
            params=params,
        )
        for channel, address in (("whatsapp", party.phone), ("email", party.email))
        if address
    ]


def booking_messages(
    *,
    appointment_id: UUID,
    professional: Party,
    client: Party,
    starts_at: datetime,
    timezone: str,
    status: str,
) -> list[dict[str, Any]]:
    """What a new booking queues: the request to the professional, the receipt to the client."""
    params = {
        "professionalName": professional.name,
        "clientName": client.name,
        "startsAt": starts_at.isoformat(),
        "timezone": timezone,
        "status": status,
    }
    client_template = "booking_confirmed" if status == "confirmed" else "booking_received"
    return [
        *to_both_channels(
            professional,
            audience="professional",
            template="booking_request",
            subject_id=appointment_id,
            version=0,
            params=params,
        ),
        *to_both_channels(
            client,
            audience="client",
            template=client_template,
            subject_id=appointment_id,
            version=0,
            params=params,
        ),
    ]


def render(template: str, params: dict[str, Any]) -> Rendered:
    when = when_pt(datetime.fromisoformat(params["startsAt"]), params["timezone"])
    pro = params["professionalName"]
    client = first_name(params["clientName"])
    if template == "booking_request":
        state = (
            "confirmado automaticamente"
            if params["status"] == "confirmed"
            else "aguardando sua confirmação"
        )
        return Rendered(
            subject=f"Novo agendamento: {params['clientName']}",
            text=f"Novo agendamento de {params['clientName']} para {when} ({state}).",
        )
    if template == "booking_received":
        return Rendered(
            subject=f"Recebemos seu pedido com {pro}",
            text=(
                f"Olá, {client}! Recebemos seu pedido de horário com {pro} para {when}. "
                "Você receberá uma mensagem assim que for confirmado."
            ),
        )
    if template == "booking_confirmed":
        return Rendered(
            subject=f"Horário confirmado com {pro}",
            text=f"Olá, {client}! Seu horário com {pro} está confirmado para {when}.",
        )
    raise KeyError(f"unknown message template {template!r}")


def in_app_booking_request(client_name: str, starts_at: datetime, timezone: str) -> Rendered:
    return Rendered(
        subject="Novo pedido de agendamento",
        text=f"{client_name} pediu um horário para {when_pt(starts_at, timezone)}.",
    )
