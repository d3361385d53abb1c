"""The site's routing rules, once in Python (infra/site_routes.py, the local gateway's) and once
in the CloudFront Function (infra/edge/site_router.js): one table of cases through both, the
function run by node exactly as written (scripts/ensure-node installs node for make test)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.paths import ROOT
from infra.site_headers import headers_for
from infra.site_routes import (
    NOT_FOUND_KEY,
    PAGE,
    REDIRECT,
    Decision,
    NotFound,
    Redirect,
    Serve,
    decide,
    index_key_of,
)

FUNCTION = ROOT / "infra" / "edge" / "site_router.js"
RUNNER = Path(__file__).with_name("site_router_runner.mjs")
NOT_FOUND_HTML = "<!doctype html><title>404</title><h1>Página não encontrada</h1>"
# CloudFront Functions' limit on a function's code.
MAX_FUNCTION_BYTES = 10 * 1024

STORE = {
    "/": PAGE,
    "/p/dr-ana": PAGE,
    "/p/ana-antiga": REDIRECT + "/p/dr-ana",
    "/booking/paid": PAGE,
    "/register": PAGE,
    "/embed.js": PAGE,
    "/manage/*": PAGE,
    "/dashboard/*": PAGE,
    NOT_FOUND_KEY: NOT_FOUND_HTML,
}

# (path, query, what the edge answers)
CASES: list[tuple[str, str, Decision]] = [
    ("/", "", Serve("index.html", embed=False)),
    ("/", "utm_source=x", Serve("index.html", embed=False)),
    ("/p/dr-ana", "", Serve("p/dr-ana", embed=False)),
    ("/p/dr-ana", "lang=en&x=1", Serve("p/dr-ana", embed=False)),
    ("/p/ana-antiga", "", Redirect("/p/dr-ana", embed=False)),
    (
        "/p/ana-antiga",
        "utm_source=mail&utm_source=x",
        Redirect("/p/dr-ana?utm_source=mail&utm_source=x", embed=False),
    ),
    ("/p/nobody", "", NotFound(embed=False)),
    ("/p/dr-ana/", "", NotFound(embed=False)),
    ("/p/dr-ana/extra", "", NotFound(embed=False)),
    ("/p/", "", NotFound(embed=False)),
    ("/embed/dr-ana", "", Serve("embed", embed=True)),
    ("/embed/ana-antiga", "mode=popup", Redirect("/embed/dr-ana?mode=popup", embed=True)),
    ("/embed/nobody", "", NotFound(embed=True)),
    ("/embed", "", NotFound(embed=False)),
    ("/embed.js", "", Serve("embed.js", embed=True)),
    ("/manage/3f6c2b1e-8d8a-4c1e-9b1a-0c2d3e4f5a6b", "token=abc", Serve("manage", embed=False)),
    ("/manage", "", Serve("manage", embed=False)),
    ("/manage/a/b", "", NotFound(embed=False)),
    ("/dashboard", "", Serve("dashboard", embed=False)),
    ("/dashboard/clients", "q=ana", Serve("dashboard", embed=False)),
    ("/dashboard/clients/3f6c2b1e-8d8a-4c1e", "", Serve("dashboard", embed=False)),
    ("/dashboard/book-by-hand", "", Serve("dashboard", embed=False)),
    ("/dashboard/", "", NotFound(embed=False)),
    ("/dashboard/Clients", "", NotFound(embed=False)),
    ("/dashboard/clients/a/b", "", NotFound(embed=False)),
    ("/dashboardx", "", NotFound(embed=False)),
    ("/booking/paid", "session_id=cs_test_1", Serve("booking/paid", embed=False)),
    ("/booking/paid.html", "", NotFound(embed=False)),
    ("/register", "invite=x", Serve("register", embed=False)),
    ("/my-bookings", "", NotFound(embed=False)),
    ("/index.html", "", NotFound(embed=False)),
    ("/404.html", "", NotFound(embed=False)),
    ("/_site/asset-manifest.json", "", NotFound(embed=False)),
    ("/assets/site.3f2a816a.css", "", Serve("assets/site.3f2a816a.css", embed=False)),
    ("/assets/missing.css", "", Serve("assets/missing.css", embed=False)),
    ("/" + "a" * 600, "", NotFound(embed=False)),
    ("/p/" + "é" * 300, "", NotFound(embed=False)),
]


def _node() -> str:
    node = shutil.which("node")
    assert node is not None, "node is needed: run scripts/ensure-node (make test does)"
    return node


def _run_function(cases: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        [_node(), str(RUNNER), str(FUNCTION), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers


def _headers(answer: dict[str, Any]) -> dict[str, str]:
    return {name: entry["value"] for name, entry in answer.get("headers", {}).items()}


def _as_decision(answer: dict[str, Any]) -> Decision:
    """The function's answer in the Python table's words."""
    if "statusCode" not in answer:
        uri = answer["uri"]
        assert uri.startswith("/")
        embedded = uri == "/embed" or uri == "/embed.js"
        return Serve(uri.removeprefix("/"), embed=embedded)
    headers = _headers(answer)
    embed = "frame-ancestors *" in headers["content-security-policy"]
    if answer["statusCode"] == 301:
        return Redirect(headers["location"], embed=embed)
    assert answer["statusCode"] == 404, answer
    return NotFound(embed=embed)


def test_the_python_rules_decide_each_case() -> None:
    for path, query, expected in CASES:
        assert decide(path, query, STORE.get) == expected, path


def test_the_edge_function_decides_each_case_as_the_python_rules(tmp_path: Path) -> None:
    cases = [{"path": path, "query": query, "store": STORE} for path, query, _ in CASES]
    answers = _run_function(cases, tmp_path)
    assert len(answers) == len(CASES)
    for (path, query, expected), answer in zip(CASES, answers, strict=True):
        assert _as_decision(answer) == expected, (path, answer)
        assert decide(path, query, STORE.get) == _as_decision(answer), path


def test_the_functions_own_answers_carry_the_pages_headers(tmp_path: Path) -> None:
    paths = ["/p/nobody", "/embed/nobody", "/p/ana-antiga", "/embed/ana-antiga"]
    answers = _run_function(
        [{"path": path, "query": "", "store": STORE} for path in paths], tmp_path
    )
    for path, answer in zip(paths, answers, strict=True):
        headers = _headers(answer)
        expected = {k.lower(): v for k, v in headers_for(embed=path.startswith("/embed")).items()}
        assert {k: v for k, v in headers.items() if k in expected} == expected, path
        assert headers["cache-control"] == "public, max-age=60, must-revalidate"
    not_found, embedded_not_found = answers[0], answers[1]
    assert not_found["body"] == NOT_FOUND_HTML
    assert not_found["headers"]["content-type"]["value"] == "text/html; charset=utf-8"
    assert embedded_not_found["body"] == NOT_FOUND_HTML


def test_a_store_without_the_404_page_still_answers_404(tmp_path: Path) -> None:
    store = {k: v for k, v in STORE.items() if k != NOT_FOUND_KEY}
    (answer,) = _run_function([{"path": "/p/nobody", "query": "", "store": store}], tmp_path)
    assert answer["statusCode"] == 404
    assert "Page not found" in answer["body"]


def test_the_function_fits_cloudfront_functions_size_limit() -> None:
    assert len(FUNCTION.read_bytes()) < MAX_FUNCTION_BYTES


@pytest.mark.parametrize(
    ("object_key", "index_key"),
    [
        ("index.html", "/"),
        ("404.html", None),
        ("assets/site.3f2a816a.css", None),
        ("booking/paid", "/booking/paid"),
        ("manage", "/manage/*"),
        ("dashboard", "/dashboard/*"),
        ("embed", None),
        ("embed.js", "/embed.js"),
        ("p/dr-ana", "/p/dr-ana"),
        ("_site/asset-manifest.json", None),
        ("auth-config.json", "/auth-config.json"),
    ],
)
def test_each_built_object_is_indexed_under_the_key_its_rule_looks_up(
    object_key: str, index_key: str | None
) -> None:
    assert index_key_of(object_key) == index_key


def test_a_build_is_indexed_with_its_pages_and_its_404_page(tmp_path: Path) -> None:
    from infra.pages import build, index_entries

    out = tmp_path / "site"
    build(out=out)
    entries = index_entries(out, extra=["auth-config.json"])
    assert entries["/"] == PAGE
    assert entries["/auth-config.json"] == PAGE
    assert not [key for key in entries if key.startswith(("/assets/", "/_site/", "/404"))]
    # The 404 page as built (its stylesheet hashed), within the store's value limit.
    not_found = entries[NOT_FOUND_KEY]
    assert not_found == (out / "404.html").read_text(encoding="utf-8")
    assert "/assets/site.css" not in not_found
    assert len(not_found.encode("utf-8")) <= 1024


def test_a_404_page_too_big_for_the_index_fails_the_upload(tmp_path: Path) -> None:
    from infra.pages import BuildError, build, index_entries

    source = tmp_path / "source"
    (source / "assets").mkdir(parents=True)
    (source / "assets" / "site.css").write_text("body{}", encoding="utf-8")
    (source / "index.html").write_text("<!doctype html><title>x</title>", encoding="utf-8")
    (source / "404.html").write_text("<p>" + "x" * 1100 + "</p>", encoding="utf-8")
    build(source, tmp_path / "out")
    with pytest.raises(BuildError, match="1024"):
        index_entries(tmp_path / "out")


def test_the_edge_rules_and_the_index_writer_speak_the_same_index() -> None:
    # Two definitions by necessity: the layer cannot import infra, and infra.pages runs
    # without the layer on its path. They must never drift apart.
    from agenda.adapters import site_index
    from infra import site_routes

    for name in ("PAGE", "REDIRECT", "NOT_FOUND_KEY", "MAX_KEY_BYTES", "MAX_VALUE_BYTES"):
        assert getattr(site_index, name) == getattr(site_routes, name), name
