"""Helpers for the claim and contact tests: invites made with the stack's key, the claim
request over HTTP, and the rows a claim writes."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import requests

from agenda.domain import client_invite
from infra.local.stack import LocalStack
from tests.appointment_helpers import guest_secret
from tests.conftest import rows

# How a verification message names its code, in either language.
_CODE_WORDS = re.compile(r"Seu código é|Your code is")


def invite(
    stack: LocalStack,
    client_id: uuid.UUID,
    *,
    expires_at: datetime | None = None,
    secret: bytes | None = None,
) -> str:
    """An invite as the confirmation message carries it (or expired, or under another key)."""
    expires = expires_at or datetime.now(UTC) + timedelta(days=30)
    return client_invite.issue(secret or guest_secret(stack), client_id, expires)


def claim(api: str, headers: dict[str, str], body: object) -> requests.Response:
    return requests.post(f"{api}/api/client-profile/claim", json=body, headers=headers, timeout=30)


def client_row(db: pg8000.native.Connection, client_id: uuid.UUID) -> dict[str, Any]:
    [row] = rows(db, "SELECT * FROM clients WHERE id = :c", c=client_id)
    return row


def client_accounts(db: pg8000.native.Connection, user_id: str) -> list[dict[str, Any]]:
    return rows(db, "SELECT * FROM client_accounts WHERE user_id = :u", u=user_id)


def send_code(api: str, headers: dict[str, str], body: object) -> requests.Response:
    return requests.post(
        f"{api}/api/client-profile/claim/codes", json=body, headers=headers, timeout=30
    )


def sent_codes(db: pg8000.native.Connection, destination: str) -> list[dict[str, Any]]:
    """The verification messages queued to this phone or email, newest first."""
    return [
        row["payload"]
        for row in rows(
            db,
            "SELECT payload, professional_id FROM notification_outbox"
            " WHERE payload ->> 'template' = 'verification_code' AND payload ->> 'to' = :to"
            " ORDER BY id DESC",
            to=destination,
        )
    ]


def last_code(db: pg8000.native.Connection, destination: str) -> str:
    code: str = sent_codes(db, destination)[0]["params"]["code"]
    return code


def wrong(code: str) -> str:
    """Another six digits than ``code``."""
    return f"{(int(code) + 1) % 10**6:06d}"


def claimed_account(
    api: str, stack: LocalStack, db: pg8000.native.Connection, client_id: uuid.UUID
) -> str:
    """A new sign-in that claimed ``client_id`` by its invite: a client account."""
    from tests.account_helpers import new_user
    from tests.appointment_helpers import bearer

    user = new_user()
    answer = claim(api, bearer(stack, user), {"invite": invite(stack, client_id)})
    assert answer.status_code == 200, answer.text
    return user


def delivered_code(stack: LocalStack, recipient: str, *, timeout: float = 15.0) -> str:
    """The code of the newest verification message the local WhatsApp or email sink received
    for ``recipient`` (a phone without its +, or an email), waiting for the consumer."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        found = [
            m
            for m in stack.providers.messages()
            if m.recipient == recipient and _CODE_WORDS.search((m.subject or "") + (m.text or ""))
        ]
        if found:
            match = re.search(r"\b(\d{6})\b", found[-1].text or "")
            assert match, found[-1].text
            return match[1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no verification message reached {recipient}")
        time.sleep(0.1)


def patch_contact(api: str, headers: dict[str, str], body: object) -> requests.Response:
    return requests.patch(f"{api}/api/client-profile", json=body, headers=headers, timeout=30)


def confirm_contact(api: str, headers: dict[str, str], body: object) -> requests.Response:
    return requests.post(
        f"{api}/api/client-profile/contact/confirm", json=body, headers=headers, timeout=30
    )
