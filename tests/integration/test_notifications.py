"""Notifications are never lost and never sent twice, through the real queue and consumer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pg8000.native
import pytest

from infra.dlq import list_messages, redrive
from infra.local.sqs import ensure_queue_pair
from infra.local.stack import LocalStack
from tests.conftest import CHILD_ENV, ROOT, rows, state_dir

pytestmark = pytest.mark.integration


def unique_phone() -> str:
    """A number no other test books with, so what reached it came from this test."""
    return f"55219{uuid.uuid4().int % 10**8:08d}"


def envelope(key: str, channel: str, to: str, template: str = "booking_request") -> dict[str, Any]:
    return {
        "messageKey": key,
        "template": template,
        "channel": channel,
        "audience": "professional",
        "to": to,
        "params": {
            "professionalName": "Dra. Ana Souza",
            "clientName": "Maria Silva",
            "startsAt": "2030-01-07T09:00:00-03:00",
            "timezone": "America/Sao_Paulo",
            "status": "pending_confirmation",
        },
    }


def send(stack: LocalStack, envelopes: list[dict[str, Any]], queue_url: str | None = None) -> None:
    client = stack.sqs_client()
    for start in range(0, len(envelopes), 10):
        client.send_message_batch(
            QueueUrl=queue_url or stack.queue_url,
            Entries=[
                {"Id": str(i), "MessageBody": json.dumps(e)}
                for i, e in enumerate(envelopes[start : start + 10])
            ],
        )


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def deliveries(db: pg8000.native.Connection, prefix: str) -> dict[str, dict[str, Any]]:
    found = rows(
        db,
        "SELECT message_key, status, attempts, provider_message_id FROM notification_deliveries"
        " WHERE message_key LIKE :p",
        p=f"{prefix}%",
    )
    return {row["message_key"]: row for row in found}


def delivered_to(stack: LocalStack, recipients: set[str]) -> Counter[str]:
    return Counter(m.recipient for m in stack.providers.messages() if m.recipient in recipients)


def dead_letters(stack: LocalStack, prefix: str) -> list[dict[str, Any]]:
    return [
        m
        for m in list_messages(stack.sqs_client(), stack.dead_letter_url, 100)
        if m["messageKey"].startswith(prefix)
    ]


@pytest.fixture
def faults(stack: LocalStack) -> Iterator[Any]:
    yield stack.providers
    stack.providers.set_faults()


@pytest.mark.slow
def test_half_the_provider_calls_failing_still_delivers_each_message_exactly_once(
    stack: LocalStack, db: pg8000.native.Connection, faults: Any
) -> None:
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    phones = [unique_phone() for _ in range(250)]
    emails = [f"p{n}-{prefix[2:10]}@example.com" for n in range(250)]
    envelopes = [envelope(f"{prefix}w{n}", "whatsapp", "+" + p) for n, p in enumerate(phones)]
    envelopes += [envelope(f"{prefix}e{n}", "email", e) for n, e in enumerate(emails)]
    faults.set_faults(fail_rate=0.5)
    send(stack, envelopes)
    wait_for(
        lambda: sum(d["status"] == "sent" for d in deliveries(db, prefix).values()) == 500,
        seconds=240,
        what="500 deliveries",
    )
    counts = delivered_to(stack, set(phones) | set(emails))
    assert len(counts) == 500
    assert set(counts.values()) == {1}, "a message reached someone twice"
    records = deliveries(db, prefix)
    assert max(r["attempts"] for r in records.values()) > 1, "no message was retried at all"
    assert all(r["provider_message_id"] for r in records.values())
    assert dead_letters(stack, prefix) == []


def test_a_number_the_provider_refuses_ends_in_the_dead_letters_and_the_rest_arrive(
    stack: LocalStack, db: pg8000.native.Connection, faults: Any
) -> None:
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    refused = unique_phone()
    others = [unique_phone() for _ in range(29)]
    batch = [envelope(f"{prefix}{n}", "whatsapp", "+" + p) for n, p in enumerate(others)]
    batch.insert(13, envelope(f"{prefix}refused", "whatsapp", "+" + refused))
    faults.set_faults(status_by_recipient={refused: 400})
    send(stack, batch)
    wait_for(lambda: dead_letters(stack, prefix) != [], seconds=60, what="the dead letter")
    [dead] = dead_letters(stack, prefix)  # listing released them: a second look sees the same
    assert dead["messageKey"] == f"{prefix}refused"
    assert dead["receives"] >= stack.stack.queues[0].max_receive_count
    assert "to" not in dead  # the listing never shows a recipient
    records = deliveries(db, prefix)
    assert records[f"{prefix}refused"]["status"] == "undeliverable"
    assert records[f"{prefix}refused"]["attempts"] == 1, "a refused message was sent again"
    assert delivered_to(stack, set(others)) == Counter(dict.fromkeys(others, 1))
    assert delivered_to(stack, {refused}) == Counter()

    # Once the cause is fixed, an operator redrives it and it is delivered.
    faults.set_faults()
    db.run(
        "UPDATE notification_deliveries SET status = 'failed' WHERE message_key = :k",
        k=f"{prefix}refused",
    )
    assert redrive(stack.sqs_client(), stack.dead_letter_url, stack.queue_url, 100) >= 1
    wait_for(
        lambda: deliveries(db, prefix)[f"{prefix}refused"]["status"] == "sent",
        seconds=30,
        what="the redriven message",
    )
    assert delivered_to(stack, {refused}) == Counter({refused: 1})


def test_a_redelivered_or_double_enqueued_message_is_sent_once(
    stack: LocalStack, db: pg8000.native.Connection
) -> None:
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    phone = unique_phone()
    message = envelope(f"{prefix}once", "whatsapp", "+" + phone)
    send(stack, [message, message])
    wait_for(lambda: bool(delivered_to(stack, {phone})), seconds=20, what="the message")
    send(stack, [message])  # a re-run job or a relay re-sending it later
    time.sleep(3)
    assert delivered_to(stack, {phone}) == Counter({phone: 1})
    assert deliveries(db, prefix)[f"{prefix}once"]["status"] == "sent"


def start_consumer(env_file: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "infra.local.consumer", "--env-file", str(env_file)],
        cwd=ROOT,
        env=CHILD_ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(("channel", "settled"), [("whatsapp", "unknown"), ("email", "sent")])
def test_a_consumer_killed_after_the_provider_accepted_does_not_cause_a_second_send(
    stack: LocalStack, db: pg8000.native.Connection, faults: Any, channel: str, settled: str
) -> None:
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    # A queue of its own and a consumer process to kill. The provider holds its answer 4 s
    # after accepting; the kill comes as soon as it has accepted, before the claim's lease
    # (6 s) lapses; the message comes back to a new consumer after 10 s.
    name = f"kill-{prefix[2:10]}"
    urls = ensure_queue_pair(
        stack.sqs.endpoint_url,
        queue_name=name,
        dlq_name=f"{name}-dlq",
        visibility_timeout=10,
        max_receive_count=8,
    )
    env_file = state_dir("agenda-test-kill-") / "env.json"
    env = {
        **stack.environment(),
        "NOTIFICATIONS_QUEUE_URL": urls.queue_url,
        "DELIVERY_LEASE_SECONDS": "6",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
    }
    env_file.write_text(json.dumps(env))
    recipient = unique_phone() if channel == "whatsapp" else f"{name}@example.com"
    address = "+" + recipient if channel == "whatsapp" else recipient
    key = f"{prefix}{channel}"
    faults.set_faults(hang_after_accept_ms=4000)
    consumer = start_consumer(env_file)
    try:
        send(stack, [envelope(key, channel, address)], urls.queue_url)
        wait_for(lambda: bool(delivered_to(stack, {recipient})), seconds=30, what="the accept")
    finally:
        os.kill(consumer.pid, signal.SIGKILL)
        consumer.wait(timeout=10)
    faults.set_faults()
    assert deliveries(db, prefix)[key]["status"] == "sending"  # the outcome never recorded

    again = start_consumer(env_file)
    try:
        wait_for(
            lambda: deliveries(db, prefix)[key]["status"] == settled,
            seconds=40,
            what=f"the redelivered message to be {settled}",
        )
        queue = stack.sqs_client()

        def queue_empty() -> bool:
            attributes = queue.get_queue_attributes(QueueUrl=urls.queue_url, AttributeNames=["All"])
            counts = attributes["Attributes"]
            return (
                counts["ApproximateNumberOfMessages"]
                == counts["ApproximateNumberOfMessagesNotVisible"]
                == "0"
            )

        wait_for(queue_empty, seconds=30, what="the queue to empty")
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=30)
    # Email went again under its idempotency key, and the provider answered with the first id;
    # WhatsApp, with no such key, was recorded as unknown and not sent again.
    assert delivered_to(stack, {recipient}) == Counter({recipient: 1})


def test_a_provider_that_times_out_after_accepting_delivers_once(
    stack: LocalStack, db: pg8000.native.Connection, faults: Any
) -> None:
    """The provider answers after the consumer gave up (its timeout is 5 s), having sent the
    message all the same: email retries under its idempotency key; WhatsApp does not retry."""
    prefix = f"t-{uuid.uuid4().hex[:8]}:"
    phone, email = unique_phone(), f"slow-{prefix[2:10]}@example.com"
    faults.set_faults(delay_ms=6000)
    send(
        stack,
        [envelope(f"{prefix}w", "whatsapp", "+" + phone), envelope(f"{prefix}e", "email", email)],
    )
    wait_for(
        lambda: deliveries(db, prefix).get(f"{prefix}w", {}).get("status") == "unknown",
        seconds=30,
        what="the WhatsApp outcome to be unknown",
    )
    faults.set_faults()
    wait_for(
        lambda: deliveries(db, prefix).get(f"{prefix}e", {}).get("status") == "sent",
        seconds=60,
        what="the email to be sent",
    )
    time.sleep(1)
    assert delivered_to(stack, {phone, email}) == Counter({phone: 1, email: 1})
    # The retry was answered with the id of the first, timed-out request: the same email.
    [sent] = [m for m in stack.providers.messages() if m.recipient == email]
    assert deliveries(db, prefix)[f"{prefix}e"]["provider_message_id"] == sent.provider_id
