"""Which e-mails an outbox event calls for, and to whom: a pure table, no Flask, no database.

A notice names what a message tells (``booking.confirmed``) and who hears it: ``booker``
(the person who booked, or their company's admins when staff booked for them) or ``staff``
(``ONEXP_MAIL_STAFF_TO``). Holds tell nobody when they are made (the person is on the page);
the scheduler's reminders (the day before, a hold about to lapse) are not events: see
``booking.services.mail``.
"""

from __future__ import annotations

from dataclasses import dataclass

from booking.rules import Status

BOOKER = "booker"
STAFF = "staff"
COMPANY = "company"  # the company's admins
# alert kinds staff are told about by e-mail; the others are for the alerts page
MAILED_ALERTS = ("over_capacity", "sensor_offline")


@dataclass(frozen=True)
class Notice:
    name: str
    audience: str


def _waiting_or_confirmed(status: str | None) -> list[Notice]:
    if status == Status.PENDING:
        return [Notice("booking.received", BOOKER), Notice("staff.booking_to_approve", STAFF)]
    if status == Status.CONFIRMED:
        return [Notice("booking.confirmed", BOOKER)]
    return []


# booking action -> the notice it makes (create and confirm depend on where the booking lands)
_BOOKING_ACTIONS = {
    "approve": "booking.approved",
    "reject": "booking.rejected",
    "cancel": "booking.cancelled",
    "release": "booking.released",
    "expire": "booking.expired",
}


def for_event(kind: str, payload: dict) -> list[Notice]:
    """The notices one outbox event makes; most events make none."""
    family, _, action = kind.partition(".")
    if family == "booking":
        if action in ("create", "confirm"):
            return _waiting_or_confirmed(payload.get("to_status"))
        if action == "reschedule":
            staff = [Notice("staff.booking_to_approve", STAFF)] if payload.get("to_status") == Status.PENDING else []
            return [Notice("booking.rescheduled", BOOKER), *staff]
        if action in _BOOKING_ACTIONS:
            return [Notice(_BOOKING_ACTIONS[action], BOOKER)]
        return []
    if kind == "waitlist.offered":
        return [Notice("booking.waitlist_offer", BOOKER)]
    if kind == "alert.raised" and payload.get("kind") in MAILED_ALERTS:
        return [Notice("staff.alert", STAFF)]
    if kind == "organisation.signed_up":
        return [Notice("staff.company_to_approve", STAFF)]
    if kind == "organisation.approved":
        return [Notice("company.approved", COMPANY)]
    return []
