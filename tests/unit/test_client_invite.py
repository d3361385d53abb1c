"""Registration invites: a token kind of its own. Same format and key as the guest link, another
context: a manage link's token never claims a client, and an invite never opens a booking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.domain import client_invite, guest_token
from agenda.domain.errors import Unauthorized
from agenda.domain.signed_token import INVALID
from agenda.service.links import GuestLinks
from agenda.settings import GuestLinkSettings, Secret
from tests.fakes import APP_BASE_URL, GUEST_LINK_SECRET

pytestmark = pytest.mark.unit

SECRET = b"a-test-secret-of-enough-bytes-000"
ROW = UUID("6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e")
NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
EXPIRES = NOW + timedelta(days=30)


def refused_as_invite(token: object, *, secret: bytes = SECRET, now: datetime = NOW) -> None:
    with pytest.raises(Unauthorized) as error:
        client_invite.verify(secret, token, now=now)
    assert error.value.message == INVALID


def test_an_invite_names_its_client_row_until_it_expires() -> None:
    token = client_invite.issue(SECRET, ROW, EXPIRES)
    grant = client_invite.verify(SECRET, token, now=NOW)
    assert (grant.client_id, grant.expires_at) == (ROW, EXPIRES)
    client_invite.verify(SECRET, token, now=EXPIRES - timedelta(seconds=1))
    refused_as_invite(token, now=EXPIRES)


def test_a_bookings_invite_names_its_appointment_and_is_no_client_rows_invite() -> None:
    booking = client_invite.issue_for_booking(SECRET, ROW, EXPIRES)
    grant = client_invite.verify(SECRET, booking, now=NOW)
    assert (grant.client_id, grant.appointment_id, grant.expires_at) == (None, ROW, EXPIRES)
    # The same id under the other kind names a client row: the kind says which it is.
    row = client_invite.verify(SECRET, client_invite.issue(SECRET, ROW, EXPIRES), now=NOW)
    assert (row.client_id, row.appointment_id) == (ROW, None)
    assert booking != client_invite.issue(SECRET, ROW, EXPIRES)
    refused_as_invite(booking, now=EXPIRES)
    with pytest.raises(Unauthorized):
        guest_token.verify(SECRET, booking, now=NOW)


def test_a_manage_link_token_is_never_an_invite() -> None:
    # The very same id, key and expiry: only the kind differs, and that is enough.
    manage = guest_token.issue(SECRET, ROW, EXPIRES)
    assert guest_token.verify(SECRET, manage, now=NOW).appointment_id == ROW
    refused_as_invite(manage)


def test_an_invite_is_never_a_manage_link_token() -> None:
    invite = client_invite.issue(SECRET, ROW, EXPIRES)
    with pytest.raises(Unauthorized):
        guest_token.verify(SECRET, invite, now=NOW)


def test_the_two_kinds_sign_the_same_payload_differently() -> None:
    manage = guest_token.issue(SECRET, ROW, EXPIRES)
    invite = client_invite.issue(SECRET, ROW, EXPIRES)
    manage_payload, _, manage_mac = manage.partition(".")
    invite_payload, _, invite_mac = invite.partition(".")
    assert manage_payload == invite_payload
    assert manage_mac != invite_mac


def test_an_invite_signed_with_another_key_is_refused() -> None:
    refused_as_invite(client_invite.issue(b"another-secret-of-enough-bytes-00", ROW, EXPIRES))


def test_an_altered_row_is_refused() -> None:
    token = client_invite.issue(SECRET, ROW, EXPIRES)
    other = client_invite.issue(SECRET, UUID(int=ROW.int ^ 1), EXPIRES)
    refused_as_invite(f"{other.partition('.')[0]}.{token.partition('.')[2]}")


@given(st.text(max_size=120))
def test_arbitrary_text_is_refused(text: str) -> None:
    refused_as_invite(text)


@given(st.uuids())
def test_no_guest_token_verifies_as_an_invite(row: UUID) -> None:
    refused_as_invite(guest_token.issue(SECRET, row, EXPIRES))


def links(invite_valid_days: int = 30) -> GuestLinks:
    return GuestLinks(
        GuestLinkSettings(
            app_base_url=APP_BASE_URL,
            secret=Secret.of(GUEST_LINK_SECRET),
            valid_days_after=14,
            invite_valid_days=invite_valid_days,
        )
    )


def test_the_register_url_carries_only_the_invite_valid_from_when_it_was_sent() -> None:
    url = links(invite_valid_days=7).register_url(ROW, NOW)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == APP_BASE_URL
    assert parts.path == "/register"
    query = parse_qs(parts.query)
    assert set(query) == {"invite"}
    grant = links().verify_invite(query["invite"][0], now=NOW)
    assert (grant.client_id, grant.expires_at) == (ROW, NOW + timedelta(days=7))
    with pytest.raises(Unauthorized):
        links().verify_invite(query["invite"][0], now=NOW + timedelta(days=7))
    # Nor does the guest side of the same links take it.
    with pytest.raises(Unauthorized):
        links().verify(query["invite"][0], now=NOW)
