"""Screenshots of every page at 360 px and at desktop width, for docs/pages.md: the customer's
pages, then each screen of the professional's dashboard (signed in as the demo's Dra. Ana, with
her demo week: infra.seed.seed_week).

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
from infra.seed import seed_week

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


def _signed_in(path: str, email: str = "ana@example.com") -> Callable[[Page, str], None]:
    """A dashboard screen, signed in through the dev authority's page as `email`."""

    def drive(page: Page, base: str) -> None:
        page.goto(base + path)
        page.locator("button.account-primary").click()
        page.locator("#email").fill(email)
        page.locator("#email").press("Enter")
        page.wait_for_url(re.compile(re.escape(base + path.partition("?")[0])))
        page.locator("#dashboard:not([aria-busy])").wait_for()
        page.wait_for_load_state("networkidle")

    return drive


Drive = Callable[[Page, str], None]


def _then(first: Drive, step: Callable[[Page], None]) -> Drive:
    """`first`, then one more step on the page it left."""

    def drive(page: Page, base: str) -> None:
        first(page, base)
        step(page)
        page.wait_for_load_state("networkidle")

    return drive


def _preview(page: Page) -> None:
    page.get_by_role("button", name="Ver horários livres").click()
    page.locator(".avail-preview-day").first.wait_for()


def _a_client(page: Page) -> None:
    page.get_by_role("link", name="Marina Costa").first.click()
    page.locator("#dashboard:not([aria-busy])").wait_for()


def dashboard_shots() -> list[Shot]:
    return [
        Shot(
            "dashboard-signup",
            "A new sign-in: create your page",
            _signed_in("/dashboard", email="nova.profissional@example.com"),
        ),
        Shot(
            "dashboard-today",
            "Today: the requests to answer, the day's agenda",
            _signed_in("/dashboard"),
        ),
        Shot(
            "dashboard-appointments",
            "Appointments: upcoming, pending, past, cancelled",
            _signed_in("/dashboard/appointments"),
        ),
        Shot("dashboard-week", "The week view", _signed_in("/dashboard/appointments?view=week")),
        Shot("dashboard-book", "Booking a time by hand", _signed_in("/dashboard/book")),
        Shot(
            "dashboard-availability",
            "Hours, overrides, days off and the preview of the free times",
            _then(_signed_in("/dashboard/availability"), _preview),
        ),
        Shot("dashboard-clients", "The clients", _signed_in("/dashboard/clients")),
        Shot(
            "dashboard-client",
            "A client: details, history, private notes, messages",
            _then(_signed_in("/dashboard/clients"), _a_client),
        ),
        Shot("dashboard-reviews", "Reviews: reply, hide", _signed_in("/dashboard/reviews")),
        Shot(
            "dashboard-notifications",
            "Notifications, with the unread count",
            _signed_in("/dashboard/notifications"),
        ),
        Shot(
            "dashboard-profile",
            "Profile, settings, photo, the public page's link and embeds",
            _signed_in("/dashboard/profile"),
        ),
        Shot("dashboard-plan", "Plan, usage and billing", _signed_in("/dashboard/plan")),
    ]


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
        *dashboard_shots(),
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
            seed_week(stack.postgres.url)
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
