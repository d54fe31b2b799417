"""The API's OpenAPI description of errors: RFC 9457 problems, served as ``application/problem+json``.

flask-smorest documents every error response with its own ``ErrorSchema`` as
``application/json``; ours (``booking/api/problems.py``) are problem documents, so the spec says so.
"""

from __future__ import annotations

import http

import flask_smorest
import marshmallow as ma
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

PROBLEM_CONTENT_TYPE = "application/problem+json"
CHALLENGE_HEADER = {
    "description": "`Bearer`: send `Authorization: Bearer <token>` (a token from POST /api/v1/users/{id}/tokens)",
    "required": True,
    "schema": {"type": "string", "pattern": "^Bearer( |$)"},
}


class FieldProblemSchema(ma.Schema):
    field = ma.fields.String(metadata={"description": "the request field that is wrong (dotted path)"})
    message = ma.fields.String(metadata={"description": "why, in English"})
    code = ma.fields.String(metadata={"description": "why, as a stable code a program can act on"})
    params = ma.fields.Dict(metadata={"description": "the values the message was made with (a limit, a date)"})


class BusySchema(ma.Schema):
    site = ma.fields.String()
    space = ma.fields.String()
    start = ma.fields.String(metadata={"description": "ISO 8601 in the site's time zone"})
    end = ma.fields.String(metadata={"description": "ISO 8601 in the site's time zone"})
    # a date of a series that cannot be booked or changed so, and why
    date = ma.fields.String(metadata={"description": "series: the local date that cannot be booked or changed"})
    reason = ma.fields.String(metadata={"description": "series: why, in English"})
    problems = ma.fields.List(ma.fields.Nested(FieldProblemSchema), metadata={"description": "series: why, by code"})
    leg = ma.fields.Integer(metadata={"description": "roadshow: the index of the leg that is taken"})


class AlternativeQuoteSchema(ma.Schema):
    excl_vat = ma.fields.String(metadata={"description": "EUR, two decimals"})
    vat = ma.fields.String()
    incl_vat = ma.fields.String()
    vat_rate = ma.fields.String()
    currency = ma.fields.String()
    lines = ma.fields.List(ma.fields.String())


class AlternativeSchema(ma.Schema):
    """A slot the 409 suggests instead of the one taken, as it could be booked now."""

    kind = ma.fields.String(
        metadata={"description": "`other_time`: the same space at another time that day or week; "
                  "`other_space`: another space of the site, at the time asked"}
    )  # fmt: skip
    site = ma.fields.String()
    space = ma.fields.String()
    start = ma.fields.String(metadata={"description": "ISO 8601 in the site's time zone"})
    end = ma.fields.String(metadata={"description": "ISO 8601 in the site's time zone"})
    quote = ma.fields.Nested(AlternativeQuoteSchema)


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem with this API's members: every one the API sends is described here."""

    type = ma.fields.String(metadata={"description": "a URI for the kind of problem; about:blank"})
    title = ma.fields.String(metadata={"description": "a short summary of the kind of problem"})
    status = ma.fields.Integer(metadata={"description": "the HTTP status code"})
    detail = ma.fields.String(metadata={"description": "what went wrong this time"})
    code = ma.fields.String(
        required=True, metadata={"description": "a stable code for the kind of problem (`space_taken`, `invalid`)"}
    )
    params = ma.fields.Dict(metadata={"description": "the values the detail was made with"})
    errors = ma.fields.List(ma.fields.Nested(FieldProblemSchema), metadata={"description": "one entry per field"})
    conflicts = ma.fields.List(
        ma.fields.Nested(BusySchema),
        metadata={"description": "on a 409: when the space is busy, or which dates of a series cannot be so"},
    )
    alternatives = ma.fields.List(
        ma.fields.Nested(AlternativeSchema),
        metadata={"description": "on a 409 `space_taken`: the nearest free times of the space, then other spaces"},
    )
    poll = ma.fields.String(metadata={"description": "on a 503 from a live stream: the address to poll instead"})


class ProblemApi(Api):
    """flask-smorest's Api, with error responses documented as problem documents."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest's own registration, with our schema and content type
        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            if status == 401:
                response["headers"] = {"WWW-Authenticate": CHALLENGE_HEADER}
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in our URLs names a row: at most PostgreSQL's ``integer``, so 2**31 is a 404, not a 500.

    flask-smorest documents the bound (``maximum``) from the converter.
    """

    def __init__(self, map, *args, **kwargs):  # noqa: A002  (werkzeug's name)
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class StrictQueryParser(FlaskParser):
    """A query parameter the operation does not declare is a 422 naming it, like an unknown body
    field: the document lists every parameter, and a misspelt filter (``stauts=hold``) silently
    ignored answered more than the caller asked for."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE}


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: flask-smorest's, reading arguments with the strict parser."""

    ARGUMENTS_PARSER = StrictQueryParser()
