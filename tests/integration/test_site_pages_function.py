"""The site_pages function (the minute's sweep) and the account routes that publish after their
change, as their Lambda runs them: an idle sweep and the account's read stay light in a fresh
interpreter (no boto3, no message catalogue: the page's render and the clients load only when
a page is written), and the scheduled event publishes what waits."""

from __future__ import annotations

from typing import Any

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional
from tests.integration.test_appointments_cold_start import cold_invoke, first_get, sample

pytestmark = pytest.mark.integration


def first_sweep(stack: LocalStack) -> dict[str, Any]:
    run = cold_invoke(stack, "site_pages", sample("site_pages/scheduled.json"))
    return {"answer": run["answer"], "heavy": run["heavy"]}


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
