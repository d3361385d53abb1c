"""Helpers of the account tests: new sign-ins, sign-up bodies and the /api/account calls."""

from __future__ import annotations

import uuid
from typing import Any

import pg8000.native
import requests

from agenda.contract import AccountOut
from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer
from tests.conftest import rows

# Not a demo profession: the test professionals must not show up as the demo's related ones.
PROFESSION = "Account test"


def new_user() -> str:
    """A JWT subject no one has used: a person who just signed in for the first time."""
    return f"signup-{uuid.uuid4().hex[:16]}"


def new_slug(prefix: str = "acc") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def sign_up_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Dra. Beatriz Lima",
        "slug": new_slug(),
        "profession": PROFESSION,
        "phone": f"+55119{uuid.uuid4().int % 10**8:08d}",
        "email": "beatriz@example.com",
        "timezone": "America/Sao_Paulo",
        "language": "pt-BR",
        "sessionDuration": 50,
        "sessionPrice": 180,
        "bio": "Terapia para adultos.",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def post_account(api: str, headers: dict[str, str], body: object) -> requests.Response:
    return requests.post(f"{api}/api/account", json=body, headers=headers, timeout=30)


def get_account(api: str, headers: dict[str, str]) -> requests.Response:
    return requests.get(f"{api}/api/account", headers=headers, timeout=30)


def patch_account(api: str, headers: dict[str, str], body: object) -> requests.Response:
    return requests.patch(f"{api}/api/account", json=body, headers=headers, timeout=30)


def check_slug(api: str, headers: dict[str, str], slug: str) -> requests.Response:
    return requests.get(
        f"{api}/api/account/slug", params={"slug": slug}, headers=headers, timeout=30
    )


def profile(api: str, slug: str, *, follow: bool = False) -> requests.Response:
    return requests.get(f"{api}/api/professionals/{slug}", allow_redirects=follow, timeout=30)


def refusal(answer: requests.Response, status: int, code: str) -> dict[str, Any]:
    """The contract's error of a refused request (its shape checked), to read its fields."""
    from tests.e2e.test_booking_api import assert_error

    return dict(assert_error(answer, status, code))


def sign_up(
    api: str, stack: LocalStack, **overrides: Any
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """A new sign-in that became a professional: its subject, its headers and its account."""
    user = new_user()
    headers = bearer(stack, user)
    answer = post_account(api, headers, sign_up_body(**overrides))
    assert answer.status_code == 201, answer.text
    account: dict[str, Any] = answer.json()
    AccountOut.model_validate(account)
    return user, headers, account


def professional_rows(db: pg8000.native.Connection, user_id: str) -> list[dict[str, Any]]:
    return rows(db, "SELECT * FROM professionals WHERE user_id = :u", u=user_id)


def slug_rows(db: pg8000.native.Connection, slug: str) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT s.slug, p.user_id, s.retired_at FROM professional_slugs s"
        " JOIN professionals p ON p.id = s.professional_id WHERE s.slug = :s",
        s=slug,
    )
