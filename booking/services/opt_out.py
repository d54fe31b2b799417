"""The signed "no more reminders" link: who it is for, without a lookup table or a login."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from booking.extensions import db
from booking.models import User

OPT_OUT_SALT = "onexp.reminders-off"


def opt_out_token(user: User) -> str:
    """What the reminder's "no more reminders" link carries: the person, signed."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT).dumps(user.id)


def user_for_opt_out(token: str) -> User | None:
    try:
        user_id = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OPT_OUT_SALT).loads(token)
    except BadSignature:
        return None
    return db.session.get(User, user_id) if isinstance(user_id, int) else None
