"""The company portal: find a free space with its price, book it, and look after your bookings."""

from __future__ import annotations

from booking.web.nav import page_blueprint

bp = page_blueprint("portal", __name__, url_prefix="/portal")
