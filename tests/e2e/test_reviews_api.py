"""The review routes over HTTP (docs/client-relationship.md, "Reviews"): the client's one review
of a completed session, signed in or through the guest link; the professional's list, reply,
hiding and showing again; and what the public profile shows of them."""

from __future__ import annotations

import uuid
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import ClientReviewOut, GuestAppointment, ProfessionalReviewOut, ReviewPage
from infra.local.stack import LocalStack
from tests.account_helpers import profile
from tests.appointment_helpers import guest_get, guest_token
from tests.conftest import MakeProfessional, rows
from tests.e2e.test_booking_api import assert_error
from tests.review_helpers import (
    Session,
    as_client,
    as_professional,
    guest_review,
    list_reviews,
    moderate,
    reply,
    review,
    review_changes,
    review_rows,
    session,
    token,
)

pytestmark = pytest.mark.e2e


def no_store(answer: requests.Response) -> requests.Response:
    assert answer.headers.get("Cache-Control") == "no-store", answer.headers
    return answer


def field_names(error: dict[str, object]) -> set[str]:
    fields = error["fields"]
    assert isinstance(fields, dict)
    return set(fields)


def written(stack: LocalStack, api: str, visit: Session, **body: Any) -> dict[str, Any]:
    answer = no_store(review(api, visit.appointment, body, as_client(stack, visit)))
    assert answer.status_code == 201, answer.text
    document: dict[str, Any] = answer.json()
    ClientReviewOut.model_validate(document)
    return document


# -- the client's review --------------------------------------------------------------------


def test_the_client_reviews_a_completed_session_once(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    visit = session(db, make_professional)
    document = written(stack, api, visit, rating=5, comment="  Muito atenciosa.\nRecomendo.  ")
    assert document["rating"] == 5
    assert document["comment"] == "Muito atenciosa.\nRecomendo."  # trimmed, lines kept
    assert (document["reply"], document["repliedAt"]) == (None, None)
    [row] = review_rows(db, visit.appointment)
    assert (row["id"], row["client_id"], row["professional_id"]) == (
        uuid.UUID(document["id"]),
        visit.client_id,
        visit.pro.id,
    )
    # The professional is told in the app, in their language.
    [notice] = rows(
        db,
        "SELECT title, data FROM notifications WHERE professional_id = :p AND type = 'review'",
        p=visit.pro.id,
    )
    assert notice["title"] == "Nova avaliação"
    assert notice["data"] == {"appointmentId": str(visit.appointment)}

    again = no_store(review(api, visit.appointment, {"rating": 1}, as_client(stack, visit)))
    assert_error(again, 409, "ALREADY_REVIEWED")
    assert len(review_rows(db, visit.appointment)) == 1


def test_a_session_not_completed_is_not_reviewable(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    for status in ("confirmed", "pending_confirmation", "cancelled", "no_show"):
        visit = session(db, make_professional, status=status)
        answer = no_store(review(api, visit.appointment, {"rating": 4}, as_client(stack, visit)))
        assert_error(answer, 409, "NOT_REVIEWABLE")
        assert review_rows(db, visit.appointment) == []


def test_a_malformed_or_unknown_appointment_is_not_found(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    visit = session(db, make_professional)
    headers = as_client(stack, visit)
    for target in ("not-a-uuid", str(uuid.uuid4())):
        assert_error(no_store(review(api, target, {"rating": 4}, headers)), 404, "NOT_FOUND")


def test_the_guest_link_reviews_and_the_guest_view_shows_it(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    visit = session(db, make_professional)
    link = token(stack, visit)
    before = guest_get(api, visit.appointment, link)
    assert before.status_code == 200, before.text
    GuestAppointment.model_validate(before.json())
    assert (before.json()["review"], before.json()["canReview"]) == (None, True)

    answer = no_store(guest_review(api, visit.appointment, {"token": link, "rating": 4}))
    assert answer.status_code == 201, answer.text
    assert answer.headers.get("Referrer-Policy") == "no-referrer"
    assert answer.json()["comment"] is None

    after = guest_get(api, visit.appointment, link).json()
    GuestAppointment.model_validate(after)
    assert after["canReview"] is False
    assert after["review"] == answer.json()

    # A token for another appointment, or none, is refused before anything is read.
    other = session(db, make_professional)
    stranger = guest_review(api, other.appointment, {"token": link, "rating": 4})
    assert_error(no_store(stranger), 401, "UNAUTHORIZED")
    assert_error(guest_review(api, other.appointment, {"rating": 4}), 401, "UNAUTHORIZED")
    assert review_rows(db, other.appointment) == []


def test_bad_reviews_are_400_naming_the_field(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    visit = session(db, make_professional)
    headers = as_client(stack, visit)
    cases: list[tuple[object, str]] = [
        ({}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": 5, "comment": "x" * 2001}, "comment"),
        ({"rating": 5, "comment": "bad\x00byte"}, "comment"),
        ({"rating": 5, "comment": 12}, "comment"),
    ]
    for body, field in cases:
        answer = no_store(review(api, visit.appointment, body, headers))
        error = assert_error(answer, 400, "VALIDATION_FAILED")
        assert field in field_names(error), (body, error)
    link = token(stack, visit)
    error = assert_error(
        guest_review(api, visit.appointment, {"token": link, "rating": 9}), 400, "VALIDATION_FAILED"
    )
    assert "rating" in field_names(error)
    assert review_rows(db, visit.appointment) == []
    # A blank comment is no comment.
    assert written(stack, api, visit, rating=3, comment=" \n ")["comment"] is None


# -- the professional's ---------------------------------------------------------------------


def test_the_professional_lists_their_reviews_newest_first_in_pages(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    first = session(db, make_professional, name="Ana Beatriz Souza")
    second = session(db, make_professional, pro=first.pro, name="Carlos Lima")
    older = written(stack, api, first, rating=5)
    newer = written(stack, api, second, rating=2, comment="Atrasou.")
    headers = as_professional(stack, first)

    whole = no_store(list_reviews(api, headers))
    assert whole.status_code == 200, whole.text
    ReviewPage.model_validate(whole.json())
    items = whole.json()["items"]
    assert [item["id"] for item in items] == [newer["id"], older["id"]]
    assert items[1]["clientName"] == "Ana Beatriz Souza"  # the full name, for the professional
    assert items[1]["appointmentId"] == str(first.appointment)
    assert items[1]["clientId"] == str(first.client_id)
    assert (items[0]["hidden"], items[0]["hiddenReason"], items[0]["hiddenAt"]) == (
        False,
        None,
        None,
    )

    page = list_reviews(api, headers, limit="1").json()
    assert [item["id"] for item in page["items"]] == [newer["id"]]
    rest = list_reviews(api, headers, limit="1", cursor=page["nextCursor"]).json()
    assert ([item["id"] for item in rest["items"]], rest["nextCursor"]) == ([older["id"]], None)

    for params in ({"limit": "0"}, {"limit": "x"}, {"cursor": "not a cursor"}):
        error = assert_error(list_reviews(api, headers, **params), 400, "VALIDATION_FAILED")
        assert field_names(error) == set(params)

    # A client's sign-in has no reviews to manage.
    assert_error(no_store(list_reviews(api, as_client(stack, first))), 404, "NOT_FOUND")


def test_the_professional_replies_once(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    visit = session(db, make_professional)
    document = written(stack, api, visit, rating=4)
    headers = as_professional(stack, visit)

    for body in ({}, {"text": "   "}, {"text": "x" * 2001}, {"text": "a\x07b"}, {"text": 3}):
        error = assert_error(reply(api, document["id"], body, headers), 400, "VALIDATION_FAILED")
        assert "text" in field_names(error), body

    answer = no_store(reply(api, document["id"], {"text": " Obrigada!\nVolte sempre. "}, headers))
    assert answer.status_code == 201, answer.text
    ProfessionalReviewOut.model_validate(answer.json())
    assert answer.json()["reply"] == "Obrigada!\nVolte sempre."
    assert answer.json()["repliedAt"] is not None

    again = no_store(reply(api, document["id"], {"text": "De novo"}, headers))
    assert_error(again, 409, "ALREADY_REPLIED")
    [row] = review_rows(db, visit.appointment)
    assert row["reply"] == "Obrigada!\nVolte sempre."
    assert review_changes(db, document["id"]) == [
        {"action": "replied", "reason": None, "actor_id": visit.pro.user_id}
    ]
    # The client sees the reply on their guest view.
    view = guest_get(api, visit.appointment, guest_token(stack, visit.appointment)).json()
    assert view["review"]["reply"] == "Obrigada!\nVolte sempre."

    for target in ("not-a-uuid", str(uuid.uuid4())):
        assert_error(no_store(reply(api, target, {"text": "Oi"}, headers)), 404, "NOT_FOUND")


def test_hide_then_show_is_recorded_and_leaves_the_public_profile(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    kept = session(db, make_professional, name="Ana Souza")
    hidden = session(db, make_professional, pro=kept.pro, name="Bruno Costa")
    written(stack, api, kept, rating=5, comment="Ótima.")
    target = written(stack, api, hidden, rating=1, comment="Péssimo.")
    headers = as_professional(stack, kept)

    public = profile(api, kept.pro.slug).json()
    assert (public["reviewCount"], public["reviewAverage"]) == (2, 3.0)

    for body in (
        {"hidden": True},
        {"hidden": True, "reason": "  "},
        {"hidden": True, "reason": "x" * 501},
        {"hidden": False, "reason": "why"},
    ):
        error = assert_error(moderate(api, target["id"], body, headers), 400, "VALIDATION_FAILED")
        assert "reason" in field_names(error), body
    wrong: list[dict[str, Any]] = [{}, {"hidden": "yes"}]
    for body in wrong:
        error = assert_error(moderate(api, target["id"], body, headers), 400, "VALIDATION_FAILED")
        assert "hidden" in field_names(error), body

    answer = no_store(moderate(api, target["id"], {"hidden": True, "reason": "Ofensiva"}, headers))
    assert answer.status_code == 200, answer.text
    ProfessionalReviewOut.model_validate(answer.json())
    assert (answer.json()["hidden"], answer.json()["hiddenReason"]) == (True, "Ofensiva")
    hidden_at = answer.json()["hiddenAt"]

    public = profile(api, kept.pro.slug).json()
    assert (public["reviewCount"], public["reviewAverage"]) == (1, 5.0)
    assert [r["comment"] for r in public["reviews"]] == ["Ótima."]
    assert [r["reviewerName"] for r in public["reviews"]] == ["Ana"]

    # Hiding again takes the new reason (and keeps when it was first hidden).
    again = moderate(api, target["id"], {"hidden": True, "reason": "Cita outra pessoa"}, headers)
    assert (again.json()["hiddenReason"], again.json()["hiddenAt"]) == (
        "Cita outra pessoa",
        hidden_at,
    )
    listed = list_reviews(api, headers).json()["items"]
    assert [item["hidden"] for item in listed] == [True, False]

    shown = no_store(moderate(api, target["id"], {"hidden": False}, headers))
    assert shown.status_code == 200, shown.text
    assert (shown.json()["hidden"], shown.json()["hiddenReason"], shown.json()["hiddenAt"]) == (
        False,
        None,
        None,
    )
    assert moderate(api, target["id"], {"hidden": False}, headers).status_code == 200
    assert review_changes(db, target["id"]) == [
        {"action": "hidden", "reason": "Ofensiva", "actor_id": kept.pro.user_id},
        {"action": "hidden", "reason": "Cita outra pessoa", "actor_id": kept.pro.user_id},
        {"action": "shown", "reason": None, "actor_id": kept.pro.user_id},
    ]
    public = profile(api, kept.pro.slug).json()
    assert (public["reviewCount"], public["reviewAverage"]) == (2, 3.0)
    # Never deleted.
    assert len(review_rows(db, hidden.appointment)) == 1


def test_the_reply_shows_under_the_review_on_the_public_profile(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    visit = session(db, make_professional)
    document = written(stack, api, visit, rating=5, comment="Recomendo.")
    public = profile(api, visit.pro.slug).json()
    assert public["reviews"][0]["reply"] is None
    reply(api, document["id"], {"text": "Obrigada!"}, as_professional(stack, visit))
    public = profile(api, visit.pro.slug).json()
    assert [(r["rating"], r["reviewerName"], r["reply"]) for r in public["reviews"]] == [
        (5, "Maria", "Obrigada!")
    ]


def test_a_callers_reviews_are_rate_limited(
    stack: LocalStack, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    visit = session(db, make_professional)
    headers = as_client(stack, visit)
    # Every attempt counts, a refused one too: ten an hour.
    for _ in range(10):
        assert_error(review(api, visit.appointment, {}, headers), 400, "VALIDATION_FAILED")
    over = no_store(review(api, visit.appointment, {"rating": 5}, headers))
    assert_error(over, 429, "RATE_LIMITED")
    assert int(over.headers["Retry-After"]) > 0
    assert review_rows(db, visit.appointment) == []
    # The guest link is a caller of its own.
    link = guest_review(api, visit.appointment, {"token": token(stack, visit), "rating": 5})
    assert link.status_code == 201, link.text
