"""The site index: every path the site has, in a CloudFront KeyValueStore the edge function
reads (infra/edge/site_router.js; docs/pages.md, "Routing").

A key is a path as a browser asks for it (`/p/dr-ana`); its value is PAGE, or REDIRECT and
the path it moved to. The 404 page's HTML is the value of NOT_FOUND_KEY, which no path can be.

Every write names the store's current version (`IfMatch`, the ETag of its last write): a
writer that lost the race to another gets a 409 ConflictException, reads the new version and
tries again, a bounded number of times. The version is kept between writes, so a lone writer
pays one DescribeKeyValueStore per container.

The data-plane API is signed with SigV4A, which botocore computes through awscrt (pinned in
the layer's requirements). boto3 is imported on first use (about 200 ms): only a function that
publishes pays for it, when it publishes. Locally the store is infra/local/kvs.py: botocore
derives the host from the ARN's account (`ACCOUNT.HOST`), which no local name resolves, so each
request is sent to the stand-in's address with its signed headers unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from agenda.observability import logger

if TYPE_CHECKING:
    from agenda.settings import SiteIndexSettings

PAGE = "page"
REDIRECT = "redirect "
NOT_FOUND_KEY = "__404"
# CloudFront KeyValueStore's limits (UTF-8 bytes).
MAX_KEY_BYTES = 512
MAX_VALUE_BYTES = 1024
# UpdateKeys takes at most this many puts and deletes in one call.
MAX_BATCH = 50
ATTEMPTS = 5


class SiteIndexError(Exception):
    """A key or value the store cannot hold, or writes that kept losing the race."""


def _check(key: str, value: str | None = None) -> None:
    if not key or len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise SiteIndexError(f"a site index key is 1 to {MAX_KEY_BYTES} bytes: {key[:60]!r}")
    if value is not None and len(value.encode("utf-8")) > MAX_VALUE_BYTES:
        raise SiteIndexError(f"the value of {key!r} is over {MAX_VALUE_BYTES} bytes")


def _redirect_value(path: str, target: str) -> str:
    # A target is a path of this site: never another host (`//host`), never a loop.
    if not target.startswith("/") or target.startswith("//") or target == path:
        raise SiteIndexError(f"{path!r} cannot redirect to {target!r}")
    return REDIRECT + target


class KeyValueStoreSiteIndex:
    """SiteIndex (service/ports.py) on a CloudFront KeyValueStore."""

    def __init__(
        self,
        kvs_arn: str,
        *,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        attempts: int = ATTEMPTS,
    ) -> None:
        self.kvs_arn = kvs_arn
        self._region = region
        self._endpoint_url = endpoint_url
        self._attempts = attempts
        self._client: Any = None
        self._etag: str | None = None

    @classmethod
    def from_settings(cls, settings: SiteIndexSettings) -> KeyValueStoreSiteIndex:
        return cls(settings.kvs_arn, region=settings.region, endpoint_url=settings.endpoint_url)

    # -- SiteIndex ------------------------------------------------------------------------------

    def put_page(self, path: str) -> None:
        self.put(path, PAGE)

    def put_redirect(self, path: str, target: str) -> None:
        self.put(path, _redirect_value(path, target))

    def remove(self, path: str) -> None:
        """Removing a path the index does not hold succeeds."""
        _check(path)
        client = self.client()
        try:
            self._write(
                lambda client, etag: client.delete_key(KvsARN=self.kvs_arn, Key=path, IfMatch=etag)
            )
        except client.exceptions.ResourceNotFoundException:
            return

    # -- the rest of the store ------------------------------------------------------------------

    def put(self, key: str, value: str) -> None:
        _check(key, value)
        self._write(
            lambda client, etag: client.put_key(
                KvsARN=self.kvs_arn, Key=key, Value=value, IfMatch=etag
            )
        )

    def put_many(self, items: Mapping[str, str]) -> None:
        """Write every key (UpdateKeys, MAX_BATCH to a call): a build's pages in a few calls."""
        for key, value in items.items():
            _check(key, value)
        pairs = [{"Key": key, "Value": value} for key, value in items.items()]
        for start in range(0, len(pairs), MAX_BATCH):
            batch = pairs[start : start + MAX_BATCH]
            self._write(
                lambda client, etag, batch=batch: client.update_keys(
                    KvsARN=self.kvs_arn, IfMatch=etag, Puts=batch
                )
            )

    def get(self, key: str) -> str | None:
        """The value at `key`, None when the store holds none (or cannot hold such a key)."""
        if not key or len(key.encode("utf-8")) > MAX_KEY_BYTES:
            return None
        client = self.client()
        try:
            found = client.get_key(KvsARN=self.kvs_arn, Key=key)
        except client.exceptions.ResourceNotFoundException:
            return None
        return str(found["Value"])

    def items(self) -> Iterator[tuple[str, str]]:
        """Every key and value, in the store's order."""
        client = self.client()
        for page in client.get_paginator("list_keys").paginate(KvsARN=self.kvs_arn):
            for item in page.get("Items", []):
                yield str(item["Key"]), str(item["Value"])

    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client(
                "cloudfront-keyvaluestore",
                region_name=self._region,
                config=Config(
                    connect_timeout=2,
                    read_timeout=5,
                    retries={"max_attempts": 3, "mode": "standard"},
                ),
            )
            if self._endpoint_url is not None:
                _send_to(client, self._endpoint_url)
            self._client = client
        return self._client

    def _write(self, call: Any) -> None:
        client = self.client()
        for attempt in range(1, self._attempts + 1):
            if self._etag is None:
                self._etag = client.describe_key_value_store(KvsARN=self.kvs_arn)["ETag"]
            try:
                answer = call(client, self._etag)
            except client.exceptions.ConflictException:
                # Another writer moved the store on since our version: read it and go again.
                logger.info("site_index_conflict", attempt=attempt)
                self._etag = None
                continue
            self._etag = answer["ETag"]
            return
        raise SiteIndexError(f"the site index kept changing: {self._attempts} writes lost the race")


def _send_to(client: Any, endpoint_url: str) -> None:
    """Send every request of `client` to `endpoint_url` (scheme and authority), keeping its
    path, query and signed headers."""
    target = urlsplit(endpoint_url)

    def redirect(request: Any, **_: Any) -> None:
        parts = urlsplit(request.url)
        request.url = parts._replace(scheme=target.scheme, netloc=target.netloc).geturl()

    client.meta.events.register("before-send.cloudfront-keyvaluestore", redirect)
