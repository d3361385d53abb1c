"""Signed, expiring tokens that name one row: the signer the guest link and the registration
invite share, each with a context string of its own.

A token is two base64url parts joined by a dot: the payload (a version byte, a uuid's 16 bytes,
the expiry as 8 bytes of Unix seconds) and an HMAC-SHA256 over the kind's context string and
that payload, keyed by a secret from configuration. Nothing is stored: the token proves itself.
Changing any byte of it (the id, the expiry, the signature) makes it invalid; so does a
non-canonical encoding of the same bytes, so one token has exactly one spelling.

Domain separation: the context string is signed with the payload, so a token made for one kind
never verifies as another even under the same key and with the same id (a guest link is not a
registration invite, however alike their bytes are).

Pure: the secret and the clock are arguments.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from agenda.domain.errors import Unauthorized

VERSION = 1
_PAYLOAD_BYTES = 1 + 16 + 8
_SIGNATURE_BYTES = hashlib.sha256().digest_size
# The longest token this scheme writes, plus room; anything longer is refused unread.
MAX_TOKEN_LENGTH = 96
MIN_SECRET_BYTES = 16

INVALID = "This link is invalid or has expired"


@dataclass(frozen=True, slots=True)
class TokenKind:
    """One kind of token: its context string and what its key is called in errors."""

    context: bytes
    key_label: str

    def issue(self, secret: bytes, subject: UUID, expires_at: datetime) -> str:
        """A token naming ``subject``, valid until ``expires_at`` (to the second)."""
        self._check_secret(secret)
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        seconds = int(expires_at.timestamp())
        if not 0 <= seconds < 2**63:
            raise ValueError("expires_at is out of range")
        payload = bytes([VERSION]) + subject.bytes + seconds.to_bytes(8, "big")
        return f"{_encode(payload)}.{_encode(self._sign(secret, payload))}"

    def verify(self, secret: bytes, token: object, *, now: datetime) -> tuple[UUID, datetime]:
        """The id a token names and its expiry, or Unauthorized: forged, altered, malformed,
        expired or of another kind all get the same answer, and the signature is checked
        before anything in the payload is read."""
        self._check_secret(secret)
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
            raise Unauthorized(INVALID)
        encoded_payload, dot, encoded_signature = token.partition(".")
        payload = _decode(encoded_payload)
        signature = _decode(encoded_signature)
        if (
            not dot
            or payload is None
            or signature is None
            or len(payload) != _PAYLOAD_BYTES
            or len(signature) != _SIGNATURE_BYTES
        ):
            raise Unauthorized(INVALID)
        if not hmac.compare_digest(signature, self._sign(secret, payload)):
            raise Unauthorized(INVALID)
        if payload[0] != VERSION:
            raise Unauthorized(INVALID)
        expires_at = datetime.fromtimestamp(int.from_bytes(payload[17:], "big"), UTC)
        if now.astimezone(UTC) >= expires_at:
            raise Unauthorized(INVALID)
        return UUID(bytes=payload[1:17]), expires_at

    def _sign(self, secret: bytes, payload: bytes) -> bytes:
        return hmac.new(secret, self.context + payload, hashlib.sha256).digest()

    def _check_secret(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the {self.key_label} must have at least {MIN_SECRET_BYTES} bytes")


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    # Base64 tolerates stray bits in the last character; only the canonical spelling counts.
    return raw if _encode(raw) == text else None
