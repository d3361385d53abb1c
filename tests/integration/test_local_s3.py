"""The S3 stand-in's policy gate against presigned POSTs made by boto3 itself: what S3
enforces (signature, expiry, conditions, sizes) is enforced before moto stores anything."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from infra.local.s3 import LocalS3, ensure_bucket

pytestmark = pytest.mark.integration

BUCKET = "gate-test"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def s3(clock: Clock) -> Iterator[Any]:
    with LocalS3(clock=clock) as local:
        ensure_bucket(local.endpoint_url, BUCKET)
        yield boto3.client(
            "s3",
            endpoint_url=local.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )


def presigned(s3: Any, key: str, *, max_bytes: int = 100, expires: int = 60) -> dict[str, Any]:
    post: dict[str, Any] = s3.generate_presigned_post(
        Bucket=BUCKET,
        Key=key,
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires,
    )
    return post


def post(form: dict[str, Any], content: bytes, **changed: str) -> requests.Response:
    return requests.post(
        form["url"],
        data={**form["fields"], **changed},
        files={"file": ("f", content, "image/png")},
        timeout=10,
    )


def exists(s3: Any, key: str) -> bool:
    return bool(s3.list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount"))


def test_a_form_within_its_policy_is_stored(s3: Any) -> None:
    answer = post(presigned(s3, "ok.png"), b"x" * 100)
    assert answer.status_code == 204, answer.text
    assert s3.get_object(Bucket=BUCKET, Key="ok.png")["Body"].read() == b"x" * 100


@pytest.mark.parametrize(
    ("content", "code"), [(b"x" * 101, "EntityTooLarge"), (b"", "EntityTooSmall")]
)
def test_the_content_length_range_bounds_the_file(s3: Any, content: bytes, code: str) -> None:
    answer = post(presigned(s3, f"size-{len(content)}.png"), content)
    assert answer.status_code == 400
    assert f"<Code>{code}</Code>" in answer.text
    assert not exists(s3, f"size-{len(content)}.png")


def test_an_expired_policy_is_refused(s3: Any, clock: Clock) -> None:
    form = presigned(s3, "late.png", expires=60)
    clock.now += 61
    try:
        answer = post(form, b"x")
    finally:
        clock.now -= 61
    assert answer.status_code == 403
    assert "Policy expired" in answer.text
    assert not exists(s3, "late.png")


def test_a_policy_rewritten_by_the_browser_fails_its_signature(s3: Any) -> None:
    import base64
    import json

    form = presigned(s3, "rewritten.png", max_bytes=10)
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    policy["conditions"] = [
        ["content-length-range", 1, 10**9] if isinstance(c, list) else c
        for c in policy["conditions"]
    ]
    forged = base64.b64encode(json.dumps(policy).encode()).decode()

    answer = post(form, b"x" * 50, policy=forged)

    assert answer.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in answer.text
    assert not exists(s3, "rewritten.png")


def test_private_keys_are_not_served_without_a_signature(s3: Any) -> None:
    assert post(presigned(s3, "uploads/private.png"), b"x").status_code == 204
    url = f"{s3.meta.endpoint_url}/{BUCKET}/uploads/private.png"
    assert requests.get(url, timeout=10).status_code == 403
    assert post(presigned(s3, "avatars/public.png"), b"y").status_code == 204
    served = requests.get(f"{s3.meta.endpoint_url}/{BUCKET}/avatars/public.png", timeout=10)
    assert served.status_code == 200
    assert served.content == b"y"
