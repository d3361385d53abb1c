"""`make bench`: the booking function's speed, each figure beside a baseline from the same run.

- cold start: a fresh interpreter imports the booking handler and answers its first GET
  (database connection included), against a naive handler that imports the whole stack up
  front (boto3, stripe, the tracer, upstash, pydantic models, the validating resolver);
- warm GET and POST latency, in-process (POST with the 250 ms answer floor switched off);
- slot generation for a 60-day horizon with 2,000 existing appointments, and the same query
  end to end through the handler;
- the booking POST as a multiple of one bare INSERT round trip to the same database.

`--baseline-rev REV` (`make bench BASELINE=REV`) also measures the cold start of REV's booking
function and layer, exported from git, its runs interleaved with the working tree's, and prints
the ratio.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from infra.local.sqs import sqs_client
from infra.migrate import connect
from infra.paths import LAYER, ROOT

BOOKING = ROOT / "functions" / "booking"
COLD_RUNS = 7
ZONE = ZoneInfo("America/Sao_Paulo")

# The first GET a fresh container answers. Kept as a string: it runs in a child interpreter.
_FIRST_GET = """
import time
t0 = time.perf_counter()
{imports}
import app
event = {event!r}
answer = app.lambda_handler(event, Context())
assert answer["statusCode"] == 200, answer
print(round((time.perf_counter() - t0) * 1000, 2))
"""

_CONTEXT = """
class Context:
    function_name = "BookingFunction"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:BookingFunction"
    def get_remaining_time_in_millis(self): return 3000
"""

# The floor of a cold start: a fresh interpreter that imports pg8000, connects and runs the
# booking page's schedule query, nothing else. What a booking cold start spends above it is the
# price of everything else (the handler's imports, settings, routing, the slot engine, JSON).
_FLOOR = """
import time
t0 = time.perf_counter()
import os
from urllib.parse import urlsplit
import pg8000.native
url = urlsplit(os.environ["DATABASE_URL"])
conn = pg8000.native.Connection(user=url.username, password=url.password, host=url.hostname,
                                port=url.port, database=url.path.lstrip("/"), ssl_context=False)
conn.run({sql!r}, **{params!r})
print(round((time.perf_counter() - t0) * 1000, 2))
"""

_NAIVE_IMPORTS = """
import boto3, requests, stripe, pydantic
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from upstash_redis import Redis
from upstash_ratelimit import Ratelimit, SlidingWindow
import agenda.contract, agenda.service.notifications
tracer = Tracer(service="bench"); metrics = Metrics(namespace="Bench")
resolver = APIGatewayHttpResolver(enable_validation=True)
sqs = boto3.client("sqs", region_name="us-east-1")
"""


@dataclass
class Figures:
    """The figures, printed to `out` as they come: the terminal, while everything else the
    measured code prints (the handlers' EMF metric lines, one per booking) goes to a log."""

    rows: list[tuple[str, str, str]]
    out: TextIO

    def section(self, title: str) -> None:
        print(f"\n{title}", file=self.out, flush=True)

    def add(self, name: str, value: str, note: str = "") -> None:
        self.rows.append((name, value, note))
        print(f"  {name:<52} {value:>14}  {note}", file=self.out, flush=True)


def http_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    ip: str = "198.51.100.1",
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": ip,
                "userAgent": "bench",
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


AFTER_THE_ANSWER = "queue + outbox mark, after the answer"


class DependencyClock:
    """Times each call a container makes to its dependencies, to split a POST's latency into
    the rate limiter, the database and the queue before the answer is decided, the messages'
    dispatch after it (the queue's send and the outbox mark, which overlap the response floor
    on AWS), and the handler's own work."""

    def __init__(self, deps: Any) -> None:
        self.samples: dict[str, list[float]] = {
            "rate limiter": [],
            "database": [],
            "queue": [],
            AFTER_THE_ANSWER: [],
        }
        self._current: dict[str, float] = dict.fromkeys(self.samples, 0.0)
        self._calls: list[float] = []
        self._restore: list[tuple[Any, str, Any]] = []
        self._after = False
        self._wrap(deps.limiter, "check", "rate limiter")
        self._wrap(deps.uow.database, "transaction", "database")
        self._wrap(deps.uow.publisher, "publish", "queue")
        self._wrap(deps.uow, "dispatch_deferred", AFTER_THE_ANSWER)

    def _wrap(self, target: Any, method: str, name: str) -> None:
        original = getattr(target, method)
        after = name == AFTER_THE_ANSWER

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            if self._after and not after:
                return original(*args, **kwargs)  # counted in the dispatch around it
            self._after = after
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self._current[name] += (time.perf_counter() - start) * 1000
                self._after = False

        self._restore.append((target, method, original))
        setattr(target, method, timed_call)

    def per_call(self) -> list[float]:
        return self._calls

    def close_call(self) -> None:
        for name, spent in self._current.items():
            self.samples[name].append(spent)
        self._calls.append(sum(self._current.values()))
        self._current = dict.fromkeys(self.samples, 0.0)

    def restore(self) -> None:
        for target, method, original in self._restore:
            setattr(target, method, original)


def cold_start(
    env: dict[str, str],
    imports: str,
    event: dict[str, Any],
    function: Path,
    layer: Path,
    runs: int = COLD_RUNS,
) -> tuple[float, float]:
    """Median in-process time (imports + first answer) and median whole-process wall time of
    the booking function in folder `function` with the layer's `python` folder `layer`."""
    [(inner, wall)] = cold_start_samples(env, imports, event, [(function, layer)], runs)
    return statistics.median(inner), statistics.median(wall)


def cold_start_pair(
    env: dict[str, str],
    imports: str,
    event: dict[str, Any],
    a: tuple[Path, Path],
    b: tuple[Path, Path],
    runs: int = COLD_RUNS,
) -> tuple[tuple[float, float], tuple[float, float], float]:
    """`cold_start` of the (function folder, layer folder) trees `a` and `b`, their runs
    interleaved, and the median of the runs' paired ratios a / b (in-process times): each pair
    ran back to back, so it shares the machine's noise of the moment."""
    (a_inner, a_wall), (b_inner, b_wall) = cold_start_samples(env, imports, event, [a, b], runs)
    ratio = statistics.median(x / y for x, y in zip(a_inner, b_inner, strict=True))
    return (
        (statistics.median(a_inner), statistics.median(a_wall)),
        (statistics.median(b_inner), statistics.median(b_wall)),
        ratio,
    )


def cold_start_samples(
    env: dict[str, str],
    imports: str,
    event: dict[str, Any],
    trees: Sequence[tuple[Path, Path]],
    runs: int = COLD_RUNS,
) -> list[tuple[list[float], list[float]]]:
    """In-process and whole-process times (ms) of `runs` cold starts of each (function folder,
    layer folder) of `trees`, with the same script, environment and event; the runs are
    interleaved (A, B, A, B, ...) so that machine noise hits every tree alike."""
    script = _CONTEXT + _FIRST_GET.format(imports=imports, event=event)
    samples: list[tuple[list[float], list[float]]] = [([], []) for _ in trees]
    for _ in range(runs):
        for (function, layer), (inner, wall) in zip(trees, samples, strict=True):
            child_env = {
                **env,
                "PYTHONPATH": f"{function}{os.pathsep}{layer}",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            start = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", script],
                env=child_env,
                capture_output=True,
                text=True,
                check=False,
                cwd=function,
            )
            wall.append((time.perf_counter() - start) * 1000)
            if out.returncode != 0:
                raise RuntimeError(f"the cold start with {function} failed:\n{out.stderr.strip()}")
            inner.append(float(out.stdout.strip().splitlines()[-1]))
    return samples


def cold_start_floor(env: dict[str, str], slug: str, day: date, runs: int) -> float:
    """Median in-process time of `_FLOOR`: import pg8000, connect, one schedule query."""
    from agenda.adapters.professionals import SCHEDULE_SQL

    start = datetime.combine(day, dtime(0), UTC)
    params = {
        "slug": slug,
        "first_day": day.isoformat(),
        "last_day": day.isoformat(),
        "busy_from": (start - timedelta(days=1)).isoformat(),
        "busy_until": (start + timedelta(days=2)).isoformat(),
    }
    script = _FLOOR.format(sql=SCHEDULE_SQL, params=params)
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", script],
            env={**env, "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        if out.returncode != 0:
            raise RuntimeError(f"the cold start floor failed:\n{out.stderr.strip()}")
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


class BaselineError(Exception):
    """The baseline revision cannot be exported."""


def resolve_revision(rev: str) -> str:
    """The commit `rev` names in the project's repository."""
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if rev.startswith("-") or found.returncode != 0:
        raise BaselineError(f"unknown git revision {rev!r} (in {ROOT})")
    return found.stdout.strip()


def fresh_bytecode() -> None:
    """The working tree's function and layer compiled now. The cold starts run with
    PYTHONDONTWRITEBYTECODE, so a source changed since its bytecode was last written (by the
    tests, say) would be compiled again on every run, and a change would be charged for its
    own compilation; a baseline tree is compiled whole the same way."""
    for tree in (BOOKING, LAYER):
        compileall.compile_dir(tree, quiet=1)


@contextmanager
def exported_tree(rev: str | None) -> Iterator[Path | None]:
    """`rev`'s `functions/` and `layers/` exported into a temporary folder (nothing if `rev` is
    None or empty); the folder is removed afterwards."""
    if not rev:
        yield None
        return
    commit = resolve_revision(rev)
    folder = Path(tempfile.mkdtemp(prefix="agenda-bench-baseline-"))
    try:
        archive = subprocess.run(
            ["git", "archive", commit, "functions", "layers"], cwd=ROOT, capture_output=True
        )
        if archive.returncode != 0:
            message = archive.stderr.decode(errors="replace").strip()
            raise BaselineError(f"git archive {rev} functions layers failed: {message}")
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, cwd=ROOT, check=True)
        if not (folder / BOOKING.relative_to(ROOT) / "app.py").is_file():
            raise BaselineError(f"{rev} has no {BOOKING.relative_to(ROOT)}/app.py")
        # Fresh bytecode in both trees (`fresh_bytecode` does the working tree's): otherwise
        # compiling the sources on every run, about 4 % of a cold start here, would be counted
        # against one tree only.
        compileall.compile_dir(folder, quiet=1)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def load_booking_module(env: dict[str, str]) -> Any:
    import importlib.util

    os.environ.update(env)
    spec = importlib.util.spec_from_file_location("bench_booking_app", BOOKING / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def insert_professional(
    url: str, *, slug: str, session: int, windows: str, horizon: int
) -> uuid.UUID:
    conn = connect(url)
    try:
        pid: uuid.UUID = conn.run(
            # A paying Pro subscriber: no plan cap stops the benchmark's bookings.
            "INSERT INTO professionals (user_id, name, slug, phone, profession, session_duration,"
            " timezone, plan, subscription_status, booking_horizon_days) VALUES (:u, 'Bench', :s,"
            " '+5511900000000', 'Bench', :d, 'America/Sao_Paulo', 'pro', 'active', :h)"
            " RETURNING id",
            u=f"bench-{slug}",
            s=slug,
            d=session,
            h=horizon,
        )[0][0]
        for dow in range(7):
            for window in windows.split(","):
                start, end = window.split("-")
                conn.run(
                    "INSERT INTO availability (professional_id, day_of_week, start_time, end_time)"
                    " VALUES (:p, :d, CAST(:s AS time), CAST(:e AS time))",
                    p=pid,
                    d=dow,
                    s=start,
                    e=end,
                )
        return pid
    finally:
        conn.close()


def fill_appointments(url: str, pid: uuid.UUID, first: date, count: int, session: int) -> None:
    """`count` live appointments spread over 60 days, in a single statement."""
    conn = connect(url)
    try:
        client = conn.run(
            "INSERT INTO clients (professional_id, name, phone)"
            " VALUES (:p, 'Bench', '+5511911110000') RETURNING id",
            p=pid,
        )[0][0]
        start = datetime.combine(first, dtime(0), ZONE)
        conn.run(
            "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
            " SELECT :p, :c, s, s + make_interval(mins => :m), 'confirmed'"
            " FROM (SELECT CAST(:start AS timestamptz) + (i * interval '1 minute' * :step) AS s"
            "       FROM generate_series(0, :n - 1) AS i) AS g",
            p=pid,
            c=client,
            m=session,
            start=start,
            step=60 * 24 * 60 // count,
            n=count,
        )
    finally:
        conn.close()


@contextmanager
def local_stack() -> Iterator[dict[str, str]]:
    """The local stack in its own process (as on AWS, the services do not share the function's
    interpreter and its GIL); yields the environment the functions get."""
    state = Path(tempfile.mkdtemp(prefix="agenda-bench-"))
    env_file = state / "env.json"
    command = [sys.executable, "-m", "infra.local.dev", "--port", "0", "--pg-port", "0"]
    command += ["--state", str(state / "stack"), "--env-file", str(env_file), "--floor-ms", "0"]
    # On AWS the consumer runs in other containers; here it would share the stand-ins' process
    # and slow the queue it is measured against. The bench drains the queue itself, untimed.
    command += ["--no-consumer"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR", "POWERTOOLS_METRICS_DISABLED": "true"},
    )
    try:
        deadline = time.monotonic() + 120
        while not env_file.exists() or not env_file.read_text().endswith("}"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the local stack did not start")
            time.sleep(0.1)
        yield json.loads(env_file.read_text())
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        shutil.rmtree(state, ignore_errors=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m infra.bench",
        description="The booking function's speed, each figure beside a baseline measured in "
        "the same run.",
    )
    parser.add_argument(
        "--baseline-rev",
        metavar="REV",
        default="",
        help="also measure the booking function's cold start at git revision REV (its "
        "functions/ and layers/, exported), runs interleaved with the working tree's, and "
        "print the ratio working tree / REV",
    )
    parser.add_argument(
        "--cold-runs",
        metavar="N",
        type=int,
        default=COLD_RUNS,
        help=f"cold starts of each tree (default {COLD_RUNS}); more resolve smaller differences",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rev: str = args.baseline_rev
    runs: int = max(1, args.cold_runs)
    figures = Figures([], sys.stdout)
    build = ROOT / "build"
    build.mkdir(exist_ok=True)
    handlers_log = build / "bench-output.log"
    with (
        handlers_log.open("w", encoding="utf-8") as measured_output,
        contextlib.redirect_stdout(measured_output),
        exported_tree(rev) as baseline,
        local_stack() as stack_env,
    ):
        fresh_bytecode()
        env = {**os.environ, **stack_env, "POWERTOOLS_LOG_LEVEL": "ERROR"}
        env["POWERTOOLS_METRICS_DISABLED"] = "true"
        url = stack_env["DATABASE_URL"]
        today = datetime.now(ZONE).date()
        get_event = http_event(
            "GET",
            "/api/booking",
            query={"slug": "dr-ana", "date": (today + timedelta(days=1)).isoformat()},
        )

        figures.section(
            "cold start (fresh interpreter: imports + first GET incl. DB connect), median of "
            f"{runs}:"
        )
        if baseline is None:
            lean_inner, lean_wall = cold_start(env, "", get_event, BOOKING, LAYER, runs)
        else:
            at_rev = (baseline / BOOKING.relative_to(ROOT), baseline / LAYER.relative_to(ROOT))
            (lean_inner, lean_wall), (rev_inner, rev_wall), rev_ratio = cold_start_pair(
                env, "", get_event, (BOOKING, LAYER), at_rev, runs
            )
        naive_inner, naive_wall = cold_start(env, _NAIVE_IMPORTS, get_event, BOOKING, LAYER, runs)
        floor = cold_start_floor(env, "dr-ana", today + timedelta(days=1), runs)
        figures.add("booking handler: init + first GET", f"{lean_inner:.1f} ms", "target < 250 ms")
        if baseline is not None:
            figures.add(f"booking handler at {rev}: init + first GET", f"{rev_inner:.1f} ms")
            figures.add(
                f"working tree / {rev}",
                f"{rev_ratio:.2f}x",
                f"init + first GET, median of {runs} back-to-back pairs' ratios",
            )
        figures.add(
            "naive baseline: init + first GET",
            f"{naive_inner:.1f} ms",
            f"ours is {naive_inner / lean_inner:.2f}x faster",
        )
        figures.add(
            "floor: import pg8000, connect, schedule query",
            f"{floor:.1f} ms",
            f"ours is {lean_inner / floor:.2f}x the floor (aim <= 1.3x)",
        )
        figures.add("booking handler: whole process (spawn to exit)", f"{lean_wall:.1f} ms")
        figures.add("naive baseline: whole process", f"{naive_wall:.1f} ms")
        if baseline is not None:
            figures.add(f"booking handler at {rev}: whole process", f"{rev_wall:.1f} ms")

        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
        module = load_booking_module({**stack_env, "POWERTOOLS_LOG_LEVEL": "ERROR"})
        from agenda.observability import logger

        logger.setLevel("ERROR")
        handler = module.lambda_handler

        class Context:
            function_name = "BookingFunction"
            memory_limit_in_mb = 512
            aws_request_id = "bench"
            invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:BookingFunction"

            def get_remaining_time_in_millis(self) -> int:
                return 3000

        ctx = Context()
        figures.section("warm, in-process (one container, its connection reused):")
        for _ in range(50):
            handler(get_event, ctx)
        get_samples = timed(lambda: handler(get_event, ctx), 1000)
        figures.add(
            "GET /api/booking (1 day) p50", f"{percentile(get_samples, 50):.2f} ms", "target < 5 ms"
        )
        figures.add("GET /api/booking (1 day) p99", f"{percentile(get_samples, 99):.2f} ms")

        slug = f"bench-{uuid.uuid4().hex[:8]}"
        insert_professional(url, slug=slug, session=15, windows="00:00-23:45", horizon=730)
        post_start = datetime.combine(today + timedelta(days=2), dtime(0), ZONE)
        counter = iter(range(10**6))

        clocks: list[DependencyClock] = []

        queue = sqs_client(stack_env["SQS_ENDPOINT_URL"])

        def drain() -> None:
            """Empty the queue (untimed), as the consumer would, so it stays small."""
            while messages := queue.receive_message(
                QueueUrl=stack_env["NOTIFICATIONS_QUEUE_URL"], MaxNumberOfMessages=10
            ).get("Messages", []):
                queue.delete_message_batch(
                    QueueUrl=stack_env["NOTIFICATIONS_QUEUE_URL"],
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                        for i, m in enumerate(messages)
                    ],
                )

        def post() -> float:
            n = next(counter)
            # 90 quarter-hour slots a day, all inside the 00:00-23:45 window.
            starts = post_start + timedelta(days=n // 90, minutes=15 * (n % 90))
            body = {
                "slug": slug,
                "startsAt": starts.isoformat(),
                "clientName": f"Client {n % 50}",
                "clientPhone": f"+55119{n % 50:08d}",
            }
            event = http_event("POST", "/api/booking", body=body, ip=f"198.51.{n // 250}.{n % 250}")
            start = time.perf_counter()
            answer = handler(event, ctx)
            elapsed = (time.perf_counter() - start) * 1000
            assert answer["statusCode"] == 201, answer
            for clock in clocks:
                clock.close_call()
            if n % 20 == 0:
                drain()
            return elapsed

        for _ in range(20):
            post()
        waits = DependencyClock(module.dependencies)
        clocks.append(waits)
        # The baseline in the same conditions: one bare INSERT on a connection of its own after
        # each POST. Between two POSTs the function's connection sits idle while the handler
        # works and calls the limiter and the queue, and its first packet then pays the wake-up
        # of an idle server process and client; a bare INSERT sent back to back pays none.
        probe = connect(url)
        probe.run("CREATE TEMP TABLE bench_probe (id bigint GENERATED ALWAYS AS IDENTITY, v text)")
        post_samples, probe_samples = [], []
        for _ in range(400):
            post_samples.append(post())
            probe_samples += timed(
                lambda: probe.run("INSERT INTO bench_probe (v) VALUES (:v)", v="x"), 1
            )
        probe.close()
        clocks.clear()
        waits.restore()
        post_p50 = percentile(post_samples, 50)
        figures.add("POST /api/booking p50 (floor off)", f"{post_p50:.2f} ms", "target < 10 ms")
        figures.add("POST /api/booking p99 (floor off)", f"{percentile(post_samples, 99):.2f} ms")
        own = [total - wait for total, wait in zip(post_samples, waits.per_call(), strict=True)]
        for name, samples in waits.samples.items():
            figures.add(f"  of which waiting on {name} p50", f"{percentile(samples, 50):.2f} ms")
        figures.add("  of which the handler's own work p50", f"{percentile(own, 50):.2f} ms")
        database = waits.samples["database"]
        own_and_database = [o + d for o, d in zip(own, database, strict=True)]
        figures.add(
            "  handler's own work + database p50",
            f"{percentile(own_and_database, 50):.2f} ms",
            "target < 5 ms",
        )

        # The first booking of a professional in a container (nothing remembered: the
        # schedule is read before the write), as after a cold start or a long quiet spell.
        schedules = module.dependencies.schedules
        cold = DependencyClock(module.dependencies)
        clocks.append(cold)

        def post_unremembered() -> float:
            schedules.forget(slug)
            return post()

        unremembered = [post_unremembered() for _ in range(150)]
        clocks.clear()
        cold.restore()
        figures.add(
            "POST p50, the professional's schedule not remembered (floor off)",
            f"{percentile(unremembered, 50):.2f} ms",
        )
        unremembered_db = percentile(cold.samples["database"], 50)
        figures.add("  of which waiting on the database p50", f"{unremembered_db:.2f} ms")

        conn = connect(url)
        conn.run("CREATE TEMP TABLE bench_probe (id bigint GENERATED ALWAYS AS IDENTITY, v text)")
        insert_samples = timed(
            lambda: conn.run("INSERT INTO bench_probe (v) VALUES (:v)", v="x"), 1000
        )
        conn.close()
        insert_p50 = percentile(insert_samples, 50)
        interleaved_p50 = percentile(probe_samples, 50)
        figures.add("bare INSERT p50, back to back (pg8000's run)", f"{insert_p50:.3f} ms")
        figures.add("bare INSERT p50, one after each POST", f"{interleaved_p50:.3f} ms")
        figures.add("POST p50 / bare INSERT p50 back to back", f"{post_p50 / insert_p50:.1f}x")
        database_p50 = percentile(database, 50)
        figures.add(
            "database share p50 / bare INSERT after each POST",
            f"{database_p50 / interleaved_p50:.1f}x",
            "target <= 6 bare-INSERT equivalents",
        )
        figures.add(
            "  the same, the schedule not remembered",
            f"{unremembered_db / interleaved_p50:.1f}x",
            "the schedule read + the write",
        )
        figures.add(
            "database share p50 / bare INSERT back to back",
            f"{database_p50 / insert_p50:.1f}x",
            f"not remembered: {unremembered_db / insert_p50:.1f}x",
        )

        figures.section("slot generation, 60-day horizon, 2,000 live appointments:")
        heavy = f"bench-{uuid.uuid4().hex[:8]}"
        pid = insert_professional(
            url, slug=heavy, session=30, windows="07:00-12:00,13:00-21:00", horizon=60
        )
        fill_appointments(url, pid, today + timedelta(days=1), 2000, 30)
        # The full rule set: buffers, a step finer than the session, notice, an override and
        # a blocked week, so the figure covers every rule the booking check applies.
        conn = connect(url)
        conn.run(
            "UPDATE professionals SET buffer_before_minutes = 5, buffer_after_minutes = 10,"
            " slot_step_minutes = 15, min_notice_minutes = 120 WHERE id = :p",
            p=pid,
        )
        conn.run(
            "INSERT INTO availability_overrides (professional_id, on_date, start_time, end_time)"
            " VALUES (:p, :d, '10:00', '16:00')",
            p=pid,
            d=today + timedelta(days=10),
        )
        conn.run(
            "INSERT INTO blocked_periods (professional_id, starts_on, ends_on) VALUES (:p, :a, :b)",
            p=pid,
            a=today + timedelta(days=30),
            b=today + timedelta(days=36),
        )
        conn.close()
        from agenda.adapters.postgres import Database
        from agenda.adapters.unit_of_work import PostgresUnitOfWork
        from agenda.domain.slots import generate_slots
        from agenda.service.records import ScheduleRange
        from agenda.settings import DatabaseSettings

        uow = PostgresUnitOfWork(Database(DatabaseSettings.from_url(url)), None)
        first = today + timedelta(days=1)
        within = ScheduleRange(
            first_day=first,
            last_day=first + timedelta(days=59),
            busy_from=datetime.combine(first, dtime(0), UTC) - timedelta(days=1),
            busy_until=datetime.combine(first, dtime(0), UTC) + timedelta(days=61),
        )
        schedule = uow.read(lambda stores: stores.professionals.schedule(heavy, within))
        assert schedule is not None
        rules, busy = schedule.rules, schedule.busy
        assert len(busy) == 2000
        now = datetime.now(UTC)
        gen = timed(
            lambda: generate_slots(rules, first_day=first, days=60, busy=busy, now=now), 200
        )
        figures.add("generate_slots (pure) p50", f"{percentile(gen, 50):.2f} ms", "target < 5 ms")
        range_event = http_event(
            "GET", "/api/booking", query={"slug": heavy, "date": first.isoformat(), "days": "60"}
        )
        handler(range_event, ctx)
        full = timed(lambda: handler(range_event, ctx), 100)
        figures.add(
            "GET /api/booking 60 days, 2,000 appts p50",
            f"{percentile(full, 50):.2f} ms",
            "query + generation + JSON",
        )
    out = build / "bench.json"
    out.write_text(
        json.dumps([{"name": n, "value": v, "note": note} for n, v, note in figures.rows], indent=2)
    )
    print(f"\nfigures written to {out.relative_to(ROOT)}")
    print(f"what the measured code printed (its metric lines): {handlers_log.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BaselineError as error:
        sys.exit(f"bench: {error}")
