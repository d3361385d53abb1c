"""The site's build (hashed asset names, rewritten references) and its upload (keys,
Content-Type, Cache-Control) into a real bucket of the local S3."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from infra.local.s3 import LocalS3, ensure_bucket
from infra.pages import (
    IMMUTABLE,
    SHORT,
    SOURCE,
    BuildError,
    build,
    main,
    s3_client,
    site_objects,
    upload,
)

HASHED = re.compile(r"^assets/site\.[0-9a-f]{8}\.css$")


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


SITE: dict[str, str | bytes] = {
    "index.html": '<link rel="stylesheet" href="/assets/site.css"><img src="/assets/logo.png">',
    "404.html": '<link rel="stylesheet" href="/assets/site.css">',
    "booking/paid.html": '<script src="/assets/app.js"></script>',
    "robots.txt": "User-agent: *\n",
    "assets/site.css": "body { background: url(/assets/logo.png); }",
    "assets/logo.png": b"\x89PNG first",
    "assets/app.js": "console.log('hi');",
}


def built(tmp_path: Path, files: dict[str, str | bytes], name: str = "out") -> dict[str, str]:
    return build(write(tmp_path / f"src-{name}", files), tmp_path / name)


@pytest.mark.unit
def test_assets_get_a_content_hash_and_pages_name_them(tmp_path: Path) -> None:
    hashed = built(tmp_path, SITE)
    out = tmp_path / "out"
    assert set(hashed) == {"assets/site.css", "assets/logo.png", "assets/app.js"}
    assert HASHED.match(hashed["assets/site.css"])
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert files == {
        "index.html",
        "404.html",
        "booking/paid.html",
        "robots.txt",
        "asset-manifest.json",
    } | set(hashed.values())
    # The generated pages (a professional's /p/{slug}) name the assets through the manifest.
    manifest = json.loads((out / "asset-manifest.json").read_text())
    assert manifest == {f"/{name}": f"/{path}" for name, path in hashed.items()}
    index = (out / "index.html").read_text()
    assert f'href="/{hashed["assets/site.css"]}"' in index
    assert f'src="/{hashed["assets/logo.png"]}"' in index
    assert "/assets/site.css" not in index
    assert f'src="/{hashed["assets/app.js"]}"' in (out / "booking/paid.html").read_text()
    # An asset naming another is rewritten too.
    css = (out / hashed["assets/site.css"]).read_text()
    assert f"url(/{hashed['assets/logo.png']})" in css


@pytest.mark.unit
def test_the_hash_changes_with_the_content_and_only_then(tmp_path: Path) -> None:
    first = built(tmp_path, SITE, "first")
    again = built(tmp_path, SITE, "again")
    assert first == again
    # A page's change moves no asset.
    page_changed = built(tmp_path, {**SITE, "index.html": "<p>other</p>"}, "page")
    assert page_changed == first
    css_changed = built(tmp_path, {**SITE, "assets/site.css": "body { color: red; }"}, "css")
    assert css_changed["assets/site.css"] != first["assets/site.css"]
    assert css_changed["assets/logo.png"] == first["assets/logo.png"]
    assert css_changed["assets/app.js"] == first["assets/app.js"]
    # The image changed: its name, and the stylesheet naming it, change; the script does not.
    logo_changed = built(tmp_path, {**SITE, "assets/logo.png": b"\x89PNG second"}, "logo")
    assert logo_changed["assets/logo.png"] != first["assets/logo.png"]
    assert logo_changed["assets/site.css"] != first["assets/site.css"]
    assert logo_changed["assets/app.js"] == first["assets/app.js"]


@pytest.mark.unit
def test_a_reference_to_a_missing_asset_fails_the_build(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=re.escape("/assets/gone.css")):
        built(tmp_path, {**SITE, "index.html": '<link href="/assets/gone.css">'})


@pytest.mark.unit
def test_assets_naming_each_other_in_a_circle_fail_the_build(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="circle"):
        built(tmp_path, {"assets/a.css": "/assets/b.css", "assets/b.css": "/assets/a.css"})


@pytest.mark.unit
def test_a_build_replaces_the_previous_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(write(tmp_path / "one", SITE), out)
    second = build(write(tmp_path / "two", {**SITE, "assets/site.css": "p {}"}), out)
    assert not (out / first["assets/site.css"]).exists()
    assert (out / second["assets/site.css"]).exists()


@pytest.mark.unit
def test_objects_have_the_served_keys_types_and_cache_lifetimes(tmp_path: Path) -> None:
    hashed = built(tmp_path, SITE)
    objects = {o.key: o for o in site_objects(tmp_path / "out")}
    assert set(objects) == {
        "index.html",
        "404.html",
        "booking/paid",
        "robots.txt",
        "_site/asset-manifest.json",
    } | set(hashed.values())
    for key in ("index.html", "404.html", "booking/paid"):
        assert objects[key].content_type == "text/html; charset=utf-8"
        assert objects[key].cache_control == SHORT == "public, max-age=60, must-revalidate"
    assert objects["robots.txt"].cache_control == SHORT
    css = objects[hashed["assets/site.css"]]
    assert css.content_type == "text/css; charset=utf-8"
    assert css.cache_control == IMMUTABLE == "public, max-age=31536000, immutable"
    assert objects[hashed["assets/logo.png"]].content_type == "image/png"
    assert objects[hashed["assets/app.js"]].content_type == "text/javascript; charset=utf-8"
    # Assets first: a page never goes up before what it names.
    order = [o.key for o in site_objects(tmp_path / "out")]
    last_asset = max(i for i, key in enumerate(order) if key.startswith("assets/"))
    assert all(not key.startswith("assets/") for key in order[last_asset + 1 :])


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.meta: dict[str, str] = {}
        self.title = ""
        self.in_title = False
        self.inline = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = found.get("lang")
        if tag == "meta" and "name" in found:
            self.meta[found["name"]] = found.get("content", "")
        if tag == "title":
            self.in_title = True
        if tag == "style" or (tag == "script" and "src" not in found) or "style" in found:
            self.inline += 1
        if any(name.startswith("on") for name in found):
            self.inline += 1
        if tag == "a":
            self.links.append(found.get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data


@pytest.mark.unit
@pytest.mark.parametrize("page", ["index.html", "404.html", "manage.html"])
def test_the_sources_are_pages_the_policy_lets_run(page: str) -> None:
    parsed = _Page()
    parsed.feed((SOURCE / page).read_text(encoding="utf-8"))
    assert parsed.lang == "pt-BR"
    assert parsed.title.strip()
    assert parsed.meta.get("description")
    assert "width=device-width" in parsed.meta.get("viewport", "")
    # The Content-Security-Policy refuses inline script and style.
    assert parsed.inline == 0


@pytest.mark.unit
def test_the_not_found_page_says_so_in_both_languages_and_links_home() -> None:
    parsed = _Page()
    text = (SOURCE / "404.html").read_text(encoding="utf-8")
    parsed.feed(text)
    assert "/" in parsed.links
    assert text.index("Página não encontrada") < text.index("Page not found")
    assert 'lang="en"' in text


# -- the upload, into a real bucket of the local S3 ------------------------------------------


@pytest.fixture(scope="module")
def local_s3() -> Iterator[str]:
    with LocalS3() as s3:
        ensure_bucket(s3.endpoint_url, "pages-test")
        yield s3.endpoint_url


@pytest.mark.integration
def test_upload_puts_every_object_with_its_headers(tmp_path: Path, local_s3: str) -> None:
    hashed = built(tmp_path, SITE)
    client: Any = s3_client(local_s3)
    keys = upload(client, "pages-test", tmp_path / "out")
    assert set(keys) == {o.key for o in site_objects(tmp_path / "out")}
    page = client.get_object(Bucket="pages-test", Key="booking/paid")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == SHORT
    assert f"/{hashed['assets/app.js']}".encode() in page["Body"].read()
    css = client.get_object(Bucket="pages-test", Key=hashed["assets/site.css"])
    assert css["ContentType"] == "text/css; charset=utf-8"
    assert css["CacheControl"] == IMMUTABLE
    assert client.head_object(Bucket="pages-test", Key="404.html")["CacheControl"] == SHORT


@pytest.mark.integration
def test_the_command_line_builds_and_uploads(tmp_path: Path, local_s3: str) -> None:
    from agenda.adapters.site_index import NOT_FOUND_KEY, PAGE, KeyValueStoreSiteIndex
    from infra.local.kvs import LocalKeyValueStore

    source, out = write(tmp_path / "src", SITE), tmp_path / "site"
    assert main(["build", "--source", str(source), "--out", str(out)]) == 0
    uploaded = ["upload", "--bucket", "pages-test", "--site", str(out)]
    # The site index must be named: pages the edge does not know of would all be 404s.
    assert main([*uploaded, "--endpoint-url", local_s3]) == 2
    with LocalKeyValueStore() as kvs:
        arn = kvs.create("pages-test")
        indexed = ["--site-index", arn, "--site-index-endpoint-url", kvs.url]
        assert main([*uploaded, "--endpoint-url", local_s3, *indexed]) == 0
        index = dict(KeyValueStoreSiteIndex(arn, endpoint_url=kvs.url).items())
    assert {key: value for key, value in index.items() if key != NOT_FOUND_KEY} == {
        "/": PAGE,
        "/booking/paid": PAGE,
        "/robots.txt": PAGE,
    }
    assert index[NOT_FOUND_KEY] == (out / "404.html").read_text(encoding="utf-8")
    client: Any = s3_client(local_s3)
    assert client.head_object(Bucket="pages-test", Key="index.html")["ContentLength"] > 0
    assert main(["upload", "--bucket", "pages-test", "--site", str(tmp_path / "none")]) == 2
