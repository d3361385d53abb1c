"""The media bucket on S3: presigned POSTs for uploads, and the confirm step's reads, copy
and deletes.

boto3 is imported on first use (about 200 ms): the upload routes are the only ones that need
it. The presigned POST is signed here, with the function's own credentials, so what it allows
is bounded by the function's policy (PutObject under uploads/ only) as well as by its own
conditions; S3 enforces both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from agenda.domain.errors import ServiceUnavailable
from agenda.observability import count, logger
from agenda.service.records import StoredObject, UploadForm

if TYPE_CHECKING:
    from agenda.settings import MediaSettings

# Published photos never change under their key (a new photo is a new key): browsers and the
# CDN may keep them for a year.
PUBLISHED_CACHE_CONTROL = "public, max-age=31536000, immutable"


def s3_client(region: str, endpoint_url: str | None) -> Any:
    """The functions' S3 client: short timeouts (a request waits on it), one retry, Signature
    V4 (presigned uploads need it), and path-style addressing for a local endpoint.

    On AWS every address is the bucket's regional virtual-hosted one,
    `https://{bucket}.s3.{region}.amazonaws.com`: the presigned POST's URL is where the
    browser posts the photo, and the pages' Content-Security-Policy names exactly that origin
    in connect-src (infra/site_headers.py's MEDIA_UPLOAD_ORIGIN, template.yaml's
    SiteHeadersPolicy). botocore's "auto" would give the global `{bucket}.s3.amazonaws.com`
    outside us-east-1 too, which the policy does not name and which S3 answers with a
    redirect (no CORS) while a new bucket's name spreads; "regional" keeps us-east-1 off it.
    """
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        region_name=region,
        endpoint_url=endpoint_url,
        config=Config(
            signature_version="s3v4",
            # A local endpoint is an address, not a bucket's host name.
            s3=(
                {"addressing_style": "path"}
                if endpoint_url
                else {"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}
            ),
            connect_timeout=2,
            read_timeout=5,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    )


class S3Media:
    def __init__(self, settings: MediaSettings) -> None:
        self.settings = settings
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            self._client = s3_client(self.settings.region, self.settings.endpoint_url)
        return self._client

    @contextmanager
    def _call(self, what: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if status < 500:
                raise
            self._unavailable(what, exc)
        except BotoCoreError as exc:  # connection, timeout
            self._unavailable(what, exc)

    @staticmethod
    def _unavailable(what: str, exc: Exception) -> None:
        count("MediaStorageUnavailable", call=what)
        logger.warning(
            "media storage unavailable", extra={"call": what, "error_type": type(exc).__name__}
        )
        raise ServiceUnavailable(
            "Photo uploads are unavailable right now, please try again shortly"
        ) from exc

    def upload_form(
        self, key: str, content_type: str, *, max_bytes: int, expires_seconds: int
    ) -> UploadForm:
        with self._call("generate_presigned_post"):
            post = self.client().generate_presigned_post(
                Bucket=self.settings.bucket,
                Key=key,
                Fields={"Content-Type": content_type},
                Conditions=[
                    {"Content-Type": content_type},
                    ["content-length-range", 1, max_bytes],
                ],
                ExpiresIn=expires_seconds,
            )
        return UploadForm(
            url=str(post["url"]), fields={k: str(v) for k, v in post["fields"].items()}
        )

    def stored(self, key: str) -> StoredObject | None:
        from botocore.exceptions import ClientError

        try:
            with self._call("head_object"):
                head = self.client().head_object(Bucket=self.settings.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return StoredObject(size=int(head["ContentLength"]), content_type=head.get("ContentType"))

    def first_bytes(self, key: str, count_bytes: int) -> bytes:
        with self._call("get_object"):
            answer = self.client().get_object(
                Bucket=self.settings.bucket, Key=key, Range=f"bytes=0-{count_bytes - 1}"
            )
            data: bytes = answer["Body"].read(count_bytes)
        return data

    def publish(self, source: str, target: str, content_type: str) -> None:
        with self._call("copy_object"):
            self.client().copy_object(
                Bucket=self.settings.bucket,
                Key=target,
                CopySource={"Bucket": self.settings.bucket, "Key": source},
                MetadataDirective="REPLACE",
                ContentType=content_type,
                CacheControl=PUBLISHED_CACHE_CONTROL,
            )

    def delete(self, key: str) -> None:
        with self._call("delete_object"):
            self.client().delete_object(Bucket=self.settings.bucket, Key=key)

    def public_url(self, key: str) -> str:
        return f"{self.settings.public_base_url}/{key}"

    def key_of(self, url: str | None) -> str | None:
        """The key of a URL this bucket serves; None for any other address."""
        prefix = f"{self.settings.public_base_url}/"
        return url[len(prefix) :] if url and url.startswith(prefix) else None
