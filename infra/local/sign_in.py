"""The local OpenID Connect authority: authorization code with PKCE for the pages' sign-in.

On AWS the pages sign in through the template's Cognito user pool (its hosted sign-in); here
the gateway serves this stand-in under `/local-auth/`, with the issuer and key the gateway's
JWT authorizer already checks (infra/local/auth.py), so a token it issues is accepted by every
authorized route:

- `GET /local-auth/authorize` (response_type=code, client_id, redirect_uri, state,
  code_challenge with code_challenge_method=S256, scope, optional login_hint and nonce): a
  sign-in page listing the demo users and taking any email for a new one. Choosing posts back
  to the same path, which redirects to `redirect_uri?code=...&state=...`.
- `POST /local-auth/token` (form-encoded, as RFC 6749 says): `authorization_code` with the
  `code_verifier` whose SHA-256 is the challenge, or `refresh_token`. Answers `access_token`,
  `id_token`, `expires_in`, `token_type` and, for a code, a `refresh_token`.
- `GET /local-auth/.well-known/openid-configuration`: the discovery document naming them.

What it refuses, as RFC 6749 and RFC 7636 say: a redirect_uri off the stack's own origin or a
client_id it does not know is an error page, never a redirect (an open redirector would hand a
code to another site); any other defect of the request is a redirect with `error`. A code lives
one minute and is good once; a second use is `invalid_grant` and also revokes the refresh token
its first use issued (RFC 6749 10.5: the code leaked). A verifier that does not hash to the
challenge, another redirect_uri or client_id than the code's, an unknown or expired refresh
token: `invalid_grant`.

Each email gets one `sub` for good, kept in the state folder (`users.json`), so signing in
again is the same user; the demo professionals' emails are their seeded user ids. Codes and
refresh tokens live in memory: a restarted stack asks its users to sign in again.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from infra.local.auth import DevAuthority
from infra.local.gateway import Answer, LocalRequest
from infra.site_headers import SITE_HEADERS

PREFIX = "/local-auth"
CODE_TTL_SECONDS = 60
ACCESS_TTL_SECONDS = 3600
REFRESH_TTL_SECONDS = 30 * 24 * 3600
SCOPES = ("openid", "email", "profile")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A PKCE verifier is 43 to 128 of these (RFC 7636 4.1); its S256 challenge is 43 of base64url.
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
_NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


@dataclass(frozen=True)
class DemoUser:
    name: str
    email: str
    sub: str


@dataclass(frozen=True)
class _Request:
    """An authorization request, as the sign-in page carries it back."""

    client_id: str
    redirect_uri: str
    state: str
    code_challenge: str
    scope: str
    nonce: str


@dataclass(frozen=True)
class _Code:
    request: _Request
    sub: str
    email: str
    expires_at: float


@dataclass(frozen=True)
class _Refresh:
    client_id: str
    sub: str
    email: str
    scope: str
    expires_at: float


class OAuthError(Exception):
    """An error of the token endpoint, in RFC 6749 5.2's words."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def s256(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class LocalSignIn:
    def __init__(
        self,
        authority: DevAuthority,
        folder: Path,
        *,
        origins: tuple[str, ...],
        demo_users: tuple[DemoUser, ...] = (),
        client_id: str | None = None,
        access_ttl_seconds: int = ACCESS_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`origins`: where a redirect_uri may point (the stack's own); `client_id`: the one
        public client (default: the authorizer's audience, as a Cognito app client's id is)."""
        self.authority = authority
        self.client_id = client_id or authority.audience
        self.origins = tuple(_origin(o) for o in origins)
        self.demo_users = demo_users
        self.access_ttl_seconds = access_ttl_seconds
        self._clock = clock
        self._users_path = folder / "users.json"
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, _Refresh] = {}
        # A used code -> the refresh token its exchange issued, revoked if it comes again.
        self._spent: dict[str, str | None] = {}

    # -- the gateway's entry ---------------------------------------------------------------

    def __call__(self, request: LocalRequest) -> Answer:
        path, method = request.path.removeprefix(PREFIX), request.method
        if path == "/authorize" and method == "GET":
            return self.authorize(dict(parse_qsl(request.query)))
        if path == "/authorize" and method == "POST":
            return self.approve(_form(request.body))
        if path == "/token" and method == "POST":
            try:
                return Answer(
                    200,
                    {"content-type": "application/json", **_NO_STORE},
                    json.dumps(self.token(_form(request.body))).encode(),
                )
            except OAuthError as exc:
                body = {"error": exc.error, "error_description": exc.description}
                return Answer(
                    exc.status,
                    {"content-type": "application/json", **_NO_STORE},
                    json.dumps(body).encode(),
                )
        if path == "/.well-known/openid-configuration" and method == "GET":
            return Answer.json(200, self.discovery())
        return Answer.error(404, f"No route for {method} {request.path}")

    # -- discovery ---------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        issuer = self.authority.issuer
        root = issuer.removesuffix(PREFIX)
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{root}/.well-known/jwks.json",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": list(SCOPES),
            "claims_supported": ["sub", "email", "iss", "aud", "exp", "iat"],
        }

    # -- authorization -----------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> Answer:
        """The sign-in page for a valid request; the error page or an error redirect else."""
        checked = self._checked(query)
        if isinstance(checked, Answer):
            return checked
        return self._page(checked, login_hint=query.get("login_hint", ""))

    def approve(self, form: dict[str, str]) -> Answer:
        """The sign-in page's choice: a code, and the redirect that carries it."""
        checked = self._checked(form)
        if isinstance(checked, Answer):
            return checked
        email = form.get("email", "").strip().lower()
        if not _EMAIL.match(email):
            return self._page(checked, login_hint=email, problem=True)
        code, subject = secrets.token_urlsafe(32), self.subject(email)
        with self._lock:
            self._forget_expired()
            self._codes[code] = _Code(checked, subject, email, self._clock() + CODE_TTL_SECONDS)
        return _redirect(checked.redirect_uri, {"code": code, "state": checked.state})

    def _checked(self, query: dict[str, str]) -> _Request | Answer:
        client_id = query.get("client_id", "")
        redirect_uri = query.get("redirect_uri", "")
        if client_id != self.client_id:
            return _error_page("The client_id is not this authority's client.")
        if not self._redirect_allowed(redirect_uri):
            return _error_page("The redirect_uri is not on the site's own origin.")
        state = query.get("state", "")

        def refused(error: str, description: str) -> Answer:
            params = {"error": error, "error_description": description}
            return _redirect(redirect_uri, {**params, **({"state": state} if state else {})})

        if query.get("response_type") != "code":
            return refused("unsupported_response_type", "Only response_type=code is served.")
        if query.get("code_challenge_method") != "S256":
            return refused("invalid_request", "PKCE with code_challenge_method=S256 is required.")
        challenge = query.get("code_challenge", "")
        if not _CHALLENGE.match(challenge):
            return refused("invalid_request", "code_challenge is not an S256 challenge.")
        scopes = query.get("scope", "openid").split()
        if "openid" not in scopes or any(s not in SCOPES for s in scopes):
            return refused("invalid_scope", f"Scopes served: {' '.join(SCOPES)}.")
        return _Request(
            client_id, redirect_uri, state, challenge, " ".join(scopes), query.get("nonce", "")
        )

    def _redirect_allowed(self, redirect_uri: str) -> bool:
        parts = urlsplit(redirect_uri)
        if parts.fragment or parts.username or parts.password:
            return False
        return bool(parts.scheme and parts.netloc) and _origin(redirect_uri) in self.origins

    # -- tokens ------------------------------------------------------------------------------

    def token(self, form: dict[str, str]) -> dict[str, Any]:
        if form.get("client_id", "") != self.client_id:
            raise OAuthError("invalid_client", "Unknown client_id.", 401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._exchange(form)
        if grant == "refresh_token":
            return self._refreshed(form)
        raise OAuthError(
            "unsupported_grant_type", "grant_type is authorization_code or refresh_token."
        )

    def _exchange(self, form: dict[str, str]) -> dict[str, Any]:
        code, verifier = form.get("code", ""), form.get("code_verifier", "")
        if not code or not verifier:
            raise OAuthError("invalid_request", "code and code_verifier are required.")
        with self._lock:
            found = self._codes.pop(code, None)
            if found is None:
                if code in self._spent:
                    revoked = self._spent[code]
                    if revoked is not None:
                        self._refresh.pop(revoked, None)
                    raise OAuthError("invalid_grant", "The code was already used.")
                raise OAuthError("invalid_grant", "Unknown code.")
            # Whatever follows, the code is spent: a wrong verifier does not get a second try.
            self._spent[code] = None
            if found.expires_at <= self._clock():
                raise OAuthError("invalid_grant", "The code expired.")
            if form.get("redirect_uri", "") != found.request.redirect_uri:
                raise OAuthError("invalid_grant", "redirect_uri differs from the authorization's.")
            if not _VERIFIER.match(verifier) or not secrets.compare_digest(
                s256(verifier), found.request.code_challenge
            ):
                raise OAuthError("invalid_grant", "code_verifier does not match the challenge.")
            refresh = secrets.token_urlsafe(48)
            self._refresh[refresh] = _Refresh(
                found.request.client_id,
                found.sub,
                found.email,
                found.request.scope,
                self._clock() + REFRESH_TTL_SECONDS,
            )
            self._spent[code] = refresh
        return {
            **self._tokens(found.sub, found.email, found.request.scope, found.request.nonce),
            "refresh_token": refresh,
        }

    def _refreshed(self, form: dict[str, str]) -> dict[str, Any]:
        token = form.get("refresh_token", "")
        with self._lock:
            found = self._refresh.get(token)
        if found is None or found.expires_at <= self._clock():
            raise OAuthError("invalid_grant", "Unknown, revoked or expired refresh token.")
        if found.client_id != form.get("client_id"):
            raise OAuthError("invalid_grant", "The refresh token is another client's.")
        # As Cognito does: new access and id tokens, the same refresh token.
        return self._tokens(found.sub, found.email, found.scope, "")

    def _tokens(self, sub: str, email: str, scope: str, nonce: str) -> dict[str, Any]:
        ttl = self.access_ttl_seconds
        # token_use is Cognito's marker of which token is which.
        access_claims = {"email": email, "scope": scope, "client_id": self.client_id}
        access = self.authority.mint(sub, ttl_seconds=ttl, **access_claims, token_use="access")  # noqa: S106
        id_claims: dict[str, Any] = {"email": email, "email_verified": True, "token_use": "id"}
        if nonce:
            id_claims["nonce"] = nonce
        identity = self.authority.mint(sub, ttl_seconds=ttl, **id_claims)
        return {
            "access_token": access,
            "id_token": identity,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": scope,
        }

    def _forget_expired(self) -> None:
        now = self._clock()
        for code in [c for c, found in self._codes.items() if found.expires_at <= now]:
            del self._codes[code]

    # -- users -------------------------------------------------------------------------------

    def subject(self, email: str) -> str:
        """The one sub of this email: a demo user's seeded id, else one made on first sign-in
        and kept in the state folder."""
        for user in self.demo_users:
            if user.email == email:
                return user.sub
        with self._lock:
            known = self._known_users()
            if email not in known:
                known[email] = f"local-{uuid.uuid4()}"
                fresh = self._users_path.with_suffix(".tmp")
                fresh.write_text(json.dumps(known, indent=1, sort_keys=True))
                fresh.replace(self._users_path)
            return known[email]

    def _known_users(self) -> dict[str, str]:
        try:
            stored = json.loads(self._users_path.read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}

    # -- the page ----------------------------------------------------------------------------

    def _page(self, request: _Request, *, login_hint: str, problem: bool = False) -> Answer:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in (
                ("response_type", "code"),
                ("client_id", request.client_id),
                ("redirect_uri", request.redirect_uri),
                ("state", request.state),
                ("code_challenge", request.code_challenge),
                ("code_challenge_method", "S256"),
                ("scope", request.scope),
                ("nonce", request.nonce),
            )
        )
        action = f"{PREFIX}/authorize"
        demo = "".join(
            f'<li><button type="submit" name="email" value="{html.escape(user.email)}">'
            f"{html.escape(user.name)} ({html.escape(user.email)})</button></li>"
            for user in self.demo_users
        )
        demo_form = (
            f'<h2>Demo users</h2><form method="post" action="{action}">{hidden}'
            f"<ul>{demo}</ul></form>"
            if demo
            else ""
        )
        error = (
            '<p id="email-error" role="alert">Enter an email address, like maria@example.com.</p>'
            if problem
            else ""
        )
        described = ' aria-describedby="email-error" aria-invalid="true"' if problem else ""
        page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in (local)</title>
<meta name="description" content="The local stack's development sign-in.">
</head>
<body>
<main>
<h1>Sign in (local development)</h1>
<p>This stands in for the real sign-in: no password, any email is a user of its own.</p>
<form method="post" action="{action}">{hidden}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required
 value="{html.escape(login_hint)}"{described}>
{error}
<button type="submit">Continue</button>
</form>
{demo_form}
</main>
</body>
</html>
"""
        headers = {
            "content-type": "text/html; charset=utf-8",
            **_NO_STORE,
            **{name.lower(): value for name, value in SITE_HEADERS.items()},
        }
        return Answer(400 if problem else 200, headers, page.encode())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _redirect(uri: str, params: dict[str, str]) -> Answer:
    joiner = "&" if urlsplit(uri).query else "?"
    return Answer(302, {"location": f"{uri}{joiner}{urlencode(params)}", **_NO_STORE})


def _error_page(message: str) -> Answer:
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Sign-in request refused</title></head><body><main>"
        f"<h1>Sign-in request refused</h1><p>{html.escape(message)}</p></main></body></html>"
    )
    headers = {
        "content-type": "text/html; charset=utf-8",
        **_NO_STORE,
        **{name.lower(): value for name, value in SITE_HEADERS.items()},
    }
    return Answer(400, headers, page.encode())


def demo_users() -> tuple[DemoUser, ...]:
    """The seeded professionals, who sign in as themselves."""
    from infra.seed import DEMO

    return tuple(DemoUser(pro.name, pro.email.lower(), pro.user_id) for pro in DEMO)
