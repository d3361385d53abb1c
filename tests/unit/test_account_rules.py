"""The account's rules: slugs, the sign-up body, the changes a professional makes, and the
contract models that document them."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.contract import AccountChanges, AccountSignUp
from agenda.domain.accounts import (
    RESERVED_SLUGS,
    SETTING_KEYS,
    SIGN_UP_KEYS,
    SLUG_DOCUMENTED_PATTERN,
    SLUG_MAX_LENGTH,
    AccountSettings,
    changed_settings,
    parse_changes,
    parse_sign_up,
    slug_candidates,
    slug_problem,
    slugify,
)
from agenda.domain.errors import ValidationFailed

pytestmark = pytest.mark.unit

SIGN_UP = {
    "name": "  Dra.   Beatriz Lima ",
    "slug": "dra-beatriz",
    "profession": "Psicóloga",
    "phone": "(11) 98765-0001",
    "email": " Beatriz@Example.com ",
}
CURRENT = AccountSettings(
    name="Dra. Beatriz Lima",
    slug="dra-beatriz",
    profession="Psicóloga",
    phone="+5511987650001",
    email="beatriz@example.com",
)


def refused(parse: object, *args: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse(*args)  # type: ignore[operator]
    return caught.value.fields


# -- slugs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug", ["ana", "dra-ana", "a1b", "x" * SLUG_MAX_LENGTH, "ana-2-silva", "apis", "p-ana"]
)
def test_well_formed_slugs(slug: str) -> None:
    assert slug_problem(slug) is None


@pytest.mark.parametrize(
    "slug",
    ["", "an", "x" * (SLUG_MAX_LENGTH + 1), "Ana", "ana--silva", "-ana", "ana-", "ana silva",
     "ana_silva", "anã", "ana.silva", "ana/x"],
)  # fmt: skip
def test_malformed_slugs(slug: str) -> None:
    assert slug_problem(slug) == "malformed"


@pytest.mark.parametrize(
    "slug",
    ["api", "p", "manage", "register", "dashboard", "admin", "login", "logout", "signup",
     "account", "booking", "billing", "static", "assets", "help", "support", "www"],
)  # fmt: skip
def test_the_reserved_words_the_issue_names(slug: str) -> None:
    assert slug in RESERVED_SLUGS
    # "p" is too short to be a slug at all; it is refused either way.
    assert slug_problem(slug) in ("reserved", "malformed")


def test_every_reserved_word_is_refused_and_the_document_states_the_rule() -> None:
    documented = re.compile(SLUG_DOCUMENTED_PATTERN)
    for word in RESERVED_SLUGS:
        assert slug_problem(word) is not None
        assert not documented.search(word)
        assert documented.search(f"{word}-2")


@given(st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,3}", fullmatch=True))
def test_the_documented_pattern_and_the_rule_agree(slug: str) -> None:
    within = 3 <= len(slug) <= SLUG_MAX_LENGTH
    assert (slug_problem(slug) is None) == (
        within and bool(re.search(SLUG_DOCUMENTED_PATTERN, slug))
    )


def test_slugify_drops_accents_and_joins_words() -> None:
    assert slugify("Dra. Ána Sá  Lima!") == "dra-ana-sa-lima"
    assert slugify("---") == ""
    assert len(slugify("word " * 30)) <= SLUG_MAX_LENGTH


@given(st.text(max_size=80))
def test_every_candidate_is_a_valid_slug_and_they_are_distinct(wanted: str) -> None:
    candidates = slug_candidates(wanted)
    assert candidates
    assert len(set(candidates)) == len(candidates)
    for candidate in candidates:
        assert slug_problem(candidate) is None


def test_candidates_start_from_the_slug_asked_for() -> None:
    assert slug_candidates("dra-ana")[:3] == ["dra-ana", "dra-ana-2", "dra-ana-3"]
    # A reserved word is never offered; its numbered variants are.
    assert slug_candidates("admin")[0] == "admin-2"
    long = "a" * SLUG_MAX_LENGTH
    assert all(len(c) <= SLUG_MAX_LENGTH for c in slug_candidates(long))


# -- sign-up -------------------------------------------------------------------------------


def test_a_sign_up_is_normalised_and_takes_the_defaults() -> None:
    settings = parse_sign_up(SIGN_UP)
    assert settings == AccountSettings(
        name="Dra. Beatriz Lima",
        slug="dra-beatriz",
        profession="Psicóloga",
        phone="+5511987650001",
        email="beatriz@example.com",
    )
    assert (settings.timezone, settings.language, settings.session_duration) == (
        "America/Sao_Paulo",
        "pt-BR",
        50,
    )
    assert settings.currency == "BRL"
    assert settings.active
    assert not settings.auto_confirm


def test_a_sign_up_with_every_key() -> None:
    settings = parse_sign_up(
        {
            **SIGN_UP,
            "timezone": "America/New_York",
            "language": "en",
            "sessionDuration": 45,
            "sessionPrice": 120.5,
            "bio": "  Line one\nline two  ",
            "phone": "+1 212 555 0177",
        }
    )
    assert settings.timezone == "America/New_York"
    assert settings.language == "en"
    assert settings.session_duration == 45
    assert settings.session_price == Decimal("120.50")
    assert settings.bio == "Line one\nline two"
    assert settings.phone == "+12125550177"


def test_a_sign_up_names_every_missing_and_bad_field_at_once() -> None:
    fields = refused(
        parse_sign_up,
        {
            "slug": "admin",
            "phone": "12",
            "email": "not-an-email",
            "timezone": "Mars/Olympus",
            "language": "fr",
            "sessionDuration": 47,
            "sessionPrice": 10.555,
            "bio": 5,
            "plan": "premium",
        },
    )
    assert set(fields) == {
        "name", "profession", "slug", "phone", "email", "timezone", "language",
        "sessionDuration", "sessionPrice", "bio", "plan",
    }  # fmt: skip
    assert fields["name"] == "is required"
    assert "reserved" in fields["slug"]
    assert fields["plan"] == "is not a field of this request"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("name", "x"),
        ("name", "a\x00b"),
        ("name", ["Ana"]),
        ("profession", "y" * 101),
        ("sessionDuration", True),
        ("sessionDuration", "50"),
        ("sessionDuration", 500),
        ("sessionPrice", -1),
        ("sessionPrice", "NaN"),
        ("sessionPrice", 100_000_000),
        ("sessionPrice", False),
        ("bio", "z" * 2001),
        ("email", "a@b"),
        ("phone", "+55 (00) 1234-5678"),
        ("slug", "Dra-Ana"),
    ],
)
def test_each_bad_value_is_refused(key: str, value: object) -> None:
    assert key in refused(parse_sign_up, {**SIGN_UP, key: value})


# -- changes -------------------------------------------------------------------------------


def test_a_change_keeps_what_it_does_not_name() -> None:
    after = parse_changes({"sessionPrice": 200, "autoConfirm": True, "bio": None}, CURRENT)
    assert after == replace(CURRENT, session_price=Decimal("200.00"), auto_confirm=True)
    assert changed_settings(CURRENT, after) == ("session_price", "auto_confirm")


def test_every_setting_can_change() -> None:
    body = {
        "name": "Beatriz Lima",
        "slug": "beatriz",
        "profession": "Terapeuta",
        "phone": "+1 212 555 0177",
        "email": "b@example.org",
        "timezone": "Europe/Lisbon",
        "language": "en",
        "sessionDuration": 60,
        "sessionPrice": "150.00",
        "currency": "EUR",
        "bio": "Hello",
        "autoConfirm": True,
        "paymentAtBooking": True,
        "paymentType": "card",
        "pixKey": "beatriz@example.org",
        "cancellationNoticeHours": 12,
        "rescheduleNoticeHours": 6,
        "publicContact": "https://wa.me/12125550177",
        "active": False,
    }
    assert set(body) == set(SETTING_KEYS)
    after = parse_changes(body, CURRENT)
    assert set(changed_settings(CURRENT, after)) == set(SETTING_KEYS.values())


@pytest.mark.parametrize(
    "body",
    [
        {"paymentAtBooking": True},  # no payment type, no price
        {"paymentAtBooking": True, "paymentType": "card"},  # no price
        {"paymentAtBooking": True, "paymentType": "card", "sessionPrice": 0},
        {"paymentAtBooking": True, "sessionPrice": 100},  # no payment type
    ],
)
def test_payment_at_booking_needs_a_way_to_pay_and_a_price(body: dict[str, object]) -> None:
    assert "paymentAtBooking" in refused(parse_changes, body, CURRENT)


def test_the_rules_between_fields_are_judged_on_what_would_be_stored() -> None:
    paying = parse_changes(
        {"paymentAtBooking": True, "paymentType": "pix_or_card", "sessionPrice": 90}, CURRENT
    )
    # Clearing the price while payment at booking stays on would break the rule.
    assert "paymentAtBooking" in refused(parse_changes, {"sessionPrice": None}, paying)
    assert (
        parse_changes({"paymentAtBooking": False, "sessionPrice": None}, paying).session_price
        is None
    )


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({}, "body"),
        ({"currency": "JPY"}, "currency"),
        ({"paymentType": "cash"}, "paymentType"),
        ({"cancellationNoticeHours": 721}, "cancellationNoticeHours"),
        ({"rescheduleNoticeHours": -1}, "rescheduleNoticeHours"),
        ({"publicContact": "http://insecure.example"}, "publicContact"),
        ({"publicContact": "javascript:alert(1)"}, "publicContact"),
        ({"active": "no"}, "active"),
        ({"phone": None}, "phone"),
        ({"name": None}, "name"),
        ({"id": "x"}, "id"),
        ({"plan": "premium"}, "plan"),
    ],
)
def test_bad_changes_are_refused(body: dict[str, object], key: str) -> None:
    assert key in refused(parse_changes, body, CURRENT)


# -- the contract models say the same ----------------------------------------------------------


def test_the_models_name_the_keys_the_domain_takes() -> None:
    def aliases(model: type) -> set[str]:
        return {field.alias or name for name, field in model.model_fields.items()}  # type: ignore[attr-defined]

    assert aliases(AccountSignUp) == set(SIGN_UP_KEYS)
    assert aliases(AccountChanges) == set(SETTING_KEYS)
