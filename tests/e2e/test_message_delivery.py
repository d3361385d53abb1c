"""A thread both ways, end to end: the professional writes, the client answers through the
guest link and then signed in, and each message reaches the other side exactly once by
WhatsApp and by email (through the outbox, the queue, the notifications consumer and the
providers' stand-ins), and in the app (GET /api/notifications) on both sides."""

from __future__ import annotations

import time
from collections import Counter

import pg8000.native
import pytest
import requests

from infra.local.providers import DeliveredMessage
from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer
from tests.conftest import MakeProfessional, rows
from tests.message_helpers import guest_read, guest_write, new_thread, read, write

pytestmark = pytest.mark.e2e


def delivered(stack: LocalStack, recipients: set[str], since: int) -> list[DeliveredMessage]:
    wanted = {r.lstrip("+") for r in recipients}
    return [m for m in stack.providers.messages()[since:] if m.recipient.lstrip("+") in wanted]


def wait_for_deliveries(
    stack: LocalStack, recipients: set[str], count: int, since: int
) -> list[DeliveredMessage]:
    """The stand-ins' records for the recipients once there are `count`, and a moment more so a
    surplus would show."""
    deadline = time.monotonic() + 45
    found: list[DeliveredMessage] = []
    while time.monotonic() < deadline:
        found = delivered(stack, recipients, since)
        if len(found) >= count:
            time.sleep(1.5)
            return delivered(stack, recipients, since)
        time.sleep(0.2)
    pytest.fail(f"{len(found)} of {count} messages delivered: {[m.subject for m in found]}")


def test_a_thread_both_ways_reaches_each_side_once_on_every_channel(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    thread = new_thread(db, stack, make_professional, name="Maria Souza")
    pro_email = f"{thread.pro.slug}@example.com"
    db.run("UPDATE professionals SET email = :e WHERE id = :p", e=pro_email, p=thread.pro.id)
    pro, client = bearer(stack, thread.pro.user_id), bearer(stack, thread.client_user)
    pro_name = f"Dra. {thread.pro.slug}"
    since = len(stack.providers.messages())

    question = write(
        api,
        pro,
        {"clientId": str(thread.client_id), "text": "Oi, Maria!\nTudo certo para segunda?"},
    )
    assert question.status_code == 201, question.text
    by_link = guest_write(
        api, thread.appointment, {"token": thread.token, "text": "Tudo certo, obrigada!"}
    )
    assert by_link.status_code == 201, by_link.text
    signed_in = write(
        api, client, {"clientId": str(thread.client_id), "text": "Levo os exames <b>impressos</b>."}
    )
    assert signed_in.status_code == 201, signed_in.text

    to_client = {thread.client_phone, thread.client_email}
    to_pro = {thread.pro.phone, pro_email}
    got = wait_for_deliveries(stack, to_client | to_pro, 6, since)
    per_recipient = Counter((m.channel, m.recipient.lstrip("+")) for m in got)
    # One message to the client on each channel, two to the professional on each: no more.
    assert per_recipient == {
        ("whatsapp", thread.client_phone.lstrip("+")): 1,
        ("email", thread.client_email): 1,
        ("whatsapp", thread.pro.phone.lstrip("+")): 2,
        ("email", pro_email): 2,
    }
    for_client = [m for m in got if m.recipient.lstrip("+") in {r.lstrip("+") for r in to_client}]
    for message in for_client:
        if message.channel == "email":  # a WhatsApp message has no subject
            assert message.subject == f"Nova mensagem de {pro_name}"
        assert "Oi, Maria! Tudo certo para segunda?" in (message.text or "")
        assert f"/manage/{thread.appointment}?token=" in (message.text or "")
        assert "#messages" in (message.text or "")
    for_pro = [m for m in got if m not in for_client]
    assert {m.subject for m in for_pro if m.channel == "email"} == {"Nova mensagem de Maria Souza"}
    for channel in ("whatsapp", "email"):
        texts = " | ".join(m.text or "" for m in for_pro if m.channel == channel)
        assert "Tudo certo, obrigada!" in texts
        assert "Levo os exames <b>impressos</b>." in texts
    # Each opens the thread on the professional's dashboard (behind their sign-in).
    thread_link = f"{stack.app_base_url}/dashboard/clients/{thread.client_id}#messages"
    assert all(thread_link in (m.text or "") for m in for_pro)
    # The email escapes what the client typed; its plain text shows it as typed.
    pro_emails = [m for m in for_pro if m.channel == "email"]
    assert any("&lt;b&gt;impressos&lt;/b&gt;" in (m.html or "") for m in pro_emails)
    assert all("<b>" not in (m.html or "") for m in pro_emails)

    # One delivery record per message and channel, each sent.
    ids = [question.json()["id"], by_link.json()["id"], signed_in.json()["id"]]
    records = rows(
        db,
        "SELECT message_key, status FROM notification_deliveries"
        " WHERE split_part(message_key, ':', 1) = ANY(:ids) ORDER BY message_key",
        ids=ids,
    )
    assert len(records) == 6
    assert {r["status"] for r in records} == {"sent"}

    # In the app: the client's notice of the professional's message, the professional's two.
    def titles(headers: dict[str, str]) -> list[str]:
        inbox = requests.get(f"{api}/api/notifications", headers=headers, timeout=30)
        assert inbox.status_code == 200, inbox.text
        return [n["title"] for n in inbox.json()["items"] if n["type"] == "message"]

    assert titles(client) == [f"Nova mensagem de {pro_name}"]
    assert titles(pro) == ["Nova mensagem de Maria Souza"] * 2

    # And the thread reads the same from every side.
    thread_items = read(api, pro, thread.client_id).json()["items"]
    assert [i["id"] for i in thread_items] == ids
    assert [
        i["id"] for i in guest_read(api, thread.appointment, thread.token).json()["items"]
    ] == ids
