"""S3 on 127.0.0.1: moto's server, behind a gate that enforces presigned POST policies.

moto stores a browser's form POST (a presigned POST's upload) without checking its policy:
no signature, no expiry, no content-length-range, no Content-Type condition. S3 checks all of
them, and the media uploads rely on it, so this stand-in puts a WSGI middleware in front of
moto that does what S3 does before anything is stored:

- the signature: the policy's HMAC under the SigV4 key of the credential's date, region and
  service, computed by botocore's own signer (botocore.auth.SigV4Auth.signature), with the
  stack's dummy credentials;
- the expiry of the policy;
- every condition: exact matches (`{"name": value}`, `["eq", "$name", value]`), prefixes
  (`["starts-with", "$name", prefix]`), the bucket of the URL, and `content-length-range`
  over the file's bytes;
- every form field is named by a condition (S3's rule; `x-amz-signature`, `file`, `policy`
  and `x-ignore-*` aside).

A refused upload answers S3's XML error (403 AccessDenied or SignatureDoesNotMatch, 400
EntityTooLarge or EntityTooSmall) and stores nothing.

The gate also applies the bucket's CORS configuration (PutBucketCors, as ensure_bucket puts
the template's rule) to every answer but a preflight, its own refusals included, as S3 does:
a request whose Origin and method a rule allows gets Access-Control-Allow-Origin and the
rule's other headers, and no other request any (moto's server itself allows every origin on
every answer); a preflight (OPTIONS with Origin) is answered from the same rules, 200 or 403.

The gate also plays the CDN: an unsigned GET or HEAD of a published photo (a key under one of
`public_prefixes`) is signed as CloudFront's origin access control signs it, so the photos'
public addresses work locally while everything else in the bucket stays private, as the
bucket policy keeps it on AWS. Everything else (the SDK's signed calls: HeadObject,
GetObject, CopyObject, DeleteObject, CreateBucket ...) goes to moto as it came. moto's state
is process-wide, as for the SQS stand-in.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import functools
import hmac
import io
import json
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from xml.sax.saxutils import escape

from infra.local._http import BackgroundServer, Served
from infra.local.sqs import DUMMY_CREDENTIALS, _make_server

# Fields S3 leaves out of the rule that every field must be named by a condition.
_UNCONDITIONED = frozenset({"x-amz-signature", "file", "policy"})

type StartResponse = Callable[..., Any]
type WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class LocalS3(Served):
    def __init__(
        self,
        port: int = 0,
        *,
        clock: Callable[[], float] = time.time,
        public_prefixes: tuple[str, ...] = ("avatars/",),
    ) -> None:
        gate = functools.partial(PolicyGate, clock=clock, public_prefixes=public_prefixes)
        self._serving = BackgroundServer(
            "LocalS3", functools.partial(_make_server, wrap=gate), port
        )

    @property
    def endpoint_url(self) -> str:
        return self._serving.url


class PolicyRefused(Exception):
    def __init__(self, status: int, code: str, message: str, **details: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class PolicyGate:
    """The WSGI middleware: form POSTs are checked as S3 checks them, then handed to moto."""

    def __init__(
        self,
        app: WsgiApp,
        *,
        clock: Callable[[], float] = time.time,
        public_prefixes: tuple[str, ...] = (),
    ) -> None:
        self._app = app
        self._clock = clock
        self._public = public_prefixes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get("HTTP_ORIGIN"):
            return _preflight(environ, start_response)
        start_response = _with_cors(start_response, _cors_headers(environ))
        if self._is_public_read(environ):
            _sign_as_the_cdn(environ)
            return self._app(environ, start_response)
        content_type = environ.get("CONTENT_TYPE", "")
        if environ.get("REQUEST_METHOD") != "POST" or not content_type.startswith(
            "multipart/form-data"
        ):
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        try:
            self._check(environ, body)
        except PolicyRefused as refused:
            return _error(start_response, refused)
        environ["wsgi.input"] = io.BytesIO(body)
        return self._app(environ, start_response)

    def _is_public_read(self, environ: dict[str, Any]) -> bool:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return False
        if environ.get("HTTP_AUTHORIZATION") or "X-Amz-Signature" in environ.get(
            "QUERY_STRING", ""
        ):
            return False
        _, _, key = environ.get("PATH_INFO", "").lstrip("/").partition("/")
        return any(key.startswith(prefix) for prefix in self._public)

    def _check(self, environ: dict[str, Any], body: bytes) -> None:
        from werkzeug.formparser import parse_form_data

        parsing = {**environ, "wsgi.input": io.BytesIO(body)}
        _, form, files = parse_form_data(parsing)
        fields = {name.lower(): value for name, value in form.items()}
        upload = files.get("file")
        if upload is None:
            raise PolicyRefused(400, "InvalidArgument", "POST requires exactly one file upload")
        size = len(upload.read())
        bucket = environ.get("PATH_INFO", "/").strip("/").split("/", 1)[0]
        policy = self._verified_policy(fields)
        conditions = policy.get("conditions")
        if not isinstance(conditions, list):
            raise PolicyRefused(400, "InvalidPolicyDocument", "Invalid Policy: no conditions")
        named = {"bucket"}
        for condition in conditions:
            named |= _check_condition(condition, fields, bucket=bucket, size=size)
        extra = sorted(
            name
            for name in fields
            if name not in _UNCONDITIONED and name not in named and not name.startswith("x-ignore-")
        )
        if extra:
            raise PolicyRefused(
                403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}"
            )

    def _verified_policy(self, fields: dict[str, str]) -> dict[str, Any]:
        encoded = fields.get("policy", "")
        credential = fields.get("x-amz-credential", "")
        signed_at = fields.get("x-amz-date", "")
        given = fields.get("x-amz-signature", "")
        parts = credential.split("/")
        if fields.get("x-amz-algorithm") != "AWS4-HMAC-SHA256" or len(parts) != 5 or not given:
            raise PolicyRefused(
                400, "InvalidArgument", "Form POSTs must be signed with AWS4-HMAC-SHA256"
            )
        access_key, day, region, service, terminal = parts
        if access_key != DUMMY_CREDENTIALS["aws_access_key_id"] or terminal != "aws4_request":
            raise PolicyRefused(
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
            )
        if signed_at[:8] != day:
            raise PolicyRefused(400, "AuthorizationQueryParametersError", "Invalid date")
        if not hmac.compare_digest(_signature(encoded, signed_at, region, service), given):
            raise PolicyRefused(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided."
                " Check your key and signing method.",
            )
        try:
            policy = json.loads(base64.b64decode(encoded, validate=True))
            expires = datetime.fromisoformat(policy["expiration"])
        except (binascii.Error, ValueError, KeyError, TypeError) as exc:
            raise PolicyRefused(
                400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON."
            ) from exc
        if not isinstance(policy, dict) or expires.timestamp() <= self._clock():
            raise PolicyRefused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        return policy


def _cors_headers(environ: dict[str, Any], method: str | None = None) -> list[tuple[str, str]]:
    """The CORS headers S3 adds to an answer for the first rule of the bucket's configuration
    that allows the request's Origin and `method` (the request's own, or a preflight's
    Access-Control-Request-Method, and then its headers too); none without one."""
    origin = environ.get("HTTP_ORIGIN")
    method = method or environ.get("REQUEST_METHOD", "")
    if not origin:
        return []
    asked = [
        name.strip().lower()
        for name in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",")
        if name.strip() and environ.get("REQUEST_METHOD") == "OPTIONS"
    ]
    bucket = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
    for rule in _cors_rules(bucket):
        origins = rule.allowed_origins or []
        allowed_headers = [name.lower() for name in rule.allowed_headers or []]
        if (
            method not in (rule.allowed_methods or [])
            or not any(fnmatch.fnmatchcase(origin, allowed) for allowed in origins)
            or not all(
                any(fnmatch.fnmatchcase(name, allowed) for allowed in allowed_headers)
                for name in asked
            )
        ):
            continue
        headers = [
            ("Access-Control-Allow-Origin", "*" if "*" in origins else origin),
            ("Access-Control-Allow-Methods", ", ".join(rule.allowed_methods)),
            ("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"),
        ]
        if rule.exposed_headers:
            headers.append(("Access-Control-Expose-Headers", ", ".join(rule.exposed_headers)))
        if rule.max_age_seconds is not None:
            headers.append(("Access-Control-Max-Age", str(rule.max_age_seconds)))
        return headers
    return []


def _preflight(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    """A preflight answered as S3 answers it: 200 with the matching rule's headers, else 403."""
    cors = _cors_headers(environ, environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", ""))
    if cors:
        asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
        if asked:
            cors.append(("Access-Control-Allow-Headers", asked))
        start_response("200 OK", [*cors, ("Content-Length", "0")])
        return [b""]
    return _error(
        start_response,
        PolicyRefused(
            403,
            "AccessForbidden",
            "CORSResponse: This CORS request is not allowed. This is usually because the"
            " evalution of Origin, request method / Access-Control-Request-Method or"
            " Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
        ),
    )


def _cors_rules(bucket: str) -> list[Any]:
    """The bucket's CORS rules as PutBucketCors stored them in moto (process-wide state, the
    stand-in's credentials' account)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    found = s3_backends[DEFAULT_ACCOUNT_ID]["aws"].buckets.get(bucket) if bucket else None
    return list(found.cors) if found is not None else []


def _with_cors(start_response: StartResponse, cors: list[tuple[str, str]]) -> StartResponse:
    """start_response with the bucket's CORS headers only: moto's server (flask-cors) allows
    every origin on every answer, which S3 never does."""

    def started(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        kept = [
            (name, value)
            for name, value in headers
            if not name.lower().startswith("access-control-") and name.lower() != "vary"
        ]
        return start_response(status, [*kept, *cors], *args)

    return started


def _signature(encoded_policy: str, signed_at: str, region: str, service: str) -> str:
    """What S3 computes for the policy: botocore's SigV4 signature with the dummy secret."""
    from botocore.auth import SigV4Auth
    from botocore.credentials import Credentials

    signer = SigV4Auth(
        Credentials(
            DUMMY_CREDENTIALS["aws_access_key_id"], DUMMY_CREDENTIALS["aws_secret_access_key"]
        ),
        service,
        region,
    )
    request = SimpleNamespace(context={"timestamp": signed_at})
    return str(signer.signature(encoded_policy, request))


def _sign_as_the_cdn(environ: dict[str, Any]) -> None:
    """Sign a reader's request as CloudFront's origin access control would (SigV4, s3)."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    host = environ.get("HTTP_HOST", "127.0.0.1")
    request = AWSRequest(
        method=environ["REQUEST_METHOD"], url=f"http://{host}{environ['PATH_INFO']}"
    )
    S3SigV4Auth(
        Credentials(
            DUMMY_CREDENTIALS["aws_access_key_id"], DUMMY_CREDENTIALS["aws_secret_access_key"]
        ),
        "s3",
        "us-east-1",
    ).add_auth(request)
    for name, value in request.headers.items():
        environ[f"HTTP_{name.upper().replace('-', '_')}"] = value


def _check_condition(condition: Any, fields: dict[str, str], *, bucket: str, size: int) -> set[str]:
    """Refuse the upload unless it meets `condition`; answers the field names it names."""

    def failed() -> PolicyRefused:
        return PolicyRefused(
            403,
            "AccessDenied",
            f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}",
        )

    def value_of(name: str) -> str:
        return bucket if name == "bucket" else fields.get(name, "")

    if isinstance(condition, dict) and len(condition) == 1:
        ((name, expected),) = condition.items()
        if value_of(name.lower()) != expected:
            raise failed()
        return {name.lower()}
    if isinstance(condition, list) and len(condition) == 3:
        operator = str(condition[0]).lower()
        if operator == "content-length-range":
            low, high = int(condition[1]), int(condition[2])
            if size > high:
                raise PolicyRefused(
                    400,
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size",
                    ProposedSize=str(size),
                    MaxSizeAllowed=str(high),
                )
            if size < low:
                raise PolicyRefused(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    ProposedSize=str(size),
                    MinSizeAllowed=str(low),
                )
            return set()
        name = str(condition[1]).removeprefix("$").lower()
        if operator == "eq" and value_of(name) == condition[2]:
            return {name}
        if operator == "starts-with" and value_of(name).startswith(str(condition[2])):
            return {name}
        raise failed()
    raise PolicyRefused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid Condition")


def _error(start_response: StartResponse, refused: PolicyRefused) -> list[bytes]:
    details = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in refused.details.items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{refused.code}</Code><Message>{escape(refused.message)}</Message>"
        f"{details}<RequestId>local</RequestId></Error>"
    ).encode()
    phrase = {400: "Bad Request", 403: "Forbidden"}.get(refused.status, "Error")
    start_response(
        f"{refused.status} {phrase}",
        [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
    )
    return [body]


def ensure_bucket(
    endpoint_url: str,
    bucket: str,
    region: str = "us-east-1",
    *,
    cors_rules: list[dict[str, Any]] | None = None,
) -> None:
    """The media bucket, created when missing (moto's state lives as long as the process);
    `cors_rules` (PutBucketCors's CORSRules) replace its CORS configuration."""
    import boto3
    from botocore.config import Config

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        config=Config(s3={"addressing_style": "path"}),
        **DUMMY_CREDENTIALS,
    )
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    if cors_rules is not None:
        s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": cors_rules})
