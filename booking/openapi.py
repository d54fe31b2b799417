"""The API's OpenAPI description of errors: RFC 9457 problems, served as ``application/problem+json``.

flask-smorest documents every error response with its own ``ErrorSchema`` as
``application/json``; ours (``booking/api/problems.py``) are problem documents, so the spec says so.
"""

from __future__ import annotations

import http
import json

import flask_smorest
import marshmallow as ma
from flask import Flask
from flask_smorest import Api
from flask_smorest.spec import openapi_cli
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


# The settings flask-smorest reads while it builds the document (apispec's options, the ETag headers).
SPEC_SETTINGS = ("API_TITLE", "API_VERSION", "OPENAPI_VERSION", "API_SPEC_OPTIONS", "ETAG_DISABLED")


class ProblemApi(Api):
    """flask-smorest's Api, with error responses documented as problem documents.

    The document is built once per process for each set of what it is made from (the settings
    above, the URL converters, the blueprints): an app built again the same way (every test builds
    one) reuses it. Building it walks every view's schemas: two fifths of a create_app's CPU.
    """

    ERROR_SCHEMA = ProblemSchema

    def __init__(self, *args, **kwargs) -> None:
        self._built: dict[tuple, tuple] = {}  # what the document is made from -> (spec, plugins)
        self._reused: tuple | None = None  # set while an app is given an already built document
        super().__init__(*args, **kwargs)

    def init_app_with(self, app: Flask, blueprints: tuple[flask_smorest.Blueprint, ...]) -> None:
        """``init_app`` then ``register_blueprint`` for each, reusing a document built alike."""
        key = _made_from(app, blueprints)
        self._reused = self._built.get(key)
        try:
            self.init_app(app)
            for blueprint in blueprints:
                self.register_blueprint(blueprint)
        finally:
            self._reused = None
        self._built.setdefault(key, (self.spec, self.flask_plugin, self.ma_plugin))

    def _init_spec(self, **kwargs) -> None:
        if self._reused is None:
            super()._init_spec(**kwargs)
            return
        self.spec, self.flask_plugin, self.ma_plugin = self._reused
        self._app.cli.add_command(openapi_cli)  # as the build does

    def register_blueprint(self, blp, *, parameters=None, **options) -> None:
        if self._reused is None:
            super().register_blueprint(blp, parameters=parameters, **options)
            return
        # the app's half of flask-smorest's registration; the document already has the views
        self._app.extensions["flask-smorest"]["blp_name_to_api"][options.get("name", blp.name)] = self
        self._app.register_blueprint(blp, **options)

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


def _made_from(app: Flask, blueprints: tuple) -> tuple:
    settings = json.dumps({name: app.config.get(name) for name in SPEC_SETTINGS}, sort_keys=True, default=repr)
    return settings, tuple(sorted(app.url_map.converters.items())), blueprints


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
