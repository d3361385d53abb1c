"""The private notes routes over HTTP: write, list (newest first, in pages), edit, delete; what
a refusal answers (never the text); no-store on every answer; the notes rate limit; and a
database refusal that logs nothing of the note."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pg8000.native
import pytest
import requests

from agenda.contract import NoteOut, NotePage
from agenda.domain.client_notes import NOTE_BODY_BYTES, NOTE_MAX_LENGTH
from infra.local.stack import LocalStack
from tests.appointment_helpers import add_client, bearer, new_professional
from tests.client_notes_helpers import (
    add_note,
    change_note,
    delete_note,
    list_notes,
    notes_url,
    stored_notes,
    write_note,
)
from tests.client_profile_helpers import client_row, new_phone
from tests.conftest import MakeProfessional, captured_logs
from tests.e2e.test_booking_api import assert_error

pytestmark = pytest.mark.e2e


def _marker() -> str:
    return f"NOTE-MARKER-{uuid.uuid4().hex}"


def _private(answer: requests.Response) -> None:
    assert answer.headers.get("cache-control") == "no-store", answer.headers


def test_write_list_edit_and_delete_a_note(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    headers = bearer(stack, pro.user_id)
    text = "  Sessão 1:\n\tqueixa principal, ansiedade.\r\nCombinar respiração.  \n"

    created = add_note(api, headers, client, {"text": text})
    assert created.status_code == 201, created.text
    _private(created)
    note = created.json()
    NoteOut.model_validate(note)
    assert set(note) == {"id", "text", "createdAt", "updatedAt"}
    # Trimmed around, every line and tab kept.
    assert note["text"] == "Sessão 1:\n\tqueixa principal, ansiedade.\r\nCombinar respiração."
    assert note["createdAt"] == note["updatedAt"]
    [stored] = stored_notes(db, client)
    assert (str(stored["id"]), stored["body"]) == (note["id"], note["text"])
    assert stored["professional_id"] == pro.id

    second = add_note(api, headers, client, {"text": "Sessão 2"}).json()
    listed = list_notes(api, headers, client)
    assert listed.status_code == 200, listed.text
    _private(listed)
    page = listed.json()
    NotePage.model_validate(page)
    assert [item["id"] for item in page["items"]] == [second["id"], note["id"]]
    assert page["items"][1] == note
    assert page["nextCursor"] is None

    changed = change_note(api, headers, client, note["id"], {"text": "Sessão 1, revista"})
    assert changed.status_code == 200, changed.text
    _private(changed)
    after = changed.json()
    assert (after["id"], after["text"], after["createdAt"]) == (
        note["id"],
        "Sessão 1, revista",
        note["createdAt"],
    )
    assert datetime.fromisoformat(after["updatedAt"]) > datetime.fromisoformat(note["updatedAt"])
    assert [row["body"] for row in stored_notes(db, client)] == ["Sessão 1, revista", "Sessão 2"]

    deleted = delete_note(api, headers, client, note["id"])
    assert deleted.status_code == 204, deleted.text
    assert deleted.content == b""
    _private(deleted)
    assert [str(row["id"]) for row in stored_notes(db, client)] == [second["id"]]
    again = delete_note(api, headers, client, note["id"])
    assert_error(again, 404, "NOT_FOUND")
    _private(again)
    assert_error(change_note(api, headers, client, note["id"], {"text": "x"}), 404, "NOT_FOUND")
    assert [item["id"] for item in list_notes(api, headers, client).json()["items"]] == [
        second["id"]
    ]


def test_a_client_without_notes_has_an_empty_list(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    answer = list_notes(api, bearer(stack, pro.user_id), client)
    assert (answer.status_code, answer.json()) == (200, {"items": [], "nextCursor": None})


def test_notes_page_newest_first_by_cursor(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    start = datetime(2026, 1, 5, 12, tzinfo=UTC)
    written = []
    for n in range(27):
        note = write_note(db, pro.id, client, f"nota {n}")
        db.run(
            "UPDATE client_notes SET created_at = :t WHERE id = :i",
            t=start + timedelta(hours=n // 2),  # pairs share an instant: the id breaks ties
            i=note,
        )
        written.append(note)
    headers = bearer(stack, pro.user_id)
    expected = [
        str(row["id"])
        for row in sorted(
            stored_notes(db, client), key=lambda r: (r["created_at"], r["id"]), reverse=True
        )
    ]

    first = list_notes(api, headers, client).json()
    assert [item["id"] for item in first["items"]] == expected[:25]  # the default page is 25
    rest = list_notes(api, headers, client, cursor=first["nextCursor"]).json()
    assert [item["id"] for item in rest["items"]] == expected[25:]
    assert rest["nextCursor"] is None

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "4", **({"cursor": cursor} if cursor else {})}
        page = list_notes(api, headers, client, **params).json()
        assert len(page["items"]) <= 4
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_a_bad_query_is_400_naming_it(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    params: dict[str, str],
    field: str,
) -> None:
    pro = new_professional(make_professional)
    answer = list_notes(api, bearer(stack, pro.user_id), add_client(db, pro), **params)
    error = assert_error(answer, 400, "VALIDATION_FAILED")
    assert isinstance(error["fields"], dict)
    assert set(error["fields"]) == {field}
    _private(answer)


# Each body carries the marker (where it can), which no refusal may quote.
BAD_BODIES = {
    "missing": lambda m: json.dumps({"note": m}),
    "empty": lambda m: json.dumps({"text": ""}),
    "blank": lambda m: json.dumps({"text": " \n\t\r\n "}),
    "too long": lambda m: json.dumps({"text": (m + " ") * (NOTE_MAX_LENGTH // len(m) + 1)}),
    "control character": lambda m: json.dumps({"text": f"{m}\x07{m}"}),
    "vertical tab": lambda m: json.dumps({"text": f"{m}\x0b{m}"}),
    "NUL": lambda m: json.dumps({"text": f"{m}\x00"}),
    "lone surrogate": lambda m: '{"text": "' + m + '\\ud800"}',
    "not a string": lambda m: json.dumps({"text": [m]}),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_a_bad_note_is_400_naming_text_and_never_quoting_it(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    case: str,
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    kept = write_note(db, pro.id, client, "a nota de antes")
    headers = {**bearer(stack, pro.user_id), "content-type": "application/json"}
    marker = _marker()
    body = BAD_BODIES[case](marker)
    with captured_logs() as emitted:
        answers = [
            requests.post(notes_url(api, client), data=body.encode(), headers=headers, timeout=30),
            requests.patch(
                notes_url(api, client, kept), data=body.encode(), headers=headers, timeout=30
            ),
            requests.post(
                notes_url(api, client),
                data=body.encode(),
                headers={**headers, "accept-language": "pt-BR"},
                timeout=30,
            ),
        ]
    for answer in answers:
        error = assert_error(answer, 400, "VALIDATION_FAILED")
        assert isinstance(error["fields"], dict)
        assert set(error["fields"]) == {"text"}, error
        assert marker not in answer.text
        assert marker not in json.dumps(dict(answer.headers))
        _private(answer)
    assert marker not in "\n".join(emitted)
    assert [row["body"] for row in stored_notes(db, client)] == ["a nota de antes"]


@pytest.mark.parametrize("body", ["", "not json", "[1, 2]", '"text"'])
def test_a_body_that_is_not_a_json_object_is_400(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    body: str,
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    answer = requests.post(
        notes_url(api, client),
        data=body.encode(),
        headers={**bearer(stack, pro.user_id), "content-type": "application/json"},
        timeout=30,
    )
    assert_error(answer, 400, "VALIDATION_FAILED")
    assert stored_notes(db, client) == []


def test_a_full_note_in_any_script_fits_and_one_character_more_does_not(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    headers = bearer(stack, pro.user_id)
    # 10,000 characters outside the BMP: 40 KB as UTF-8, 120 KB as JSON escapes.
    full = "\U0001f9e0" * NOTE_MAX_LENGTH
    for payload in (
        json.dumps({"text": full}, ensure_ascii=False),
        json.dumps({"text": full}),
    ):
        answer = requests.post(
            notes_url(api, client),
            data=payload.encode(),
            headers={**headers, "content-type": "application/json"},
            timeout=30,
        )
        assert answer.status_code == 201, answer.text[:300]
        assert answer.json()["text"] == full
    longer = add_note(api, headers, client, {"text": "ç" * (NOTE_MAX_LENGTH + 1)})
    assert assert_error(longer, 400, "VALIDATION_FAILED")["fields"] == {
        "text": "String should have at most 10000 characters"
    }
    huge = requests.post(
        notes_url(api, client),
        data=b'{"text": "' + b"a" * NOTE_BODY_BYTES + b'"}',
        headers={**headers, "content-type": "application/json"},
        timeout=30,
    )
    assert_error(huge, 413, "PAYLOAD_TOO_LARGE")
    assert [row["body"] for row in stored_notes(db, client)] == [full, full]


@pytest.mark.parametrize("route", ["GET", "POST", "PATCH", "DELETE"])
@pytest.mark.parametrize("bad", ["not-a-uuid", "12345", "6f1d2c3b4a5e4f608a7b9c0d1e2f3a4"])
def test_a_malformed_id_is_404(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    route: str,
    bad: str,
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    note = write_note(db, pro.id, client, "nota")
    headers = bearer(stack, pro.user_id)
    answers = {
        "GET": lambda: [list_notes(api, headers, bad)],
        "POST": lambda: [add_note(api, headers, bad, {"text": "nova"})],
        "PATCH": lambda: [
            change_note(api, headers, bad, note, {"text": "nova"}),
            change_note(api, headers, client, bad, {"text": "nova"}),
        ],
        "DELETE": lambda: [
            delete_note(api, headers, bad, note),
            delete_note(api, headers, client, bad),
        ],
    }[route]()
    for answer in answers:
        assert_error(answer, 404, "NOT_FOUND")
    assert [row["body"] for row in stored_notes(db, client)] == ["nota"]


def test_an_anonymised_clients_notes_stay_the_professionals(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = client_row(db, pro, phone=new_phone(), name="Cliente removido", anonymised=True)
    kept = write_note(db, pro.id, client, "registro da sessão")
    headers = bearer(stack, pro.user_id)
    assert [item["text"] for item in list_notes(api, headers, client).json()["items"]] == [
        "registro da sessão"
    ]
    assert add_note(api, headers, client, {"text": "depois da exclusão"}).status_code == 201
    assert change_note(api, headers, client, kept, {"text": "revisto"}).status_code == 200
    assert sorted(row["body"] for row in stored_notes(db, client)) == [
        "depois da exclusão",
        "revisto",
    ]


def test_writes_count_against_the_notes_limit_and_reads_do_not(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    headers = bearer(stack, pro.user_id)
    note = add_note(api, headers, client, {"text": "primeira"}).json()
    for n in range(58):
        assert change_note(api, headers, client, note["id"], {"text": f"v{n}"}).status_code == 200
    assert delete_note(api, headers, client, note["id"]).status_code == 204  # the 60th write
    refused = add_note(api, headers, client, {"text": "demais"})
    assert_error(refused, 429, "RATE_LIMITED")
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    _private(refused)
    assert stored_notes(db, client) == []
    assert list_notes(api, headers, client).status_code == 200
    # The limit is the sign-in's: another professional writes on.
    other = new_professional(make_professional)
    assert add_note(api, bearer(stack, other.user_id), add_client(db, other), {"text": "ok"}).ok


def test_a_database_refusal_logs_nothing_of_the_note(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Validation keeps the table's own CHECK from refusing a note, so this test adds a CHECK
    that refuses the marker: the database's error detail then holds the row, note included
    ("Failing row contains (...)"), and the answer and every log line must not."""
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    marker = _marker()
    constraint = f"test_refuses_{uuid.uuid4().hex[:8]}"
    db.run(
        f"ALTER TABLE client_notes ADD CONSTRAINT {constraint}"
        f" CHECK (body NOT LIKE '%{marker}%') NOT VALID"
    )
    try:
        with captured_logs() as emitted:
            answer = add_note(api, bearer(stack, pro.user_id), client, {"text": f"a {marker} b"})
    finally:
        db.run(f"ALTER TABLE client_notes DROP CONSTRAINT {constraint}")
    assert_error(answer, 500, "INTERNAL_ERROR")
    _private(answer)
    assert marker not in answer.text
    logged = "\n".join(emitted)
    # It was logged, by its type alone.
    assert "unhandled error" in logged
    assert "DatabaseError" in logged
    assert marker not in logged
    out, err = capfd.readouterr()
    assert marker not in out + err
    assert stored_notes(db, client) == []


def test_the_note_is_in_its_owners_export_and_in_no_one_elses(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro, other = new_professional(make_professional), new_professional(make_professional)
    client = add_client(db, pro)
    marker = _marker()
    note = add_note(api, bearer(stack, pro.user_id), client, {"text": f"linha 1\n{marker}"}).json()
    exported = requests.get(
        f"{api}/api/account/export", headers=bearer(stack, pro.user_id), timeout=30
    )
    assert exported.status_code == 200, exported.text
    [row] = exported.json()["clientNotes"]
    assert row["id"] == note["id"]
    assert row["body"] == f"linha 1\n{marker}"
    assert row["clientId"] == str(client)
    assert row["professionalId"] == str(pro.id)
    assert {"createdAt", "updatedAt"} <= set(row)
    theirs = requests.get(
        f"{api}/api/account/export", headers=bearer(stack, other.user_id), timeout=30
    )
    assert theirs.status_code == 200
    assert theirs.json()["clientNotes"] == []
    assert marker not in theirs.text
