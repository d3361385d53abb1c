"""What the browser tests share: Debian's chromium under Playwright, the console of every page,
the axe-core scan, the keyboard, and a small page server for the harness's own checks.

Playwright drives the `chromium` that Debian's package puts on PATH (scripts/ensure-chromium,
which `make test` runs): Playwright's own browser download is not reachable from the machines
this project builds on.
"""

from __future__ import annotations

import itertools
import mimetypes
import os
import re
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    Route,
    WebError,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

FAILING_IMPACTS = ("serious", "critical")
# A page that loads anything from another host fails its test: the site's assets are its own,
# and the tests reach nothing but this machine.
OFF_MACHINE = re.compile(r"^(?!(https?|wss?)://(127\.\d+\.\d+\.\d+|localhost)(:\d+)?/)[a-z]+://")


def chromium_path() -> str:
    found = shutil.which("chromium")
    if found is None:
        raise RuntimeError(
            "The browser tests need Debian's chromium on PATH: run scripts/ensure-chromium "
            "(make test does), or apt-get install --no-install-recommends chromium"
        )
    return found


class BrowserHost:
    """One headless chromium for a run's browser tests, started on first use.

    It is stopped as soon as the browser tests are done (tests/browser/conftest.py): while
    Playwright's sync API is started it keeps its event loop marked as running in this thread,
    and any later test calling asyncio.run() would fail.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def browser(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            self.stop()
            executable = chromium_path()
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=executable,
                headless=True,
                # Chromium's sandbox refuses to start as root.
                args=["--no-sandbox"] if os.geteuid() == 0 else [],
            )
        return self._browser

    def stop(self) -> None:
        browser, self._browser = self._browser, None
        playwright, self._playwright = self._playwright, None
        try:
            if browser is not None:
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()


_client_ips = itertools.count(1)


def fresh_client_ip() -> str:
    """A loopback address of its own for one browser context, which the local gateway takes
    as the client's (X-Forwarded-For), so no flow meets another's rate limit. Loopback keeps
    them apart from tests/conftest.py's fresh_ip (10.x) and from the peer address itself."""
    n = next(_client_ips) + os.getpid() % 50 * 10_000
    return f"127.{(n >> 16) & 255 or 1}.{(n >> 8) & 255}.{n & 255 or 1}"


@dataclass(frozen=True)
class ConsoleError:
    text: str
    # The script, stylesheet or document it is about (a failed load names what failed).
    source: str
    page: str

    def __str__(self) -> str:
        where = self.source if self.source == self.page else f"{self.source}, on {self.page}"
        return f"{self.text} ({where})"


@dataclass
class _Expected:
    pattern: re.Pattern[str]
    source: str | None
    seen: bool = False

    def matches(self, error: ConsoleError) -> bool:
        return bool(self.pattern.search(error.text)) and self.source in (None, error.source)


@dataclass
class ConsoleErrors:
    """Every console error and uncaught exception of a test's pages; Chromium reports a
    Content-Security-Policy violation and a failed load as console errors too. A test fails
    on any it did not expect, and on an expected one that never came."""

    seen: list[ConsoleError] = field(default_factory=list)
    _expected: list[_Expected] = field(default_factory=list)
    _contexts: list[BrowserContext] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("console", self._on_console)
        context.on("weberror", self._on_web_error)
        self._contexts.append(context)

    def expect(self, pattern: str, *, source: str | None = None) -> None:
        """Errors whose text matches `pattern` (a regular expression), about `source` when
        given, are part of what the test checks: they must happen, and fail nothing."""
        self._expected.append(_Expected(re.compile(pattern), source))

    def unexpected(self) -> list[ConsoleError]:
        self._flush()
        left = []
        for error in self.seen:
            matched = [e for e in self._expected if e.matches(error)]
            for expected in matched:
                expected.seen = True
            if not matched:
                left.append(error)
        return left

    def check(self) -> None:
        left = self.unexpected()
        missing = [e for e in self._expected if not e.seen]
        problems = [f"console error: {error}" for error in left] + [
            f"expected console error never came: /{e.pattern.pattern}/"
            + (f" about {e.source}" if e.source else "")
            for e in missing
        ]
        if problems:
            raise AssertionError("The pages' console:\n  " + "\n  ".join(problems))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        page = message.page.url if message.page is not None else ""
        self.seen.append(ConsoleError(message.text, message.location.get("url") or page, page))

    def _on_web_error(self, error: WebError) -> None:
        page = error.page.url if error.page is not None else ""
        thrown = error.error
        self.seen.append(
            ConsoleError(f"uncaught {thrown.name or 'Error'}: {thrown.message}", page, page)
        )

    def _flush(self) -> None:
        # Console events reach Python only while a Playwright call runs: one round trip to
        # each page delivers whatever its renderer reported before it.
        for context in self._contexts:
            for page in context.pages:
                if page.is_closed():
                    continue
                try:
                    page.evaluate("0")
                except PlaywrightError:
                    # A crashed or closing page has nothing more to report.
                    continue


def keep_on_this_machine(context: BrowserContext) -> None:
    def refuse(route: Route) -> None:
        route.abort("blockedbyclient")

    context.route(OFF_MACHINE, refuse)


def assert_accessible(page: Page, *, within: str | None = None) -> None:
    """An axe-core scan of the page (or of the element matching CSS selector `within`) finds
    no serious or critical violation; any it finds are listed with their elements."""
    results = Axe().run(page, context=within)
    failing = [v for v in results.response["violations"] if v["impact"] in FAILING_IMPACTS]
    if failing:
        raise AssertionError(
            f"axe-core found {len(failing)} serious or critical violation(s) on {page.url}:\n"
            + "\n".join(_describe(violation) for violation in failing)
        )


def _describe(violation: Mapping[str, Any]) -> str:
    lines = [
        f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"
    ]
    for node in violation["nodes"]:
        target = " ".join(str(t) for t in node["target"])
        lines.append(f"    {target}: {' '.join(node['html'].split())[:200]}")
        if node.get("failureSummary"):
            lines.extend(f"      {line}" for line in node["failureSummary"].splitlines())
    return "\n".join(lines)


def tab_to(page: Page, selector: str, *, limit: int = 30) -> Locator:
    """Presses Tab from the top of the page until the element matching `selector` has the
    focus, as a keyboard user would; fails after `limit` presses."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate_all("(els) => els.includes(document.activeElement)"):
            return page.locator(":focus")
    raise AssertionError(f"{limit} presses of Tab never reached {selector} on {page.url}")


def assert_focus_visible(focused: Locator) -> None:
    """The focused element is on screen with a focus indicator: an outline or a box shadow,
    while the browser treats its focus as one to show (:focus-visible)."""
    assert focused.is_visible(), "the focused element is not visible"
    style = focused.evaluate(
        """(el) => {
            const s = getComputedStyle(el);
            return {
                focusVisible: el.matches(':focus-visible'),
                outlineStyle: s.outlineStyle,
                outlineWidth: parseFloat(s.outlineWidth),
                boxShadow: s.boxShadow,
            };
        }"""
    )
    outlined = style["outlineStyle"] != "none" and style["outlineWidth"] > 0
    shadowed = style["boxShadow"] not in ("", "none")
    assert style["focusVisible"], "the focus is not :focus-visible"
    assert outlined or shadowed, f"no visible focus indicator: {style}"


@dataclass(frozen=True)
class Served:
    status: int
    body: str
    content_type: str = "text/html; charset=utf-8"


class PageServer:
    """Fixed answers at fixed paths on 127.0.0.1, each with `headers`; an unknown path is a
    404 with the page at `/404` when there is one. It keeps the headers of every request it
    took (`requests`: path, headers). For checks of the harness itself."""

    def __init__(self, pages: Mapping[str, str | Served], headers: Mapping[str, str]) -> None:
        self._pages = {
            path: page if isinstance(page, Served) else Served(200, page, _type_of(path))
            for path, page in pages.items()
        }
        self._headers = dict(headers)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _answer(self, path: str) -> Served:
        found = self._pages.get(urlsplit(path).path)
        if found is not None:
            return found
        missing = self._pages.get("/404")
        return Served(404, missing.body if missing else "Not found", "text/html; charset=utf-8")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                page = server._answer(self.path)
                body = page.body.encode()
                self.send_response(page.status)
                self.send_header("content-type", page.content_type)
                self.send_header("content-length", str(len(body)))
                for name, value in server._headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _type_of(path: str) -> str:
    guessed = mimetypes.guess_type(path)[0]
    return f"{guessed}; charset=utf-8" if guessed else "text/html; charset=utf-8"
