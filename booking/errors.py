"""Domain errors, each carrying the HTTP status and RFC 9457 problem it maps to (once, in the API)."""

from __future__ import annotations

from collections.abc import Iterable

from booking.rules import Problem


class DomainError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, problems: Iterable[Problem] = (), **extra: object):
        super().__init__(detail)
        self.detail = detail
        self.problems = list(problems)
        self.extra = extra


class Invalid(DomainError):
    status = 422
    title = "The request cannot be accepted as it is"

    def __init__(self, problems: Iterable[Problem], detail: str | None = None, **extra: object):
        problems = list(problems)
        detail = detail or "; ".join(f"{p.field}: {p.message}" for p in problems)
        super().__init__(detail, problems=problems, **extra)


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The space is taken, or the booking is not in a state that allows the action."""

    status = 409
    title = "Conflict"


class Unauthorized(DomainError):
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    title = "Not allowed"


class PreconditionFailed(DomainError):
    status = 412
    title = "The booking changed since you read it"


class PreconditionRequired(DomainError):
    status = 428
    title = "If-Match required"
