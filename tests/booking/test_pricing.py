"""Pure pricing of services: hand-computed quotes, VAT per line, kits in use at once, cancellation fees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from booking import pricing, stock
from booking.rules import Quote

D = Decimal
LUNCH = pricing.Offered("dejeuner", "Déjeuner buffet", "catering", "person", D("32"), D("0.10"))
TECHNICIAN = pricing.Offered("technicien", "Technicien", "technician", "hour", D("65"), D("0.20"))
ETANG = frozenset({"salle-etang"})
STREAM = pricing.Offered("streaming", "Diffusion", "streaming", "booking", D("550"), D("0.20"), spaces=ETANG)
KIT = pricing.Offered("kit-camera-mobile", "Kit caméra", "kit", "booking", D("120"), D("0.20"), stock=2)
OFFER = {o.slug: o for o in (LUNCH, TECHNICIAN, STREAM, KIT)}


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, 1, hour, minute, tzinfo=UTC)


def test_a_seminar_with_lunch_for_40_a_technician_and_streaming_is_itemised_line_by_line():
    room = Quote(excl_vat=D("520.00"), vat=D("104.00"), incl_vat=D("624.00"), lines=("2027-03-01: 1 day",))

    quote = pricing.itemised("Salle de l'Étang", room, [(LUNCH, 40), (TECHNICIAN, 8), (STREAM, 1)])

    # by hand: room 520 + lunch 40 x 32 = 1280 + technician 8 x 65 = 520 + streaming 550
    rows = [(i.item, i.quantity, i.excl_vat, i.vat_rate, i.vat, i.incl_vat) for i in quote.items]
    assert rows == [
        (None, 1, D("520.00"), D("0.20"), D("104.00"), D("624.00")),
        ("dejeuner", 40, D("1280.00"), D("0.10"), D("128.00"), D("1408.00")),  # food served on site: 10%
        ("technicien", 8, D("520.00"), D("0.20"), D("104.00"), D("624.00")),
        ("streaming", 1, D("550.00"), D("0.20"), D("110.00"), D("660.00")),
    ]
    assert (quote.excl_vat, quote.vat, quote.incl_vat) == (D("2870.00"), D("446.00"), D("3316.00"))
    assert quote.lines == ("2027-03-01: 1 day",)


def test_each_lines_vat_is_rounded_to_the_cent_before_the_total():
    coffee = pricing.Offered("pause-cafe", "Pause café", "catering", "person", D("6.55"), D("0.10"))
    room = Quote(excl_vat=D("0.00"), vat=D("0.00"), incl_vat=D("0.00"))

    quote = pricing.itemised("Room", room, [(coffee, 3), (coffee, 3)])

    # 3 x 6.55 = 19.65, VAT 1.965 -> 1.97 per line: 3.94 in all, not round(3.93)
    assert [i.vat for i in quote.items[1:]] == [D("1.97"), D("1.97")]
    assert quote.vat == D("3.94")


@pytest.mark.parametrize(
    ("requested", "online", "code"),
    [
        ([("champagne", 1)], 0, "unknown_service"),  # not sold at this site
        ([("streaming", 1)], 0, "service_not_here"),  # in salle-crau: not equipped for it
        ([("dejeuner", 10), ("dejeuner", 12)], 0, "service_repeated"),
        ([("streaming", 2)], 0, "once_per_booking"),  # checked even where it is offered
        ([], 30, "no_streaming_here"),  # people online in a room that cannot stream
    ],
)
def test_services_a_space_cannot_carry_are_refused_by_code(requested, online, code):
    space = "salle-etang" if code == "once_per_booking" else "salle-crau"
    problems = pricing.check_services(space, requested, OFFER, online_attendees=online)
    assert code in [p.code for p in problems]


def test_people_online_need_the_streaming_package_booked_where_the_space_has_one():
    assert [p.code for p in pricing.check_services("salle-etang", [], OFFER, online_attendees=30)] == [
        "streaming_needed"
    ]
    assert pricing.check_services("salle-etang", [("streaming", 1)], OFFER, online_attendees=30) == []


def test_kits_count_at_the_busiest_instant_not_over_the_whole_window():
    uses = [(at(9), at(11), 1), (at(11), at(13), 1), (at(10), at(12), 1)]
    # 09-11 and 11-13 never meet (half-open); 10-12 meets each: two at once at most
    assert stock.peak_use(uses, at(8), at(14)) == 2
    assert stock.left(2, uses, at(8), at(14)) == 0
    assert stock.left(2, uses, at(12), at(14)) == 1  # only 11-13 reaches into this window
    assert stock.left(2, uses, at(13), at(14)) == 2


def test_cancelling_is_free_until_the_policy_days_then_costs_its_percentage():
    start = at(9)
    terms = pricing.cancellation_terms(D("2870.00"), start, free_days=14, fee_percent=30)

    assert terms.free_until == start - timedelta(days=14)
    assert pricing.cancellation_fee(terms, start - timedelta(days=15)) == D("0.00")
    assert pricing.cancellation_fee(terms, start - timedelta(days=14)) == D("0.00")  # the last free moment
    assert pricing.cancellation_fee(terms, start - timedelta(days=13)) == D("861.00")  # 30% of 2870
    assert pricing.cancellation_fee(None, start) == D("0.00")  # a space without terms
