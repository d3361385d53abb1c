"""Configuration from the environment, validated when a function starts.

Each concern reads only what it needs, so a function fails at start-up naming the exact
variable it is missing, and never carries settings it does not use. Plain dataclasses keep
this off the cold path's import bill (no pydantic here).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


class SettingsError(RuntimeError):
    """A required setting is missing or malformed: raised at start-up, never per request."""


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise SettingsError(f"missing required environment variable {name}")
    return value


def _int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    """Either DATABASE_URL (local) or DB_HOST/DB_NAME/DB_USER + DB_SECRET_ARN (RDS Proxy)."""

    host: str
    port: int
    name: str
    user: str
    password: str | None
    secret_arn: str | None
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
            password=unquote(parts.password) if parts.password else None,
            secret_arn=None,
            connect_timeout_seconds=connect_timeout_seconds,
        )

    @classmethod
    def from_env(cls) -> DatabaseSettings:
        timeout = _int("DB_CONNECT_TIMEOUT_SECONDS", 5, minimum=1)
        url = os.environ.get("DATABASE_URL", "").strip()
        if url:
            return cls.from_url(url, connect_timeout_seconds=timeout)
        return cls(
            host=_required("DB_HOST"),
            port=_int("DB_PORT", 5432, minimum=1),
            name=_required("DB_NAME"),
            user=_required("DB_USER"),
            password=None,
            secret_arn=_required("DB_SECRET_ARN"),
            connect_timeout_seconds=timeout,
            tls=os.environ.get("DB_SSL", "true").strip().lower() == "true",
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
            region=os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1",
            endpoint_url=os.environ.get("SQS_ENDPOINT_URL") or None,
        )


@dataclass(frozen=True, slots=True)
class RateLimitSettings:
    url: str
    token: str | None  # local: the token itself
    token_secret_arn: str | None  # AWS: read through the secrets extension
    timeout_seconds: float

    @classmethod
    def from_env(cls) -> RateLimitSettings:
        token = os.environ.get("UPSTASH_REDIS_REST_TOKEN") or None
        secret = None if token else _required("UPSTASH_TOKEN_SECRET_ARN")
        return cls(
            url=_required("UPSTASH_REDIS_REST_URL"),
            token=token,
            token_secret_arn=secret,
            timeout_seconds=_int("UPSTASH_TIMEOUT_MS", 1000, minimum=50) / 1000,
        )


@dataclass(frozen=True, slots=True)
class BookingSettings:
    # The booking answer never comes sooner than this after the request started, so the
    # time taken does not tell an attacker which path ran (new client, existing client, ...).
    response_floor_ms: int

    @classmethod
    def from_env(cls) -> BookingSettings:
        return cls(response_floor_ms=_int("BOOKING_RESPONSE_FLOOR_MS", 250))


def _secret_or_value(value_name: str, secret_name: str) -> str:
    value = os.environ.get(value_name, "").strip()
    if value:
        return value
    from agenda.adapters.secrets import secret_value

    return secret_value(_required(secret_name))


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """WhatsApp through the Evolution API, email through Resend."""

    whatsapp_url: str
    whatsapp_instance: str
    whatsapp_key: str
    email_url: str
    email_key: str
    email_from: str
    timeout_seconds: float

    @classmethod
    def from_env(cls) -> ProviderSettings:
        return cls(
            whatsapp_url=_required("WHATSAPP_API_URL").rstrip("/"),
            whatsapp_instance=_required("WHATSAPP_INSTANCE"),
            whatsapp_key=_secret_or_value("WHATSAPP_API_KEY", "WHATSAPP_API_KEY_SECRET_ARN"),
            email_url=os.environ.get("EMAIL_API_URL", "https://api.resend.com").rstrip("/"),
            email_key=_secret_or_value("EMAIL_API_KEY", "EMAIL_API_KEY_SECRET_ARN"),
            email_from=_required("EMAIL_FROM"),
            timeout_seconds=_int("PROVIDER_TIMEOUT_MS", 5000, minimum=100) / 1000,
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


@dataclass(frozen=True, slots=True)
class GuestLinkSettings:
    """The links clients without an account get to manage a booking (see agenda.service.links).

    The HMAC key is GUEST_LINK_SECRET locally; on AWS the secret GUEST_LINK_SECRET_ARN names,
    read on first use (never at import: a SnapStart snapshot must not carry it).
    """

    app_base_url: str
    secret: str | None
    secret_arn: str | None
    # A link works until this many days after the session ends (calendar files, late viewing).
    valid_days_after: int

    @classmethod
    def from_env(cls) -> GuestLinkSettings:
        base = _required("APP_BASE_URL").rstrip("/")
        if urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc:
            raise SettingsError("APP_BASE_URL must be an http(s) URL such as https://app.example")
        secret = os.environ.get("GUEST_LINK_SECRET", "").strip() or None
        if secret is not None and len(secret.encode()) < 16:
            raise SettingsError("GUEST_LINK_SECRET must have at least 16 bytes")
        return cls(
            app_base_url=base,
            secret=secret,
            secret_arn=None if secret else _required("GUEST_LINK_SECRET_ARN"),
            valid_days_after=_int("GUEST_LINK_VALID_DAYS_AFTER", 14, minimum=0),
        )

    def key(self) -> bytes:
        if self.secret is not None:
            return self.secret.encode()
        from agenda.adapters.secrets import secret_value

        assert self.secret_arn is not None
        value = secret_value(self.secret_arn).encode()
        if len(value) < 16:
            raise SettingsError("the guest link secret must have at least 16 bytes")
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
    measures, and the thresholds at which it alerts (a measure at or above its threshold).

    The Evolution API key is WHATSAPP_API_KEY locally; on AWS the secret that
    WHATSAPP_API_KEY_SECRET_ARN names, read on first use.
    """

    whatsapp_url: str
    whatsapp_instance: str
    whatsapp_key_value: str | None
    whatsapp_key_secret_arn: str | None
    dead_letter_queue_url: str
    region: str
    sqs_endpoint_url: str | None
    dead_letter_threshold: int
    failed_threshold: int
    timeout_seconds: float

    @classmethod
    def from_env(cls) -> WatchdogSettings:
        key = os.environ.get("WHATSAPP_API_KEY", "").strip() or None
        return cls(
            whatsapp_url=_required("WHATSAPP_API_URL").rstrip("/"),
            whatsapp_instance=_required("WHATSAPP_INSTANCE"),
            whatsapp_key_value=key,
            whatsapp_key_secret_arn=None if key else _required("WHATSAPP_API_KEY_SECRET_ARN"),
            dead_letter_queue_url=_required("NOTIFICATIONS_DLQ_URL"),
            region=os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1",
            sqs_endpoint_url=os.environ.get("SQS_ENDPOINT_URL") or None,
            dead_letter_threshold=_int("WATCHDOG_DLQ_THRESHOLD", 1, minimum=1),
            failed_threshold=_int("WATCHDOG_FAILED_THRESHOLD", 10, minimum=1),
            timeout_seconds=_int("PROVIDER_TIMEOUT_MS", 5000, minimum=100) / 1000,
        )

    def whatsapp_key(self) -> str:
        if self.whatsapp_key_value is not None:
            return self.whatsapp_key_value
        from agenda.adapters.secrets import secret_value

        assert self.whatsapp_key_secret_arn is not None
        return secret_value(self.whatsapp_key_secret_arn)


@dataclass(frozen=True, slots=True)
class StripeSettings:
    """Stripe: the API (its base is configurable, so the local stack talks to a stand-in), the
    webhook signing secrets, the price of each plan, and where Checkout sends people back.

    The keys are STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET locally; on AWS the secrets that
    STRIPE_SECRET_ARN / STRIPE_WEBHOOK_SECRET_ARN name, read on first use. During a webhook
    secret roll, STRIPE_WEBHOOK_SECRET may hold both secrets, comma separated.
    """

    api_base: str
    secret_key_value: str | None
    secret_key_arn: str | None
    webhook_secret_value: str | None
    webhook_secret_arn: str | None
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
        key = os.environ.get("STRIPE_SECRET_KEY", "").strip() or None
        webhook = os.environ.get("STRIPE_WEBHOOK_SECRET", "").strip() or None
        prices = {
            plan: _required(f"STRIPE_PRICE_{plan.upper()}") for plan in ("basic", "pro", "premium")
        }
        if len(set(prices.values())) != len(prices):
            raise SettingsError("each plan needs its own Stripe price (STRIPE_PRICE_*)")
        base = _required("APP_BASE_URL").rstrip("/")
        hold = _int("PAYMENT_HOLD_MINUTES", 30, minimum=30)
        if hold > 24 * 60:
            raise SettingsError("PAYMENT_HOLD_MINUTES must be at most 1440 (Stripe's limit)")
        return cls(
            api_base=os.environ.get("STRIPE_API_BASE", "").strip().rstrip("/")
            or "https://api.stripe.com",
            secret_key_value=key,
            secret_key_arn=None if key else _required("STRIPE_SECRET_ARN"),
            webhook_secret_value=webhook,
            webhook_secret_arn=None if webhook else os.environ.get("STRIPE_WEBHOOK_SECRET_ARN"),
            prices=prices,
            app_base_url=base,
            timeout_seconds=_int("STRIPE_TIMEOUT_MS", 8000, minimum=500) / 1000,
            webhook_tolerance_seconds=_int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1),
            payment_hold_minutes=hold,
        )

    @property
    def plan_by_price(self) -> dict[str, str]:
        return {price: plan for plan, price in self.prices.items()}

    def secret_key(self) -> str:
        if self.secret_key_value is not None:
            return self.secret_key_value
        from agenda.adapters.secrets import secret_value

        assert self.secret_key_arn is not None
        return secret_value(self.secret_key_arn)

    def webhook_secrets(self) -> list[str]:
        if self.webhook_secret_value is not None:
            raw = self.webhook_secret_value
        elif self.webhook_secret_arn:
            from agenda.adapters.secrets import secret_value

            raw = secret_value(self.webhook_secret_arn)
        else:
            raise SettingsError("missing STRIPE_WEBHOOK_SECRET or STRIPE_WEBHOOK_SECRET_ARN")
        secrets = [part.strip() for part in raw.split(",") if part.strip()]
        if not secrets:
            raise SettingsError("the Stripe webhook secret is empty")
        return secrets
