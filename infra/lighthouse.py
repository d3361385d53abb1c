"""Lighthouse on the booking page (or any page of the site), and the bytes of its first load.

    python -m infra.lighthouse [--runs 5] [--path /p/dr-ana] [--out build/lighthouse]
    python -m infra.lighthouse --path /dashboard --sign-in ana@example.com

With --sign-in, the page is one behind the dashboard's sign-in: tools/lighthouse/signed-in.mjs
signs in as that email on the local dev authority's page (ana@example.com is Dra. Ana, whose
demo week the stack is given) and audits the page in the same tab, signed in.

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
from infra.seed import seed_week

LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
SIGNED_IN = ROOT / "tools" / "lighthouse" / "signed-in.mjs"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Headless chromium as root needs --no-sandbox, as in the browser tests.
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
_LINKED = re.compile(r"""<(?:link[^>]*\bhref|script[^>]*\bsrc)="(/assets/[^"]+)\"""")
# A module's static imports (`from "..."`, `import "..."`); `import("...")` loads on demand.
_IMPORTED = re.compile(r"""(?:import|from)\s*["'](/assets/[^"']+)["']""")
_ON_DEMAND = re.compile(r"""import\(\s*["'](/assets/[^"']+)["']""")


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (127.0.0.1 only)
        return bytes(response.read())


def first_load(base: str, path: str) -> list[tuple[str, int, int, bool]]:
    """(path, bytes, gzipped bytes, on demand) of the page and every stylesheet and module it
    loads: first what it needs before it shows (what it links and their static imports), then
    what its modules import on demand (the dashboard's screens, the manage page's thread)."""
    seen: dict[str, bytes] = {path: _fetch(base + path)}
    on_demand: set[str] = set()
    pending = [path]
    while pending:
        current = pending.pop()
        text = seen[current].decode("utf-8", "replace")
        found = (
            [(name, False) for name in _LINKED.findall(text)]
            if current == path
            else [(name, current in on_demand) for name in _IMPORTED.findall(text)]
            + [(name, True) for name in _ON_DEMAND.findall(text)]
        )
        for name, later in found:
            if name not in seen:
                seen[name] = _fetch(base + name)
                if later:
                    on_demand.add(name)
                if name.endswith(".js"):
                    pending.append(name)
            elif not later:
                on_demand.discard(name)
    return [
        (name, len(body), len(gzip.compress(body, 9)), name in on_demand)
        for name, body in seen.items()
    ]


def run_lighthouse(
    url: str, chrome: str, out: Path, *, sign_in: str | None = None
) -> dict[str, float]:
    env = {**os.environ, "CHROME_PATH": chrome}
    command = (
        ["node", str(SIGNED_IN), url, sign_in, str(out)]
        if sign_in
        else [
            "node",
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
        ]
    )
    subprocess.run(command, check=True, env=env, timeout=300)
    report = json.loads(out.read_text())
    return {name: report["categories"][name]["score"] * 100 for name in CATEGORIES}


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.lighthouse", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", default="/p/dr-ana")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "lighthouse")
    parser.add_argument("--sign-in", metavar="EMAIL", help="sign in first, as this email")
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
            if args.sign_in:
                seed_week(stack.postgres.url)
            base = stack.api_url
            files = first_load(base, args.path)
            runs = [
                run_lighthouse(
                    base + args.path,
                    chrome,
                    args.out / f"run-{n + 1}.json",
                    sign_in=args.sign_in,
                )
                for n in range(args.runs)
            ]
        finally:
            stack.stop()
    print(f"first load of {args.path}: the page, its stylesheets and modules")
    for later in (False, True):
        part = [f for f in files if f[3] == later]
        if not part:
            continue
        if later:
            print("  imported on demand (each only when its screen or part is shown):")
        for name, size, zipped, _ in part:
            print(f"  {name:<48} {size:>7} B  {zipped:>6} B gzipped")
        total, zipped_total = sum(f[1] for f in part), sum(f[2] for f in part)
        label = "total on demand" if later else "total before it shows"
        print(f"  {label:<48} {total:>7} B  {zipped_total:>6} B gzipped")
    print(f"\nLighthouse (mobile preset), {args.runs} runs of {args.path}")
    print(f"  {'':<8}" + "".join(f"{name:>16}" for name in CATEGORIES))
    for n, scores in enumerate(runs, 1):
        print(f"  {f'run {n}':<8}" + "".join(f"{scores[name]:>16.0f}" for name in CATEGORIES))
    medians = {name: statistics.median(run[name] for run in runs) for name in CATEGORIES}
    print(f"  {'median':<8}" + "".join(f"{medians[name]:>16.0f}" for name in CATEGORIES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
