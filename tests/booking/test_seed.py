"""`onexp seed` loads config/sites.toml idempotently: edit the file, seed again, and the venues follow."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from booking import directions
from booking.extensions import db
from booking.models import Closure, Site, Space
from booking.services import catalog


def rows() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Site, Space, Closure)
    }


@pytest.fixture
def sites_file(app, tmp_path) -> Path:
    """A copy of the real sites file that a test may edit."""
    copy = tmp_path / "sites.toml"
    copy.write_text(Path(app.config["SITES_FILE"]).read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def edit(path: Path, pattern: str, replacement: str) -> None:
    """Replace exactly one match of ``pattern`` in the file."""
    text, count = re.subn(pattern, replacement, path.read_text(encoding="utf-8"), flags=re.S)
    assert count == 1, f"{pattern!r} matched {count} times"
    path.write_text(text, encoding="utf-8")


def space(site: str, slug: str) -> Space:
    return db.session.scalar(select(Space).join(Site).where(Site.slug == site, Space.slug == slug))


def test_seeding_twice_changes_nothing(runner):
    before = rows()
    first = runner.invoke(args=["seed"])
    second = runner.invoke(args=["seed"])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert first.output == second.output
    assert "seeded 3 sites" in first.output
    assert rows() == before
    assert before["sites"] == 3


def test_an_edited_space_is_updated_in_place(runner, sites_file):
    showroom_id = space("la-coque", "showroom").id
    edit(sites_file, r'(slug = "showroom".*?)rates = \{ hour = 450', r"\1rates = { hour = 480")
    edit(sites_file, r"(slug = \"showroom\".*?)theatre = 180", r"\1theatre = 200")

    result = runner.invoke(args=["seed", "--file", str(sites_file)])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    showroom = space("la-coque", "showroom")
    assert showroom.id == showroom_id  # the same row: bookings keep pointing at it
    assert showroom.rate_hour == Decimal("480.00")
    assert showroom.capacities["theatre"] == 200


def test_a_space_removed_from_the_file_is_deactivated_not_deleted(runner, sites_file, client):
    edit(sites_file, r'  \[\[sites\.spaces\]\]\n  slug = "salle-frioul".*?(?=\n\[\[sites\]\])', "")

    assert runner.invoke(args=["seed", "--file", str(sites_file)]).exit_code == 0

    db.session.expire_all()
    frioul = space("la-coque", "salle-frioul")
    assert frioul is not None and frioul.active is False
    listed = [s["slug"] for s in client.get("/api/v1/sites/la-coque/spaces").json]
    assert "salle-frioul" not in listed and "salle-calanques" in listed


def test_a_space_put_back_in_the_file_is_active_again(runner, sites_file, app):
    edit(sites_file, r'  \[\[sites\.spaces\]\]\n  slug = "salle-frioul".*?(?=\n\[\[sites\]\])', "")
    runner.invoke(args=["seed", "--file", str(sites_file)])

    assert runner.invoke(args=["seed"]).exit_code == 0

    db.session.expire_all()
    assert space("la-coque", "salle-frioul").active is True


def test_closures_are_replaced_by_the_files(runner, sites_file):
    edit(
        sites_file,
        r'(slug = "la-coque".*?)closures = \[.*?\n\]',
        r'\1closures = [\n  { from = "2027-05-01", reason = "Fête du travail" },\n'
        r'  { from = "2027-03-01", to = "2027-03-03", space = "showroom", reason = "works" },\n]',
    )

    assert runner.invoke(args=["seed", "--file", str(sites_file)]).exit_code == 0

    db.session.expire_all()
    coque = catalog.get_site("la-coque")
    closures = db.session.scalars(select(Closure).where(Closure.site_id == coque.id).order_by(Closure.starts_on)).all()
    assert [(c.starts_on, c.ends_on, c.space_id, c.reason) for c in closures] == [
        (date(2027, 3, 1), date(2027, 3, 3), space("la-coque", "showroom").id, "works"),
        (date(2027, 5, 1), date(2027, 5, 1), None, "Fête du travail"),
    ]


def test_a_missing_file_is_a_clear_error(runner, tmp_path):
    result = runner.invoke(args=["seed", "--file", str(tmp_path / "nowhere.toml")])
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_the_sites_map_links_and_space_pictures_are_seeded(app):
    site = db.session.scalar(select(Site).where(Site.slug == "la-coque"))
    assert site.map_url.startswith("https://www.openstreetmap.org/")
    assert space("la-coque", "showroom").photo == "showroom.svg"
    assert space("la-coque", "showroom").photo_alt.startswith("Le showroom de La Coque\u00a0: une grande halle")
    assert space("la-coque", "showroom").photo_alt_en.startswith("La Coque showroom: a wide hall")
    assert site.access.startswith("Métro 2 Joliette") and site.access_en.startswith("Metro 2 Joliette")
    assert space("la-coque", "salle-frioul").photo == ""


def test_a_text_written_once_serves_both_languages(runner, sites_file):
    edit(sites_file, r'access.fr = "Métro[^\n]*\naccess.en = "[^"]*"', 'access = "Tram T2 République-Dames"')
    assert runner.invoke(args=["seed", "--file", str(sites_file)]).exit_code == 0
    db.session.expire_all()
    coque = catalog.get_site("la-coque")
    assert (coque.access, coque.access_en) == ("Tram T2 République-Dames", "")
    assert [directions.access(coque, locale) for locale in ("fr", "en")] == ["Tram T2 République-Dames"] * 2


@pytest.mark.parametrize(
    "pattern, replacement, refusal",
    [
        (r'photo.file = "showroom.svg"', 'photo.file = "shwroom.svg"', "is not a file"),  # a typo
        (r'photo.alt.fr = "Le showroom[^"]*"\n *photo.alt.en = "[^"]*"', 'photo.alt = " "', "alt text"),
        (r'photo.alt.en = "La Coque showroom', 'photo.alt.de = "La Coque showroom', "languages are fr and en"),
        (r'access.fr = "Métro', 'access.es = "Métro', "languages are fr and en"),
        (r'map = "https://www.openstreetmap.org/\?mlat=43.3054', 'map = "http://maps.example/?', "OpenStreetMap"),
    ],
)
def test_a_picture_or_map_the_pages_cannot_show_stops_the_seed(runner, sites_file, pattern, replacement, refusal):
    edit(sites_file, pattern, replacement)
    result = runner.invoke(args=["seed", "--file", str(sites_file)])
    assert result.exit_code != 0
    assert refusal in (result.output + str(result.exception))
