"""POST /api/guest/links: "send me my links again". A public route: whoever asks gets the same
answer, and the links go only to the phone or email asked with."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, client_address, install_error_handlers, json_response
from agenda.observability import logger
from agenda.service import guest_links
from agenda.settings import BookingSettings, EdgeSettings
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# The booking's floor, for the same reason: no answer tells by its timing who is a client.
settings = BookingSettings.from_env()
edge = EdgeSettings.from_env()
wiring = Wiring("guest_links", defer_dispatch=True)
dependencies = wiring.guest_links()

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.post("/api/guest/links")
def send_links() -> Response:
    # The viewer's address behind the site's distribution, else the caller's (agenda.http).
    source_ip = client_address(app.current_event.raw_event, edge)
    answer = guest_links.send_links(dependencies, body_of(app), client_address=source_ip)
    return json_response(202, answer, {"Cache-Control": "no-store"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    started = time.monotonic()
    try:
        answer = app.resolve(event, context)
    finally:
        # The messages (if any) go to the queue while the floor is waited out anyway.
        wiring.uow.dispatch_deferred()
    remaining = settings.response_floor_ms / 1000 - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
    return answer
