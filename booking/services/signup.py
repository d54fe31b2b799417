"""Companies on their own: sign up, verify the address, wait for staff to approve the company.

Whatever is typed, the person is told the same thing ("check your mailbox"), so the form reveals
neither who has an account nor which companies are customers; the mailbox learns the truth: a
verification link, a note that the address has an account already, or that the company's
administrators were asked. Attempts are limited per client address and per e-mail, counted in
the database (every worker shares the count), since each one sends a mail.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from booking.errors import Conflict, DomainError, Invalid, NotFound
from booking.extensions import db
from booking.mail import compose, render, wording
from booking.models import Booking, CompanyStatus, LinkPurpose, Organisation, Role, SignupAttempt, Status, User
from booking.rules import Problem
from booking.services import links, mail, outbox
from booking.services.unit_of_work import unit_of_work

VERIFY_TTL = timedelta(hours=48)
WINDOW = timedelta(hours=1)
COUNTRY = re.compile(r"^[A-Z]{2}$")
MIN_PASSWORD = 10


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many attempts"
    code = "too_many_attempts"


@dataclass
class SignupRequest:
    email: str
    name: str
    password: str
    locale: str
    company: str  # a new company's name, or the name of the one to join
    join: bool = False
    country: str = ""
    vat_number: str = ""
    billing_address: str = ""


def _problems(req: SignupRequest) -> list[Problem]:
    problems = []
    try:
        compose.address(req.email.strip().lower())
    except compose.BadAddress:
        problems.append(Problem("email", "is not an email address"))
    if not req.name.strip():
        problems.append(Problem("name", "is required"))
    if not req.company.strip():
        problems.append(Problem("company", "is required"))
    if req.locale not in ("fr", "en"):
        problems.append(Problem("locale", "must be fr or en"))
    if not req.join:
        if len(req.password) < MIN_PASSWORD:
            problems.append(Problem("password", f"must be at least {MIN_PASSWORD} characters"))
        if not COUNTRY.match(req.country):
            problems.append(Problem("country", "use the two-letter country code, e.g. FR"))
    return problems


def throttle(kind: str, email: str, address: str, now: datetime) -> None:
    """Refuse past the limit per client address (and per e-mail); else count this attempt."""
    with unit_of_work():
        config = current_app.config
        since = now - WINDOW
        count = select(func.count()).select_from(SignupAttempt)
        count = count.where(SignupAttempt.kind == kind, SignupAttempt.at > since)
        by_address = db.session.scalar(count.where(SignupAttempt.address == address))
        by_email = db.session.scalar(count.where(SignupAttempt.email == email))
        if by_address >= config["SIGNUP_MAX_PER_HOUR"] or by_email >= max(config["SIGNUP_MAX_PER_HOUR"] // 2, 1):
            raise TooManyAttempts("too many attempts from here; try again in an hour")
        db.session.add(SignupAttempt(kind=kind, address=address, email=email, at=now))


def slug_for(name: str) -> str:
    """A free slug from a company's name: « Société Générale » → societe-generale(-2...)."""
    base = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", base).strip("-")[:50] or "company"
    slug, n = base, 1
    while db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def account_mail(kind: str, user_or_to, template_values: dict, *, key: str, now: datetime, secret: bool) -> None:
    to = user_or_to if isinstance(user_or_to, mail.Recipient) else mail.Recipient.of(user_or_to)
    subject, heading, lead, button = wording.ACCOUNT[kind]
    locale = to.locale
    mail.queue(
        key, f"account.{kind}", to, "account", secret=secret, now=now,
        subject=render.in_locale(locale, subject, **template_values),
        heading=render.in_locale(locale, heading, **template_values),
        lead=render.in_locale(locale, lead, **template_values),
        button=render.in_locale(locale, button), url=template_values["url"],
        note=render.in_locale(locale, wording.ACCOUNT_NOTE),
    )  # fmt: skip


def sign_up(req: SignupRequest, *, address: str, now: datetime | None = None) -> None:
    """Act on a sign-up; the caller always says "check your mailbox", whatever happened here."""
    now = now or datetime.now(UTC)
    problems = _problems(req)
    if problems:
        raise Invalid(problems)
    email = req.email.strip().lower()
    throttle("signup", email, address, now)  # its own unit: the attempt counts whatever happens next
    with unit_of_work():
        existing = db.session.scalar(select(User).where(User.email == email))
        if existing is not None:
            url = render.link("login.login")
            account_mail("exists", existing, {"url": url, "email": email}, key=f"exists/{email}/{now.isoformat()}",
                          now=now, secret=False)  # fmt: skip
        elif req.join:
            _ask_to_join(req, email, now)
        else:
            _new_company(req, email, now)


def _new_company(req: SignupRequest, email: str, now: datetime) -> None:
    company = Organisation(
        slug=slug_for(req.company), name=compose.one_line(req.company), status=CompanyStatus.PENDING,
        country=req.country, vat_number=compose.one_line(req.vat_number, 40),
        billing_address=req.billing_address.strip()[:500], created_at=now,
    )  # fmt: skip
    user = User(
        email=email, name=compose.one_line(req.name), role=Role.CUSTOMER, organisation=company,
        password_hash=generate_password_hash(req.password), locale=req.locale, company_admin=True,
        email_verified_at=None, created_at=now,
    )  # fmt: skip
    db.session.add_all([company, user])
    token = links.issue(user, LinkPurpose.VERIFY, VERIFY_TTL, now=now)
    url = render.link("signup.verify", token=token)
    account_mail("verify", user, {"url": url, "company": company.name}, key=f"verify/{token[:16]}", now=now,
                  secret=True)  # fmt: skip


def _ask_to_join(req: SignupRequest, email: str, now: datetime) -> None:
    """Tell the company's administrators that someone asks to join; they invite them if they agree."""
    company = db.session.scalar(
        select(Organisation).where(
            func.lower(Organisation.name) == req.company.strip().lower(), Organisation.status == CompanyStatus.ACTIVE
        )
    )
    if company is None:
        return  # nobody to ask; the person is told the same as when there is
    admins = db.session.scalars(
        select(User).where(User.organisation_id == company.id, User.company_admin, User.active)
    ).all()
    for admin in admins:
        values = {"url": render.link("colleagues.index"), "person": compose.one_line(req.name), "email": email,
                  "company": company.name}  # fmt: skip
        account_mail("join_request", admin, values, key=f"join/{company.id}/{email}/{admin.id}/{now.date()}",
                      now=now, secret=False)  # fmt: skip


def verify(token: str, *, now: datetime | None = None) -> User | None:
    """Follow a verification link: the address is the person's; staff now hear of their new company."""
    now = now or datetime.now(UTC)
    with unit_of_work():
        link = links.find(token, LinkPurpose.VERIFY, now=now)
        if link is None or not links.use(link, now=now):  # dead, or spent a moment ago: nothing written
            return None
        user = link.user
        user.email_verified_at = now
        company = user.organisation
        if company is not None and company.status == CompanyStatus.PENDING:
            payload = company_payload(company, user)
            outbox.emit("organisation.signed_up", payload, organisation_id=company.id, now=now)
    return user


def company_payload(company: Organisation, person: User | None = None) -> dict:
    payload = {
        "slug": company.slug, "name": company.name, "status": company.status, "country": company.country,
        "vat_number": company.vat_number, "billing_address": company.billing_address,
    }  # fmt: skip
    if person is not None:
        payload["person"] = {"name": person.name, "email": person.email}
    return payload


def pending_companies() -> list[Organisation]:
    """Companies waiting for staff, oldest first, once someone verified their address."""
    verified = select(User.organisation_id).where(User.email_verified_at.is_not(None))
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.status == CompanyStatus.PENDING, Organisation.id.in_(verified))
            .order_by(Organisation.created_at)
        )
    )


def _company(slug: str) -> Organisation:
    company = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if company is None:
        raise NotFound(f"no company {slug}")
    return company


def decide(actor: User, slug: str, approve: bool, *, now: datetime | None = None) -> Organisation:
    """Staff approve a company (its waiting bookings go ahead where the space allows) or decline it."""
    with unit_of_work():
        from booking.services import bookings  # imported here: bookings reads companies' status

        now = now or datetime.now(UTC)
        company = _company(slug)
        if company.status != CompanyStatus.PENDING:
            raise Conflict(f"{company.name} is {company.status} already")
        company.status = CompanyStatus.ACTIVE if approve else CompanyStatus.DECLINED
        outbox.emit(f"organisation.{'approved' if approve else 'declined'}", company_payload(company),
                    organisation_id=company.id, now=now)  # fmt: skip
    waiting = db.session.scalars(
        select(Booking).where(Booking.organisation_id == company.id, Booking.status == Status.PENDING)
    ).all()
    for booking in waiting:
        if approve and booking.space.requires_approval:
            continue  # the space's own approval is still to come
        bookings.transition(actor, booking.id, "approve" if approve else "reject", now=now)
    return company
