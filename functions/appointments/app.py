"""The signed-in user's appointments: the professional's dashboard and booking by hand, and
changes through the state machine by the professional or the appointment's registered
client."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import appointments
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from agenda.service.booking_by_hand import HandBookingDependencies

wiring = Wiring("appointments")
dependencies = wiring.appointments()

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/appointments")
def list_appointments() -> Response:
    body = appointments.list_appointments(
        dependencies, app.current_event.query_string_parameters, user_id=subject(app)
    )
    return json_response(200, body, {"Cache-Control": "no-store"})


@cache
def hand_bookings() -> HandBookingDependencies:
    # Built on the first booking by hand: the dashboard's cold start does not load the rate
    # limiter.
    return wiring.hand_bookings()


@app.post("/api/appointments")
def book_appointment() -> Response:
    from agenda.service.booking_by_hand import book_by_hand

    body = book_by_hand(hand_bookings(), body_of(app), user_id=subject(app))
    return json_response(201, body, {"Cache-Control": "no-store"})


@app.patch("/api/appointments/<appointment_id>")
def update_appointment(appointment_id: str) -> Response:
    result = appointments.change_as_user(
        dependencies, appointment_id, body_of(app), user_id=subject(app)
    )
    return json_response(200, result, {"Cache-Control": "no-store"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = app.resolve(event, context)
    # Every answer is the caller's own, refusals included: nothing here may be cached.
    answer.setdefault("headers", {}).setdefault("Cache-Control", "no-store")
    return answer
