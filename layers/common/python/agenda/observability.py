"""One logger, one way to emit metrics, and redaction of personal data in every log line.

Metrics are emitted with Powertools' EMF `single_metric`, imported on first use so that a
read-only cold path never pays for it.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

if TYPE_CHECKING:
    from aws_lambda_powertools.logging.types import LogRecord

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "agenda")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Agenda")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{8,}\d")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Keys Powertools fills itself: never personal data, and a timestamp looks like digits.
_SAFE_KEYS = frozenset(
    {
        "level",
        "location",
        "timestamp",
        "service",
        "cold_start",
        "function_name",
        "function_memory_size",
        "function_arn",
        "function_request_id",
        "xray_trace_id",
        "correlation_id",
        "sampling_rate",
    }
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[\w.~+/=-]+")
_SECRET_KEYS = frozenset({"authorization", "token", "password", "secret", "apikey", "api_key"})


def redact(value: Any) -> Any:
    """Mask emails, phone numbers and bearer tokens wherever they appear in a log record."""
    if isinstance(value, str):
        value = _BEARER.sub(r"\1[redacted]", value)
        value = _EMAIL.sub("[email]", value)
        return _PHONE.sub(_mask_phone, value)
    if isinstance(value, dict):
        return {key: _redact_item(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if digits < 10 or _DATE.search(text):
        return text
    return "[phone]"


def _redact_item(key: str, item: Any) -> Any:
    if key in _SAFE_KEYS:
        return item
    if key.lower() in _SECRET_KEYS:
        return "[redacted]"
    return redact(item)


class RedactingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: LogRecord) -> str:
        return super().serialize(redact(log))


logger = Logger(service=SERVICE, logger_formatter=RedactingFormatter())


def count(name: str, value: float = 1, **dimensions: str) -> None:
    """Emit one metric right away (EMF on stdout, which CloudWatch turns into a metric)."""
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name=name, unit=MetricUnit.Count, value=value, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
        for key, dim in dimensions.items():
            metric.add_dimension(name=key, value=dim)


def milliseconds(name: str, value: float) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    with single_metric(
        name=name, unit=MetricUnit.Milliseconds, value=value, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE)
