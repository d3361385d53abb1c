"""The guest links function starts light: a fresh interpreter that imports its handler has
loaded neither pydantic, boto3, upstash nor the message catalogue (they load on the first
request, which needs them), and that first request is answered."""

from __future__ import annotations

import json
import uuid

import pytest

from infra.local.stack import LocalStack
from tests.integration.test_appointments_cold_start import cold_invoke, sample

pytestmark = pytest.mark.integration


def test_the_handler_imports_nothing_heavy_and_answers_its_first_request(
    stack: LocalStack,
) -> None:
    event = sample("guest_links/send_links.json")
    event["body"] = json.dumps({"contact": f"cold.{uuid.uuid4().hex[:10]}@example.com"})
    # An address of its own: the sample's is shared by every run of this test.
    event["requestContext"]["http"]["sourceIp"] = f"192.0.2.{uuid.uuid4().int % 250 + 1}"
    run = cold_invoke(stack, "guest_links", event)
    assert run["atImport"] == []
    answer = run["answer"]
    assert (answer["statusCode"], json.loads(answer["body"])) == (202, {"accepted": True})
