"""Words for the venue's codes (statuses, equipment, layouts), in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from booking.rules import Status

# status -> (label, symbol, css class): the label and symbol carry the meaning, the colour only helps;
# symbols from fonts every Linux desktop has (DejaVu), not emoji
STATUSES = {
    Status.HOLD: (_l("On hold"), "◑", "hold"),
    Status.PENDING: (_l("Awaiting approval"), "◷", "pending"),
    Status.CONFIRMED: (_l("Confirmed"), "✔", "confirmed"),
    Status.CANCELLED: (_l("Cancelled"), "✖", "cancelled"),
    Status.REJECTED: (_l("Rejected"), "⊘", "rejected"),
    Status.RELEASED: (_l("Released (no-show)"), "↩", "released"),
    Status.EXPIRED: (_l("Expired"), "⊗", "expired"),
}

EQUIPMENT = {
    "screen": _l("Screen"),
    "screen-led": _l("LED wall"),
    "projector": _l("Projector"),
    "videoconference": _l("Video conferencing"),
    "whiteboard": _l("Whiteboard"),
    "wifi": _l("Wi-Fi"),
    "sound-system": _l("Sound system"),
    "stage": _l("Stage"),
    "streaming": _l("Live streaming"),
    "cameras-4k": _l("4K cameras"),
    "control-room": _l("Control room"),
    "lighting": _l("Stage lighting"),
    "green-screen": _l("Green screen"),
    "prompter": _l("Teleprompter"),
    "microphones": _l("Microphones"),
    "catering-kitchen": _l("Catering kitchen"),
    "power-outlets": _l("Power outlets"),
}

LAYOUTS = {
    "boardroom": _l("Boardroom"),
    "classroom": _l("Classroom"),
    "theatre": _l("Theatre"),
    "standing": _l("Standing"),
    "studio": _l("Studio"),
    "banquet": _l("Banquet"),
}

OCCUPANCY_STATES = {
    "free": _l("Free"),
    "booked": _l("Booked, empty"),
    "occupied": _l("Occupied"),
    "unknown": _l("No live data"),
    "stale": _l("Sensor silent"),
}


def status_label(status: str) -> str:
    return str(STATUSES.get(status, (status, "", ""))[0])


def equipment_label(code: str) -> str:
    return str(EQUIPMENT.get(code, code))


def layout_label(code: str) -> str:
    return str(LAYOUTS.get(code, code))


# alerts: kind -> label; status -> (label, symbol, css class)
ALERT_KINDS = {
    "over_capacity": _l("Over capacity"),
    "in_use_without_booking": _l("In use without a booking"),
    "no_show": _l("No-show"),
    "sensor_offline": _l("Sensor offline"),
    "overrun": _l("Overrun"),
}
ALERT_STATUSES = {
    "raised": (_l("Raised"), "⚠", "raised"),
    "acknowledged": (_l("Acknowledged"), "◷", "acknowledged"),
    "resolved": (_l("Resolved"), "✔", "resolved"),
}

# sensor health -> (label, symbol, css class)
SENSOR_HEALTH = {
    "healthy": (_l("Online"), "●", "healthy"),
    "stale": (_l("Stale"), "◌", "stale"),
    "offline": (_l("Offline"), "✖", "offline"),
    "missing": (_l("No sensor"), "–", "missing"),
}
SENSOR_KINDS = {"counter": _l("People counter"), "presence": _l("Presence detector")}
WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))
WAIT_STATUSES = {
    "waiting": (_l("Waiting"), "◷"),
    "offered": (_l("Held for you"), "◑"),
    "cancelled": (_l("Left"), "✖"),
    "lapsed": (_l("Time passed"), "⊗"),
}

# a booking's audit trail and its staff actions: action code -> words
BOOKING_ACTIONS = {
    "create": _l("Booked"),
    "confirm": _l("Confirm"),
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "cancel": _l("Cancel"),
    "check-in": _l("Check in"),
    "check_in": _l("Checked in"),
    "reschedule": _l("Moved or changed"),
    "expire": _l("Hold expired"),
    "release": _l("Released (no-show)"),
}
