"""The whole local stack in one object: what `make dev` runs and what the tests start.

Embedded Postgres (migrated, optionally seeded), the SQS endpoint with the template's queue and
dead-letter queue, the Upstash REST endpoint, the WhatsApp/email stand-in, the Stripe stand-in
(which sends its events to the gateway's webhook route), and the gateway with its Lambda
containers, queue consumer and schedules. Everything listens on 127.0.0.1 and stops
with stop(), in reverse order.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agenda.observability import logger
from infra.local.auth import DevAuthority
from infra.local.consumer import QueueConsumer
from infra.local.gateway import Answer, Gateway, LocalRoute
from infra.local.lambdas import Lambdas
from infra.local.postgres import LocalPostgres
from infra.local.providers import LocalProviders
from infra.local.sqs import LocalSqs, ensure_queue_pair, sqs_client, use_local_credentials
from infra.local.stripe import LocalStripe, Price
from infra.local.template import Schedule, Stack, load_stack
from infra.local.upstash import LocalUpstash
from infra.migrate import migrate
from infra.paths import TEMPLATE
from infra.seed import seed

REGION = "us-east-1"
WHATSAPP_INSTANCE = "agenda-local"
LOCAL_APP_URL = "http://127.0.0.1:3000"
# The plans' prices in the Stripe stand-in (monthly, in BRL cents).
LOCAL_PRICES = {
    "basic": ("price_local_basic", Price(unit_amount=4900, currency="brl")),
    "pro": ("price_local_pro", Price(unit_amount=9900, currency="brl")),
    "premium": ("price_local_premium", Price(unit_amount=19900, currency="brl")),
}
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours)\)$")


@dataclass(frozen=True)
class StackOptions:
    state_dir: Path
    gateway_port: int = 3000
    postgres_port: int = 0
    seed: bool = True
    response_floor_ms: int = 250
    run_schedules: bool = True
    run_consumer: bool = True
    # The consumer's retry delay base; the template's 30 s would make local retries crawl.
    retry_base_seconds: int = 2
    log_level: str = "INFO"


def _local_secrets(state_dir: Path) -> dict[str, str]:
    """Development keys, generated once per machine and kept out of the repository."""
    path = state_dir / "secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    prefixes = {
        "upstash": "",
        "whatsapp": "",
        "email": "",
        "guest_link": "",
        "stripe": "sk_test_",
        "stripe_webhook": "whsec_",
    }
    keys = {
        name: stored.get(name) or prefix + secrets.token_urlsafe(24)
        for name, prefix in prefixes.items()
    }
    if keys == stored:
        return stored
    # A state folder from before a key existed gets the new key; the others are kept.
    fresh = path.with_suffix(".tmp")
    fresh.unlink(missing_ok=True)
    fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({**stored, **keys}, handle)
    fresh.replace(path)
    return {**stored, **keys}


class LocalStack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.stack: Stack = load_stack(TEMPLATE)
        state = options.state_dir
        state.mkdir(parents=True, exist_ok=True)
        self.keys = _local_secrets(state)
        self.postgres = LocalPostgres(state / "postgres", port=options.postgres_port)
        self.sqs = LocalSqs()
        self.upstash = LocalUpstash(token=self.keys["upstash"])
        self.providers = LocalProviders(log_path=state / "messages.jsonl")
        self.stripe = LocalStripe(
            api_key=self.keys["stripe"],
            webhook_secret=self.keys["stripe_webhook"],
            prices=dict(LOCAL_PRICES.values()),
        )
        self.authority = DevAuthority.load_or_create(state / "auth")
        self.queue_url = ""
        self.dead_letter_url = ""
        self.lambdas: Lambdas | None = None
        self.gateway: Gateway | None = None
        self.consumer: QueueConsumer | None = None
        self._ticker_stop = threading.Event()
        self._tickers: list[threading.Thread] = []
        self._started: list[Any] = []

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self.postgres.start()
        self._started.append(self.postgres)
        migrate(self.postgres.url)
        if self.options.seed:
            seed(self.postgres.url)
        for service in (self.sqs, self.upstash, self.providers, self.stripe):
            service.start()
            self._started.append(service)
        queue = self.stack.queues[0]
        urls = ensure_queue_pair(
            self.sqs.endpoint_url,
            queue_name=queue.logical_id,
            dlq_name=queue.dead_letter,
            visibility_timeout=queue.visibility_timeout,
            max_receive_count=queue.max_receive_count,
            region=REGION,
        )
        self.queue_url, self.dead_letter_url = urls.queue_url, urls.dlq_url
        # The functions read their settings from environment() (lambdas.py), never from this
        # process's os.environ; the shared logger is this process's, so its level is set here.
        logger.setLevel(self.options.log_level)
        use_local_credentials(REGION)
        self.lambdas = Lambdas(self.stack.functions, self.environment())
        self.gateway = Gateway(
            self.stack.routes,
            self.lambdas,
            self.authority,
            port=self.options.gateway_port,
            local_routes=self._local_routes(),
        )
        self.gateway.start()
        self._started.append(self.gateway)
        # Stripe's events come back through the gateway, as Stripe's would through API Gateway.
        self.stripe.webhook_url = f"{self.gateway.url}/api/stripe/webhook"
        if queue.consumer is not None and self.options.run_consumer:
            self.consumer = QueueConsumer(self.sqs_client(), queue, self.queue_url, self.lambdas)
            self.consumer.start()
            self._started.append(self.consumer)
        if self.options.run_schedules:
            self._start_tickers()

    def stop(self) -> None:
        self._ticker_stop.set()
        for ticker in self._tickers:
            ticker.join(timeout=5)
        self._tickers.clear()
        while self._started:
            service = self._started.pop()
            try:
                service.stop()
            except Exception:  # noqa: S112 - keep stopping the rest
                continue

    # -- what the functions see ------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        # The template's literal settings first (retry counts, leases ...), so the local stack
        # runs with the numbers AWS will; then what only exists here.
        literal = {
            name: value
            for function in self.stack.functions.values()
            for name, value in function.environment.items()
            if isinstance(value, str | int) and not isinstance(value, bool)
        }
        return {
            **{name: str(value) for name, value in literal.items()},
            "NOTIFICATIONS_RETRY_BASE_SECONDS": str(self.options.retry_base_seconds),
            "APP_ENV": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            # Dummy credentials for the local SQS endpoint; real ones are never read here.
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "POWERTOOLS_SERVICE_NAME": "agenda",
            "POWERTOOLS_METRICS_NAMESPACE": "Agenda",
            "POWERTOOLS_LOG_LEVEL": self.options.log_level,
            "DATABASE_URL": self.postgres.url,
            "NOTIFICATIONS_QUEUE_URL": self.queue_url,
            "NOTIFICATIONS_DLQ_URL": self.dead_letter_url,
            "SQS_ENDPOINT_URL": self.sqs.endpoint_url,
            "UPSTASH_REDIS_REST_URL": self.upstash.url,
            "UPSTASH_REDIS_REST_TOKEN": self.keys["upstash"],
            "WHATSAPP_API_URL": self.providers.url,
            "WHATSAPP_INSTANCE": WHATSAPP_INSTANCE,
            "WHATSAPP_API_KEY": self.keys["whatsapp"],
            "EMAIL_API_URL": self.providers.url,
            "EMAIL_API_KEY": self.keys["email"],
            "EMAIL_FROM": "Agenda <no-reply@agenda.local>",
            "BOOKING_RESPONSE_FLOOR_MS": str(self.options.response_floor_ms),
            # The web app the guest links point to (the front end, not this API).
            "APP_BASE_URL": LOCAL_APP_URL,
            "GUEST_LINK_SECRET": self.keys["guest_link"],
            "STRIPE_API_BASE": self.stripe.url,
            "STRIPE_SECRET_KEY": self.keys["stripe"],
            "STRIPE_WEBHOOK_SECRET": self.keys["stripe_webhook"],
            **{f"STRIPE_PRICE_{plan.upper()}": price for plan, (price, _) in LOCAL_PRICES.items()},
        }

    def sqs_client(self) -> Any:
        return sqs_client(self.sqs.endpoint_url, REGION)

    @property
    def api_url(self) -> str:
        assert self.gateway is not None
        return self.gateway.url

    # -- schedules ------------------------------------------------------------------------

    def fire(self, schedule_name: str) -> Any:
        """Run a scheduled job now, with the event its schedule would send."""
        assert self.lambdas is not None
        schedule = next(s for s in self.stack.schedules if s.name == schedule_name)
        return self.lambdas.invoke(schedule.function, dict(schedule.input or {}))

    def _start_tickers(self) -> None:
        for schedule in self.stack.schedules:
            match = _RATE.match(schedule.expression)
            if match is None:
                continue  # cron schedules run on demand locally (POST /_local/schedules/NAME)
            unit = 60 if match.group(2).startswith("minute") else 3600
            thread = threading.Thread(
                target=self._tick,
                args=(schedule, int(match.group(1)) * unit),
                name=f"schedule-{schedule.name}",
                daemon=True,
            )
            thread.start()
            self._tickers.append(thread)

    def _tick(self, schedule: Schedule, every_seconds: int) -> None:
        while not self._ticker_stop.wait(every_seconds):
            try:
                self.fire(schedule.name)
            except Exception:  # noqa: S112 - the next tick tries again, as on AWS
                continue

    def _local_routes(self) -> dict[tuple[str, str], LocalRoute]:
        from infra.openapi import build_document, docs_page

        document = json.dumps(build_document()).encode()
        routes: dict[tuple[str, str], LocalRoute] = {
            ("GET", "/openapi.json"): lambda _: Answer(
                200, {"content-type": "application/json"}, document
            ),
            ("GET", "/docs"): lambda _: Answer(
                200,
                {"content-type": "text/html; charset=utf-8"},
                docs_page("/openapi.json").encode(),
            ),
            ("GET", "/.well-known/jwks.json"): lambda _: Answer.json(200, self.authority.jwks()),
            ("GET", "/_local/health"): lambda _: Answer.json(200, {"ok": True}),
        }
        for schedule in self.stack.schedules:
            routes[("POST", f"/_local/schedules/{schedule.name}")] = self._firing(schedule.name)
        return routes

    def _firing(self, name: str) -> LocalRoute:
        return lambda _: Answer.json(200, {"result": self.fire(name)})
