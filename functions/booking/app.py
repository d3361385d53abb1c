"""GET /api/booking (free slots) and POST /api/booking (book one)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.adapters.postgres import Database
from agenda.adapters.queue import SqsPublisher
from agenda.adapters.ratelimit import UpstashRateLimiter
from agenda.adapters.repository import Repository
from agenda.adapters.stripe_api import StripeApi
from agenda.domain.plans import RATE_LIMITS
from agenda.http import install_error_handlers, json_response, read_json_object
from agenda.observability import logger
from agenda.service import booking
from agenda.service.links import GuestLinks
from agenda.settings import (
    BookingSettings,
    DatabaseSettings,
    GuestLinkSettings,
    QueueSettings,
    RateLimitSettings,
    StripeSettings,
)

settings = BookingSettings.from_env()
stripe_settings = StripeSettings.from_env()
repo = Repository(Database(DatabaseSettings.from_env(), application_name="booking"))
dependencies = booking.BookingDependencies(
    repo=repo,
    limiter=UpstashRateLimiter(
        RateLimitSettings.from_env(), RATE_LIMITS["booking"], name="booking"
    ),
    publisher=SqsPublisher(QueueSettings.from_env()),
    clock=lambda: datetime.now(UTC),
    guest_links=GuestLinks(GuestLinkSettings.from_env()),
    # The library loads on the first booking that takes payment, not at start.
    stripe=StripeApi(stripe_settings),
    payment_hold=timedelta(minutes=stripe_settings.payment_hold_minutes),
)

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/booking")
def list_free_slots() -> Response:
    query = booking.parse_free_slots_query(app.current_event.query_string_parameters)
    body = booking.free_slots(repo, query, now=dependencies.clock())
    return json_response(200, body, {"Cache-Control": "no-store"})


@app.post("/api/booking")
def create_booking() -> Response:
    event = app.current_event
    body = read_json_object(event.body, base64_encoded=bool(event.is_base64_encoded))
    result = booking.create_booking(
        dependencies, body, source_ip=event.request_context.http.source_ip
    )
    return json_response(201, result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.monotonic()
    answer = app.resolve(event, context)
    if event.get("requestContext", {}).get("http", {}).get("method") == "POST":
        # Whatever path ran (limited, invalid, honeypot, taken, booked), answer no sooner
        # than the floor, so timing reveals nothing about existing clients.
        remaining = settings.response_floor_ms / 1000 - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
    return answer
