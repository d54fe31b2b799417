"""Domain errors, each carrying the HTTP status and RFC 9457 problem it maps to (once, in the API).

Every error has a stable ``code`` (a class default, or a finer one where a page or a client
tells cases apart) and the ``params`` it was raised with; ``detail`` is the English sentence
the API shows. Pages say it again in the reader's language by code (booking/web/messages.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from booking.rules import Problem


class DomainError(Exception):
    status = 400
    title = "Bad request"
    code = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        params: Mapping[str, object] | None = None,
        problems: Iterable[Problem] = (),
        **extra: object,
    ):
        super().__init__(detail)
        self.detail = detail
        self.code = code or type(self).code
        self.params = dict(params or {})
        self.problems = list(problems)
        self.extra = extra


class Invalid(DomainError):
    status = 422
    title = "The request cannot be accepted as it is"
    code = "invalid"

    def __init__(self, problems: Iterable[Problem], detail: str | None = None, **extra: object):
        problems = list(problems)
        detail = detail or "; ".join(f"{p.field}: {p.message}" for p in problems)
        super().__init__(detail, problems=problems, **extra)


class NotFound(DomainError):
    status = 404
    title = "Not found"
    code = "not_found"


class Conflict(DomainError):
    """The space is taken, or the booking is not in a state that allows the action."""

    status = 409
    title = "Conflict"
    code = "conflict"


class Unauthorized(DomainError):
    status = 401
    title = "Authentication required"
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    title = "Not allowed"
    code = "forbidden"


class PreconditionFailed(DomainError):
    status = 412
    title = "The booking changed since you read it"
    code = "changed_since_read"


class PreconditionRequired(DomainError):
    status = 428
    title = "If-Match required"
    code = "if_match_required"
