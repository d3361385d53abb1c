"""GET /api/client-profile over HTTP against the local stack, and a registered client acting on
their appointments through PATCH /api/appointments/{id} with their own token.

A claimed client is made directly in the tables (a client_accounts row and clients rows with
its user_id), as the claim leaves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import ClientProfileOut, GuestAppointment
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    bearer,
    changes,
    guest_get,
    guest_post,
    guest_token,
    new_professional,
    patch,
    snapshot,
)
from tests.client_profile_helpers import (
    client_row,
    get_profile,
    new_client_user,
    new_phone,
    register,
)
from tests.conftest import MakeProfessional, next_weekday, utc
from tests.e2e.test_booking_api import assert_error

pytestmark = pytest.mark.e2e


def profile_of(api: str, stack: LocalStack, user_id: str, **params: str) -> dict[str, Any]:
    answer = get_profile(api, bearer(stack, user_id), **params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = answer.json()
    ClientProfileOut.model_validate(body)
    return body


def instant(text: object) -> datetime:
    assert isinstance(text, str)
    return datetime.fromisoformat(text)


def test_a_client_sees_their_appointments_with_two_professionals(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    ana = new_professional(make_professional)
    emily = new_professional(make_professional, timezone="America/New_York")
    user, phone = new_client_user(), new_phone()
    # An email of their own: other tests' clients share the helpers' default one, and rows of
    # theirs would be offered for claiming here.
    email = f"{user}@example.com"
    register(db, user, phone=phone, email=email)
    at_ana = client_row(db, ana, phone=phone, email=email, user_id=user)
    at_emily = client_row(db, emily, phone=phone, user_id=user)
    day = next_weekday(3, after_days=4)
    later = add_appointment(db, ana, at_ana, ana.at(day, "14:00"))
    sooner = add_appointment(
        db, emily, at_emily, emily.at(day, "09:00"), status="pending_confirmation"
    )
    done = add_appointment(
        db, ana, at_ana, datetime.now(UTC) - timedelta(days=3), status="completed"
    )
    cancelled = add_appointment(db, emily, at_emily, emily.at(day, "11:00"), status="cancelled")
    # Not theirs: someone else's row at the same professional, and an anonymised one.
    stranger = client_row(db, ana, phone=new_phone(), user_id=new_client_user())
    add_appointment(db, ana, stranger, ana.at(day, "09:00"))
    gone = client_row(db, emily, phone=new_phone(), user_id=user, anonymised=True)
    add_appointment(db, emily, gone, emily.at(day, "15:00"))

    body = profile_of(api, stack, user)
    assert (body["name"], body["phone"], body["email"], body["language"]) == (
        "Maria Silva",
        phone,
        email,
        "pt-BR",
    )
    upcoming, past = body["upcoming"], body["past"]
    assert isinstance(upcoming, list)
    assert isinstance(past, list)
    # Soonest first across professionals: 09:00 in New York comes before 14:00 in São Paulo.
    assert [item["id"] for item in upcoming] == [str(sooner), str(later)]
    # Newest first: the cancelled one (next week) before the completed one (three days ago).
    assert [item["id"] for item in past] == [str(cancelled), str(done)]
    assert body["pastCursor"] is None

    by_id = {item["id"]: item for item in upcoming + past}
    at_emily_item = by_id[str(sooner)]
    assert at_emily_item["professional"]["slug"] == emily.slug
    assert at_emily_item["timezone"] == "America/New_York"
    assert at_emily_item["status"] == "pending_confirmation"
    assert instant(at_emily_item["startsAt"]) == utc(emily.at(day, "09:00"))
    assert at_emily_item["startsAt"].endswith("+00:00")
    assert instant(at_emily_item["localStartsAt"]) == emily.at(day, "09:00")
    assert at_emily_item["localStartsAt"] == emily.at(day, "09:00").isoformat()
    assert (at_emily_item["localDate"], at_emily_item["time"]) == (day.isoformat(), "09:00")
    assert at_emily_item["price"] == 150.0
    deadline = utc(emily.at(day, "09:00")) - timedelta(hours=24)
    assert at_emily_item["actions"] == {
        "cancel": {"allowed": True, "until": deadline.isoformat()},
        "reschedule": {"allowed": True, "until": deadline.isoformat()},
    }
    for item in (by_id[str(cancelled)], by_id[str(done)]):
        assert item["actions"] == {
            "cancel": {"allowed": False, "until": None},
            "reschedule": {"allowed": False, "until": None},
        }
    assert body["follows"] == []
    assert body["claimable"] == []


def test_the_client_cancels_and_reschedules_through_the_patch_with_their_token(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    ana = new_professional(make_professional)
    carla = new_professional(make_professional)
    user, phone = new_client_user(), new_phone()
    register(db, user, phone=phone)
    day = next_weekday(2, after_days=4)
    to_cancel = add_appointment(
        db, ana, client_row(db, ana, phone=phone, user_id=user), ana.at(day, "09:00")
    )
    to_move = add_appointment(
        db, carla, client_row(db, carla, phone=phone, user_id=user), carla.at(day, "09:00")
    )
    as_client = bearer(stack, user)

    body = profile_of(api, stack, user)
    assert {item["id"] for item in body["upcoming"]} == {str(to_cancel), str(to_move)}
    assert all(item["actions"]["cancel"]["allowed"] for item in body["upcoming"])

    cancelled = patch(api, to_cancel, {"action": "cancel"}, as_client)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    target = carla.at(day, "14:50")
    moved = patch(api, to_move, {"action": "reschedule", "startsAt": target.isoformat()}, as_client)
    assert moved.status_code == 200, moved.text
    assert [change["actor_role"] for change in changes(db, to_move)] == ["client"]

    body = profile_of(api, stack, user)
    [upcoming] = body["upcoming"]
    assert upcoming["id"] == str(to_move)
    assert instant(upcoming["startsAt"]) == utc(target)
    assert upcoming["localStartsAt"] == target.isoformat()
    [past] = body["past"]
    assert (past["id"], past["status"]) == (str(to_cancel), "cancelled")
    assert past["actions"]["cancel"] == {"allowed": False, "until": None}


def test_a_late_cancel_is_refused_as_the_profile_said(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    db.run(
        "UPDATE professionals SET cancellation_notice_hours = 48, reschedule_notice_hours = 2"
        " WHERE id = :p",
        p=pro.id,
    )
    user, phone = new_client_user(), new_phone()
    register(db, user, phone=phone)
    client = client_row(db, pro, phone=phone, user_id=user)
    starts = (datetime.now(UTC) + timedelta(hours=30)).replace(microsecond=0)
    appointment = add_appointment(db, pro, client, starts)
    as_client = bearer(stack, user)

    [item] = profile_of(api, stack, user)["upcoming"]
    cancel, reschedule = item["actions"]["cancel"], item["actions"]["reschedule"]
    assert cancel == {"allowed": False, "until": (starts - timedelta(hours=48)).isoformat()}
    assert reschedule == {"allowed": True, "until": (starts - timedelta(hours=2)).isoformat()}
    assert instant(cancel["until"]) < datetime.now(UTC) < instant(reschedule["until"])

    before = snapshot(db, appointment)
    refused = patch(api, appointment, {"action": "cancel"}, as_client)
    assert_error(refused, 403, "FORBIDDEN")
    assert "48" in refused.json()["error"]["message"]
    assert snapshot(db, appointment) == before
    assert changes(db, appointment) == []

    # What the profile allowed is allowed: a move within the 2-hour notice, to a free slot.
    day = next_weekday(3, after_days=4)
    target = pro.at(day, "09:50")
    moved = patch(
        api, appointment, {"action": "reschedule", "startsAt": target.isoformat()}, as_client
    )
    assert moved.status_code == 200, moved.text


def test_past_appointments_come_in_pages(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    other = new_professional(make_professional)
    user, phone = new_client_user(), new_phone()
    register(db, user, phone=phone)
    mine = client_row(db, pro, phone=phone, user_id=user)
    also_mine = client_row(db, other, phone=phone, user_id=user)
    now = datetime.now(UTC).replace(microsecond=0)
    past = [
        add_appointment(db, pro if n % 2 else other, mine if n % 2 else also_mine, when)
        for n, when in enumerate(now - timedelta(days=d) for d in (2, 4, 6, 8, 10))
    ]  # newest first; confirmed but over, so past
    upcoming = add_appointment(db, pro, mine, pro.at(next_weekday(2, after_days=4), "09:00"))

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = profile_of(api, stack, user, **params)
        pages += 1
        assert [item["id"] for item in body["upcoming"]] == [str(upcoming)]  # on every page
        assert len(body["past"]) <= 2
        seen += [item["id"] for item in body["past"]]
        cursor = body["pastCursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [str(a) for a in past]

    assert_error(get_profile(api, bearer(stack, user), cursor="nope"), 400, "VALIDATION_FAILED")
    assert_error(get_profile(api, bearer(stack, user), limit="101"), 400, "VALIDATION_FAILED")


def test_rows_of_other_professionals_with_the_same_phone_or_email_are_offered_masked(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    home, by_phone, by_email, taken, erased = (
        new_professional(make_professional) for _ in range(5)
    )
    user, phone = new_client_user(), new_phone()
    email = f"{user}@example.com"
    register(db, user, phone=phone, email=email)
    client_row(db, home, phone=phone, email=email, user_id=user)
    phone_row = client_row(db, by_phone, phone=phone)
    email_row = client_row(db, by_email, phone=new_phone(), email=email.upper())
    client_row(db, taken, phone=phone, user_id=new_client_user())  # someone else's claim
    client_row(db, erased, phone=phone, anonymised=True)  # a deletion's leftover
    client_row(db, by_phone, phone=new_phone(), email="someone@example.com")  # not theirs
    # A second row at a professional the account holds a row of already: one person is one
    # client of a professional.
    client_row(db, home, phone=new_phone(), email=email)

    claimable = profile_of(api, stack, user)["claimable"]
    assert isinstance(claimable, list)
    by_client = {item["clientId"]: item for item in claimable}
    assert set(by_client) == {str(phone_row), str(email_row)}
    offered = by_client[str(phone_row)]
    assert offered["professional"] == {"name": f"Dra. {by_phone.slug}", "slug": by_phone.slug}
    assert offered["channels"] == [{"channel": "whatsapp", "to": "+55 •••••••" + phone[-4:]}]
    emailed = by_client[str(email_row)]
    assert [channel["channel"] for channel in emailed["channels"]] == ["whatsapp", "email"]
    assert emailed["channels"][1]["to"] == "C•••@EXAMPLE.COM"
    text = str(claimable)
    assert phone not in text
    assert email.upper() not in text
    assert email not in text

    # An account being deleted has no profile any more, and is offered nothing.
    db.run("UPDATE client_accounts SET deletion_requested_at = now() WHERE user_id = :u", u=user)
    assert_error(get_profile(api, bearer(stack, user)), 404, "CLIENT_PROFILE_NOT_FOUND")


def test_no_client_account_is_404_even_for_a_professional(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    # A claimed row alone is no account: the account is made by the claim.
    user = new_client_user()
    client_row(db, pro, phone=new_phone(), user_id=user)
    for sub in (user, pro.user_id, new_client_user()):
        assert_error(get_profile(api, bearer(stack, sub)), 404, "CLIENT_PROFILE_NOT_FOUND")
    answer = get_profile(api, {**bearer(stack, pro.user_id), "accept-language": "pt-BR"})
    assert assert_error(answer, 404, "CLIENT_PROFILE_NOT_FOUND")["message"] == (
        "Não há perfil de cliente para este acesso"
    )


def test_the_dashboard_stays_the_professionals_and_points_a_client_to_the_profile(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    user = new_client_user()
    register(db, user, phone=new_phone())
    answer = requests.get(f"{api}/api/appointments", headers=bearer(stack, user), timeout=30)
    error = assert_error(answer, 403, "FORBIDDEN")
    assert "/api/client-profile" in str(error["message"])


def test_the_guest_manage_routes_keep_working_for_a_client_who_never_registered(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    guest = client_row(db, pro, phone=new_phone(), email="guest@example.com")
    day = next_weekday(4, after_days=4)
    appointment = add_appointment(db, pro, guest, pro.at(day, "09:00"))
    token = guest_token(stack, appointment)

    seen = guest_get(api, appointment, token)
    assert seen.status_code == 200, seen.text
    GuestAppointment.model_validate(seen.json())
    assert seen.json()["policy"]["canCancel"] is True
    ics = guest_get(api, appointment, token, "/calendar.ics")
    assert ics.status_code == 200
    assert "BEGIN:VCALENDAR" in ics.text
    target = pro.at(day, "14:00")
    moved = guest_post(
        api, appointment, "reschedule", {"token": token, "startsAt": target.isoformat()}
    )
    assert moved.status_code == 200, moved.text
    cancelled = guest_post(api, appointment, "cancel", {"token": token})
    assert cancelled.status_code == 200, cancelled.text
    assert snapshot(db, appointment)["status"] == "cancelled"
    assert [c["actor_role"] for c in changes(db, appointment)] == ["guest", "guest"]
