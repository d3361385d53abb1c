"""The photo's rules: which bytes are which image, whose upload a key is, what is refused."""

from __future__ import annotations

import uuid

import pytest

from agenda.domain.avatars import (
    MAX_BYTES,
    check_upload,
    content_type_of,
    owned_upload,
    sniff,
    upload_key,
)
from agenda.domain.errors import NotFound, PayloadTooLarge, ValidationFailed

pytestmark = pytest.mark.unit

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (WEBP, "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # RIFF, but audio
        (b"\x89PNG\r\n\x1a", None),  # a PNG signature cut short
        (b"<!doctype html>", None),
        (b"GIF89a\x01\x00\x01\x00", None),
        (b"", None),
    ],
)
def test_sniff_reads_the_signature_not_the_claim(head: bytes, expected: str | None) -> None:
    assert sniff(head) == expected


def test_only_jpeg_png_and_webp_are_taken() -> None:
    for taken in ("image/jpeg", "image/png", "image/webp"):
        assert content_type_of(taken) == taken
    for refused in ("text/html", "image/gif", "image/svg+xml", "IMAGE/PNG", ""):
        with pytest.raises(ValidationFailed) as caught:
            content_type_of(refused)
        assert "contentType" in caught.value.fields


def test_an_upload_key_is_its_professionals_only() -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    key = upload_key(owner, "ab" * 16, "image/webp")
    assert key == f"uploads/{owner}/{'ab' * 16}.webp"
    assert owned_upload(key, owner) == (f"avatars/{owner}/{'ab' * 16}.webp", "image/webp")
    for wrong in (
        key,  # someone else's
        f"avatars/{other}/{'ab' * 16}.webp",  # a published photo, not an upload
        f"uploads/{other}/../{owner}/{'ab' * 16}.png",
        f"uploads/{other}/{'ab' * 16}.html",
    ):
        with pytest.raises(NotFound):
            owned_upload(wrong, other)


def test_a_stored_upload_must_be_small_typed_and_truly_that_image() -> None:
    check_upload(size=MAX_BYTES, stored_type="image/png", promised="image/png", head=PNG)
    with pytest.raises(PayloadTooLarge):
        check_upload(size=MAX_BYTES + 1, stored_type="image/png", promised="image/png", head=PNG)
    with pytest.raises(ValidationFailed):
        check_upload(size=0, stored_type="image/png", promised="image/png", head=b"")
    with pytest.raises(ValidationFailed):  # the bytes lie
        check_upload(size=100, stored_type="image/png", promised="image/png", head=JPEG)
    with pytest.raises(ValidationFailed):  # stored with another type than its key promises
        check_upload(size=100, stored_type="text/html", promised="image/png", head=PNG)
