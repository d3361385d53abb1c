"""In-app notifications: each user sees, and marks, only their own."""

from __future__ import annotations

import pg8000.native
import pytest
import requests

from agenda.contract import NotificationOut, NotificationPage
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, Professional, fresh_ip, next_weekday

pytestmark = pytest.mark.e2e


def auth(stack: LocalStack, user_id: str) -> dict[str, str]:
    return {"authorization": f"Bearer {stack.authority.mint(user_id)}"}


def user_of(pro: Professional) -> str:
    return f"user-{pro.slug}"


def notify(db: pg8000.native.Connection, pro: Professional, count: int) -> None:
    db.run(
        "INSERT INTO notifications (professional_id, recipient, type, title, body, created_at)"
        " SELECT :p, 'professional', 'booking_request', 'Novo pedido', 'n' || i,"
        " now() - i * interval '1 minute' FROM generate_series(1, :n) AS i",
        p=pro.id,
        n=count,
    )


def test_a_booking_notice_reaches_only_its_professional(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro, other = make_professional(), make_professional()
    starts = pro.at(next_weekday(2), "09:00")
    booked = requests.post(
        f"{api}/api/booking",
        json={
            "slug": pro.slug,
            "startsAt": starts.isoformat(),
            "clientName": "Lia Souza",
            "clientPhone": "11955550101",
        },
        headers={"x-forwarded-for": fresh_ip()},
        timeout=10,
    )
    assert booked.status_code == 201
    mine = requests.get(f"{api}/api/notifications", headers=auth(stack, user_of(pro)), timeout=10)
    assert mine.status_code == 200
    page = mine.json()
    NotificationPage.model_validate(page)
    assert page["unreadCount"] == 1
    [item] = page["items"]
    assert item["type"] == "booking_request"
    assert "Lia Souza" in item["body"]
    assert item["readAt"] is None
    theirs = requests.get(
        f"{api}/api/notifications", headers=auth(stack, user_of(other)), timeout=10
    )
    assert theirs.json() == {"items": [], "unreadCount": 0, "nextCursor": None}

    url = f"{api}/api/notifications/{item['id']}"
    assert (
        requests.patch(
            url, json={"read": True}, headers=auth(stack, user_of(other)), timeout=10
        ).status_code
        == 404
    )
    marked = requests.patch(url, json={"read": True}, headers=auth(stack, user_of(pro)), timeout=10)
    assert marked.status_code == 200
    assert NotificationOut.model_validate(marked.json()).read_at is not None
    again = requests.get(
        f"{api}/api/notifications?unread=true", headers=auth(stack, user_of(pro)), timeout=10
    )
    assert again.json()["items"] == []
    assert again.json()["unreadCount"] == 0


def test_pages_follow_the_cursor_without_gaps_or_repeats(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    notify(db, pro, 25)
    seen: list[str] = []
    url = f"{api}/api/notifications?limit=10"
    while url:
        page = requests.get(url, headers=auth(stack, user_of(pro)), timeout=10).json()
        seen += [item["body"] for item in page["items"]]
        cursor = page["nextCursor"]
        url = f"{api}/api/notifications?limit=10&cursor={cursor}" if cursor else ""
    assert seen == [f"n{i}" for i in range(1, 26)]
    read_all = requests.post(
        f"{api}/api/notifications/read-all", headers=auth(stack, user_of(pro)), timeout=10
    )
    assert read_all.json() == {"marked": 25}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=garbage", "cursor"),
        ("unread=yes", "unread"),
    ],
)
def test_bad_queries_are_400(
    api: str, stack: LocalStack, make_professional: MakeProfessional, query: str, field: str
) -> None:
    pro = make_professional()
    answer = requests.get(
        f"{api}/api/notifications?{query}", headers=auth(stack, user_of(pro)), timeout=10
    )
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"]


def test_marking_needs_a_boolean_and_a_token(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    url = f"{api}/api/notifications/00000000-0000-0000-0000-000000000000"
    assert requests.patch(url, json={"read": True}, timeout=10).status_code == 401
    bad = requests.patch(url, json={"read": "yes"}, headers=auth(stack, user_of(pro)), timeout=10)
    assert bad.status_code == 400
    missing = requests.patch(
        f"{api}/api/notifications/not-a-uuid",
        json={"read": True},
        headers=auth(stack, user_of(pro)),
        timeout=10,
    )
    assert missing.status_code == 404
