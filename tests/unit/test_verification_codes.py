"""One-time codes: six digits from ``secrets``, stored only as a keyed hash, judged under their
lifetime and their tries; where they went, shown in part; and what a client's contact change
may ask for."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.domain.client_contact import ONE_AT_A_TIME, ContactChanges, parse_contact_changes
from agenda.domain.errors import ValidationFailed
from agenda.domain.masking import HIDDEN, mask_email, mask_phone
from agenda.domain.verification import (
    CODE_LIFETIME,
    MAX_ATTEMPTS,
    code_hash,
    code_matches,
    is_code,
    new_code,
)
from agenda.service.records import LiveCode, NewVerificationCode
from agenda.service.verification import CodeSent, try_code
from tests.fakes import guest_links

pytestmark = pytest.mark.unit

KEY = b"a-test-key-of-enough-bytes-000000"
CODE_ID = UUID("1c9e2a4b-7d3f-4e5a-8b6c-0d1e2f3a4b5c")
NOW = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)


# -- the code -------------------------------------------------------------------------------


def test_a_code_is_six_digits_with_its_leading_zeros() -> None:
    assert new_code(lambda bound: 42) == "000042"
    assert new_code(lambda bound: bound - 1) == "999999"
    drawn: list[int] = []

    def randbelow(bound: int) -> int:
        drawn.append(bound)
        return 0

    new_code(randbelow)
    assert drawn == [10**6]  # uniform over the whole million
    assert all(is_code(new_code()) for _ in range(200))


@pytest.mark.parametrize(
    "value",
    ["12345", "1234567", "12345a", " 123456", "\uff11\uff12\uff13\uff14\uff15\uff16", 123456, None],
)
def test_only_six_ascii_digits_are_a_code(value: object) -> None:
    assert not is_code(value)


def test_what_is_stored_is_keyed_and_never_the_digits_or_their_plain_hash() -> None:
    stored = code_hash(KEY, CODE_ID, "042917")
    assert b"042917" not in stored
    # A copy of the table without the key cannot be reversed by trying the million codes.
    assert stored != hashlib.sha256(b"042917").digest()
    assert stored not in {
        hashlib.sha256(f"{n:06d}".encode()).digest() for n in range(0, 10**6, 997)
    }
    assert stored != code_hash(b"another-key-of-enough-bytes-00000", CODE_ID, "042917")
    # Each row's hash is its own: the same digits under another id hash differently.
    assert stored != code_hash(KEY, uuid4(), "042917")
    assert stored != code_hash(KEY, CODE_ID, "042918")


def test_a_code_matches_only_its_own_hash() -> None:
    stored = code_hash(KEY, CODE_ID, "042917")
    assert code_matches(KEY, CODE_ID, "042917", stored)
    assert code_matches(KEY, CODE_ID, "042917", memoryview(stored).tobytes())
    assert not code_matches(KEY, CODE_ID, "042918", stored)
    assert not code_matches(KEY, uuid4(), "042917", stored)
    assert not code_matches(b"another-key-of-enough-bytes-00000", CODE_ID, "042917", stored)
    assert not code_matches(KEY, CODE_ID, "42917", stored)


@given(st.text(max_size=12))
def test_no_other_text_matches(text: str) -> None:
    stored = code_hash(KEY, CODE_ID, "042917")
    assert code_matches(KEY, CODE_ID, text, stored) == (text == "042917")


# -- a try, judged ----------------------------------------------------------------------------


@dataclass
class RecordedCodes:
    """The codes port as a try sees it: what it records, nothing else."""

    tries: list[tuple[UUID, bool]] = field(default_factory=list)

    def issue(self, code: NewVerificationCode) -> None:
        raise AssertionError("a try never issues a code")

    def live(self, user_id: str, purpose: str) -> LiveCode | None:
        raise AssertionError("a try is handed its code")

    def attempted(self, code_id: UUID, *, matched: bool, now: datetime) -> None:
        self.tries.append((code_id, matched))


LINKS = guest_links()


def live(code: str = "042917", *, attempts: int = 0, age: timedelta = timedelta()) -> LiveCode:
    code_id = uuid4()
    return LiveCode(
        id=code_id,
        channel="whatsapp",
        destination="+5521998765432",
        client_id=None,
        code_hash=LINKS.code_hash(code_id, code),
        attempts=attempts,
        expires_at=NOW - age + CODE_LIFETIME,
    )


def test_the_right_code_is_used_up() -> None:
    codes, code = RecordedCodes(), live()
    assert try_code(codes, LINKS, code, "042917", NOW)
    assert codes.tries == [(code.id, True)]


def test_a_wrong_code_counts_against_it() -> None:
    codes, code = RecordedCodes(), live()
    assert not try_code(codes, LINKS, code, "111111", NOW)
    assert codes.tries == [(code.id, False)]


def test_a_code_lives_ten_minutes() -> None:
    assert timedelta(minutes=10) == CODE_LIFETIME
    codes = RecordedCodes()
    assert try_code(codes, LINKS, live(age=CODE_LIFETIME - timedelta(seconds=1)), "042917", NOW)
    expired = live(age=CODE_LIFETIME)
    assert not try_code(codes, LINKS, expired, "042917", NOW)
    # An expired code is not even tried: nothing is recorded for it.
    assert (expired.id, True) not in codes.tries
    assert [t for t in codes.tries if t[0] == expired.id] == []


def test_a_code_dies_at_its_fifth_wrong_try_even_for_the_right_digits() -> None:
    assert MAX_ATTEMPTS == 5  # the number the docs state
    codes = RecordedCodes()
    assert try_code(codes, LINKS, live(attempts=MAX_ATTEMPTS - 1), "042917", NOW)
    dead = live(attempts=MAX_ATTEMPTS)
    assert not try_code(codes, LINKS, dead, "042917", NOW)
    assert [t for t in codes.tries if t[0] == dead.id] == []


def test_no_live_code_is_never_right() -> None:
    codes = RecordedCodes()
    assert not try_code(codes, LINKS, None, "042917", NOW)
    assert codes.tries == []


def test_where_a_code_went_is_shown_in_part() -> None:
    by_phone = CodeSent("whatsapp", "+5521998765432", NOW).document()
    assert by_phone == {
        "channel": "whatsapp",
        "sentTo": "+55 " + HIDDEN * 7 + "5432",
        "expiresAt": "2030-03-04T12:00:00+00:00",
    }
    assert CodeSent("email", "maria.silva@example.com", NOW).document()["sentTo"] == (
        "m" + HIDDEN * 3 + "@example.com"
    )


# -- masking ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+5521998765432", "+55 •••••••5432"),
        ("+551155554444", "+55 ••••••4444"),
        ("+12125550123", "+1 ••••••0123"),
        ("+123456", "••••••"),
    ],
)
def test_a_phone_keeps_its_country_and_last_four_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@given(st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True))
def test_a_masked_phone_never_shows_more_than_the_country_and_four_digits(phone: str) -> None:
    masked = mask_phone(phone)
    country, hidden = masked.removeprefix("+").split(" ")
    assert phone.startswith(f"+{country}")
    assert len(country) <= 2
    assert hidden == HIDDEN * (len(phone) - 1 - len(country) - 4) + phone[-4:]


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("maria.silva@example.com", "m•••@example.com"),
        ("a@b.co", "a•••@b.co"),
        ("not-an-email", "•••"),
        ("@example.com", "•••"),
    ],
)
def test_an_email_keeps_its_first_letter_and_domain(email: str, masked: str) -> None:
    assert mask_email(email) == masked


# -- what a contact change may ask for -----------------------------------------------------------


def test_the_changes_are_normalised_as_the_professional_account_does() -> None:
    assert parse_contact_changes(
        {"name": "  Maria   Souza ", "language": "en", "phone": "(21) 99876-5432"}
    ) == ContactChanges(name="Maria Souza", language="en", phone="+5521998765432")
    assert parse_contact_changes({"email": " Maria@Example.COM "}) == ContactChanges(
        email="maria@example.com"
    )


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"body"}),
        ({"name": "M"}, {"name"}),
        ({"name": 7}, {"name"}),
        ({"language": "fr"}, {"language"}),
        ({"phone": "123"}, {"phone"}),
        ({"email": "maria"}, {"email"}),
        ({"slug": "x"}, {"slug"}),
        ({"phone": "(21) 99876-5432", "email": "m@example.com"}, {"email"}),
        ({"name": "M", "phone": "1"}, {"name", "phone"}),
    ],
)
def test_a_bad_change_names_every_bad_field(body: dict[str, object], fields: set[str]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_contact_changes(body)
    assert set(refused.value.fields) == fields


def test_one_new_contact_at_a_time() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_contact_changes({"phone": "(21) 99876-5432", "email": "m@example.com"})
    assert refused.value.fields == {"email": ONE_AT_A_TIME}
