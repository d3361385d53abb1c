"""The professional's client list over HTTP (docs/client-relationship.md, "Clients"): the four
routes through the local gateway, bad input, the refusals, the record of changes, the rate
limit, and `Cache-Control: no-store` on every answer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import ClientDetailOut, ClientPage, ErrorResponse
from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, add_client, bearer, new_professional
from tests.client_profile_helpers import client_row, new_client_user, new_phone, register
from tests.conftest import MakeProfessional, Professional, rows

pytestmark = pytest.mark.e2e


# -- calls, shared with the matrix and the concurrency tests ----------------------------------


def list_clients(api: str, headers: dict[str, str], **params: str) -> requests.Response:
    return requests.get(f"{api}/api/clients", params=params, headers=headers, timeout=30)


def add(api: str, headers: dict[str, str], body: object) -> requests.Response:
    return requests.post(f"{api}/api/clients", json=body, headers=headers, timeout=30)


def get_client(
    api: str, headers: dict[str, str], client_id: uuid.UUID | str, **params: str
) -> requests.Response:
    return requests.get(
        f"{api}/api/clients/{client_id}", params=params, headers=headers, timeout=30
    )


def change(
    api: str, headers: dict[str, str], client_id: uuid.UUID | str, body: object
) -> requests.Response:
    return requests.patch(f"{api}/api/clients/{client_id}", json=body, headers=headers, timeout=30)


def refused(answer: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["cache-control"] == "no-store"
    payload = answer.json()
    ErrorResponse.model_validate(payload)
    assert payload["error"]["code"] == code
    error: dict[str, Any] = payload["error"]
    return error


def client_state(db: pg8000.native.Connection, client_id: uuid.UUID) -> dict[str, Any]:
    [row] = rows(
        db,
        "SELECT name, phone, email, tags, source, updated_at FROM clients WHERE id = :c",
        c=client_id,
    )
    return row


def client_changes(db: pg8000.native.Connection, professional_id: uuid.UUID) -> list[Any]:
    return db.run(
        "SELECT client_id, action, fields, actor_role FROM client_changes"
        " WHERE professional_id = :p ORDER BY created_at, id",
        p=professional_id,
    )


def pro_headers(stack: LocalStack, pro: Professional) -> dict[str, str]:
    return bearer(stack, pro.user_id)


# -- the list ---------------------------------------------------------------------------------


def test_the_list_with_search_and_pages(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = pro_headers(stack, pro)
    maria = client_row(db, pro, phone="+5511987654321", email="maria@example.com", name="Maria")
    for name in ("Élise", "bruno", "Carla", "Ângela"):
        add_client(db, pro, name=name, email=None)
    past = datetime.now(UTC) - timedelta(days=3)
    add_appointment(db, pro, maria, past, status="completed")

    answer = list_clients(api, headers, limit="2")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    first = ClientPage.model_validate(answer.json())
    assert [item.name for item in first.items] == ["Ângela", "bruno"]
    assert first.next_cursor is not None
    rest = list_clients(api, headers, limit="10", cursor=first.next_cursor).json()
    assert [item["name"] for item in rest["items"]] == ["Carla", "Élise", "Maria"]
    assert rest["nextCursor"] is None

    item = rest["items"][-1]
    assert item["phone"] == "+5511987654321"
    assert item["counts"] == {"sessions": 1, "noShows": 0, "cancellations": 0}
    assert item["owed"] == {"amount": 150.0, "currency": "BRL"}
    assert item["lastAppointment"]["status"] == "completed"
    assert item["nextAppointment"] is None
    assert item["source"] == "booking"

    for q, expected in (("angela", ["Ângela"]), ("98765", ["Maria"]), ("MARIA@EX", ["Maria"])):
        found = list_clients(api, headers, q=q).json()
        assert [i["name"] for i in found["items"]] == expected, q


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"limit": "0"}, {"limit"}),
        ({"limit": "101"}, {"limit"}),
        ({"limit": "x"}, {"limit"}),
        ({"q": "a" * 101}, {"q"}),
        ({"cursor": "not-a-cursor"}, {"cursor"}),
        ({"q": "a" * 101, "limit": "0"}, {"q", "limit"}),
    ],
)
def test_a_bad_query_is_a_400_naming_every_field(
    api: str,
    stack: LocalStack,
    make_professional: MakeProfessional,
    params: dict[str, str],
    fields: set[str],
) -> None:
    pro = new_professional(make_professional)
    error = refused(list_clients(api, pro_headers(stack, pro), **params), 400, "VALIDATION_FAILED")
    assert set(error["fields"]) == fields


def test_a_sign_in_without_a_professional_account_is_404_as_the_account_answers(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    user = new_client_user()
    register(db, user, phone=new_phone())
    headers = bearer(stack, user)
    account = requests.get(f"{api}/api/account", headers=headers, timeout=30)
    expected = refused(list_clients(api, headers), 404, "NOT_FOUND")
    assert account.status_code == 404
    assert expected["message"] == account.json()["error"]["message"]
    refused(add(api, headers, {"name": "Ana", "phone": new_phone()}), 404, "NOT_FOUND")
    refused(get_client(api, headers, uuid.uuid4()), 404, "NOT_FOUND")
    refused(change(api, headers, uuid.uuid4(), {"name": "Ana"}), 404, "NOT_FOUND")


# -- adding a client --------------------------------------------------------------------------


def test_adding_a_client_by_hand(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = pro_headers(stack, pro)
    answer = add(
        api,
        headers,
        {
            "name": "  João   Pereira ",
            "phone": "(11) 97654-3210",
            "email": " Joao@Example.COM ",
            "tags": ["Online", " online ", "casal"],
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = ClientDetailOut.model_validate(answer.json())
    assert (body.name, body.phone, body.email, body.tags) == (
        "João Pereira",
        "+5511976543210",
        "joao@example.com",
        ["Online", "casal"],
    )
    assert body.source == "professional"
    assert body.appointments == []
    assert [(c.action, c.fields, c.by) for c in body.changes] == [
        ("created", ["name", "phone", "email", "tags"], "professional")
    ]
    state = client_state(db, body.id)
    assert (state["source"], state["tags"]) == ("professional", ["Online", "casal"])
    assert client_changes(db, pro.id) == [
        [body.id, "created", ["name", "phone", "email", "tags"], "professional"]
    ]
    # The same client is now found like any other.
    found = list_clients(api, headers, q="joao").json()["items"]
    assert [item["id"] for item in found] == [str(body.id)]


def test_a_phone_or_email_another_client_has_is_409_naming_them(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = pro_headers(stack, pro)
    existing = client_row(db, pro, phone="+5511912345678", email="ana@example.com")
    before = db.run("SELECT count(*) FROM clients WHERE professional_id = :p", p=pro.id)

    by_phone = refused(
        add(api, headers, {"name": "Outra", "phone": "11 91234-5678"}), 409, "CLIENT_EXISTS"
    )
    assert by_phone["clientId"] == str(existing)
    assert set(by_phone["fields"]) == {"phone"}
    by_email = refused(
        add(api, headers, {"name": "Outra", "phone": new_phone(), "email": "ANA@example.com"}),
        409,
        "CLIENT_EXISTS",
    )
    assert by_email["clientId"] == str(existing)
    assert set(by_email["fields"]) == {"email"}
    assert db.run("SELECT count(*) FROM clients WHERE professional_id = :p", p=pro.id) == before
    assert client_changes(db, pro.id) == []
    # Another professional's client with that phone is no clash: a client is per professional.
    elsewhere = new_professional(make_professional)
    answer = add(api, pro_headers(stack, elsewhere), {"name": "Ana", "phone": "+5511912345678"})
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"phone": "(11) 98765-4321"}, {"name"}),
        ({"name": "Ana"}, {"phone"}),
        ({"name": "A", "phone": "123"}, {"name", "phone"}),
        ({"name": "Ana", "phone": "(11) 98765-4321", "email": "nope"}, {"email"}),
        ({"name": "Ana", "phone": "(11) 98765-4321", "tags": ["x"] * 21}, {"tags"}),
        ({"name": "Ana", "phone": "(11) 98765-4321", "tags": ["a\nb"]}, {"tags"}),
        ({"name": "Ana", "phone": "(11) 98765-4321", "source": "booking"}, {"source"}),
    ],
)
def test_a_bad_new_client_is_a_400_and_writes_nothing(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    body: dict[str, Any],
    fields: set[str],
) -> None:
    pro = new_professional(make_professional)
    error = refused(add(api, pro_headers(stack, pro), body), 400, "VALIDATION_FAILED")
    assert set(error["fields"]) == fields
    assert db.run("SELECT count(*) FROM clients WHERE professional_id = :p", p=pro.id) == [[0]]


@pytest.mark.parametrize("raw", ["", "not json", "[1, 2]"])
def test_a_body_that_is_no_json_object_is_a_400(
    api: str, stack: LocalStack, make_professional: MakeProfessional, raw: str
) -> None:
    pro = new_professional(make_professional)
    headers = {**pro_headers(stack, pro), "content-type": "application/json"}
    answer = requests.post(f"{api}/api/clients", data=raw, headers=headers, timeout=30)
    refused(answer, 400, "VALIDATION_FAILED")


# -- a client's page --------------------------------------------------------------------------


def test_a_client_with_history_in_pages_and_its_audit_trail(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = pro_headers(stack, pro)
    client = add_client(db, pro)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    made = [add_appointment(db, pro, client, start - timedelta(days=n)) for n in range(5)]
    # A real change through the API, so the trail is the lifecycle's own.
    confirmed = requests.patch(
        f"{api}/api/appointments/{made[0]}",
        json={"action": "cancel", "reason": "viagem"},
        headers=headers,
        timeout=30,
    )
    assert confirmed.status_code == 200, confirmed.text

    answer = get_client(api, headers, client, limit="3")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = ClientDetailOut.model_validate(answer.json())
    assert [a.id for a in body.appointments] == made[:3]
    newest = body.appointments[0]
    assert newest.status == "cancelled"
    assert [(c.action, c.from_status, c.to_status, c.by, c.reason) for c in newest.changes] == [
        ("cancel", "confirmed", "cancelled", "professional", "viagem")
    ]
    assert newest.price == 150.0
    assert newest.starts_at.utcoffset() == timedelta(hours=-3)  # the professional's zone
    assert body.appointments_cursor is not None
    more = get_client(api, headers, client, cursor=body.appointments_cursor).json()
    assert [a["id"] for a in more["appointments"]] == [str(a) for a in made[3:]]
    assert more["appointmentsCursor"] is None


@pytest.mark.parametrize("which", ["missing", "malformed", "another-professionals"])
def test_a_client_that_is_not_yours_is_404_like_a_missing_one(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    which: str,
) -> None:
    pro, other = new_professional(make_professional), new_professional(make_professional)
    theirs = add_client(db, other)
    target = {
        "missing": str(uuid.uuid4()),
        "malformed": "12345",
        "another-professionals": str(theirs),
    }[which]
    headers = pro_headers(stack, pro)
    before = client_state(db, theirs)
    messages = set()
    for answer in (
        get_client(api, headers, target),
        change(api, headers, target, {"name": "Trocado"}),
    ):
        messages.add(refused(answer, 404, "NOT_FOUND")["message"])
    assert messages == {"We could not find this client"}
    assert client_state(db, theirs) == before
    assert client_changes(db, other.id) == []


# -- changing a client ------------------------------------------------------------------------


def test_changes_are_recorded_by_the_fields_that_changed(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = pro_headers(stack, pro)
    client = client_row(db, pro, phone="+5511911110000", email="old@example.com", name="Ana")

    answer = change(api, headers, client, {"email": None, "tags": ["online"], "name": "Ana"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert (body["email"], body["tags"], body["name"]) == (None, ["online"], "Ana")
    assert [(c["action"], c["fields"]) for c in body["changes"]] == [("updated", ["email", "tags"])]
    # Nothing changes: 200, and nothing recorded.
    again = change(api, headers, client, {"tags": ["online"], "phone": "(11) 91111-0000"})
    assert again.status_code == 200, again.text
    assert client_changes(db, pro.id) == [[client, "updated", ["email", "tags"], "professional"]]
    renamed = change(api, headers, client, {"name": "Ana Paula", "phone": "21 99999-0000"})
    assert (renamed.json()["name"], renamed.json()["phone"]) == ("Ana Paula", "+5521999990000")
    assert client_changes(db, pro.id)[-1] == [client, "updated", ["name", "phone"], "professional"]


def test_a_change_to_another_clients_phone_or_email_is_409(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = pro_headers(stack, pro)
    other = client_row(db, pro, phone="+5511922223333", email="other@example.com")
    client = client_row(db, pro, phone="+5511944445555", email="me@example.com")
    before = client_state(db, client)
    for body, field in (
        ({"phone": "11922223333"}, "phone"),
        ({"email": "Other@Example.com"}, "email"),
    ):
        error = refused(change(api, headers, client, body), 409, "CLIENT_EXISTS")
        assert (set(error["fields"]), error["clientId"]) == ({field}, str(other))
    assert client_state(db, client) == before
    assert client_changes(db, pro.id) == []


def test_an_anonymised_client_cannot_be_changed(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    gone = client_row(db, pro, phone=new_phone(), anonymised=True, name="Cliente removido")
    before = client_state(db, gone)
    refused(change(api, pro_headers(stack, pro), gone, {"name": "Maria"}), 409, "CLIENT_ANONYMISED")
    assert client_state(db, gone) == before
    listed = list_clients(api, pro_headers(stack, pro)).json()["items"]
    assert [(i["anonymised"], i["phone"], i["email"]) for i in listed] == [(True, None, None)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"name": None}, "name"),
        ({"phone": None}, "phone"),
        ({"tags": None}, "tags"),
        ({"source": "professional"}, "source"),
        ({"registered": True}, "registered"),
        ({"email": "nope"}, "email"),
    ],
)
def test_a_bad_change_is_a_400_and_changes_nothing(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    body: dict[str, Any],
    field: str,
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    before = client_state(db, client)
    error = refused(change(api, pro_headers(stack, pro), client, body), 400, "VALIDATION_FAILED")
    assert field in error["fields"]
    assert client_state(db, client) == before


def test_errors_follow_the_accept_language(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = {**pro_headers(stack, pro), "accept-language": "pt-BR"}
    error = refused(get_client(api, headers, uuid.uuid4()), 404, "NOT_FOUND")
    assert error["message"] == "Não encontramos este cliente"


def test_writes_count_against_the_clients_rate_limit(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = pro_headers(stack, pro)
    client = add_client(db, pro)
    for n in range(60):
        answer = change(api, headers, client, {"tags": [f"t{n % 2}"]})
        assert answer.status_code == 200, (n, answer.text)
    assert list_clients(api, headers).status_code == 200  # reads are not counted
    limited = change(api, headers, client, {"tags": ["again"]})
    refused(limited, 429, "RATE_LIMITED")
    assert int(limited.headers["retry-after"]) > 0
    refused(add(api, headers, {"name": "Ana", "phone": new_phone()}), 429, "RATE_LIMITED")


def test_a_client_added_by_hand_counts_against_the_plans_cap(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    # The free plan's cap is 10 clients, a booking's new client and a client added by hand alike.
    pro = new_professional(make_professional, plan="free")
    db.run("UPDATE professionals SET trial_ends_at = NULL WHERE id = :p", p=pro.id)
    headers = pro_headers(stack, pro)
    for _ in range(9):
        add_client(db, pro)
    tenth = add(api, headers, {"name": "Décima Cliente", "phone": new_phone()})
    assert tenth.status_code == 201, tenth.text
    error = refused(
        add(api, headers, {"name": "Além do Plano", "phone": new_phone()}),
        403,
        "PLAN_LIMIT_REACHED",
    )
    assert "plan" in error["message"]
    [[held]] = db.run("SELECT count(*) FROM clients WHERE professional_id = :p", p=pro.id)
    assert held == 10
    # A paying plan has no cap.
    db.run(
        "UPDATE professionals SET plan = 'pro', subscription_status = 'active' WHERE id = :p",
        p=pro.id,
    )
    assert add(api, headers, {"name": "Com Plano", "phone": new_phone()}).status_code == 201
