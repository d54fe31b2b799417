"""Sites and spaces: lookups, the rules' view of a space, and seeding from sites.toml."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from booking import rules
from booking.errors import Invalid, NotFound
from booking.extensions import db
from booking.infra import caching
from booking.models import Closure, Site, Space
from booking.rules import Problem
from booking.services import extras
from booking.services.unit_of_work import unit_of_work


def get_site(slug: str, *, field: str | None = None) -> Site:
    site = db.session.scalar(select(Site).where(Site.slug == slug))
    if site is None:
        if field:
            raise Invalid([Problem(field, f"unknown site {slug!r}", "unknown_site", {"site": slug})])
        raise NotFound(f"no site {slug!r}", params={"site": slug})
    return site


def get_space(site_slug: str, space_slug: str, *, as_field: bool = False) -> Space:
    """A space by its site's slug and its own; ``as_field`` makes unknown ones a 422."""

    def load() -> Space | None:
        query = select(Space).join(Space.site).options(contains_eager(Space.site))
        return db.session.scalar(query.where(Site.slug == site_slug, Space.slug == space_slug, Space.active))

    # every booking looks its space up: cached per process (see booking/infra/caching.py)
    space = caching.cached("catalog", ("space", site_slug, space_slug), load, "site")
    if space is None:
        get_site(site_slug, field="site" if as_field else None)  # an unknown site is named as such
        if as_field:
            where = {"site": site_slug, "space": space_slug}
            raise Invalid([Problem("space", f"unknown space {space_slug!r} at {site_slug!r}", "unknown_space", where)])
        raise NotFound(f"no space {space_slug!r} at {site_slug!r}", params={"site": site_slug, "space": space_slug})
    return space


def closed_days(closures: list[Closure]) -> frozenset[date]:
    days = set()
    for closure in closures:
        day = closure.starts_on
        while day <= closure.ends_on:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


def closures_by_space(spaces: list[Space]) -> dict[int, list[Closure]]:
    """Closures that apply to each space (its site's and its own), in one query."""
    site_ids = {space.site_id for space in spaces}
    rows = db.session.scalars(select(Closure).where(Closure.site_id.in_(site_ids))).all()
    return {
        space.id: [c for c in rows if c.site_id == space.site_id and c.space_id in (None, space.id)] for space in spaces
    }


def policy_of(space: Space, closures: list[Closure] | None = None) -> rules.SpacePolicy:
    """The plain values the rules need about ``space``."""
    if closures is None:
        policies = caching.cache("catalog")
        policy = policies.get(("policy", space.id))
        if policy is None:
            policy = policy_of(space, closures_by_space([space])[space.id])
            policies.put(("policy", space.id), policy)
        return policy
    return rules.SpacePolicy(
        timezone=space.site.timezone,
        opening_hours=space.hours,
        capacities=space.capacities,
        closed_days=closed_days(closures),
        setup_minutes=space.setup_minutes,
        teardown_minutes=space.teardown_minutes,
        min_minutes=space.min_minutes,
        max_minutes=space.max_minutes,
        max_days_ahead=space.max_days_ahead,
        rate_hour=space.rate_hour,
        rate_half_day=space.rate_half_day,
        rate_day=space.rate_day,
        requires_approval=space.requires_approval,
    )


# --- seeding ---------------------------------------------------------------------------

# the pictures the sites file may name: files served with the pages, so a typo fails the seed, not a page
PHOTOS = Path(__file__).resolve().parent.parent / "web" / "static" / "img" / "spaces"
MAP_PREFIX = "https://www.openstreetmap.org/"

SPACE_FIELDS = (
    "name", "kind", "profile", "area_m2", "capacities", "equipment", "setup_minutes",
    "teardown_minutes", "min_minutes", "max_minutes", "max_days_ahead", "requires_approval",
    "manual_checkin", "checkin_grace_minutes", "safety_limit", "description",
)  # fmt: skip


def _seed_cancellation(space: Space, policy: dict, where: str) -> None:
    """``{ free_days = 14, fee_percent = 50 }``: free until 14 days before the start, then half the price."""
    space.cancel_free_days = int(policy.get("free_days", 0))
    space.cancel_fee_percent = int(policy.get("fee_percent", 0))
    if not 0 <= space.cancel_fee_percent <= 100 or space.cancel_free_days < 0:
        raise ValueError(f"{where}: cancellation needs free_days >= 0 and a fee_percent from 0 to 100")


def parse_hours(spec: dict[str, str]) -> dict[str, list[list[str]]]:
    """``{"mon": "08:00-12:00,14:00-20:00", "sun": ""}`` -> ``{"mon": [["08:00", "12:00"], ...]}``."""
    hours = {}
    for day in rules.WEEKDAYS:
        text = spec.get(day, "").strip()
        spans = [part.strip().split("-") for part in text.split(",") if part.strip()]
        hours[day] = [[a.strip(), b.strip()] for a, b in spans]
    return hours


def _in_both_languages(value: str | dict, where: str) -> tuple[str, str]:
    """A text of the sites file as (French, English): ``{ fr = "...", en = "..." }``, or one string for both."""
    if isinstance(value, str):
        return value.strip(), ""
    unknown = set(value) - {"fr", "en"}
    if unknown:
        raise ValueError(f"{where}: languages are fr and en, not {', '.join(sorted(unknown))}")
    return value.get("fr", "").strip(), value.get("en", "").strip()


def _photo(site: str, space: str, photo: dict | None) -> tuple[str, str, str]:
    """A space's picture from the file: its name under static/img/spaces/ and its alt text (French, English),
    both required."""
    if not photo:
        return "", "", ""
    name = photo.get("file", "")
    alt, alt_en = _in_both_languages(photo.get("alt", ""), f"{site}/{space}: photo alt")
    if not (PHOTOS / name).is_file() or "/" in name:
        raise ValueError(f"{site}/{space}: photo {name!r} is not a file in {PHOTOS}")
    if not (alt or alt_en):
        raise ValueError(f"{site}/{space}: photo {name!r} needs an alt text saying what it shows")
    return name, alt, alt_en


def seed_sites(path: str | Path) -> dict[str, int]:
    """Load sites.toml idempotently: create what is new, update what changed.

    Spaces that left the file are deactivated, never deleted: bookings refer to them.
    """
    with unit_of_work():
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        counts = {"sites": 0, "spaces": 0, "closures": 0, "services": 0}
        for site_data in data.get("sites", []):
            site = db.session.scalar(select(Site).where(Site.slug == site_data["slug"]))
            if site is None:
                site = Site(slug=site_data["slug"])
                db.session.add(site)
            site.name = site_data["name"]
            site.city = site_data["city"]
            site.address = site_data.get("address", "")
            site.timezone = site_data.get("timezone", "Europe/Paris")
            site.description = site_data.get("description", "")
            site.access, site.access_en = _in_both_languages(site_data.get("access", ""), f"{site.slug}: access")
            site.map_url = site_data.get("map", "")
            if site.map_url and not site.map_url.startswith(MAP_PREFIX):
                raise ValueError(f"{site.slug}: map must be an OpenStreetMap link ({MAP_PREFIX}...)")
            site.opening_hours = parse_hours(site_data.get("opening_hours", {}))
            db.session.flush()
            counts["sites"] += 1

            seen = set()
            for space_data in site_data.get("spaces", []):
                seen.add(space_data["slug"])
                space = db.session.scalar(
                    select(Space).where(Space.site_id == site.id, Space.slug == space_data["slug"])
                )
                if space is None:
                    space = Space(site_id=site.id, slug=space_data["slug"])
                    db.session.add(space)
                for name in SPACE_FIELDS:
                    if name in space_data:
                        setattr(space, name, space_data[name])
                rates = space_data["rates"]
                space.rate_hour = Decimal(str(rates["hour"]))
                space.rate_half_day = Decimal(str(rates["half_day"]))
                space.rate_day = Decimal(str(rates["day"]))
                hours = space_data.get("opening_hours")
                space.opening_hours = parse_hours(hours) if hours else None
                space.active = True
                space.walk_ins = bool(space_data.get("walk_ins", False))  # taken out of the file: off again
                _seed_cancellation(space, space_data.get("cancellation", {}), f"{site.slug}/{space.slug}")
                photo = _photo(site.slug, space.slug, space_data.get("photo"))
                space.photo, space.photo_alt, space.photo_alt_en = photo
                longest = rules.longest_block(
                    space.max_minutes or 0, space.setup_minutes or 0, space.teardown_minutes or 0
                )
                if space.walk_ins and space.requires_approval:
                    raise ValueError(f"{site.slug}/{space.slug}: walk_ins needs a space booked without approval")
                if longest > rules.MAX_BLOCK:
                    raise ValueError(f"{site.slug}/{space.slug}: max_minutes plus buffers exceed {rules.MAX_BLOCK}")
                counts["spaces"] += 1
            for space in site.spaces:
                if space.slug not in seen:
                    space.active = False

            db.session.flush()
            counts["services"] += extras.seed_services(site, site_data.get("services", []))
            # closures are replaced as a whole: the file is their source of truth
            for closure in db.session.scalars(select(Closure).where(Closure.site_id == site.id)):
                db.session.delete(closure)
            spaces = {space.slug: space.id for space in site.spaces}
            for closure_data in site_data.get("closures", []):
                starts = date.fromisoformat(str(closure_data["from"]))
                ends = date.fromisoformat(str(closure_data.get("to", closure_data["from"])))
                space_slug = closure_data.get("space")
                db.session.add(
                    Closure(
                        site_id=site.id,
                        space_id=spaces[space_slug] if space_slug else None,
                        starts_on=starts,
                        ends_on=ends,
                        reason=closure_data.get("reason", ""),
                    )
                )
                counts["closures"] += 1
    return counts
