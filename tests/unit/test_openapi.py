"""The OpenAPI document: valid 3.1, complete against template.yaml, generated from the models."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.contract import (
    EMAIL_PATTERN,
    INSTANT_PATTERN,
    NAME_PATTERN,
    TEXT_PATTERN,
    AppointmentChange,
    BookingRequest,
    validate,
)
from agenda.domain.errors import ValidationFailed
from agenda.domain.phone import DOCUMENTED_PATTERN as PHONE_PATTERN
from agenda.domain.phone import normalize_phone
from agenda.domain.queries import QUERY_DATE_PATTERN, SLUG_PATTERN
from infra.local.template import load_stack
from infra.openapi import OPERATIONS, TEMPLATE, build_document, docs_page, main
from infra.paths import ROOT

pytestmark = pytest.mark.unit

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"only local references are expected: {ref}"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"{ref}: {part} is not inside an object"
        assert part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def test_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    assert document["openapi"].startswith("3.1")
    validator.validate(json.loads(json.dumps(document)), cls=validator.OpenAPIV31SpecValidator)


def test_every_route_of_the_template_is_documented(document: dict[str, Any]) -> None:
    routes = load_stack(TEMPLATE).routes
    assert routes
    for route in routes:
        item = document["paths"].get(route.path)
        assert item is not None, f"{route.path} missing"
        assert route.method.lower() in item, f"{route.route_key} missing"


def test_registry_names_only_routes_the_template_declares() -> None:
    declared = {route.route_key for route in load_stack(TEMPLATE).routes}
    assert set(OPERATIONS) <= declared


def test_paths_are_sorted_and_output_is_stable(document: dict[str, Any]) -> None:
    assert list(document["paths"]) == sorted(document["paths"])
    assert json.dumps(build_document()) == json.dumps(document)


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    found = list(refs(document))
    assert "#/components/schemas/ErrorResponse" in found
    for ref in found:
        resolve(document, ref)


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))


def test_request_properties_are_camel_case_as_on_the_wire(document: dict[str, Any]) -> None:
    properties = document["components"]["schemas"]["BookingRequest"]["properties"]
    assert {"slug", "startsAt", "clientName", "clientPhone", "clientEmail", "website"} <= set(
        properties
    )
    assert not [name for name in properties if "_" in name]
    slot = document["components"]["schemas"]["SlotOut"]["properties"]
    assert {"startsAt", "endsAt"} <= set(slot)


def test_post_booking_answers(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/booking"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/BookingRequest"}
    responses = operation["responses"]
    assert {"201", "400", "403", "404", "409", "413", "429", "503"} <= set(responses)
    created = responses["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/BookingCreated"}
    assert "SLOT_TAKEN" in responses["409"]["description"]
    assert "SLOT_UNAVAILABLE" in responses["409"]["description"]
    assert "PLAN_LIMIT_REACHED" in responses["403"]["description"]
    assert "Retry-After" in responses["429"]["headers"]
    assert "Retry-After" in responses["503"]["headers"]
    assert "security" not in operation


ERROR_SHAPE = {"$ref": "#/components/schemas/ErrorResponse"}
GATEWAY_401 = {"$ref": "#/components/schemas/GatewayUnauthorized"}


def test_every_error_answer_is_the_contract_error_shape(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                if status == "401" and "security" in operation:
                    # The authorizer answers before the function, in API Gateway's own body.
                    assert schema == {"anyOf": [GATEWAY_401, ERROR_SHAPE]}, f"{method} {path}"
                else:
                    assert schema == ERROR_SHAPE, f"{method} {path} {status}"
                assert re.search(r"`[A-Z_]+`", response["description"]), (
                    f"{method} {path} {status} names no error code"
                )


def test_the_authorizers_own_401_body_is_documented(document: dict[str, Any]) -> None:
    schema = document["components"]["schemas"]["GatewayUnauthorized"]
    assert schema["required"] == ["message"]
    assert schema["properties"]["message"]["const"] == "Unauthorized"
    guest = document["paths"]["/api/guest/appointments/{id}"]["get"]["responses"]["401"]
    assert guest["content"]["application/json"]["schema"] == ERROR_SHAPE


def test_the_webhook_requires_its_signature_and_documents_the_event(
    document: dict[str, Any],
) -> None:
    operation = document["paths"]["/api/stripe/webhook"]["post"]
    (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
    assert (header["name"], header["required"]) == ("Stripe-Signature", True)
    assert re.fullmatch(header["schema"]["pattern"].strip("^$"), "t=1700000000,v1=" + "a" * 64)
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/StripeEvent"}
    event = document["components"]["schemas"]["StripeEvent"]
    assert {"id", "object", "type", "data"} <= set(event["required"])


def test_built_routes_say_what_their_path_takes(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        if operation["summary"] == "Not available yet":
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"] == "id":
                assert parameter["schema"]["format"] == "uuid", f"{method} {path}"
            if parameter["in"] == "path" and parameter["name"] == "slug":
                assert parameter["schema"]["pattern"] == SLUG_PATTERN, f"{method} {path}"


def test_free_slots_query_parameters_come_from_the_model(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/booking"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"slug", "date", "days"}
    assert all(p["in"] == "query" for p in parameters.values())
    assert parameters["slug"]["required"] is True
    assert parameters["date"]["required"] is True
    assert parameters["days"]["required"] is False
    assert parameters["days"]["schema"]["maximum"] == 60
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FreeSlots"
    }


def test_free_slots_answer_the_last_bookable_date(document: dict[str, Any]) -> None:
    schema = document["components"]["schemas"]["FreeSlots"]
    assert "bookableUntil" in schema["required"]
    until = schema["properties"]["bookableUntil"]
    assert (until["type"], until["format"]) == ("string", "date")
    assert "horizon" in until["description"]


def test_path_parameters_follow_the_path(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        names = re.findall(r"\{([^}]+)\}", path)
        declared = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        assert declared == names, f"{method} {path}"


def test_authorized_and_unbuilt_routes(document: dict[str, Any]) -> None:
    routes = load_stack(TEMPLATE).routes
    assert any(route.authorized for route in routes)
    for route in routes:
        operation = document["paths"][route.path][route.method.lower()]
        if route.authorized:
            assert operation["security"] == [{"bearerAuth": []}]
            assert "401" in operation["responses"]
        else:
            assert "security" not in operation
        if route.route_key not in OPERATIONS:
            assert operation["summary"] == "Not available yet"
            assert "NOT_IMPLEMENTED" in operation["responses"]["501"]["description"]
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def test_docs_page_is_self_contained_and_lists_every_operation(document: dict[str, Any]) -> None:
    page = docs_page("/openapi.json")
    assert page.startswith("<!doctype html>")
    assert "<script src=" not in page.lower()
    assert "<link" not in page.lower()
    assert 'href="/openapi.json"' in page
    for path, _, operation in operations(document):
        assert path in page
        assert f'id="{operation["operationId"]}"' in page
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert "startsAt" in page


def test_docs_page_escapes_what_it_is_given() -> None:
    page = docs_page('"><script>alert(1)</script>')
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_cli_writes_the_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "build" / "openapi.json"
    docs = tmp_path / "site" / "api.html"
    assert main(["--out", str(out), "--docs", str(docs)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == build_document()
    assert 'href="../build/openapi.json"' in docs.read_text(encoding="utf-8")
    assert capsys.readouterr().out.splitlines() == [str(out), str(docs)]


def test_lambda_code_never_imports_the_generator() -> None:
    """The document is built at development time; a cold start must not pay for it."""
    sources = [*ROOT.glob("functions/**/*.py"), *ROOT.glob("layers/**/*.py")]
    assert sources
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+infra\b", text, re.MULTILINE), source


# -- the rules the document states, against the validators that enforce them ------------------


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:01:00Z", "1999-12-31T23:00:00-03:00"])
def test_instants_outside_the_supported_years_are_a_400(starts_at: str) -> None:
    """Found by schemathesis: a start in year 1 overflowed the slot range around it (a 500)."""
    body = {
        "slug": "dr-ana",
        "startsAt": starts_at,
        "clientName": "Maria",
        "clientPhone": "(11) 98765-4321",
    }
    with pytest.raises(ValidationFailed) as refused:
        validate(BookingRequest, body)
    assert set(refused.value.fields) == {"startsAt"}


def _booking(**fields: object) -> dict[str, object]:
    return {
        "slug": "dr-ana",
        "startsAt": "2030-01-07T14:00:00-03:00",
        "clientName": "Maria",
        "clientPhone": "(11) 98765-4321",
        **fields,
    }


# Every string a documented pattern allows passes the validator it documents: a client that
# follows the document is never refused, and the fuzzer's schema-valid requests are valid.


@given(st.from_regex(PHONE_PATTERN, fullmatch=True))
def test_every_documented_phone_normalises(phone: str) -> None:
    assert normalize_phone(phone) is not None
    validate(BookingRequest, _booking(clientPhone=phone))


@given(st.from_regex(EMAIL_PATTERN, fullmatch=True).filter(lambda email: len(email) <= 254))
def test_every_documented_email_is_taken(email: str) -> None:
    assert validate(BookingRequest, _booking(clientEmail=email)).client_email == email.lower()


@given(st.from_regex(NAME_PATTERN, fullmatch=True).filter(lambda name: 2 <= len(name) <= 120))
def test_every_documented_name_is_taken(name: str) -> None:
    validate(BookingRequest, _booking(clientName=name))


@given(st.from_regex(TEXT_PATTERN, fullmatch=True).filter(lambda reason: len(reason) <= 500))
def test_every_documented_reason_is_taken(reason: str) -> None:
    validate(AppointmentChange, {"action": "cancel", "reason": reason})


def _real_day(text: str) -> bool:
    """The calendar check `format: date-time` adds to the pattern (no 31 February)."""
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


@given(st.from_regex(INSTANT_PATTERN, fullmatch=True).filter(_real_day))
def test_every_documented_instant_is_taken(starts_at: str) -> None:
    validate(BookingRequest, _booking(startsAt=starts_at))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("clientName", "Ana\x00"),
        ("clientName", "  a  "),
        ("clientPhone", "(10) 98765-4321"),  # 10 is no area code
        ("clientEmail", "maria@example"),
        ("startsAt", "2030-01-07T14:00:00"),  # no offset
    ],
)
def test_what_the_patterns_leave_out_the_validators_refuse(field: str, value: str) -> None:
    pattern = {
        "clientName": NAME_PATTERN,
        "clientPhone": PHONE_PATTERN,
        "clientEmail": EMAIL_PATTERN,
        "startsAt": INSTANT_PATTERN,
    }[field]
    assert not re.search(pattern, value)
    with pytest.raises(ValidationFailed) as refused:
        validate(BookingRequest, _booking(**{field: value}))
    assert set(refused.value.fields) == {field}


def test_the_document_states_the_patterns(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    booking = schemas["BookingRequest"]["properties"]
    assert booking["clientPhone"]["pattern"] == PHONE_PATTERN
    assert booking["clientEmail"]["pattern"] == EMAIL_PATTERN
    assert booking["clientName"]["pattern"] == NAME_PATTERN
    assert booking["startsAt"]["pattern"] == INSTANT_PATTERN
    assert schemas["AppointmentChange"]["properties"]["reason"]["pattern"] == TEXT_PATTERN
    assert schemas["AppointmentChange"]["then"]["required"] == ["startsAt"]
    assert "IANA" in schemas["AvailabilityDocument"]["properties"]["timezone"]["description"]
    dates = {p["name"]: p["schema"] for p in document["paths"]["/api/booking"]["get"]["parameters"]}
    assert dates["date"]["pattern"] == QUERY_DATE_PATTERN
