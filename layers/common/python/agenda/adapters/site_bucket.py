"""The pages bucket on S3, as the page publisher writes it.

boto3 is imported on first use (about 200 ms): the account routes that publish after their
change pay for it only when they publish, never on a start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agenda.settings import SitePagesSettings

# Where the site's upload (infra/pages.py) leaves the build's asset names.
ASSET_MANIFEST_KEY = "_site/asset-manifest.json"
# A page is HTML under a key without an extension, and may change at any moment: a browser
# and CloudFront keep it a minute, as the build's own pages.
PAGE_CONTENT_TYPE = "text/html; charset=utf-8"
PAGE_CACHE_CONTROL = "public, max-age=60, must-revalidate"


class S3SiteBucket:
    def __init__(self, settings: SitePagesSettings) -> None:
        self.settings = settings
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            from agenda.adapters.media import s3_client

            self._client = s3_client(self.settings.region, self.settings.endpoint_url)
        return self._client

    def put_html(self, key: str, html: str) -> None:
        self.client().put_object(
            Bucket=self.settings.bucket,
            Key=key,
            Body=html.encode("utf-8"),
            ContentType=PAGE_CONTENT_TYPE,
            CacheControl=PAGE_CACHE_CONTROL,
        )

    def delete(self, key: str) -> None:
        self.client().delete_object(Bucket=self.settings.bucket, Key=key)

    def asset_manifest(self) -> Mapping[str, str]:
        found = self.client().get_object(Bucket=self.settings.bucket, Key=ASSET_MANIFEST_KEY)
        manifest: dict[str, str] = json.loads(found["Body"].read())
        return manifest
