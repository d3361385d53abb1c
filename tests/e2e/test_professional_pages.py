"""Each professional's public page through the local gateway, as the account routes and the
minute's sweep write it: a sign-up is public at once, a change shows on the next request, a
changed slug's old address moves on, a deactivated or deleted account's page is the 404, and
a professional written by SQL alone (no request to publish after) appears with the sweep."""

from __future__ import annotations

import time

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from infra.pages import SHORT
from tests.account_helpers import new_slug, patch_account, profile, sign_up
from tests.conftest import MakeProfessional

pytestmark = pytest.mark.e2e


def page(api: str, slug: str) -> requests.Response:
    return requests.get(f"{api}/p/{slug}", allow_redirects=False, timeout=30)


def test_a_profile_change_shows_on_its_page_at_once(api: str, stack: LocalStack) -> None:
    _, headers, account = sign_up(api, stack, name="Dra. Helena Prado", language="pt-BR")
    slug = account["slug"]
    first = page(api, slug)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "text/html; charset=utf-8"
    assert first.headers["cache-control"] == SHORT
    for name, value in stack.page_headers(embed=False).items():
        assert first.headers.get(name) == value, name
    assert '<html lang="pt-BR">' in first.text
    assert '<h1 id="profile-name">Dra. Helena Prado</h1>' in first.text
    assert f'data-slug="{slug}"' in first.text

    changed = patch_account(
        api, headers, {"name": "Dra. Helena Prado Lima", "language": "en", "sessionPrice": 200}
    )
    assert changed.status_code == 200, changed.text
    after = page(api, slug)
    assert after.status_code == 200
    assert '<h1 id="profile-name">Dra. Helena Prado Lima</h1>' in after.text
    assert '<html lang="en">' in after.text
    assert "R$200.00 per session" in after.text
    # The page and the API say the same language: the embed page reads the API's.
    assert profile(api, slug).json()["language"] == "en"


def test_a_changed_slug_moves_its_page_and_deactivation_removes_both(
    api: str, stack: LocalStack
) -> None:
    _, headers, account = sign_up(api, stack)
    old = account["slug"]
    new = new_slug("moved")
    assert patch_account(api, headers, {"slug": new}).status_code == 200
    moved = page(api, old)
    assert moved.status_code == 301
    assert moved.headers["location"] == f"/p/{new}"
    assert page(api, new).status_code == 200

    assert patch_account(api, headers, {"active": False}).status_code == 200
    for slug in (old, new):
        gone = page(api, slug)
        assert gone.status_code == 404, slug
        assert "Página não encontrada" in gone.text


def test_the_account_deletion_removes_the_page(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    _, headers, account = sign_up(api, stack)
    slug = account["slug"]
    assert page(api, slug).status_code == 200
    deleted = requests.delete(
        f"{api}/api/account", json={"confirm": slug}, headers=headers, timeout=30
    )
    assert deleted.status_code == 202, deleted.text
    assert page(api, slug).status_code == 404
    # The second phase (nothing was owed to anyone) leaves no job naming the slug either; run
    # here, it leaves no deletion pending for the other tests' purge runs.
    assert stack.fire("AccountPurge")["purged"] >= 1
    waiting = db.run("SELECT count(*) FROM site_page_jobs WHERE slug = :s", s=slug)[0][0]
    assert waiting == 0
    assert page(api, slug).status_code == 404


def published(api: str, slug: str, text: str = "") -> str:
    """The professional's page once it is there and shows ``text``. Sweeps take the queue oldest
    first, a bounded batch each, and the suite's other tests have queued many pages; the
    stack's own minute may hold this job at the same moment (SKIP LOCKED skips it here and that
    sweep publishes it). So: sweep until the page is there."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = page(api, slug)
        if answer.status_code == 200 and text in answer.text:
            return answer.text
        swept = requests.post(f"{api}/_local/schedules/SitePages", timeout=60)
        assert swept.status_code == 200, swept.text
        if not any(swept.json()["result"].values()):
            time.sleep(0.1)  # nothing left here: the other sweep has it
    pytest.fail(f"the page of {slug} never showed {text!r}")


def test_a_professional_written_by_sql_appears_with_the_sweep(
    api: str, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    assert page(api, pro.slug).status_code == 404  # nothing published it yet
    assert f"Dra. {pro.slug}" in published(api, pro.slug)


def test_the_demo_professional_has_a_page(api: str) -> None:
    answer = page(api, "dr-ana")
    assert answer.status_code == 200, answer.text
    assert 'property="og:title"' in answer.text
