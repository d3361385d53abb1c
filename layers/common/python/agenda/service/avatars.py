"""The professional's photo: POST /api/account/avatar hands out a presigned POST for one
upload, POST /api/account/avatar/confirm checks what was stored and publishes it.

The policy of the presigned POST already fixes the key, the content type and the size, and S3
enforces it; the confirm step does not trust that alone. It reads the stored object's size and
type and its first bytes, and a file that is not the image it claims to be is deleted and
refused. Only a confirmed photo is copied where the CDN serves it (agenda.domain.avatars).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from agenda.domain.avatars import (
    MAX_BYTES,
    SNIFF_BYTES,
    UPLOAD_SECONDS,
    check_upload,
    content_type_of,
    owned_upload,
    upload_key,
)
from agenda.domain.errors import DomainError, NotFound
from agenda.observability import count, logger
from agenda.service.site_publisher import publish_after_change

if TYPE_CHECKING:
    from uuid import UUID

    from agenda.service.ports import AvatarStores, Clock, Media, RateLimiter, UnitOfWork
    from agenda.service.site_publisher import PublisherDependencies

NO_ACCOUNT = "No professional account for this sign-in"


def _token() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True, slots=True)
class AvatarDependencies:
    uow: UnitOfWork[AvatarStores]
    media: Media
    limiter: RateLimiter  # the account limit: both routes write
    clock: Clock
    token: Callable[[], str] = field(default=_token)
    pages: PublisherDependencies | None = None  # the public page, written after a change


def _professional(deps: AvatarDependencies, user_id: str) -> UUID:
    professional_id = deps.uow.read(lambda stores: stores.avatars.owner(user_id))
    if professional_id is None:
        raise NotFound(NO_ACCOUNT)
    return professional_id


def start_upload(deps: AvatarDependencies, body: dict[str, Any], *, user_id: str) -> dict[str, Any]:
    """POST /api/account/avatar {"contentType"}: the form to post the file with."""
    from agenda.contract import AvatarUploadRequest, validate

    deps.limiter.check(user_id)
    content_type = content_type_of(validate(AvatarUploadRequest, body).content_type)
    professional_id = _professional(deps, user_id)
    key = upload_key(professional_id, deps.token(), content_type)
    form = deps.media.upload_form(
        key, content_type, max_bytes=MAX_BYTES, expires_seconds=UPLOAD_SECONDS
    )
    expires_at = deps.clock() + timedelta(seconds=UPLOAD_SECONDS)
    count("AvatarUploadStarted")
    return {
        "url": form.url,
        "fields": form.fields,
        "key": key,
        "contentType": content_type,
        "maxBytes": MAX_BYTES,
        "expiresAt": expires_at.isoformat(),
    }


def confirm_upload(
    deps: AvatarDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """POST /api/account/avatar/confirm {"key"}: check the stored upload and make it the photo.
    A refused upload is deleted."""
    from agenda.contract import AvatarConfirm, validate

    deps.limiter.check(user_id)
    key = validate(AvatarConfirm, body).key
    professional_id = _professional(deps, user_id)
    published, promised = owned_upload(key, professional_id)
    stored = deps.media.stored(key)
    if stored is None:
        raise NotFound("No upload under this key: it expired or was never made")
    try:
        head = deps.media.first_bytes(key, SNIFF_BYTES) if stored.size else b""
        check_upload(
            size=stored.size, stored_type=stored.content_type, promised=promised, head=head
        )
    except DomainError as refused:
        deps.media.delete(key)
        count("AvatarRefused", reason=refused.code)
        logger.info(
            "avatar refused",
            extra={
                "professional_id": str(professional_id),
                "size": stored.size,
                "code": refused.code,
            },
        )
        raise
    deps.media.publish(key, published, promised)
    url = deps.media.public_url(published)
    previous = deps.uow.run(lambda stores: stores.avatars.replace(professional_id, url))
    deps.media.delete(key)
    replaced = deps.media.key_of(previous)
    if replaced is not None and replaced != published:
        deps.media.delete(replaced)
    count("AvatarChanged")
    logger.info("avatar changed", extra={"professional_id": str(professional_id)})
    publish_after_change(deps.pages, professional_id)
    return {"avatarUrl": url}
