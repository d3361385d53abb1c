"""GET /api/booking (free slots) and POST /api/booking (book one)."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.domain.queries import parse_free_slots_query
from agenda.http import body_of, client_address, install_error_handlers, json_response
from agenda.observability import logger
from agenda.service import booking
from agenda.settings import BookingSettings, EdgeSettings
from agenda.wiring import Wiring

settings = BookingSettings.from_env()
edge = EdgeSettings.from_env()
wiring = Wiring("booking", defer_dispatch=True)
dependencies = wiring.booking()

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/booking")
def list_free_slots() -> Response:
    query = parse_free_slots_query(app.current_event.query_string_parameters)
    body = booking.free_slots(
        dependencies.uow, query, now=dependencies.clock(), cache=dependencies.schedules
    )
    return json_response(200, body, {"Cache-Control": "no-store"})


@app.post("/api/booking")
def create_booking() -> Response:
    # The viewer's address behind the site's distribution, else the caller's (agenda.http).
    source_ip = client_address(app.current_event.raw_event, edge)
    result = booking.create_booking(dependencies, body_of(app), source_ip=source_ip)
    return json_response(201, result)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.monotonic()
    try:
        answer = app.resolve(event, context)
    finally:
        # The booking's messages go to the queue while the floor is waited out anyway: the
        # answer is decided, and what the queue does not take stays for the outbox relay.
        wiring.uow.dispatch_deferred()
    if event.get("requestContext", {}).get("http", {}).get("method") == "POST":
        # Whatever path ran (limited, invalid, honeypot, taken, booked), answer no sooner
        # than the floor, so timing reveals nothing about existing clients.
        remaining = settings.response_floor_ms / 1000 - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
    return answer
