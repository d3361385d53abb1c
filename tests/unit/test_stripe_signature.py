"""Stripe webhook signatures: only a body signed with one of our secrets, just now, is genuine."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agenda.domain.errors import ValidationFailed
from agenda.domain.stripe_signature import InvalidSignature, verify_signature

pytestmark = pytest.mark.unit

SECRET = "whsec_test_current_0123456789abcdef"
PREVIOUS = "whsec_test_previous_fedcba9876543210"
OTHER = "whsec_test_someone_else"
T = 1_900_000_000
BODY = b'{"id":"evt_1","type":"customer.subscription.updated","data":{"object":{}}}\n'


def sign(payload: bytes, secret: str, t: int) -> str:
    """Stripe's v1 signature, computed here from its documented recipe."""
    signed = str(t).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def header(payload: bytes = BODY, secret: str = SECRET, t: int = T) -> str:
    return f"t={t},v1={sign(payload, secret, t)}"


def refused(
    payload: bytes,
    value: str | None,
    secrets: list[str] | None = None,
    *,
    now: float = T,
    tolerance_seconds: int = 300,
) -> InvalidSignature:
    with pytest.raises(InvalidSignature) as error:
        verify_signature(
            payload,
            value,
            secrets or [SECRET],
            now=now,
            tolerance_seconds=tolerance_seconds,
        )
    return error.value


def test_a_signed_webhook_is_genuine_and_says_when_it_was_signed() -> None:
    assert verify_signature(BODY, header(), [SECRET], now=T) == T
    assert verify_signature(BODY, header(t=T - 60), [SECRET], now=T + 0.5) == T - 60


def test_a_header_from_stripes_own_library_verifies() -> None:
    # Stripe's library signs the text of the body; as UTF-8 it is the same bytes.
    import stripe

    body = '{"id":"evt_2","object":"event","data":{"object":{"name":"Jo\u00e3o"}}}'
    value = stripe.WebhookSignature.generate_signature_header(body, SECRET, timestamp=T)
    assert verify_signature(body.encode("utf-8"), value, [SECRET], now=T) == T
    refused(body.encode("utf-8"), value, [OTHER])


def test_the_wrong_secret_is_refused() -> None:
    refused(BODY, header(secret=OTHER))
    refused(BODY, header(), [OTHER])


@given(st.binary(min_size=1, max_size=200), st.data())
def test_a_body_altered_by_one_byte_is_refused(payload: bytes, data: st.DataObject) -> None:
    value = header(payload)
    assert verify_signature(payload, value, [SECRET], now=T) == T
    index = data.draw(st.integers(0, len(payload) - 1))
    flip = data.draw(st.integers(1, 255))
    altered = bytearray(payload)
    altered[index] ^= flip
    refused(bytes(altered), value)


def test_a_body_with_a_byte_more_or_less_is_refused() -> None:
    value = header()
    refused(BODY.rstrip(b"\n"), value)
    refused(BODY + b" ", value)


def test_the_timestamp_is_part_of_what_is_signed() -> None:
    signature = sign(BODY, SECRET, T)
    refused(BODY, f"t={T + 1},v1={signature}", now=T + 1)


def test_the_tolerance_holds_in_both_directions_and_its_edge_is_accepted() -> None:
    value = header()
    assert verify_signature(BODY, value, [SECRET], now=T + 300) == T
    assert verify_signature(BODY, value, [SECRET], now=T - 300) == T
    stale = refused(BODY, value, now=T + 301)
    future = refused(BODY, value, now=T - 301)
    assert "tolerance" in stale.message
    assert "tolerance" in future.message
    refused(BODY, value, now=T + 300.001)
    refused(BODY, value, now=T - 300.001)


def test_the_tolerance_is_the_callers_to_choose() -> None:
    value = header()
    assert verify_signature(BODY, value, [SECRET], now=T + 30, tolerance_seconds=30) == T
    refused(BODY, value, now=T + 31, tolerance_seconds=30)
    assert verify_signature(BODY, value, [SECRET], now=T, tolerance_seconds=0) == T
    refused(BODY, value, now=T + 1, tolerance_seconds=0)


def test_one_right_signature_among_several_is_enough() -> None:
    right = sign(BODY, SECRET, T)
    wrong = sign(BODY, OTHER, T)
    for value in (
        f"t={T},v1={wrong},v1={right}",
        f"t={T},v1={right},v1={wrong}",
        f"v1={wrong},v1={wrong},v1={right},t={T}",
    ):
        assert verify_signature(BODY, value, [SECRET], now=T) == T
    refused(BODY, f"t={T},v1={wrong},v1={wrong}")


def test_secrets_roll_over_with_both_accepted_meanwhile() -> None:
    old = header(secret=PREVIOUS)
    new = header(secret=SECRET)
    assert verify_signature(BODY, old, [SECRET, PREVIOUS], now=T) == T
    assert verify_signature(BODY, new, [SECRET, PREVIOUS], now=T) == T
    # Stripe signs with both while the old secret lives on: one v1 for each.
    both = f"t={T},v1={sign(BODY, SECRET, T)},v1={sign(BODY, PREVIOUS, T)}"
    assert verify_signature(BODY, both, [PREVIOUS], now=T) == T
    # Once the old one is dropped, what it signed is refused.
    refused(BODY, old, [SECRET])


def test_other_schemes_and_whitespace_are_ignored() -> None:
    right = sign(BODY, SECRET, T)
    assert verify_signature(BODY, f" t = {T} , v0=abc , v1 = {right} ", [SECRET], now=T) == T
    assert verify_signature(BODY, f"t={T},,v1={right},", [SECRET], now=T) == T
    # A right signature under any other scheme name is not a v1 signature.
    error = refused(BODY, f"t={T},v0={right}")
    assert "v1" in error.message
    refused(BODY, f"t={T},V1={right}")
    refused(BODY, f"t={T},v2={right}")


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        ",",
        "garbage",
        "t",
        "t=",
        f"v1={'0' * 64}",
        f"t=abc,v1={'0' * 64}",
        f"t={T}.5,v1={'0' * 64}",
        f"t=-{T},v1={'0' * 64}",
        f"t=+{T},v1={'0' * 64}",
        f"t=1_900_000_000,v1={'0' * 64}",
        f"t=\u0661\u0669\u0660\u0660,v1={'0' * 64}",  # digits, but not ASCII ones
        f"t={'9' * 5000},v1={'0' * 64}",
        f"t={T},t={T},v1={'0' * 64}",
        f"t={T},=abc,v1={'0' * 64}",
        f"t={T},v1",
        f"t={T}",
        f"t={T},v1=",
        f"t={T},v1=\u00e9\u00e9",
    ],
)
def test_a_header_that_is_not_stripes_is_refused(value: str | None) -> None:
    error = refused(BODY, value)
    assert error.code == "VALIDATION_FAILED"
    assert isinstance(error, ValidationFailed)


def test_the_timestamp_must_be_one_number_in_ascii_digits() -> None:
    right = sign(BODY, SECRET, T)
    arabic_indic = str(T).translate(
        str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
    )
    for value in (
        f"t={arabic_indic},v1={right}",
        f"t={T},t={T},v1={right}",
        f"t={T},t={T + 1},v1={right}",
        f"t=0{T},t={T},v1={right}",
    ):
        assert "Malformed" in refused(BODY, value).message


def test_a_refusal_does_not_repeat_the_header() -> None:
    marker = "<script>marker</script>"
    for value in (marker, f"t={marker}", f"t={T},v1={marker}", f"t={T},{marker}=x"):
        error = refused(BODY, value)
        assert marker not in error.message
        assert marker not in str(error)
        assert len(error.message) < 80


@given(st.text(max_size=300))
def test_any_text_is_refused_with_invalid_signature_only(value: str) -> None:
    refused(BODY, value)


elements = st.tuples(
    st.sampled_from(["t", "v1", "v0", " t", "v1 ", "", "x"]),
    st.sampled_from(["=", "", "=="]),
    st.one_of(
        st.text(max_size=70),
        st.integers(-(10**20), 10**20).map(str),
        st.just(sign(BODY, SECRET, T)),
    ),
).map("".join)


@given(st.lists(elements, max_size=8), st.floats(allow_nan=False, allow_infinity=False))
def test_any_header_shaped_text_never_raises_anything_else(parts: list[str], now: float) -> None:
    value = ",".join(parts)
    try:
        t = verify_signature(BODY, value, [SECRET], now=now)
    except InvalidSignature:
        return
    # Accepted: so it carried the right signature for the time it gave, within the tolerance.
    assert f"v1={sign(BODY, SECRET, t)}" in value.replace(" ", "")
    assert abs(now - t) <= 300


@pytest.mark.parametrize(
    ("secrets", "tolerance_seconds"),
    [(SECRET, 300), ([], 300), ([""], 300), ([SECRET, ""], 300), ([SECRET], -1)],
)
def test_a_misconfiguration_is_a_value_error_not_a_bad_request(
    secrets: object, tolerance_seconds: int
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        verify_signature(
            BODY,
            header(),
            secrets,  # type: ignore[arg-type]
            now=T,
            tolerance_seconds=tolerance_seconds,
        )
