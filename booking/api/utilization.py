"""Utilization: booked versus actual minutes per day, as JSON or CSV."""

from __future__ import annotations

import csv
import io

from flask import Response, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from booking.api.fields import Day
from booking.api.guard import SIGNED_IN, allow
from booking.auth import require_user
from booking.openapi import Blueprint
from booking.services import utilization

blp = Blueprint("utilization", __name__, url_prefix="/api/v1", description="Booked versus actual use")


class UtilizationArgs(Schema):
    start = Day(required=True, metadata={"description": "first local day, e.g. 2026-11-23"})
    end = Day(required=True, metadata={"description": "last local day, included"})
    group = fields.String(load_default="space", validate=validate.OneOf(utilization.GROUPS))
    format = fields.String(load_default=None, validate=validate.OneOf(["json", "csv"]))


class UtilizationRow(Schema):
    day = fields.String()
    space = fields.String(metadata={"description": "site/space, with group=space"})
    site = fields.String(metadata={"description": "with group=site"})
    company = fields.String(metadata={"description": "with group=company"})
    bookable_minutes = fields.Integer(allow_none=True, metadata={"description": "opening hours; null for companies"})
    booked_minutes = fields.Integer()
    occupied_minutes = fields.Integer()
    booked_used_minutes = fields.Integer()
    no_shows = fields.Integer()
    peak_count = fields.Integer()


def _wants_csv(args: dict) -> bool:
    if args["format"]:
        return args["format"] == "csv"
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"])
    return best == "text/csv" and request.accept_mimetypes["text/csv"] > request.accept_mimetypes["application/json"]


def _csv(rows: list[dict], group: str) -> Response:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["day", group, *utilization.FIGURES], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    disposition = {"Content-Disposition": "inline; filename=utilization.csv"}
    return Response(out.getvalue(), mimetype="text/csv", headers=disposition)


@blp.route("/utilization")
class Utilization(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(UtilizationArgs, location="query")
    @blp.response(200, UtilizationRow(many=True), content_type="application/json")
    @blp.alt_response(
        200,
        description="The rows, as JSON, or as CSV with Accept: text/csv or format=csv",
        schema={"type": "string", "description": "CSV: a header row, then one row per day and group"},
        content_type="text/csv",
        success=True,
    )
    def get(self, args):
        """Per local day: bookable, booked, occupied and booked-and-used minutes, no-shows, peak count"""
        rows = utilization.report(require_user(), args["start"], args["end"], group=args["group"])
        if _wants_csv(args):
            return _csv(rows, args["group"])
        return rows
