"""The local OIDC authority's rules (infra/local/sign_in.py), called as the gateway calls it:
PKCE S256, single-use codes that expire, redirects only to the stack's own origin, refresh
tokens, stable subjects per email."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from infra.local.auth import DevAuthority
from infra.local.gateway import Answer, LocalRequest
from infra.local.sign_in import DemoUser, LocalSignIn, s256

pytestmark = pytest.mark.unit

ORIGIN = "http://127.0.0.1:3999"
REDIRECT = f"{ORIGIN}/signed-in"
ANA = DemoUser("Dra. Ana Souza", "ana@example.com", "demo-user-dr-ana")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def authority(tmp_path: Path) -> DevAuthority:
    return DevAuthority.load_or_create(tmp_path / "auth", issuer=f"{ORIGIN}/local-auth")


@pytest.fixture
def sign_in(authority: DevAuthority, tmp_path: Path, clock: Clock) -> LocalSignIn:
    return LocalSignIn(
        authority, tmp_path / "auth", origins=(ORIGIN,), demo_users=(ANA,), clock=clock
    )


def get(sign_in: LocalSignIn, path: str, **query: str) -> Answer:
    return sign_in(LocalRequest("GET", f"/local-auth{path}", urlencode(query), {}, b""))


def post(sign_in: LocalSignIn, path: str, **form: str) -> Answer:
    body = urlencode(form).encode()
    return sign_in(LocalRequest("POST", f"/local-auth{path}", "", {}, body))


def authorization(verifier: str, **overrides: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "agenda-local",
        "redirect_uri": REDIRECT,
        "state": "st4te",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        "scope": "openid email",
        **overrides,
    }


def code_for(sign_in: LocalSignIn, email: str, verifier: str, **overrides: str) -> str:
    answer = post(sign_in, "/authorize", **authorization(verifier, **overrides), email=email)
    assert answer.status == 302, answer.body
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["st4te"]
    return query["code"][0]


def exchange(sign_in: LocalSignIn, code: str, verifier: str, **overrides: str) -> Answer:
    form = {
        "grant_type": "authorization_code",
        "client_id": "agenda-local",
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT,
        **overrides,
    }
    return post(sign_in, "/token", **form)


def oauth_error(answer: Answer) -> str:
    assert answer.status in (400, 401), answer.body
    assert answer.headers["cache-control"] == "no-store"
    return str(json.loads(answer.body)["error"])


def verifier() -> str:
    return secrets.token_urlsafe(48)


def test_the_page_lists_the_demo_users_and_carries_the_request(sign_in: LocalSignIn) -> None:
    v = verifier()
    answer = get(sign_in, "/authorize", **authorization(v), login_hint="maria@example.com")
    page = answer.body.decode()
    assert answer.status == 200
    assert "Dra. Ana Souza (ana@example.com)" in page
    assert f'value="{s256(v)}"' in page
    assert 'value="maria@example.com"' in page
    # The site's policy holds on the sign-in page too: nothing inline to run.
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert "<script" not in page
    assert "style=" not in page


def test_a_code_with_its_verifier_gives_tokens_the_gateway_accepts(
    sign_in: LocalSignIn, authority: DevAuthority
) -> None:
    v = verifier()
    answer = exchange(sign_in, code_for(sign_in, "Maria@Example.com", v), v)
    assert answer.status == 200, answer.body
    tokens = json.loads(answer.body)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["refresh_token"]
    claims = authority.verify(f"Bearer {tokens['access_token']}")
    assert claims["email"] == "maria@example.com"
    assert claims["sub"] == sign_in.subject("maria@example.com")
    assert authority.verify(f"Bearer {tokens['id_token']}")["token_use"] == "id"


def test_a_demo_user_signs_in_as_the_seeded_professional(
    sign_in: LocalSignIn, authority: DevAuthority
) -> None:
    v = verifier()
    tokens = json.loads(exchange(sign_in, code_for(sign_in, "ana@example.com", v), v).body)
    assert authority.verify(f"Bearer {tokens['access_token']}")["sub"] == "demo-user-dr-ana"


def test_an_email_keeps_its_subject_across_authorities(
    authority: DevAuthority, tmp_path: Path
) -> None:
    first = LocalSignIn(authority, tmp_path / "auth", origins=(ORIGIN,))
    sub = first.subject("new.person@example.com")
    again = LocalSignIn(authority, tmp_path / "auth", origins=(ORIGIN,))
    assert again.subject("new.person@example.com") == sub
    assert again.subject("other@example.com") != sub


def test_a_wrong_verifier_is_refused_and_spends_the_code(sign_in: LocalSignIn) -> None:
    v = verifier()
    code = code_for(sign_in, "maria@example.com", v)
    assert oauth_error(exchange(sign_in, code, verifier())) == "invalid_grant"
    assert oauth_error(exchange(sign_in, code, v)) == "invalid_grant"


def test_a_reused_code_is_refused_and_revokes_what_it_gave(sign_in: LocalSignIn) -> None:
    v = verifier()
    code = code_for(sign_in, "maria@example.com", v)
    tokens = json.loads(exchange(sign_in, code, v).body)
    refreshed = post(
        sign_in,
        "/token",
        grant_type="refresh_token",
        client_id="agenda-local",
        refresh_token=tokens["refresh_token"],
    )
    assert refreshed.status == 200

    assert oauth_error(exchange(sign_in, code, v)) == "invalid_grant"
    after = post(
        sign_in,
        "/token",
        grant_type="refresh_token",
        client_id="agenda-local",
        refresh_token=tokens["refresh_token"],
    )
    assert oauth_error(after) == "invalid_grant"


def test_a_code_expires_after_a_minute(sign_in: LocalSignIn, clock: Clock) -> None:
    v = verifier()
    code = code_for(sign_in, "maria@example.com", v)
    clock.now += 61
    assert oauth_error(exchange(sign_in, code, v)) == "invalid_grant"


def test_the_code_is_bound_to_its_redirect_and_client(sign_in: LocalSignIn) -> None:
    v = verifier()
    code = code_for(sign_in, "maria@example.com", v)
    other = exchange(sign_in, code, v, redirect_uri=f"{ORIGIN}/elsewhere")
    assert oauth_error(other) == "invalid_grant"
    code = code_for(sign_in, "maria@example.com", v)
    assert oauth_error(exchange(sign_in, code, v, client_id="someone")) == "invalid_client"


@pytest.mark.parametrize(
    "redirect",
    [
        "https://evil.example/signed-in",
        "http://127.0.0.1:4000/signed-in",
        "http://127.0.0.1:3999.evil.example/signed-in",
        "http://user@127.0.0.1:3999/signed-in",
        "/signed-in",
        "",
    ],
)
def test_a_foreign_redirect_is_an_error_page_never_a_redirect(
    sign_in: LocalSignIn, redirect: str
) -> None:
    v = verifier()
    for answer in (
        get(sign_in, "/authorize", **authorization(v, redirect_uri=redirect)),
        post(sign_in, "/authorize", **authorization(v, redirect_uri=redirect), email="a@b.co"),
    ):
        assert answer.status == 400
        assert "location" not in answer.headers


def test_an_unknown_client_is_an_error_page(sign_in: LocalSignIn) -> None:
    answer = get(sign_in, "/authorize", **authorization(verifier(), client_id="nobody"))
    assert answer.status == 400
    assert "location" not in answer.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": ""}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "email"}, "invalid_scope"),
    ],
)
def test_other_defects_redirect_with_the_error_and_state(
    sign_in: LocalSignIn, overrides: dict[str, str], error: str
) -> None:
    answer = get(sign_in, "/authorize", **authorization(verifier(), **overrides))
    assert answer.status == 302
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["error"] == [error]
    assert query["state"] == ["st4te"]
    assert "code" not in query


def test_a_missing_email_shows_the_page_again_with_the_problem(sign_in: LocalSignIn) -> None:
    answer = post(sign_in, "/authorize", **authorization(verifier()), email="not-an-email")
    assert answer.status == 400
    assert 'role="alert"' in answer.body.decode()


def test_unknown_grants_and_refresh_tokens(sign_in: LocalSignIn) -> None:
    assert (
        oauth_error(post(sign_in, "/token", grant_type="password", client_id="agenda-local"))
        == "unsupported_grant_type"
    )
    unknown = post(
        sign_in, "/token", grant_type="refresh_token", client_id="agenda-local", refresh_token="x"
    )
    assert oauth_error(unknown) == "invalid_grant"


def test_discovery_names_the_endpoints(sign_in: LocalSignIn) -> None:
    document = json.loads(get(sign_in, "/.well-known/openid-configuration").body)
    assert document["issuer"] == f"{ORIGIN}/local-auth"
    assert document["authorization_endpoint"] == f"{ORIGIN}/local-auth/authorize"
    assert document["token_endpoint"] == f"{ORIGIN}/local-auth/token"
    assert document["jwks_uri"] == f"{ORIGIN}/.well-known/jwks.json"
    assert document["code_challenge_methods_supported"] == ["S256"]
