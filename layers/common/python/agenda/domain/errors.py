"""Typed domain errors. One module (agenda.http) maps them to HTTP answers."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the API answers with its own code."""

    code = "INTERNAL_ERROR"

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        contact: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        # Where a refusal says to contact the professional: the way they published (a link).
        self.contact = contact


class ValidationFailed(DomainError):
    code = "VALIDATION_FAILED"


class Unauthorized(DomainError):
    code = "UNAUTHORIZED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class PlanLimitReached(DomainError):
    code = "PLAN_LIMIT_REACHED"

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit  # which cap refused: "clients" or "appointments"


class NotFound(DomainError):
    code = "NOT_FOUND"


class SlotTaken(DomainError):
    code = "SLOT_TAKEN"


class SlotUnavailable(DomainError):
    code = "SLOT_UNAVAILABLE"


class InvalidTransition(DomainError):
    code = "INVALID_TRANSITION"


class PayloadTooLarge(DomainError):
    code = "PAYLOAD_TOO_LARGE"


class NotImplementedYet(DomainError):
    code = "NOT_IMPLEMENTED"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = max(1, retry_after_seconds)


class ServiceUnavailable(DomainError):
    """A dependency is down. Raised only before anything was written."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after_seconds: int = 5) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
