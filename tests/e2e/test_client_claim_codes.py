"""Claiming another professional's row with a code, over HTTP on the local stack: the row is
offered only to an account with its phone or email, the code goes through the outbox to the
row's own contact, only a keyed hash of it is stored, and a wrong code is refused, then dead,
then rate-limited."""

from __future__ import annotations

import hashlib
import uuid

import pg8000.native
import pytest
import requests

from agenda.contract import ClaimedClientOut, ClientProfileOut, CodeSentOut
from agenda.domain.messages import render
from infra.local.stack import LocalStack
from tests.account_helpers import new_user
from tests.appointment_helpers import add_client, bearer, new_professional, patch, queued
from tests.client_claim_helpers import (
    claim,
    claimed_account,
    client_accounts,
    client_row,
    delivered_code,
    last_code,
    send_code,
    sent_codes,
    wrong,
)
from tests.conftest import MakeProfessional, fresh_ip, next_weekday, rows
from tests.e2e.test_booking_api import assert_error, book, booking_body

pytestmark = pytest.mark.e2e


def unique_phone() -> tuple[str, str]:
    """A phone as a client types it, and as it is stored."""
    digits = f"{uuid.uuid4().int % 10**8:08d}"
    return f"(21) 9{digits[:4]}-{digits[4:]}", f"+55219{digits}"


def test_a_guest_of_two_professionals_registers_by_one_invite_and_claims_the_other_by_code(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    first, second = new_professional(make_professional), new_professional(make_professional)
    typed, phone = unique_phone()
    email = f"maria-{uuid.uuid4().hex[:8]}@example.com"
    day = next_weekday(1)  # a Monday
    for pro, hhmm in ((first, "09:00"), (second, "09:50")):
        body = booking_body(pro, pro.at(day, hhmm), clientPhone=typed, clientEmail=email)
        assert book(api, body, ip=fresh_ip()).status_code == 201
    [first_appointment] = rows(
        db, "SELECT id, client_id FROM appointments WHERE professional_id = :p", p=first.id
    )
    [second_appointment] = rows(
        db, "SELECT id, client_id FROM appointments WHERE professional_id = :p", p=second.id
    )
    confirmed = patch(
        api, first_appointment["id"], {"action": "confirm"}, bearer(stack, first.user_id)
    )
    assert confirmed.status_code == 200, confirmed.text
    [register_url] = {
        m["params"]["registerUrl"]
        for m in queued(db, first_appointment["id"])
        if "registerUrl" in m["params"]
    }
    user = new_user()
    headers = bearer(stack, user)

    invited = claim(api, headers, {"invite": register_url.split("invite=", 1)[1]})
    assert invited.status_code == 200, invited.text

    asked = send_code(
        api, headers, {"clientId": str(second_appointment["client_id"]), "channel": "whatsapp"}
    )
    assert asked.status_code == 202, asked.text
    sent = CodeSentOut.model_validate(asked.json())
    assert sent.sent_to == "+55 •••••••" + phone[-4:]
    [message] = sent_codes(db, phone)
    assert (message["template"], message["channel"], message["audience"]) == (
        "verification_code",
        "whatsapp",
        "client",
    )
    # The client's own message: no professional's outbox row, in the account's language.
    [outbox_row] = rows(
        db,
        "SELECT professional_id FROM notification_outbox WHERE message_key = :k",
        k=message["messageKey"],
    )
    assert outbox_row["professional_id"] is None
    rendered = render("verification_code", "whatsapp", message["params"], audience="client")
    assert f"Dra. {second.slug}" in rendered.text
    # The code as the client reads it on WhatsApp, delivered by the local stack's consumer.
    code = delivered_code(stack, phone.lstrip("+"))
    assert code == message["params"]["code"]

    claimed = claim(api, headers, {"clientId": str(second_appointment["client_id"]), "code": code})

    assert claimed.status_code == 200, claimed.text
    assert ClaimedClientOut.model_validate(claimed.json()).professional_slug == second.slug
    assert client_row(db, second_appointment["client_id"])["user_id"] == user
    assert len(client_accounts(db, user)) == 1
    profile = requests.get(f"{api}/api/client-profile", headers=headers, timeout=30)
    assert profile.status_code == 200, profile.text
    listed = {str(a.id) for a in ClientProfileOut.model_validate(profile.json()).upcoming}
    assert listed == {str(first_appointment["id"]), str(second_appointment["id"])}


def offered_row(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make: MakeProfessional
) -> tuple[str, uuid.UUID, str]:
    """A client account (by invite) and another professional's row with its phone and email:
    (the account's user, the offered row, the row's phone)."""
    first, second = new_professional(make), new_professional(make)
    email = f"ana-{uuid.uuid4().hex[:8]}@example.com"
    mine = add_client(db, first, email=email)
    user = claimed_account(api, stack, db, mine)
    phone = client_row(db, mine)["phone"]
    offered = db.run(
        "INSERT INTO clients (professional_id, name, phone, email) VALUES (:p, 'Ana', :ph, :e)"
        " RETURNING id",
        p=second.id,
        ph=phone,
        e=email.upper(),
    )[0][0]
    return user, offered, phone


def test_only_a_keyed_hash_of_the_code_is_stored(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, offered, _ = offered_row(api, stack, db, make_professional)
    asked = send_code(api, bearer(stack, user), {"clientId": str(offered), "channel": "email"})
    assert asked.status_code == 202, asked.text
    assert asked.json()["sentTo"] == "A•••@EXAMPLE.COM"  # the row's own spelling
    [code_row] = rows(db, "SELECT * FROM verification_codes WHERE user_id = :u", u=user)
    code = sent_codes(db, code_row["destination"])[0]["params"]["code"]
    assert (code_row["purpose"], code_row["channel"], code_row["client_id"]) == (
        "claim",
        "email",
        offered,
    )
    stored = bytes(code_row["code_hash"])
    assert code.encode() not in stored
    assert stored != hashlib.sha256(code.encode()).digest()


def test_a_row_that_is_not_offered_is_one_404_whatever_the_reason(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, offered, phone = offered_row(api, stack, db, make_professional)
    stranger_pro = new_professional(make_professional)
    strangers_row = add_client(db, stranger_pro, email="someone.else@example.com")
    someone_elses = add_client(db, new_professional(make_professional), email=None)
    db.run("UPDATE clients SET phone = :ph WHERE id = :c", ph=phone, c=someone_elses)
    db.run("UPDATE clients SET user_id = 'someone-else' WHERE id = :c", c=someone_elses)
    without_email = add_client(db, new_professional(make_professional), email=None)
    db.run("UPDATE clients SET phone = :ph WHERE id = :c", ph=phone, c=without_email)
    [mine] = rows(db, "SELECT id FROM clients WHERE user_id = :u", u=user)
    cases = {
        "unknown id": (str(uuid.uuid4()), "whatsapp", user),
        "another person's row": (str(strangers_row), "whatsapp", user),
        "claimed by someone else": (str(someone_elses), "whatsapp", user),
        "a channel the row lacks": (str(without_email), "email", user),
        "one's own row": (str(mine["id"]), "whatsapp", user),
        "no client account": (str(offered), "whatsapp", new_user()),
    }
    answers = {
        reason: send_code(api, bearer(stack, who), {"clientId": row, "channel": channel})
        for reason, (row, channel, who) in cases.items()
    }
    for reason, answer in answers.items():
        error = assert_error(answer, 404, "NOT_FOUND")
        assert error["message"] == "No client record to claim here", reason
    assert rows(db, "SELECT 1 FROM verification_codes WHERE user_id = :u", u=user) == []


def test_a_wrong_code_is_refused_then_the_code_dies_then_tries_are_rate_limited(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, offered, phone = offered_row(api, stack, db, make_professional)
    headers = bearer(stack, user)
    assert send_code(
        api, headers, {"clientId": str(offered), "channel": "whatsapp"}
    ).status_code == (202)
    code = last_code(db, phone)
    attempt = {"clientId": str(offered), "code": wrong(code)}

    for _ in range(5):
        error = assert_error(claim(api, headers, attempt), 403, "FORBIDDEN")
        assert error["fields"] == {"code": "is wrong or has expired"}
    # Five wrong tries killed it: the right digits no longer claim the row.
    assert_error(claim(api, headers, {**attempt, "code": code}), 403, "FORBIDDEN")
    assert client_row(db, offered)["user_id"] is None
    [code_row] = rows(db, "SELECT attempts FROM verification_codes WHERE user_id = :u", u=user)
    assert code_row["attempts"] == 5

    # Tries across codes are capped too: 10 in a quarter of an hour, then 429.
    answers = [claim(api, headers, attempt) for _ in range(5)]
    assert [a.status_code for a in answers] == [403, 403, 403, 403, 429]
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert_error(answers[-1], 429, "RATE_LIMITED")


def test_a_new_code_supersedes_the_old_and_a_used_code_is_spent(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, offered, phone = offered_row(api, stack, db, make_professional)
    headers = bearer(stack, user)
    body = {"clientId": str(offered), "channel": "whatsapp"}
    assert send_code(api, headers, body).status_code == 202
    old = last_code(db, phone)
    assert send_code(api, headers, body).status_code == 202
    new = last_code(db, phone)
    if new != old:
        assert_error(claim(api, headers, {"clientId": str(offered), "code": old}), 403, "FORBIDDEN")
    assert claim(api, headers, {"clientId": str(offered), "code": new}).status_code == 200
    # Claimed now: the same request again answers the row, nothing changes.
    again = claim(api, headers, {"clientId": str(offered), "code": new})
    assert again.status_code == 200, again.text
    live = rows(
        db,
        "SELECT 1 FROM verification_codes WHERE user_id = :u AND consumed_at IS NULL",
        u=user,
    )
    assert live == []


def test_code_requests_are_rate_limited_per_sign_in(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, offered, _ = offered_row(api, stack, db, make_professional)
    headers = bearer(stack, user)
    body = {"clientId": str(offered), "channel": "whatsapp"}
    answers = [send_code(api, headers, body) for _ in range(6)]
    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert_error(answers[-1], 429, "RATE_LIMITED")


def test_a_row_claimed_by_another_before_the_code_came_back_is_409(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, offered, phone = offered_row(api, stack, db, make_professional)
    headers = bearer(stack, user)
    assert send_code(
        api, headers, {"clientId": str(offered), "channel": "whatsapp"}
    ).status_code == (202)
    other = claimed_account(api, stack, db, offered)

    answer = claim(api, headers, {"clientId": str(offered), "code": last_code(db, phone)})

    assert_error(answer, 409, "ALREADY_CLAIMED")
    assert client_row(db, offered)["user_id"] == other
