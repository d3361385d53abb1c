"""The guest links function starts light: a fresh interpreter that imports its handler has
loaded neither pydantic, boto3, upstash nor the message catalogue (they load on the first
request, which needs them), and that first request is answered."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest

from infra.local.stack import LocalStack
from tests.conftest import ROOT
from tests.integration.test_appointments_cold_start import HEAVY, sample

pytestmark = pytest.mark.integration

PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
at_import = sorted(name for name in json.loads(sys.argv[3]) if name in sys.modules)

class Context:
    function_name = "probe"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:probe"
    aws_request_id = "probe"

answer = module.lambda_handler(json.loads(sys.argv[2]), Context())
print(json.dumps({"status": answer["statusCode"], "body": answer["body"], "atImport": at_import}))
"""


def cold_call(stack: LocalStack, event: dict[str, Any]) -> dict[str, Any]:
    env = {
        **os.environ,
        **stack.environment(),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "common" / "python"), str(ROOT)]),
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(ROOT / "functions" / "guest_links" / "app.py"),
            json.dumps(event),
            json.dumps(HEAVY),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_the_handler_imports_nothing_heavy_and_answers_its_first_request(
    stack: LocalStack,
) -> None:
    event = sample("guest_links/send_links.json")
    event["body"] = json.dumps({"contact": f"cold.{uuid.uuid4().hex[:10]}@example.com"})
    # An address of its own: the sample's is shared by every run of this test.
    event["requestContext"]["http"]["sourceIp"] = f"192.0.2.{uuid.uuid4().int % 250 + 1}"
    answer = cold_call(stack, event)
    assert answer["atImport"] == []
    assert (answer["status"], json.loads(answer["body"])) == (202, {"accepted": True})
