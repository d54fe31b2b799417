"""Check-in by hand: the booking's people are here."""

from __future__ import annotations

from flask.views import MethodView

from booking.api.bookings import BookingSchema
from booking.api.guard import SIGNED_IN, allow
from booking.auth import require_user
from booking.openapi import Blueprint
from booking.services import checkin

blp = Blueprint("checkin", __name__, url_prefix="/api/v1", description="Check bookings in")


@blp.route("/bookings/<int:booking_id>/check-in")
class BookingCheckIn(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, BookingSchema)
    @blp.alt_response(409, description="Outside the check-in window (from 15 minutes before the start to the end)")
    def post(self, booking_id):
        """Check a booking in by hand (its company or staff); repeating it changes nothing"""
        booking = checkin.check_in(require_user(), booking_id)
        return booking, 200, {"ETag": f'"{booking.version}"'}
