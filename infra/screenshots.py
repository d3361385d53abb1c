"""Screenshots of every customer page at 360 px and at desktop width, for docs/pages.md.

    python -m infra.screenshots [--out docs/screenshots]

Starts the local stack with its demo data in a fresh state folder, drives each page in Debian's
chromium to the state the screenshot shows (the booking page's times, its form, its answer; a
manage link taken from the message the stand-in recorded; ...), and writes
`<name>-360.jpg` and `<name>-1280.jpg`. The pages are the ones `make dev` serves.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import requests
from playwright.sync_api import Page, sync_playwright

from infra.local.stack import LocalStack, StackOptions
from infra.paths import ROOT

WIDTHS = {360: 780, 1280: 900}
DEMO = "/p/dr-ana"
_MANAGE = re.compile(r"https?://\S+/manage/[0-9a-f-]{36}\?token=[A-Za-z0-9_.%-]+")


@dataclass(frozen=True)
class Shot:
    name: str
    # What the screenshot shows, in docs/pages.md's table.
    caption: str
    # Brings a fresh page to the state shown; given the stack's base URL.
    drive: Callable[[Page, str], None]


def _open(path: str) -> Callable[[Page, str], None]:
    def drive(page: Page, base: str) -> None:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")

    return drive


def _times(page: Page, base: str) -> None:
    _open(DEMO)(page, base)
    # A few days out: the booking the manage page then shows is still open to change.
    page.locator(".slot-day").nth(3).click()
    page.locator(".slot-time").first.wait_for()


def _form(page: Page, base: str) -> None:
    _times(page, base)
    page.locator(".slot-time").first.click()
    page.get_by_label("Nome").wait_for()


def _booked(page: Page, base: str) -> None:
    _form(page, base)
    page.get_by_label("Nome").fill("Marina Souza")
    page.get_by_label("Telefone (WhatsApp)").fill("(11) 98765-4321")
    page.get_by_role("button", name="Agendar").click()
    page.get_by_role("heading", name="Pedido de agendamento enviado").wait_for()


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _manage_link(base: str, messages: Path) -> str:
    """The newest manage link in a message the stand-in sent, on this stack's address."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if messages.exists():
            for line in reversed(messages.read_text().splitlines()):
                for text in _strings(json.loads(line)):
                    found = _MANAGE.search(text)
                    if found:
                        link = found.group(0)
                        return base + link[link.index("/manage/") :]
        time.sleep(0.25)
    raise RuntimeError("no message with a manage link was recorded")


def _manage(messages: Path) -> Callable[[Page, str], None]:
    def drive(page: Page, base: str) -> None:
        page.goto(_manage_link(base, messages))
        page.wait_for_load_state("networkidle")

    return drive


def shots(messages: Path) -> list[Shot]:
    return [
        Shot("profile", "The professional's page: profile, reviews, the next days", _open(DEMO)),
        Shot("times", "A day chosen: its free times, morning / afternoon / evening", _times),
        Shot("form", "A time chosen: the form", _form),
        Shot("booked", "The request sent, with the calendar file", _booked),
        Shot(
            "manage",
            "The manage link: the appointment, cancel, reschedule, the messages",
            _manage(messages),
        ),
        Shot(
            "manage-expired",
            "A wrong or expired link: ask for the links again",
            _open("/manage/00000000-0000-4000-8000-000000000000?token=expired"),
        ),
        Shot(
            "register",
            "The account invite, before the sign-in",
            _open("/register?invite=from-a-confirmation"),
        ),
        Shot("my-bookings", "My bookings, signed out", _open("/my-bookings")),
        Shot("paid", "Back from a payment", _open("/booking/paid")),
        Shot("cancelled", "Back from a checkout left unpaid", _open("/booking/cancelled")),
        Shot(
            "billing",
            "A professional back from a plan's checkout",
            _open("/billing?checkout=success"),
        ),
        Shot("embed", "The widget alone, for another site's iframe", _open("/embed/dr-ana")),
        Shot("not-found", "A slug that does not exist", _open("/p/no-such-professional")),
    ]


def _publish(base: str) -> None:
    """The page sweep now, rather than at its next minute; then wait for the demo's page."""
    requests.post(f"{base}/_local/schedules/SitePages", timeout=30).raise_for_status()
    deadline = time.monotonic() + 20
    while requests.get(base + DEMO, timeout=10).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{DEMO} was never published")
        time.sleep(0.25)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", help="shot names (default: all)")
    args = parser.parse_args(argv)
    chrome = shutil.which("chromium")
    if chrome is None:
        print("needs Debian's chromium: make chromium", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="agenda-screenshots-") as state_dir:
        state = Path(state_dir)
        stack = LocalStack(StackOptions(state_dir=state, app_base_url=None))
        stack.start()
        try:
            base = stack.api_url
            _publish(base)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chrome, args=["--no-sandbox"])
                try:
                    for shot in shots(state / "messages.jsonl"):
                        if args.only and shot.name not in args.only:
                            continue
                        for width, height in WIDTHS.items():
                            context = browser.new_context(
                                viewport={"width": width, "height": height},
                                locale="pt-BR",
                                timezone_id="America/Sao_Paulo",
                            )
                            page = context.new_page()
                            shot.drive(page, base)
                            target = args.out / f"{shot.name}-{width}.jpg"
                            page.screenshot(path=target, full_page=True, type="jpeg", quality=70)
                            context.close()
                            print(f"{target.relative_to(ROOT)}  {shot.caption}")
                finally:
                    browser.close()
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
