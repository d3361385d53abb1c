"""`make dev`: the whole stack on this machine, with demo data, until Ctrl-C.

State (database, generated keys, the message log) lives in .local/ and survives restarts.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from infra.local.defaults import STATE_DIR
from infra.local.stack import LocalStack, StackOptions
from infra.seed import seed_week

DEFAULT_PG_PORT = 54329


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.dev", description="Run the booking stack locally"
    )
    parser.add_argument("--port", type=int, default=3000, help="gateway port")
    parser.add_argument("--pg-port", type=int, default=DEFAULT_PG_PORT, help="Postgres TCP port")
    parser.add_argument("--state", type=Path, default=STATE_DIR, help="local state folder")
    parser.add_argument(
        "--env-file",
        type=Path,
        help="where to write the functions' environment as JSON (default: STATE/env.json), "
        "for tools such as python -m infra.dlq and infra.local.consumer",
    )
    parser.add_argument("--floor-ms", type=int, default=250, help="booking answer floor")
    parser.add_argument(
        "--no-consumer", action="store_true", help="leave messages on the queue (no sending)"
    )
    args = parser.parse_args(argv)

    stack = LocalStack(
        StackOptions(
            state_dir=args.state,
            gateway_port=args.port,
            postgres_port=args.pg_port,
            response_floor_ms=args.floor_ms,
            run_consumer=not args.no_consumer,
            # No front end runs locally: links and redirects point to the gateway, on --port.
            app_base_url=None,
        )
    )
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    # Every stand-in shares this interpreter: a short GIL switch interval keeps one busy thread
    # (the queue consumer, say) from adding milliseconds to every other server's answers.
    sys.setswitchinterval(0.0005)
    print("starting the local stack ...", flush=True)
    stack.start()
    try:
        seed_week(stack.postgres.url)
    except BaseException:
        stack.stop()
        raise
    api = stack.api_url
    env_file = args.env_file or args.state / "env.json"
    # It holds the local development keys: readable by this user only.
    fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({**stack.environment(), "API_URL": api}, handle, indent=2)
    schedules = ", ".join(s.name for s in stack.stack.schedules)
    print(
        f"""
  API              {api}
  API docs         {api}/docs   (OpenAPI: {api}/openapi.json)
  Site             {api}/   (pages/site, built and uploaded at start: make pages)
  DATABASE_URL     {stack.postgres.url}
  SQS endpoint     {stack.sqs.endpoint_url}
    queue          {stack.queue_url}
    dead letters   {stack.dead_letter_url}
  S3 (media)       {stack.s3.endpoint_url}   (photos: {stack.environment()["MEDIA_BASE_URL"]})
  Site index       {stack.kvs.url}   (KeyValueStore {stack.site_index_arn})
  Upstash REST     {stack.upstash.url}
  Messages sent    {stack.providers.url}/   (also {args.state / "messages.jsonl"})
  Stripe stand-in  {stack.stripe.url}   (its events go to {api}/api/stripe/webhook)
  Environment      {env_file}   (for python -m infra.dlq, infra.local.consumer)

  Dashboard {api}/dashboard   (sign in as ana@example.com: Dra. Ana and her week;
         carla@example.com, emily@example.com; any other email signs up a new professional)
  Book:  {api}/p/dr-ana   (in a browser; /p/dra-carla takes payment at booking,
         /p/emily-tutor is in English; the manage and register links are in the messages)
  Try:   curl '{api}/api/booking?slug=dr-ana&date=YYYY-MM-DD&days=7'
         dra-carla takes payment at booking: open the answer's checkoutUrl to pay.
  Token: .venv/bin/python -m infra.local.auth --sub demo-user-dr-ana --state {args.state}
  Jobs:  curl -X POST {api}/_local/schedules/NAME   ({schedules})

  Ctrl-C stops everything.
""",
        flush=True,
    )
    try:
        stop.wait()
    finally:
        print("stopping ...", flush=True)
        stack.stop()
        print("stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
