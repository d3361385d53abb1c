"""`make dev`'s program: starts everything, prints where it is, stops cleanly, keeps the data."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import jwt
import psutil
import pytest
import requests

from infra.migrate import connect
from tests.conftest import CHILD_ENV, ROOT, fresh_ip, state_dir

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def start_dev(state: Path, port: int = 0) -> tuple[subprocess.Popen[str], dict[str, str], float]:
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local.dev",
            "--port",
            str(port),
            "--pg-port",
            "0",
            "--state",
            str(state),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**CHILD_ENV, "POWERTOOLS_LOG_LEVEL": "WARNING"},
    )
    assert process.stdout is not None
    printed: dict[str, str] = {}
    for line in process.stdout:
        if match := re.match(r"\s+(API|DATABASE_URL|Messages sent)\s{2,}(\S+)", line):
            printed[match.group(1)] = match.group(2)
        if "Ctrl-C stops everything" in line:
            return process, printed, time.monotonic() - started
        if time.monotonic() - started > 120:
            break
    process.kill()
    pytest.fail(f"make dev did not come up; printed {printed}")


def stop_dev(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0


def processes_using(state: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(state) in cmdline:
            found.append(cmdline)
    return found


def test_dev_starts_serves_stops_cleanly_and_keeps_data() -> None:
    state = state_dir("agenda-test-dev-")
    process, printed, _ = start_dev(state)
    try:
        api = printed["API"]
        assert printed["DATABASE_URL"].startswith("postgresql://agenda:")
        profile = requests.get(f"{api}/api/professionals/dr-ana", timeout=10)
        assert profile.status_code == 200
        listing = requests.get(
            f"{api}/api/booking",
            params={"slug": "dr-ana", "date": time.strftime("%Y-%m-%d"), "days": "14"},
            timeout=10,
        ).json()
        slot = next(s for day in listing["days"] for s in day["slots"])
        booked = requests.post(
            f"{api}/api/booking",
            json={
                "slug": "dr-ana",
                "startsAt": slot["startsAt"],
                "clientName": "Ana Teste",
                "clientPhone": "11911112222",
            },
            headers={"x-forwarded-for": fresh_ip()},
            timeout=10,
        )
        assert booked.status_code == 201
    finally:
        stop_dev(process)
    assert processes_using(state) == []

    again, printed, seconds = start_dev(state)
    try:
        assert seconds < 15, f"second start took {seconds:.1f} s"
        listing = requests.get(
            f"{printed['API']}/api/booking",
            params={"slug": "dr-ana", "date": slot["startsAt"][:10]},
            timeout=10,
        ).json()
        assert slot["startsAt"] not in [s["startsAt"] for s in listing["days"][0]["slots"]]
        # Dra. Ana's demo week was written once, and a restart does not write it again.
        assert demo_week(printed["DATABASE_URL"]) == [
            ("Júlia Ramos", "confirmed"),
            ("Marina Costa", "pending_confirmation"),
            ("Pedro Alves", "confirmed"),
        ]
    finally:
        stop_dev(again)
    assert processes_using(state) == []
    shutil.rmtree(state, ignore_errors=True)


def demo_week(database_url: str) -> list[tuple[str, str]]:
    """Dra. Ana's seeded appointments from now on, besides the test's own booking."""
    conn = connect(database_url)
    try:
        found = conn.run(
            "SELECT c.name, a.status FROM appointments a JOIN clients c ON c.id = a.client_id"
            " JOIN professionals p ON p.id = a.professional_id"
            " WHERE p.slug = 'dr-ana' AND a.starts_at > now() AND c.name <> 'Ana Teste'"
            " ORDER BY c.name"
        )
    finally:
        conn.close()
    return [(str(name), str(status)) for name, status in found]


AUTH_CLI = [sys.executable, "-m", "infra.local.auth"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def book_first_slot(api: str, slug: str, name: str, email: str) -> dict[str, str]:
    listing = requests.get(
        f"{api}/api/booking",
        params={"slug": slug, "date": time.strftime("%Y-%m-%d"), "days": "14"},
        timeout=10,
    ).json()
    slot = next(s for day in listing["days"] for s in day["slots"])
    booked = requests.post(
        f"{api}/api/booking",
        json={
            "slug": slug,
            "startsAt": slot["startsAt"],
            "clientName": name,
            "clientPhone": "11933334444",
            "clientEmail": email,
        },
        headers={"x-forwarded-for": fresh_ip()},
        timeout=10,
    )
    assert booked.status_code == 201, booked.text
    body: dict[str, str] = booked.json()
    return body


def sent_messages(providers: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = requests.get(f"{providers}/messages", timeout=10).json()
    return found


def test_dev_on_a_chosen_port_makes_every_url_on_it_and_keeps_them_across_restarts() -> None:
    state = state_dir("agenda-test-dev-port-")
    port = free_port()
    process, printed, _ = start_dev(state, port)
    api = f"http://127.0.0.1:{port}"
    try:
        assert printed["API"] == api
        providers = printed["Messages sent"].rstrip("/")

        # A booking's message links to the app on this port.
        book_first_slot(api, "dr-ana", "Ana Porta", "ana.porta@example.com")
        deadline = time.monotonic() + 60
        while not [m for m in sent_messages(providers) if "/manage/" in (m.get("text") or "")]:
            assert time.monotonic() < deadline, sent_messages(providers)
            time.sleep(0.2)
        links = re.findall(r"https?://[^\s\"'<>]+/manage/\S+", json.dumps(sent_messages(providers)))
        assert links
        assert all(link.startswith(f"{api}/manage/") for link in links), links

        # Paying a Checkout redirects to the app on this port.
        held = book_first_slot(api, "dra-carla", "Bia Porta", "bia.porta@example.com")
        paid = requests.post(held["checkoutUrl"], data={}, allow_redirects=False, timeout=10)
        assert paid.status_code == 303
        assert paid.headers["Location"].startswith(f"{api}/"), paid.headers["Location"]
        unpaid = book_first_slot(api, "dra-carla", "Caio Porta", "caio.porta@example.com")

        # A token the CLI mints for this state folder is accepted, with this port's issuer.
        minted = subprocess.run(
            [*AUTH_CLI, "--sub", "demo-user-dr-ana", "--state", str(state)],
            cwd=ROOT,
            env=CHILD_ENV,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        claims = jwt.decode(minted, options={"verify_signature": False})
        assert claims["iss"] == f"{api}/local-auth"
        mine = requests.get(
            f"{api}/api/notifications",
            headers={"authorization": f"Bearer {minted}"},
            timeout=10,
        )
        assert mine.status_code == 200, mine.text

        # The OpenAPI document names this port as its server.
        document = requests.get(f"{api}/openapi.json", timeout=10).json()
        assert [server["url"] for server in document["servers"]] == [api]
        assert f"<code>{api}</code>" in requests.get(f"{api}/docs", timeout=10).text
        before = sent_messages(providers)
    finally:
        stop_dev(process)

    # Restarted without naming ports: the same ones, so earlier links still answer.
    again, printed, _ = start_dev(state)
    try:
        assert printed["API"] == api
        assert printed["Messages sent"].rstrip("/") == providers
        assert sent_messages(providers) == before
        page = requests.get(unpaid["checkoutUrl"], timeout=10)
        assert page.status_code == 200
        assert "Pay" in page.text
        assert requests.get(f"{api}/api/professionals/dr-ana", timeout=10).status_code == 200
    finally:
        stop_dev(again)
    shutil.rmtree(state, ignore_errors=True)
