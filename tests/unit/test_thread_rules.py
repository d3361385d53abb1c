"""The rules of a thread of messages (agenda.domain.threads): the text, who writes as whom, the
page's query, the other side's notice and the envelopes a message sends."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.contract import MESSAGE_TEXT_PATTERN, GuestMessageIn, MessageIn, validate
from agenda.domain.errors import NotFound, ValidationFailed
from agenda.domain.messages import render
from agenda.domain.threads import (
    DEFAULT_PAGE,
    MAX_TEXT_LENGTH,
    NOTICE_PREVIEW,
    Outgoing,
    clean_text,
    notice_words,
    other_side,
    outgoing_envelopes,
    parse_thread_query,
    preview,
    sender_of,
)
from agenda.pagination import encode_cursor

pytestmark = pytest.mark.unit

CLIENT = UUID("5a0c9e2b-7f41-4d36-9b8e-2c1d0f3a6e57")
MESSAGE = UUID("0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30")


# --- the text ----------------------------------------------------------------------------------


def test_the_text_is_trimmed_and_keeps_its_lines() -> None:
    assert clean_text("  Oi!\n\nTudo bem?\tAté logo.  \n") == "Oi!\n\nTudo bem?\tAté logo."


def test_markup_is_kept_as_written() -> None:
    # Stored and answered as text: whoever shows it escapes it.
    assert clean_text("<script>alert(1)</script>") == "<script>alert(1)</script>"


@pytest.mark.parametrize("value", ["", "   ", "\n\t \n"])
def test_a_blank_text_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="blank"):
        clean_text(value)


def test_two_thousand_characters_and_not_one_more() -> None:
    assert clean_text("a" * MAX_TEXT_LENGTH) == "a" * MAX_TEXT_LENGTH
    # Whitespace around does not count: the limit is the text's.
    assert clean_text(" " + "a" * (MAX_TEXT_LENGTH - 1) + " ") == "a" * (MAX_TEXT_LENGTH - 1)
    with pytest.raises(ValueError, match="2000"):
        clean_text("a" * (MAX_TEXT_LENGTH + 1))


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_are_refused(control: str) -> None:
    with pytest.raises(ValueError, match="control"):
        clean_text(f"oi{control}tudo bem")


def test_text_must_be_a_string() -> None:
    with pytest.raises(ValueError, match="text"):
        clean_text(42)


@given(st.from_regex(MESSAGE_TEXT_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 2000))
def test_every_text_the_document_allows_is_taken(text: str) -> None:
    assert clean_text(text) == text.strip()


def test_the_bodies_name_every_bad_field() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate(MessageIn, {"clientId": "nope", "text": "a" * 2001})
    assert set(refused.value.fields) == {"clientId", "text"}
    with pytest.raises(ValidationFailed) as blank:
        validate(GuestMessageIn, {"token": "a.b", "text": "   "})
    assert blank.value.fields == {"text": "must not be blank"}
    taken = validate(MessageIn, {"clientId": str(CLIENT), "text": " Oi\nAté "})
    assert (taken.client_id, taken.text) == (CLIENT, "Oi\nAté")


# --- who writes --------------------------------------------------------------------------------


def test_each_side_marks_the_others_messages() -> None:
    assert other_side("professional") == "client"
    assert other_side("client") == "professional"


def test_the_professional_role_wins_for_someone_who_is_both() -> None:
    assert sender_of("professional") == "professional"
    assert sender_of("client") == "client"


# --- the page's query --------------------------------------------------------------------------


def test_the_first_page_by_default() -> None:
    query = parse_thread_query({"clientId": str(CLIENT)}, guest=False)
    assert (query.client_id, query.limit, query.after) == (CLIENT, DEFAULT_PAGE, None)
    assert DEFAULT_PAGE == 50


def test_a_cursor_names_where_the_older_page_starts() -> None:
    at = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    cursor = encode_cursor(at, MESSAGE)
    query = parse_thread_query({"token": "t", "cursor": cursor, "limit": "100"}, guest=True)
    assert (query.client_id, query.limit, query.after) == (None, 100, (at, MESSAGE))


def test_every_bad_parameter_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_thread_query({"limit": "101", "cursor": "%%%"}, guest=False)
    assert set(refused.value.fields) == {"clientId", "limit", "cursor"}
    with pytest.raises(ValidationFailed) as zero:
        parse_thread_query({"clientId": str(CLIENT), "limit": "0"}, guest=False)
    assert set(zero.value.fields) == {"limit"}


def test_a_client_id_that_cannot_exist_is_a_thread_that_is_not_yours() -> None:
    with pytest.raises(NotFound):
        parse_thread_query({"clientId": "not-a-uuid"}, guest=False)


def test_the_guest_route_ignores_a_client_id() -> None:
    assert parse_thread_query({"clientId": "x"}, guest=True).client_id is None


# --- what a message causes ---------------------------------------------------------------------


def test_the_notice_shows_the_start_of_the_message_on_one_line() -> None:
    assert preview("Oi!\n\nTudo   bem?") == "Oi! Tudo bem?"
    long = preview("palavra " * 100)
    assert len(long) == NOTICE_PREVIEW
    assert long.endswith("…")


def test_the_notice_is_in_the_professionals_language_and_names_the_author() -> None:
    to_pro = notice_words(
        "client", professional_name="Emily", client_name="John", text="Hi", locale="en"
    )
    assert to_pro == ("New message from John", "Hi")
    to_client = notice_words(
        "professional", professional_name="Dra. Ana", client_name="Maria", text="Oi", locale="pt-BR"
    )
    assert to_client == ("Nova mensagem de Dra. Ana", "Oi")


def _outgoing(sender: str, reply_url: str | None = None) -> Outgoing:
    return Outgoing(
        message_id=MESSAGE,
        sender=sender,  # type: ignore[arg-type]
        professional_name="Dra. Ana",
        client_name="Maria Silva",
        text="<script>alert(1)</script>\nAté",
        locale="pt-BR",
        reply_url=reply_url,
    )


def test_a_message_to_the_client_goes_to_their_channels_once_each() -> None:
    envelopes = outgoing_envelopes(
        _outgoing("professional", "https://agenda.test/manage/x?token=t#messages"),
        phone="+5521998765432",
        email="maria@example.com",
    )
    assert [(e["template"], e["channel"], e["audience"], e["to"]) for e in envelopes] == [
        ("message_to_client", "whatsapp", "client", "+5521998765432"),
        ("message_to_client", "email", "client", "maria@example.com"),
    ]
    assert [e["messageKey"] for e in envelopes] == [
        f"{MESSAGE}:0:message_to_client:whatsapp:client",
        f"{MESSAGE}:0:message_to_client:email:client",
    ]
    email = envelopes[1]
    rendered = render(email["template"], "email", email["params"], audience="client")
    assert rendered.html is not None
    assert "<script" not in rendered.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Até" in rendered.html
    assert "#messages" in rendered.html


def test_a_message_to_the_professional_without_email_goes_by_whatsapp_only() -> None:
    envelopes = outgoing_envelopes(_outgoing("client"), phone="+5511912345678", email=None)
    assert [(e["template"], e["channel"], e["audience"]) for e in envelopes] == [
        ("message_to_professional", "whatsapp", "professional")
    ]
    assert "replyUrl" not in envelopes[0]["params"]


def test_no_reply_link_without_an_appointment() -> None:
    [envelope] = outgoing_envelopes(_outgoing("professional"), phone="+5521998765432", email=None)
    assert "replyUrl" not in envelope["params"]
    assert "Responder" not in render("message_to_client", "whatsapp", envelope["params"]).text
