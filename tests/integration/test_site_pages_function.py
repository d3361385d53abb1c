"""The site_pages function (the minute's sweep) and the account routes that publish after their
change, as their Lambda runs them: an idle sweep and the account's read stay light in a fresh
interpreter (no boto3, no message catalogue: the page's render and the clients load only when
a page is written), and the scheduled event publishes what waits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.conftest import ROOT, MakeProfessional
from tests.integration.test_appointments_cold_start import HEAVY, first_get, sample

pytestmark = pytest.mark.integration

PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

class Context:
    function_name = "probe"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:probe"
    aws_request_id = "probe"

answer = module.lambda_handler(json.loads(sys.argv[2]), Context())
heavy = sorted(name for name in json.loads(sys.argv[3]) if name in sys.modules)
print(json.dumps({"answer": answer, "heavy": heavy}))
"""


def first_sweep(stack: LocalStack) -> dict[str, Any]:
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
            str(ROOT / "functions" / "site_pages" / "app.py"),
            json.dumps(sample("site_pages/scheduled.json")),
            json.dumps(HEAVY),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_an_idle_sweep_and_the_account_read_stay_light(
    stack: LocalStack, make_professional: MakeProfessional
) -> None:
    # Whatever other tests left: a sweep takes a bounded batch, so sweep until one finds none.
    for _ in range(100):
        if not any(stack.fire("SitePages").values()):
            break
    idle = first_sweep(stack)
    assert idle == {"answer": {"pages": 0, "redirects": 0, "removed": 0, "failed": 0}, "heavy": []}

    pro = make_professional()
    read = sample("account/get_account.json")
    read["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = pro.user_id
    assert first_get(stack, "account", read) == {"status": 200, "heavy": []}


def test_the_sweep_is_no_route(stack: LocalStack, api: str) -> None:
    # Only its schedule invokes it: no request from outside reaches it.
    assert all(route.function != "SitePagesFunction" for route in stack.stack.routes)
    assert [s.input for s in stack.stack.schedules if s.function == "SitePagesFunction"] == [
        {"job": "site_pages"}
    ]
    for method in ("GET", "POST"):
        answer = requests.request(method, f"{api}/api/site-pages", timeout=30)
        assert answer.status_code == 404, method


def test_the_scheduled_event_publishes_what_waits(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    result = stack.fire("SitePages")
    assert set(result) == {"pages", "redirects", "removed", "failed"}
    assert result["pages"] >= 1
    waiting = db.run("SELECT count(*) FROM site_page_jobs WHERE slug = :s", s=pro.slug)[0][0]
    assert waiting == 0
    assert stack.site_index().get(f"/p/{pro.slug}") == "page"
    # Fired again with nothing new: nothing written.
    assert stack.fire("SitePages") == {"pages": 0, "redirects": 0, "removed": 0, "failed": 0}
