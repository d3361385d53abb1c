"""Stripe's events and their delivery: an event object as Stripe builds it, signed with the
`stripe` library's own Stripe-Signature header and POSTed to a webhook endpoint on 127.0.0.1."""

from __future__ import annotations

import copy
import functools
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from infra.local._http import HOST
from infra.local.stripe.objects import (
    _id,
    _now,
)

_WEBHOOK_TIMEOUT_SECONDS = 10


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header Stripe sends with `payload` signed at `timestamp`."""
    # The client library is heavy: only loaded when the first event is signed.
    import stripe

    header: str = stripe.WebhookSignature.generate_signature_header(
        payload.decode("utf-8"), secret, timestamp
    )
    return header


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxy: webhooks go to 127.0.0.1 whatever the environment says.
_WEBHOOK_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


@functools.cache
def _library_api_version() -> str:
    # The client library is heavy: only loaded when the first event is built.
    import stripe

    return str(stripe.api_version)


def new_event(
    event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The event Stripe sends when `obj` changed (from `previous`, for *.updated)."""
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous is not None:
        data["previous_attributes"] = copy.deepcopy(previous)
    return {
        "id": _id("evt_"),
        "object": "event",
        "api_version": _library_api_version(),
        "created": _now(),
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def post_event(url: str, event: dict[str, Any], *, secret: str, timestamp: int | None) -> int:
    """POSTs `event` to `url` as Stripe does, signed with `secret` at `timestamp` (now by
    default); the HTTP status answered. Errors are returned, not raised; a redirect is not
    followed (Stripe counts it a failure)."""
    target = urlsplit(url)
    if target.scheme != "http" or target.hostname != HOST:
        raise ValueError(f"webhook_url must be http://{HOST}:<port>/...")
    payload = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    signed_at = int(time.time()) if timestamp is None else timestamp
    request = urllib.request.Request(  # noqa: S310 - checked above: http to 127.0.0.1
        url,
        data=payload,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signature_header(payload, secret, signed_at),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "Cache-Control": "no-cache",
        },
    )
    try:
        with _WEBHOOK_OPENER.open(request, timeout=_WEBHOOK_TIMEOUT_SECONDS) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)
