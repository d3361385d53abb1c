"""/api/account over HTTP on the real stack: a new sign-in becomes a professional, sets hours,
is booked and confirms; slugs change and keep working; deactivation hides the page; bad input
writes nothing; the account rate limit counts writes only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pg8000.native
import pytest
import requests

from agenda.contract import AccountOut, PublicProfile, SlugCheck
from agenda.domain.plans import RATE_LIMITS
from infra.local.stack import LocalStack
from tests.account_helpers import (
    check_slug,
    get_account,
    new_slug,
    new_user,
    patch_account,
    post_account,
    professional_rows,
    profile,
    refusal,
    sign_up,
    sign_up_body,
    slug_rows,
)
from tests.appointment_helpers import bearer, patch
from tests.conftest import next_weekday, rows
from tests.e2e.test_availability_api import document, put_availability
from tests.e2e.test_booking_api import assert_error, book

pytestmark = pytest.mark.e2e

PROFESSION_CHANGED = "Account test (changed)"


def free_slots(api: str, slug: str, day: str) -> list[str]:
    answer = requests.get(f"{api}/api/booking", params={"slug": slug, "date": day}, timeout=30)
    assert answer.status_code == 200, answer.text
    return [slot["startsAt"] for slot in answer.json()["days"][0]["slots"]]


def booking_for(slug: str, starts_at: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "startsAt": starts_at,
        "clientName": "Maria Silva",
        "clientPhone": "(11) 98765-4321",
        "clientEmail": "maria@example.com",
    }


# -- the whole way: sign up, hours, a booking, the confirmation ------------------------------------


def test_a_new_professional_signs_up_is_booked_and_confirms(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    user = new_user()
    headers = bearer(stack, user)
    # Before sign-up the sign-in has no account.
    assert_error(get_account(api, headers), 404, "NOT_FOUND")
    body = sign_up_body(phone="(11) 98765-0001", email=" Beatriz@Example.com ")
    started = datetime.now(UTC)
    answer = post_account(api, headers, body)
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    account = answer.json()
    AccountOut.model_validate(account)
    assert account["slug"] == body["slug"]
    assert account["phone"] == "+5511987650001"
    assert account["email"] == "beatriz@example.com"
    assert account["language"] == "pt-BR"
    assert account["plan"] == "free"
    assert account["subscriptionStatus"] == "none"
    assert account["subscribed"] is False
    trial_ends = datetime.fromisoformat(account["trialEndsAt"])
    assert timedelta(days=14) <= trial_ends - started < timedelta(days=14, minutes=5)
    assert account["effectivePlan"] == {
        "plan": "pro",
        "state": "trial",
        "until": account["trialEndsAt"],
    }
    assert account["limits"] == {"maxClients": None, "maxAppointmentsPerMonth": None}
    # Every plan with its limits, as the plan screen offers them.
    assert account["plans"] == [
        {"plan": "free", "maxClients": 10, "maxAppointmentsPerMonth": 20},
        {"plan": "basic", "maxClients": None, "maxAppointmentsPerMonth": None},
        {"plan": "pro", "maxClients": None, "maxAppointmentsPerMonth": None},
        {"plan": "premium", "maxClients": None, "maxAppointmentsPerMonth": None},
    ]
    assert account["usage"]["clients"] == account["usage"]["appointmentsThisMonth"] == 0
    assert get_account(api, headers).json() == account
    [row] = professional_rows(db, user)
    assert row["plan"] == "free"
    assert row["locale"] == "pt-BR"

    # Public at once, with no times yet.
    page = profile(api, body["slug"])
    assert page.status_code == 200, page.text
    PublicProfile.model_validate(page.json())
    assert page.json()["name"] == body["name"]
    assert "phone" not in page.json()
    day = next_weekday(2, after_days=3)
    assert free_slots(api, body["slug"], day.isoformat()) == []
    assert rows(db, "SELECT 1 FROM availability WHERE professional_id = :p", p=row["id"]) == []

    # Hours through the existing availability route, then the page shows slots.
    hours = put_availability(api, headers, document())
    assert hours.status_code == 200, hours.text
    slots = free_slots(api, body["slug"], day.isoformat())
    assert slots

    # A customer books; the new professional confirms.
    booked = book(api, booking_for(body["slug"], slots[0]))
    assert booked.status_code == 201, booked.text
    assert booked.json()["status"] == "pending_confirmation"
    [appointment] = rows(
        db, "SELECT id, status FROM appointments WHERE professional_id = :p", p=row["id"]
    )
    confirmed = patch(api, appointment["id"], {"action": "confirm"}, headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    [after] = rows(db, "SELECT status FROM appointments WHERE id = :a", a=appointment["id"])
    assert after["status"] == "confirmed"
    assert slots[0] not in free_slots(api, body["slug"], day.isoformat())

    usage = get_account(api, headers).json()["usage"]
    assert usage["clients"] == 1
    # The month the plan counts is the professional's own; the booking may fall in the next.
    local_month = datetime.now(ZoneInfo("America/Sao_Paulo")).strftime("%Y-%m")
    assert usage["month"] == local_month
    assert usage["appointmentsThisMonth"] == (1 if day.strftime("%Y-%m") == local_month else 0)


def test_a_second_sign_up_of_one_sign_in_is_refused_whatever_its_body(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    user, headers, account = sign_up(api, stack)
    again = post_account(api, headers, sign_up_body())
    assert_error(again, 409, "ACCOUNT_EXISTS")
    # Even a body that would be refused: the account exists, that is the answer.
    assert_error(post_account(api, headers, {"slug": "admin"}), 409, "ACCOUNT_EXISTS")
    [row] = professional_rows(db, user)
    assert row["slug"] == account["slug"]


def test_a_bad_sign_up_names_every_field_and_writes_nothing(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    user = new_user()
    headers = bearer(stack, user)
    bad = sign_up_body(
        slug="Admin Page",
        phone="123",
        email="nope",
        timezone="Mars/Base",
        language="fr",
        sessionDuration=7,
        extra="x",
    )
    error = refusal(post_account(api, headers, bad), 400, "VALIDATION_FAILED")
    assert set(error["fields"]) == {
        "slug", "phone", "email", "timezone", "language", "sessionDuration", "extra",
    }  # fmt: skip
    missing = refusal(post_account(api, headers, {}), 400, "VALIDATION_FAILED")
    assert set(missing["fields"]) == {"name", "slug", "profession", "phone", "email"}
    assert_error(
        requests.post(
            f"{api}/api/account",
            data="{not json",
            headers={**headers, "content-type": "application/json"},
            timeout=30,
        ),
        400,
        "VALIDATION_FAILED",
    )
    assert professional_rows(db, user) == []


@pytest.mark.parametrize("slug", ["api", "admin", "dashboard", "manage", "register", "www"])
def test_a_reserved_slug_is_refused(api: str, stack: LocalStack, slug: str) -> None:
    error = refusal(
        post_account(api, bearer(stack, new_user()), sign_up_body(slug=slug)),
        400,
        "VALIDATION_FAILED",
    )
    assert "reserved" in error["fields"]["slug"]


def test_a_taken_slug_is_409_with_free_suggestions(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    _, _, first = sign_up(api, stack)
    slug = first["slug"]
    # Someone already holds the first suggestion too: it is never offered.
    sign_up(api, stack, slug=f"{slug}-2")
    user = new_user()
    answer = post_account(api, bearer(stack, user), sign_up_body(slug=slug))
    error = refusal(answer, 409, "SLUG_TAKEN")
    suggestions = error["suggestions"]
    assert isinstance(suggestions, list)
    assert len(suggestions) == 3
    assert f"{slug}-2" not in suggestions
    assert suggestions[0] == f"{slug}-3"
    for suggestion in suggestions:
        assert suggestion in error["fields"]["slug"]
        assert slug_rows(db, suggestion) == []
    assert professional_rows(db, user) == []
    # A suggestion is really free: taking it works.
    taken = post_account(api, bearer(stack, user), sign_up_body(slug=suggestions[0]))
    assert taken.status_code == 201, taken.text


# -- the slug check --------------------------------------------------------------------------------


def test_the_slug_check_says_why(api: str, stack: LocalStack) -> None:
    _, owner, account = sign_up(api, stack)
    someone = bearer(stack, new_user())

    def check(headers: dict[str, str], slug: str) -> dict[str, Any]:
        answer = check_slug(api, headers, slug)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"
        body: dict[str, Any] = answer.json()
        SlugCheck.model_validate(body)
        assert body["slug"] == slug
        return body

    free = check(someone, new_slug("free"))
    assert (free["available"], free["reason"], free["suggestions"]) == (True, None, [])
    taken = check(someone, account["slug"])
    assert (taken["available"], taken["reason"]) == (False, "taken")
    assert taken["suggestions"]
    assert all(check(someone, s)["available"] for s in taken["suggestions"])
    assert check(owner, account["slug"])["available"] is True  # their own
    reserved = check(someone, "dashboard")
    assert (reserved["available"], reserved["reason"]) == (False, "reserved")
    assert "dashboard" not in reserved["suggestions"]
    malformed = check(someone, "Dra Ana!")
    assert (malformed["available"], malformed["reason"]) == (False, "malformed")
    assert all(s.startswith("dra-ana") for s in malformed["suggestions"])
    assert_error(
        requests.get(f"{api}/api/account/slug", headers=someone, timeout=30),
        400,
        "VALIDATION_FAILED",
    )


# -- changing settings ---------------------------------------------------------------------------


def test_every_business_setting_changes_and_a_bad_change_writes_nothing(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    user, headers, account = sign_up(api, stack)
    changes = {
        "name": "Beatriz Lima",
        "profession": PROFESSION_CHANGED,
        "phone": "+1 212 555 0177",
        "email": "b@example.org",
        "timezone": "America/New_York",
        "language": "en",
        "sessionDuration": 60,
        "sessionPrice": 150.5,
        "currency": "USD",
        "bio": None,
        "autoConfirm": True,
        "paymentAtBooking": True,
        "paymentType": "card",
        "pixKey": "beatriz@example.org",
        "cancellationNoticeHours": 12,
        "rescheduleNoticeHours": 6,
        "publicContact": "https://wa.me/12125550177",
    }
    answer = patch_account(api, headers, changes)
    assert answer.status_code == 200, answer.text
    changed = answer.json()
    AccountOut.model_validate(changed)
    for key, value in changes.items():
        if key != "phone":
            assert changed[key] == value, key
    assert changed["phone"] == "+12125550177"
    [row] = professional_rows(db, user)
    assert (row["locale"], row["currency"].strip(), row["timezone"]) == (
        "en",
        "USD",
        "America/New_York",
    )
    assert (row["auto_confirm"], row["payment_at_booking"], row["payment_type"]) == (
        True,
        True,
        "card",
    )
    assert (row["cancellation_notice_hours"], row["reschedule_notice_hours"]) == (12, 6)
    assert str(row["session_price"]) == "150.50"

    # A bad change: every bad key named, nothing written (the good keys beside it neither).
    bad = patch_account(
        api,
        headers,
        {"name": "Changed Again", "sessionPrice": None, "currency": "XYZ", "plan": "premium"},
    )
    error = refusal(bad, 400, "VALIDATION_FAILED")
    assert set(error["fields"]) == {"currency", "plan"}
    # A rule across fields, on what would be stored: payment at booking needs a price.
    across = refusal(patch_account(api, headers, {"sessionPrice": None}), 400, "VALIDATION_FAILED")
    assert "paymentAtBooking" in across["fields"]
    assert_error(patch_account(api, headers, {}), 400, "VALIDATION_FAILED")
    assert professional_rows(db, user) == [row]
    assert get_account(api, headers).json() == changed
    assert account["id"] == changed["id"]


def test_a_changed_slug_redirects_and_stays_its_professionals(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    user, headers, account = sign_up(api, stack)
    old, new = account["slug"], new_slug("moved")
    answer = patch_account(api, headers, {"slug": new})
    assert answer.status_code == 200, answer.text
    assert answer.json()["slug"] == new
    assert answer.json()["previousSlugs"] == [old]

    moved = profile(api, old)
    assert moved.status_code == 308, moved.text
    assert moved.headers["location"] == f"/api/professionals/{new}"
    assert moved.json()["slug"] == new
    followed = profile(api, old, follow=True)
    assert followed.status_code == 200
    assert followed.json()["slug"] == new
    assert profile(api, new).status_code == 200
    assert [(r["user_id"], r["retired_at"] is not None) for r in slug_rows(db, old)] == [
        (user, True)
    ]

    # No one else may take the old slug, by sign-up or by a change.
    other = bearer(stack, new_user())
    assert_error(post_account(api, other, sign_up_body(slug=old)), 409, "SLUG_TAKEN")
    _, someone, _ = sign_up(api, stack)
    error = refusal(patch_account(api, someone, {"slug": old}), 409, "SLUG_TAKEN")
    assert error["suggestions"]
    assert check_slug(api, other, old).json()["reason"] == "taken"
    assert check_slug(api, headers, old).json()["available"] is True

    # The professional may take it back; then the newer one leads to it.
    back = patch_account(api, headers, {"slug": old})
    assert back.status_code == 200, back.text
    assert back.json()["previousSlugs"] == [new]
    assert profile(api, old).status_code == 200
    assert profile(api, new).headers["location"] == f"/api/professionals/{old}"
    # A slug nobody ever had is still a 404.
    assert_error(profile(api, new_slug("never")), 404, "NOT_FOUND")


def test_deactivation_hides_the_page_and_refuses_bookings_but_keeps_appointments(
    api: str, stack: LocalStack, db: pg8000.native.Connection
) -> None:
    user, headers, account = sign_up(api, stack)
    slug = account["slug"]
    assert put_availability(api, headers, document()).status_code == 200
    day = next_weekday(3, after_days=3).isoformat()
    first, second = free_slots(api, slug, day)[:2]
    assert book(api, booking_for(slug, first)).status_code == 201
    renamed = new_slug("off")
    assert patch_account(api, headers, {"slug": renamed}).status_code == 200

    off = patch_account(api, headers, {"active": False})
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    assert_error(profile(api, renamed), 404, "NOT_FOUND")
    assert_error(profile(api, slug), 404, "NOT_FOUND")  # the old slug redirects no more
    assert_error(
        requests.get(f"{api}/api/booking", params={"slug": renamed, "date": day}, timeout=30),
        404,
        "NOT_FOUND",
    )
    assert_error(book(api, booking_for(renamed, second)), 404, "NOT_FOUND")
    [row] = professional_rows(db, user)
    kept = rows(db, "SELECT status FROM appointments WHERE professional_id = :p", p=row["id"])
    assert [a["status"] for a in kept] == ["pending_confirmation"]
    # The professional still sees and runs their account.
    assert get_account(api, headers).json()["active"] is False

    on = patch_account(api, headers, {"active": True})
    assert on.status_code == 200, on.text
    assert profile(api, renamed).status_code == 200
    assert profile(api, slug).status_code == 308
    assert second in free_slots(api, renamed, day)


# -- the rate limit ------------------------------------------------------------------------------


def test_the_account_limit_counts_writes_only(api: str, stack: LocalStack) -> None:
    limit = RATE_LIMITS["account"]
    assert (limit.per, limit.max_requests) == ("user", 10)
    _, headers, account = sign_up(api, stack)  # the first write
    for _ in range(limit.max_requests + 2):  # reads never count
        assert get_account(api, headers).status_code == 200
        assert check_slug(api, headers, account["slug"]).status_code == 200
    for n in range(limit.max_requests - 1):
        answer = patch_account(api, headers, {"bio": f"Bio {n}"})
        assert answer.status_code == 200, answer.text
    over = patch_account(api, headers, {"bio": "one too many"})
    assert_error(over, 429, "RATE_LIMITED")
    assert int(over.headers["retry-after"]) >= 1
    assert get_account(api, headers).json()["bio"] == f"Bio {limit.max_requests - 2}"
    # A second POST is a write too: refused by the limit before anything else.
    assert_error(post_account(api, headers, sign_up_body()), 429, "RATE_LIMITED")
    # Another sign-in has its own budget.
    assert patch_account(api, sign_up(api, stack)[1], {"bio": "mine"}).status_code == 200
