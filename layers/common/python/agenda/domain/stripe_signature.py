"""Stripe webhook signatures, checked without the Stripe library.

Stripe sends ``Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=<hex>]``. Each
``v1`` is the hex HMAC-SHA256, keyed with the endpoint's signing secret (the whole ``whsec_...``
string), of ``"<t>."`` followed by the raw request body, byte for byte. A request is genuine
when any ``v1`` matches under any of the secrets we hold (the current one and, while a secret
is being rolled, the previous one), and ``t`` is within the tolerance of our clock.

The tolerance applies both ways: a timestamp from too far in the future is refused as well as
a stale one (Stripe's own library only refuses stale ones), so a captured request cannot be
replayed later because its sender's clock ran ahead.

Pure: the secrets and the clock are arguments.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

from agenda.domain.errors import ValidationFailed

SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
# Unix seconds in ASCII digits. The length bound spares int() a hostile header's thousand digits.
_TIMESTAMP = re.compile(r"[0-9]{1,15}")


class InvalidSignature(ValidationFailed):
    """The request is not a webhook Stripe signed for us just now."""


def verify_signature(
    payload: bytes,
    header: str | None,
    secrets: Sequence[str],
    *,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """The signed timestamp ``t`` of a genuine webhook, or InvalidSignature.

    Messages are short and never repeat the header: it is the caller's input, not ours to echo.
    """
    if isinstance(secrets, str | bytes) or not secrets or not all(secrets):
        # A bare string would be read as one-character secrets; an empty key signs for anyone.
        raise ValueError("verify_signature needs a sequence of non-empty signing secrets")
    if tolerance_seconds < 0:
        raise ValueError("tolerance_seconds must not be negative")
    if not header or not header.strip():
        raise InvalidSignature("Missing Stripe signature")
    timestamp, signatures = _parse(header)
    if not signatures:
        raise InvalidSignature("No v1 Stripe signature")
    if abs(now - timestamp) > tolerance_seconds:
        raise InvalidSignature("Stripe signature timestamp outside the tolerance")
    expected = [_sign(secret, timestamp, payload) for secret in secrets]
    # Every pair is compared, so the time taken does not depend on which one matched.
    matched = False
    for signature in signatures:
        for candidate in expected:
            matched |= hmac.compare_digest(signature, candidate)
    if not matched:
        raise InvalidSignature("No matching Stripe signature")
    return timestamp


def _parse(header: str) -> tuple[int, list[bytes]]:
    timestamp: int | None = None
    signatures: list[bytes] = []
    for element in header.split(","):
        if not element.strip():
            continue
        key, equals, value = element.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not key:
            raise InvalidSignature("Malformed Stripe signature")
        if key == "t":
            if timestamp is not None or not _TIMESTAMP.fullmatch(value):
                raise InvalidSignature("Malformed Stripe signature")
            timestamp = int(value)
        elif key == SCHEME and value.isascii():
            # A non-ASCII value can never equal a hex digest; bytes compare without raising.
            signatures.append(value.encode("ascii"))
    if timestamp is None:
        raise InvalidSignature("Malformed Stripe signature")
    return timestamp, signatures


def _sign(secret: str, timestamp: int, payload: bytes) -> bytes:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode(), hashlib.sha256)
    mac.update(payload)
    return mac.hexdigest().encode("ascii")
