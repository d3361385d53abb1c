"""The site as the local gateway reads it: the pages bucket's objects (the S3 stand-in) and the
site index (the KeyValueStore stand-in), which says which paths exist.

On AWS CloudFront reads the bucket through its origin access control and the edge function
reads the index; here the gateway reads both with the SDKs and the stack's dummy credentials,
so the same bytes, Content-Type and Cache-Control the upload stored, and the same keys the
upload and the page publisher wrote, are what a browser gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agenda.adapters.site_index import KeyValueStoreSiteIndex
from infra.local.sqs import DUMMY_CREDENTIALS


@dataclass(frozen=True)
class SiteFile:
    body: bytes
    content_type: str
    cache_control: str | None
    etag: str | None


class BucketSite:
    def __init__(
        self,
        endpoint_url: str,
        bucket: str,
        index: KeyValueStoreSiteIndex,
        region: str = "us-east-1",
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.index = index
        # boto3's clients are thread-safe: one serves every gateway thread.
        self._s3: Any = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(s3={"addressing_style": "path"}),
            **DUMMY_CREDENTIALS,
        )

    def get(self, key: str) -> SiteFile | None:
        """The object at `key`, None when there is none."""
        try:
            found = self._s3.get_object(Bucket=self.bucket, Key=key)
        except self._s3.exceptions.NoSuchKey:
            return None
        return SiteFile(
            body=found["Body"].read(),
            content_type=found.get("ContentType") or "application/octet-stream",
            cache_control=found.get("CacheControl"),
            etag=found.get("ETag"),
        )

    def lookup(self, key: str) -> str | None:
        """The site index's value at `key`, None when it holds none."""
        return self.index.get(key)
