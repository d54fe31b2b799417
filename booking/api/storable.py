"""Refuse text PostgreSQL cannot store (NUL characters, lone UTF-16 surrogates) as a 422, not a 500.

Any string in the URL, the query, a form or a JSON body may end up in a query parameter; psycopg
refuses both with an error the API would otherwise answer 500. Checked once, before any view.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, request

from booking.errors import Invalid
from booking.rules import Problem


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate)"
    return None


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            yield from _strings(key, name)
            yield from _strings(item, name)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def _json_may_spell_unstorable(body: bytes) -> bool:
    """Whether a JSON body can hold NUL or a lone surrogate at all.

    In UTF-8 JSON NUL can only be spelled as a ``\\u`` escape (a raw one is not valid JSON), and
    so can a lone surrogate, unless its raw bytes (0xED 0xA0-0xBF) slip through: Python's JSON
    decoder lets them pass. NUL bytes mean UTF-16 or UTF-32. Any of these: read the long way.
    Most bodies have none, and are not parsed a second time here (webargs parses its own).
    """
    return b"\\u" in body or b"\x00" in body or b"\xed" in body


def refuse_unstorable_text() -> None:
    """Every string of the request, wherever it comes from; 422 naming the first bad field."""
    sources = [request.view_args or {}, request.args.to_dict(flat=False)]
    if request.is_json:  # a JSON body has no form: looking for one is wasted work on every API write
        if _json_may_spell_unstorable(request.get_data(cache=True)):
            sources.append(request.get_json(silent=True))
    else:
        sources.append(request.form.to_dict(flat=False))
    for source in sources:
        for field, text in _strings(source, ""):
            reason = unstorable(text)
            if reason:
                raise Invalid([Problem(field or "body", reason)])


def init_app(app: Flask) -> None:
    app.before_request(refuse_unstorable_text)
