"""The professional's photo over HTTP, against the whole local stack: the presigned POST from
the API, a real multipart upload to the S3 stand-in (moto behind the policy gate), and the
confirm step that checks the stored bytes before the photo is published."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import AvatarConfirmed, AvatarUpload, ErrorResponse
from infra.local.stack import MEDIA_BUCKET, LocalStack
from tests.appointment_helpers import bearer
from tests.conftest import MakeProfessional, Professional, rows

pytestmark = pytest.mark.e2e


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG: signature, IHDR, one IDAT of RGB rows, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\x2a\x7f\xd4" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def start(api: str, stack: LocalStack, pro: Professional, content_type: str) -> requests.Response:
    return requests.post(
        f"{api}/api/account/avatar",
        json={"contentType": content_type},
        headers=bearer(stack, pro.user_id),
        timeout=30,
    )


def form(
    api: str, stack: LocalStack, pro: Professional, content_type: str = "image/png"
) -> dict[str, Any]:
    answer = start(api, stack, pro, content_type)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    AvatarUpload.model_validate(answer.json())
    return dict(answer.json())


def upload(
    presigned: dict[str, Any], content: bytes, content_type: str = "image/png", **changed: str
) -> requests.Response:
    fields = {**presigned["fields"], **changed}
    return requests.post(
        presigned["url"],
        data=fields,
        files={"file": ("photo", content, content_type)},
        timeout=30,
    )


def confirm(api: str, stack: LocalStack, pro: Professional, key: str) -> requests.Response:
    return requests.post(
        f"{api}/api/account/avatar/confirm",
        json={"key": key},
        headers=bearer(stack, pro.user_id),
        timeout=30,
    )


def stored(stack: LocalStack, key: str) -> bool:
    """Whether the bucket holds the key (asked as its owner: uploads are never public)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    s3 = boto3.client(
        "s3",
        endpoint_url=stack.s3.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(s3={"addressing_style": "path"}),
    )
    try:
        s3.head_object(Bucket=MEDIA_BUCKET, Key=key)
    except ClientError:
        return False
    return True


def avatar_of(db: pg8000.native.Connection, pro: Professional) -> str | None:
    (row,) = rows(db, "SELECT avatar_url FROM professionals WHERE id = :id", id=pro.id)
    url: str | None = row["avatar_url"]
    return url


def s3_error(answer: requests.Response) -> str:
    return answer.text.split("<Code>", 1)[1].split("</Code>", 1)[0]


@pytest.fixture
def pro(make_professional: MakeProfessional) -> Professional:
    return make_professional()


def test_a_photo_goes_up_through_the_presigned_post_and_is_published_when_confirmed(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    image = png()
    presigned = form(api, stack, pro)
    assert presigned["key"].startswith(f"uploads/{pro.id}/")
    assert presigned["maxBytes"] == 2 * 1024 * 1024

    posted = upload(presigned, image)
    assert posted.status_code == 204, posted.text
    assert avatar_of(db, pro) is None  # nothing changes before the confirmation

    answer = confirm(api, stack, pro, presigned["key"])

    assert answer.status_code == 200, answer.text
    url = AvatarConfirmed.model_validate(answer.json()).avatar_url
    assert url.startswith(f"{stack.s3.endpoint_url}/{MEDIA_BUCKET}/avatars/{pro.id}/")
    assert avatar_of(db, pro) == url
    served = requests.get(url, timeout=30)
    assert served.status_code == 200
    assert served.content == image
    assert served.headers["content-type"] == "image/png"
    assert not stored(stack, presigned["key"])  # the upload itself is gone
    profile = requests.get(f"{api}/api/professionals/{pro.slug}", timeout=30).json()
    assert profile["avatarUrl"] == url

    # A second photo replaces the first, whose object goes.
    second = form(api, stack, pro)
    assert upload(second, png(3, 3)).status_code == 204
    replaced = confirm(api, stack, pro, second["key"])
    assert replaced.status_code == 200, replaced.text
    assert requests.get(url, timeout=30).status_code == 404
    assert avatar_of(db, pro) == replaced.json()["avatarUrl"]


def test_a_5_mb_upload_is_refused_by_the_policy_and_nothing_is_stored(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    presigned = form(api, stack, pro)

    posted = upload(presigned, png() + b"\x00" * (5 * 1024 * 1024))

    assert posted.status_code == 400, posted.text
    assert s3_error(posted) == "EntityTooLarge"
    assert not stored(stack, presigned["key"])
    refused = confirm(api, stack, pro, presigned["key"])
    assert refused.status_code == 404
    assert avatar_of(db, pro) is None


def test_text_html_is_refused_by_the_api_and_by_the_policy(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    asked = start(api, stack, pro, "text/html")
    assert asked.status_code == 400
    ErrorResponse.model_validate(asked.json())
    assert asked.json()["error"]["code"] == "VALIDATION_FAILED"
    assert "contentType" in asked.json()["error"]["fields"]

    # A form for a PNG whose Content-Type field is changed to text/html.
    presigned = form(api, stack, pro)
    page = b"<!doctype html><script>alert(1)</script>"
    posted = upload(presigned, page, "text/html", **{"Content-Type": "text/html"})

    assert posted.status_code == 403, posted.text
    assert s3_error(posted) == "AccessDenied"
    assert "Content-Type" in posted.text
    assert not stored(stack, presigned["key"])
    assert avatar_of(db, pro) is None


def test_a_file_whose_bytes_lie_about_their_type_is_refused_and_deleted(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    presigned = form(api, stack, pro)
    # The policy is met (the form's Content-Type is image/png), the bytes are a web page.
    posted = upload(presigned, b"<!doctype html><p>not a picture</p>")
    assert posted.status_code == 204, posted.text
    assert stored(stack, presigned["key"])

    answer = confirm(api, stack, pro, presigned["key"])

    assert answer.status_code == 400, answer.text
    ErrorResponse.model_validate(answer.json())
    assert answer.json()["error"]["code"] == "VALIDATION_FAILED"
    assert "image/png" in answer.json()["error"]["fields"]["key"]
    assert not stored(stack, presigned["key"])
    assert avatar_of(db, pro) is None


def test_a_webp_upload_with_jpeg_bytes_is_refused(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> None:
    presigned = form(api, stack, pro, "image/webp")
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 64
    assert upload(presigned, jpeg, "image/webp").status_code == 204

    answer = confirm(api, stack, pro, presigned["key"])

    assert answer.status_code == 400
    assert not stored(stack, presigned["key"])


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"key": "avatars/someone/else.png"}, "AccessDenied"),
        ({"x-amz-signature": "0" * 64}, "SignatureDoesNotMatch"),
        ({"acl": "public-read"}, "AccessDenied"),  # a field the policy does not name
    ],
)
def test_the_gate_refuses_a_form_that_is_not_the_one_signed(
    api: str, stack: LocalStack, pro: Professional, change: dict[str, str], code: str
) -> None:
    presigned = form(api, stack, pro)

    posted = upload(presigned, png(), **change)

    assert posted.status_code == 403, posted.text
    assert s3_error(posted) == code
    assert not stored(stack, presigned["key"])
    assert not stored(stack, change.get("key", presigned["key"]))


def test_another_professionals_upload_cannot_be_confirmed(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    pro: Professional,
    make_professional: MakeProfessional,
) -> None:
    other = make_professional()
    presigned = form(api, stack, pro)
    assert upload(presigned, png()).status_code == 204

    answer = confirm(api, stack, other, presigned["key"])

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "NOT_FOUND"
    assert stored(stack, presigned["key"])  # still the owner's to confirm
    assert avatar_of(db, other) is None
