"""The messages routes over HTTP, through the gateway and the real database: both sides write
and read a thread (signed in, and through the guest link), opening it marks the other side's
messages read, pages go back in time by cursor, the text is stored and answered as text, bad
input is a 400 naming the fields, and the rate limit answers 429 with Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import MessageOut, MessageThread
from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer
from tests.conftest import MakeProfessional
from tests.e2e.test_booking_api import assert_error
from tests.message_helpers import (
    Thread,
    guest_read,
    guest_write,
    new_thread,
    notices,
    queued_for,
    read,
    stored,
    write,
)

pytestmark = pytest.mark.e2e


def private(answer: requests.Response) -> requests.Response:
    assert answer.headers.get("cache-control") == "no-store", answer.headers
    return answer


def thread_of(answer: requests.Response) -> dict[str, Any]:
    assert private(answer).status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    MessageThread.model_validate(body)
    return body


def sent(answer: requests.Response) -> dict[str, Any]:
    assert private(answer).status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    MessageOut.model_validate(body)
    return body


def refused_fields(answer: requests.Response) -> set[str]:
    """The fields a 400 names."""
    assert_error(answer, 400, "VALIDATION_FAILED")
    return set(answer.json()["error"]["fields"])


@pytest.fixture
def thread(
    db: pg8000.native.Connection, stack: LocalStack, make_professional: MakeProfessional
) -> Thread:
    return new_thread(db, stack, make_professional)


def test_both_sides_write_and_read_one_thread(
    api: str, stack: LocalStack, db: pg8000.native.Connection, thread: Thread
) -> None:
    pro, client = bearer(stack, thread.pro.user_id), bearer(stack, thread.client_user)

    first = sent(write(api, pro, {"clientId": str(thread.client_id), "text": "Oi, Maria!"}))
    assert (first["sender"], first["text"], first["readAt"]) == ("professional", "Oi, Maria!", None)

    # The signed-in client opens it: the professional's message was unread, and now is read.
    seen = thread_of(read(api, client, thread.client_id))
    assert seen["clientId"] == str(thread.client_id)
    assert seen["professional"] == {"name": f"Dra. {thread.pro.slug}", "slug": thread.pro.slug}
    assert seen["client"] == {"name": "Maria Silva"}
    assert seen["unreadCount"] == 1
    [item] = seen["items"]
    assert (item["id"], item["sender"]) == (first["id"], "professional")
    assert item["readAt"] is not None

    # Through the guest link the client answers; then signed in, once more.
    by_link = sent(guest_write(api, thread.appointment, {"token": thread.token, "text": "Oi!"}))
    assert by_link["sender"] == "client"
    signed_in = sent(write(api, client, {"clientId": str(thread.client_id), "text": "Até lá"}))
    assert signed_in["sender"] == "client"

    mine = thread_of(read(api, pro, thread.client_id))
    assert mine["unreadCount"] == 2
    assert [i["id"] for i in mine["items"]] == [first["id"], by_link["id"], signed_in["id"]]
    assert mine["nextCursor"] is None
    # The guest link reads the same thread; the professional's message was read already.
    guest = thread_of(guest_read(api, thread.appointment, thread.token))
    assert [i["id"] for i in guest["items"]] == [i["id"] for i in mine["items"]]
    assert guest["unreadCount"] == 0

    assert [(m["sender"], m["body"], m["channel"]) for m in stored(db, thread.client_id)] == [
        ("professional", "Oi, Maria!", "app"),
        ("client", "Oi!", "app"),
        ("client", "Até lá", "app"),
    ]
    # One notice per message, for the other side, in the professional's language.
    assert [(n["recipient"], n["title"]) for n in notices(db, thread.client_id)] == [
        ("client", f"Nova mensagem de Dra. {thread.pro.slug}"),
        ("professional", "Nova mensagem de Maria Silva"),
        ("professional", "Nova mensagem de Maria Silva"),
    ]
    assert all(
        n["data"]["clientId"] == str(thread.client_id) for n in notices(db, thread.client_id)
    )
    # The registered client sees theirs among their notifications.
    inbox = requests.get(f"{api}/api/notifications", headers=client, timeout=30).json()
    assert [n["title"] for n in inbox["items"] if n["type"] == "message"] == [
        f"Nova mensagem de Dra. {thread.pro.slug}"
    ]
    # And the messages to the other side are in the outbox, keyed by the message.
    assert {(p["template"], p["channel"]) for p in queued_for(db, first["id"])} == {
        ("message_to_client", "whatsapp"),
        ("message_to_client", "email"),
    }
    to_client = queued_for(db, first["id"])[0]["params"]
    assert to_client["replyUrl"].endswith("#messages")
    assert f"/manage/{thread.appointment}?token=" in to_client["replyUrl"]
    assert {p["template"] for p in queued_for(db, by_link["id"])} == {"message_to_professional"}


def test_markup_is_stored_and_answered_as_text(
    api: str, stack: LocalStack, db: pg8000.native.Connection, thread: Thread
) -> None:
    script = '<script>alert("x")</script>\n<b>oi</b> & até'
    answer = sent(
        write(
            api,
            bearer(stack, thread.pro.user_id),
            {"clientId": str(thread.client_id), "text": script},
        )
    )
    assert answer["text"] == script
    assert stored(db, thread.client_id)[0]["body"] == script
    opened = guest_read(api, thread.appointment, thread.token)
    assert opened.headers["content-type"].startswith("application/json")
    assert thread_of(opened)["items"][0]["text"] == script
    # The email escapes it; WhatsApp gets it as one plain line.
    [whatsapp, email] = queued_for(db, answer["id"])
    assert (whatsapp["channel"], email["channel"]) == ("whatsapp", "email")
    from agenda.domain.messages import render

    html = render("message_to_client", "email", email["params"], audience="client").html
    assert html is not None
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_the_thread_pages_back_in_time(
    api: str, stack: LocalStack, db: pg8000.native.Connection, thread: Thread
) -> None:
    start = datetime.now(UTC) - timedelta(hours=2)
    for n in range(7):
        db.run(
            "INSERT INTO messages (professional_id, client_id, sender, body, created_at)"
            " VALUES (:p, :c, :s, :b, :at)",
            p=thread.pro.id,
            c=thread.client_id,
            s="client" if n % 2 else "professional",
            b=f"message {n}",
            at=start + timedelta(minutes=n),
        )
    pro = bearer(stack, thread.pro.user_id)
    pages, cursor = [], None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = thread_of(read(api, pro, thread.client_id, **params))
        pages.append([item["text"] for item in page["items"]])
        cursor = page["nextCursor"]
        if cursor is None:
            break
    # The latest first, newest last within each page; no gap, no repeat.
    assert pages == [
        ["message 4", "message 5", "message 6"],
        ["message 1", "message 2", "message 3"],
        ["message 0"],
    ]
    assert len(thread_of(read(api, pro, thread.client_id))["items"]) == 7  # default 50


def test_opening_a_thread_marks_only_the_other_sides_messages(
    api: str, stack: LocalStack, db: pg8000.native.Connection, thread: Thread
) -> None:
    pro, client = bearer(stack, thread.pro.user_id), bearer(stack, thread.client_user)
    for text in ("um", "dois", "três"):
        sent(guest_write(api, thread.appointment, {"token": thread.token, "text": text}))
    sent(write(api, pro, {"clientId": str(thread.client_id), "text": "resposta"}))

    # The client's own reading marks only the professional's message.
    assert thread_of(read(api, client, thread.client_id))["unreadCount"] == 1
    unread = {m["body"] for m in stored(db, thread.client_id) if m["read_at"] is None}
    assert unread == {"um", "dois", "três"}

    opened = thread_of(read(api, pro, thread.client_id))
    assert opened["unreadCount"] == 3
    assert all(item["readAt"] is not None for item in opened["items"])
    assert thread_of(read(api, pro, thread.client_id))["unreadCount"] == 0
    assert all(m["read_at"] is not None for m in stored(db, thread.client_id))


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"text": "oi"}, {"clientId"}),
        ({"clientId": "CLIENT"}, {"text"}),
        ({"clientId": "CLIENT", "text": "   \n "}, {"text"}),
        ({"clientId": "CLIENT", "text": "a" * 2001}, {"text"}),
        ({"clientId": "CLIENT", "text": "oi\x07"}, {"text"}),
        ({"clientId": "CLIENT", "text": 42}, {"text"}),
        ({"clientId": "not-a-uuid", "text": "oi"}, {"clientId"}),
    ],
)
def test_bad_input_is_400_naming_the_fields(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    thread: Thread,
    body: dict[str, Any],
    fields: set[str],
) -> None:
    body = {k: str(thread.client_id) if v == "CLIENT" else v for k, v in body.items()}
    answer = private(write(api, bearer(stack, thread.pro.user_id), body))
    assert refused_fields(answer) == fields
    guest_body = {"token": thread.token, **{k: v for k, v in body.items() if k != "clientId"}}
    if "text" in fields:
        assert refused_fields(guest_write(api, thread.appointment, guest_body)) == {"text"}
    assert stored(db, thread.client_id) == []
    assert notices(db, thread.client_id) == []


def test_two_thousand_characters_are_taken(
    api: str, stack: LocalStack, db: pg8000.native.Connection, thread: Thread
) -> None:
    text = "é" * 2000
    answer = sent(guest_write(api, thread.appointment, {"token": thread.token, "text": text}))
    assert answer["text"] == text
    assert len(stored(db, thread.client_id)[0]["body"]) == 2000


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"clientId"}),
        ({"clientId": "CLIENT", "limit": "0"}, {"limit"}),
        ({"clientId": "CLIENT", "limit": "101"}, {"limit"}),
        ({"clientId": "CLIENT", "cursor": "%%%"}, {"cursor"}),
    ],
)
def test_bad_queries_are_400(
    api: str, stack: LocalStack, thread: Thread, params: dict[str, str], fields: set[str]
) -> None:
    params = {k: str(thread.client_id) if v == "CLIENT" else v for k, v in params.items()}
    answer = requests.get(
        f"{api}/api/messages", params=params, headers=bearer(stack, thread.pro.user_id), timeout=30
    )
    assert refused_fields(private(answer)) == fields
    if "clientId" not in fields:
        guest = guest_read(
            api,
            thread.appointment,
            thread.token,
            **{k: v for k, v in params.items() if k != "clientId"},
        )
        assert refused_fields(guest) == fields


def test_a_malformed_client_id_is_a_missing_thread(
    api: str, stack: LocalStack, thread: Thread
) -> None:
    answer = private(read(api, bearer(stack, thread.pro.user_id), "not-a-uuid"))
    assert_error(answer, 404, "NOT_FOUND")


def test_an_anonymised_client_has_no_thread(
    api: str, stack: LocalStack, db: pg8000.native.Connection, thread: Thread
) -> None:
    db.run("UPDATE clients SET anonymised_at = now() WHERE id = :c", c=thread.client_id)
    pro = bearer(stack, thread.pro.user_id)
    assert_error(read(api, pro, thread.client_id), 404, "NOT_FOUND")
    assert_error(
        write(api, pro, {"clientId": str(thread.client_id), "text": "oi"}), 404, "NOT_FOUND"
    )
    assert_error(guest_read(api, thread.appointment, thread.token), 404, "NOT_FOUND")
    assert stored(db, thread.client_id) == []


def test_each_sender_has_its_own_rate_limit(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    # Without an email, so each message is one delivery.
    thread = new_thread(db, stack, make_professional, email=None)
    db.run("UPDATE clients SET email = NULL WHERE id = :c", c=thread.client_id)
    pro = bearer(stack, thread.pro.user_id)
    body = {"clientId": str(thread.client_id), "text": "oi"}
    for _ in range(30):
        sent(write(api, pro, body))
    refused = private(write(api, pro, body))
    assert_error(refused, 429, "RATE_LIMITED")
    assert int(refused.headers["Retry-After"]) >= 1
    assert len(stored(db, thread.client_id)) == 30
    # The client is another sender: the guest link still writes.
    sent(guest_write(api, thread.appointment, {"token": thread.token, "text": "oi"}))
    assert len(stored(db, thread.client_id)) == 31


def test_the_signed_in_client_opens_the_thread_from_their_profile(
    api: str, stack: LocalStack, thread: Thread
) -> None:
    client = bearer(stack, thread.client_user)
    profile = requests.get(f"{api}/api/client-profile", headers=client, timeout=30)
    assert profile.status_code == 200, profile.text
    [appointment] = profile.json()["upcoming"]
    assert appointment["clientId"] == str(thread.client_id)
    sent(write(api, client, {"clientId": appointment["clientId"], "text": "Oi!"}))
    assert [i["text"] for i in thread_of(read(api, client, appointment["clientId"]))["items"]] == [
        "Oi!"
    ]
