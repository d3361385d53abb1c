"""`python -m infra.bench_jobs`: the reminder job over 100,000 appointments, time and peak
memory, beside a baseline from the same run.

A fresh embedded Postgres (migrated) gets 2,000 professionals in five time zones and 100,000
confirmed appointments on each professional's local tomorrow (half the clients with an email,
so 150,000 messages), plus 100,000 more on other days that the job must pass over. Each
figure comes from a child interpreter of its own, so its peak memory is its own:

- the job: `run_reminders("reminders_24h")` with 1,000-appointment pages, each queued in its
  own transaction, then handed to a publisher that accepts everything at once (the queue's
  own round trips are left out: on AWS they add one SendMessageBatch per 10 messages), each
  page written and dispatched on a thread and a connection of its own while the next page is
  read, as the function wires it;
- the baseline: the same rows read with one unpaged query, which holds them all in memory;
- a re-run: everything is queued already, so it reads (almost) nothing.

Peak memory is the child's peak resident set (getrusage), and the part of it above what the
interpreter held after its imports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.local.postgres import LocalPostgres
from infra.migrate import connect, migrate
from infra.paths import LAYER, ROOT

APPOINTMENTS = 100_000
PROFESSIONALS = 2_000
ZONES = ("America/Sao_Paulo", "America/New_York", "Europe/Lisbon", "Asia/Kolkata", "Asia/Tokyo")
# 08:00 in São Paulo on a Tuesday with no DST change near it in any of the zones.
RUN_AT = datetime(2031, 6, 10, 11, tzinfo=UTC)

_FILL = [
    """
    INSERT INTO professionals (user_id, name, slug, phone, email, profession, timezone)
    SELECT 'bench-' || i, 'Professional ' || i, 'bench-' || i, '+55119' || lpad(i::text, 8, '0'),
           'pro' || i || '@example.com', 'Bench', (CAST(:zones AS text[]))[1 + i % 5]
    FROM generate_series(1, :professionals) AS i
    """,
    # One client per appointment; every other one has an email.
    """
    INSERT INTO clients (professional_id, name, phone, email)
    SELECT p.id, 'Client ' || k, '+55219' || lpad((row_number() OVER ())::text, 8, '0'),
           CASE WHEN k % 2 = 0 THEN 'c' || k || '-' || p.slug || '@example.com' END
    FROM professionals p, generate_series(0, :per_professional - 1) AS k
    """,
    # Tomorrow in each professional's zone, every 20 minutes from 01:00 local; and the same
    # clients again a week later (other days, which the job must not read).
    """
    INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)
    SELECT c.professional_id, c.id, s.at, s.at + interval '15 minutes', 'confirmed'
    FROM (SELECT c.*, row_number() OVER (PARTITION BY c.professional_id ORDER BY c.id) - 1 AS k
          FROM clients c) c
    JOIN professionals p ON p.id = c.professional_id
    CROSS JOIN LATERAL (
        SELECT (CAST(:tomorrow AS date) + days.d + time '01:00' + c.k * interval '20 minutes')
               AT TIME ZONE p.timezone AS at
        FROM (VALUES (0), (7)) AS days(d)
    ) s
    """,
    "ANALYZE",
]

_CHILD = """
import json, os, resource, sys, time
from datetime import datetime

def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

from agenda.adapters.postgres import Database
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.service.reminders import ReminderDependencies, run_reminders
from agenda.settings import DatabaseSettings
from agenda.observability import logger
logger.setLevel("ERROR")

class AcceptAll:
    def publish(self, messages):
        return {m.id for m in messages}

db = Database(DatabaseSettings.from_url(os.environ["DATABASE_URL"]))
db.query("SELECT 1")
now = datetime.fromisoformat(sys.argv[2])
before = rss_kib()
start = time.perf_counter()
if sys.argv[1] == "job":
    # As the function wires it: each page written and dispatched behind the reads, on a
    # connection of its own.
    from agenda.adapters.outbox_writer import OutboxWriterBehind
    behind = Database(DatabaseSettings.from_url(os.environ["DATABASE_URL"]))
    uow = PostgresUnitOfWork(db, AcceptAll())
    writer = OutboxWriterBehind(PostgresUnitOfWork(behind, AcceptAll()))
    run = run_reminders("reminders_24h", ReminderDependencies(uow, writer=writer), now=now)
    rows, queued = run.appointments, run.queued
else:
    from agenda.adapters.jobs import REMINDER_PAGE_SQL
    # The same query, unpaged and without the outbox filter: every row in one result.
    sql = REMINDER_PAGE_SQL.replace("LIMIT :limit", "")
    from zoneinfo import ZoneInfo
    from agenda.adapters.jobs import ACTIVE_ZONES_SQL
    from agenda.domain.reminders import reminder_window
    active = [row["timezone"] for row in db.query(ACTIVE_ZONES_SQL)]
    windows = {z: reminder_window("reminders_24h", now, ZoneInfo(z)) for z in active}
    zones = list(windows)
    result = db.query(
        sql, zones=zones, starts=[windows[z].start for z in zones],
        ends=[windows[z].end for z in zones],
        after_starts_at=min(w.start for w in windows.values()),
        after_id="00000000-0000-0000-0000-000000000000",
        until=max(w.end for w in windows.values()), template="none")
    rows, queued = len(result), 0
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kib": peak, "before_kib": before,
                  "rows": rows, "queued": queued}))
"""


def _child(mode: str, url: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PYTHONPATH": f"{LAYER}{os.pathsep}{ROOT}",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, mode, RUN_AT.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _mib(kib: float) -> float:
    return kib / 1024


def _uses_index(url: str) -> bool:
    from zoneinfo import ZoneInfo

    from agenda.adapters.jobs import REMINDER_PAGE_SQL
    from agenda.domain.reminders import reminder_window

    windows = {z: reminder_window("reminders_24h", RUN_AT, ZoneInfo(z)) for z in ZONES}
    conn = connect(url)
    try:
        plan = conn.run(
            "EXPLAIN " + REMINDER_PAGE_SQL,
            zones=list(ZONES),
            starts=[windows[z].start for z in ZONES],
            ends=[windows[z].end for z in ZONES],
            after_starts_at=min(w.start for w in windows.values()),
            after_id="00000000-0000-0000-0000-000000000000",
            until=max(w.end for w in windows.values()),
            template="reminder_24h",
            limit=1000,
        )
    finally:
        conn.close()
    return any("appointments_confirmed_starts_id_idx" in line[0] for line in plan)


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m infra.bench_jobs",
        description="The reminder job over 100,000 appointments (time and peak memory), beside "
        "one unpaged read of the same rows. Takes no options.",
    ).parse_args(argv)
    state = Path(tempfile.mkdtemp(prefix="agenda-bench-jobs-"))
    postgres = LocalPostgres(state / "postgres")
    try:
        postgres.start()
        url = postgres.url
        migrate(url)
        conn = connect(url)
        try:
            tomorrow = RUN_AT.date().toordinal() + 1
            for sql in _FILL:
                conn.run(
                    sql,
                    **{
                        name: value
                        for name, value in {
                            "zones": list(ZONES),
                            "professionals": PROFESSIONALS,
                            "per_professional": APPOINTMENTS // PROFESSIONALS,
                            "tomorrow": datetime.fromordinal(tomorrow).date(),
                        }.items()
                        if f":{name}" in sql
                    },
                )
        finally:
            conn.close()

        print(f"\nreminder job, {APPOINTMENTS:,} appointments due tomorrow (+{APPOINTMENTS:,} on")
        print("other days), 2,000 professionals in 5 zones, pages of 1,000:")
        print(
            f"  reminder page query walks appointments_confirmed_starts_id_idx: {_uses_index(url)}"
        )
        baseline = _child("baseline", url)
        job = _child("job", url)
        rerun = _child("job", url)
        assert job["rows"] == APPOINTMENTS, job
        assert baseline["rows"] == APPOINTMENTS, baseline
        assert rerun["queued"] == 0, rerun
        print(
            f"reminder job over {APPOINTMENTS:,} appointments: {job['seconds']:.1f} s, "
            f"peak memory {_mib(job['peak_kib']):.0f} MiB "
            f"(+{_mib(job['peak_kib'] - job['before_kib']):.0f} MiB over the imports; "
            f"{job['queued']:,} messages queued)"
        )
        print(
            f"baseline, the same rows read by one unpaged query: {baseline['seconds']:.1f} s, "
            f"peak memory {_mib(baseline['peak_kib']):.0f} MiB "
            f"(+{_mib(baseline['peak_kib'] - baseline['before_kib']):.0f} MiB over the imports)"
        )
        print(f"job / unpaged read: {job['seconds'] / baseline['seconds']:.1f}x (target <= 3x)")
        print(
            f"re-run, everything already queued: {rerun['seconds']:.1f} s, "
            f"peak memory {_mib(rerun['peak_kib']):.0f} MiB, {rerun['queued']} queued"
        )
    finally:
        postgres.stop()
        shutil.rmtree(state, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
