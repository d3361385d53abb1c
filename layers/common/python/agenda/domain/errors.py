"""Typed domain errors. One module (agenda.http) maps them to HTTP answers.

A message is written in English where the error is raised; agenda.http answers it in the
language of the professional the refusal concerns when the service knew them (`answered_in`),
else in the one the request's Accept-Language prefers (agenda.domain.error_texts).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID


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
        # The language of the professional the refusal concerns, once a service knows them.
        self.locale: str | None = None


def in_language(error: BaseException, locale: str) -> None:
    """Answer `error` in the professional's language `locale`, unless one is set already."""
    if isinstance(error, DomainError) and error.locale is None:
        error.locale = locale


@contextmanager
def answered_in(locale: str) -> Iterator[None]:
    """Every domain error raised inside is answered in the professional's language."""
    try:
        yield
    except DomainError as error:
        in_language(error, locale)
        raise


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


def known_id(raw: str, missing: str) -> UUID:
    """A path's id as a UUID. One that is not a UUID cannot exist, so it gets the answer of one
    that does not (NotFound with `missing`, the route's own words): the same as another
    caller's, so nothing hints at what exists."""
    try:
        return UUID(raw)
    except ValueError:
        raise NotFound(missing) from None


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


class ScheduleChanged(Exception):
    """The professional's rules, plan or settings changed between the read a booking was
    decided from and its write: nothing was written; decide again from a fresh read. Never
    answered as such."""


class SlugTaken(DomainError):
    """The slug is some other professional's, now or before (a retired slug redirects to its
    owner). ``suggestions``: free slugs near it, answered beside ``fields``."""

    code = "SLUG_TAKEN"

    def __init__(self, message: str, *, suggestions: list[str]) -> None:
        taken = "is already taken"
        if suggestions:
            taken += " (free: " + ", ".join(suggestions) + ")"
        super().__init__(message, fields={"slug": taken})
        self.suggestions = suggestions


class AccountExists(DomainError):
    """The sign-in already has a professional account: one per sign-in, never a second."""

    code = "ACCOUNT_EXISTS"


class ClientProfileNotFound(NotFound):
    """The sign-in has no client account (docs/client-profile.md): none before its first
    claim, none once its deletion began, and a professional's sign-in is not a client's."""

    code = "CLIENT_PROFILE_NOT_FOUND"

    def __init__(self, message: str = "No client profile for this sign-in") -> None:
        super().__init__(message)


class AlreadyClaimed(DomainError):
    """The client row is another sign-in's already: a row has one holder, whoever asks."""

    code = "ALREADY_CLAIMED"


class ContactInUse(DomainError):
    """A new phone or email another client of one of the client's professionals holds: a
    professional has one client per phone, so the change is refused whole."""

    code = "CONTACT_IN_USE"


class ClientExists(DomainError):
    """A client added or changed by hand with a phone or email another client of the same
    professional has: a professional has one client per phone (and per email). ``client_id``
    names the one who has it, answered beside ``fields`` so a page can open them."""

    code = "CLIENT_EXISTS"

    def __init__(self, message: str, *, fields: dict[str, str], client_id: str) -> None:
        super().__init__(message, fields=fields)
        self.client_id = client_id


class ClientAnonymised(DomainError):
    """The client deleted their data: their details are gone and are never written again."""

    code = "CLIENT_ANONYMISED"


class NotReviewable(DomainError):
    """Only a completed session is reviewed."""

    code = "NOT_REVIEWABLE"


class AlreadyReviewed(DomainError):
    """An appointment has one review."""

    code = "ALREADY_REVIEWED"


class AlreadyReplied(DomainError):
    """A review has one reply from its professional."""

    code = "ALREADY_REPLIED"
