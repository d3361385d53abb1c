"""The local stand-in for the HTTP API's JWT authorizer, with a development signing key.

The key pair is generated on first use under the local state folder (never committed). Tokens
are RS256, like Supabase Auth or Cognito issue them; the gateway checks signature, expiry,
issuer and audience exactly as API Gateway's JWT authorizer does, and hands the verified
claims to the function in requestContext.authorizer.jwt.

The issuer is the gateway's own URL (`http://127.0.0.1:PORT/local-auth`): the stack records
it beside the key (`issuer`), so a token minted for a state folder, from the same key and
issuer, is accepted by the stack running on that folder, whatever its port.

Mint a token for a user id:  python -m infra.local.auth --sub USER_ID [--hours 12] [--state DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.local.defaults import STATE_DIR

LOCAL_ISSUER = "http://127.0.0.1:3000/local-auth"
LOCAL_AUDIENCE = "agenda-local"
KEY_ID = "local-dev"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class DevAuthority:
    private_pem: bytes
    public_pem: bytes
    issuer: str = LOCAL_ISSUER
    audience: str = LOCAL_AUDIENCE

    @classmethod
    def load_or_create(cls, folder: Path, *, issuer: str | None = None) -> DevAuthority:
        """The authority kept in `folder`, its key made on first use. With `issuer`, that
        issuer is recorded in the folder (a stack starting on it); without, the recorded one
        is used (a tool minting for it), else LOCAL_ISSUER."""
        folder.mkdir(parents=True, exist_ok=True)
        issuer_path = folder / "issuer"
        if issuer is None:
            issuer = issuer_path.read_text().strip() if issuer_path.exists() else LOCAL_ISSUER
        elif not issuer_path.exists() or issuer_path.read_text().strip() != issuer:
            fresh = issuer_path.with_suffix(".tmp")
            fresh.write_text(issuer + "\n")
            fresh.replace(issuer_path)
        private_path = folder / "jwt-private.pem"
        if not private_path.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
        private_pem = private_path.read_bytes()
        loaded = serialization.load_pem_private_key(private_pem, password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise InvalidToken(f"{private_path} is not an RSA key")
        public_pem = loaded.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private_pem=private_pem, public_pem=public_pem, issuer=issuer)

    def mint(self, subject: str, *, ttl_seconds: int = 3600, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "sub": subject,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + ttl_seconds,
            **claims,
        }
        return jwt.encode(payload, self.private_pem, algorithm="RS256", headers={"kid": KEY_ID})

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """Claims of a valid `Bearer <jwt>` header, else InvalidToken."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise InvalidToken("missing bearer token")
        token = authorization[7:].strip()
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.public_pem,
                algorithms=["RS256"],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return claims

    def jwks(self) -> dict[str, Any]:
        public_key = serialization.load_pem_public_key(self.public_pem)
        assert isinstance(public_key, rsa.RSAPublicKey)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
        return {"keys": [{**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}


def api_gateway_claims(claims: dict[str, Any]) -> dict[str, str]:
    """API Gateway passes JWT claims to the function as strings."""
    return {
        key: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for key, value in claims.items()
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.local.auth",
        description="Mint a development JWT for the local gateway, signed with the state "
        "folder's key for the issuer the stack on that folder checks",
    )
    parser.add_argument("--sub", required=True, help="the user id (a professional's user_id)")
    parser.add_argument("--hours", type=float, default=12, help="validity (default 12)")
    parser.add_argument(
        "--state",
        type=Path,
        default=STATE_DIR,
        help="the stack's state folder, as given to infra.local.dev (default: .local)",
    )
    args = parser.parse_args(argv)
    authority = DevAuthority.load_or_create(args.state / "auth")
    print(authority.mint(args.sub, ttl_seconds=int(args.hours * 3600)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
