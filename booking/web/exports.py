"""The desk's bookings as a file: CSV for any program, XLSX for a spreadsheet, with the same columns.

Times are the site's: ISO 8601 with the offset in the CSV; in the workbook, the site's wall-clock
time (a spreadsheet has no time zones), which the column's header says. After the fixed columns,
one quantity column per service item the exported bookings carry (empty where a booking has none).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from booking.models import Booking, ServiceItem
from booking.services import extras
from booking.web.labels import layout_label, status_label

COLUMNS = (
    ("reference", _l("Reference")),
    ("site", _l("Site")),
    ("space", _l("Space")),
    ("company", _l("Company")),
    ("title", _l("Title")),
    ("status", _l("Status")),
    ("start", _l("Start (site time)")),
    ("end", _l("End (site time)")),
    ("attendees", _l("Attendees")),
    ("online_attendees", _l("Online attendees")),
    ("layout", _l("Layout")),
    ("excl_vat", _l("Price excl. VAT (EUR)")),
    ("vat", _l("VAT (EUR)")),
    ("incl_vat", _l("Price incl. VAT (EUR)")),
    ("services_excl_vat", _l("Services excl. VAT (EUR)")),
    ("cancellation_fee", _l("Cancellation fee excl. VAT (EUR)")),
    ("group", _l("Series or roadshow")),
    ("booked_by", _l("Booked by")),
    ("booked_at", _l("Booked at (site time)")),
)
MONEY = ("excl_vat", "vat", "incl_vat", "services_excl_vat", "cancellation_fee")
TIMES = ("start", "end", "booked_at")
Column = tuple[str, object]  # (key in a row, header)


def columns(bookings: Sequence[Booking]) -> list[Column]:
    """The fixed columns, then a quantity per service item present, by site and in the site's order."""
    items = {line.item.id: line.item for booking in bookings for line in booking.services}
    ordered = sorted(items.values(), key=lambda item: (item.site_id, item.id))
    # the site in every such header: sites sell services of the same name (a coffee break at each)
    return [
        *COLUMNS,
        *((_service_key(item), _("%(service)s, %(site)s (quantity)", service=item.name, site=item.site.name))
          for item in ordered),
    ]  # fmt: skip


def _service_key(item: ServiceItem) -> str:
    return f"service:{item.id}"


def row(booking: Booking) -> dict[str, object]:
    """One booking as the export's values: local aware datetimes, Decimals, plain text."""
    tz = ZoneInfo(booking.space.site.timezone)
    quote = extras.booking_quote(booking)  # the space and its services, as the booking agreed them
    group = booking.group
    services = sum((line.excl_vat for line in quote.items if line.item is not None), Decimal("0.00"))
    return {
        "reference": booking.id,
        "site": booking.space.site.name,
        "space": booking.space.name,
        "company": booking.organisation.name,
        "title": booking.title,
        "status": status_label(booking.status),
        "start": booking.start_at.astimezone(tz),
        "end": booking.end_at.astimezone(tz),
        "attendees": booking.attendees,
        "online_attendees": booking.online_attendees or 0,
        "layout": layout_label(booking.layout) if booking.layout else "",
        "excl_vat": quote.excl_vat,
        "vat": quote.vat,
        "incl_vat": quote.incl_vat,
        "services_excl_vat": services,
        "cancellation_fee": booking.cancellation_fee,  # None: not cancelled, or cancelled before fees existed
        "group": f"{_('series') if group.kind == 'series' else _('roadshow')} {group.id}" if group else "",
        "booked_by": booking.created_by.email if booking.created_by else "",
        "booked_at": booking.created_at.astimezone(tz),
    } | {_service_key(line.item): line.quantity for line in booking.services}


def as_csv(bookings: Iterable[Booking]) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opening it reads « Château » right."""
    bookings = list(bookings)
    header = columns(bookings)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([str(label) for _key, label in header])
    for booking in bookings:
        values = row(booking)
        writer.writerow([_text(values.get(key)) for key, _label in header])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def as_xlsx(bookings: Iterable[Booking], sheet_title: str) -> bytes:
    """A workbook of one sheet: a header row kept in view, dates as dates, amounts as numbers."""
    bookings = list(bookings)
    header = columns(bookings)
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]  # Excel's limit for a sheet's name
    sheet.append([str(label) for _key, label in header])
    sheet.freeze_panes = "A2"
    for booking in bookings:
        values = row(booking)
        sheet.append([_cell(values.get(key)) for key, _label in header])
    for index, (key, label) in enumerate(header, start=1):
        letter = get_column_letter(index)
        number_format = "yyyy-mm-dd hh:mm" if key in TIMES else "#,##0.00" if key in MONEY else None
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(label)) + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # the site's wall clock: a spreadsheet has no time zones
    return value
