"""Guest link tokens: only the exact token issued with the secret, before it expires, is valid."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.domain.errors import Unauthorized
from agenda.domain.guest_token import INVALID, MAX_TOKEN_LENGTH, issue, verify

pytestmark = pytest.mark.unit

SECRET = b"a-test-secret-of-enough-bytes-000"
APPOINTMENT = UUID("0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30")
NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(days=10)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def refused(token: object, *, now: datetime = NOW, secret: bytes = SECRET) -> None:
    with pytest.raises(Unauthorized) as error:
        verify(secret, token, now=now)
    assert error.value.message == INVALID


def test_a_token_proves_its_appointment_until_it_expires() -> None:
    token = issue(SECRET, APPOINTMENT, EXPIRES)
    grant = verify(SECRET, token, now=NOW)
    assert grant.appointment_id == APPOINTMENT
    assert grant.expires_at == EXPIRES
    assert len(token) <= MAX_TOKEN_LENGTH
    # URL-safe as it is: no padding, no characters a query string would have to escape.
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    # The last second it is valid, and the first it is not.
    verify(SECRET, token, now=EXPIRES - timedelta(seconds=1))
    refused(token, now=EXPIRES)


def test_an_expired_token_is_refused() -> None:
    refused(issue(SECRET, APPOINTMENT, NOW - timedelta(seconds=1)))
    refused(issue(SECRET, APPOINTMENT, EXPIRES), now=EXPIRES + timedelta(days=365))


def test_a_forged_signature_is_refused() -> None:
    token = issue(SECRET, APPOINTMENT, EXPIRES)
    payload, _, signature = token.partition(".")
    refused(f"{payload}.{b64(bytes(32))}")
    flipped = bytearray(unb64(signature))
    flipped[0] ^= 1
    refused(f"{payload}.{b64(bytes(flipped))}")
    # Signed with another secret: well formed, and worthless.
    refused(issue(b"another-secret-of-enough-bytes-00", APPOINTMENT, EXPIRES))


def test_an_altered_id_or_expiry_is_refused() -> None:
    token = issue(SECRET, APPOINTMENT, EXPIRES)
    payload, _, signature = token.partition(".")
    raw = unb64(payload)
    other_id = raw[:1] + uuid4().bytes + raw[17:]
    refused(f"{b64(other_id)}.{signature}")
    later = raw[:17] + int(EXPIRES.timestamp() + 86400 * 365).to_bytes(8, "big")
    refused(f"{b64(later)}.{signature}")


def test_a_correctly_signed_token_of_an_unknown_version_is_refused() -> None:
    payload = bytes([2]) + APPOINTMENT.bytes + int(EXPIRES.timestamp()).to_bytes(8, "big")
    mac = hmac.new(SECRET, b"agenda/guest-link/v1\x00" + payload, hashlib.sha256).digest()
    refused(f"{b64(payload)}.{b64(mac)}")


def test_only_the_canonical_spelling_is_valid() -> None:
    token = issue(SECRET, APPOINTMENT, EXPIRES)
    payload, _, signature = token.partition(".")
    # 25 payload bytes leave 4 unused bits in the last character: setting one decodes to the
    # same bytes, and is still refused.
    last = payload[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    sibling = alphabet[alphabet.index(last) ^ 1]
    assert unb64(payload[:-1] + sibling) == unb64(payload)
    refused(f"{payload[:-1]}{sibling}.{signature}")
    refused(f"{payload}=.{signature}")
    refused(f" {token}")
    refused(f"{token}.")
    refused(token.replace(".", ".."))


@pytest.mark.parametrize(
    "token", [None, 42, b"bytes", "", ".", "a.b", "x" * (MAX_TOKEN_LENGTH + 1), "!!!.???"]
)
def test_malformed_tokens_are_refused(token: object) -> None:
    refused(token)


@given(st.text(max_size=120))
def test_arbitrary_text_is_refused_with_unauthorized_only(text: str) -> None:
    refused(text)


@given(st.binary(min_size=0, max_size=80), st.binary(min_size=0, max_size=40))
def test_arbitrary_well_formed_pieces_are_refused(payload: bytes, signature: bytes) -> None:
    refused(f"{b64(payload)}.{b64(signature)}")


@given(st.uuids(), st.integers(min_value=1, max_value=10**6))
def test_every_issued_token_round_trips(appointment: UUID, seconds: int) -> None:
    expires = NOW + timedelta(seconds=seconds)
    assert verify(SECRET, issue(SECRET, appointment, expires), now=NOW).appointment_id == (
        appointment
    )


def test_a_short_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="at least"):
        issue(b"short", APPOINTMENT, EXPIRES)
    with pytest.raises(ValueError, match="at least"):
        verify(b"short", "x.y", now=NOW)
