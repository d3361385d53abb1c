"""The professional's photo: which files are taken, where they live, and how an upload's
bytes are told apart from what they claim to be. Pure: no I/O.

An upload goes straight from the browser to the media bucket through a presigned POST whose
policy fixes the key, the content type and the size (1 byte to MAX_BYTES). It lands under
``uploads/``, which nothing serves; only the confirm step, having checked the stored object's
size and its first bytes, copies it under ``avatars/``, the one prefix the CDN may read. So a
file whose bytes lie about their type is never published, whatever the browser sent.
"""

from __future__ import annotations

import re
from uuid import UUID

from agenda.domain.errors import NotFound, PayloadTooLarge, ValidationFailed

MAX_BYTES = 2 * 1024 * 1024
# How long a presigned POST may be used: long enough for a slow phone connection.
UPLOAD_SECONDS = 600
# The content types taken, and the extension each key gets.
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
CONTENT_TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}
UPLOADS, AVATARS = "uploads", "avatars"
# Enough of a file's start to recognise each type (WebP: "RIFF", 4 size bytes, "WEBP").
SNIFF_BYTES = 12

_UPLOAD_KEY = re.compile(
    r"^uploads/(?P<owner>[0-9a-f-]{36})/(?P<token>[0-9a-f]{32})\.(?P<ext>jpg|png|webp)$"
)


def sniff(head: bytes) -> str | None:
    """The content type the bytes really are, by their signature, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def content_type_of(value: str) -> str:
    if value not in EXTENSIONS:
        raise ValidationFailed(
            "The photo must be a JPEG, PNG or WebP image",
            fields={"contentType": "must be image/jpeg, image/png or image/webp"},
        )
    return value


def upload_key(professional_id: UUID, token: str, content_type: str) -> str:
    return f"{UPLOADS}/{professional_id}/{token}.{EXTENSIONS[content_type]}"


def owned_upload(key: str, professional_id: UUID) -> tuple[str, str]:
    """The public key an upload of this professional becomes, and the content type its key
    promises. Anyone else's key (or no upload key at all) is 404, like one that is missing."""
    match = _UPLOAD_KEY.fullmatch(key)
    if match is None or match["owner"] != str(professional_id):
        raise NotFound("No such upload")
    return f"{AVATARS}/{match['owner']}/{match['token']}.{match['ext']}", CONTENT_TYPES[
        match["ext"]
    ]


def check_upload(*, size: int, stored_type: str | None, promised: str, head: bytes) -> None:
    """The stored object must be within the size, stored with the type its key promises, and
    its bytes must be that type."""
    if size > MAX_BYTES:
        raise PayloadTooLarge("The photo must not exceed 2 MB")
    if size == 0:
        raise ValidationFailed("The photo is empty", fields={"key": "the uploaded file is empty"})
    actual = sniff(head)
    if stored_type != promised or actual != promised:
        raise ValidationFailed(
            "The uploaded file is not the image it claims to be",
            fields={"key": f"the file's bytes are not {promised}"},
        )
