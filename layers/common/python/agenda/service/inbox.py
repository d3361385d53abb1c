"""The signed-in user's in-app notifications: list, unread count, mark as read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agenda.domain.errors import NotFound, ValidationFailed, known_id
from agenda.pagination import decode_cursor, encode_cursor, page_limit

if TYPE_CHECKING:
    from agenda.service.ports import InboxStores, UnitOfWork
    from agenda.service.records import InAppNotification


def _item(notification: InAppNotification) -> dict[str, Any]:
    return {
        "id": str(notification.id),
        "type": notification.type,
        "title": notification.title,
        "body": notification.body,
        "data": notification.data,
        "readAt": notification.read_at.isoformat() if notification.read_at else None,
        "createdAt": notification.created_at.isoformat(),
    }


def list_notifications(
    uow: UnitOfWork[InboxStores], user_id: str, params: Mapping[str, str]
) -> dict[str, Any]:
    limit = page_limit(params)
    unread = params.get("unread", "false")
    if unread not in ("true", "false"):
        raise ValidationFailed("The query is invalid", fields={"unread": "must be true or false"})
    after = decode_cursor(params["cursor"]) if params.get("cursor") else None

    def read(stores: InboxStores) -> tuple[list[InAppNotification], int]:
        found = stores.inbox.page(
            user_id, unread_only=unread == "true", after=after, limit=limit + 1
        )
        return found, stores.inbox.unread(user_id)

    found, unread_count = uow.read(read)
    page, more = found[:limit], len(found) > limit
    return {
        "items": [_item(notification) for notification in page],
        "unreadCount": unread_count,
        "nextCursor": encode_cursor(page[-1].created_at, page[-1].id) if more else None,
    }


def mark(
    uow: UnitOfWork[InboxStores], user_id: str, notification_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    target = known_id(notification_id, "No such notification")
    read = body.get("read")
    if not isinstance(read, bool):
        raise ValidationFailed(
            "Some fields are missing or invalid", fields={"read": "must be true or false"}
        )
    notification = uow.run(lambda stores: stores.inbox.mark(user_id, target, read=read))
    if notification is None:
        raise NotFound("No such notification")
    return _item(notification)


def mark_all(uow: UnitOfWork[InboxStores], user_id: str) -> dict[str, Any]:
    return {"marked": uow.run(lambda stores: stores.inbox.mark_all(user_id))}
