"""The local gateway's CORS policy, for the configurations the template does not use today."""

from __future__ import annotations

import pytest

from infra.local.gateway import Answer, CorsPolicy
from infra.local.template import Cors, load_cors
from infra.paths import TEMPLATE

pytestmark = pytest.mark.unit


def test_the_template_configuration_is_read_with_its_parameter() -> None:
    cors = load_cors(TEMPLATE, {"CorsAllowedOrigin": "https://app.example"})
    assert cors == Cors(
        allow_origins=("https://app.example",),
        allow_methods=("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
        allow_headers=("authorization", "content-type"),
        expose_headers=("retry-after",),
        max_age=600,
        allow_credentials=False,
    )
    # Left empty, the origin follows the site's domain, else there is none (docs/pages.md).
    domain = load_cors(TEMPLATE, {"SiteDomainName": "agenda.example"})
    assert domain is not None
    assert domain.allow_origins == ("https://agenda.example",)
    unset = load_cors(TEMPLATE, {})
    assert unset is not None
    assert unset.allow_origins == ()


def test_credentials_are_allowed_for_the_allowed_origin_only() -> None:
    policy = CorsPolicy(Cors(allow_origins=("https://app.example",), allow_credentials=True))
    preflight = policy.preflight("https://app.example")
    assert preflight.status == 204
    assert preflight.headers == {
        "access-control-allow-origin": "https://app.example",
        "access-control-allow-credentials": "true",
    }
    assert policy.preflight("https://other.example").headers == {}
    answered = policy.applied(
        "https://app.example",
        Answer(200, {"access-control-allow-origin": "*", "x-kept": "1"}),
    )
    # The function's own CORS headers are ignored, as API Gateway ignores them.
    assert answered.headers == {
        "x-kept": "1",
        "access-control-allow-origin": "https://app.example",
        "access-control-allow-credentials": "true",
    }


def test_a_wildcard_origin_answers_a_wildcard() -> None:
    policy = CorsPolicy(Cors(allow_origins=("*",), expose_headers=("date",)))
    assert policy.applied("https://any.example", Answer(200)).headers == {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "date",
    }
    assert policy.applied(None, Answer(200)).headers == {}
