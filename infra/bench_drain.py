"""`python -m infra.bench_drain`: how fast the notifications consumer drains a burst, per poller,
beside the limit the provider's answer time sets, and whether every message arrived once.

The notifications function is fed batches directly, as Lambda's event source mapping does, so
the local queue server's own cost is left out:

- a fresh embedded Postgres (migrated) holds the delivery records the consumer claims;
- the providers' stand-in answers every WhatsApp and email request after a fixed latency
  (its `delayMs` fault, 50 ms by default);
- the messages are 24-hour reminders as the morning job queues them (every appointment's
  client by WhatsApp, every other one by email too: two thirds WhatsApp), each envelope made and
  checked by `agenda.domain.messages.envelope`, each to a recipient of its own, so what the
  stand-in received can be counted per message;
- N pollers take SQS-shaped batches of the template's BatchSize off one work list and invoke the
  function's handler, each in a process of its own with one container (`infra.local.lambdas`:
  the app module loaded fresh, its own database connection and HTTP session), as each
  concurrent invocation on Lambda has its own container: threads in one process would measure
  the interpreter's lock instead (at 4 pollers that cost about a sixth of the rate); the
  records a handler reports in `batchItemFailures` come back with their receive count raised,
  as SQS would redeliver them.

The consumer handles a batch's records one after another (Powertools' BatchProcessor calls the
record handler serially), so one poller can deliver at most 1 / latency messages a second: that
is the provider-bound limit the measured rate is set beside. Exactly once: each recipient must
have received exactly one request, and each message must have one delivery record, `sent`,
after one attempt.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import multiprocessing.connection
import os
import queue
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.consumer import sqs_event
from infra.local.lambdas import FunctionPool
from infra.local.postgres import LocalPostgres
from infra.local.providers import LocalProviders
from infra.local.template import Function, load_stack
from infra.migrate import connect, migrate
from infra.paths import TEMPLATE

CONSUMER = "NotificationsFunction"
REGION = "us-east-1"
TARGET_RATIO = 0.8
WHATSAPP_INSTANCE = "agenda-bench"
# Nothing listens there: the consumer only calls SQS to delay a failed message, best effort.
UNREACHABLE = "http://127.0.0.1:9"


@dataclass(frozen=True, slots=True)
class Drain:
    pollers: int
    messages: int
    seconds: float
    redelivered: int
    requests: int  # provider requests the stand-in accepted
    duplicated: int  # recipients that received more than one
    missing: int  # recipients that received nothing
    sent_records: int  # delivery records `sent` after one attempt
    other_records: int  # any other delivery record

    @property
    def per_poller(self) -> float:
        return self.messages / self.seconds / self.pollers

    @property
    def exactly_once(self) -> bool:
        return (
            self.requests == self.messages
            and self.duplicated == self.missing == self.other_records == 0
            and self.sent_records == self.messages
        )


def _envelopes(run: str, count: int, code: int) -> list[dict[str, Any]]:
    """`count` reminders; `code` (0-99) keeps each run's phone numbers apart."""
    from agenda.domain.messages import envelope

    found: list[dict[str, Any]] = []
    appointment = 0
    while len(found) < count:
        subject = f"{run}-{appointment:06d}"
        params = {
            "professionalName": "Dra. Ana Souza",
            "clientName": f"Cliente {appointment}",
            "startsAt": "2031-06-11T09:00:00-03:00",
            "timezone": "America/Sao_Paulo",
            "manageUrl": f"https://agenda.example/a/{subject}",
        }
        channels = [("whatsapp", f"+5521{code:02d}{appointment:07d}")]
        if appointment % 2 == 0:
            channels.append(("email", f"c{appointment}-{run}@example.com"))
        for channel, to in channels[: count - len(found)]:
            found.append(
                envelope(
                    subject_id=subject,
                    version=0,
                    template="reminder_24h",
                    channel=channel,
                    audience="client",
                    to=to,
                    params=params,
                )
            )
        appointment += 1
    return found


def _record(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "MessageId": str(uuid.uuid4()),
        "ReceiptHandle": uuid.uuid4().hex,
        "Body": json.dumps(body),
        "Attributes": {"ApproximateReceiveCount": "1"},
    }


def _poller(
    function: Function,
    environment: dict[str, str],
    work: Any,
    unsettled: Any,
    redelivered: Any,
    ready: Any,
    go: Any,
    failures: Any,
    warm_up: list[dict[str, Any]],
) -> None:
    """One poller in a process of its own, as each concurrent invocation on Lambda has a
    container of its own: batches off the shared work list into its handler until every
    message is settled; records reported failed go back on the list, received once more."""
    from agenda.observability import logger

    logger.setLevel("ERROR")
    pool = FunctionPool(function, environment, max_containers=1)
    arn = f"arn:aws:sqs:{REGION}:000000000000:bench-notifications"
    # The metrics go to stdout as EMF lines: their cost is measured, their text is not wanted.
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        # Cold start before the clock: a message of its own loads the container (imports,
        # settings, the database connection); a drain of thousands of messages per container
        # would dwarf it anyway.
        pool.invoke(sqs_event(warm_up, arn, REGION))
        ready.release()
        go.wait()
        while unsettled.value > 0:
            try:
                batch = work.get(timeout=0.05)
            except queue.Empty:
                continue
            try:
                answer = pool.invoke(sqs_event(batch, arn, REGION))
            except Exception as exc:  # a batch that raised would never settle: stop the drain
                failures.put(repr(exc))
                with unsettled.get_lock():
                    unsettled.value = 0
                return
            failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
            again = [
                {
                    **record,
                    "Attributes": {
                        "ApproximateReceiveCount": str(
                            int(record["Attributes"]["ApproximateReceiveCount"]) + 1
                        )
                    },
                }
                for record in batch
                if record["MessageId"] in failed
            ]
            if again:
                work.put(again)
                with redelivered.get_lock():
                    redelivered.value += len(again)
            with unsettled.get_lock():
                unsettled.value -= len(batch) - len(again)


def _drain(
    function: Function,
    environment: dict[str, str],
    envelopes: list[dict[str, Any]],
    warm_ups: list[dict[str, Any]],
    *,
    pollers: int,
    batch_size: int,
) -> tuple[float, int]:
    """Every envelope through the handler; the seconds it took and the records redelivered.
    The clock starts once every poller has started and imported, and stops when the last
    message is settled."""
    context = multiprocessing.get_context("spawn")
    work = context.Queue()
    records = [_record(e) for e in envelopes]
    for start in range(0, len(records), batch_size):
        work.put(records[start : start + batch_size])
    unsettled = context.Value("i", len(records))
    redelivered = context.Value("i", 0)
    ready = context.Semaphore(0)
    go = context.Event()
    failures = context.Queue()
    processes = [
        context.Process(
            target=_poller,
            args=(
                function,
                environment,
                work,
                unsettled,
                redelivered,
                ready,
                go,
                failures,
                [_record(warm_ups[n])],
            ),
            name=f"poller-{n}",
        )
        for n in range(pollers)
    ]
    for process in processes:
        process.start()
    try:
        started = 0
        while started < len(processes):
            if ready.acquire(timeout=1):
                started += 1
            elif not all(process.is_alive() for process in processes):
                raise RuntimeError("a poller died while starting")
        began = time.perf_counter()
        go.set()
        running: dict[Any, Any] = {process.sentinel: process for process in processes}
        while running:
            for sentinel in multiprocessing.connection.wait(list(running)):
                if running.pop(sentinel).exitcode:
                    with unsettled.get_lock():
                        unsettled.value = 0  # the others stop too
                    raise RuntimeError("a poller died")
        seconds = time.perf_counter() - began
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join()
    if not failures.empty():
        raise RuntimeError(f"a batch raised in the handler: {failures.get()}")
    return seconds, int(redelivered.value)


def _recipients_received(providers: LocalProviders) -> Counter[str]:
    return Counter(message.recipient for message in providers.messages())


def _records(url: str, run: str) -> tuple[int, int]:
    conn = connect(url)
    try:
        [[sent, other]] = conn.run(
            "SELECT count(*) FILTER (WHERE status = 'sent' AND attempts = 1),"
            " count(*) FILTER (WHERE NOT (status = 'sent' AND attempts = 1))"
            " FROM notification_deliveries WHERE message_key LIKE :run",
            run=f"{run}-%",
        )
    finally:
        conn.close()
    return int(sent), int(other)


def _environment(postgres_url: str, providers_url: str) -> dict[str, str]:
    stack = load_stack(TEMPLATE)
    literal = {
        name: str(value)
        for name, value in stack.functions[CONSUMER].environment.items()
        if isinstance(value, str | int) and not isinstance(value, bool)
    }
    return {
        **literal,
        "APP_ENV": "local",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "POWERTOOLS_SERVICE_NAME": "agenda",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "DATABASE_URL": postgres_url,
        "NOTIFICATIONS_QUEUE_URL": f"{UNREACHABLE}/000000000000/bench-notifications",
        "SQS_ENDPOINT_URL": UNREACHABLE,
        "WHATSAPP_API_URL": providers_url,
        "WHATSAPP_INSTANCE": WHATSAPP_INSTANCE,
        "WHATSAPP_API_KEY": "bench",
        "EMAIL_API_URL": providers_url,
        "EMAIL_API_KEY": "bench",
        "EMAIL_FROM": "Agenda <no-reply@agenda.local>",
    }


def run(messages: int, latency_ms: int, pollers: list[int]) -> list[Drain]:
    from agenda.observability import logger

    logger.setLevel("ERROR")
    stack = load_stack(TEMPLATE)
    (notifications,) = stack.queues
    function = stack.functions[CONSUMER]
    state = Path(tempfile.mkdtemp(prefix="agenda-bench-drain-"))
    postgres = LocalPostgres(state / "postgres")
    providers = LocalProviders()
    results = []
    try:
        postgres.start()
        migrate(postgres.url)
        providers.start()
        environment = _environment(postgres.url, providers.url)
        for index, count in enumerate(pollers):
            run_id = f"drain{index:02d}"
            envelopes = _envelopes(run_id, messages, index)
            warm_ups = _envelopes(f"warm{index:02d}", count, 50 + index)
            providers.reset()
            providers.set_faults(delay_ms=latency_ms)
            seconds, redelivered = _drain(
                function,
                environment,
                envelopes,
                warm_ups,
                pollers=count,
                batch_size=notifications.batch_size,
            )
            received = _recipients_received(providers)
            expected = {e["to"].lstrip("+") for e in envelopes}
            sent, other = _records(postgres.url, run_id)
            results.append(
                Drain(
                    pollers=count,
                    messages=messages,
                    seconds=seconds,
                    redelivered=redelivered,
                    requests=sum(received[r] for r in expected),
                    duplicated=sum(1 for r in expected if received[r] > 1),
                    missing=len(expected - received.keys()),
                    sent_records=sent,
                    other_records=other,
                )
            )
    finally:
        providers.stop()
        postgres.stop()
        shutil.rmtree(state, ignore_errors=True)
    return results


def _table(results: list[Drain], latency_ms: int, batch_size: int) -> str:
    limit = 1000 / latency_ms  # one poller, one provider call at a time
    header = (
        "pollers",
        "messages",
        "seconds",
        "msg/s",
        "msg/s per poller",
        "limit per poller",
        "ratio",
        "own ms/msg",
        "exactly once (requests, dup, missing, records sent)",
    )
    rows = [header]
    for r in results:
        own_ms = 1000 / r.per_poller - latency_ms
        rows.append(
            (
                str(r.pollers),
                f"{r.messages:,}",
                f"{r.seconds:.1f}",
                f"{r.messages / r.seconds:.1f}",
                f"{r.per_poller:.2f}",
                f"{limit:.2f}",
                f"{r.per_poller / limit:.0%}"
                + (" ok" if r.per_poller >= TARGET_RATIO * limit else " LOW"),
                f"{own_ms:.1f}",
                f"{'yes' if r.exactly_once else 'NO'} ({r.requests:,}, {r.duplicated}, "
                f"{r.missing}, {r.sent_records:,}; redelivered {r.redelivered})",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        f"\nnotifications drain: batches of {batch_size} fed to the handler, provider latency "
        f"{latency_ms} ms, records handled one after another (limit = 1 / latency per poller, "
        f"target {TARGET_RATIO:.0%} of it)",
    ]
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.bench_drain",
        description="Feed the notifications handler SQS-shaped batches from concurrent pollers "
        "against a fresh Postgres and the providers' stand-in answering after a fixed latency: "
        "messages/s per poller beside the provider-bound limit, and exactly-once counts.",
    )
    parser.add_argument(
        "--messages", type=int, default=10_000, help="messages per run (default 10000)"
    )
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=50,
        help="the providers' answer time in milliseconds (default 50)",
    )
    parser.add_argument(
        "--pollers",
        type=int,
        nargs="+",
        default=[1, 4],
        help="concurrent handler invocations, one run per number given (default: 1 4)",
    )
    args = parser.parse_args(argv)
    if args.messages < 1 or args.latency_ms < 1 or min(args.pollers) < 1:
        parser.error("--messages, --latency-ms and --pollers must be at least 1")
    if len(args.pollers) > 50 or args.messages > 1_000_000:
        parser.error("at most 50 runs of at most 1,000,000 messages")
    # Stopped from outside (a timeout, make), still stop Postgres and the pollers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = run(args.messages, args.latency_ms, args.pollers)
    batch_size = load_stack(TEMPLATE).queues[0].batch_size
    print(_table(results, args.latency_ms, batch_size))
    return 0 if all(r.exactly_once for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
