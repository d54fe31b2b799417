"""Staff export the bookings a filter selects as CSV and XLSX, read back here as a program would."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from clock import paris
from openpyxl import load_workbook


@pytest.fixture
def desk(client, sign_in, staff, customer, make_user, make_booking, monday):
    """Acme's two bookings (one made by staff on its behalf) and Rival's one; staff signed in."""
    make_booking(customer, "salle-calanques", 10, 12, title="Comité Château")
    make_booking(staff, "showroom", 14, 16, title="Lancement", organisation="acme")
    make_booking(make_user("customer", org="rival"), "salle-frioul", 9, 10, title="Rival")
    sign_in(staff)
    return staff


def test_the_csv_has_one_row_per_booking_the_filter_selects_with_its_company_and_price(client, desk, monday):
    response = client.get("/staff/bookings/export.csv", query_string={"organisation": "acme"})
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="bookings-')
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["Titre"] for r in rows] == ["Comité Château", "Lancement"]
    first = rows[0]
    assert (first["Site"], first["Espace"], first["Entreprise"], first["Statut"]) == (
        "La Coque", "Salle Calanques", "Acme", "Confirmée"
    )  # fmt: skip
    assert first["Début (heure du site)"] == paris(monday, 10).isoformat()
    assert (first["Prix HT (EUR)"], first["TVA (EUR)"], first["Prix TTC (EUR)"]) == ("120.00", "24.00", "144.00")
    assert rows[1]["Réservé par"] == desk.email  # staff created it, Acme booked it


def test_the_xlsx_reads_back_with_dates_as_dates_and_amounts_as_numbers(client, desk, monday):
    response = client.get("/staff/bookings/export.xlsx", query_string={"since": monday.isoformat()})
    assert response.status_code == 200
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    by_title = {r[header.index("Titre")]: dict(zip(header, r, strict=True)) for r in rows}
    assert set(by_title) == {"Comité Château", "Lancement", "Rival"}
    rival = by_title["Rival"]
    assert rival["Début (heure du site)"] == paris(monday, 9).replace(tzinfo=None)  # the site's wall clock
    assert rival["Fin (heure du site)"] - rival["Début (heure du site)"] == timedelta(hours=1)
    assert rival["Prix TTC (EUR)"] == pytest.approx(float(by_title["Rival"]["Prix HT (EUR)"]) * 1.2)
    assert sheet.freeze_panes == "A2"


def test_the_export_follows_the_filter_of_the_page(client, desk, monday):
    response = client.get("/staff/bookings/export.csv", query_string={"site": "la-coque", "status": "pending"})
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["Titre"] for r in rows] == ["Lancement"]  # the showroom needs approval
    page = client.get("/staff/bookings", query_string={"status": "pending"}).get_data(as_text=True)
    assert "/staff/bookings/export.csv?status=pending" in page
    assert "/staff/bookings/export.xlsx?status=pending" in page


def test_the_export_is_for_staff_only(client, sign_in, customer):
    sign_in(customer)
    assert client.get("/staff/bookings/export.csv").status_code == 403
    assert client.get("/staff/bookings/export.xlsx").status_code == 403


@pytest.fixture
def seminar_and_shoot(client, sign_in, staff, customer, monday):
    """Acme's seminar at the Château (lunch for 40, streaming, 25 online), cancelled three days before, and
    its shoot at La Coque (a camera kit, coffee for four); staff signed in, in ``lang``."""
    from booking.services import bookings

    seminar = bookings.BookingRequest(
        "chateau-des-baumes", "salle-etang", paris(monday, 9), paris(monday, 17), "Séminaire", 40,
        services=(("dejeuner", 40), ("streaming", 1)), online_attendees=25,
    )  # fmt: skip
    shoot = bookings.BookingRequest(
        "la-coque", "salle-calanques", paris(monday, 10), paris(monday, 12), "Tournage", 4,
        services=(("kit-camera-mobile", 1), ("pause-cafe", 4)),
    )  # fmt: skip
    booked = bookings.book(customer, seminar, now=paris(monday, 9) - timedelta(days=7))
    bookings.transition(customer, booked.id, "cancel", now=paris(monday, 9) - timedelta(days=3))
    bookings.book(customer, shoot)

    def signed_in(lang: str) -> None:
        sign_in(staff, lang=lang)

    return signed_in


def test_the_csv_has_a_quantity_per_service_the_services_total_the_fee_and_the_people_online(
    client, seminar_and_shoot
):
    seminar_and_shoot("fr")

    response = client.get("/staff/bookings/export.csv", query_string={"organisation": "acme"})

    reader = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")))
    assert reader.fieldnames[-4:] == [  # by site, each in the order of its services in sites.toml
        "Pause café, La Coque (quantité)", "Kit caméra mobile, La Coque (quantité)",
        "Déjeuner buffet, Château des Baumes (quantité)",
        "Captation et diffusion en direct, Château des Baumes (quantité)",
    ]  # fmt: skip
    by_title = {r["Titre"]: r for r in reader}
    seminar, shoot = by_title["Séminaire"], by_title["Tournage"]
    # by hand: the room 520, 40 lunches at 32 = 1280 and streaming 550; 30% of 2350 three days before
    assert (seminar["Participants en ligne"], seminar["Services HT (EUR)"]) == ("25", "1830.00")
    assert seminar["Frais d'annulation HT (EUR)"] == "705.00"
    assert seminar["Déjeuner buffet, Château des Baumes (quantité)"] == "40"
    assert seminar["Kit caméra mobile, La Coque (quantité)"] == ""  # the seminar has none
    # the room 120, the kit 120 and four coffee breaks at 6.50 = 26; not cancelled, so no fee
    assert (shoot["Services HT (EUR)"], shoot["Frais d'annulation HT (EUR)"]) == ("146.00", "")
    assert (shoot["Kit caméra mobile, La Coque (quantité)"], shoot["Participants en ligne"]) == ("1", "0")


def test_the_xlsx_says_it_in_english_with_quantities_and_amounts_as_numbers(client, seminar_and_shoot):
    seminar_and_shoot("en")

    response = client.get("/staff/bookings/export.xlsx", query_string={"organisation": "acme"})

    sheet = load_workbook(io.BytesIO(response.data)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    by_title = {r[header.index("Title")]: dict(zip(header, r, strict=True)) for r in rows}
    seminar, shoot = by_title["Séminaire"], by_title["Tournage"]
    assert (seminar["Online attendees"], seminar["Services excl. VAT (EUR)"]) == (25, 1830)
    assert seminar["Cancellation fee excl. VAT (EUR)"] == 705
    assert seminar["Captation et diffusion en direct, Château des Baumes (quantity)"] == 1
    assert (shoot["Pause café, La Coque (quantity)"], shoot["Cancellation fee excl. VAT (EUR)"]) == (4, None)
