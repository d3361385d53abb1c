"""Records of claiming client rows and changing a client account's contact: the row a claim
names, what a claim answers, the rows offered for claiming, and the one-time codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ClaimTarget:
    """A client row as a claim sees it, locked for the claim's transaction."""

    client_id: UUID
    user_id: str | None  # the sign-in that claimed it, if any
    anonymised: bool  # its client was deleted: nothing left to claim
    professional_name: str
    professional_slug: str
    # The claiming sign-in's account is being deleted: it claims nothing more.
    account_leaving: bool = False


@dataclass(frozen=True, slots=True)
class ClaimedClient:
    """A row the sign-in holds now, and whose it is."""

    client_id: UUID
    professional_name: str
    professional_slug: str


@dataclass(frozen=True, slots=True)
class OfferedClient:
    """Another professional's row offered to a client account for claiming: unclaimed, not
    anonymised, with the account's phone or email. The code goes to the row's own contact."""

    client_id: UUID
    phone: str
    email: str | None
    professional_name: str
    account_name: str
    language: str  # the account's: the code's message is the client's own


@dataclass(frozen=True, slots=True)
class ClientAccountContact:
    """A client account's name, confirmed contact and language."""

    name: str
    phone: str | None
    email: str | None
    language: str


@dataclass(frozen=True, slots=True)
class NewVerificationCode:
    id: UUID
    user_id: str
    purpose: str  # claim | contact
    channel: str  # whatsapp | email
    destination: str
    client_id: UUID | None  # the row a claim's code is for
    code_hash: bytes
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LiveCode:
    """A code not used, superseded or killed yet, locked for the attempt's transaction."""

    id: UUID
    channel: str
    destination: str
    client_id: UUID | None
    code_hash: bytes
    attempts: int
    expires_at: datetime
