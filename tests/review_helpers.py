"""Helpers for the review tests: a completed session of a registered client (rows made directly),
and the review routes called over HTTP."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import requests

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, bearer, guest_token, new_professional
from tests.client_profile_helpers import client_row, new_client_user, new_phone, register
from tests.conftest import MakeProfessional, Professional, rows

# Each session an hour apart: one professional's sessions never overlap.
_HOURS = itertools.count()


@dataclass(frozen=True)
class Session:
    """A professional, their registered client and one appointment between them."""

    pro: Professional
    client_user: str
    client_id: uuid.UUID
    appointment: uuid.UUID


def session(
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    *,
    status: str = "completed",
    name: str = "Maria Silva",
    pro: Professional | None = None,
) -> Session:
    """An appointment that started two days ago (or, unless completed, starts in two days)."""
    pro = pro or new_professional(make_professional)
    user, phone = new_client_user(), new_phone()
    register(db, user, phone=phone, name=name)
    client = client_row(db, pro, phone=phone, user_id=user, name=name)
    now = datetime.now(UTC).replace(microsecond=0)
    offset = timedelta(days=2, hours=next(_HOURS))
    starts = now - offset if status in ("completed", "no_show") else now + offset
    return Session(pro, user, client, add_appointment(db, pro, client, starts, status=status))


def review(
    api: str, appointment: uuid.UUID | str, body: object, headers: dict[str, str]
) -> requests.Response:
    return requests.post(
        f"{api}/api/appointments/{appointment}/review", json=body, headers=headers, timeout=30
    )


def guest_review(api: str, appointment: uuid.UUID | str, body: object) -> requests.Response:
    return requests.post(
        f"{api}/api/guest/appointments/{appointment}/review", json=body, timeout=30
    )


def list_reviews(api: str, headers: dict[str, str], **params: str) -> requests.Response:
    return requests.get(f"{api}/api/reviews", params=params, headers=headers, timeout=30)


def reply(
    api: str, review_id: uuid.UUID | str, body: object, headers: dict[str, str]
) -> requests.Response:
    return requests.post(
        f"{api}/api/reviews/{review_id}/reply", json=body, headers=headers, timeout=30
    )


def moderate(
    api: str, review_id: uuid.UUID | str, body: object, headers: dict[str, str]
) -> requests.Response:
    return requests.patch(f"{api}/api/reviews/{review_id}", json=body, headers=headers, timeout=30)


def as_client(stack: LocalStack, visit: Session) -> dict[str, str]:
    return bearer(stack, visit.client_user)


def as_professional(stack: LocalStack, visit: Session) -> dict[str, str]:
    return bearer(stack, visit.pro.user_id)


def token(stack: LocalStack, visit: Session) -> str:
    return guest_token(stack, visit.appointment)


def review_rows(db: pg8000.native.Connection, appointment: uuid.UUID) -> list[dict[str, Any]]:
    return rows(db, "SELECT * FROM reviews WHERE appointment_id = :a", a=appointment)


def review_changes(
    db: pg8000.native.Connection, review_id: uuid.UUID | str
) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT action, reason, actor_id FROM review_changes WHERE review_id = :r"
        " ORDER BY created_at, id",
        r=uuid.UUID(str(review_id)),
    )


def state(db: pg8000.native.Connection, professional_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every review of the professional, with its changes and the professional's review
    notices: what a refused call must leave as it was."""
    return rows(
        db,
        "SELECT r.*, (SELECT count(*) FROM review_changes c WHERE c.review_id = r.id) AS changes,"
        " (SELECT count(*) FROM notifications n WHERE n.professional_id = r.professional_id"
        "  AND n.type = 'review') AS notices"
        " FROM reviews r WHERE r.professional_id = :p ORDER BY r.id",
        p=professional_id,
    )
