"""The OpenAPI document against the running stack: schemathesis over every operation.

Every operation of the generated document (a route added later joins by being documented), every
check schemathesis has, a fixed seed and a bounded number of examples, once without a token and
once as a signed-in professional. Each request comes from its own client address (the local
gateway takes the source IP from X-Forwarded-For, as it stands in for the edge), so the rate
limiters judge the cases one by one instead of answering 429 to all but the first few.

Run it alone: `.venv/bin/python -m pytest tests/e2e/test_schemathesis.py -q`.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis

from agenda.pagination import encode_cursor, encode_key_cursor
from infra.local.stack import LocalStack
from infra.migrate import connect
from infra.openapi import TITLE, build_document

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SEED = 20261201
# schemathesis's own expectations, which the two checks below widen by the 413.
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {
            "max-examples": 25,
            # The token is the test's to give (credentials below), not the fuzzer's to vary.
            "with-security-parameters": False,
            # Query parameters a route does not name are ignored, as API Gateway passes
            # whatever a client adds (a cache buster) through: not a request to refuse.
            "allow-extra-parameters": True,
        },
        "checks": {
            "enabled": True,
            # API Gateway (HTTP API) answers 404, never 405, to a method no route declares; the
            # local gateway does the same, so a 405 can only be wished for here.
            "unsupported_method": {"enabled": False},
            # A body over a route's limit is refused before it is read (413, documented), valid
            # or not: a refusal like the 4xx schemathesis expects.
            "negative_data_rejection": {"expected-statuses": [*REJECTED, "413"]},
            "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "413"]},
        },
        # A cursor is opaque: only a value the server issued decodes to a sort key, and no
        # schema can say which strings those are. The fuzzer sends one the server would issue;
        # tests/unit/test_appointments_query.py refuses the forged ones.
        "parameters": {
            "query.cursor": encode_cursor(datetime(2030, 1, 1, tzinfo=UTC), uuid.UUID(int=0))
        },
        "operations": [
            {
                # The client list pages by name, not by time: its cursor carries a name key.
                "include-operation-id": "listClients",
                "parameters": {"query.cursor": encode_key_cursor("maria", uuid.UUID(int=0))},
            },
            {
                # `to` must not be before `from` (400 naming `to`): a rule across two
                # parameters that JSON Schema cannot state. Refusals of the dashboard's query are
                # tests/unit/test_appointments_query.py's; the other checks still run here.
                "include-operation-id": "listAppointments",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # A schedule is checked as a whole (a window ends after it starts, windows of a
                # day do not overlap, no override in the past or inside a blocked period): rules
                # across fields that JSON Schema cannot state, so most schema-valid documents are
                # rightly 400. Their refusals are tests/unit/test_availability.py's.
                "include-operation-id": "replaceAvailability",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # The preview takes the same document, checked as a whole the same way.
                "include-operation-id": "previewAvailability",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # A change is judged with the stored settings (payment at booking needs a price
                # and a way to pay, whatever the body leaves out) and the zone must exist: rules
                # JSON Schema cannot state, so many schema-valid bodies are rightly 400. Their
                # refusals are tests/unit/test_account_rules.py's and test_account_api.py's.
                "include-operation-id": "updateAccount",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # The deletion is confirmed by the professional's own slug, which the fuzzer
                # cannot know: every other schema-valid `confirm` is rightly 400, nothing
                # deleted. tests/e2e/test_account_privacy.py holds the refusals and the deletion.
                "include-operation-id": "deleteAccount",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
            {
                # Stripe signs each event with the endpoint's secret: a fuzzer's request is
                # never genuine, so every well-formed event is refused (400), as it must be.
                "include-operation-id": "receiveStripeEvent",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            },
        ],
    }
)
schema = schemathesis.openapi.from_dict(build_document(), config=CONFIG)

_addresses = itertools.count(1)


@schemathesis.hook("before_call")
def _a_client_address_per_request(
    context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]
) -> None:
    """The hook varying the source IP: 10.250.x.y, a fresh one for every request sent."""
    if case.operation.schema.raw_schema.get("info", {}).get("title") != TITLE:
        return  # hooks are process-wide: leave any other schema's requests alone
    n = next(_addresses)
    case.headers["X-Forwarded-For"] = f"10.250.{n >> 8 & 255}.{n & 255}"


@pytest.fixture(scope="module", autouse=True)
def requests_sent() -> Iterator[None]:
    """A run that sent nothing (a filter gone wrong, a hook not called) must not pass as green."""
    before = next(_addresses)
    yield
    assert next(_addresses) - before > 100, "schemathesis sent (almost) no request"


@pytest.fixture(scope="module")
def professional_user(stack: LocalStack) -> str:
    """A professional of the fuzzer's own, whose availability and plan it may change freely."""
    slug = f"fuzz-{uuid.uuid4().hex[:12]}"
    user_id = f"user-{slug}"
    conn = connect(stack.postgres.url)
    try:
        conn.run(
            "INSERT INTO professionals (user_id, name, slug, phone, email, profession)"
            " VALUES (:uid, :name, :slug, :phone, 'fuzz@example.com', 'Terapeuta (teste)')",
            uid=user_id,
            name=f"Dra. {slug}",
            slug=slug,
            phone=f"+55119{uuid.uuid4().int % 10**8:08d}",
        )
    finally:
        conn.close()
    return user_id


@pytest.fixture(scope="module", params=["anonymous", "professional"])
def credentials(
    request: pytest.FixtureRequest, stack: LocalStack, professional_user: str
) -> dict[str, str]:
    if request.param == "anonymous":
        return {}
    return {"Authorization": f"Bearer {stack.authority.mint(professional_user)}"}


@schema.parametrize()
def test_the_api_does_what_its_document_says(
    case: schemathesis.Case, api: str, credentials: dict[str, str]
) -> None:
    case.call_and_validate(base_url=api, headers=credentials)
