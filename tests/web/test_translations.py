"""Every string of the pages has a French translation, and what runs is what the catalog says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "booking" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def source_messages() -> set:
    """What `pybabel extract -F babel.cfg` finds in the pages' code and templates."""
    method_map = [("booking/web/**.py", "python"), ("booking/web/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(m for m in message if m))
    return found


def french():
    with open(CATALOGS / "fr" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale="fr")


def test_every_string_of_the_pages_is_in_the_french_catalog():
    catalog = french()
    missing = [m for m in source_messages() if catalog.get(m) is None]
    assert missing == [], "run `make translations` and translate the new strings"


def test_every_french_string_is_translated_and_not_fuzzy():
    untranslated = [
        m.id for m in french() if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    ]
    assert untranslated == []


def test_translations_keep_every_placeholder():
    for message in french():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, message.id


def _key(value) -> tuple:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_compiled_catalog_matches_its_source(locale):
    # `make install` compiles the .mo files; a stale one would show yesterday's words
    folder = CATALOGS / locale / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as handle:
        source = {_key(m.id): _key(m.string) for m in read_po(handle, locale=locale) if m.id and any(_key(m.string))}
    with open(folder / "messages.mo", "rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    assert {key: compiled.get(key) for key in source} == source
