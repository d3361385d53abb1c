"""The professional's dashboard and PATCH /api/appointments/{id}, over HTTP, on the real stack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import AppointmentOut, AppointmentPage, GuestAppointment
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    bearer,
    changes,
    error_code,
    guest_get,
    new_professional,
    patch,
    queued,
    snapshot,
    templates,
    token_of,
)
from tests.conftest import MakeProfessional, Professional, fresh_ip, next_weekday, rows
from tests.e2e.test_booking_api import book, booking_body

pytestmark = pytest.mark.e2e


def owner(stack: LocalStack, pro: Professional) -> dict[str, str]:
    return bearer(stack, f"user-{pro.slug}")


def listing(api: str, headers: dict[str, str], **params: str | int) -> requests.Response:
    return requests.get(f"{api}/api/appointments", params=params, headers=headers, timeout=30)


def page(api: str, headers: dict[str, str], **params: str | int) -> dict[str, Any]:
    answer = listing(api, headers, **params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    AppointmentPage.model_validate(body)
    return body


def everything(api: str, headers: dict[str, str], **params: str | int) -> list[dict[str, Any]]:
    """Every item of a view, page after page."""
    found: list[dict[str, Any]] = []
    for _ in range(100):
        body = page(api, headers, **params)
        found += body["items"]
        if body["nextCursor"] is None:
            return found
        params = {**params, "cursor": body["nextCursor"]}
    raise AssertionError("pagination never ended")


# -- the dashboard ---------------------------------------------------------------------------


def test_the_views_split_the_appointments_in_the_professionals_zone(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    maria = add_client(db, pro)
    joao = add_client(db, pro, user_id="user-joao", name="João Lima", email=None)
    now = datetime.now(UTC)
    day = next_weekday(2, after_days=3)
    made = {
        "confirmed later": add_appointment(db, pro, maria, pro.at(day, "14:00")),
        "confirmed sooner": add_appointment(db, pro, joao, pro.at(day, "09:00")),
        "pending": add_appointment(
            db, pro, maria, pro.at(day, "09:50"), status="pending_confirmation"
        ),
        "awaiting payment": add_appointment(
            db, pro, maria, pro.at(day, "10:40"), status="pending_payment"
        ),
        "completed": add_appointment(db, pro, maria, now - timedelta(days=3), status="completed"),
        "over": add_appointment(db, pro, joao, now - timedelta(days=2)),
        "no-show": add_appointment(db, pro, maria, now - timedelta(days=1), status="no_show"),
        "stale request": add_appointment(
            db, pro, maria, now - timedelta(days=4), status="pending_confirmation"
        ),
        "cancelled": add_appointment(db, pro, maria, pro.at(day, "16:30"), status="cancelled"),
        "rejected": add_appointment(db, pro, joao, pro.at(day, "15:40"), status="rejected"),
    }
    headers = owner(stack, pro)
    views = {
        view: [item["id"] for item in everything(api, headers, view=view)]
        for view in ("upcoming", "pending", "past", "cancelled")
    }
    ids = {name: str(value) for name, value in made.items()}
    assert views["upcoming"] == [ids["confirmed sooner"], ids["confirmed later"]]
    assert views["pending"] == [ids["pending"], ids["awaiting payment"]]
    # Backwards from now: the most recent first.
    assert views["past"] == [ids["no-show"], ids["over"], ids["completed"], ids["stale request"]]
    assert views["cancelled"] == [ids["cancelled"], ids["rejected"]]
    assert sorted(id_ for found in views.values() for id_ in found) == sorted(ids.values())

    body = page(api, headers)  # upcoming by default
    assert body["view"] == "upcoming"
    assert body["timezone"] == "America/Sao_Paulo"
    first = body["items"][0]
    AppointmentOut.model_validate(first)
    assert first["startsAt"] == f"{day.isoformat()}T09:00:00-03:00"
    assert first["endsAt"] == f"{day.isoformat()}T09:50:00-03:00"
    assert (first["localDate"], first["time"]) == (day.isoformat(), "09:00")
    assert first["client"]["name"] == "João Lima"
    assert first["client"]["registered"] is True
    assert first["client"]["phone"].startswith("+5521")
    second = body["items"][1]
    assert second["client"] == {
        "id": str(maria),
        "name": "Maria Silva",
        "phone": second["client"]["phone"],
        "email": "maria@example.com",
        "registered": False,
    }


def test_pages_are_complete_and_stable_under_new_appointments(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    # Cancelled appointments may share a start, so the id must break ties.
    for hour in range(6):
        for _ in range(3):
            add_appointment(db, pro, client, base + timedelta(hours=hour), status="cancelled")
    headers = owner(stack, pro)
    expected = rows(
        db,
        "SELECT id FROM appointments WHERE professional_id = :p ORDER BY starts_at DESC, id DESC",
        p=pro.id,
    )
    found = everything(api, headers, view="cancelled", limit=4)
    assert [item["id"] for item in found] == [str(row["id"]) for row in expected]

    # A page boundary does not move when an earlier appointment appears in between.
    for minutes in range(5):
        add_appointment(db, pro, client, base + timedelta(hours=9, minutes=minutes * 50))
    first = page(api, headers, view="upcoming", limit=2)
    add_appointment(db, pro, client, base + timedelta(hours=8))
    rest = everything(api, headers, view="upcoming", limit=2, cursor=first["nextCursor"])
    seen = [item["startsAt"] for item in first["items"] + rest]
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen)


def test_the_date_range_is_in_the_professionals_local_dates(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional, timezone="America/New_York")
    client = add_client(db, pro)
    day = next_weekday(3, after_days=4, zone=pro.timezone)
    late = add_appointment(db, pro, client, pro.at(day, "23:10"), status="cancelled")
    next_morning = add_appointment(
        db, pro, client, pro.at(day + timedelta(days=1), "00:30"), status="cancelled"
    )
    headers = owner(stack, pro)

    def ids(**params: str) -> list[str]:
        return [item["id"] for item in everything(api, headers, view="cancelled", **params)]

    # 23:10 in New York is already the next day in UTC; it still belongs to its local date.
    assert ids(**{"from": day.isoformat(), "to": day.isoformat()}) == [str(late)]
    after = (day + timedelta(days=1)).isoformat()
    assert ids(**{"from": after}) == [str(next_morning)]
    assert ids(to=day.isoformat()) == [str(late)]
    assert page(api, headers, view="cancelled")["timezone"] == "America/New_York"


def test_only_a_professional_has_a_dashboard(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    add_client(db, pro, user_id="user-only-a-client")
    for user in ("user-only-a-client", "nobody-at-all"):
        assert error_code(listing(api, bearer(stack, user)), 403) == "FORBIDDEN"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"view": "everything"}, "view"),
        ({"from": "yesterday"}, "from"),
        ({"limit": "1000"}, "limit"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
    ],
)
def test_bad_dashboard_queries_are_400(
    api: str, stack: LocalStack, params: dict[str, str], field: str
) -> None:
    answer = listing(api, bearer(stack, "demo-user-dr-ana"), **params)
    assert error_code(answer, 400) == "VALIDATION_FAILED"
    assert field in answer.json()["error"]["fields"]


# -- changes -----------------------------------------------------------------------------------


def test_confirming_tells_the_client_with_the_guest_link_and_the_invite(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    guest = add_client(db, pro)
    registered = add_client(db, pro, user_id="user-registered-client")
    day = next_weekday(2, after_days=3)
    first = add_appointment(db, pro, guest, pro.at(day, "09:00"), status="pending_confirmation")
    second = add_appointment(
        db, pro, registered, pro.at(day, "09:50"), status="pending_confirmation"
    )

    answer = patch(api, first, {"action": "confirm"}, owner(stack, pro))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    AppointmentOut.model_validate(body)
    assert (body["status"], body["sequence"], body["statusChangedBy"]) == (
        "confirmed",
        1,
        "professional",
    )
    row = snapshot(db, first)
    assert (row["status"], row["sequence"]) == ("confirmed", 1)
    assert row["status_changed_by"] == f"professional:user-{pro.slug}"
    assert row["status_changed_at"] is not None
    [audit] = changes(db, first)
    assert (audit["action"], audit["actor_role"], audit["actor_id"]) == (
        "confirm",
        "professional",
        f"user-{pro.slug}",
    )
    assert (audit["from_status"], audit["to_status"], audit["sequence"]) == (
        "pending_confirmation",
        "confirmed",
        1,
    )
    messages = queued(db, first)
    assert templates(messages) == {
        ("booking_confirmed", "client", "whatsapp"),
        ("booking_confirmed", "client", "email"),
    }
    params = messages[0]["params"]
    assert params["startsAt"] == f"{day.isoformat()}T09:00:00-03:00"
    assert params["registerUrl"].startswith("http://127.0.0.1:3000/register?")
    assert messages[0]["messageKey"].startswith(f"{first}:1:booking_confirmed:")
    # The guest link in the message opens this very appointment.
    link_id, token = token_of(params["manageUrl"])
    assert link_id == str(first)
    view = guest_get(api, first, token)
    assert view.status_code == 200, view.text
    assert GuestAppointment.model_validate(view.json()).status == "confirmed"

    assert patch(api, second, {"action": "confirm"}, owner(stack, pro)).status_code == 200
    assert all("registerUrl" not in m["params"] for m in queued(db, second))


def test_rejecting_and_cancelling_tell_the_other_side_with_the_reason(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro, user_id="user-client-rc")
    day = next_weekday(3, after_days=3)
    pending = add_appointment(db, pro, client, pro.at(day, "09:00"), status="pending_confirmation")
    by_pro = add_appointment(db, pro, client, pro.at(day, "09:50"))
    by_client = add_appointment(db, pro, client, pro.at(day, "10:40"))

    answer = patch(
        api, pending, {"action": "reject", "reason": "  Agenda  cheia "}, owner(stack, pro)
    )
    assert answer.json()["status"] == "rejected"
    rejected = queued(db, pending)
    assert templates(rejected) == {
        ("booking_rejected", "client", "whatsapp"),
        ("booking_rejected", "client", "email"),
    }
    assert rejected[0]["params"]["reason"] == "Agenda cheia"
    assert rejected[0]["params"]["bookingUrl"] == f"http://127.0.0.1:3000/p/{pro.slug}"
    assert changes(db, pending)[0]["reason"] == "Agenda cheia"

    patch(api, by_pro, {"action": "cancel"}, owner(stack, pro))
    assert {t for t, _, _ in templates(queued(db, by_pro))} == {"cancelled_by_professional"}

    answer = patch(api, by_client, {"action": "cancel"}, bearer(stack, "user-client-rc"))
    assert answer.status_code == 200, answer.text
    assert templates(queued(db, by_client)) == {
        ("cancelled_by_client", "professional", "whatsapp"),
        ("cancelled_by_client", "professional", "email"),
        ("cancellation_confirmed", "client", "whatsapp"),
        ("cancellation_confirmed", "client", "email"),
    }
    # And in the app: the client's change is news to the professional.
    assert [
        r["type"]
        for r in rows(
            db,
            "SELECT type FROM notifications WHERE data ->> 'appointmentId' = :id",
            id=str(by_client),
        )
    ] == ["cancelled_by_client"]
    assert snapshot(db, by_client)["status_changed_by"] == "client:user-client-rc"
    assert changes(db, by_client)[0]["actor_role"] == "client"


def test_clients_keep_to_the_professionals_notice(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro, user_id="user-client-late")
    soon = add_appointment(db, pro, client, datetime.now(UTC) + timedelta(hours=5))
    as_client = bearer(stack, "user-client-late")
    before = snapshot(db, soon)
    late = patch(api, soon, {"action": "cancel"}, as_client)
    assert error_code(late, 403) == "FORBIDDEN"
    assert "24 horas" in late.json()["error"]["message"]  # in the professional's language
    assert snapshot(db, soon) == before
    assert changes(db, soon) == []

    db.run("UPDATE professionals SET cancellation_notice_hours = 2 WHERE id = :p", p=pro.id)
    assert patch(api, soon, {"action": "cancel"}, as_client).status_code == 200

    # The professional always may.
    other = add_appointment(db, pro, client, datetime.now(UTC) + timedelta(hours=1))
    assert patch(api, other, {"action": "cancel"}, owner(stack, pro)).status_code == 200


def test_a_reschedule_frees_the_old_slot_takes_the_new_and_tells_both(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    day = next_weekday(4, after_days=3)
    appointment = add_appointment(db, pro, client, pro.at(day, "09:00"))

    def free_times() -> list[str]:
        listing = requests.get(
            f"{api}/api/booking",
            params={"slug": pro.slug, "date": day.isoformat()},
            timeout=30,
        ).json()
        return [slot["time"] for slot in listing["days"][0]["slots"]]

    assert "09:00" not in free_times()
    target = pro.at(day, "14:50")
    answer = patch(
        api,
        appointment,
        {"action": "reschedule", "startsAt": target.isoformat()},
        owner(stack, pro),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["startsAt"] == target.isoformat()
    assert answer.json()["status"] == "confirmed"
    times = free_times()
    assert "09:00" in times
    assert "14:50" not in times
    row = snapshot(db, appointment)
    assert (row["starts_at"], row["ends_at"] - row["starts_at"], row["sequence"]) == (
        target.astimezone(UTC),
        timedelta(minutes=50),
        1,
    )
    [audit] = changes(db, appointment)
    assert audit["from_starts_at"] == pro.at(day, "09:00").astimezone(UTC)
    assert audit["to_starts_at"] == target.astimezone(UTC)
    assert audit["from_status"] == audit["to_status"] == "confirmed"
    messages = queued(db, appointment)
    assert templates(messages) == {
        ("rescheduled", "client", "whatsapp"),
        ("rescheduled", "client", "email"),
        ("rescheduled", "professional", "whatsapp"),
        ("rescheduled", "professional", "email"),
    }
    for message in messages:
        assert message["params"]["previousStartsAt"] == f"{day.isoformat()}T09:00:00-03:00"
        assert message["params"]["startsAt"] == target.isoformat()
        assert message["params"]["movedBy"] == "professional"
        assert ("manageUrl" in message["params"]) == (message["audience"] == "client")

    # A second move is a second set of messages, not a duplicate of the first.
    again = pro.at(day, "15:40")
    patch(
        api, appointment, {"action": "reschedule", "startsAt": again.isoformat()}, owner(stack, pro)
    )
    assert len(queued(db, appointment)) == 8
    assert snapshot(db, appointment)["sequence"] == 2


def test_a_reschedule_target_must_be_a_real_free_slot(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    day = next_weekday(1, after_days=3)
    appointment = add_appointment(db, pro, client, pro.at(day, "09:00"))
    add_appointment(db, pro, client, pro.at(day, "14:00"))
    headers = owner(stack, pro)
    before = snapshot(db, appointment)

    def move(starts_at: object) -> requests.Response:
        return patch(api, appointment, {"action": "reschedule", "startsAt": starts_at}, headers)

    assert error_code(move(pro.at(day, "09:30").isoformat()), 409) == "SLOT_UNAVAILABLE"
    assert error_code(move(pro.at(day, "19:00").isoformat()), 409) == "SLOT_UNAVAILABLE"
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert error_code(move(past), 409) == "SLOT_UNAVAILABLE"
    assert error_code(move(pro.at(day, "14:00").isoformat()), 409) == "SLOT_TAKEN"
    same = move(pro.at(day, "09:00").isoformat())
    assert error_code(same, 400) == "VALIDATION_FAILED"
    assert "startsAt" in same.json()["error"]["fields"]
    missing = patch(api, appointment, {"action": "reschedule"}, headers)
    assert missing.json()["error"]["fields"] == {"startsAt": "is required to reschedule"}
    assert error_code(move("tomorrow at nine"), 400) == "VALIDATION_FAILED"
    assert snapshot(db, appointment) == before
    assert changes(db, appointment) == []
    assert queued(db, appointment) == []


def test_unknown_actions_bad_bodies_and_other_peoples_appointments(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    other = new_professional(make_professional)
    appointment = add_appointment(
        db, pro, add_client(db, pro), pro.at(next_weekday(2, after_days=3), "09:00")
    )
    headers = owner(stack, pro)
    unknown = patch(api, appointment, {"action": "archive"}, headers)
    assert error_code(unknown, 400) == "VALIDATION_FAILED"
    assert "action" in unknown.json()["error"]["fields"]
    assert error_code(patch(api, appointment, {}, headers), 400) == "VALIDATION_FAILED"
    raw = requests.patch(
        f"{api}/api/appointments/{appointment}", data="{nope", headers=headers, timeout=30
    )
    assert error_code(raw, 400) == "VALIDATION_FAILED"

    # Someone else's appointment answers exactly like one that does not exist.
    theirs = patch(api, appointment, {"action": "cancel"}, owner(stack, other))
    missing = patch(api, "5d0b4a9e-0000-4000-8000-000000000000", {"action": "cancel"}, headers)
    garbage = patch(api, "not-an-id", {"action": "cancel"}, headers)
    for answer in (theirs, missing, garbage):
        assert error_code(answer, 404) == "NOT_FOUND"
    assert theirs.json() == missing.json() == garbage.json()
    assert snapshot(db, appointment)["status"] == "confirmed"


def test_a_bookings_client_messages_carry_a_working_guest_link(
    api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional, auto_confirm=True, plan="pro")
    starts = pro.at(next_weekday(2, after_days=3), "10:40")
    assert book(api, booking_body(pro, starts), ip=fresh_ip()).status_code == 201
    [appointment] = rows(db, "SELECT id FROM appointments WHERE professional_id = :p", p=pro.id)
    messages = queued(db, appointment["id"])
    assert {(m["template"], m["audience"]) for m in messages} == {
        ("booking_request", "professional"),
        ("booking_confirmed", "client"),
    }
    for message in messages:
        assert ("manageUrl" in message["params"]) == (message["audience"] == "client")
    link = next(m for m in messages if m["audience"] == "client")["params"]["manageUrl"]
    link_id, token = token_of(link)
    assert link_id == str(appointment["id"])
    view = guest_get(api, link_id, token)
    assert view.status_code == 200, view.text
    assert view.json()["startsAt"] == starts.isoformat()
