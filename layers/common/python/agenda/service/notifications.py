"""Delivering one queued message exactly once, as far as the provider allows.

The consumer claims the message in the delivery records before calling the provider, records
the outcome after, and answers redeliveries from the record: a message already sent is dropped,
one refused for good is not retried, one held by a live claim elsewhere waits. When a claim
lapsed mid-call (its consumer died, or the provider timed out) the provider may already have
the message: an email goes again under the same idempotency key, which the provider honours;
a WhatsApp message, whose provider has no such key, is recorded as `unknown` and not sent
again, so nobody receives it twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from agenda.domain.messages import render
from agenda.observability import count, logger
from agenda.service.ports import DeliveryError
from agenda.service.records import Claim

if TYPE_CHECKING:
    from agenda.service.ports import Deliveries, Sender

# Attempts within one receive of a message; the queue's redeliveries come on top of these.
INLINE_ATTEMPTS = 3
BACKOFF_SECONDS = (0.2, 0.5)


class Envelope(BaseModel):
    """The body of a message on the notifications queue."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    messageKey: str  # noqa: N815 - the queue's wire format is camelCase
    template: str
    channel: Literal["whatsapp", "email"]
    audience: Literal["professional", "client"]
    to: str
    params: dict[str, Any]


class Delivered(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"  # sent before: dropped
    UNKNOWN = "unknown"  # may have been sent before: not sent again


def deliver(
    envelope: Envelope,
    senders: dict[str, Sender],
    deliveries: Deliveries,
    *,
    seconds_left: Callable[[], float] = lambda: float("inf"),
) -> Delivered:
    """Send one message, or raise DeliveryError saying whether a retry can help."""
    key, channel = envelope.messageKey, envelope.channel
    sender = senders[channel]
    claim = deliveries.claim(
        key=key, channel=channel, recipient=envelope.to, template=envelope.template
    )
    if claim.outcome in (Claim.ALREADY_SENT, Claim.UNKNOWN):
        count("NotificationDuplicateDropped", channel=channel)
        logger.info("notification already handled", extra={"message_key": key})
        return Delivered.DUPLICATE
    if claim.outcome is Claim.IN_FLIGHT:
        raise DeliveryError("another consumer is sending it", permanent=False)
    if claim.outcome is Claim.UNDELIVERABLE:
        raise DeliveryError("the provider refused it before", permanent=True)
    if claim.outcome is Claim.RESEND and not sender.idempotent:
        return _outcome_unknown(deliveries, key, channel)
    if claim.attempts > 1:
        count("NotificationRetried", channel=channel)

    try:
        message = render(envelope.template, channel, envelope.params, audience=envelope.audience)
    except ValueError as exc:
        # A catalogue or parameter problem: no provider call happened, a fixed deploy and a
        # redrive from the dead-letter queue will send it.
        deliveries.failed(key, f"render: {exc}", permanent=False)
        raise DeliveryError(f"cannot render: {exc}", permanent=False) from exc

    for attempt in range(1, INLINE_ATTEMPTS + 1):
        try:
            sent = sender.send(envelope.to, message, key=key)
        except DeliveryError as exc:
            if exc.uncertain and not sender.idempotent:
                return _outcome_unknown(deliveries, key, channel)
            pause = BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS)) - 1]
            last = attempt == INLINE_ATTEMPTS or exc.permanent or seconds_left() < pause
            if last:
                deliveries.failed(key, str(exc), permanent=exc.permanent)
                raise
            count("NotificationRetried", channel=channel)
            time.sleep(pause)
            continue
        deliveries.sent(key, sent.provider_message_id)
        count("NotificationSent", channel=channel, template=envelope.template)
        logger.info(
            "notification sent",
            extra={"message_key": key, "channel": channel, "template": envelope.template},
        )
        return Delivered.SENT
    raise AssertionError("unreachable")  # pragma: no cover


def _outcome_unknown(deliveries: Deliveries, key: str, channel: str) -> Delivered:
    deliveries.unknown(key)
    count("NotificationOutcomeUnknown", channel=channel)
    logger.warning("notification outcome unknown, not sent again", extra={"message_key": key})
    return Delivered.UNKNOWN


@dataclass(frozen=True, slots=True)
class ConsumerDependencies:
    senders: dict[str, Sender]
    deliveries: Deliveries
    # Receives after which the queue moves a message to the dead letters (template.yaml).
    max_receive_count: int
    # The first retry's delay; each later one doubles it, up to 15 minutes.
    retry_base_seconds: int


def consume(
    deps: ConsumerDependencies,
    body: str,
    *,
    receives: int,
    seconds_left: Callable[[], float] = lambda: float("inf"),
) -> Delivered:
    """One message off the queue, received for the `receives`-th time: delivered, or a
    DeliveryError (counted and logged) that sends it back to the queue."""
    envelope = Envelope.model_validate_json(body)
    if seconds_left() <= 0:
        raise DeliveryError("no time left in this invocation", permanent=False)
    try:
        return deliver(envelope, deps.senders, deps.deliveries, seconds_left=seconds_left)
    except DeliveryError as exc:
        dead = receives >= deps.max_receive_count
        count("NotificationFailed", channel=envelope.channel)
        if dead:
            count("NotificationDeadLettered", channel=envelope.channel)
        logger.warning(
            "notification not delivered",
            extra={
                "message_key": envelope.messageKey,
                "permanent": exc.permanent,
                "status": exc.status,
                "receive_count": receives,
                "dead_lettered": dead,
            },
        )
        raise


def backoff_seconds(deps: ConsumerDependencies, receives: int, *, permanent: bool) -> int:
    """How long a failed message stays invisible before its next receive. One refused for
    good comes back at once: it is not sent again, only counted down to the dead letters."""
    if permanent:
        return 0
    return min(deps.retry_base_seconds * 2 ** (receives - 1), 900)
