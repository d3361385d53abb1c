"""Helpers for the appointment lifecycle tests: rows made directly, requests made over HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pg8000.native
import requests

from agenda.contract import ErrorResponse
from agenda.domain.guest_token import issue
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, Professional, rows

# Not the demo professionals' profession: dr-ana's public page lists the active professionals
# of hers as related, and the booking tests expect only the demo ones there.
PROFESSION = "Fisioterapeuta"


def new_professional(make: MakeProfessional, **options: Any) -> Professional:
    return make(profession=PROFESSION, **options)


def new_english_professional(make: MakeProfessional, db: pg8000.native.Connection) -> Professional:
    """A professional in New York who speaks English and charges in dollars: the pages'
    English version."""
    pro = new_professional(make, timezone="America/New_York")
    db.run("UPDATE professionals SET locale = 'en', currency = 'USD' WHERE id = :id", id=pro.id)
    return pro


def add_client(
    db: pg8000.native.Connection,
    pro: Professional,
    *,
    user_id: str | None = None,
    name: str = "Maria Silva",
    email: str | None = "maria@example.com",
) -> uuid.UUID:
    client_id: uuid.UUID = db.run(
        "INSERT INTO clients (professional_id, user_id, name, phone, email)"
        " VALUES (:p, :u, :n, :ph, :e) RETURNING id",
        p=pro.id,
        u=user_id,
        n=name,
        ph=f"+55219{uuid.uuid4().int % 10**8:08d}",
        e=email,
    )[0][0]
    return client_id


def add_appointment(
    db: pg8000.native.Connection,
    pro: Professional,
    client_id: uuid.UUID,
    starts_at: datetime,
    *,
    status: str = "confirmed",
    payment_status: str = "none",
    minutes: int | None = None,
) -> uuid.UUID:
    """An appointment written straight into the table (any status, any time, past included)."""
    start = starts_at.astimezone(UTC)
    appointment_id: uuid.UUID = db.run(
        "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status,"
        " payment_status) VALUES (:p, :c, :s, :e, :st, :ps) RETURNING id",
        p=pro.id,
        c=client_id,
        s=start,
        e=start + timedelta(minutes=minutes or pro.session_duration),
        st=status,
        ps=payment_status,
    )[0][0]
    return appointment_id


def snapshot(db: pg8000.native.Connection, appointment_id: uuid.UUID) -> dict[str, Any]:
    [row] = rows(
        db,
        "SELECT status, payment_status, starts_at, ends_at, sequence, status_changed_by,"
        " status_changed_at, updated_at FROM appointments WHERE id = :a",
        a=appointment_id,
    )
    return row


def changes(db: pg8000.native.Connection, appointment_id: uuid.UUID) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT * FROM appointment_changes WHERE appointment_id = :a ORDER BY id",
        a=appointment_id,
    )


def queued(db: pg8000.native.Connection, appointment_id: uuid.UUID) -> list[dict[str, Any]]:
    """The outbox messages about this appointment, oldest first."""
    found = rows(
        db,
        "SELECT payload FROM notification_outbox WHERE message_key LIKE :prefix ORDER BY id",
        prefix=f"{appointment_id}:%",
    )
    return [row["payload"] for row in found]


def templates(messages: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(m["template"], m["audience"], m["channel"]) for m in messages}


def bearer(stack: LocalStack, user_id: str) -> dict[str, str]:
    return {"authorization": f"Bearer {stack.authority.mint(user_id)}"}


def forged_bearer(stack: LocalStack, user_id: str) -> dict[str, str]:
    """The user's own token with its signature altered: forged, so the authorizer refuses."""
    head, payload, signature = stack.authority.mint(user_id).split(".")
    altered = ("A" if signature[0] != "A" else "B") + signature[1:]
    return {"authorization": f"Bearer {head}.{payload}.{altered}"}


def patch(
    api: str, appointment_id: uuid.UUID | str, body: object, headers: dict[str, str] | None
) -> requests.Response:
    return requests.patch(
        f"{api}/api/appointments/{appointment_id}", json=body, headers=headers or {}, timeout=30
    )


def guest_secret(stack: LocalStack) -> bytes:
    return stack.keys["guest_link"].encode()


def guest_token(
    stack: LocalStack, appointment_id: uuid.UUID, *, expires_at: datetime | None = None
) -> str:
    expires = expires_at or datetime.now(UTC) + timedelta(days=30)
    return issue(guest_secret(stack), appointment_id, expires)


def guest_url(api: str, appointment_id: uuid.UUID | str, what: str = "") -> str:
    return f"{api}/api/guest/appointments/{appointment_id}{what}"


def guest_get(
    api: str, appointment_id: uuid.UUID | str, token: str | None, what: str = ""
) -> requests.Response:
    params = {"token": token} if token is not None else {}
    return requests.get(guest_url(api, appointment_id, what), params=params, timeout=30)


def guest_post(
    api: str, appointment_id: uuid.UUID | str, action: str, body: dict[str, Any]
) -> requests.Response:
    return requests.post(guest_url(api, appointment_id, f"/{action}"), json=body, timeout=30)


def token_of(url: str) -> tuple[str, str]:
    """The appointment id and the token of a guest link (APP_BASE_URL/manage/{id}?token=...)."""
    parts = urlsplit(url)
    return parts.path.rsplit("/", 1)[1], parse_qs(parts.query)["token"][0]


def error_code(answer: requests.Response, status: int) -> str:
    assert answer.status_code == status, answer.text
    payload = answer.json()
    ErrorResponse.model_validate(payload)
    code: str = payload["error"]["code"]
    return code


# The JWT authorizer's own answer to a missing or bad token, {"message": "Unauthorized"}:
# the authorization matrices' expectation for a caller their table does not name.
NO_JWT: tuple[int, str | None] = (401, None)


def assert_matrix_answer(answer: requests.Response, expected: tuple[int, str | None]) -> None:
    """One cell of an authorization matrix: the status, and the contract's error code when the
    cell names one (the authorizer's own body for a 401 without one)."""
    status, code = expected
    assert answer.status_code == status, answer.text
    if code is not None:
        payload = answer.json()
        ErrorResponse.model_validate(payload)
        assert payload["error"]["code"] == code
    elif status == 401:
        assert answer.json() == {"message": "Unauthorized"}
