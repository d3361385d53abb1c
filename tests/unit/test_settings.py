"""Settings read through agenda.settings.environment(), and secrets: a value locally, an ARN
on AWS read through the Parameters and Secrets Lambda Extension (here a small HTTP server on
127.0.0.1 standing in for it) on first use."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import pytest

from agenda.settings import (
    DatabaseSettings,
    GuestLinkSettings,
    ProviderSettings,
    QueueSettings,
    RateLimitSettings,
    Secret,
    SettingsError,
    StripeSettings,
    WatchdogSettings,
    environment,
    using_environment,
)

pytestmark = pytest.mark.unit


@dataclass
class Extension:
    """What the stand-in extension holds (SecretString by secret id) and was asked."""

    port: int
    secrets: dict[str, str]
    asked: list[tuple[str, str | None]] = field(default_factory=list)

    def environment(self, **more: str) -> dict[str, str]:
        return {
            "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": str(self.port),
            "AWS_SESSION_TOKEN": "session-token",
            **more,
        }


@pytest.fixture
def extension() -> Iterator[Extension]:
    held: dict[str, str] = {}
    asked: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            secret_id = parse_qs(parts.query).get("secretId", [""])[0]
            asked.append((secret_id, self.headers.get("X-Aws-Parameters-Secrets-Token")))
            if parts.path != "/secretsmanager/get" or secret_id not in held:
                self.send_response(400)
                self.end_headers()
                return
            body = json.dumps({"ARN": secret_id, "SecretString": held[secret_id]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Extension(port=server.server_address[1], secrets=held, asked=asked)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def an_arn() -> str:
    # Resolved secrets are kept for the process's life, so each test names its own.
    return f"arn:aws:secretsmanager:us-east-1:123456789012:secret:agenda/{uuid4().hex}"


def test_a_secret_from_its_value_needs_no_extension() -> None:
    with using_environment({"UPSTASH_REDIS_REST_URL": "http://u", "UPSTASH_REDIS_REST_TOKEN": "t"}):
        settings = RateLimitSettings.from_env()
    assert settings.token == Secret.of("t")
    assert settings.token.value() == "t"


def test_a_secret_from_an_arn_is_read_through_the_extension_on_first_use(
    extension: Extension,
) -> None:
    arn = an_arn()
    extension.secrets[arn] = "upstash-token"
    env = extension.environment(UPSTASH_REDIS_REST_URL="http://u", UPSTASH_TOKEN_SECRET_ARN=arn)
    with using_environment(env):
        settings = RateLimitSettings.from_env()
        assert extension.asked == []  # never at start-up: a snapshot must not carry it
        assert settings.token.value() == "upstash-token"
        assert settings.token.value() == "upstash-token"
    assert extension.asked == [(arn, "session-token")]  # once, with the session's token


def test_a_json_secret_answers_its_key(extension: Extension) -> None:
    arn = an_arn()
    extension.secrets[arn] = json.dumps({"username": "agenda", "password": "pw from rds"})
    env = extension.environment(
        DB_HOST="proxy.example", DB_NAME="agenda", DB_USER="agenda", DB_SECRET_ARN=arn
    )
    with using_environment(env):
        settings = DatabaseSettings.from_env()
        assert settings.password == Secret(arn=arn, key="password")
        assert settings.password.value() == "pw from rds"
        with pytest.raises(SettingsError, match="'missing'"):
            Secret(arn=arn, key="missing").value()


@pytest.mark.parametrize(
    ("build", "env", "names"),
    [
        (RateLimitSettings.from_env, {"UPSTASH_REDIS_REST_URL": "http://u"},
         ("UPSTASH_REDIS_REST_TOKEN", "UPSTASH_TOKEN_SECRET_ARN")),
        (DatabaseSettings.from_env, {"DB_HOST": "h", "DB_NAME": "n", "DB_USER": "u"},
         ("DB_PASSWORD", "DB_SECRET_ARN")),
        (GuestLinkSettings.from_env, {"APP_BASE_URL": "https://app.example"},
         ("GUEST_LINK_SECRET", "GUEST_LINK_SECRET_ARN")),
        (ProviderSettings.from_env,
         {"WHATSAPP_API_URL": "http://w", "WHATSAPP_INSTANCE": "i", "EMAIL_FROM": "a@b.c"},
         ("WHATSAPP_API_KEY", "WHATSAPP_API_KEY_SECRET_ARN")),
        (StripeSettings.from_env,
         {"APP_BASE_URL": "https://app.example", "STRIPE_PRICE_BASIC": "p1",
          "STRIPE_PRICE_PRO": "p2", "STRIPE_PRICE_PREMIUM": "p3"},
         ("STRIPE_SECRET_KEY", "STRIPE_SECRET_ARN")),
    ],
)  # fmt: skip
def test_a_missing_secret_fails_at_start_up_naming_both_variables(
    build: Any, env: dict[str, str], names: tuple[str, str]
) -> None:
    with using_environment(env), pytest.raises(SettingsError) as missing:
        build()
    assert all(name in str(missing.value) for name in names)


def test_the_email_key_is_required_too() -> None:
    env = {
        "WHATSAPP_API_URL": "http://w",
        "WHATSAPP_INSTANCE": "i",
        "WHATSAPP_API_KEY": "k",
        "EMAIL_FROM": "a@b.c",
    }
    with using_environment(env), pytest.raises(SettingsError, match="EMAIL_API_KEY_SECRET_ARN"):
        ProviderSettings.from_env()


def test_the_webhook_secret_is_checked_when_the_webhook_needs_it() -> None:
    env = {
        "APP_BASE_URL": "https://app.example",
        "STRIPE_PRICE_BASIC": "p1",
        "STRIPE_PRICE_PRO": "p2",
        "STRIPE_PRICE_PREMIUM": "p3",
        "STRIPE_SECRET_KEY": "sk",
    }
    with using_environment(env):
        settings = StripeSettings.from_env()
    with pytest.raises(SettingsError, match="STRIPE_WEBHOOK_SECRET_ARN"):
        settings.webhook_secrets()
    with using_environment({**env, "STRIPE_WEBHOOK_SECRET": "whsec_old, whsec_new"}):
        assert StripeSettings.from_env().webhook_secrets() == ["whsec_old", "whsec_new"]


def test_a_repr_never_shows_the_value() -> None:
    secret = Secret.of("hunter2-hunter2-hunter2")
    settings = GuestLinkSettings("https://app.example", secret, valid_days_after=14)
    for text in (repr(secret), str(secret), f"{secret}", repr(settings), str(settings)):
        assert "hunter2" not in text
    arn = an_arn()
    assert repr(Secret(arn=arn, key="password")) == f"Secret(arn={arn!r}, key='password')"


def test_a_secret_is_a_value_or_an_arn() -> None:
    with pytest.raises(ValueError, match="either a value or an ARN"):
        Secret()
    with pytest.raises(ValueError, match="either a value or an ARN"):
        Secret(local="x", arn="arn:x")


def test_a_short_guest_link_secret_is_refused_at_start_up() -> None:
    env = {"APP_BASE_URL": "https://app.example", "GUEST_LINK_SECRET": "short"}
    with using_environment(env), pytest.raises(SettingsError, match="16 bytes"):
        GuestLinkSettings.from_env()


def test_shared_pieces_read_the_same_variables_everywhere() -> None:
    common = {
        "AWS_DEFAULT_REGION": "sa-east-1",
        "SQS_ENDPOINT_URL": "http://127.0.0.1:9324",
        "NOTIFICATIONS_QUEUE_URL": "http://q",
        "NOTIFICATIONS_DLQ_URL": "http://dlq",
        "WHATSAPP_API_URL": "http://w",
        "WHATSAPP_INSTANCE": "i",
        "WHATSAPP_API_KEY": "k",
        "PROVIDER_TIMEOUT_MS": "1500",
    }
    with using_environment(common):
        queue, watchdog = QueueSettings.from_env(), WatchdogSettings.from_env()
    assert (queue.region, queue.endpoint_url) == ("sa-east-1", "http://127.0.0.1:9324")
    assert (watchdog.region, watchdog.sqs_endpoint_url) == ("sa-east-1", "http://127.0.0.1:9324")
    assert watchdog.timeout_seconds == 1.5
    with using_environment({**common, "AWS_REGION": "eu-west-1"}):
        assert QueueSettings.from_env().region == "eu-west-1"
    with using_environment({"NOTIFICATIONS_QUEUE_URL": "http://q"}):
        assert QueueSettings.from_env().region == "us-east-1"
    env = {"APP_BASE_URL": "app.example", "GUEST_LINK_SECRET": "x" * 16}
    with using_environment(env), pytest.raises(SettingsError, match="APP_BASE_URL"):
        GuestLinkSettings.from_env()


def test_the_environment_is_os_environ_unless_set() -> None:
    assert environment() is os.environ
    with using_environment({"A": "1"}) as env:
        assert environment() is env
        with using_environment({}):
            assert environment() == {}
        assert environment() is env
    assert environment() is os.environ


def test_two_threads_with_their_own_environments_read_their_own_values() -> None:
    both_inside = threading.Barrier(2, timeout=5)
    read: dict[str, str] = {}

    def function(name: str) -> None:
        env = {"UPSTASH_REDIS_REST_URL": f"http://{name}", "UPSTASH_REDIS_REST_TOKEN": name}
        with using_environment(env):
            both_inside.wait()  # each reads while the other's environment is set too
            settings = RateLimitSettings.from_env()
        read[name] = f"{settings.url} {settings.token.value()}"

    threads = [threading.Thread(target=function, args=(name,)) for name in ("booking", "cron")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert read == {"booking": "http://booking booking", "cron": "http://cron cron"}
    assert environment() is os.environ
