"""POST /api/client-profile/claim over HTTP on the local stack: a signed-in user takes a client
row as theirs with the registration invite of its confirmation message; any other proof (a
manage link's token, a forged, foreign or expired one) is refused and writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pg8000.native
import pytest

from agenda.contract import ClaimedClientOut
from agenda.domain import guest_token
from infra.local.stack import LocalStack
from tests.account_helpers import new_user
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    bearer,
    guest_secret,
    new_professional,
    patch,
    queued,
)
from tests.client_claim_helpers import claim, client_accounts, client_row, invite
from tests.conftest import MakeProfessional, next_weekday
from tests.e2e.test_booking_api import appointments_of, assert_error, book, booking_body

pytestmark = pytest.mark.e2e

FOREIGN_SECRET = b"a-key-this-stack-never-had-000000"


def test_the_invite_of_a_confirmation_claims_the_row_and_makes_the_account(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client_id = add_client(db, pro, name="Maria Souza", email="maria.souza@example.com")
    day = next_weekday(0)
    appointment = add_appointment(
        db, pro, client_id, pro.at(day, "09:00"), status="pending_confirmation"
    )
    confirmed = patch(api, appointment, {"action": "confirm"}, bearer(stack, pro.user_id))
    assert confirmed.status_code == 200, confirmed.text
    [register_url] = {m["params"]["registerUrl"] for m in queued(db, appointment)}
    parts = urlsplit(register_url)
    assert parts.path == "/register"
    query = parse_qs(parts.query)
    assert set(query) == {"invite"}

    user = new_user()
    answer = claim(api, bearer(stack, user), {"invite": query["invite"][0]})

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = ClaimedClientOut.model_validate(answer.json())
    assert (body.client_id, body.professional_slug) == (client_id, pro.slug)
    assert body.professional_name == f"Dra. {pro.slug}"
    row = client_row(db, client_id)
    assert row["user_id"] == user
    [account] = client_accounts(db, user)
    assert (account["name"], account["phone"], account["email"], account["language"]) == (
        "Maria Souza",
        row["phone"],
        "maria.souza@example.com",
        "pt-BR",
    )


def test_a_booking_confirmed_as_it_is_made_invites_and_its_invite_claims_the_row(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional, auto_confirm=True)
    starts = pro.at(next_weekday(2), "14:00")
    answer = book(api, booking_body(pro, starts, clientName="Joana Prado"))
    assert answer.json()["status"] == "confirmed", answer.text
    [appointment] = [row["id"] for row in appointments_of(db, pro)]
    to_client = [m for m in queued(db, appointment) if m["audience"] == "client"]
    [register_url] = {m["params"]["registerUrl"] for m in to_client}
    token = parse_qs(urlsplit(register_url).query)["invite"][0]
    # The booking's invite is no manage link, and the manage link is no invite.
    manage = parse_qs(urlsplit(to_client[0]["params"]["manageUrl"]).query)["token"][0]
    user = new_user()
    assert_error(claim(api, bearer(stack, user), {"invite": manage}), 403, "FORBIDDEN")

    claimed = claim(api, bearer(stack, user), {"invite": token})

    assert claimed.status_code == 200, claimed.text
    [client] = [row["client_id"] for row in appointments_of(db, pro)]
    assert ClaimedClientOut.model_validate(claimed.json()).client_id == client
    assert client_row(db, client)["user_id"] == user
    assert client_accounts(db, user)[0]["name"] == "Joana Prado"


def test_claiming_ones_own_row_again_answers_the_same_and_changes_nothing(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client_id = add_client(db, pro)
    user = new_user()
    token = invite(stack, client_id)
    first = claim(api, bearer(stack, user), {"invite": token})
    assert first.status_code == 200, first.text
    before = (client_row(db, client_id), client_accounts(db, user))

    again = claim(api, bearer(stack, user), {"invite": token})

    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert (client_row(db, client_id), client_accounts(db, user)) == before


def test_a_row_another_sign_in_claimed_is_409_and_stays_theirs(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client_id = add_client(db, pro)
    holder, latecomer = new_user(), new_user()
    token = invite(stack, client_id)
    assert claim(api, bearer(stack, holder), {"invite": token}).status_code == 200

    answer = claim(api, bearer(stack, latecomer), {"invite": token})

    assert_error(answer, 409, "ALREADY_CLAIMED")
    assert client_row(db, client_id)["user_id"] == holder
    assert client_accounts(db, latecomer) == []


def test_a_second_professionals_row_joins_the_account_it_has(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    first_pro, second_pro = new_professional(make_professional), new_professional(make_professional)
    first = add_client(db, first_pro, name="Ana Lima")
    second = add_client(db, second_pro, name="Ana L.", email="other@example.com")
    user = new_user()
    assert claim(api, bearer(stack, user), {"invite": invite(stack, first)}).status_code == 200
    [account] = client_accounts(db, user)

    answer = claim(api, bearer(stack, user), {"invite": invite(stack, second)})

    assert answer.status_code == 200, answer.text
    assert answer.json()["professionalSlug"] == second_pro.slug
    assert client_row(db, second)["user_id"] == user
    # The account keeps the details it was made with; only the link is new.
    assert client_accounts(db, user) == [account]


@pytest.mark.parametrize(
    "proof",
    [
        "manage link of the client's appointment",
        "guest token naming the client row itself",
        "forged signature",
        "signed with another key",
        "expired",
        "another row's payload",
    ],
)
def test_a_proof_that_is_not_a_valid_invite_is_403_and_writes_nothing(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    proof: str,
) -> None:
    pro = new_professional(make_professional)
    client_id = add_client(db, pro)
    other_id = add_client(db, pro)
    appointment = add_appointment(db, pro, client_id, pro.at(next_weekday(1), "10:00"))
    later = datetime.now(UTC) + timedelta(days=30)
    good = invite(stack, client_id)
    payload, _, signature = good.partition(".")
    token = {
        "manage link of the client's appointment": guest_token.issue(
            guest_secret(stack), appointment, later
        ),
        "guest token naming the client row itself": guest_token.issue(
            guest_secret(stack), client_id, later
        ),
        "forged signature": f"{payload}.{('A' if signature[0] != 'A' else 'B')}{signature[1:]}",
        "signed with another key": invite(stack, client_id, secret=FOREIGN_SECRET),
        "expired": invite(stack, client_id, expires_at=datetime.now(UTC) - timedelta(seconds=1)),
        "another row's payload": f"{invite(stack, other_id).partition('.')[0]}.{signature}",
    }[proof]
    user = new_user()

    answer = claim(api, bearer(stack, user), {"invite": token})

    error = assert_error(answer, 403, "FORBIDDEN")
    assert error["fields"] == {"invite": "is invalid or has expired"}
    assert client_row(db, client_id)["user_id"] is None
    assert client_row(db, other_id)["user_id"] is None
    assert client_accounts(db, user) == []


def test_an_anonymised_or_deleted_row_is_403(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    anonymised = add_client(db, pro)
    db.run("UPDATE clients SET anonymised_at = now() WHERE id = :c", c=anonymised)
    deleted = add_client(db, pro)
    token_of_deleted = invite(stack, deleted)
    db.run("DELETE FROM clients WHERE id = :c", c=deleted)
    user = new_user()

    for token in (invite(stack, anonymised), token_of_deleted):
        assert_error(claim(api, bearer(stack, user), {"invite": token}), 403, "FORBIDDEN")

    assert client_row(db, anonymised)["user_id"] is None
    assert client_accounts(db, user) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"invite": 42}, "invite"),
        ({"invite": ""}, "invite"),
        ({"clientId": "7b0d3c9e-2f4a-4b6c-9d1e-0a2b3c4d5e6f"}, "body"),
        ({"invite": "a.b", "code": "123456"}, "body"),
        ({"clientId": "not-an-id", "code": "123456"}, "clientId"),
        ({"clientId": "7b0d3c9e-2f4a-4b6c-9d1e-0a2b3c4d5e6f", "code": "12345"}, "code"),
        ({"clientId": "7b0d3c9e-2f4a-4b6c-9d1e-0a2b3c4d5e6f", "code": 123456}, "code"),
    ],
)
def test_a_malformed_body_is_400_naming_the_field(
    api: str, stack: LocalStack, body: dict[str, object], field: str
) -> None:
    error = assert_error(claim(api, bearer(stack, new_user()), body), 400, "VALIDATION_FAILED")
    assert field in error["fields"]  # type: ignore[operator]
