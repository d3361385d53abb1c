"""`make dev`'s program: starts everything, prints where it is, stops cleanly, keeps the data."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from tests.conftest import CHILD_ENV, ROOT, fresh_ip, state_dir

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def start_dev(state: Path) -> tuple[subprocess.Popen[str], dict[str, str], float]:
    started = time.monotonic()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "infra.local.dev",
            "--port",
            "0",
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
        if match := re.match(r"\s+(API|DATABASE_URL)\s{2,}(\S+)", line):
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
    finally:
        stop_dev(again)
    assert processes_using(state) == []
    shutil.rmtree(state, ignore_errors=True)
