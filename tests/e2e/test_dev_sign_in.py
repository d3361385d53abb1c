"""The dev authority through the local gateway, as a browser's pages use it: the pages' sign-in
settings at /auth-config.json, the sign-in page, the code flow with PKCE, and tokens the API's
authorizer accepts; a wrong verifier, a reused code and a foreign redirect_uri refused."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from infra.local.sign_in import s256

pytestmark = pytest.mark.e2e


def authorize_form(api: str, verifier: str, **overrides: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "agenda-local",
        "redirect_uri": f"{api}/signed-in",
        "state": "xyz",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        "scope": "openid email profile",
        **overrides,
    }


def code_of(api: str, verifier: str, email: str) -> str:
    answer = requests.post(
        f"{api}/local-auth/authorize",
        data={**authorize_form(api, verifier), "email": email},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{api}/signed-in"
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def token(api: str, **form: str) -> requests.Response:
    return requests.post(
        f"{api}/local-auth/token", data={"client_id": "agenda-local", **form}, timeout=30
    )


def exchange(api: str, code: str, verifier: str) -> requests.Response:
    return token(
        api,
        grant_type="authorization_code",
        code=code,
        code_verifier=verifier,
        redirect_uri=f"{api}/signed-in",
    )


def test_the_pages_find_the_authority_in_their_config_and_its_discovery(api: str) -> None:
    config = requests.get(f"{api}/auth-config.json", timeout=30)
    assert config.status_code == 200
    assert config.headers["content-type"] == "application/json"
    assert config.json() == {
        "authorizationEndpoint": f"{api}/local-auth/authorize",
        "tokenEndpoint": f"{api}/local-auth/token",
        "clientId": "agenda-local",
        "scope": "openid email profile",
    }
    discovery = requests.get(f"{api}/local-auth/.well-known/openid-configuration", timeout=30)
    assert discovery.status_code == 200
    document = discovery.json()
    assert document["issuer"] == f"{api}/local-auth"
    assert document["token_endpoint"] == config.json()["tokenEndpoint"]
    jwks = requests.get(document["jwks_uri"], timeout=30)
    assert jwks.json()["keys"][0]["kid"] == "local-dev"


def test_the_sign_in_page_lists_the_demo_users(api: str) -> None:
    verifier = secrets.token_urlsafe(48)
    page = requests.get(
        f"{api}/local-auth/authorize", params=authorize_form(api, verifier), timeout=30
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Dra. Ana Souza (ana@example.com)" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_a_code_flow_signs_in_and_the_api_accepts_the_token(api: str) -> None:
    verifier = secrets.token_urlsafe(48)
    email = f"new-{secrets.token_hex(4)}@example.com"
    answer = exchange(api, code_of(api, verifier, email), verifier)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    tokens = answer.json()
    headers = {"authorization": f"Bearer {tokens['access_token']}"}
    # A new person has no client account yet: the authorizer let them through to the function.
    profile = requests.get(f"{api}/api/client-profile", headers=headers, timeout=30)
    assert profile.status_code == 404, profile.text
    assert profile.json()["error"]["code"] == "CLIENT_PROFILE_NOT_FOUND"

    refreshed = token(api, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    again = {"authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert requests.get(f"{api}/api/client-profile", headers=again, timeout=30).status_code == 404


def test_a_demo_professional_signs_in_as_themselves(api: str) -> None:
    verifier = secrets.token_urlsafe(48)
    tokens = exchange(api, code_of(api, verifier, "ana@example.com"), verifier).json()
    headers = {"authorization": f"Bearer {tokens['access_token']}"}
    account = requests.get(f"{api}/api/account", headers=headers, timeout=30)
    assert account.status_code == 200, account.text
    assert account.json()["slug"] == "dr-ana"


def test_a_wrong_verifier_and_a_reused_code_are_refused(api: str) -> None:
    verifier = secrets.token_urlsafe(48)
    code = code_of(api, verifier, "maria@example.com")
    wrong = exchange(api, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    code = code_of(api, verifier, "maria@example.com")
    assert exchange(api, code, verifier).status_code == 200
    reused = exchange(api, code, verifier)
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_a_foreign_redirect_uri_gets_no_redirect(api: str) -> None:
    verifier = secrets.token_urlsafe(48)
    form = authorize_form(api, verifier, redirect_uri="https://evil.example/signed-in")
    page = requests.get(
        f"{api}/local-auth/authorize", params=form, allow_redirects=False, timeout=30
    )
    assert page.status_code == 400
    assert "location" not in page.headers
    posted = requests.post(
        f"{api}/local-auth/authorize",
        data={**form, "email": "maria@example.com"},
        allow_redirects=False,
        timeout=30,
    )
    assert posted.status_code == 400
    assert "location" not in posted.headers
