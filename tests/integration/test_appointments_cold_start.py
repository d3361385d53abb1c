"""The read paths of the appointments and guest functions stay light: a fresh interpreter that
imports the handler and answers its first GET never loads pydantic or boto3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, add_client, guest_token, new_professional
from tests.conftest import ROOT, MakeProfessional, next_weekday

pytestmark = pytest.mark.integration

# botocore's bare package is always there (Powertools' import registers its user agent with
# it); a client or session is what costs.
HEAVY = (
    "pydantic",
    "boto3",
    "botocore.session",
    "upstash_redis",
    "agenda.contract",
    "agenda.domain.messages",  # the message catalogue: only a change needs it
)
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
heavy = sorted(name for name in json.loads(sys.argv[3]) if name in sys.modules)
print(json.dumps({"answer": answer, "atImport": at_import, "heavy": heavy}))
"""


def first_get(stack: LocalStack, function: str, event: dict[str, Any]) -> dict[str, Any]:
    """The status of a fresh interpreter's first answer, and the HEAVY modules loaded by then."""
    run = cold_invoke(stack, function, event)
    return {"status": run["answer"]["statusCode"], "heavy": run["heavy"]}


def cold_invoke(stack: LocalStack, function: str, event: dict[str, Any]) -> dict[str, Any]:
    """A fresh interpreter imports functions/<function>/app.py and answers `event`: its
    `answer`, and the HEAVY modules loaded `atImport` and once it answered (`heavy`)."""
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
            str(ROOT / "functions" / function / "app.py"),
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


def sample(path: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(Path(ROOT / "events" / path).read_text(encoding="utf-8"))
    return event


def test_the_dashboard_and_the_guest_view_load_neither_pydantic_nor_boto3(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    appointment = add_appointment(
        db, pro, add_client(db, pro), pro.at(next_weekday(2, after_days=3), "09:00")
    )

    listing = sample("appointments/list_appointments.json")
    listing["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = f"user-{pro.slug}"
    assert first_get(stack, "appointments", listing) == {"status": 200, "heavy": []}

    view = sample("guest/view_appointment.json")
    path = f"/api/guest/appointments/{appointment}"
    view["rawPath"] = view["requestContext"]["http"]["path"] = path
    view["pathParameters"] = {"id": str(appointment)}
    token = guest_token(stack, appointment)
    view["queryStringParameters"] = {"token": token}
    view["rawQueryString"] = f"token={token}"
    assert first_get(stack, "guest", view) == {"status": 200, "heavy": []}
