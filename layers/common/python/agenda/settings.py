"""Configuration from the environment, validated when a function starts.

Each concern reads only what it needs, so a function fails at start-up naming the exact
variable it is missing, and never carries settings it does not use. Plain dataclasses keep
this off the cold path's import bill (no pydantic here).

The environment. Every ``from_env()`` reads through ``environment()``: the mapping a
``contextvars.ContextVar`` holds for the current context, ``os.environ`` unless something set
it. ``using_environment(mapping)`` sets it for the code inside the ``with`` (the current thread
or task only), so the local stack can run each function in-process with its own variables
without touching the process's ``os.environ``. On AWS nothing sets it: a function reads its own
process environment.

Secrets. A setting that is a secret is a ``Secret``: locally the value itself (say
``UPSTASH_REDIS_REST_TOKEN``), on AWS the ARN of a Secrets Manager secret (say
``UPSTASH_TOKEN_SECRET_ARN``), optionally with the JSON key to pick from it (the RDS secret's
``"password"``). ``Secret.from_env`` fails at start-up naming both variables when neither is
set. The value behind an ARN is read on first use, never at import (a SnapStart snapshot must
not carry it), through the AWS Parameters and Secrets Lambda Extension on localhost: no boto3
(about 200 ms of imports) on the cold path, and the extension caches between invocations. A
``Secret``'s repr shows the ARN, never a value.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import unquote, urlencode, urlsplit


class SettingsError(RuntimeError):
    """A required setting is missing or malformed: raised at start-up, never per request."""


# -- the environment --------------------------------------------------------------------------

_ENVIRONMENT: ContextVar[Mapping[str, str]] = ContextVar("agenda_environment", default=os.environ)


def environment() -> Mapping[str, str]:
    """The variables settings read: those ``using_environment`` set here, else ``os.environ``."""
    return _ENVIRONMENT.get()


@contextmanager
def using_environment(mapping: Mapping[str, str]) -> Iterator[Mapping[str, str]]:
    """Read settings (and resolve secrets) from ``mapping`` inside the ``with``, in this context
    only: other threads, and the code after the ``with``, keep what they had."""
    token = _ENVIRONMENT.set(mapping)
    try:
        yield mapping
    finally:
        _ENVIRONMENT.reset(token)


def _optional(name: str) -> str | None:
    return environment().get(name, "").strip() or None


def _required(name: str) -> str:
    value = _optional(name)
    if value is None:
        raise SettingsError(f"missing required environment variable {name}")
    return value


def _int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = _optional(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


# -- the pieces several settings share ----------------------------------------------------------


def _region() -> str:
    return _optional("AWS_REGION") or _optional("AWS_DEFAULT_REGION") or "us-east-1"


def _sqs_endpoint_url() -> str | None:
    """A local SQS endpoint; None on AWS (boto3 finds the region's)."""
    return _optional("SQS_ENDPOINT_URL")


def _app_base_url() -> str:
    base = _required("APP_BASE_URL").rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError("APP_BASE_URL must be an http(s) URL such as https://app.example")
    return base


def _timeout_seconds(name: str, default_ms: int, *, minimum_ms: int) -> float:
    """A timeout given in milliseconds (NAME_TIMEOUT_MS), as the seconds clients take."""
    return _int(name, default_ms, minimum=minimum_ms) / 1000


def _provider_timeout_seconds() -> float:
    """How long a call to WhatsApp (Evolution API) or email (Resend) may take."""
    return _timeout_seconds("PROVIDER_TIMEOUT_MS", 5000, minimum_ms=100)


# -- secrets ------------------------------------------------------------------------------------

# SecretString by ARN, for the container's life (as the extension's own cache, per process).
_resolved: dict[str, str] = {}
_resolving = threading.Lock()


def _secret_string(arn: str) -> str:
    with _resolving:
        if arn not in _resolved:
            _resolved[arn] = _from_extension(arn)
        return _resolved[arn]


def _from_extension(arn: str) -> str:
    from urllib.request import Request, urlopen

    env = environment()
    port = env.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "").strip() or "2773"
    request = Request(
        f"http://localhost:{port}/secretsmanager/get?{urlencode({'secretId': arn})}",
        headers={"X-Aws-Parameters-Secrets-Token": env.get("AWS_SESSION_TOKEN", "")},
    )
    with urlopen(request, timeout=3) as answer:  # noqa: S310 - fixed localhost URL
        secret_string: str = json.load(answer)["SecretString"]
    return secret_string


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret setting: its value (local) or the ARN of the secret holding it (AWS).

    ``value()`` answers it, reading the ARN's secret on first use; with ``key`` the secret is a
    JSON object and the value is its ``key`` field.
    """

    local: str | None = None
    arn: str | None = None
    key: str | None = None

    def __post_init__(self) -> None:
        if (self.local is None) == (self.arn is None):
            raise ValueError("a Secret holds either a value or an ARN")

    @classmethod
    def of(cls, value: str) -> Secret:
        return cls(local=value)

    @classmethod
    def optional_from_env(
        cls, value_name: str, arn_name: str, *, key: str | None = None
    ) -> Secret | None:
        value = _optional(value_name)
        if value is not None:
            return cls(local=value)
        arn = _optional(arn_name)
        return None if arn is None else cls(arn=arn, key=key)

    @classmethod
    def from_env(cls, value_name: str, arn_name: str, *, key: str | None = None) -> Secret:
        """VALUE_NAME's value, else the secret ARN_NAME names; neither fails naming both."""
        secret = cls.optional_from_env(value_name, arn_name, key=key)
        if secret is None:
            raise SettingsError(f"missing required environment variable {value_name} or {arn_name}")
        return secret

    def value(self) -> str:
        if self.local is not None:
            return self.local
        assert self.arn is not None
        secret_string = _secret_string(self.arn)
        if self.key is None:
            return secret_string
        try:
            return str(json.loads(secret_string)[self.key])
        except (ValueError, KeyError, TypeError) as exc:
            raise SettingsError(f"the secret {self.arn} has no JSON field {self.key!r}") from exc

    def __repr__(self) -> str:
        if self.arn is None:
            return "Secret(<value hidden>)"
        key = "" if self.key is None else f", key={self.key!r}"
        return f"Secret(arn={self.arn!r}{key})"

    __str__ = __repr__


# -- the settings of each concern ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """Either DATABASE_URL (local) or DB_HOST/DB_NAME/DB_USER and DB_SECRET_ARN (RDS Proxy: the
    RDS secret is JSON, its "password" field the password) or, without a secret, DB_PASSWORD."""

    host: str
    port: int
    name: str
    user: str
    password: Secret | None  # None: connect without one (a local trust setup)
    connect_timeout_seconds: int
    tls: bool = False  # RDS Proxy: encrypt the connection (DB_SSL=true)

    @classmethod
    def from_url(cls, url: str, *, connect_timeout_seconds: int = 5) -> DatabaseSettings:
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql") or not parts.hostname:
            raise SettingsError("DATABASE_URL must look like postgresql://user:pw@host:port/db")
        return cls(
            host=parts.hostname,
            port=parts.port or 5432,
            name=parts.path.lstrip("/") or "postgres",
            user=unquote(parts.username or "postgres"),
            password=Secret.of(unquote(parts.password)) if parts.password else None,
            connect_timeout_seconds=connect_timeout_seconds,
        )

    @classmethod
    def from_env(cls) -> DatabaseSettings:
        timeout = _int("DB_CONNECT_TIMEOUT_SECONDS", 5, minimum=1)
        url = _optional("DATABASE_URL")
        if url:
            return cls.from_url(url, connect_timeout_seconds=timeout)
        return cls(
            host=_required("DB_HOST"),
            port=_int("DB_PORT", 5432, minimum=1),
            name=_required("DB_NAME"),
            user=_required("DB_USER"),
            password=Secret.from_env("DB_PASSWORD", "DB_SECRET_ARN", key="password"),
            connect_timeout_seconds=timeout,
            tls=(_optional("DB_SSL") or "true").lower() == "true",
        )


@dataclass(frozen=True, slots=True)
class QueueSettings:
    queue_url: str
    region: str
    endpoint_url: str | None  # a local SQS endpoint; None on AWS

    @classmethod
    def from_env(cls) -> QueueSettings:
        return cls(
            queue_url=_required("NOTIFICATIONS_QUEUE_URL"),
            region=_region(),
            endpoint_url=_sqs_endpoint_url(),
        )


@dataclass(frozen=True, slots=True)
class MediaSettings:
    """The media bucket (professionals' photos) and the public address it is served from."""

    bucket: str
    public_base_url: str  # the CDN's https:// address; locally the S3 endpoint's bucket
    region: str
    endpoint_url: str | None  # a local S3 endpoint; None on AWS

    @classmethod
    def from_env(cls) -> MediaSettings:
        return cls(
            bucket=_required("MEDIA_BUCKET"),
            public_base_url=_required("MEDIA_BASE_URL").rstrip("/"),
            region=_region(),
            endpoint_url=_optional("S3_ENDPOINT_URL"),
        )


@dataclass(frozen=True, slots=True)
class SitePagesSettings:
    """The pages bucket the professionals' pages are written to, and the site's address their
    links and link previews name."""

    bucket: str
    site_url: str  # APP_BASE_URL: the site serves the pages and /api on one origin
    region: str
    endpoint_url: str | None  # a local S3 endpoint; None on AWS

    @classmethod
    def from_env(cls) -> SitePagesSettings:
        return cls(
            bucket=_required("PAGES_BUCKET"),
            site_url=_app_base_url(),
            region=_region(),
            endpoint_url=_optional("S3_ENDPOINT_URL"),
        )


@dataclass(frozen=True, slots=True)
class EdgeSettings:
    """Whether the API trusts the site distribution's word on the viewer's address: the secret
    the distribution sends in X-Origin-Verify (ORIGIN_VERIFY_SECRET locally, the secret
    ORIGIN_VERIFY_SECRET_ARN names on AWS); None when the API is not behind the site."""

    origin_verify_secret: Secret | None

    @classmethod
    def from_env(cls) -> EdgeSettings:
        return cls(Secret.optional_from_env("ORIGIN_VERIFY_SECRET", "ORIGIN_VERIFY_SECRET_ARN"))


@dataclass(frozen=True, slots=True)
class SiteIndexSettings:
    """The site index (a CloudFront KeyValueStore) the edge answers page paths from."""

    kvs_arn: str
    region: str
    endpoint_url: str | None  # the local stand-in (infra/local/kvs.py); None on AWS

    @classmethod
    def from_env(cls) -> SiteIndexSettings:
        return cls(
            kvs_arn=_required("SITE_INDEX_ARN"),
            region=_region(),
            endpoint_url=_optional("SITE_INDEX_ENDPOINT_URL"),
        )


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    url: str
    token: Secret  # UPSTASH_REDIS_REST_TOKEN, or UPSTASH_TOKEN_SECRET_ARN's secret
    timeout_seconds: float

    @classmethod
    def from_env(cls) -> RateLimitSettings:
        return cls(
            url=_required("UPSTASH_REDIS_REST_URL"),
            token=Secret.from_env("UPSTASH_REDIS_REST_TOKEN", "UPSTASH_TOKEN_SECRET_ARN"),
            timeout_seconds=_timeout_seconds("UPSTASH_TIMEOUT_MS", 1000, minimum_ms=50),
        )


@dataclass(frozen=True, slots=True)
class BookingSettings:
    # The booking answer never comes sooner than this after the request started, so the
    # time taken does not tell an attacker which path ran (new client, existing client, ...).
    response_floor_ms: int

    @classmethod
    def from_env(cls) -> BookingSettings:
        return cls(response_floor_ms=_int("BOOKING_RESPONSE_FLOOR_MS", 250))


@dataclass(frozen=True, slots=True)
class WhatsAppSettings:
    """The Evolution API: where it is, the platform's own instance, and its key (WHATSAPP_API_KEY
    locally, the secret WHATSAPP_API_KEY_SECRET_ARN names on AWS). The sender and the watchdog
    read the same three."""

    url: str
    instance: str
    key: Secret

    @classmethod
    def from_env(cls) -> WhatsAppSettings:
        return cls(
            url=_required("WHATSAPP_API_URL").rstrip("/"),
            instance=_required("WHATSAPP_INSTANCE"),
            key=Secret.from_env("WHATSAPP_API_KEY", "WHATSAPP_API_KEY_SECRET_ARN"),
        )


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """WhatsApp through the Evolution API, email through Resend (its key EMAIL_API_KEY locally,
    the secret EMAIL_API_KEY_SECRET_ARN names on AWS)."""

    whatsapp: WhatsAppSettings
    email_url: str
    email_key: Secret
    email_from: str
    timeout_seconds: float

    @classmethod
    def from_env(cls) -> ProviderSettings:
        return cls(
            whatsapp=WhatsAppSettings.from_env(),
            email_url=(_optional("EMAIL_API_URL") or "https://api.resend.com").rstrip("/"),
            email_key=Secret.from_env("EMAIL_API_KEY", "EMAIL_API_KEY_SECRET_ARN"),
            email_from=_required("EMAIL_FROM"),
            timeout_seconds=_provider_timeout_seconds(),
        )


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    """How the consumer retries (the numbers and their reasons are in template.yaml)."""

    max_receive_count: int
    retry_base_seconds: int
    lease_seconds: int

    @classmethod
    def from_env(cls) -> NotificationSettings:
        return cls(
            max_receive_count=_int("NOTIFICATIONS_MAX_RECEIVE_COUNT", 8, minimum=1),
            retry_base_seconds=_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30, minimum=0),
            lease_seconds=_int("DELIVERY_LEASE_SECONDS", 60, minimum=1),
        )


# An HMAC key shorter than this is refused, whether it comes from a variable or a secret.
GUEST_LINK_SECRET_MIN_BYTES = 16


@dataclass(frozen=True, slots=True)
class GuestLinkSettings:
    """The links clients without an account get to manage a booking (see agenda.service.links).

    The HMAC key is GUEST_LINK_SECRET locally, the secret GUEST_LINK_SECRET_ARN names on AWS.
    """

    app_base_url: str
    secret: Secret
    # A link works until this many days after the session ends (calendar files, late viewing).
    valid_days_after: int
    # A registration invite works this many days after it was sent (agenda.domain.client_invite).
    invite_valid_days: int = 30

    @classmethod
    def from_env(cls) -> GuestLinkSettings:
        secret = Secret.from_env("GUEST_LINK_SECRET", "GUEST_LINK_SECRET_ARN")
        if secret.local is not None and len(secret.local.encode()) < GUEST_LINK_SECRET_MIN_BYTES:
            raise SettingsError(
                f"GUEST_LINK_SECRET must have at least {GUEST_LINK_SECRET_MIN_BYTES} bytes"
            )
        return cls(
            app_base_url=_app_base_url(),
            secret=secret,
            valid_days_after=_int("GUEST_LINK_VALID_DAYS_AFTER", 14, minimum=0),
            invite_valid_days=_int("CLIENT_INVITE_VALID_DAYS", 30, minimum=1),
        )

    def key(self) -> bytes:
        value = self.secret.value().encode()
        if len(value) < GUEST_LINK_SECRET_MIN_BYTES:
            raise SettingsError(
                f"the guest link secret must have at least {GUEST_LINK_SECRET_MIN_BYTES} bytes"
            )
        return value


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """The reminder job: how many appointments one page (one short transaction) holds."""

    page_size: int

    @classmethod
    def from_env(cls) -> ReminderSettings:
        return cls(page_size=_int("REMINDER_PAGE_SIZE", 1000, minimum=1))


@dataclass(frozen=True, slots=True)
class WatchdogSettings:
    """The WhatsApp watchdog: the provider's connection-state API, the dead-letter queue it
    measures, and the thresholds at which it alerts (a measure at or above its threshold)."""

    whatsapp: WhatsAppSettings
    dead_letter_queue_url: str
    region: str
    sqs_endpoint_url: str | None
    dead_letter_threshold: int
    failed_threshold: int
    timeout_seconds: float

    @classmethod
    def from_env(cls) -> WatchdogSettings:
        return cls(
            whatsapp=WhatsAppSettings.from_env(),
            dead_letter_queue_url=_required("NOTIFICATIONS_DLQ_URL"),
            region=_region(),
            sqs_endpoint_url=_sqs_endpoint_url(),
            dead_letter_threshold=_int("WATCHDOG_DLQ_THRESHOLD", 1, minimum=1),
            failed_threshold=_int("WATCHDOG_FAILED_THRESHOLD", 10, minimum=1),
            timeout_seconds=_provider_timeout_seconds(),
        )


@dataclass(frozen=True, slots=True)
class StripeSettings:
    """Stripe: the API (its base is configurable, so the local stack talks to a stand-in), the
    webhook signing secrets, the price of each plan, and where Checkout sends people back.

    The keys are STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET locally, the secrets that
    STRIPE_SECRET_ARN / STRIPE_WEBHOOK_SECRET_ARN name on AWS. During a webhook secret roll,
    the webhook secret may hold both secrets, comma separated. Only the webhook needs the
    webhook secret, so it is checked when first used, not at start-up.
    """

    api_base: str
    secret_key: Secret
    webhook_secret: Secret | None
    # plan name -> Stripe price id (STRIPE_PRICE_BASIC, STRIPE_PRICE_PRO, STRIPE_PRICE_PREMIUM)
    prices: dict[str, str]
    app_base_url: str
    timeout_seconds: float
    # How far a signed timestamp may be from our clock, either way.
    webhook_tolerance_seconds: int
    # How long an unpaid booking holds its slot: its Checkout Session expires then. Stripe
    # accepts 30 minutes to 24 hours.
    payment_hold_minutes: int

    @classmethod
    def from_env(cls) -> StripeSettings:
        prices = {
            plan: _required(f"STRIPE_PRICE_{plan.upper()}") for plan in ("basic", "pro", "premium")
        }
        if len(set(prices.values())) != len(prices):
            raise SettingsError("each plan needs its own Stripe price (STRIPE_PRICE_*)")
        hold = _int("PAYMENT_HOLD_MINUTES", 30, minimum=30)
        if hold > 24 * 60:
            raise SettingsError("PAYMENT_HOLD_MINUTES must be at most 1440 (Stripe's limit)")
        return cls(
            api_base=(_optional("STRIPE_API_BASE") or "https://api.stripe.com").rstrip("/"),
            secret_key=Secret.from_env("STRIPE_SECRET_KEY", "STRIPE_SECRET_ARN"),
            webhook_secret=Secret.optional_from_env(
                "STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET_ARN"
            ),
            prices=prices,
            app_base_url=_app_base_url(),
            timeout_seconds=_timeout_seconds("STRIPE_TIMEOUT_MS", 8000, minimum_ms=500),
            webhook_tolerance_seconds=_int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1),
            payment_hold_minutes=hold,
        )

    @property
    def plan_by_price(self) -> dict[str, str]:
        return {price: plan for plan, price in self.prices.items()}

    def webhook_secrets(self) -> list[str]:
        if self.webhook_secret is None:
            raise SettingsError(
                "missing required environment variable STRIPE_WEBHOOK_SECRET"
                " or STRIPE_WEBHOOK_SECRET_ARN"
            )
        secrets = [part.strip() for part in self.webhook_secret.value().split(",") if part.strip()]
        if not secrets:
            raise SettingsError("the Stripe webhook secret is empty")
        return secrets
