"""Browser fixtures: one chromium per run, a fresh context per test, each context its own client
address, the console of every page checked after the test (tests/browser/harness.py)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.harness import (
    BrowserHost,
    ConsoleErrors,
    PageServer,
    Served,
    fresh_client_ip,
    keep_on_this_machine,
)

# Long enough for a busy two-core machine, short enough that a missing element fails quickly.
TIMEOUT_MS = 10_000
_HOST = pytest.StashKey[BrowserHost]()

NewContext = Callable[..., BrowserContext]
ServePages = Callable[..., PageServer]


@pytest.fixture(scope="session")
def browser_host(request: pytest.FixtureRequest) -> Iterator[BrowserHost]:
    host = BrowserHost()
    request.config.stash[_HOST] = host
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture
def browser(browser_host: BrowserHost) -> Browser:
    return browser_host.browser()


@pytest.fixture
def console_errors() -> ConsoleErrors:
    """The console errors of the test's contexts; `console_errors.expect(...)` the ones the
    test means to cause."""
    return ConsoleErrors()


@pytest.fixture
def new_context(
    browser: Browser, console_errors: ConsoleErrors, request: pytest.FixtureRequest
) -> Iterator[NewContext]:
    """Opens a browser context on `base_url` (default: the local stack's gateway) whose
    requests all carry an X-Forwarded-For of their own (`client_ip`, fresh by default), which
    the gateway takes as the client's address: two contexts are two visitors to the rate
    limits. Other keyword arguments go to Playwright's new_context (viewport, locale, ...)."""
    opened: list[BrowserContext] = []

    def open_context(
        base_url: str | None = None, *, client_ip: str | None = None, **options: Any
    ) -> BrowserContext:
        headers = {"x-forwarded-for": client_ip or fresh_client_ip()}
        headers.update(options.pop("extra_http_headers", {}))
        # The stack starts only for a test that asks for it: the harness's own checks need none.
        url = base_url if base_url is not None else request.getfixturevalue("api")
        context = browser.new_context(base_url=url, extra_http_headers=headers, **options)
        opened.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        keep_on_this_machine(context)
        console_errors.watch(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def context(new_context: NewContext) -> BrowserContext:
    """A visitor's context on the local stack's site (the gateway)."""
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def serve_pages() -> Iterator[ServePages]:
    """Serves fixed pages on 127.0.0.1 for the harness's own checks: `serve_pages({"/": html,
    "/404": html}, headers={...})` answers the running server (its `url`, its `requests`)."""
    servers: list[PageServer] = []

    def serve(
        pages: Mapping[str, str | Served], headers: Mapping[str, str] | None = None
    ) -> PageServer:
        server = PageServer(pages, headers or {})
        servers.append(server.__enter__())
        return server

    yield serve
    for server in servers:
        server.__exit__()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    # After the test's own body, so that its assertions fail first: then the console.
    result = yield
    console = getattr(item, "funcargs", {}).get("console_errors")
    if isinstance(console, ConsoleErrors):
        console.check()
    return result


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    # The browser stops after the last test in a row that uses it, not at the end of the
    # session (see BrowserHost); a later browser test would start it again.
    if "browser_host" not in getattr(nextitem, "fixturenames", ()):
        host = item.config.stash.get(_HOST, None)
        if host is not None:
            host.stop()
