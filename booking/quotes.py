"""A quote as the JSON documents show it: the API's answers (QuoteSchema) and the webhook payloads alike.

Pure: plain values in, a dict out, its times in the site's time zone. Here rather than in the API
so the services' payload builders use the very same shape without importing the HTTP layer.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from booking import rules
from booking.pricing import QuoteLine


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def amounts_json(line: QuoteLine) -> dict:
    """What one line costs: its unit price, excl. VAT, its own VAT rate, the VAT and incl. VAT."""
    return {
        "unit_price": money(line.unit_price),
        "excl_vat": money(line.excl_vat),
        "vat_rate": money(line.vat_rate),
        "vat": money(line.vat),
        "incl_vat": money(line.incl_vat),
    }


def line_json(line: QuoteLine) -> dict:
    return {
        "kind": line.kind, "item": line.item, "label": line.label, "quantity": line.quantity, "per": line.per,
        **amounts_json(line),
    }  # fmt: skip


def quote_json(quote: rules.Quote, timezone: str) -> dict:
    """A quote as QuoteSchema documents it, its times in the site's time zone."""
    terms = quote.cancellation
    return {
        "excl_vat": money(quote.excl_vat),
        "vat": money(quote.vat),
        "incl_vat": money(quote.incl_vat),
        "vat_rate": "0.20",
        "currency": quote.currency,
        "lines": list(quote.lines),
        "items": [line_json(line) for line in quote.items],
        "cancellation": None
        if terms is None
        else {
            "free_until": terms.free_until.astimezone(ZoneInfo(timezone)).isoformat(),
            "fee_percent": terms.fee_percent,
            "fee": money(terms.fee),
        },
    }
