"""Delivering one queued message: render it, hand it to the channel's provider."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from agenda.domain.messages import render
from agenda.observability import count, logger

if TYPE_CHECKING:
    from agenda.adapters.providers import Sender


class Envelope(BaseModel):
    """The body of a message on the notifications queue."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    messageKey: str  # noqa: N815 - the queue's wire format is camelCase
    template: str
    channel: Literal["whatsapp", "email"]
    audience: Literal["professional", "client"]
    to: str
    params: dict[str, Any]


def deliver(envelope: Envelope, senders: dict[str, Sender]) -> str | None:
    """Send one message; DeliveryError tells the caller whether a retry can help."""
    message = render(envelope.template, envelope.params)
    sent = senders[envelope.channel].send(envelope.to, message.subject, message.text)
    count("NotificationSent", channel=envelope.channel)
    logger.info(
        "notification sent",
        extra={
            "message_key": envelope.messageKey,
            "channel": envelope.channel,
            "template": envelope.template,
        },
    )
    return sent.provider_message_id
