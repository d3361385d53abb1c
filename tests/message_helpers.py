"""Helpers of the messages tests: a thread made directly in the tables (a professional, a client
row claimed by a registered client, an appointment and its guest link), and the four routes
called over HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pg8000.native
import requests

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, guest_token, new_professional
from tests.client_profile_helpers import client_row, new_client_user, new_phone, register
from tests.conftest import MakeProfessional, Professional, next_weekday, rows


@dataclass(frozen=True)
class Thread:
    pro: Professional
    client_id: uuid.UUID
    client_user: str  # the registered client whose account claimed the row
    client_phone: str
    client_email: str
    appointment: uuid.UUID
    token: str  # the appointment's guest link


def new_thread(
    db: pg8000.native.Connection,
    stack: LocalStack,
    make_professional: MakeProfessional,
    *,
    name: str = "Maria Silva",
    **options: Any,
) -> Thread:
    pro = new_professional(make_professional, **options)
    user, phone = new_client_user(), new_phone()
    email = f"{user}@example.com"
    register(db, user, phone=phone, email=email, name=name)
    client_id = client_row(db, pro, phone=phone, email=email, user_id=user, name=name)
    appointment = add_appointment(
        db, pro, client_id, pro.at(next_weekday(2, after_days=3), "09:00")
    )
    return Thread(pro, client_id, user, phone, email, appointment, guest_token(stack, appointment))


def read(api: str, headers: dict[str, str], client_id: object, **params: str) -> requests.Response:
    return requests.get(
        f"{api}/api/messages",
        params={"clientId": str(client_id), **params},
        headers=headers,
        timeout=30,
    )


def write(api: str, headers: dict[str, str], body: object) -> requests.Response:
    return requests.post(f"{api}/api/messages", json=body, headers=headers, timeout=30)


def guest_read(
    api: str, appointment_id: object, token: str | None, **params: str
) -> requests.Response:
    query = {**({"token": token} if token is not None else {}), **params}
    return requests.get(
        f"{api}/api/guest/appointments/{appointment_id}/messages", params=query, timeout=30
    )


def guest_write(api: str, appointment_id: object, body: object) -> requests.Response:
    return requests.post(
        f"{api}/api/guest/appointments/{appointment_id}/messages", json=body, timeout=30
    )


def stored(db: pg8000.native.Connection, client_id: uuid.UUID) -> list[dict[str, Any]]:
    """The thread's rows, oldest first."""
    return rows(
        db,
        "SELECT id, sender, body, channel, read_at FROM messages WHERE client_id = :c"
        " ORDER BY created_at, id",
        c=client_id,
    )


def notices(db: pg8000.native.Connection, client_id: uuid.UUID) -> list[dict[str, Any]]:
    """The in-app notifications of the thread's messages, oldest first."""
    return rows(
        db,
        "SELECT recipient, client_id, type, title, body, data FROM notifications"
        " WHERE client_id = :c AND type = 'message' ORDER BY created_at, id",
        c=client_id,
    )


def queued_for(db: pg8000.native.Connection, message_id: str) -> list[dict[str, Any]]:
    """The outbox rows of one message."""
    found = rows(
        db,
        "SELECT payload FROM notification_outbox WHERE message_key LIKE :prefix ORDER BY id",
        prefix=f"{message_id}:%",
    )
    return [row["payload"] for row in found]
