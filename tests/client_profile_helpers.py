"""Helpers for the client profile tests: a registered client made directly in the tables (as a
claim leaves it: a client_accounts row and clients rows with its user_id), and the routes
called over HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pg8000.native
import requests

from tests.conftest import Professional


def new_phone() -> str:
    return f"+55219{uuid.uuid4().int % 10**8:08d}"


def new_client_user() -> str:
    return f"client-{uuid.uuid4().hex[:12]}"


def register(
    db: pg8000.native.Connection,
    user_id: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    name: str = "Maria Silva",
    language: str = "pt-BR",
) -> None:
    db.run(
        "INSERT INTO client_accounts (user_id, name, phone, email, language)"
        " VALUES (:u, :n, :p, :e, :l)",
        u=user_id,
        n=name,
        p=phone,
        e=email,
        l=language,
    )


def client_row(
    db: pg8000.native.Connection,
    pro: Professional,
    *,
    phone: str,
    email: str | None = None,
    user_id: str | None = None,
    name: str = "Maria Silva",
    anonymised: bool = False,
) -> uuid.UUID:
    """A clients row of ``pro``: claimed by ``user_id`` when given, else nobody's."""
    client_id: uuid.UUID = db.run(
        "INSERT INTO clients (professional_id, user_id, name, phone, email, anonymised_at)"
        " VALUES (:p, :u, :n, :ph, :e, CASE WHEN :a THEN now() END) RETURNING id",
        p=pro.id,
        u=user_id,
        n=name,
        ph=phone,
        e=email,
        a=anonymised,
    )[0][0]
    return client_id


def get_profile(api: str, headers: dict[str, str], **params: str) -> requests.Response:
    return requests.get(f"{api}/api/client-profile", params=params, headers=headers, timeout=30)


def follow(api: str, headers: dict[str, str], slug: str) -> requests.Response:
    return requests.put(f"{api}/api/client-profile/follows/{slug}", headers=headers, timeout=30)


def unfollow(api: str, headers: dict[str, str], slug: str) -> requests.Response:
    return requests.delete(f"{api}/api/client-profile/follows/{slug}", headers=headers, timeout=30)


def follows_of(db: pg8000.native.Connection, user_id: str) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in db.run(
            "SELECT professional_id, created_at FROM follows WHERE user_id = :u"
            " ORDER BY professional_id",
            u=user_id,
        )
    ]
