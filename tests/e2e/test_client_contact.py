"""PATCH /api/client-profile and POST /api/client-profile/contact/confirm over HTTP on the local
stack: the name and language change at once, on the account and every claimed row; a new phone
or email changes only when the code sent to it comes back, and one another client of those
professionals holds is refused whole."""

from __future__ import annotations

import uuid

import pg8000.native
import pytest

from agenda.contract import ClientContactOut
from infra.local.stack import LocalStack
from tests.account_helpers import new_user
from tests.appointment_helpers import add_client, bearer, new_professional
from tests.client_claim_helpers import (
    claim,
    claimed_account,
    client_accounts,
    client_row,
    confirm_contact,
    delivered_code,
    invite,
    last_code,
    patch_contact,
    sent_codes,
    wrong,
)
from tests.conftest import MakeProfessional, rows
from tests.e2e.test_booking_api import assert_error

pytestmark = pytest.mark.e2e


def new_phone() -> tuple[str, str]:
    digits = f"{uuid.uuid4().int % 10**8:08d}"
    return f"(31) 9{digits[:4]}-{digits[4:]}", f"+55319{digits}"


def two_rows(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make: MakeProfessional
) -> tuple[str, list[uuid.UUID]]:
    """A client account holding a row with each of two professionals."""
    first = add_client(db, new_professional(make), name="Maria Silva")
    second = add_client(db, new_professional(make), name="Maria S.")
    user = claimed_account(api, stack, db, first)
    assert claim(api, bearer(stack, user), {"invite": invite(stack, second)}).status_code == 200
    return user, [first, second]


def test_name_and_language_apply_at_once_everywhere(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, claimed = two_rows(api, stack, db, make_professional)
    [before] = client_accounts(db, user)

    answer = patch_contact(api, bearer(stack, user), {"name": "  Maria   Souza ", "language": "en"})

    assert answer.status_code == 200, answer.text
    body = ClientContactOut.model_validate(answer.json())
    assert (body.name, body.language, body.phone, body.pending) == (
        "Maria Souza",
        "en",
        before["phone"],
        None,
    )
    [after] = client_accounts(db, user)
    assert (after["name"], after["language"]) == ("Maria Souza", "en")
    assert [client_row(db, c)["name"] for c in claimed] == ["Maria Souza", "Maria Souza"]
    assert sent_codes(db, before["phone"]) == []


def test_a_new_phone_changes_when_the_code_sent_to_it_comes_back(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, claimed = two_rows(api, stack, db, make_professional)
    headers = bearer(stack, user)
    [before] = client_accounts(db, user)
    typed, phone = new_phone()

    answer = patch_contact(api, headers, {"phone": typed})

    assert answer.status_code == 202, answer.text
    body = ClientContactOut.model_validate(answer.json())
    assert body.phone == before["phone"]  # nothing changed yet
    assert body.pending is not None
    assert (body.pending.channel, body.pending.sent_to) == ("whatsapp", "+55 •••••••" + phone[-4:])
    assert client_accounts(db, user) == [before]
    # The code goes to the NEW phone, never the old one.
    code = delivered_code(stack, phone.lstrip("+"))
    assert sent_codes(db, before["phone"]) == []

    refused = confirm_contact(api, headers, {"code": wrong(code)})
    assert assert_error(refused, 403, "FORBIDDEN")["fields"] == {"code": "is wrong or has expired"}
    assert client_accounts(db, user) == [before]

    confirmed = confirm_contact(api, headers, {"code": code})

    assert confirmed.status_code == 200, confirmed.text
    assert ClientContactOut.model_validate(confirmed.json()).phone == phone
    [after] = client_accounts(db, user)
    assert after["phone"] == phone
    assert [client_row(db, c)["phone"] for c in claimed] == [phone, phone]
    # Used up: the same code again changes nothing more.
    assert_error(confirm_contact(api, headers, {"code": code}), 403, "FORBIDDEN")


def test_a_new_email_is_confirmed_by_email_and_stored_in_lower_case(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, claimed = two_rows(api, stack, db, make_professional)
    headers = bearer(stack, user)
    email = f"Maria.Nova-{uuid.uuid4().hex[:6]}@Example.com"

    answer = patch_contact(api, headers, {"email": email})

    assert answer.status_code == 202, answer.text
    assert answer.json()["pending"]["channel"] == "email"
    code = last_code(db, email.lower())
    assert confirm_contact(api, headers, {"code": code}).status_code == 200
    assert client_accounts(db, user)[0]["email"] == email.lower()
    assert [client_row(db, c)["email"] for c in claimed] == [email.lower()] * 2


def test_a_phone_another_client_of_those_professionals_holds_is_refused_before_any_code(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, claimed = two_rows(api, stack, db, make_professional)
    [second_pro] = rows(db, "SELECT professional_id FROM clients WHERE id = :c", c=claimed[1])
    typed, phone = new_phone()
    db.run(
        "INSERT INTO clients (professional_id, name, phone) VALUES (:p, 'Outra Pessoa', :ph)",
        p=second_pro["professional_id"],
        ph=phone,
    )
    [before] = client_accounts(db, user)

    answer = patch_contact(api, bearer(stack, user), {"phone": typed, "name": "Maria Souza"})

    error = assert_error(answer, 409, "CONTACT_IN_USE")
    assert error["fields"] == {"phone": "is another client's already"}
    assert sent_codes(db, phone) == []
    # Refused whole: not even the name changed.
    assert client_accounts(db, user) == [before]
    assert client_row(db, claimed[0])["name"] == "Maria Silva"


def test_a_phone_taken_between_the_code_and_its_confirmation_writes_nothing(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    user, claimed = two_rows(api, stack, db, make_professional)
    headers = bearer(stack, user)
    typed, phone = new_phone()
    assert patch_contact(api, headers, {"phone": typed}).status_code == 202
    code = last_code(db, phone)
    [second_pro] = rows(db, "SELECT professional_id FROM clients WHERE id = :c", c=claimed[1])
    db.run(
        "INSERT INTO clients (professional_id, name, phone) VALUES (:p, 'Outra Pessoa', :ph)",
        p=second_pro["professional_id"],
        ph=phone,
    )
    [before] = client_accounts(db, user)
    rows_before = [client_row(db, c) for c in claimed]

    answer = confirm_contact(api, headers, {"code": code})

    assert_error(answer, 409, "CONTACT_IN_USE")
    assert client_accounts(db, user) == [before]
    assert [client_row(db, c) for c in claimed] == rows_before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"body"}),
        ({"name": "M"}, {"name"}),
        ({"language": "fr"}, {"language"}),
        ({"phone": "123"}, {"phone"}),
        ({"email": "nope"}, {"email"}),
        ({"phone": "(21) 99876-5432", "email": "a@example.com"}, {"email"}),
        ({"bio": "x"}, {"bio"}),
    ],
)
def test_bad_input_is_400_naming_the_fields(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    body: dict[str, object],
    fields: set[str],
) -> None:
    user = claimed_account(api, stack, db, add_client(db, new_professional(make_professional)))
    error = assert_error(patch_contact(api, bearer(stack, user), body), 400, "VALIDATION_FAILED")
    assert set(error["fields"]) == fields  # type: ignore[call-overload]


def test_a_sign_in_without_a_client_account_has_no_contact_to_change(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    for user in (new_user(), new_professional(make_professional).user_id):
        headers = bearer(stack, user)
        assert_error(
            patch_contact(api, headers, {"name": "Maria"}), 404, "CLIENT_PROFILE_NOT_FOUND"
        )
        assert_error(
            confirm_contact(api, headers, {"code": "123456"}), 404, "CLIENT_PROFILE_NOT_FOUND"
        )
