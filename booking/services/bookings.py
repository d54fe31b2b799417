"""What happens when a company books: one booking, a series, a roadshow, and every change after.

Application checks here give the caller a precise 409; the database's exclusion
constraint (PostgreSQL) or write lock (SQLite) is what makes a double booking impossible.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from booking import access, pricing, recurrence, rules
from booking.clock import utcnow
from booking.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from booking.extensions import db
from booking.infra import dbtypes
from booking.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingEvent,
    BookingGroup,
    CompanyStatus,
    Organisation,
    Space,
    Status,
    User,
)
from booking.rules import Problem
from booking.services import catalog, extras, signals, suggestions
from booking.services.accounts import get_organisation
from booking.services.busy import overlapping
from booking.services.races import retried_on_race
from booking.services.unit_of_work import after_commit, unit_of_work


@dataclass
class BookingRequest:
    """One space for one time: the plain values a booking is made of."""

    site: str
    space: str
    start: datetime
    end: datetime
    title: str
    attendees: int
    layout: str | None = None
    notes: str = ""
    services: tuple[tuple[str, int], ...] = ()  # (item slug, quantity)
    online_attendees: int = 0
    streaming_link: str | None = None


@dataclass
class Skipped:
    """An occurrence of a series that was not booked, and why."""

    date: date
    start: datetime
    end: datetime
    problems: list[Problem]

    @property
    def reason(self) -> str:
        """The problems in one English sentence, as the API has always said them."""
        return "; ".join(p.message if p.code == TAKEN else f"{p.field}: {p.message}" for p in self.problems)


TAKEN = "taken"
ALREADY_BOOKED = Problem("start", "already booked", TAKEN)  # why a date of a series was skipped


@dataclass
class SeriesResult:
    group: BookingGroup
    bookings: list[Booking]
    skipped: list[Skipped] = field(default_factory=list)



# --- reading ------------------------------------------------------------------------------


def get_booking(actor: User, booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    # another company's booking is "not found", not "forbidden": its existence is private
    if booking is None or not access.may_see(actor, booking.organisation_id):
        raise NotFound(f"no booking {booking_id}", params={"booking": booking_id})
    return booking


def list_bookings(
    actor: User,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    site: str | None = None,
    status: str | None = None,
    organisation: str | None = None,
    limit: int = 200,
) -> list[Booking]:
    """The bookings the actor may see in full, soonest first."""
    query = select(Booking).options(joinedload(Booking.space).joinedload(Space.site), selectinload(Booking.services))
    query = access.visible(query, Booking.organisation_id, actor)
    if actor.is_staff and organisation:
        query = query.join(Organisation).where(Organisation.slug == organisation)
    if site:
        query = query.where(Booking.space_id.in_(select(Space.id).where(Space.site_id == catalog.get_site(site).id)))
    if start:
        query = query.where(*Booking.ends_after(start))
    if end:
        query = query.where(Booking.start_at < end)
    if status:
        query = query.where(Booking.status == status)
    return list(db.session.scalars(query.order_by(Booking.start_at, Booking.id).limit(limit)))


def site_calendar(site_slug: str, start: datetime, end: datetime) -> list[Booking]:
    """Active bookings of a site overlapping [start, end); callers mask what a company may not see."""
    site = catalog.get_site(site_slug)
    query = (
        select(Booking)
        # each space and company once (selectin), not repeated, JSON columns and all, on every booking row
        .options(selectinload(Booking.space), selectinload(Booking.organisation))
        .join(Space)
        .where(
            Space.site_id == site.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.block_start < end,
            *Booking.block_ends_after(start),
        )
        .order_by(Booking.start_at)
    )
    return list(db.session.scalars(query))


# --- conflicts ------------------------------------------------------------------------------


def _expire_stale_holds(bookings: list[Booking], now: datetime) -> list[Booking]:
    """Expire holds past their TTL that the scheduler has not reached yet; return the rest."""
    live = []
    for booking in bookings:
        if rules.hold_lapsed(booking.status, booking.hold_expires_at, now):
            expired_at = booking.hold_expires_at.isoformat()
            record_change(booking, None, "expire", Status.EXPIRED, detail={"expired_at": expired_at})
        else:
            live.append(booking)
    return live


def _busy(space: Space, bookings: list[Booking]) -> list[dict]:
    """What a conflict may reveal about other bookings: when the space is busy, nothing more."""
    tz = ZoneInfo(space.site.timezone)
    return [
        {
            "site": space.site.slug,
            "space": space.slug,
            "start": b.block_start.astimezone(tz).isoformat(),
            "end": b.block_end.astimezone(tz).isoformat(),
        }
        for b in bookings
    ]


def _stop(index: int, leg: BookingRequest, space: Space) -> dict:
    """A roadshow's stop as a reader finds it on the form: its number, its space and its times at the site."""
    tz = ZoneInfo(space.site.timezone)
    return {
        "stop": index + 1, "site": space.site.slug, "space": space.slug,
        "start": leg.start.astimezone(tz).isoformat(), "end": leg.end.astimezone(tz).isoformat(),
    }  # fmt: skip


def _taken_conflict(space: Space, in_the_way: list[Booking]) -> Conflict:
    where = {"site": space.site.slug, "space": space.slug}
    return Conflict(
        f"{where['site']}/{where['space']} is already booked then", code="space_taken", params=where,
        conflicts=_busy(space, in_the_way),
    )  # fmt: skip


def _wrong_status(action: str, status: str) -> Conflict:
    return Conflict(
        f"cannot {action} a booking that is {status}", code="wrong_status", params={"action": action, "status": status}
    )


def is_overlap_violation(exc: IntegrityError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "23P01"  # exclusion_violation


def _insert(booking: Booking, space: Space, *, savepoint: bool = True) -> None:
    """Insert, turning the database's overlap refusal into a 409.

    Inside a savepoint, so a series or roadshow can carry on after one refusal; a single
    booking needs none, since a refusal ends its transaction anyway.
    """
    where = f"{space.site.slug}/{space.slug}"  # read now: a failed flush without savepoint expires it
    try:
        with db.session.begin_nested() if savepoint else contextlib.nullcontext():
            db.session.add(booking)
            db.session.flush()
    except IntegrityError as exc:
        if not is_overlap_violation(exc):
            raise
        raise Conflict(
            f"{where} was booked for that time by someone else a moment ago", code="taken_a_moment_ago", conflicts=[]
        ) from None


# --- writing -------------------------------------------------------------------------------


def record_change(
    booking: Booking, actor: User | None, action: str, to_status: str | None, *, detail: dict | None = None
) -> None:
    """Apply a status change and record it in the audit trail."""
    from_status = None if action == "create" else booking.status
    if to_status is not None:
        booking.status = to_status
    event = BookingEvent(
        booking=booking,
        actor_id=actor.id if actor else None,
        action=action,
        from_status=from_status,
        to_status=booking.status,
        detail=detail or {},
    )
    # A new booking's event rides in with it (booking.events) when _insert adds it inside
    # its savepoint; adding it here would make the booking pending already, and
    # begin_nested() flushes pending rows *before* the SAVEPOINT, so an overlap refused by
    # the database would poison the whole transaction (a 500 instead of a 409).
    if booking in db.session:
        db.session.add(event)


def fee_if_cancelled(booking: Booking, now: datetime) -> Decimal:
    """What cancelling ``booking`` at ``now`` would cost by its space's terms (excl. VAT); writes nothing."""
    return pricing.cancellation_fee(extras.booking_quote(booking).cancellation, now)


def charge_cancellation(booking: Booking, now: datetime) -> dict:
    """Record what cancelling ``booking`` at ``now`` costs by its space's terms; the audit detail to add."""
    booking.cancellation_fee = fee_if_cancelled(booking, now)
    return {"fee": f"{booking.cancellation_fee:.2f}"} if booking.cancellation_fee else {}


def needs_approval(space: Space, organisation: Organisation) -> bool:
    """Staff approve this booking: the space asks for it, or the company signed up and awaits approval."""
    return space.requires_approval or organisation.status != CompanyStatus.ACTIVE


def policy_for(space: Space, organisation: Organisation) -> rules.SpacePolicy:
    """The space's rules as they apply to this company: all its bookings need approval until it is approved."""
    policy = catalog.policy_of(space)
    if needs_approval(space, organisation) and not policy.requires_approval:
        return dataclasses.replace(policy, requires_approval=True)
    return policy


def organisation_for(actor: User, slug: str | None) -> Organisation:
    if actor.is_staff:
        if slug:
            return get_organisation(slug)
        if actor.organisation is not None:
            return actor.organisation
        message = "staff book on behalf of an organisation: name it"
        raise Invalid([Problem("organisation", message, "name_organisation")])
    if slug and slug != actor.organisation.slug:
        raise Forbidden("a company books for itself only", code="books_for_itself")
    return actor.organisation


def _new_booking(
    actor: User, organisation: Organisation, space: Space, req: BookingRequest, plan: rules.BookingPlan,
    start: datetime, end: datetime, *, group: BookingGroup | None = None, chosen: extras.Chosen = (),
) -> Booking:  # fmt: skip
    """The booking a plan describes, with its audit row; not yet in the session (see _insert)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # as the database hands it back
    if group is not None and group.id is None:
        db.session.flush()  # the group's id: by id, so the booking stays out of the session until _insert
    booking = Booking(
        space=space, organisation=organisation, created_by_id=actor.id, group_id=group.id if group else None,
        title=req.title, attendees=req.attendees, layout=req.layout, notes=req.notes,
        start_at=start, end_at=end, block_start=plan.block[0], block_end=plan.block[1],
        status=plan.status, hold_expires_at=plan.hold_expires_at, price_excl_vat=plan.quote.excl_vat,
        checked_in_at=None, online_attendees=req.online_attendees, streaming_link=req.streaming_link,
    )  # fmt: skip
    detail = {"start": start.isoformat(), "end": end.isoformat()}
    if actor.organisation_id != organisation.id:  # staff booked on the company's behalf: the trail says for whom
        detail["on_behalf_of"] = organisation.slug
    extras.attach(booking, list(chosen))
    if chosen:
        detail["services"] = [{"item": item.slug, "quantity": qty} for item, qty in chosen]
    if req.online_attendees:
        detail["online_attendees"] = req.online_attendees
    record_change(booking, actor, "create", None, detail=detail)
    return booking


def _plan(
    policy: rules.SpacePolicy, req: BookingRequest, start: datetime, end: datetime, now: datetime,
    *, hold: bool = False,
) -> rules.BookingPlan:  # fmt: skip
    ttl = timedelta(minutes=current_app.config["HOLD_TTL_MINUTES"])
    return rules.plan_booking(
        policy, start, end, req.attendees, now=now, layout=req.layout, hold=hold, hold_ttl=ttl
    )


def _prefixed(problems: tuple[Problem, ...], prefix: str) -> list[Problem]:
    return [p.under(prefix) for p in problems]


def taken(space: Space, block: tuple[datetime, datetime], now: datetime, exclude: int | None = None) -> list[Booking]:
    """The active bookings in the way of ``block``; lapsed holds found there are expired on the way."""
    return _expire_stale_holds(overlapping(space.id, *block, exclude=exclude), now)


@retried_on_race
def book(
    actor: User,
    req: BookingRequest,
    *,
    hold: bool = False,
    organisation: str | None = None,
    now: datetime | None = None,
    suggest: bool = False,
) -> Booking:
    """Book one space for one time, as a hold, pending approval, or confirmed.

    ``suggest``: a taken slot's 409 names the nearest alternatives (for a person choosing again;
    the waitlist and the door displays have no use for them).
    """
    now = now or utcnow()
    org = None
    try:
        with unit_of_work(keep_loaded=True):  # shown back at once
            space = catalog.get_space(req.site, req.space, as_field=True)
            org = organisation_for(actor, organisation)
            plan = _plan(policy_for(space, org), req, req.start, req.end, now, hold=hold)
            chosen, service_problems = extras.choose(space, req.services, online_attendees=req.online_attendees)
            if plan.problems or service_problems:
                raise Invalid([*plan.problems, *service_problems])
            in_the_way = taken(space, plan.block, now)  # also expires lapsed holds
            if in_the_way:
                raise _taken_conflict(space, in_the_way)
            extras.lock_kits([chosen])
            extras.check_stock(space, plan.block, chosen, now)
            booking = _new_booking(actor, org, space, req, plan, req.start, req.end, chosen=chosen)
            _insert(booking, space, savepoint=False)
    except Conflict as conflict:
        if suggest and conflict.code == "space_taken":
            conflict.extra["alternatives"] = _alternatives(org, req, now)
        raise
    return booking


def _alternatives(org: Organisation, req: BookingRequest, now: datetime) -> list[dict]:
    """What the 409 suggests instead, read once the unit let the write lock go (SQLite takes it at BEGIN)."""
    with dbtypes.read_only():
        space = catalog.get_space(req.site, req.space)
        found = suggestions.nearest(
            space, req.start, req.end, req.attendees, layout=req.layout, now=now,
            policy_of=lambda other: policy_for(other, org),
        )  # fmt: skip
        answer = suggestions.as_json(found, space.site.timezone)
        db.session.rollback()  # the reads' transaction: nothing to keep
    return answer


@retried_on_race
def book_series(
    actor: User, req: BookingRequest, rrule: str, *, skip_conflicts: bool = False,
    hold: bool = False, organisation: str | None = None, now: datetime | None = None,
) -> SeriesResult:  # fmt: skip
    """Book every occurrence of an RRULE; all or nothing unless ``skip_conflicts``."""
    now = now or utcnow()
    # The rule is read before the database is touched, and expanded (at a bounded cost: see
    # booking.recurrence) before anything is checked or written.
    rule_problems = recurrence.parse_rrule(rrule)[1]
    if rule_problems:
        raise Invalid(rule_problems)
    space = catalog.get_space(req.site, req.space, as_field=True)
    policy = catalog.policy_of(space)
    expansion = recurrence.expand_rrule(
        rrule, req.start, req.end, policy.tz, max_occurrences=current_app.config["MAX_OCCURRENCES"],
        horizon=now + timedelta(days=policy.max_days_ahead),
    )  # fmt: skip
    if expansion.problems:
        raise Invalid(expansion.problems)
    with unit_of_work():
        org = organisation_for(actor, organisation)
        policy = policy_for(space, org)
        capacity = rules.check_capacity(policy, req.attendees, req.layout)
        chosen, service_problems = extras.choose(space, req.services, online_attendees=req.online_attendees)
        if capacity or service_problems:
            raise Invalid([*capacity, *service_problems])
        extras.lock_kits([chosen])
        group = BookingGroup(kind="series", organisation=org, title=req.title, rrule=rrule)
        db.session.add(group)
        booked: list[Booking] = []
        skipped: list[Skipped] = []
        for occ in expansion.occurrences:
            plan = _plan(policy, req, occ.start, occ.end, now, hold=hold)
            problems = list(plan.problems)
            if not problems and taken(space, plan.block, now):
                problems = [ALREADY_BOOKED]
            if not problems:
                problems = _out_of_stock(space, plan.block, chosen, now)
            if not problems:
                booking = _new_booking(actor, org, space, req, plan, occ.start, occ.end, group=group, chosen=chosen)
                try:
                    _insert(booking, space)
                    booked.append(booking)
                    continue
                except Conflict:
                    problems = [ALREADY_BOOKED]
            skipped.append(Skipped(occ.local_date, occ.start, occ.end, problems))
        skipped.sort(key=lambda s: s.start)
        if (skipped and not skip_conflicts) or not booked:
            conflicts = [_skipped_json(s, policy) for s in skipped]
            if not booked:
                raise Conflict("no date of the series can be booked", code="no_date_free", conflicts=conflicts)
            raise Conflict(
                f"{len(skipped)} date(s) of the series cannot be booked", code="dates_not_free",
                params={"count": len(skipped)}, conflicts=conflicts,
            )  # fmt: skip
    return SeriesResult(group, booked, skipped)


def _out_of_stock(space: Space, block: tuple[datetime, datetime], chosen: extras.Chosen, now: datetime) -> list:
    """A date of a series whose kits are all lent then is skipped like a taken one, saying which kit."""
    try:
        extras.check_stock(space, block, chosen, now)
    except Conflict as exc:
        return [Problem("services", exc.detail, exc.code, exc.params)]
    return []


def _skipped_json(skipped: Skipped, policy: rules.SpacePolicy) -> dict:
    return {
        "date": skipped.date.isoformat(),
        "start": skipped.start.astimezone(policy.tz).isoformat(),
        "end": skipped.end.astimezone(policy.tz).isoformat(),
        "reason": skipped.reason,
        "problems": [p.as_json() for p in skipped.problems],
    }


@retried_on_race
def book_roadshow(
    actor: User, title: str, legs: list[BookingRequest], *, hold: bool = False,
    organisation: str | None = None, now: datetime | None = None,
) -> tuple[BookingGroup, list[Booking]]:  # fmt: skip
    """Book several spaces, usually across sites, in one go: all succeed or none do."""
    now = now or utcnow()
    if not legs:
        raise Invalid([Problem("legs", "a roadshow has at least one leg", "no_leg")])
    with unit_of_work():
        org = organisation_for(actor, organisation)
        group = BookingGroup(kind="roadshow", organisation=org, title=title)
        db.session.add(group)
        planned, problems, conflicts = [], [], []
        for i, leg in enumerate(legs):
            space = catalog.get_space(leg.site, leg.space, as_field=True)
            plan = _plan(policy_for(space, org), leg, leg.start, leg.end, now, hold=hold)
            chosen, service_problems = extras.choose(space, leg.services, online_attendees=leg.online_attendees)
            problems += _prefixed((*plan.problems, *service_problems), f"legs[{i}].")
            planned.append((space, plan, chosen))
        if problems:
            raise Invalid(problems)
        extras.lock_kits([chosen for _, _, chosen in planned])  # all the legs' kits, before any leg counts
        bookings = []
        for i, (leg, (space, plan, chosen)) in enumerate(zip(legs, planned, strict=True)):
            in_the_way = taken(space, plan.block, now)
            if in_the_way:
                conflicts += [dict(busy, leg=i) for busy in _busy(space, in_the_way)]
                continue
            try:  # counts the legs already added: two legs cannot share the last kit either
                extras.check_stock(space, plan.block, chosen, now)
            except Conflict as exc:
                detail = f"roadshow not booked: leg {i}: {exc.detail}"
                raise Conflict(detail, code=exc.code, params=exc.params | {"leg": i}) from None
            booking = _new_booking(actor, org, space, leg, plan, leg.start, leg.end, group=group, chosen=chosen)
            try:
                _insert(booking, space)
            except Conflict:
                conflicts.append({"leg": i, "site": space.site.slug, "space": space.slug})
                continue
            bookings.append(booking)
        if conflicts:
            legs_taken = sorted({c["leg"] for c in conflicts})
            stops = [_stop(i, legs[i], planned[i][0]) for i in legs_taken]
            named = "; ".join(f"stop {s['stop']}, {s['site']}/{s['space']} {s['start']}–{s['end']}" for s in stops)
            raise Conflict(
                f"roadshow not booked, already taken: {named}", code="legs_taken",
                params={"legs": legs_taken, "stops": stops}, conflicts=conflicts,
            )  # fmt: skip
    return group, bookings


@retried_on_race
def transition(actor: User, booking_id: int, action: str, *, reason: str = "", now: datetime | None = None) -> Booking:
    """Confirm, approve, reject or cancel a booking, if its status allows it."""
    now = now or utcnow()
    with unit_of_work():
        booking = get_booking(actor, booking_id)
        if action in rules.STAFF_ONLY_ACTIONS and not actor.is_staff:
            raise Forbidden(f"only venue staff can {action} a booking", code="staff_only", params={"action": action})
        if rules.hold_lapsed(booking.status, booking.hold_expires_at, now):
            # refused, so nothing is written: the hold lapsed by the rule whether or not its row says
            # so yet (nothing counts it as taken), and expire_holds records it, freeing the slot
            expired_at = booking.hold_expires_at.isoformat()
            raise Conflict(
                f"the hold expired at {expired_at}; book again", code="hold_expired", params={"at": expired_at}
            )
        if action == "cancel" and rules.too_late_to_cancel(booking.end_at, now):
            raise Conflict("this booking already took place", code="already_took_place")
        target = rules.next_status(
            booking.status, action, requires_approval=needs_approval(booking.space, booking.organisation)
        )
        if target is None:
            raise _wrong_status(action, booking.status)
        if action == "confirm":
            booking.hold_expires_at = None
        detail = {"reason": reason} if reason else {}
        if action == "cancel":
            detail |= charge_cancellation(booking, now)
        record_change(booking, actor, action, target, detail=detail or None)
        if not booking.is_active:
            after_commit(lambda: signals.slot_freed.send(booking, now=now))
    return booking


RESCHEDULABLE = ("start", "end", "attendees", "layout", "title", "notes", "streaming_link", "online_attendees")
SERVICES = "services"  # [{item, quantity}]: the whole list the booking carries after the change
MOVES = ("start", "end", "attendees", "layout")  # what needs the time and size planned again


@dataclass
class Change:
    """What a reschedule will write to one booking, checked against the rules and the calendar."""

    booking: Booking
    before: dict
    changed: dict
    plan: rules.BookingPlan | None  # None: neither the time nor the size changes
    requires_approval: bool = False
    chosen: extras.Chosen | None = None  # the services after the change; None: they stay as they are

    @property
    def detail(self) -> dict:
        return {k: {"from": _jsonable(self.before[k]), "to": _jsonable(v)} for k, v in self.changed.items()}


def plan_change(
    actor: User, booking: Booking, changes: dict, now: datetime, *, exclude: tuple[int, ...] = ()
) -> Change:
    """Check a change of one active booking without touching it; ``exclude``: bookings moving with it."""
    if not booking.is_active:
        raise _wrong_status("change", booking.status)
    before = {key: getattr(booking, _column(key)) for key in RESCHEDULABLE}
    before[SERVICES] = extras.as_lines(booking)
    after = before | {k: v for k, v in changes.items() if k in before}
    changed = {k: v for k, v in after.items() if v != before[k]}
    if SERVICES in changed and _same_lines(changed[SERVICES], before[SERVICES]):
        del changed[SERVICES]  # the same services in another order change nothing
    chosen = _services_after(booking, after, changed, now)
    space = booking.space
    if not set(MOVES) & changed.keys():
        if chosen is not None:
            extras.lock_kits([chosen])
            extras.check_stock(space, (booking.block_start, booking.block_end), chosen, now, exclude=booking.id)
        return Change(booking, before, changed, None, chosen=chosen)
    req = BookingRequest(
        space.site.slug, space.slug, after["start"], after["end"], after["title"], after["attendees"], after["layout"]
    )
    policy = policy_for(space, booking.organisation)
    plan = _plan(policy, req, req.start, req.end, now)
    if plan.problems:
        raise Invalid(plan.problems)
    in_the_way = [b for b in taken(space, plan.block, now, exclude=booking.id) if b.id not in exclude]
    if in_the_way:
        raise _taken_conflict(space, in_the_way)
    kits = chosen if chosen is not None else [(s.item, s.quantity) for s in booking.services]
    extras.lock_kits([kits])
    extras.check_stock(space, plan.block, kits, now, exclude=booking.id)
    return Change(booking, before, changed, plan, policy.requires_approval, chosen)


def _same_lines(one: list[dict], other: list[dict]) -> bool:
    return sorted((s["item"], s["quantity"]) for s in one) == sorted((s["item"], s["quantity"]) for s in other)


def _services_after(booking: Booking, after: dict, changed: dict, now: datetime) -> extras.Chosen | None:
    """The services a change leaves the booking with, checked as a new booking's are; None if untouched."""
    if not {SERVICES, "online_attendees"} & changed.keys():
        return None
    if rules.too_late_to_cancel(booking.end_at, now):  # what a past booking had stays in the record as it was
        raise Conflict("this booking already took place", code="already_took_place")
    requested = [(s["item"], s["quantity"]) for s in after[SERVICES]]
    carried = [line.item for line in booking.services]
    chosen, problems = extras.choose(
        booking.space, requested, online_attendees=after["online_attendees"], carried=carried
    )
    if problems:
        raise Invalid(problems)
    return chosen


def quote_after_change(booking: Booking, changes: dict) -> rules.Quote:
    """What ``booking`` would cost with ``changes`` (as reschedule takes them), writing nothing.

    Priced as apply_change records it: the space again only if its time moves, the services it keeps
    at the price agreed, new ones at today's. Nothing is checked here: reschedule says what is wrong.
    """
    space = booking.space
    start, end = changes.get("start", booking.start_at), changes.get("end", booking.end_at)
    if (start, end) == (booking.start_at, booking.end_at):
        space_quote = rules.quote_for_amount(booking.price_excl_vat)
    else:
        space_quote = rules.quote(catalog.policy_of(space), start, end)
    chosen = [(line.item, line.quantity) for line in booking.services]
    if SERVICES in changes:
        requested = [(s["item"], s["quantity"]) for s in changes[SERVICES]]
        chosen, _problems = extras.choose(space, requested, carried=[line.item for line in booking.services])
    return extras.quote_after(booking, space_quote, chosen, start)


def apply_change(actor: User, change: Change, *, detail: dict | None = None) -> None:
    """Write a checked change to its booking and its audit trail (the caller flushes and commits).

    A change that changes nothing writes nothing: no audit row, so no event, mail or new version.
    """
    if not change.changed:
        return
    booking = change.booking
    was = extras.booking_quote(booking).excl_vat if change.chosen is not None else None
    if change.plan is not None:
        booking.block_start, booking.block_end = change.plan.block
        booking.price_excl_vat = change.plan.quote.excl_vat
        booking.status = rules.status_after_move(
            booking.status, requires_approval=change.requires_approval, by_staff=actor.is_staff
        )
    for key, value in change.changed.items():
        if key != SERVICES:
            setattr(booking, _column(key), value)
    extra = {}
    if change.chosen is not None:
        extras.replace(booking, change.chosen)
        booking.updated_at = utcnow()  # the row itself is written, so its version (the ETag) rises
        total = extras.booking_quote(booking).excl_vat
        if total != was:  # the price agreed, before and after (time and services together)
            extra["excl_vat"] = {"from": f"{was:.2f}", "to": f"{total:.2f}"}
    record_change(booking, actor, "reschedule", None, detail=change.detail | extra | (detail or {}))


def flush_change(booking_id: int) -> None:
    """Flush rescheduled rows, turning the database's refusals into the API's 412 and 409 (the unit rolls back)."""
    try:
        db.session.flush()
    except StaleDataError:
        raise PreconditionFailed(f"booking {booking_id} was changed by someone else; reload it") from None
    except IntegrityError as exc:
        if is_overlap_violation(exc):
            raise Conflict(
                "the space was booked for that time by someone else a moment ago", code="taken_a_moment_ago",
                conflicts=[],
            ) from None  # fmt: skip
        raise


def check_version(booking: Booking, version: int) -> None:
    if booking.version != version:
        raise PreconditionFailed(
            f"booking {booking.id} is at version {booking.version}, not {version}; reload it",
            params={"booking": booking.id, "version": booking.version},
        )


@retried_on_race
def reschedule(
    actor: User, booking_id: int, changes: dict, *, version: int, now: datetime | None = None, suggest: bool = False
) -> Booking:
    """Change a booking's time, size or title, refusing if it changed since ``version`` was read.

    ``suggest``: a move into a taken slot gets a 409 naming the nearest alternatives, as booking does.
    """
    now = now or utcnow()
    try:
        with unit_of_work():
            booking = get_booking(actor, booking_id)
            check_version(booking, version)
            # checked before the row is touched: a query would autoflush a half-edited booking
            # straight into the exclusion constraint
            apply_change(actor, plan_change(actor, booking, changes, now))
            flush_change(booking_id)
    except Conflict as conflict:
        if suggest and conflict.code == "space_taken":
            conflict.extra["alternatives"] = _alternatives_to_move(actor, booking_id, changes, now)
        raise
    return booking


def _alternatives_to_move(actor: User, booking_id: int, changes: dict, now: datetime) -> list[dict]:
    with dbtypes.read_only():
        booking = get_booking(actor, booking_id)
        req = BookingRequest(
            booking.space.site.slug, booking.space.slug, changes.get("start", booking.start_at),
            changes.get("end", booking.end_at), booking.title, booking.attendees, booking.layout,
        )  # fmt: skip
        organisation = booking.organisation
    return _alternatives(organisation, req, now)


def _column(key: str) -> str:
    return {"start": "start_at", "end": "end_at"}.get(key, key)


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


@retried_on_race
def expire_holds(now: datetime | None = None) -> int:
    """Expire every hold past its TTL; the scheduler calls this."""
    now = now or utcnow()
    with unit_of_work():
        stale = db.session.scalars(
            select(Booking).where(Booking.status == Status.HOLD, Booking.hold_expires_at <= now)
        ).all()
        for booking in stale:
            record_change(booking, None, "expire", Status.EXPIRED)
            after_commit(lambda booking=booking: signals.slot_freed.send(booking, now=now))
    return len(stale)
