"""The address rate limits key on (agenda.http.client_address): the viewer's behind the site's
distribution, proven by the origin-verify secret; anyone else's word on it is ignored."""

from __future__ import annotations

from typing import Any

import pytest

from agenda.http import client_address
from agenda.settings import EdgeSettings, Secret, using_environment
from infra.paths import ROOT

pytestmark = pytest.mark.unit

SECRET = "s3cr3t-origin-verify-value-0123456789abcdef"
CLOUDFRONT = "130.176.0.10"
BEHIND_THE_SITE = EdgeSettings(origin_verify_secret=Secret.of(SECRET))
NOT_BEHIND_THE_SITE = EdgeSettings(origin_verify_secret=None)


def event(headers: dict[str, str], source_ip: str = CLOUDFRONT) -> dict[str, Any]:
    return {"headers": headers, "requestContext": {"http": {"sourceIp": source_ip}}}


def test_the_viewer_behind_the_distribution_is_the_address() -> None:
    through_cloudfront = event(
        {"x-origin-verify": SECRET, "cloudfront-viewer-address": "198.51.100.7:46532"}
    )
    assert client_address(through_cloudfront, BEHIND_THE_SITE) == "198.51.100.7"


def test_an_ipv6_viewer_loses_only_the_port() -> None:
    ipv6 = event({"x-origin-verify": SECRET, "cloudfront-viewer-address": "2001:db8::7:443"})
    assert client_address(ipv6, BEHIND_THE_SITE) == "2001:db8::7"


@pytest.mark.parametrize(
    "headers",
    [
        # A caller of the API's own endpoint naming any address it likes.
        {"cloudfront-viewer-address": "203.0.113.99:1234"},
        {"x-origin-verify": "a-guess", "cloudfront-viewer-address": "203.0.113.99:1234"},
        {"x-origin-verify": SECRET[:-1], "cloudfront-viewer-address": "203.0.113.99:1234"},
        {"x-origin-verify": SECRET + "x", "cloudfront-viewer-address": "203.0.113.99:1234"},
        {"x-origin-verify": "", "cloudfront-viewer-address": "203.0.113.99:1234"},
        # An X-Forwarded-For is never trusted, with or without the secret.
        {"x-forwarded-for": "203.0.113.99"},
        {"x-origin-verify": SECRET, "x-forwarded-for": "203.0.113.99"},
    ],
)
def test_a_claimed_address_without_the_secrets_proof_is_ignored(headers: dict[str, str]) -> None:
    assert client_address(event(headers), BEHIND_THE_SITE) == CLOUDFRONT


@pytest.mark.parametrize("viewer", ["", "not-an-address", "198.51.100.7", "198.51.100.7:port"])
def test_a_malformed_viewer_address_falls_back_to_the_source_ip(viewer: str) -> None:
    headers = {"x-origin-verify": SECRET, "cloudfront-viewer-address": viewer}
    assert client_address(event(headers), BEHIND_THE_SITE) == CLOUDFRONT


def test_without_a_configured_secret_no_header_is_trusted() -> None:
    headers = {"x-origin-verify": SECRET, "cloudfront-viewer-address": "198.51.100.7:46532"}
    assert client_address(event(headers), NOT_BEHIND_THE_SITE) == CLOUDFRONT


def test_header_names_are_matched_whatever_their_case() -> None:
    headers = {"X-Origin-Verify": SECRET, "CloudFront-Viewer-Address": "198.51.100.7:1"}
    assert client_address(event(headers), BEHIND_THE_SITE) == "198.51.100.7"


def test_the_secret_is_read_as_every_secret_is() -> None:
    with using_environment({}):
        assert EdgeSettings.from_env().origin_verify_secret is None
    with using_environment({"ORIGIN_VERIFY_SECRET": SECRET}):
        local = EdgeSettings.from_env().origin_verify_secret
    assert local is not None
    assert local.value() == SECRET
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:origin-verify-AbCdEf"
    with using_environment({"ORIGIN_VERIFY_SECRET_ARN": arn}):
        on_aws = EdgeSettings.from_env().origin_verify_secret
    assert on_aws is not None
    assert on_aws.arn == arn
    assert SECRET not in repr(local)


def test_no_handler_keys_anything_on_the_raw_source_ip() -> None:
    # Behind CloudFront the source IP is CloudFront's: every visitor of an edge location would
    # share one rate limit. Each handler asks client_address instead.
    reading = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "functions").glob("*/app.py"))
        if any(raw in path.read_text(encoding="utf-8") for raw in (".http.source_ip", "sourceIp"))
    ]
    assert reading == []
