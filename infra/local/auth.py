"""The local stand-in for the HTTP API's JWT authorizer, with a development signing key.

The key pair is generated on first use under the local state folder (never committed). Tokens
are RS256, like Supabase Auth or Cognito issue them; the gateway checks signature, expiry,
issuer and audience exactly as API Gateway's JWT authorizer does, and hands the verified
claims to the function in requestContext.authorizer.jwt.

Mint a token for a user id:  python -m infra.local.auth --sub USER_ID [--hours 12]
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
    def load_or_create(cls, folder: Path) -> DevAuthority:
        folder.mkdir(parents=True, exist_ok=True)
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
        return cls(private_pem=private_pem, public_pem=public_pem)

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
    parser = argparse.ArgumentParser(description="Mint a development JWT for the local gateway")
    parser.add_argument("--sub", required=True, help="the user id (a professional's user_id)")
    parser.add_argument("--hours", type=float, default=12)
    parser.add_argument("--state", type=Path, default=Path(".local"), help="local state folder")
    args = parser.parse_args(argv)
    authority = DevAuthority.load_or_create(args.state / "auth")
    print(authority.mint(args.sub, ttl_seconds=int(args.hours * 3600)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
