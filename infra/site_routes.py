"""The site's paths: which object of the pages bucket answers a path, whether the path exists,
and which answers carry the embed mode's headers. One definition, read by the local gateway;
the CloudFront Function (infra/edge/site_router.js) implements the same rules at the edge, and
tests/unit/test_site_routes.py runs one table of cases through both.

A path exists when the site index (a CloudFront KeyValueStore on AWS, its stand-in locally)
holds its key: `page`, or `redirect <path>` for a slug that changed (answered 301, the query
kept). Anything else is the 404 page, with status 404, whose HTML the index holds under the
reserved key NOT_FOUND_KEY (no path is a key without its leading slash). Hashed assets are not
in the index: their names change with every build, and only our own pages name them.

| path              | object        | index key      | headers |
|-------------------|---------------|----------------|---------|
| `/`               | `index.html`  | `/`            | site    |
| `/p/{slug}`       | `p/{slug}`    | `/p/{slug}`    | site    |
| `/embed/{slug}`   | `embed`       | `/p/{slug}`    | embed   |
| `/embed.js`       | `embed.js`    | `/embed.js`    | embed   |
| `/manage[/{id}]`  | `manage`      | `/manage/*`    | site    |
| `/dashboard[/{section}[/{id}]]` | `dashboard` | `/dashboard/*` | site |
| `/assets/...`     | the same      | none (served)  | site    |
| any other `/x/y`  | `x/y`         | `/x/y`         | site    |

The embed page answers for any slug whose professional's page exists, and follows its
redirect (`/embed/old` -> `/embed/new`). The objects `manage` and `embed` are templates:
`/manage` alone is the manage page's "send me my links again" form, the dashboard's one page
answers for each of its screens (`/dashboard/clients/{id}`: its script reads the path),
`/embed` alone is a 404,
as is anything under `/_site/` (the build's asset manifest, which the page publisher reads
from the bucket).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# The value of a path that is a page; a redirect's value is REDIRECT + its target path.
PAGE = "page"
REDIRECT = "redirect "
# The 404 page's HTML, written by the upload (it names the build's hashed stylesheet).
NOT_FOUND_KEY = "__404"
# CloudFront KeyValueStore's limits: a longer path cannot be a key, so it is no page.
MAX_KEY_BYTES = 512
MAX_VALUE_BYTES = 1024
ROOT_OBJECT = "index.html"
NOT_FOUND_OBJECT = "404.html"
ASSETS_PREFIX = "/assets/"
# Objects beside the site for our own tools (the build's asset manifest): never a viewer's.
PRIVATE_PREFIX = "_site/"
# The templates' objects and the index key each is published under.
TEMPLATE_KEYS = {"manage": "/manage/*", "dashboard": "/dashboard/*"}

_SEGMENT = "[^/]+"
_PROFESSIONAL = re.compile(f"^/p/({_SEGMENT})$")
_EMBED = re.compile(f"^/embed/({_SEGMENT})$")
_MANAGE = re.compile(f"^/manage(/{_SEGMENT})?$")
# A screen's name is lowercase words; what follows it (a client's id) one segment.
_DASHBOARD = re.compile(f"^/dashboard(/[a-z]+(-[a-z]+)*(/{_SEGMENT})?)?$")


@dataclass(frozen=True)
class SitePath:
    """What a path asks for: the object that answers it, the index key that says whether it
    exists (None: it is not looked up), and whether it is the embed mode."""

    object_key: str
    index_key: str | None
    embed: bool = False


@dataclass(frozen=True)
class Serve:
    object_key: str
    embed: bool


@dataclass(frozen=True)
class Redirect:
    location: str
    embed: bool


@dataclass(frozen=True)
class NotFound:
    embed: bool


Decision = Serve | Redirect | NotFound


def site_path(path: str) -> SitePath:
    """The rule of the table above that `path` (a request's path, as sent) falls under."""
    if path == "/":
        return SitePath(ROOT_OBJECT, "/")
    if path.startswith(ASSETS_PREFIX):
        return SitePath(path.removeprefix("/"), None)
    if _PROFESSIONAL.match(path):
        return SitePath(path.removeprefix("/"), path)
    embedded = _EMBED.match(path)
    if embedded:
        return SitePath("embed", f"/p/{embedded.group(1)}", embed=True)
    if path == "/embed.js":
        return SitePath("embed.js", path, embed=True)
    if _MANAGE.match(path):
        return SitePath("manage", TEMPLATE_KEYS["manage"])
    if _DASHBOARD.match(path):
        return SitePath("dashboard", TEMPLATE_KEYS["dashboard"])
    return SitePath(path.removeprefix("/"), path)


def index_key_of(object_key: str) -> str | None:
    """The index key a built page is published under (None: it is not a path of its own)."""
    if object_key == ROOT_OBJECT:
        return "/"
    if object_key == NOT_FOUND_OBJECT or object_key.startswith(
        (ASSETS_PREFIX.removeprefix("/"), PRIVATE_PREFIX)
    ):
        return None
    if object_key == "embed":
        return None  # answered for each professional whose page exists
    return TEMPLATE_KEYS.get(object_key, f"/{object_key}")


def decide(path: str, query: str, lookup: Callable[[str], str | None]) -> Decision:
    """What the edge answers for a GET or HEAD of `path` (with its raw query string), given
    the index's `lookup` (a key's value, None when it holds none)."""
    rule = site_path(path)
    if rule.index_key is None:
        return Serve(rule.object_key, rule.embed)
    value = None
    if len(rule.index_key.encode("utf-8")) <= MAX_KEY_BYTES:
        value = lookup(rule.index_key)
    if value == PAGE:
        return Serve(rule.object_key, rule.embed)
    if value is not None and value.startswith(REDIRECT):
        target = value.removeprefix(REDIRECT)
        if rule.embed and target.startswith("/p/"):
            target = "/embed/" + target.removeprefix("/p/")
        return Redirect(target + (f"?{query}" if query else ""), rule.embed)
    return NotFound(rule.embed)
