"""The lifecycle routes in the OpenAPI document: real schemas, their errors, who needs what."""

from __future__ import annotations

from typing import Any

import pytest

from agenda.contract import GUEST_LINK_PATTERN
from agenda.domain.guest_token import MAX_TOKEN_LENGTH
from infra.openapi import build_document

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def paths() -> dict[str, Any]:
    document: dict[str, Any] = build_document()
    return document["paths"]


def test_patch_documents_the_allowlist_and_every_answer(paths: dict[str, Any]) -> None:
    operation = paths["/api/appointments/{id}"]["patch"]
    assert operation["security"] == [{"bearerAuth": []}]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AppointmentChange"}
    responses = operation["responses"]
    assert {"200", "400", "401", "403", "404", "409", "413", "503"} <= set(responses)
    for code in ("INVALID_TRANSITION", "SLOT_TAKEN", "SLOT_UNAVAILABLE"):
        assert code in responses["409"]["description"]


def test_the_dashboard_documents_its_query(paths: dict[str, Any]) -> None:
    operation = paths["/api/appointments"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"view", "from", "to", "limit", "cursor"}
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/AppointmentPage"}


def test_guest_routes_are_public_and_say_how_a_token_fails(paths: dict[str, Any]) -> None:
    guest = {
        path: item for path, item in paths.items() if path.startswith("/api/guest/appointments/")
    }
    assert set(guest) == {
        "/api/guest/appointments/{id}",
        "/api/guest/appointments/{id}/calendar.ics",
        "/api/guest/appointments/{id}/cancel",
        "/api/guest/appointments/{id}/reschedule",
        "/api/guest/appointments/{id}/messages",
        "/api/guest/appointments/{id}/review",
    }
    for item in guest.values():
        for operation in item.values():
            assert "security" not in operation
            unauthorized = operation["responses"]["401"]["description"]
            assert "UNAUTHORIZED" in unauthorized
            assert "JWT authorizer" not in unauthorized
    calendar = guest["/api/guest/appointments/{id}/calendar.ics"]["get"]
    assert calendar["responses"]["200"]["content"] == {
        "text/calendar": {"schema": {"type": "string"}}
    }
    assert {p["name"] for p in calendar["parameters"]} == {"id", "token"}
    links = paths["/api/guest/links"]["post"]
    assert "security" not in links
    assert "401" not in links["responses"]
    assert set(links["responses"]) >= {"202", "400", "429"}
    token = next(p for p in calendar["parameters"] if p["name"] == "token")
    assert token["schema"]["pattern"] == GUEST_LINK_PATTERN
    assert token["schema"]["maxLength"] == MAX_TOKEN_LENGTH
