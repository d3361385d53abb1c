"""The calendar file the success screen offers: made in the browser from the slot booked, an
RFC 5545 file that a real parser (the icalendar package) reads back as the same event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pg8000.native
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_booking_flow import (
    appointments,
    choose_first_time,
    fill_form,
    open_times,
    page_of,
    submit,
)
from tests.conftest import MakeProfessional

pytestmark = pytest.mark.browser

# Every character the format escapes, and letters of two octets, in a name long enough that
# the SUMMARY line folds.
NAME = "Dra. Conceição; Araújo, Ribeiro \\ Psicóloga clínica e terapeuta de família e casal"


def test_the_calendar_file_is_the_slot_booked_and_parses(
    page: Page, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    db.run("UPDATE professionals SET name = :name WHERE id = :id", name=NAME, id=pro.id)
    open_times(page, page_of(api, pro))
    starts_at = choose_first_time(page)
    fill_form(page, "Bia Calendário")
    submit(page)
    expect(page.get_by_role("heading", name="Pedido de agendamento enviado")).to_be_focused()

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Baixar para o calendário (.ics)").click()
    download = downloading.value
    assert download.suggested_filename == "agendamento.ics"
    raw = download.path().read_bytes()

    # Lines end with CRLF, none longer than 75 octets, and a long one is folded.
    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")
    assert unfolded[0] == "BEGIN:VCALENDAR"
    assert unfolded[-2] == "END:VCALENDAR"
    summary = next(line for line in unfolded if line.startswith("SUMMARY"))
    assert summary == (
        "SUMMARY;LANGUAGE=pt-BR:Sessão com Dra. Conceição\\; Araújo\\, Ribeiro \\\\ Psicóloga"
        " clínica e terapeuta de família e casal"
    )

    [stored] = appointments(db, pro.slug)
    [event] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    start = event.decoded("DTSTART")
    end = event.decoded("DTEND")
    assert start == datetime.fromisoformat(starts_at) == stored["starts_at"]
    assert end == stored["ends_at"]
    assert start.utcoffset() == timedelta(0)
    assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in unfolded
    assert str(event["SUMMARY"]) == f"Sessão com {NAME}"
    assert str(event["UID"]).endswith(f"-{pro.slug}@agenda")
    stamp = event.decoded("DTSTAMP")
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 300


# Lines around the 75-octet boundary: two-octet, three-octet and four-octet characters where a
# naive fold would cut them, and every character TEXT escapes.
EDGES = [
    "a" * 74 + "é" + "b" * 80,
    "ç" * 100,
    "€" * 60,
    "x" + "😀" * 40,
    "; , \\ \n and \r\n newlines",
]


def test_folding_never_cuts_a_character_and_unfolds_to_the_line(
    page: Page, api: str, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    open_times(page, page_of(api, pro))
    # The module the page loaded, by its hashed name.
    module = page.evaluate(
        "() => performance.getEntriesByType('resource').map((e) => e.name)"
        ".find((name) => /\\/assets\\/js\\/calendar-file\\.[0-9a-f]{8}\\.js$/.test(name))"
    )
    assert module
    folded = page.evaluate(
        "async ([module, edges]) => { const m = await import(module);"
        " return edges.map((text) => m.fold(`SUMMARY:${m.escapeText(text)}`)); }",
        [module, EDGES],
    )
    for text, line in zip(EDGES, folded, strict=True):
        raw = line.encode("utf-8")
        parts = raw.split(b"\r\n")
        assert all(len(part) <= 75 for part in parts)
        # Each part is whole UTF-8 text: no character was cut in two.
        for part in parts:
            part.decode("utf-8")
        assert all(part.startswith(b" ") for part in parts[1:])
        [event] = icalendar.Calendar.from_ical(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + line + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        ).walk("VEVENT")
        assert str(event["SUMMARY"]) == text.replace("\r\n", "\n").replace("\r", "\n")
