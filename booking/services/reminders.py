"""Mail that no change triggers: the reminder the day before, and a hold about to lapse.

The scheduler's ``send_reminders`` job calls ``queue_due``; each message's key names the booking,
its start (or the hold's deadline) and the recipient, so running it again, or late, never sends one
twice, while a booking moved to another day is reminded again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import Booking, Space, Status, User
from booking.services import mail, outbox
from booking.services.unit_of_work import unit_of_work

DAY_BEFORE = timedelta(hours=24)
def stop_reminders(user: User) -> None:
    with unit_of_work():
        user.remind_day_before = False


def resume_reminders(user: User) -> None:
    with unit_of_work():
        user.remind_day_before = True


def reminder_due(start: datetime, created_at: datetime, now: datetime) -> bool:
    """Within a day of the start, for a booking made earlier than that (else its confirmation just said it)."""
    return start - DAY_BEFORE <= now < start and created_at <= start - DAY_BEFORE


def _queue(key: str, notice: str, booking: Booking, to: mail.Recipient, now: datetime, **extra) -> bool:
    if db.session.scalar(select(mail.MailMessage.id).where(mail.MailMessage.key == key)) is not None:
        return False
    snapshot = outbox.booking_payload(booking)
    message = mail.booking_message(key, notice, booking, snapshot, to, now=now, stamp=booking.updated_at, **extra)
    if message is None:
        return False
    db.session.add(message)
    return True


def queue_due(now: datetime | None = None) -> dict[str, int]:
    """Write the reminders and hold warnings that are due; the delivery job sends them."""
    with unit_of_work():
        now = now or datetime.now(UTC)
        counts = {"reminders": 0, "lapsing_holds": 0}
        upcoming = db.session.scalars(
            select(Booking)
            .options(joinedload(Booking.space).joinedload(Space.site), joinedload(Booking.created_by))
            .where(Booking.status == Status.CONFIRMED, Booking.start_at > now, Booking.start_at <= now + DAY_BEFORE)
        ).all()
        for booking in upcoming:
            if not reminder_due(booking.start_at, booking.created_at, now):
                continue
            for to in mail.booker_recipients(booking):
                user = db.session.get(User, to.user_id) if to.user_id else None
                if user is not None and not user.remind_day_before:
                    continue
                key = f"reminder/{booking.id}/{booking.start_at.isoformat()}/{to.email}"
                counts["reminders"] += _queue(key, "booking.reminder", booking, to, now, reminded=user)
        warning = timedelta(minutes=current_app.config["MAIL_HOLD_WARNING_MINUTES"])
        lapsing = db.session.scalars(
            select(Booking).where(
                Booking.status == Status.HOLD, Booking.hold_expires_at > now, Booking.hold_expires_at <= now + warning
            )
        ).all()
        for booking in lapsing:
            for to in mail.booker_recipients(booking):
                key = f"hold_lapsing/{booking.id}/{booking.hold_expires_at.isoformat()}/{to.email}"
                until = booking.hold_expires_at
                counts["lapsing_holds"] += _queue(key, "booking.hold_lapsing", booking, to, now, until=until)
    return counts
