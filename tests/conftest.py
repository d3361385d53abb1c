"""Shared fixtures: one local stack per test session (real Postgres, SQS, Upstash, providers)."""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pg8000.native
import pytest
from hypothesis import HealthCheck, settings

from infra.local.stack import LocalStack, StackOptions
from infra.migrate import connect
from infra.paths import LAYER, ROOT

# Property tests check rules, not speed: on a busy two-core machine (the local stack's servers
# share it) a slow draw or example must not fail the run.
settings.register_profile("agenda", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("agenda")

_ips = itertools.count(1)


def fresh_ip() -> str:
    """A client address no other test uses, so rate limits never leak between tests."""
    n = next(_ips) + os.getpid() % 50 * 10_000
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def state_dir(prefix: str) -> Path:
    """A folder for local state outside pytest's tmp_path: pytest resets its base to mode 0700
    at every session, which would lock out the server user that Postgres runs as under root."""
    return Path(tempfile.mkdtemp(prefix=prefix))


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    state = state_dir("agenda-test-stack-")
    local = LocalStack(
        StackOptions(
            state_dir=state,
            gateway_port=0,
            seed=True,
            response_floor_ms=250,
            run_schedules=False,
            log_level="WARNING",
        )
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def api(stack: LocalStack) -> str:
    return stack.api_url


@pytest.fixture
def db(stack: LocalStack) -> Iterator[pg8000.native.Connection]:
    conn = connect(stack.postgres.url)
    try:
        yield conn
    finally:
        conn.close()


def rows(conn: pg8000.native.Connection, sql: str, **params: Any) -> list[dict[str, Any]]:
    result = conn.run(sql, **params)
    names = [c["name"] for c in conn.columns or ()]
    return [dict(zip(names, row, strict=True)) for row in result]


@dataclass(frozen=True)
class Professional:
    id: uuid.UUID
    slug: str
    timezone: str
    session_duration: int
    phone: str
    email: str | None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def user_id(self) -> str:
        """The JWT subject of this professional's sign-in (make_professional's convention)."""
        return f"user-{self.slug}"

    def at(self, day: date, hhmm: str) -> datetime:
        """An aware local instant of this professional."""
        return datetime.combine(day, time.fromisoformat(hhmm), self.zone)


MakeProfessional = Callable[..., Professional]
WEEKDAYS = (1, 2, 3, 4, 5)


@pytest.fixture
def make_professional(db: pg8000.native.Connection) -> MakeProfessional:
    """Insert a professional with weekly windows; every call gets a unique slug."""

    def make(
        *,
        timezone: str = "America/Sao_Paulo",
        session_duration: int = 50,
        windows: tuple[tuple[int, str, str], ...] = tuple(
            (d, s, e) for d in WEEKDAYS for s, e in (("09:00", "12:00"), ("14:00", "18:00"))
        ),
        plan: str = "free",
        auto_confirm: bool = False,
        active: bool = True,
        email: str | None = "pro@example.com",
        # Not a demo profession: test professionals must not show up as the demo's "related".
        profession: str = "Terapeuta (teste)",
        horizon_days: int = 60,
    ) -> Professional:
        slug = f"pro-{uuid.uuid4().hex[:12]}"
        phone = f"+55119{uuid.uuid4().int % 10**8:08d}"
        pid = db.run(
            "INSERT INTO professionals (user_id, name, slug, phone, email, profession, bio,"
            " session_duration, session_price, timezone, auto_confirm, plan, active,"
            " booking_horizon_days, subscription_status) VALUES (:uid, :name, :slug, :phone,"
            " :email, :profession, 'bio', :duration, 150, :tz, :auto, :plan, :active, :horizon,"
            # A paid plan here is a paying subscriber's.
            " CASE WHEN :plan = 'free' THEN 'none' ELSE 'active' END) RETURNING id",
            uid=f"user-{slug}",
            name=f"Dra. {slug}",
            slug=slug,
            phone=phone,
            email=email,
            profession=profession,
            duration=session_duration,
            tz=timezone,
            auto=auto_confirm,
            plan=plan,
            active=active,
            horizon=horizon_days,
        )[0][0]
        for dow, start, end in windows:
            db.run(
                "INSERT INTO availability (professional_id, day_of_week, start_time, end_time)"
                " VALUES (:pid, :dow, CAST(:s AS time), CAST(:e AS time))",
                pid=pid,
                dow=dow,
                s=start,
                e=end,
            )
        return Professional(pid, slug, timezone, session_duration, phone, email)

    return make


PayingProfessional = Callable[..., Professional]


@pytest.fixture
def paying(db: pg8000.native.Connection, make_professional: MakeProfessional) -> PayingProfessional:
    """A professional who takes the session price (R$ 150) by card or Pix at booking, with
    hour-long sessions (slots on the hour)."""

    def make(**options: Any) -> Professional:
        pro = make_professional(**{"session_duration": 60, **options})
        db.run(
            "UPDATE professionals SET payment_type = 'pix_or_card', payment_at_booking = true"
            " WHERE id = :id",
            id=pro.id,
        )
        return pro

    return make


def next_weekday(weekday: int, *, after_days: int = 2, zone: str = "America/Sao_Paulo") -> date:
    """The first date with this weekday (0 = Sunday, as stored) at least `after_days` ahead."""
    day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=after_days)
    while (day.isoweekday() % 7) != weekday:
        day += timedelta(days=1)
    return day


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# For child processes (make dev's program, a consumer): the layer and the repository on their
# path whatever the parent's environment says.
CHILD_ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join([str(LAYER), str(ROOT)]),
}


@contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every log line, at DEBUG and above, exactly as the production formatter writes it."""
    from agenda.observability import logger

    emitted: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            emitted.append(self.format(record))

    collector = Collect()
    collector.setFormatter(logger.registered_formatter)
    logger.addHandler(collector)
    level = logger.log_level
    logger.setLevel("DEBUG")
    try:
        yield emitted
    finally:
        logger.setLevel(level)
        logging.getLogger(logger.name).removeHandler(collector)
