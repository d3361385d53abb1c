"""Records of the notifications consumer's delivery claims."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Claim(StrEnum):
    SEND = "send"  # this consumer holds the message: call the provider
    RESEND = "resend"  # an earlier claim lapsed mid-call: safe only with an idempotency key
    ALREADY_SENT = "already_sent"
    IN_FLIGHT = "in_flight"  # another consumer holds a live claim
    UNDELIVERABLE = "undeliverable"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Claimed:
    outcome: Claim
    attempts: int
