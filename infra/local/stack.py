"""The whole local stack in one object: what `make dev` runs and what the tests start.

Embedded Postgres (migrated, optionally seeded), the SQS endpoint with the template's queue and
dead-letter queue, S3 for the media bucket (moto behind a gate that enforces presigned POST
policies) and the pages bucket (the site, built from pages/site and uploaded at every start,
which the gateway serves as CloudFront would), the KeyValueStore holding the site index (the
paths that exist, written at every start as the upload writes it), the Upstash REST endpoint,
the WhatsApp/email stand-in, the Stripe stand-in (which sends its events to the gateway's
webhook route), and the gateway with its Lambda containers, queue consumer and schedules.
Everything listens on 127.0.0.1 and stops with stop(), in reverse order.

Every URL the stack makes follows the gateway's port: the JWT issuer, the OpenAPI document's
server, and (for `make dev`, whose front end is the gateway itself) APP_BASE_URL, so the links
in messages and the Checkout and portal redirects. The S3 stand-in's port is the media bucket's
origin: the pages' Content-Security-Policy names it (the gateway's `media`) and the bucket's
CORS rule (the template's MediaBucket rule) allows the site's origin, the gateway's. Ports
asked for as 0 are remembered in STATE/ports.json and taken again on the next start when free,
so a restarted stack answers the links it sent before (the Stripe stand-in's pay pages, the
messages page, the API).
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agenda.adapters.site_index import KeyValueStoreSiteIndex
from agenda.observability import logger
from infra.local._http import HOST
from infra.local.auth import DevAuthority
from infra.local.consumer import QueueConsumer
from infra.local.gateway import Answer, Gateway, LocalRoute
from infra.local.kvs import LocalKeyValueStore
from infra.local.lambdas import Lambdas
from infra.local.postgres import LocalPostgres
from infra.local.providers import LocalProviders
from infra.local.s3 import LocalS3, ensure_bucket
from infra.local.sign_in import PREFIX as SIGN_IN_PREFIX
from infra.local.sign_in import LocalSignIn, demo_users
from infra.local.site import BucketSite
from infra.local.sqs import LocalSqs, ensure_queue_pair, sqs_client, use_local_credentials
from infra.local.stripe import LocalStripe, Price
from infra.local.template import Schedule, Stack, load_cors, load_stack, load_template
from infra.local.upstash import LocalUpstash
from infra.migrate import connect, migrate
from infra.pages import AUTH_CONFIG_KEY, auth_config, index_site, put_auth_config, s3_client
from infra.pages import build as build_site
from infra.pages import upload as upload_site
from infra.paths import TEMPLATE
from infra.seed import seed

REGION = "us-east-1"
WHATSAPP_INSTANCE = "agenda-local"
# The media bucket (professionals' photos) in the S3 stand-in.
MEDIA_BUCKET = "agenda-media-local"
# The site's bucket (template.yaml's PagesBucket), which the gateway serves.
PAGES_BUCKET = "agenda-pages-local"
# The site index (template.yaml's SiteIndex KeyValueStore), which says which paths exist.
SITE_INDEX = "agenda-site-index-local"
# The schedule that writes the professionals' pages (template.yaml's SitePagesFunction).
PAGES_SWEEP = "SitePages"
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
    # The web app the guest links and the Stripe redirects point to (APP_BASE_URL, also the
    # CORS origin). None: the gateway itself, on whatever port it has (`make dev`).
    app_base_url: str | None = LOCAL_APP_URL


# The stand-ins whose ports are remembered between starts (Postgres remembers its own).
_REMEMBERED = ("gateway", "sqs", "s3", "upstash", "providers", "stripe")


def _remembered_ports(state_dir: Path) -> dict[str, int]:
    try:
        stored = json.loads((state_dir / "ports.json").read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict):
        return {}
    return {k: v for k, v in stored.items() if k in _REMEMBERED and isinstance(v, int)}


def _port_for(requested: int, remembered: int | None) -> int:
    """The port to ask for: the one requested, else the one used last time when it is free
    (0, any free port, when it is not)."""
    if requested or remembered is None:
        return requested
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, remembered))
        except OSError:
            return 0
    return remembered


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def media_cors_rules(origins: list[str]) -> list[dict[str, Any]]:
    """template.yaml's MediaBucket CORS rules for PutBucketCors, allowing `origins` (the
    template's AllowedOrigins name the site's AWS address)."""
    bucket = load_template(TEMPLATE)["Resources"]["MediaBucket"]["Properties"]
    rules: list[dict[str, Any]] = []
    for rule in bucket["CorsConfiguration"]["CorsRules"]:
        local: dict[str, Any] = {
            "AllowedOrigins": origins,
            "AllowedMethods": list(rule["AllowedMethods"]),
        }
        if "AllowedHeaders" in rule:
            local["AllowedHeaders"] = list(rule["AllowedHeaders"])
        if "ExposedHeaders" in rule:
            local["ExposeHeaders"] = list(rule["ExposedHeaders"])
        if "MaxAge" in rule:
            local["MaxAgeSeconds"] = int(rule["MaxAge"])
        rules.append(local)
    return rules


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
        remembered = _remembered_ports(state)
        self._gateway_port = _port_for(options.gateway_port, remembered.get("gateway"))
        self.postgres = LocalPostgres(state / "postgres", port=options.postgres_port)
        self.sqs = LocalSqs(port=_port_for(0, remembered.get("sqs")))
        self.s3 = LocalS3(port=_port_for(0, remembered.get("s3")))
        self.kvs = LocalKeyValueStore()
        self.site_index_arn = ""
        self.upstash = LocalUpstash(
            token=self.keys["upstash"], port=_port_for(0, remembered.get("upstash"))
        )
        self.providers = LocalProviders(
            port=_port_for(0, remembered.get("providers")), log_path=state / "messages.jsonl"
        )
        self.stripe = LocalStripe(
            api_key=self.keys["stripe"],
            webhook_secret=self.keys["stripe_webhook"],
            prices=dict(LOCAL_PRICES.values()),
            port=_port_for(0, remembered.get("stripe")),
            state_path=state / "stripe.json",
        )
        self.authority = DevAuthority.load_or_create(state / "auth")
        self._api_url = ""
        self.queue_url = ""
        self.dead_letter_url = ""
        self.lambdas: Lambdas | None = None
        self.gateway: Gateway | None = None
        self.sign_in: LocalSignIn | None = None
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
        for service in (self.sqs, self.s3, self.kvs, self.upstash, self.providers, self.stripe):
            service.start()
            self._started.append(service)
        self.site_index_arn = self.kvs.create(SITE_INDEX)
        ensure_bucket(self.s3.endpoint_url, MEDIA_BUCKET, REGION)
        self.publish_site()
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
        gateway, lambdas = self._start_gateway()
        self._allow_the_site_to_post_photos()
        self._write_ports()
        self.publish_professional_pages()
        self.publish_auth_config()
        # Stripe's events come back through the gateway, as Stripe's would through API Gateway.
        self.stripe.webhook_url = f"{gateway.url}/api/stripe/webhook"
        if queue.consumer is not None and self.options.run_consumer:
            self.consumer = QueueConsumer(self.sqs_client(), queue, self.queue_url, lambdas)
            self.consumer.start()
            self._started.append(self.consumer)
        if self.options.run_schedules:
            self._start_tickers()

    def _start_gateway(self) -> tuple[Gateway, Lambdas]:
        """The gateway on its port; the functions, the issuer and the CORS origin know that
        port before it listens (they name it in links), so an auto-picked port taken
        meanwhile is replaced and everything made again for the new one."""
        for attempt in range(3):
            port = self._gateway_port or _free_port()
            self._api_url = f"http://{HOST}:{port}"
            self.authority = DevAuthority.load_or_create(
                self.options.state_dir / "auth", issuer=f"{self._api_url}/local-auth"
            )
            lambdas = Lambdas(self.stack.functions, self.environment())
            self.sign_in = LocalSignIn(
                self.authority,
                self.options.state_dir / "auth",
                origins=(self._api_url, self.app_base_url),
                demo_users=demo_users(),
            )
            gateway = Gateway(
                self.stack.routes,
                lambdas,
                self.authority,
                port=port,
                local_routes=self._local_routes(),
                cors=load_cors(TEMPLATE, {"CorsAllowedOrigin": self.app_base_url}),
                site=BucketSite(self.s3.endpoint_url, PAGES_BUCKET, self.site_index(), REGION),
                prefix_routes={f"{SIGN_IN_PREFIX}/": self.sign_in},
                media=self.s3.endpoint_url,
            )
            try:
                gateway.start()
            except OSError:
                if self._gateway_port or attempt == 2:
                    raise
                continue
            self.gateway, self.lambdas = gateway, lambdas
            self._started.append(gateway)
            return gateway, lambdas
        raise AssertionError("unreachable")

    def _allow_the_site_to_post_photos(self) -> None:
        """The template's MediaBucket CORS rule on the local media bucket, for the site's
        origin here: the gateway (it serves the pages) and APP_BASE_URL when it is another."""
        origins = list(dict.fromkeys((self._api_url, self.app_base_url)))
        ensure_bucket(
            self.s3.endpoint_url, MEDIA_BUCKET, REGION, cors_rules=media_cors_rules(origins)
        )

    def page_headers(self, *, embed: bool) -> dict[str, str]:
        """The security headers the gateway's page answers carry in this run."""
        assert self.gateway is not None
        return self.gateway.page_headers(embed=embed)

    def _write_ports(self) -> None:
        assert self.gateway is not None
        urls = {
            "gateway": self.gateway.url,
            "sqs": self.sqs.endpoint_url,
            "s3": self.s3.endpoint_url,
            "upstash": self.upstash.url,
            "providers": self.providers.url,
            "stripe": self.stripe.url,
        }
        ports = {name: int(url.rsplit(":", 1)[1]) for name, url in urls.items()}
        fresh = self.options.state_dir / "ports.json.tmp"
        fresh.write_text(json.dumps(ports))
        fresh.replace(self.options.state_dir / "ports.json")

    def publish_site(self) -> None:
        """Build pages/site into the state folder (each stack its own build, so two stacks
        never write one folder) and upload it to the pages bucket, as `make deploy-pages`
        does on AWS. Running again publishes the sources as they are now."""
        ensure_bucket(self.s3.endpoint_url, PAGES_BUCKET, REGION)
        built = self.options.state_dir / "site"
        build_site(out=built)
        upload_site(s3_client(self.s3.endpoint_url, REGION), PAGES_BUCKET, built)
        # The sign-in settings are written once the gateway has its port (publish_auth_config).
        index_site(self.site_index(), built, extra=[AUTH_CONFIG_KEY])

    def site_index(self) -> KeyValueStoreSiteIndex:
        """A writer and reader of the local site index, as the upload and the publisher are."""
        use_local_credentials(REGION)
        return KeyValueStoreSiteIndex(self.site_index_arn, endpoint_url=self.kvs.url)

    def publish_auth_config(self) -> None:
        """The pages' sign-in settings (/auth-config.json) for the dev authority, which only
        exists once the gateway knows its port; `infra.pages upload --stack` writes the same
        object from the Cognito outputs on AWS."""
        assert self.sign_in is not None
        config = auth_config(
            authorize_url=f"{self.authority.issuer}/authorize",
            token_url=f"{self.authority.issuer}/token",
            client_id=self.sign_in.client_id,
        )
        put_auth_config(s3_client(self.s3.endpoint_url, REGION), PAGES_BUCKET, config)

    def publish_professional_pages(self) -> None:
        """Write every professional's page and old slug's redirect, after the site's build is
        up, as the minute's sweep would: the S3 and site index stand-ins keep nothing between
        starts, so every slug of the registry is queued again first."""
        conn = connect(self.postgres.url)
        try:
            conn.run("INSERT INTO site_page_jobs (slug) SELECT slug FROM professional_slugs")
        finally:
            conn.close()
        self.fire(PAGES_SWEEP)

    @property
    def app_base_url(self) -> str:
        return self.options.app_base_url or self._api_url

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
            # Uploads and photos go through the S3 stand-in, which also serves them.
            "S3_ENDPOINT_URL": self.s3.endpoint_url,
            "MEDIA_BUCKET": MEDIA_BUCKET,
            "MEDIA_BASE_URL": f"{self.s3.endpoint_url}/{MEDIA_BUCKET}",
            # The site index the page publisher writes (the edge's KeyValueStore).
            "SITE_INDEX_ARN": self.site_index_arn,
            "SITE_INDEX_ENDPOINT_URL": self.kvs.url,
            # The professionals' pages are written where the site's build went.
            "PAGES_BUCKET": PAGES_BUCKET,
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
            "APP_BASE_URL": self.app_base_url,
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
        return self._api_url

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

        built = build_document()
        # The document names the default gateway; this one serves on its own port.
        named = [server["url"] for server in built["servers"]]
        servers = [{"url": self._api_url, "description": "Local gateway (make dev)"}]
        document = json.dumps({**built, "servers": servers}).encode()
        page = docs_page("/openapi.json")
        for url in named:
            page = page.replace(f"<code>{html.escape(url)}</code>", f"<code>{self._api_url}</code>")
        routes: dict[tuple[str, str], LocalRoute] = {
            ("GET", "/openapi.json"): lambda _: Answer(
                200, {"content-type": "application/json"}, document
            ),
            ("GET", "/docs"): lambda _: Answer(
                200, {"content-type": "text/html; charset=utf-8"}, page.encode()
            ),
            ("GET", "/.well-known/jwks.json"): lambda _: Answer.json(200, self.authority.jwks()),
            ("GET", "/_local/health"): lambda _: Answer.json(200, {"ok": True}),
        }
        for schedule in self.stack.schedules:
            routes[("POST", f"/_local/schedules/{schedule.name}")] = self._firing(schedule.name)
        return routes

    def _firing(self, name: str) -> LocalRoute:
        return lambda _: Answer.json(200, {"result": self.fire(name)})
