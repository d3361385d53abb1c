"""Lighthouse on the booking page, and the bytes of its first load.

    python -m infra.lighthouse [--runs 5] [--path /p/dr-ana] [--out build/lighthouse]

Starts the local stack with its demo data in a fresh state folder (the same pages, headers and
API as `make dev`), runs Lighthouse's mobile preset (its default: a mid-range phone on a slow
4G link, simulated) `--runs` times against the page with Debian's chromium as CHROME_PATH, and
prints each run's scores and their median. Lighthouse comes from tools/lighthouse (npm, pinned
to a version Debian's Node runs); `make lighthouse` installs it.

The first load's bytes are counted here, not by Lighthouse: the local gateway does not
compress (CloudFront does, `Compress: true`), so the figure is every file the page loads before
it can book (the HTML, its stylesheets and its script modules, imports followed), each gzipped
as CloudFront would send it. A figure, never a test: axe in the browser tests is the test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from infra.local.stack import LocalStack, StackOptions
from infra.paths import ROOT

LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Headless chromium as root needs --no-sandbox, as in the browser tests.
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
_LINKED = re.compile(r"""<(?:link[^>]*\bhref|script[^>]*\bsrc)="(/assets/[^"]+)\"""")
_IMPORTED = re.compile(r"""(?:import|from)\s*\(?\s*["'](/assets/[^"']+)["']""")


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (127.0.0.1 only)
        return bytes(response.read())


def first_load(base: str, path: str) -> list[tuple[str, int, int]]:
    """(path, bytes, gzipped bytes) of the page and every stylesheet and module it loads."""
    seen: dict[str, bytes] = {path: _fetch(base + path)}
    pending = [path]
    while pending:
        current = pending.pop()
        text = seen[current].decode("utf-8", "replace")
        pattern = _LINKED if current == path else _IMPORTED
        for found in pattern.findall(text):
            if found not in seen:
                seen[found] = _fetch(base + found)
                if found.endswith(".js"):
                    pending.append(found)
    return [(name, len(body), len(gzip.compress(body, 9))) for name, body in seen.items()]


def run_lighthouse(url: str, chrome: str, out: Path) -> dict[str, float]:
    env = {**os.environ, "CHROME_PATH": chrome}
    subprocess.run(
        [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        check=True,
        env=env,
        timeout=300,
    )
    report = json.loads(out.read_text())
    return {name: report["categories"][name]["score"] * 100 for name in CATEGORIES}


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.lighthouse", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="/p/dr-ana")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lighthouse")
    args = parser.parse_args(argv)
    chrome = shutil.which("chromium")
    if chrome is None or not LIGHTHOUSE.exists():
        print("needs chromium and tools/lighthouse: run make lighthouse", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="agenda-lighthouse-") as state:
        stack = LocalStack(
            StackOptions(state_dir=Path(state), app_base_url=None, run_consumer=False)
        )
        stack.start()
        try:
            base = stack.api_url
            files = first_load(base, args.path)
            runs = [
                run_lighthouse(base + args.path, chrome, args.out / f"run-{n + 1}.json")
                for n in range(args.runs)
            ]
        finally:
            stack.stop()
    print(f"first load of {args.path}: the page, its stylesheets and modules")
    for name, size, zipped in files:
        print(f"  {name:<44} {size:>7} B  {zipped:>6} B gzipped")
    total, zipped_total = sum(f[1] for f in files), sum(f[2] for f in files)
    print(f"  {'total':<44} {total:>7} B  {zipped_total:>6} B gzipped")
    print(f"\nLighthouse (mobile preset), {args.runs} runs of {args.path}")
    print(f"  {'':<8}" + "".join(f"{name:>16}" for name in CATEGORIES))
    for n, scores in enumerate(runs, 1):
        print(f"  {f'run {n}':<8}" + "".join(f"{scores[name]:>16.0f}" for name in CATEGORIES))
    medians = {name: statistics.median(run[name] for run in runs) for name in CATEGORIES}
    print(f"  {'median':<8}" + "".join(f"{medians[name]:>16.0f}" for name in CATEGORIES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
