"""Sending and trying one-time codes (agenda.domain.verification), for the claim and contact
use cases: the code is made, stored as a keyed hash and queued to its destination in one
transaction; a try is judged against the live code under its lock.

The code's message is the client's own, not a professional's: its outbox row names no
professional (``professional_id`` NULL), so it outlives no one's deletion it should not and no
professional's export carries it. The envelope holds the code in clear (it has to reach the
provider): that copy in ``notification_outbox`` and the queue is worthless ten minutes later,
and the table of codes itself holds only the hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal
from uuid import uuid4

from agenda.domain.masking import mask_email, mask_phone
from agenda.domain.verification import CODE_LIFETIME, MAX_ATTEMPTS

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from agenda.service.links import GuestLinks
    from agenda.service.ports import Outbox, VerificationCodes
    from agenda.service.records import LiveCode

type Channel = Literal["whatsapp", "email"]
type Purpose = Literal["claim", "contact"]


@dataclass(frozen=True, slots=True)
class CodeSent:
    channel: Channel
    destination: str
    expires_at: datetime

    def document(self) -> dict[str, str]:
        """Where it went, shown in part only: the route must not read out a stranger's
        contact details."""
        masked = (
            mask_phone(self.destination)
            if self.channel == "whatsapp"
            else (mask_email(self.destination))
        )
        return {"channel": self.channel, "sentTo": masked, "expiresAt": self.expires_at.isoformat()}


def send_code(
    codes: VerificationCodes,
    outbox: Outbox,
    links: GuestLinks,
    *,
    new_code: Callable[[], str],
    user_id: str,
    purpose: Purpose,
    channel: Channel,
    destination: str,
    client_id: UUID | None,
    now: datetime,
    language: str,
    words: dict[str, str],
) -> CodeSent:
    """Store a new code (killing the sign-in's older ones for the purpose) and queue it."""
    from agenda.domain.messages import envelope
    from agenda.service.records import NewVerificationCode

    code, code_id = new_code(), uuid4()
    expires_at = now + CODE_LIFETIME
    codes.issue(
        NewVerificationCode(
            id=code_id,
            user_id=user_id,
            purpose=purpose,
            channel=channel,
            destination=destination,
            client_id=client_id,
            code_hash=links.code_hash(code_id, code),
            expires_at=expires_at,
        )
    )
    message = envelope(
        subject_id=code_id,
        version=0,
        template="verification_code",
        channel=channel,
        audience="client",
        to=destination,
        params={"code": code, "purpose": purpose, "locale": language, **words},
    )
    outbox.add([(None, message)])
    return CodeSent(channel, destination, expires_at)


def try_code(
    codes: VerificationCodes, links: GuestLinks, live: LiveCode | None, code: str, now: datetime
) -> bool:
    """Whether ``code`` is the live code; a wrong try counts against it (recorded in this
    transaction, so the work must commit to keep it). An expired or dead code is never right,
    and is not tried."""
    if live is None or now >= live.expires_at or live.attempts >= MAX_ATTEMPTS:
        return False
    matched = links.code_matches(live.id, code, live.code_hash)
    codes.attempted(live.id, matched=matched, now=now)
    return matched
