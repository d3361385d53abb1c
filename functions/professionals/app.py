"""GET /api/professionals/{slug}: a professional's public page; a slug its professional left
answers 308 with the page's new address."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.http import install_error_handlers, json_response
from agenda.observability import logger
from agenda.service.profiles import Moved, public_page
from agenda.wiring import Wiring

uow = Wiring("professionals").uow_without_queue

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/professionals/<slug>")
def get_professional(slug: str) -> Response:
    page = public_page(uow, slug)
    if isinstance(page, Moved):
        # 308: permanent, and a client repeats the same request at the new address.
        location = f"/api/professionals/{page.slug}"
        headers = {"Location": location, "Cache-Control": "public, max-age=60"}
        return json_response(308, {"slug": page.slug, "location": location}, headers)
    return json_response(200, page, {"Cache-Control": "public, max-age=60"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
