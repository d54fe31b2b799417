"""Companies, users and API tokens: staff manage them; anyone manages their own tokens."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from booking.api.fields import Line, StrictBoolean
from booking.api.guard import SIGNED_IN, STAFF, allow
from booking.auth import require_staff, require_user
from booking.models import Role
from booking.openapi import Blueprint
from booking.services import accounts

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Companies, users and API tokens")


class OrganisationSchema(Schema):
    slug = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=63), validate.Regexp(accounts.SLUG)],
        metadata={"description": "lowercase letters, digits and dashes; at most 63"},
    )
    name = Line(required=True, min=1, max=200)
    share_titles = StrictBoolean(load_default=False)


class UserIn(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254), metadata={"format": "email"})
    name = Line(load_default="", max=200)
    role = fields.String(load_default=Role.CUSTOMER, validate=validate.OneOf([r.value for r in Role]))
    organisation = fields.String()
    password = fields.String(load_only=True, validate=validate.Length(min=10, max=200))


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    organisation = fields.Function(lambda u: u.organisation.slug if u.organisation else None)


class TokenIn(Schema):
    name = Line(load_default="", max=100)


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    created_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "shown once; send it as Authorization: Bearer <token>"})


@blp.route("/organisations")
class Organisations(MethodView):
    @allow(STAFF)
    @blp.response(200, OrganisationSchema(many=True))
    def get(self):
        """List companies (staff)"""
        return accounts.list_organisations()

    @allow(STAFF)
    @blp.arguments(OrganisationSchema)
    @blp.response(201, OrganisationSchema)
    def post(self, data):
        """Add a company (staff)"""
        return accounts.create_organisation(data["slug"], data["name"], share_titles=data["share_titles"])


@blp.route("/users")
class Users(MethodView):
    @allow(STAFF)
    @blp.response(200, UserSchema(many=True))
    def get(self):
        """List users (staff)"""
        return accounts.list_users()

    @allow(STAFF)
    @blp.arguments(UserIn)
    @blp.response(201, UserSchema)
    def post(self, data):
        """Add a user (staff; only admins add staff)"""
        actor = require_staff()
        return accounts.create_user(actor=actor, **data)


@blp.route("/me")
class Me(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, UserSchema)
    def get(self):
        """Who the token belongs to"""
        return require_user()


@blp.route("/users/<int:user_id>/tokens")
class UserTokens(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, TokenSchema(many=True))
    def get(self, user_id):
        """A user's API tokens (yourself, or anyone for staff)"""
        return accounts.tokens_of(accounts.user_managed_by(require_user(), user_id))

    @allow(SIGNED_IN)
    @blp.arguments(TokenIn, required=False)  # every field has a default: no body is a token named ""
    @blp.response(201, NewTokenSchema)
    def post(self, data, user_id):
        """Create an API token; the token is in this response only"""
        actor = require_user()
        token, record = accounts.create_token(accounts.user_managed_by(actor, user_id), name=data["name"], actor=actor)
        record.token = token
        return record


@blp.route("/tokens/<int:token_id>")
class TokenDetail(MethodView):
    @allow(SIGNED_IN)
    @blp.response(204)
    def delete(self, token_id):
        """Revoke an API token"""
        accounts.revoke_token(token_id, actor=require_user())
