"""What happens when a dependency is down: nothing lost, nothing half-written, clear answers."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime

import pg8000.native
import pytest

from agenda.adapters.postgres import Database
from agenda.adapters.queue import SqsPublisher
from agenda.adapters.ratelimit import UpstashRateLimiter
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.domain.errors import RateLimited, ServiceUnavailable
from agenda.domain.plans import RateLimit
from agenda.http import error_response
from agenda.service.booking import BookingDependencies, create_booking
from agenda.service.outbox import relay
from agenda.settings import DatabaseSettings, QueueSettings, RateLimitSettings, Secret
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, next_weekday, rows

pytestmark = pytest.mark.integration


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class AllowAll:
    def check(self, identifier: str) -> None:
        del identifier


def database(url: str) -> Database:
    return Database(DatabaseSettings.from_url(url))


def test_a_queue_outage_neither_fails_the_booking_nor_loses_its_messages(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    booking_database = database(stack.postgres.url)
    unreachable = QueueSettings(
        queue_url=stack.queue_url,
        region="us-east-1",
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
    )
    deps = BookingDependencies(
        uow=PostgresUnitOfWork(booking_database, SqsPublisher(unreachable)),
        limiter=AllowAll(),
        clock=lambda: datetime.now(UTC),
    )
    queue_back = PostgresUnitOfWork(
        booking_database,
        SqsPublisher(QueueSettings(stack.queue_url, "us-east-1", stack.sqs.endpoint_url)),
    )
    starts = datetime.combine(next_weekday(1), datetime.min.time().replace(hour=9), pro.zone)
    answer = create_booking(
        deps,
        {
            "slug": pro.slug,
            "startsAt": starts.isoformat(),
            "clientName": "Rita Lee",
            "clientPhone": "11955554444",
        },
        source_ip="127.0.0.1",
    )
    assert answer == {"success": True, "status": "pending_confirmation"}
    pending = rows(
        db,
        "SELECT q.* FROM notification_outbox o JOIN notification_outbox_pending q USING (id)"
        " WHERE o.professional_id = :p",
        p=pro.id,
    )
    assert len(pending) == 3  # the request to the professional twice, the client's receipt
    assert all(m["attempts"] == 1 and m["last_error"] for m in pending)

    # The relay (scheduled every minute on AWS) sends them once the queue is back.
    sent = relay(queue_back, grace_seconds=0)
    assert sent >= 3
    assert not rows(
        db,
        "SELECT 1 FROM notification_outbox o JOIN notification_outbox_pending q USING (id)"
        " WHERE o.professional_id = :p",
        p=pro.id,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        to_pro = [m for m in stack.providers.messages() if m.recipient == pro.phone.lstrip("+")]
        if to_pro:
            break
        time.sleep(0.2)
    assert to_pro, "the relayed message never reached the provider"
    assert "Rita Lee" in (to_pro[0].text or "")
    # A second relay finds nothing left to send.
    assert relay(queue_back, grace_seconds=0) == 0


def test_the_rate_limiter_counts_per_identifier(stack: LocalStack) -> None:
    settings = RateLimitSettings(
        url=stack.upstash.url, token=Secret.of(stack.keys["upstash"]), timeout_seconds=1
    )
    limiter = UpstashRateLimiter(
        settings, RateLimit(max_requests=3, window_seconds=60), name="test-count"
    )
    for _ in range(3):
        limiter.check("203.0.113.7")
    with pytest.raises(RateLimited) as limited:
        limiter.check("203.0.113.7")
    assert 1 <= limited.value.retry_after_seconds <= 60
    limiter.check("203.0.113.8")


def test_the_rate_limiter_fails_open_and_fast_when_redis_is_down() -> None:
    settings = RateLimitSettings(
        url=f"http://127.0.0.1:{closed_port()}",
        token=Secret.of("x"),
        timeout_seconds=0.5,
    )
    limiter = UpstashRateLimiter(
        settings, RateLimit(max_requests=1, window_seconds=60), name="test-down"
    )
    started = time.monotonic()
    for _ in range(3):
        limiter.check("203.0.113.9")
    assert time.monotonic() - started < 3


def test_a_database_outage_is_a_503_with_retry_after() -> None:
    db = database(f"postgresql://agenda:pw@127.0.0.1:{closed_port()}/agenda")
    with pytest.raises(ServiceUnavailable) as down:
        db.query("SELECT 1")
    answer = error_response(down.value)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"


def test_a_stale_connection_is_replaced_transparently(stack: LocalStack) -> None:
    db = database(stack.postgres.url)
    pid = db.query("SELECT pg_backend_pid() AS pid")[0]["pid"]
    admin = database(stack.postgres.url)
    admin.query("SELECT pg_terminate_backend(:pid)", pid=pid)
    assert db.query("SELECT pg_backend_pid() AS pid")[0]["pid"] != pid
