"""What each notice says: its subject and first lines, in the recipient's language.

Placeholders: ``%(title)s`` (the booking's title), ``%(space)s``, ``%(site)s``, ``%(when)s``
(its day and times at the site), ``%(reason)s``, ``%(until)s`` (a hold's deadline), ``%(company)s``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# notice -> (subject, heading, lead)
NOTICES = {
    "booking.received": (
        _l("Booking received: %(title)s"),
        _l("Your booking is awaiting approval"),
        _l(
            "We have received your booking of %(space)s at %(site)s, %(when)s. The venue's team approves "
            "this space's bookings: you will hear from us as soon as they have."
        ),
    ),
    "booking.confirmed": (
        _l("Booking confirmed: %(title)s"),
        _l("Your booking is confirmed"),
        _l("%(space)s at %(site)s is yours, %(when)s. The invitation attached adds it to your calendar."),
    ),
    "booking.approved": (
        _l("Booking approved: %(title)s"),
        _l("Your booking is approved"),
        _l("The venue's team approved your booking of %(space)s at %(site)s, %(when)s."),
    ),
    "booking.rejected": (
        _l("Booking declined: %(title)s"),
        _l("Your booking could not be accepted"),
        _l("The venue's team could not accept your booking of %(space)s at %(site)s, %(when)s."),
    ),
    "booking.rescheduled": (
        _l("Booking changed: %(title)s"),
        _l("Your booking was changed"),
        _l("Your booking of %(space)s at %(site)s is now %(when)s."),
    ),
    "booking.cancelled": (
        _l("Booking cancelled: %(title)s"),
        _l("Your booking is cancelled"),
        _l("Your booking of %(space)s at %(site)s, %(when)s, is cancelled; the space is free again."),
    ),
    "booking.released": (
        _l("Booking released: %(title)s"),
        _l("Your booking was released"),
        _l(
            "Nobody had checked in to %(space)s at %(site)s after the grace period, %(when)s, so the "
            "space was released for others."
        ),
    ),
    "booking.expired": (
        _l("Hold lapsed: %(title)s"),
        _l("Your hold lapsed"),
        _l(
            "Your hold on %(space)s at %(site)s, %(when)s, was not confirmed in time; the space is free "
            "again. Book it again if it still suits you."
        ),
    ),
    "booking.hold_lapsing": (
        _l("Confirm your hold before %(until)s: %(title)s"),
        _l("Your hold is about to lapse"),
        _l(
            "We are holding %(space)s at %(site)s for you, %(when)s, until %(until)s. Confirm it before "
            "then, or it is given up."
        ),
    ),
    "booking.waitlist_offer": (
        _l("A space you waited for is free: %(title)s"),
        _l("The space you waited for is free"),
        _l(
            "%(space)s at %(site)s has become free, %(when)s. We are holding it for you until %(until)s: "
            "confirm it before then, or it goes to the next in line."
        ),
    ),
    "booking.reminder": (
        _l("Tomorrow: %(title)s"),
        _l("See you tomorrow"),
        _l("A reminder of your booking of %(space)s at %(site)s, %(when)s."),
    ),
    "staff.booking_to_approve": (
        _l("To approve: %(title)s (%(company)s)"),
        _l("A booking awaits your approval"),
        _l("%(company)s asks for %(space)s at %(site)s, %(when)s."),
    ),
}

ALERT_SUBJECT = _l("Alert: %(kind)s, %(space)s at %(site)s")
ALERT_LEAD = _l("%(kind)s in %(space)s at %(site)s since %(when)s.")
ALERT_KINDS = {
    "over_capacity": _l("Over capacity"),
    "sensor_offline": _l("Sensor offline"),
}

CHECKIN_BY_HAND = _l("From 15 minutes before the start, press « Check in » on My bookings, or tell the reception.")
CHECKIN_BY_SENSORS = _l(
    "The room's sensors check you in when you arrive; you can also press « Check in » on My bookings from "
    "15 minutes before the start. With nobody there %(minutes)s minutes after the start, the room may be released."
)

# account and company mails: kind -> (subject, heading, lead, button); placeholders %(company)s,
# %(person)s, %(email)s
ACCOUNT = {
    "verify": (
        _l("Confirm your e-mail address"),
        _l("One step left: confirm your address"),
        _l("You asked for an account for %(company)s. Confirm that this address is yours; the venue's team "
           "then approves your company, and you can book."),
        _l("Confirm my address"),
    ),
    "exists": (
        _l("Your OneXperience account"),
        _l("You already have an account"),
        _l("Someone, probably you, asked for a new account with %(email)s, which has one already. Sign in, "
           "or choose « Forgot your password? » on the sign-in page."),
        _l("Sign in"),
    ),
    "join_request": (
        _l("%(person)s asks to join %(company)s"),
        _l("A colleague asks to join your company"),
        _l("%(person)s (%(email)s) asks to book for %(company)s. If you know them, invite them from the "
           "Colleagues page; otherwise, ignore this e-mail."),
        _l("Open Colleagues"),
    ),
    "reset": (
        _l("Choose a new password"),
        _l("Choose a new password"),
        _l("Someone, probably you, asked to reset the password of %(email)s. The link works once, for "
           "%(minutes)s minutes."),
        _l("Choose a new password"),
    ),
    "invite": (
        _l("%(person)s invites you to book for %(company)s"),
        _l("Join %(company)s on OneXperience"),
        _l("%(person)s invites you to book the OneXperience venues for %(company)s. Choose your password to "
           "accept; the link works for %(days)s days."),
        _l("Accept the invitation"),
    ),
    "staff.company_to_approve": (
        _l("New company to approve: %(company)s"),
        _l("A new company awaits your approval"),
        _l("%(company)s (%(country)s) signed up; %(person)s (%(email)s) confirmed their address. Until you "
           "approve it, its bookings wait."),
        _l("Open the companies"),
    ),
    "company.approved": (
        _l("%(company)s can book"),
        _l("Your company is approved"),
        _l("The venue's team approved %(company)s: your bookings are going ahead and new ones no longer wait."),
        _l("Find a space"),
    ),
}
ACCOUNT_NOTE = _l("If you did not ask for this, you can ignore this e-mail.")
