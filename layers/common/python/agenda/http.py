"""The one place where domain errors become HTTP answers, and JSON bodies are read.

Every error has the contract's shape: {"error": {"code", "message", "fields"?}}. Its words are
in the professional's language or the request's (`answer_language`), named by the answer's
Content-Language; its code and fields' names never change with the language.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from agenda.domain.errors import (
    AccountExists,
    AlreadyClaimed,
    AlreadyReplied,
    AlreadyReviewed,
    ClientAnonymised,
    ClientExists,
    ClientProfileNotFound,
    ContactInUse,
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    NotImplementedYet,
    NotReviewable,
    PayloadTooLarge,
    PlanLimitReached,
    RateLimited,
    ServiceUnavailable,
    SlotTaken,
    SlotUnavailable,
    SlugTaken,
    Unauthorized,
    ValidationFailed,
)
from agenda.domain.language import EN, from_accept_language, language_of
from agenda.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

MAX_BODY_BYTES = 16 * 1024

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    ValidationFailed: 400,
    Unauthorized: 401,
    Forbidden: 403,
    PlanLimitReached: 403,
    NotFound: 404,
    ClientProfileNotFound: 404,
    SlotTaken: 409,
    SlotUnavailable: 409,
    InvalidTransition: 409,
    SlugTaken: 409,
    AccountExists: 409,
    AlreadyClaimed: 409,
    ContactInUse: 409,
    ClientExists: 409,
    ClientAnonymised: 409,
    NotReviewable: 409,
    AlreadyReviewed: 409,
    AlreadyReplied: 409,
    PayloadTooLarge: 413,
    RateLimited: 429,
    NotImplementedYet: 501,
    ServiceUnavailable: 503,
}

JSON = "application/json"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        headers=headers,
    )


def error_body(
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    contact: str | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    if contact:
        error["contact"] = contact
    return {"error": error}


def answer_language(error: DomainError | None, accept_language: str | None) -> str:
    """The language an error is answered in: the professional's, where the service knew them;
    else the first the request's Accept-Language prefers among the two the product writes;
    else English, the words the errors are raised with (a client that states no preference
    accepts any language, RFC 9110 12.5.4)."""
    if error is not None and error.locale is not None:
        return language_of(error.locale)
    return from_accept_language(accept_language) or EN


def _words(message: str, fields: dict[str, str], language: str) -> tuple[str, dict[str, str]]:
    if language == EN:
        return message, fields
    from agenda.domain.error_texts import translate

    return translate(message, language), {
        name: translate(problem, language) for name, problem in fields.items()
    }


def error_response(error: DomainError, accept_language: str | None = None) -> Response:
    # The nearest mapped class: a refinement (an invalid signature is a validation failure)
    # answers as what it refines.
    status = next((STATUS_BY_ERROR[k] for k in type(error).__mro__ if k in STATUS_BY_ERROR), 500)
    language = answer_language(error, accept_language)
    headers: dict[str, str] = {"Content-Language": language}
    if isinstance(error, RateLimited | ServiceUnavailable):
        headers["Retry-After"] = str(error.retry_after_seconds)
    message, fields = _words(error.message, error.fields, language)
    body = error_body(error.code, message, fields, error.contact)
    if isinstance(error, SlugTaken):
        body["error"]["suggestions"] = error.suggestions
    if isinstance(error, ClientExists):
        body["error"]["clientId"] = error.client_id
    return json_response(status, body, headers)


def install_error_handlers(app: APIGatewayHttpResolver, *, quiet: bool = False) -> None:
    """Map typed errors to answers; anything unexpected is a logged 500 with no internals.
    ``quiet``: the unexpected error is logged by its type alone, without its message or
    traceback, for a function whose requests hold what must never reach a log (a private
    note): a database error's message carries the failing row."""

    def accept_language() -> str | None:
        headers = app.current_event.headers or {}
        return headers.get("accept-language") or headers.get("Accept-Language")

    @app.exception_handler(DomainError)
    def _domain(error: DomainError) -> Response:
        return error_response(error, accept_language())

    @app.exception_handler(NotFoundError)
    def _no_route(_: NotFoundError) -> Response:
        return error_response(NotFound("No such route"), accept_language())

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        if quiet:
            logger.error("unhandled error", extra={"error_type": type(error).__name__})
        else:
            logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        language = answer_language(None, accept_language())
        message, _ = _words("Something went wrong on our side", {}, language)
        return json_response(
            500, error_body("INTERNAL_ERROR", message), {"Content-Language": language}
        )


def read_body(body: str | None, *, base64_encoded: bool, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The exact bytes of an API Gateway body (base64-decoded when API Gateway encoded it), or
    the contract's error."""
    if base64_encoded:
        if len(body or "") > (max_bytes * 4) // 3 + 4:
            raise PayloadTooLarge(f"The body must not exceed {max_bytes} bytes")
        try:
            raw = base64.b64decode(body or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationFailed("The body is not valid base64") from exc
    else:
        raw = (body or "").encode("utf-8")
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The body must not exceed {max_bytes} bytes")
    return raw


def read_json_object(
    body: str | None, *, base64_encoded: bool, max_bytes: int = MAX_BODY_BYTES
) -> dict[str, Any]:
    """Decode an API Gateway body into a JSON object, or raise the contract's error."""
    if body is None or body == "":
        raise ValidationFailed("A JSON body is required")
    raw = read_body(body, base64_encoded=base64_encoded, max_bytes=max_bytes)
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed("The body is not valid JSON") from exc
    if not isinstance(parsed, dict):
        raise ValidationFailed("The body must be a JSON object")
    return parsed


def body_of(app: APIGatewayHttpResolver) -> dict[str, Any]:
    """The current request's JSON object body, or the contract's error."""
    event = app.current_event
    return read_json_object(event.body, base64_encoded=bool(event.is_base64_encoded))


def subject(app: APIGatewayHttpResolver) -> str:
    """The verified JWT subject of the request. API Gateway's authorizer has checked the token
    before the function runs; a route without it is a configuration error, answered as 401."""
    authorizer = app.current_event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer is not None else None
    sub = (claims or {}).get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthorized("Sign in to continue")
    return sub


# -- the client's address -------------------------------------------------------------------------

# The header the site distribution adds to every request it sends the API, with the secret
# only it and the functions know (template.yaml, OriginVerifySecret).
ORIGIN_VERIFY_HEADER = "x-origin-verify"
# The viewer's address and port as CloudFront saw them ("198.51.100.7:46532", "2001:db8::7:443").
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"


class _SecretValue(Protocol):
    def value(self) -> str: ...


class EdgeTrust(Protocol):
    """What client_address needs of the settings: the origin-verify secret, None when the API
    is not behind the site's distribution (agenda.settings.EdgeSettings)."""

    @property
    def origin_verify_secret(self) -> _SecretValue | None: ...


def client_address(event: Mapping[str, Any], settings: EdgeTrust) -> str:
    """The address a rate limit keys on: the viewer's, from CloudFront-Viewer-Address, when the
    request came through the site's distribution (its X-Origin-Verify header holds the secret),
    else the request context's source IP. Without the secret's proof the header is anyone's
    word: a caller of the API's own endpoint could name any address and never be limited."""
    source_ip = str(event.get("requestContext", {}).get("http", {}).get("sourceIp", ""))
    secret = settings.origin_verify_secret
    if secret is None:
        return source_ip
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    proof = headers.get(ORIGIN_VERIFY_HEADER)
    if proof is None or not hmac.compare_digest(proof.encode(), secret.value().encode()):
        return source_ip
    viewer = headers.get(VIEWER_ADDRESS_HEADER, "")
    host, _, port = viewer.rpartition(":")
    try:
        return str(ipaddress.ip_address(host)) if port.isdigit() else source_ip
    except ValueError:
        return source_ip
