"""A private note never leaves the owner's note routes: a note holding a unique marker is
written about a client who has everything a client can have (a registered account, a confirmed
and a completed appointment, guest links, a booking of their own, messages, reviews), and then
every route of the API is called as that client (their JWT), as the holder of their guest links
and anonymously. The marker must be in no answer (body or headers), no message sent (WhatsApp,
email, their outbox payloads), no in-app notification, no row of any other table, neither
export of the client, no file of the professional's page, and no log line.

The routes are enumerated from the template and the OpenAPI document: a route this test has no
call for fails it, so a new route cannot skip the check."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests

from infra.local.stack import PAGES_BUCKET, REGION, LocalStack
from infra.local.template import load_stack
from infra.openapi import build_document
from infra.pages import s3_client
from infra.paths import TEMPLATE
from tests.appointment_helpers import (
    add_appointment,
    bearer,
    guest_token,
    guest_url,
    new_professional,
)
from tests.client_notes_helpers import add_note, change_note, list_notes, notes_url
from tests.client_profile_helpers import client_row, new_client_user, new_phone, register
from tests.conftest import MakeProfessional, captured_logs, fresh_ip, next_weekday, rows
from tests.e2e.test_professional_pages import published

pytestmark = pytest.mark.e2e

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
TIMEOUT = 30


class World:
    """The client, everything they can hold, and the credentials to reach it."""

    def __init__(
        self, api: str, stack: LocalStack, db: pg8000.native.Connection, make: MakeProfessional
    ) -> None:
        self.api = api
        self.pro = new_professional(make)
        self.user = new_client_user()
        self.phone = new_phone()
        self.email = f"{self.user}@example.com"
        register(db, self.user, phone=self.phone, email=self.email)
        self.client = client_row(
            db, self.pro, phone=self.phone, email=self.email, user_id=self.user
        )
        soon = next_weekday(2, after_days=5)
        self.confirmed = add_appointment(db, self.pro, self.client, self.pro.at(soon, "09:00"))
        self.cancellable = add_appointment(db, self.pro, self.client, self.pro.at(soon, "10:00"))
        self.reschedulable = add_appointment(db, self.pro, self.client, self.pro.at(soon, "11:00"))
        past = datetime.now(UTC) - timedelta(days=3)
        self.completed = add_appointment(db, self.pro, self.client, past, status="completed")
        self.completed_guest = add_appointment(
            db, self.pro, self.client, past - timedelta(days=7), status="completed"
        )
        self.jwt = bearer(stack, self.user)
        self.tokens = {
            appointment: guest_token(stack, appointment)
            for appointment in (
                self.confirmed,
                self.cancellable,
                self.reschedulable,
                self.completed,
                self.completed_guest,
            )
        }
        self.free_day = next_weekday(4, after_days=6)
        # Three free slots of that day, as the booking page offers them: a booking, and the
        # guest's and the client's reschedules.
        offered = requests.get(
            f"{api}/api/booking",
            params={"slug": self.pro.slug, "date": self.free_day.isoformat(), "days": "1"},
            headers={"x-forwarded-for": fresh_ip()},
            timeout=TIMEOUT,
        ).json()
        self.slots = [slot["startsAt"] for slot in offered["days"][0]["slots"]][:3]
        assert len(self.slots) == 3, offered
        self.note = ""  # the note's id, once written


Call = Callable[[World], requests.Response]


def _get(path: str, *, jwt: bool = True, **params: str) -> Call:
    def call(w: World) -> requests.Response:
        return requests.get(
            w.api + path.format(w=w),
            params={k: v.format(w=w) for k, v in params.items()},
            headers=w.jwt if jwt else {"x-forwarded-for": fresh_ip()},
            timeout=TIMEOUT,
        )

    return call


def _send(method: str, path: str, body: Callable[[World], Any], *, jwt: bool = True) -> Call:
    def call(w: World) -> requests.Response:
        headers = w.jwt if jwt else {}
        return requests.request(
            method,
            w.api + path.format(w=w),
            json=body(w),
            headers={**headers, "x-forwarded-for": fresh_ip()},
            timeout=TIMEOUT,
        )

    return call


def _guest_get(appointment: str, what: str = "") -> Call:
    def call(w: World) -> requests.Response:
        target = getattr(w, appointment)
        return requests.get(
            guest_url(w.api, target, what), params={"token": w.tokens[target]}, timeout=TIMEOUT
        )

    return call


def _guest_post(appointment: str, what: str, body: Callable[[World], dict[str, Any]]) -> Call:
    def call(w: World) -> requests.Response:
        target = getattr(w, appointment)
        return requests.post(
            guest_url(w.api, target, what),
            json={"token": w.tokens[target], **body(w)},
            headers={"x-forwarded-for": fresh_ip()},
            timeout=TIMEOUT,
        )

    return call


def _nothing(_: World) -> dict[str, Any]:
    return {}


def _booking(w: World) -> dict[str, Any]:
    return {
        "slug": w.pro.slug,
        "startsAt": w.slots[0],
        "clientName": "Maria Silva",
        "clientPhone": w.phone,
        "clientEmail": w.email,
    }


RANDOM_ID = "3f0e7c1a-2b4d-4e6f-8a9b-0c1d2e3f4a5b"

# Every route, and how a client, their guest links or the public call it. A route only a
# professional uses is called with the client's JWT all the same: the answer must say nothing
# of the note either. `expect` is the status a working route gives that call (None: any
# answer but a 5xx), so a route that stopped working cannot pass for one that keeps a secret.
CALLS: dict[str, tuple[Call, int | None]] = {
    # -- public ---------------------------------------------------------------------------------
    "GET /api/professionals/{slug}": (_get("/api/professionals/{w.pro.slug}", jwt=False), 200),
    "GET /api/booking": (
        _get(
            "/api/booking",
            jwt=False,
            slug="{w.pro.slug}",
            date="{w.free_day}",
            days="7",
        ),
        200,
    ),
    "POST /api/booking": (_send("POST", "/api/booking", _booking, jwt=False), 201),
    "POST /api/guest/links": (
        _send("POST", "/api/guest/links", lambda w: {"contact": w.email}, jwt=False),
        202,
    ),
    "POST /api/stripe/webhook": (
        _send("POST", "/api/stripe/webhook", lambda w: {"id": "evt_x"}, jwt=False),
        None,
    ),
    # -- the guest links --------------------------------------------------------------------------
    "GET /api/guest/appointments/{id}": (_guest_get("confirmed"), 200),
    "GET /api/guest/appointments/{id}/calendar.ics": (
        _guest_get("confirmed", "/calendar.ics"),
        200,
    ),
    "POST /api/guest/appointments/{id}/reschedule": (
        _guest_post(
            "reschedulable",
            "/reschedule",
            lambda w: {"startsAt": w.slots[1]},
        ),
        200,
    ),
    "POST /api/guest/appointments/{id}/cancel": (
        _guest_post("cancellable", "/cancel", lambda w: {"reason": "imprevisto"}),
        200,
    ),
    "GET /api/guest/appointments/{id}/messages": (_guest_get("confirmed", "/messages"), 200),
    "POST /api/guest/appointments/{id}/messages": (
        _guest_post("confirmed", "/messages", lambda w: {"text": "Olá, pelo link"}),
        201,
    ),
    "POST /api/guest/appointments/{id}/review": (
        _guest_post("completed_guest", "/review", lambda w: {"rating": 5, "comment": "Ótima"}),
        201,
    ),
    # -- the client's own routes (JWT) ------------------------------------------------------------
    "GET /api/client-profile": (_get("/api/client-profile"), 200),
    "PATCH /api/client-profile": (
        _send("PATCH", "/api/client-profile", lambda w: {"name": "Maria Silva"}),
        None,
    ),
    "GET /api/client-profile/export": (_get("/api/client-profile/export"), 200),
    "DELETE /api/client-profile": (
        _send("DELETE", "/api/client-profile", lambda w: {"confirm": "not-mine@example.com"}),
        400,
    ),
    "POST /api/client-profile/claim": (
        _send("POST", "/api/client-profile/claim", lambda w: {"invite": "a.b"}),
        None,
    ),
    "POST /api/client-profile/claim/codes": (
        _send(
            "POST",
            "/api/client-profile/claim/codes",
            lambda w: {"clientId": RANDOM_ID, "channel": "whatsapp"},
        ),
        None,
    ),
    "POST /api/client-profile/contact/confirm": (
        _send("POST", "/api/client-profile/contact/confirm", lambda w: {"code": "000000"}),
        None,
    ),
    "PUT /api/client-profile/follows/{slug}": (
        _send("PUT", "/api/client-profile/follows/{w.pro.slug}", lambda w: None),
        201,
    ),
    "DELETE /api/client-profile/follows/{slug}": (
        _send("DELETE", "/api/client-profile/follows/{w.pro.slug}", lambda w: None),
        204,
    ),
    "PATCH /api/appointments/{id}": (
        _send(
            "PATCH",
            "/api/appointments/{w.confirmed}",
            lambda w: {"action": "reschedule", "startsAt": w.slots[2]},
        ),
        200,
    ),
    "POST /api/appointments/{id}/review": (
        _send(
            "POST",
            "/api/appointments/{w.completed}/review",
            lambda w: {"rating": 4, "comment": "Muito bom"},
        ),
        201,
    ),
    "GET /api/messages": (_get("/api/messages", clientId="{w.client}"), 200),
    "POST /api/messages": (
        _send(
            "POST", "/api/messages", lambda w: {"clientId": str(w.client), "text": "Olá, logada"}
        ),
        201,
    ),
    "GET /api/notifications": (_get("/api/notifications"), 200),
    "PATCH /api/notifications/{id}": (
        _send("PATCH", f"/api/notifications/{RANDOM_ID}", lambda w: {"read": True}),
        404,
    ),
    "POST /api/notifications/read-all": (
        _send("POST", "/api/notifications/read-all", _nothing),
        200,
    ),
    # -- a professional's routes, with the client's JWT -----------------------------------------
    "GET /api/appointments": (_get("/api/appointments"), 403),
    "GET /api/availability": (_get("/api/availability"), 403),
    "PUT /api/availability": (_send("PUT", "/api/availability", _nothing), None),
    "POST /api/availability/preview": (
        _send("POST", "/api/availability/preview", _nothing),
        None,
    ),
    "POST /api/appointments": (_send("POST", "/api/appointments", _nothing), None),
    "POST /api/account": (_send("POST", "/api/account", _nothing), 400),
    "GET /api/account": (_get("/api/account"), 404),
    "PATCH /api/account": (_send("PATCH", "/api/account", lambda w: {"bio": "x"}), 404),
    "GET /api/account/slug": (_get("/api/account/slug", slug="{w.pro.slug}"), None),
    "POST /api/account/avatar": (
        _send("POST", "/api/account/avatar", lambda w: {"contentType": "image/png"}),
        404,
    ),
    "POST /api/account/avatar/confirm": (
        _send("POST", "/api/account/avatar/confirm", lambda w: {"key": "uploads/x"}),
        None,
    ),
    "GET /api/account/export": (_get("/api/account/export"), 404),
    "DELETE /api/account": (
        _send("DELETE", "/api/account", lambda w: {"confirm": w.pro.slug}),
        None,
    ),
    "POST /api/stripe/checkout": (
        _send("POST", "/api/stripe/checkout", lambda w: {"plan": "pro"}),
        None,
    ),
    "POST /api/stripe/portal": (_send("POST", "/api/stripe/portal", _nothing), None),
    "GET /api/clients": (_get("/api/clients"), 404),
    "POST /api/clients": (
        _send("POST", "/api/clients", lambda w: {"name": "Alguém", "phone": new_phone()}),
        404,
    ),
    "GET /api/clients/{id}": (_get("/api/clients/{w.client}"), 404),
    "PATCH /api/clients/{id}": (
        _send("PATCH", "/api/clients/{w.client}", lambda w: {"name": "Outra"}),
        404,
    ),
    "GET /api/clients/{id}/notes": (_get("/api/clients/{w.client}/notes"), 404),
    "POST /api/clients/{id}/notes": (
        _send("POST", "/api/clients/{w.client}/notes", lambda w: {"text": "da cliente"}),
        404,
    ),
    "PATCH /api/clients/{id}/notes/{noteId}": (
        _send("PATCH", "/api/clients/{w.client}/notes/{w.note}", lambda w: {"text": "da cliente"}),
        404,
    ),
    "DELETE /api/clients/{id}/notes/{noteId}": (
        _send("DELETE", "/api/clients/{w.client}/notes/{w.note}", lambda w: None),
        404,
    ),
    "GET /api/reviews": (_get("/api/reviews"), 404),
    "POST /api/reviews/{id}/reply": (
        _send("POST", f"/api/reviews/{RANDOM_ID}/reply", lambda w: {"text": "obrigada"}),
        404,
    ),
    "PATCH /api/reviews/{id}": (
        _send("PATCH", f"/api/reviews/{RANDOM_ID}", lambda w: {"hidden": False}),
        404,
    ),
}


def _declared_routes() -> set[str]:
    """Every route of the template and every operation of the OpenAPI document."""
    declared = {route.route_key for route in load_stack(TEMPLATE).routes}
    for path, item in build_document()["paths"].items():
        declared |= {f"{method.upper()} {path}" for method in item if method in HTTP_METHODS}
    return declared


def test_every_route_has_a_call_here() -> None:
    missing = sorted(_declared_routes() - set(CALLS))
    assert not missing, (
        "a route this test does not call: add it to CALLS (as a client, a guest or the public"
        " reach it) so that it is checked for the note:\n" + "\n".join(missing)
    )
    stale = sorted(set(CALLS) - _declared_routes())
    assert not stale, f"calls of routes that no longer exist: {stale}"


def _say(answer: requests.Response) -> str:
    headers = json.dumps(dict(answer.headers), ensure_ascii=False)
    return f"{answer.status_code} {headers} {answer.content.decode('utf-8', 'replace')}"


def _text_columns(db: pg8000.native.Connection) -> list[tuple[str, str]]:
    found = rows(
        db,
        "SELECT c.table_name, c.column_name FROM information_schema.columns c"
        " JOIN information_schema.tables t"
        "   ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
        " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        "   AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')"
        " ORDER BY 1, 2",
    )
    return [(row["table_name"], row["column_name"]) for row in found]


def _where_in_the_database(db: pg8000.native.Connection, marker: str) -> list[str]:
    """Every column of every table holding the marker, but the note's own."""
    holding = []
    for table, column in _text_columns(db):
        if (table, column) == ("client_notes", "body"):
            continue
        [[n]] = db.run(
            f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS text) LIKE :m',
            m=f"%{marker}%",
        )
        if n:
            holding.append(f"{table}.{column}")
    return holding


def _deliveries_settled(db: pg8000.native.Connection, w: World) -> None:
    """Wait until every message the calls queued for the professional's page has its final
    outcome, so the providers' stand-in holds what was sent."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        [[waiting]] = db.run(
            "SELECT count(*) FROM notification_outbox o"
            " LEFT JOIN notification_deliveries d ON d.message_key = o.message_key"
            " WHERE o.professional_id = :p AND (d.status IS NULL OR d.status <> 'sent')",
            p=w.pro.id,
        )
        if waiting == 0:
            return
        time.sleep(0.3)


def _page_files(stack: LocalStack, w: World) -> dict[str, str]:
    """The professional's generated page files in the pages bucket, written afresh."""
    s3 = s3_client(stack.s3.endpoint_url, REGION)
    found: dict[str, str] = {}
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=PAGES_BUCKET)
    for listing in pages:
        for item in listing.get("Contents", []):
            if w.pro.slug in item["Key"]:
                body = s3.get_object(Bucket=PAGES_BUCKET, Key=item["Key"])["Body"].read()
                found[item["Key"]] = body.decode("utf-8", "replace")
    return found


def test_a_note_reaches_no_client_no_guest_no_public_and_no_log(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    capfd: pytest.CaptureFixture[str],
) -> None:
    marker = f"MARKER-{uuid.uuid4().hex}"
    w = World(api, stack, db, make_professional)
    owner = bearer(stack, w.pro.user_id)
    answers: dict[str, str] = {}
    with captured_logs() as emitted:
        # The owner writes the note through the API (so its own route's logs are checked too),
        # and edits a second one to hold the marker as well.
        written = add_note(api, owner, w.client, {"text": f"Sessão: {marker}\nconfidencial"})
        assert written.status_code == 201, written.text
        other = add_note(api, owner, w.client, {"text": "rascunho"}).json()
        edited = change_note(api, owner, w.client, other["id"], {"text": f"revisto {marker}"})
        assert edited.status_code == 200, edited.text
        w.note = written.json()["id"]

        for route, (call, expect) in sorted(CALLS.items()):
            answer = call(w)
            answers[route] = _say(answer)
            assert answer.status_code < 500, f"{route}: {answers[route][:500]}"
            if expect is not None:
                assert answer.status_code == expect, f"{route}: {answers[route][:500]}"

        # The professional's own side: the client list and the client's page hold no note.
        for route, owner_call in (
            (
                "owner GET /api/clients",
                lambda: requests.get(f"{api}/api/clients", headers=owner, timeout=TIMEOUT),
            ),
            (
                "owner GET /api/clients?q=",
                lambda: requests.get(
                    f"{api}/api/clients", params={"q": "Maria"}, headers=owner, timeout=TIMEOUT
                ),
            ),
            (
                "owner GET /api/clients/{id}",
                lambda: requests.get(
                    f"{api}/api/clients/{w.client}", headers=owner, timeout=TIMEOUT
                ),
            ),
        ):
            answer = owner_call()
            answers[route] = _say(answer)
            assert answer.status_code == 200, f"{route}: {answers[route][:500]}"
        # The notes are still there for the owner: the check above is not of an empty list.
        listed = list_notes(api, owner, w.client)
        assert marker in listed.text

        _deliveries_settled(db, w)
        db.run("INSERT INTO site_page_jobs (slug) VALUES (:s)", s=w.pro.slug)
        published(api, w.pro.slug)
        answers["GET /p/{slug}"] = _say(requests.get(f"{api}/p/{w.pro.slug}", timeout=TIMEOUT))

    leaked = [route for route, said in answers.items() if marker in said]
    assert not leaked, f"the note is in the answers of {leaked}"

    sent = stack.providers.messages()
    assert any(m.recipient.lstrip("+") == w.phone.lstrip("+") for m in sent), (
        "the client was sent nothing: the message check would prove nothing"
    )
    in_messages = [m for m in sent if marker in json.dumps(m.to_json(), ensure_ascii=False)]
    assert not in_messages, in_messages

    [[outbox]] = db.run(
        "SELECT count(*) FROM notification_outbox WHERE professional_id = :p", p=w.pro.id
    )
    assert outbox > 0
    assert _where_in_the_database(db, marker) == []

    files = _page_files(stack, w)
    assert f"p/{w.pro.slug}" in files
    assert not [key for key, body in files.items() if marker in body]

    logged = "\n".join(emitted)
    assert logged  # the calls above logged something: the capture works
    assert marker not in logged
    out, err = capfd.readouterr()
    assert marker not in out
    assert marker not in err

    # And the note itself is unharmed, only where its owner reads it.
    notes = list_notes(api, owner, w.client).json()["items"]
    assert sorted(n["text"] for n in notes) == sorted(
        [f"Sessão: {marker}\nconfidencial", f"revisto {marker}"]
    )
    assert marker in requests.get(notes_url(api, w.client), headers=owner, timeout=TIMEOUT).text
