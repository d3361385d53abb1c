"""The signed-in user's in-app notifications: list, unread count, mark as read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.errors import NotFound, ValidationFailed
from agenda.pagination import decode_cursor, encode_cursor, page_limit

if TYPE_CHECKING:
    from agenda.adapters.inbox import Inbox


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "type": row["type"],
        "title": row["title"],
        "body": row["body"],
        "data": row["data"],
        "readAt": row["read_at"].isoformat() if row["read_at"] else None,
        "createdAt": row["created_at"].isoformat(),
    }


def list_notifications(inbox: Inbox, user_id: str, params: Mapping[str, str]) -> dict[str, Any]:
    limit = page_limit(params)
    unread = params.get("unread", "false")
    if unread not in ("true", "false"):
        raise ValidationFailed("The query is invalid", fields={"unread": "must be true or false"})
    after = decode_cursor(params["cursor"]) if params.get("cursor") else None
    rows = inbox.page(user_id, unread_only=unread == "true", after=after, limit=limit + 1)
    page, more = rows[:limit], len(rows) > limit
    return {
        "items": [_item(row) for row in page],
        "unreadCount": inbox.unread(user_id),
        "nextCursor": encode_cursor(page[-1]["created_at"], page[-1]["id"]) if more else None,
    }


def mark(inbox: Inbox, user_id: str, notification_id: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        target = UUID(notification_id)
    except ValueError as exc:
        # Same answer as someone else's notification: nothing hints at what exists.
        raise NotFound("No such notification") from exc
    read = body.get("read")
    if not isinstance(read, bool):
        raise ValidationFailed(
            "Some fields are missing or invalid", fields={"read": "must be true or false"}
        )
    row = inbox.mark(user_id, target, read=read)
    if row is None:
        raise NotFound("No such notification")
    return _item(row)


def mark_all(inbox: Inbox, user_id: str) -> dict[str, Any]:
    return {"marked": inbox.mark_all(user_id)}
