"""E-mail from the outbox: events become messages, the scheduler delivers them.

The change and its outbox event are committed together (``services.outbox``); ``fan_out``
then turns each new event into the messages it calls for (``mail.notices``), one per notice and
recipient under a unique ``key``, so the same notice never reaches the same person twice however
often it runs. Mails that are not events (sign-in links, reminders) are queued with ``queue``
in the caller's transaction.

Delivery is at least once: each attempt is counted and the next one scheduled, and committed,
*before* the message is handed to the server; a refusal for good (5xx for the address or the
message) marks it failed, for staff to see; anything else retries with backoff. No web request
ever talks to the mail server.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select

from booking import directions
from booking.clock import utcnow
from booking.extensions import db
from booking.mail import compose, notices, render, transport, wording
from booking.mail.compose import Address, BadAddress
from booking.mail.invitations import BookingInvitation, Person, invitation
from booking.mail.wording import NOTICES
from booking.models import Alert, Booking, MailMessage, MailStatus, OutboxEvent, Role, Space, User
from booking.services import opt_out
from booking.services.batches import DELETE_BATCH, in_batches
from booking.services.unit_of_work import unit_of_work
from booking.services.webhooks import backoff

log = logging.getLogger(__name__)



# --- who hears it ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str = ""
    locale: str = "fr"
    user_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Recipient:
        return cls(user.email, user.name, user.locale or "fr", user.id)


def staff_recipients() -> list[Recipient]:
    """``ONEXP_MAIL_STAFF_TO``, or every active staff member when it is empty."""
    configured = [a.strip() for a in current_app.config["MAIL_STAFF_TO"].split(",") if a.strip()]
    if configured:
        return [Recipient(address) for address in configured]
    staff = db.session.scalars(
        select(User).where(User.active, User.role.in_((Role.STAFF, Role.ADMIN))).order_by(User.id)
    )
    return [Recipient.of(user) for user in staff]


def booker_recipients(booking: Booking) -> list[Recipient]:
    """The person who booked; when staff booked for a company, that company's active people."""
    booker = booking.created_by
    if booker is not None and booker.active and booker.organisation_id == booking.organisation_id:
        return [Recipient.of(booker)]
    members = db.session.scalars(
        select(User).where(User.organisation_id == booking.organisation_id, User.active).order_by(User.id)
    )
    return [Recipient.of(user) for user in members]


# --- writing messages -----------------------------------------------------------------------


def _sender() -> Address:
    return compose.sender_address(current_app.config["MAIL_FROM"])


def _message_id(sender: Address) -> str:
    return f"<{uuid.uuid4().hex}@{sender.domain}>"


def _new_message(
    key: str, kind: str, to: Recipient, subject: str, text: str, html: str, *, now: datetime,
    invite: compose.Invitation | None = None, secret: bool = False,
) -> MailMessage | None:  # fmt: skip
    """A pending message, rendered once so every attempt sends the same bytes (and Message-ID)."""
    sender = _sender()
    try:
        recipient = compose.address(to.email, to.name)
    except BadAddress as exc:
        log.warning("not mailing %s: %s", kind, exc)
        return None
    message_id = _message_id(sender)
    built = compose.build(
        sender=sender, to=recipient, subject=subject, text=text, html=html, message_id=message_id, date=now,
        language=to.locale, invitation=invite,
    )  # fmt: skip
    return MailMessage(
        key=key[:400], kind=kind, recipient=recipient.addr_spec, user_id=to.user_id, locale=to.locale,
        subject=compose.one_line(subject, 300), message_id=message_id, raw=built.as_string(), secret=secret,
        status=MailStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now,
    )  # fmt: skip


def queue(
    key: str, kind: str, to: Recipient, template: str, *, subject: str, secret: bool = False,
    now: datetime | None = None, **context: object,
) -> MailMessage | None:  # fmt: skip
    """Add one message to the caller's transaction (sent once it commits); None if ``key`` was sent already."""
    now = now or utcnow()
    if db.session.scalar(select(MailMessage.id).where(MailMessage.key == key)) is not None:
        return None
    text, html = render.render(template, to.locale, subject=subject, **context)
    message = _new_message(key, kind, to, subject, text, html, now=now, secret=secret)
    if message is not None:
        db.session.add(message)
    return message


def _when(data: dict) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])


def booking_message(
    key: str, notice: str, booking: Booking, snapshot: dict, to: Recipient, *, now: datetime,
    stamp: datetime, reason: str = "", until: datetime | None = None, with_invitation: bool = True,
    reminded: User | None = None,
) -> MailMessage | None:  # fmt: skip
    """A message about ``booking`` as ``snapshot`` (the event's copy of it) describes it.

    ``reminded``: the person a reminder is for, whose message links to stopping them.
    """
    space, site = booking.space, booking.space.site
    start, end = _when(snapshot)
    locale = to.locale
    values = {
        "title": compose.one_line(snapshot.get("title") or booking.title),
        "space": space.name, "site": site.name, "company": booking.organisation.name,
        "when": render.when(start, end, site.timezone, locale),
        "until": render.moment(until, site.timezone, locale) if until else "",
        "reason": reason,
    }  # fmt: skip
    subject_text, heading_text, lead_text = NOTICES[notice]
    subject = render.in_locale(locale, subject_text, **values)
    staff_side = notice.startswith("staff.")
    invite = None
    if with_invitation and not staff_side:
        sender = _sender()
        method, ics = invitation(
            BookingInvitation(
                booking_id=booking.id, status=snapshot.get("status") or booking.status,
                sequence=int(snapshot.get("version") or booking.version), start=start, end=end,
                timezone=site.timezone, summary=values["title"], location=directions.location(space, site),
                description="\n".join(filter(None, (_streaming_description(booking), _directions(site, locale)))),
                organizer=Person(sender.addr_spec, site.name), attendee=Person(to.email, to.name), stamp=stamp,
            )
        )  # fmt: skip
        invite = compose.Invitation(ics, method)
    text, html = render.render(
        "booking", locale, notice=notice, subject=subject, heading=render.in_locale(locale, heading_text, **values),
        lead=render.in_locale(locale, lead_text, **values), facts=values, booking=booking, site=site, space=space,
        status=snapshot.get("status") or booking.status, attendees=snapshot.get("attendees", booking.attendees),
        reason=reason, staff_side=staff_side, bookings_url=render.link("portal.my_bookings"),
        approvals_url=render.link("calendar.approvals"), has_invitation=invite is not None,
        access=directions.access(site, locale) or site.address, map_url=site.map_url,
        checkin=checkin_instructions(space, locale),
        opt_out_url=_opt_out_url(reminded),
    )  # fmt: skip
    return _new_message(key, notice, to, subject, text, html, now=now, invite=invite)


def _directions(site, locale: str) -> str:
    """How to get to the site and its map link, in ``locale``: the invitation's DESCRIPTION."""
    with force_locale(locale):
        return "\n".join(directions.directions(site))


def _streaming_description(booking: Booking) -> str:
    """The invitation's note: where people online follow it (the mail goes to its company and staff only)."""
    return booking.streaming_link or ""


def checkin_instructions(space: Space, locale: str) -> str:
    """How people check in to this space, in ``locale``."""
    if space.manual_checkin or space.profile == "studio":
        return render.in_locale(locale, wording.CHECKIN_BY_HAND)
    return render.in_locale(locale, wording.CHECKIN_BY_SENSORS, minutes=space.checkin_grace_minutes)


def _opt_out_url(user: User | None) -> str:
    if user is None:
        return ""
    return render.link("account.stop_reminders", token=opt_out.opt_out_token(user))


def alert_message(key: str, alert: Alert, to: Recipient, *, now: datetime) -> MailMessage | None:
    """Staff told of an alert that needs someone on site (over capacity, a sensor gone quiet)."""
    space, site = alert.space, alert.space.site
    values = {
        "kind": render.in_locale(to.locale, wording.ALERT_KINDS.get(alert.kind, alert.kind)),
        "space": space.name, "site": site.name, "when": render.moment(alert.raised_at, site.timezone, to.locale),
    }  # fmt: skip
    subject = render.in_locale(to.locale, wording.ALERT_SUBJECT, **values)
    text, html = render.render(
        "alert", to.locale, subject=subject, lead=render.in_locale(to.locale, wording.ALERT_LEAD, **values),
        alert=alert, booking=alert.booking, alerts_url=render.link("staff_alerts.index"),
    )  # fmt: skip
    return _new_message(key, f"alert.{alert.kind}", to, subject, text, html, now=now)


def company_messages(event: OutboxEvent, notice: notices.Notice, now: datetime) -> list[MailMessage]:
    """A company signed up (staff approve it) or was approved (its admins may book)."""
    payload = event.payload or {}
    person = payload.get("person") or {}
    if notice.audience == notices.STAFF:
        recipients, url = staff_recipients(), render.link("signup.companies")
    else:
        admins = db.session.scalars(
            select(User).where(User.organisation_id == event.organisation_id, User.company_admin, User.active)
        )
        recipients, url = [Recipient.of(user) for user in admins], render.link("portal.search")
    subject, heading, lead, button = wording.ACCOUNT[notice.name]
    made = []
    for to in recipients:
        values = {"company": payload.get("name", ""), "country": payload.get("country", ""),
                  "person": person.get("name", ""), "email": person.get("email", "")}  # fmt: skip
        text, html = render.render(
            "account", to.locale, subject=render.in_locale(to.locale, subject, **values),
            heading=render.in_locale(to.locale, heading, **values), lead=render.in_locale(to.locale, lead, **values),
            button=render.in_locale(to.locale, button), url=url, note="",
        )  # fmt: skip
        message = _new_message(f"{event.uid}/{notice.name}/{to.email}", notice.name, to,
                               render.in_locale(to.locale, subject, **values), text, html, now=now)  # fmt: skip
        if message is not None:
            made.append(message)
    return made


def _messages_for_event(event: OutboxEvent, notice: notices.Notice, now: datetime) -> list[MailMessage]:
    payload = event.payload or {}
    if event.kind.startswith("organisation."):
        return company_messages(event, notice, now)
    if notice.name == "staff.alert":
        alert = db.session.get(Alert, payload.get("id"))
        if alert is None:
            return []
        made = [alert_message(f"{event.uid}/{notice.name}/{to.email}", alert, to, now=now) for to in staff_recipients()]
        return [message for message in made if message is not None]
    snapshot = payload.get("booking") or {}
    booking = db.session.get(Booking, snapshot.get("id")) if snapshot.get("id") else None
    if booking is None:
        return []
    recipients = staff_recipients() if notice.audience == notices.STAFF else booker_recipients(booking)
    reason = (payload.get("detail") or {}).get("reason", "")
    until = payload.get("hold_expires_at")
    made = []
    for to in recipients:
        message = booking_message(
            f"{event.uid}/{notice.name}/{to.email}", notice.name, booking, snapshot, to, now=now,
            stamp=event.created_at, reason=reason, until=datetime.fromisoformat(until) if until else None,
        )  # fmt: skip
        if message is not None:
            made.append(message)
    return made


def fan_out(now: datetime | None = None, batch: int = 200) -> int:
    """Turn new outbox events into their messages; each event is looked at once."""
    with unit_of_work():
        now = now or utcnow()
        events = db.session.scalars(
            select(OutboxEvent).where(OutboxEvent.mailed_at.is_(None)).order_by(OutboxEvent.id).limit(batch)
        ).all()
        made: list[MailMessage] = []
        for event in events:
            for notice in notices.for_event(event.kind, event.payload or {}):
                made += _messages_for_event(event, notice, now)
            event.mailed_at = now
        known = set(db.session.scalars(select(MailMessage.key).where(MailMessage.key.in_([m.key for m in made]))))
        for message in made:
            if message.key not in known:
                known.add(message.key)
                db.session.add(message)
    return len(made)


# --- delivery -------------------------------------------------------------------------------


def mail_server() -> transport.MailServer:
    url = current_app.config["MAIL_URL"] or f"maildir://{current_app.instance_path}/mail"
    return transport.MailServer.from_url(url)


def _claim(now: datetime, batch: int) -> list[MailMessage]:
    """Count the attempt and schedule the next before sending: a crash cannot lose a message."""
    with unit_of_work():
        due = db.session.scalars(
            select(MailMessage)
            .where(MailMessage.status == MailStatus.PENDING, MailMessage.next_attempt_at <= now)
            .order_by(MailMessage.next_attempt_at, MailMessage.id)
            .limit(batch)
        ).all()
        base = current_app.config["MAIL_BACKOFF_SECONDS"]
        for message in due:
            message.attempts += 1
            message.next_attempt_at = now + backoff(message.attempts, base)
    return list(due)


def deliver_due(now: datetime | None = None, *, batch: int = 50) -> dict[str, int]:
    """Write new events' messages, then send what is due over one connection; record each outcome."""
    now = now or utcnow()
    config = current_app.config
    counts = {"written": fan_out(now), "sent": 0, "retrying": 0, "failed": 0}
    due = _claim(now, batch)  # its own unit, committed before anything is sent
    if not due:
        return counts
    server = mail_server()
    sender = _sender().addr_spec
    outcomes: dict[int, transport.Outcome | None] = {}
    try:
        connection = transport.connect(server, timeout=config["MAIL_TIMEOUT_SECONDS"], ca_file=config["MAIL_CA_FILE"])
    except transport.ConnectionLost as lost:
        outcomes = {due[0].id: transport.Outcome(False, str(lost))}
        log.warning("mail server %s unavailable: %s", server.label, lost)
    else:
        try:
            for message in due:
                outcomes[message.id] = connection.send(message.raw.encode(), sender, message.recipient)
        except transport.ConnectionLost as lost:
            outcomes[message.id] = transport.Outcome(False, str(lost))
            log.warning("mail server %s went away: %s", server.label, lost)
        finally:
            connection.close()
    with unit_of_work():
        for message in due:
            outcome = outcomes.get(message.id)
            if outcome is None:  # never offered: held back behind a lost connection, the attempt does not count
                message.attempts -= 1
                continue
            message.last_error = outcome.error[:500]
            if outcome.ok:
                message.status, message.sent_at = MailStatus.SENT, now
                if message.secret:
                    message.raw = ""  # the link's token lives on only hashed
                counts["sent"] += 1
            elif outcome.final or message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                message.status = MailStatus.FAILED
                if message.secret:
                    message.raw = ""
                counts["failed"] += 1
                log.warning("mail %s to %s failed for good: %s", message.id, message.recipient, outcome.error)
            else:
                counts["retrying"] += 1
    return counts


def prune(now: datetime, *, keep: timedelta, batch: int = DELETE_BATCH) -> int:
    """Forget messages sent more than ``keep`` ago, a batch per transaction.

    Failed and pending messages stay whatever their age: they are what staff look at (the failed
    list) and what delivery still retries; only a message the server accepted has nothing left to tell.
    """
    cutoff = now - keep
    sent = (MailMessage.status == MailStatus.SENT) & (MailMessage.sent_at < cutoff)

    def one_batch() -> int:
        ids = select(MailMessage.id).where(sent).order_by(MailMessage.id).limit(batch).scalar_subquery()
        return db.session.execute(delete(MailMessage).where(MailMessage.id.in_(ids))).rowcount or 0

    return in_batches(one_batch)


def recent(*, status: str | None = None, limit: int = 100) -> list[MailMessage]:
    """The latest messages, newest first (staff's page): to whom, what, and how delivery went."""
    query = select(MailMessage).order_by(MailMessage.id.desc()).limit(limit)
    if status:
        query = query.where(MailMessage.status == status)
    return list(db.session.scalars(query))
