"""The Stripe stand-in's vocabulary: configured prices, errors in Stripe's shape, the
shapes of its objects, and the readers of form-encoded params."""

from __future__ import annotations

import calendar
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

INTERVALS = frozenset({"day", "week", "month", "year"})
SUBSCRIPTION_STATUSES = frozenset(
    {"active", "past_due", "unpaid", "trialing", "incomplete", "incomplete_expired", "paused"}
)
_CHECKOUT_MIN_LIFETIME = 30 * 60
_CHECKOUT_MAX_LIFETIME = 24 * 60 * 60
_TRIAL_MIN_NOTICE = 48 * 60 * 60
_WEBHOOK_TIMEOUT_SECONDS = 10
_METADATA_MAX_KEYS, _METADATA_MAX_KEY, _METADATA_MAX_VALUE = 50, 40, 500
_REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
_CURRENCY = re.compile(r"[a-z]{3}")
_PAGE_ID = r"([A-Za-z0-9_]+)"


@dataclass(frozen=True)
class Price:
    """A price configured in the local account; its id is its key in `prices`. A
    recurring_interval of None makes a one-time price."""

    unit_amount: int
    currency: str
    recurring_interval: str | None = "month"

    def __post_init__(self) -> None:
        if self.unit_amount < 0:
            raise ValueError("unit_amount must not be negative")
        if not _CURRENCY.fullmatch(self.currency):
            raise ValueError("currency must be a lowercase ISO code such as 'brl'")
        if self.recurring_interval is not None and self.recurring_interval not in INTERVALS:
            raise ValueError(f"recurring_interval must be one of {sorted(INTERVALS)} or None")


@dataclass(frozen=True)
class ReceivedRequest:
    """An API request as received: params decoded from the form body (POST) or the query."""

    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    stripe_version: str | None


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error: dict[str, Any] = {"type": error_type, "message": message}
        if code is not None:
            self.error["code"] = code
            self.error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param is not None:
            self.error["param"] = param
        self.error.update(extra or {})


def _missing(param: str) -> _ApiError:
    return _ApiError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def _invalid(param: str, message: str, code: str = "parameter_invalid") -> _ApiError:
    return _ApiError(400, message, code=code, param=param)


def _no_such(kind: str, object_id: str, *, param: str, status: int = 400) -> _ApiError:
    return _ApiError(status, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


def _fault(status: int) -> _ApiError:
    if status >= 500:
        return _ApiError(status, "An unknown error occurred (simulated).", error_type="api_error")
    if status == 401:
        return _ApiError(status, "Invalid API Key provided (simulated).")
    if status == 402:
        return _ApiError(
            status,
            "Your card was declined (simulated).",
            error_type="card_error",
            code="card_declined",
            extra={"decline_code": "generic_decline"},
        )
    if status == 429:
        return _ApiError(status, "Request rate limit exceeded (simulated).", code="rate_limit")
    if status == 409:
        return _ApiError(status, "The object is locked (simulated).", code="lock_timeout")
    return _ApiError(status, "The request failed (simulated).")


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class _Saved:
    """What an idempotency key was first used for, and the answer it got."""

    method: str
    path: str
    params: dict[str, Any]
    answer: _Answer


@dataclass
class _CheckoutPlan:
    """What a Checkout Session will create when paid: Stripe keeps these out of the session."""

    line_items: list[dict[str, Any]]
    subscription_metadata: dict[str, str] = field(default_factory=dict)
    trial_end: int | None = None
    trial_period_days: int | None = None
    payment_intent_metadata: dict[str, str] = field(default_factory=dict)


Route = tuple[str, re.Pattern[str], Callable[..., dict[str, Any]]]


def _now() -> int:
    return int(time.time())


def _id(prefix: str, size: int = 12) -> str:
    return prefix + secrets.token_hex(size)


def _masked(key: str) -> str:
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def _list(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}


def _price_object(
    price_id: str, *, unit_amount: int, currency: str, interval: str | None, product: str
) -> dict[str, Any]:
    return {
        "id": price_id,
        "object": "price",
        "active": True,
        "currency": currency,
        "livemode": False,
        "product": product,
        "recurring": None
        if interval is None
        else {"interval": interval, "interval_count": 1, "usage_type": "licensed"},
        "type": "one_time" if interval is None else "recurring",
        "unit_amount": unit_amount,
    }


def _inline_price(data: Any, name: str) -> tuple[dict[str, Any], str]:
    """A `price_data` entry as the price object Stripe creates for it, and its description."""
    if not isinstance(data, dict):
        raise _invalid(name, "Invalid object")
    currency = _required_string(data, "currency", param=f"{name}[currency]").lower()
    if not _CURRENCY.fullmatch(currency):
        raise _invalid(f"{name}[currency]", f"Invalid currency: {currency}")
    unit_amount = _integer(data, "unit_amount", param=f"{name}[unit_amount]")
    if unit_amount is None:
        raise _missing(f"{name}[unit_amount]")
    if unit_amount < 0:
        raise _invalid(f"{name}[unit_amount]", "Invalid non-negative integer")
    product = _string(data, "product", param=f"{name}[product]")
    product_data = data.get("product_data")
    if product is None:
        if not isinstance(product_data, dict):
            raise _missing(f"{name}[product_data]")
        description = _required_string(product_data, "name", param=f"{name}[product_data][name]")
        product = _id("prod_")
    else:
        description = product
    interval = None
    if "recurring" in data:
        recurring = data["recurring"]
        if not isinstance(recurring, dict):
            raise _invalid(f"{name}[recurring]", "Invalid object")
        interval = _required_string(recurring, "interval", param=f"{name}[recurring][interval]")
        if interval not in INTERVALS:
            raise _invalid(f"{name}[recurring][interval]", f"Invalid interval: {interval}")
    price = _price_object(
        _id("price_"),
        unit_amount=unit_amount,
        currency=currency,
        interval=interval,
        product=product,
    )
    return price, description


def _string(params: Mapping[str, Any], key: str, *, param: str | None = None) -> str | None:
    """A string param, None when absent ("" counts as absent: Stripe reads it as unset)."""
    value = params.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _invalid(param or key, "Invalid string")
    return value


def _required_string(params: Mapping[str, Any], key: str, *, param: str | None = None) -> str:
    value = _string(params, key, param=param)
    if value is None:
        raise _missing(param or key)
    return value


def _integer(params: Mapping[str, Any], key: str, *, param: str | None = None) -> int | None:
    value = _string(params, key, param=param)
    if value is None:
        return None
    if not re.fullmatch(r"-?\d{1,18}", value):
        raise _invalid(param or key, f"Invalid integer: {value}", code="parameter_invalid_integer")
    return int(value)


def _metadata(raw: Any, param: str) -> dict[str, str]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, list):  # keys "0".."n-1" decode as a list
        raw = {str(i): v for i, v in enumerate(raw)}
    if not isinstance(raw, dict):
        raise _invalid(param, "Invalid object")
    metadata = {}
    for key, value in raw.items():
        if not isinstance(value, str):
            raise _invalid(f"{param}[{key}]", "Invalid string")
        if len(key) > _METADATA_MAX_KEY:
            raise _invalid(
                f"{param}[{key}]", f"Metadata keys can be at most {_METADATA_MAX_KEY} characters."
            )
        if len(value) > _METADATA_MAX_VALUE:
            raise _invalid(
                f"{param}[{key}]",
                f"Metadata values can be at most {_METADATA_MAX_VALUE} characters.",
            )
        if value:
            metadata[key] = value
    if len(metadata) > _METADATA_MAX_KEYS:
        raise _invalid(param, f"Metadata can have at most {_METADATA_MAX_KEYS} keys.")
    return metadata


def _succeed(intent: dict[str, Any]) -> None:
    intent.update(amount_received=intent["amount"], latest_charge=_id("ch_"), status="succeeded")


def _mark_paid(invoice: dict[str, Any], now: int) -> None:
    invoice.update(amount_paid=invoice["amount_due"], amount_remaining=0, status="paid")
    invoice["status_transitions"]["paid_at"] = now


def _add_interval(timestamp: int, interval: str) -> int:
    if interval == "day":
        return timestamp + 86_400
    if interval == "week":
        return timestamp + 7 * 86_400
    moment = datetime.fromtimestamp(timestamp, UTC)
    months = moment.month - 1 + (1 if interval == "month" else 12)
    year, month = moment.year + months // 12, months % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())


def _json_answer(status: int, payload: Any, headers: dict[str, str]) -> _Answer:
    return _Answer(status, json.dumps(payload, indent=2).encode(), dict(headers))


def _error_answer(error: _ApiError, headers: dict[str, str]) -> _Answer:
    return _json_answer(error.status, {"error": error.error}, headers)
