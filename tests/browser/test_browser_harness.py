"""The browser harness itself: the chromium it drives, the addresses its contexts send, and that
its checks (axe, the console, the keyboard) fail where they must."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from infra.paths import ROOT
from infra.site_headers import SITE_HEADERS
from tests.browser.conftest import NewContext, ServePages
from tests.browser.harness import (
    ConsoleErrors,
    assert_accessible,
    assert_focus_visible,
    chromium_path,
    tab_to,
)
from tests.conftest import CHILD_ENV

pytestmark = pytest.mark.browser

# A page without an icon makes the browser ask for /favicon.ico: an error in the console.
CLEAN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Clean</title><link rel="icon" href="data:,">
</head>
<body><main><h1>Clean</h1><p>Back to the <a href="/">home page</a>.</p></main></body></html>"""

BROKEN = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>
<body><main><h1>Broken</h1><img src="/photo.png"><button></button></main></body></html>"""


def test_the_browser_is_debians_chromium(browser: Browser) -> None:
    installed = subprocess.run(
        [chromium_path(), "--version"], capture_output=True, text=True, check=True
    ).stdout
    # "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)"
    assert "Debian" in installed
    assert browser.version in installed


def test_each_context_sends_its_own_client_address(
    new_context: NewContext, serve_pages: ServePages
) -> None:
    server = serve_pages({"/": CLEAN, "/data.json": "{}"})
    addresses = []
    for _ in range(2):
        page = new_context(server.url).new_page()
        page.goto("/")
        page.evaluate("fetch('/data.json').then((r) => r.text())")
        document, fetched = server.requests[-2:]
        assert (document[0], fetched[0]) == ("/", "/data.json")
        # The page's own scripts' requests carry it too: the booking widget's API calls.
        assert document[1]["x-forwarded-for"] == fetched[1]["x-forwarded-for"]
        addresses.append(document[1]["x-forwarded-for"])
    assert addresses[0] != addresses[1]
    assert all(address.startswith("127.") for address in addresses)


def test_axe_fails_on_serious_and_critical_violations_and_names_them(
    new_context: NewContext, serve_pages: ServePages
) -> None:
    server = serve_pages({"/": BROKEN, "/photo.png": ""})
    page = new_context(server.url).new_page()
    page.goto("/")
    with pytest.raises(AssertionError) as failed:
        assert_accessible(page)
    report = str(failed.value)
    assert "image-alt (critical)" in report
    assert "button-name (critical)" in report
    assert "html-has-lang (serious)" in report
    assert "document-title (serious)" in report
    assert '<img src="/photo.png">' in report
    # Moderate findings (a missing landmark, say) are not this check's business.
    assert "(moderate)" not in report


def test_axe_scans_only_the_part_asked_for(
    new_context: NewContext, serve_pages: ServePages
) -> None:
    page_html = CLEAN.replace("</main>", '</main><aside id="bad"><img src="/photo.png"></aside>')
    server = serve_pages({"/": page_html, "/photo.png": ""})
    page = new_context(server.url).new_page()
    page.goto("/")
    assert_accessible(page, within="main")
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, within="#bad")


def test_axe_runs_under_the_sites_content_security_policy(
    new_context: NewContext, serve_pages: ServePages, console_errors: ConsoleErrors
) -> None:
    server = serve_pages({"/": CLEAN}, headers=SITE_HEADERS)
    page = new_context(server.url).new_page()
    response = page.goto("/")
    assert response is not None
    assert response.headers["content-security-policy"] == SITE_HEADERS["Content-Security-Policy"]
    assert_accessible(page)
    # The scan's own script is no violation of the policy.
    assert console_errors.unexpected() == []


def test_the_console_collects_policy_violations_failed_loads_and_uncaught_errors(
    new_context: NewContext, serve_pages: ServePages, console_errors: ConsoleErrors
) -> None:
    server = serve_pages(
        {
            "/": CLEAN.replace(
                "</body>",
                '<script>document.title = "inline ran"</script>'
                '<script src="/app.js"></script><img alt="" src="/missing.png">'
                "</body>",
            ),
            "/app.js": "throw new Error('the widget broke');",
        },
        headers=SITE_HEADERS,
    )
    page = new_context(server.url).new_page()
    page.goto("/")
    page.wait_for_load_state("load")
    assert page.title() == "Clean"  # the inline script never ran
    texts = [str(error) for error in console_errors.unexpected()]
    assert any("violates the following Content Security Policy directive" in t for t in texts)
    assert any("uncaught Error: the widget broke" in t for t in texts), texts
    assert any(f"status of 404 (Not Found) ({server.url}/missing.png" in t for t in texts), texts
    # Caused on purpose here: expected, so the console check after the test passes.
    console_errors.expect("Content Security Policy")
    console_errors.expect("the widget broke")
    console_errors.expect("status of 404", source=f"{server.url}/missing.png")
    assert console_errors.unexpected() == []


def test_requests_off_this_machine_are_refused(
    new_context: NewContext, serve_pages: ServePages, console_errors: ConsoleErrors
) -> None:
    # [::1] is this machine too, but outside what the harness lets through: refused by the
    # harness, the load fails with ERR_BLOCKED_BY_CLIENT (a connection refused otherwise).
    server = serve_pages(
        {"/": CLEAN.replace("</main>", '</main><img alt="" src="http://[::1]:9/x.png">')}
    )
    page = new_context(server.url).new_page()
    page.goto("/")
    page.wait_for_load_state("load")
    errors = console_errors.unexpected()
    assert [(e.text.split(".")[0], e.source) for e in errors] == [
        ("Failed to load resource: net::ERR_BLOCKED_BY_CLIENT", "http://[::1]:9/x.png")
    ]
    console_errors.expect("ERR_BLOCKED_BY_CLIENT")


def test_the_keyboard_reaches_a_link_with_a_visible_focus(
    new_context: NewContext, serve_pages: ServePages
) -> None:
    server = serve_pages(
        {
            "/": CLEAN.replace("<p>", '<p><a href="/first">First</a> '),
            "/hidden-focus": CLEAN.replace("<head>", "<head><style>a:focus{outline:none}</style>"),
        }
    )
    page = new_context(server.url).new_page()
    page.goto("/")
    focused = tab_to(page, 'a[href="/"]')
    assert focused.get_attribute("href") == "/"
    assert_focus_visible(focused)
    with pytest.raises(AssertionError, match="never reached"):
        tab_to(page, 'a[href="/nowhere"]', limit=3)

    page.goto("/hidden-focus")
    focused = tab_to(page, 'a[href="/"]')
    with pytest.raises(AssertionError, match="no visible focus indicator"):
        assert_focus_visible(focused)


def test_a_console_error_fails_its_test_unless_the_test_expects_it(tmp_path: Path) -> None:
    """In a pytest run of its own: the console check fails the test, in its call phase, and
    the browser is gone once the browser tests are done."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_console_outcome.py").write_text(
        textwrap.dedent(
            """
            PAGE = "<!doctype html><html lang=en><title>t</title><link rel=icon href=data:,>" \\
                "<script src=/a.js></script>"

            def open_page(new_context, serve_pages):
                server = serve_pages({"/": PAGE, "/a.js": "console.error('boom from a.js')"})
                page = new_context(server.url).new_page()
                page.goto("/")
                return page

            def test_unexpected(new_context, serve_pages):
                open_page(new_context, serve_pages)

            def test_expected(new_context, serve_pages, console_errors):
                console_errors.expect("boom from a.js")
                open_page(new_context, serve_pages)

            def test_expected_but_absent(new_context, serve_pages, console_errors):
                console_errors.expect("never said")
                open_page(new_context, serve_pages)
                console_errors.expect("boom")

            def test_asyncio_after_the_browser_tests():
                # Playwright's sync API marks its loop as running while it is started.
                import asyncio

                async def one():
                    return 1

                assert asyncio.run(one()) == 1
            """
        )
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.browser.conftest",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_console_outcome.py"),
        ],
        cwd=ROOT,
        # The suite's other plugins (schemathesis, hypothesis) only slow the inner run down.
        env={**CHILD_ENV, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "2 failed, 2 passed" in out, out
    # The summary's lines, whole under CI (pytest leaves them uncut there) or cut to the width.
    failed = set(re.findall(r"^FAILED \S*test_console_outcome\.py::(\w+)", out, re.MULTILINE))
    assert failed == {"test_unexpected", "test_expected_but_absent"}, out
    assert "console error: boom from a.js" in out, out
    assert "expected console error never came: /never said/" in out, out
