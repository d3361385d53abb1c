"""Reviews of completed sessions (docs/client-relationship.md, "Reviews"): the client's one
review, signed in (JWT) or through the guest link (the token in the body, checked before
anything else); the professional's list, reply and hiding or showing again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import reviews
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("reviews").reviews()
# A review names its client; the guest route's token is a credential.
PRIVATE = {"Cache-Control": "no-store"}
GUEST = {**PRIVATE, "Referrer-Policy": "no-referrer"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.post("/api/appointments/<appointment_id>/review")
def review_appointment(appointment_id: str) -> Response:
    answer = reviews.review_as_client(
        dependencies, appointment_id, body_of(app), user_id=subject(app)
    )
    return json_response(201, answer, PRIVATE)


@app.post("/api/guest/appointments/<appointment_id>/review")
def review_as_guest(appointment_id: str) -> Response:
    answer = reviews.review_as_guest(dependencies, appointment_id, body_of(app))
    return json_response(201, answer, GUEST)


@app.get("/api/reviews")
def list_reviews() -> Response:
    answer = reviews.list_reviews(
        dependencies, app.current_event.query_string_parameters, user_id=subject(app)
    )
    return json_response(200, answer, PRIVATE)


@app.post("/api/reviews/<review_id>/reply")
def reply_to_review(review_id: str) -> Response:
    answer = reviews.reply(dependencies, review_id, body_of(app), user_id=subject(app))
    return json_response(201, answer, PRIVATE)


@app.patch("/api/reviews/<review_id>")
def moderate_review(review_id: str) -> Response:
    answer = reviews.moderate(dependencies, review_id, body_of(app), user_id=subject(app))
    return json_response(200, answer, PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = app.resolve(event, context)
    # Refusals too: a 409 tells that a review exists, a 404 that it is not the caller's.
    answer.setdefault("headers", {}).update(PRIVATE)
    return answer
