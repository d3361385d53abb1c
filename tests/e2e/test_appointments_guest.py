"""Guest self-service through the signed link: view, cancel, reschedule, calendar file; and
every bad token is a 401 that changes nothing."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pg8000.native
import pytest
import requests

from agenda.contract import GuestAppointment
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    changes,
    error_code,
    guest_get,
    guest_post,
    guest_token,
    new_professional,
    queued,
    snapshot,
    templates,
)
from tests.conftest import MakeProfessional, captured_logs, next_weekday

pytestmark = pytest.mark.e2e


def test_a_guest_sees_the_appointment_and_what_the_policy_allows(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    day = next_weekday(2, after_days=3)
    appointment = add_appointment(db, pro, client, pro.at(day, "09:00"))
    answer = guest_get(api, appointment, guest_token(stack, appointment))
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    GuestAppointment.model_validate(body)
    assert body["id"] == str(appointment)
    assert body["startsAt"] == f"{day.isoformat()}T09:00:00-03:00"
    assert body["clientName"] == "Maria Silva"
    assert body["professional"]["slug"] == pro.slug
    assert body["policy"]["canCancel"] is True
    assert body["policy"]["canReschedule"] is True
    assert (
        body["policy"]["cancelUntil"] == f"{(day - timedelta(days=1)).isoformat()}T09:00:00-03:00"
    )
    # Nobody's contact details travel with the link.
    for secret in ("maria@example.com", "+5521", pro.phone, "pro@example.com"):
        assert secret not in answer.text


def test_a_guest_cancels_within_the_policy_and_the_professional_is_told(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    appointment = add_appointment(db, pro, client, pro.at(next_weekday(3, after_days=3), "09:50"))
    token = guest_token(stack, appointment)
    answer = guest_post(api, appointment, "cancel", {"token": token, "reason": "Imprevisto"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "cancelled"
    assert answer.json()["policy"]["canCancel"] is False
    row = snapshot(db, appointment)
    assert (row["status"], row["sequence"], row["status_changed_by"]) == ("cancelled", 1, "guest")
    [audit] = changes(db, appointment)
    assert (audit["actor_role"], audit["actor_id"], audit["reason"]) == (
        "guest",
        None,
        "Imprevisto",
    )
    assert templates(queued(db, appointment)) == {
        ("cancelled_by_client", "professional", "whatsapp"),
        ("cancelled_by_client", "professional", "email"),
        ("cancellation_confirmed", "client", "whatsapp"),
        ("cancellation_confirmed", "client", "email"),
    }


def test_a_guest_reschedules_to_a_free_slot_but_not_past_the_notice(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    day = next_weekday(4, after_days=3)
    appointment = add_appointment(db, pro, client, pro.at(day, "14:00"))
    token = guest_token(stack, appointment)
    target = pro.at(day, "16:30")
    answer = guest_post(
        api, appointment, "reschedule", {"token": token, "startsAt": target.isoformat()}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["startsAt"] == target.isoformat()
    assert snapshot(db, appointment)["starts_at"] == target.astimezone(UTC)
    messages = queued(db, appointment)
    assert {m["params"]["movedBy"] for m in messages} == {"client"}
    assert {m["audience"] for m in messages} == {"client", "professional"}
    # The client's copy carries a fresh link for the new time.
    [fresh] = {m["params"]["manageUrl"] for m in messages if m["audience"] == "client"}
    assert str(appointment) in fresh

    soon = add_appointment(db, pro, client, datetime.now(UTC) + timedelta(hours=3))
    late = guest_post(
        api,
        soon,
        "reschedule",
        {"token": guest_token(stack, soon), "startsAt": pro.at(day, "09:00").isoformat()},
    )
    assert error_code(late, 403) == "FORBIDDEN"
    assert changes(db, soon) == []


def forged(token: str) -> str:
    payload, _, signature = token.partition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[-1] ^= 0x55
    return f"{payload}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"


def altered_id(token: str, appointment: str) -> str:
    """The payload re-encoded with another appointment's id, the signature kept."""
    payload, _, signature = token.partition(".")
    raw = base64.urlsafe_b64decode(payload + "==")
    swapped = raw[:1] + uuid.UUID(appointment).bytes + raw[17:]
    return f"{base64.urlsafe_b64encode(swapped).decode().rstrip('=')}.{signature}"


def test_forged_altered_expired_and_misdirected_tokens_are_401_and_change_nothing(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    day = next_weekday(1, after_days=3)
    mine = add_appointment(db, pro, client, pro.at(day, "09:00"))
    other = add_appointment(db, pro, client, pro.at(day, "09:50"))
    good = guest_token(stack, mine)
    bad_tokens = {
        "forged signature": forged(good),
        "altered id": altered_id(guest_token(stack, other), str(mine)),
        "expired": guest_token(stack, mine, expires_at=datetime.now(UTC) - timedelta(seconds=1)),
        "another appointment's": guest_token(stack, other),
        "garbage": "not-a-token",
        "missing": None,
    }
    before = {appointment: snapshot(db, appointment) for appointment in (mine, other)}
    target = pro.at(day, "14:00").isoformat()
    for name, token in bad_tokens.items():
        answers = [
            guest_get(api, mine, token),
            guest_get(api, mine, token, "/calendar.ics"),
            guest_post(api, mine, "cancel", {} if token is None else {"token": token}),
            guest_post(
                api,
                mine,
                "reschedule",
                {"startsAt": target} if token is None else {"token": token, "startsAt": target},
            ),
        ]
        for answer in answers:
            assert error_code(answer, 401) == "UNAUTHORIZED", name
            assert answer.json()["error"]["message"] == "This link is invalid or has expired"
    for appointment, row in before.items():
        assert snapshot(db, appointment) == row
        assert changes(db, appointment) == []
        assert queued(db, appointment) == []
    # The genuine token still works.
    assert guest_get(api, mine, good).status_code == 200


def test_a_token_reused_after_cancelling_can_look_but_not_act(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    day = next_weekday(2, after_days=3)
    appointment = add_appointment(db, pro, client, pro.at(day, "10:40"))
    token = guest_token(stack, appointment)
    assert guest_post(api, appointment, "cancel", {"token": token}).status_code == 200
    after_cancel = snapshot(db, appointment)

    again = guest_post(api, appointment, "cancel", {"token": token})
    assert error_code(again, 409) == "INVALID_TRANSITION"
    moved = guest_post(
        api,
        appointment,
        "reschedule",
        {"token": token, "startsAt": pro.at(day, "15:40").isoformat()},
    )
    assert error_code(moved, 409) == "INVALID_TRANSITION"
    assert snapshot(db, appointment) == after_cancel
    assert len(changes(db, appointment)) == 1
    # The one cancellation, to each side by WhatsApp and email.
    assert len(queued(db, appointment)) == 4

    view = guest_get(api, appointment, token).json()
    assert view["status"] == "cancelled"
    assert (view["policy"]["canCancel"], view["policy"]["canReschedule"]) == (False, False)
    # The calendar file tells calendars the event is off, as a newer version of it.
    calendar = icalendar.Calendar.from_ical(
        guest_get(api, appointment, token, "/calendar.ics").text
    )
    [event] = calendar.walk("VEVENT")
    assert (str(event["STATUS"]), int(event.decoded("SEQUENCE"))) == ("CANCELLED", 1)


def next_spring_forward() -> date:
    """The next Sunday New York moves its clocks forward, at least 14 days from now."""
    zone = ZoneInfo("America/New_York")
    day = datetime.now(zone).date() + timedelta(days=14)
    while True:
        noon, day_before = (datetime.combine(d, time(12), zone) for d in (day, day - timedelta(1)))
        if noon.dst() and not day_before.dst():
            return day
        day += timedelta(days=1)


def test_the_calendar_file_shows_the_local_time_across_a_dst_change(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    # The Monday after New York next springs forward (at least two weeks from now), and the
    # Monday before it.
    spring = next_spring_forward()
    after, before = spring + timedelta(days=1), spring - timedelta(days=6)
    pro = new_professional(
        make_professional,
        timezone="America/New_York",
        windows=((1, "09:00", "12:00"),),
        horizon_days=730,
    )
    client = add_client(db, pro)
    starts = pro.at(after, "09:00")
    appointment = add_appointment(db, pro, client, starts, status="pending_confirmation")
    token = guest_token(stack, appointment)
    answer = guest_get(api, appointment, token, "/calendar.ics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    assert f'filename="appointment-{appointment}.ics"' in answer.headers["content-disposition"]
    [event] = icalendar.Calendar.from_ical(answer.text).walk("VEVENT")
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute, start.utcoffset()) == (9, 0, timedelta(hours=-4))
    assert start.astimezone(UTC) == datetime.combine(after, time(13, 0), UTC)
    assert str(event["STATUS"]) == "TENTATIVE"
    uid = str(event["UID"])

    # Moved across the change to the Monday before it: -05:00, same UID, a higher SEQUENCE.
    target = pro.at(before, "09:50")
    moved = guest_post(
        api, appointment, "reschedule", {"token": token, "startsAt": target.isoformat()}
    )
    assert moved.status_code == 200, moved.text
    [event] = icalendar.Calendar.from_ical(
        guest_get(api, appointment, token, "/calendar.ics").text
    ).walk("VEVENT")
    start = event.decoded("DTSTART")
    assert (start.hour, start.minute, start.utcoffset()) == (9, 50, timedelta(hours=-5))
    assert str(event["UID"]) == uid
    assert int(event.decoded("SEQUENCE")) == 1


def test_guest_actions_log_neither_the_token_nor_contact_details(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro, email="sigilo.total@example.com")
    appointment = add_appointment(db, pro, client, pro.at(next_weekday(5, after_days=3), "09:00"))
    [phone] = [row[0] for row in db.run("SELECT phone FROM clients WHERE id = :c", c=client)]
    token = guest_token(stack, appointment)
    with captured_logs() as emitted:
        guest_get(api, appointment, token)
        guest_get(api, appointment, "forged." + token)
        assert guest_post(api, appointment, "cancel", {"token": token}).status_code == 200
    lines = [json.loads(line) for line in emitted]
    assert any(line["message"] == "appointment changed" for line in lines)
    out = "\n".join(emitted)
    for secret in (token[:20], token.split(".")[1][:20], "sigilo.total", phone[3:]):
        assert secret not in out


def test_guest_routes_need_no_jwt(api: str) -> None:
    answer = requests.get(
        f"{api}/api/guest/appointments/0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30", timeout=30
    )
    # The function answers (the authorizer would have said {"message": "Unauthorized"}).
    assert error_code(answer, 401) == "UNAUTHORIZED"
