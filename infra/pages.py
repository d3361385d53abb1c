"""The static site: build pages/site into build/site, and upload a build to a bucket.

    python -m infra.pages build [--source DIR] [--out DIR]
    python -m infra.pages upload (--bucket NAME --site-index ARN | --stack NAME) [--site DIR]
        [--endpoint-url URL] [--site-index-endpoint-url URL]

Build. Every file under `assets/` gets the first 8 hex digits of its content's SHA-256 in its
name (`assets/site.css` -> `assets/site.3f2a9c1e.css`), so it can be cached for a year and a
new version is a new address. Sources name an asset by its absolute path (`/assets/site.css`);
those references are rewritten, in the HTML and in the assets themselves (a stylesheet naming
an image), and an asset is hashed after its own references are rewritten, so a changed image
changes the stylesheet's name too. A reference to an asset that does not exist fails the build.
Everything else is copied as it is.

Upload. The object key is the served path: `booking/paid.html` -> `booking/paid` (the pages
are served without their extension), `index.html` and `404.html` as they are (CloudFront's
default root object and error page); other files under their own path. Every object gets its
Content-Type (HTML keys have no extension to guess it from) and its Cache-Control: a year and
`immutable` for hashed assets, 60 seconds for everything else, so a deploy is live within a
minute without an invalidation. Assets go up before the pages that name them. Nothing is
deleted: a page still cached for its last 60 seconds may name an asset of the previous build.

Then the site index (the CloudFront KeyValueStore the edge function answers from) gets the
path of every page and the 404 page's HTML (infra/site_routes.py; docs/pages.md, "Routing").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.paths import ROOT
from infra.site_routes import MAX_VALUE_BYTES, NOT_FOUND_KEY, NOT_FOUND_OBJECT, PAGE, index_key_of

SOURCE = ROOT / "pages" / "site"
OUT = ROOT / "build" / "site"
ASSETS = "assets"
HASH_DIGITS = 8
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=60, must-revalidate"
# Keys kept with their extension: CloudFront asks for them by these names.
KEPT_AS_THEY_ARE = frozenset({"index.html", "404.html"})
# The build's asset names, source path -> hashed path (`/assets/site.css` ->
# `/assets/site.3f2a9c1e.css`), for agenda.service.site_publisher.
ASSET_MANIFEST = "asset-manifest.json"
# Its key in the bucket (agenda.adapters.site_bucket reads it there): under `_site/`, which no
# page path of the site can name.
MANIFEST_KEY = "_site/asset-manifest.json"
# The stack's output naming the pages bucket (template.yaml).
BUCKET_OUTPUT = "PagesBucketName"
# The stack's output naming the site index, the KeyValueStore the edge function reads.
SITE_INDEX_OUTPUT = "SiteIndexArn"
# The pages' sign-in settings, an object of their own beside the build (not in pages/site: each
# stack has its own issuer), read by assets/js/auth.js.
AUTH_CONFIG_KEY = "auth-config.json"
# The stack's outputs it is made of (template.yaml, the Cognito user pool's hunk).
SIGN_IN_OUTPUTS = {
    "authorize_url": "SignInAuthorizeUrl",
    "token_url": "SignInTokenUrl",
    "client_id": "SignInClientId",
}
SIGN_IN_SCOPES = "openid email profile"

# Explicit, so the answer does not depend on the machine's /etc/mime.types.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
# Files whose text may name assets.
_TEXT = frozenset({".html", ".css", ".js", ".mjs", ".json", ".webmanifest", ".svg", ".txt"})
_REFERENCE = re.compile(r"/assets/[A-Za-z0-9._~/-]+")


class BuildError(Exception):
    pass


@dataclass(frozen=True)
class SiteObject:
    """One file of a build as it goes into the bucket."""

    path: Path
    key: str
    content_type: str
    cache_control: str


def _sources(source: Path) -> list[Path]:
    return sorted(
        p
        for p in source.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(source).parts)
    )


def _hashed_name(relative: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:HASH_DIGITS]
    stem, dot, suffix = relative.rpartition(".")
    if not dot or "/" in suffix:
        return f"{relative}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def build(source: Path = SOURCE, out: Path = OUT) -> dict[str, str]:
    """Write the site to `out` (emptied first); answers each asset's source path and its
    hashed path, both relative to the site (`assets/site.css` -> `assets/site.3f2a9c1e.css`)."""
    files = {p.relative_to(source).as_posix(): p.read_bytes() for p in _sources(source)}
    assets = {name for name in files if name.startswith(f"{ASSETS}/")}
    hashed: dict[str, str] = {}
    rewritten: dict[str, bytes] = {}

    def rewrite(name: str, seen: tuple[str, ...]) -> bytes:
        content = files[name]
        if Path(name).suffix.lower() not in _TEXT:
            return content
        text = content.decode("utf-8")

        def replace(match: re.Match[str]) -> str:
            target = match.group(0).removeprefix("/")
            if target not in assets:
                raise BuildError(f"{name} names {match.group(0)}, which is not in {source}")
            if target in seen:
                raise BuildError(f"assets name each other in a circle: {' -> '.join(seen)}")
            return "/" + hash_asset(target, (*seen, target))

        return _REFERENCE.sub(replace, text).encode("utf-8")

    def hash_asset(name: str, seen: tuple[str, ...]) -> str:
        if name not in hashed:
            rewritten[name] = rewrite(name, seen)
            hashed[name] = _hashed_name(name, rewritten[name])
        return hashed[name]

    for name in sorted(assets):
        hash_asset(name, (name,))
    for name in files:
        if name not in assets:
            rewritten[name] = rewrite(name, ())
    if out.exists():
        shutil.rmtree(out)
    for name, content in rewritten.items():
        target = out / hashed.get(name, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    # The pages generated outside the build (each professional's /p/{slug}) name assets by the
    # hashed names this build gave them: the manifest goes up with the build.
    manifest = {f"/{name}": f"/{hashed[name]}" for name in sorted(hashed)}
    (out / ASSET_MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return hashed


def content_type(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def key_for(relative: str) -> str:
    """The object key of a built file: its served path without the leading slash."""
    if relative == ASSET_MANIFEST:
        return MANIFEST_KEY
    if relative in KEPT_AS_THEY_ARE or not relative.endswith(".html"):
        return relative
    return relative.removesuffix(".html")


def site_objects(site: Path = OUT) -> list[SiteObject]:
    """The build's objects, assets first: a page must never name an asset not yet uploaded."""
    if not site.is_dir():
        raise BuildError(f"{site} does not exist: run `python -m infra.pages build` first")
    objects = []
    for path in _sources(site):
        relative = path.relative_to(site).as_posix()
        is_asset = relative.startswith(f"{ASSETS}/")
        objects.append(
            SiteObject(
                path=path,
                key=key_for(relative),
                content_type=content_type(relative),
                cache_control=IMMUTABLE if is_asset else SHORT,
            )
        )
    return sorted(objects, key=lambda o: (not o.key.startswith(f"{ASSETS}/"), o.key))


def upload(client: Any, bucket: str, site: Path = OUT) -> list[str]:
    """Put every object of the build into `bucket` with `client` (boto3's S3); answers the
    keys in the order they went up."""
    keys = []
    for item in site_objects(site):
        client.put_object(
            Bucket=bucket,
            Key=item.key,
            Body=item.path.read_bytes(),
            ContentType=item.content_type,
            CacheControl=item.cache_control,
        )
        keys.append(item.key)
    return keys


def index_entries(site: Path = OUT, extra: Iterable[str] = ()) -> dict[str, str]:
    """The site index's keys for a build: the path of each of its pages (infra/site_routes.py)
    with PAGE, and the 404 page's HTML under NOT_FOUND_KEY; `extra` names objects written
    beside the build (the sign-in settings)."""
    objects = [item.key for item in site_objects(site)] + list(extra)
    entries = {key: PAGE for key in map(index_key_of, objects) if key is not None}
    not_found = site / NOT_FOUND_OBJECT
    if not not_found.is_file():
        raise BuildError(f"{not_found} does not exist: the site needs its 404 page")
    html = not_found.read_text(encoding="utf-8")
    size = len(html.encode("utf-8"))
    if size > MAX_VALUE_BYTES:
        raise BuildError(
            f"{NOT_FOUND_OBJECT} is {size} bytes built: the site index holds at most "
            f"{MAX_VALUE_BYTES} (the edge answers it from there), keep it small"
        )
    entries[NOT_FOUND_KEY] = html
    return entries


def index_site(index: Any, site: Path = OUT, extra: Iterable[str] = ()) -> int:
    """Write a build's keys to the site index (agenda.adapters.site_index's, or anything with
    its put_many), after its objects are up: a path must never exist before its page does.
    Answers how many keys went up. Nothing is removed, as nothing is deleted from the bucket."""
    entries = index_entries(site, extra)
    index.put_many(entries)
    return len(entries)


def s3_client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    """boto3's S3 client; with an endpoint (the local stack's S3) its dummy credentials."""
    import boto3
    from botocore.config import Config

    if endpoint_url is None:
        return boto3.client("s3", region_name=region)
    from infra.local.sqs import DUMMY_CREDENTIALS

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region or "us-east-1",
        config=Config(s3={"addressing_style": "path"}),
        **DUMMY_CREDENTIALS,
    )


def auth_config(*, authorize_url: str, token_url: str, client_id: str) -> dict[str, str]:
    """What the pages need to sign in with an OIDC issuer (authorization code with PKCE)."""
    return {
        "authorizationEndpoint": authorize_url,
        "tokenEndpoint": token_url,
        "clientId": client_id,
        "scope": SIGN_IN_SCOPES,
    }


def put_auth_config(client: Any, bucket: str, config: dict[str, str]) -> None:
    client.put_object(
        Bucket=bucket,
        Key=AUTH_CONFIG_KEY,
        Body=json.dumps(config).encode(),
        ContentType=CONTENT_TYPES[".json"],
        CacheControl=SHORT,
    )


def stack_outputs(stack_name: str, region: str | None = None) -> dict[str, str]:
    import boto3

    stacks = boto3.client("cloudformation", region_name=region).describe_stacks(
        StackName=stack_name
    )["Stacks"]
    return {o["OutputKey"]: str(o["OutputValue"]) for o in stacks[0].get("Outputs", [])}


def bucket_of_stack(stack_name: str, region: str | None = None) -> str:
    """The pages bucket a deployed stack names in its outputs."""
    outputs = stack_outputs(stack_name, region)
    if BUCKET_OUTPUT in outputs:
        return outputs[BUCKET_OUTPUT]
    raise BuildError(f"stack {stack_name} has no output {BUCKET_OUTPUT}")


def auth_config_of_stack(outputs: dict[str, str], stack_name: str) -> dict[str, str]:
    missing = [name for name in SIGN_IN_OUTPUTS.values() if name not in outputs]
    if missing:
        raise BuildError(f"stack {stack_name} has no output {', '.join(missing)}")
    return auth_config(**{key: outputs[name] for key, name in SIGN_IN_OUTPUTS.items()})


def _site_index(arn: str, endpoint_url: str | None, region: str | None) -> Any:
    from agenda.adapters.site_index import KeyValueStoreSiteIndex

    if endpoint_url is None:
        return KeyValueStoreSiteIndex(arn, region=region or "us-east-1")
    from infra.local.sqs import use_local_credentials

    use_local_credentials(region or "us-east-1")
    return KeyValueStoreSiteIndex(arn, endpoint_url=endpoint_url)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.pages",
        description="Build the static site (pages/site -> build/site) and upload it to a bucket.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    building = commands.add_parser("build", help="write the site with hashed asset names")
    building.add_argument("--source", type=Path, default=SOURCE, help="default: pages/site")
    building.add_argument("--out", type=Path, default=OUT, help="default: build/site (emptied)")
    uploading = commands.add_parser("upload", help="put a build into the pages bucket")
    target = uploading.add_mutually_exclusive_group(required=True)
    target.add_argument("--bucket", help="the bucket's name")
    target.add_argument("--stack", help="a deployed stack whose PagesBucketName output names it")
    uploading.add_argument("--site", type=Path, default=OUT, help="default: build/site")
    uploading.add_argument("--endpoint-url", help="an S3 endpoint (the local stack's)")
    uploading.add_argument(
        "--site-index",
        help="the site index's ARN (a CloudFront KeyValueStore); with --stack, its SiteIndexArn",
    )
    uploading.add_argument("--site-index-endpoint-url", help="the local KeyValueStore's URL")
    uploading.add_argument("--region", help="default: the AWS configuration's")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            hashed = build(args.source, args.out)
            print(f"built {args.out} ({len(hashed)} hashed assets)")
            return 0
        client = s3_client(args.endpoint_url, args.region)
        outputs = stack_outputs(args.stack, args.region) if args.stack else {}
        site_index = args.site_index or outputs.get(SITE_INDEX_OUTPUT)
        if site_index is None:
            raise BuildError(
                "name the site index: --site-index ARN, or --stack NAME with a SiteIndexArn"
            )
        if args.stack:
            if BUCKET_OUTPUT not in outputs:
                raise BuildError(f"stack {args.stack} has no output {BUCKET_OUTPUT}")
            bucket = outputs[BUCKET_OUTPUT]
            keys = upload(client, bucket, args.site)
            # The sign-in settings follow the stack's user pool, not the sources.
            put_auth_config(client, bucket, auth_config_of_stack(outputs, args.stack))
            keys.append(AUTH_CONFIG_KEY)
        else:
            keys = upload(client, args.bucket, args.site)
            bucket = args.bucket
        print(f"uploaded {len(keys)} objects to s3://{bucket}")
        # After the objects: a path the edge says exists must have its page.
        written = index_site(
            _site_index(site_index, args.site_index_endpoint_url, args.region),
            args.site,
            extra=[AUTH_CONFIG_KEY] if args.stack else [],
        )
        print(f"wrote {written} keys to the site index {site_index}")
        return 0
    except BuildError as exc:
        print(f"infra.pages: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
