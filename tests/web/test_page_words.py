"""Every page of the visitor's tour speaks its reader's language and shows things by their names.

A French page shows no English word of the app's own (one the French catalog translates differently),
and no page, French or English, shows a raw ISO timestamp, a UTC offset, a time to the second, a Python
``None`` or object repr, or a site's or space's slug where its name belongs. The pages are read as the browser gets them
(the test client, HTML), their visible text and the words a screen reader or a tooltip gives.
"""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pagekit import csrf_of
from pagetour import fill, pages

ROOT = Path(__file__).resolve().parents[2]
FRENCH = ROOT / "booking" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
SHORT = re.compile(r"[A-Z][A-Za-z’'-]*(?: [A-Za-z’'-]+){0,2}")  # a label of one to three words, no placeholder

# English labels whose letters French pages rightly show: they are French words too
ALLOWED = {
    "Mon",  # Monday's short name in English, and French for "my" ("Mon compte")
    "E-mail",  # the staff's mail list ("Courriels"), and French's word in "Adresse e-mail"
}
SEEN_NOWHERE = ("script", "style", "template")
SPOKEN = ("title", "alt", "placeholder", "aria-label")
RAW = {
    "an ISO timestamp": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"),
    "a UTC offset": re.compile(r"\+00:00"),
    "a time to the second": re.compile(r"(?<![\d:])\d{1,2}:\d{2}:\d{2}(?![\d:])"),  # people read minutes
    "Python's None": re.compile(r"\bNone\b"),
    "an object's repr": re.compile(r"<booking\.|<[A-Z]\w+ \d+>|object at 0x"),
}


def english_words() -> re.Pattern:
    """The app's English labels that French says differently, as whole words in any case (a raw 'pending' too)."""
    with FRENCH.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    words = {
        m.id
        for m in catalog
        if isinstance(m.id, str) and m.string and m.string != m.id and SHORT.fullmatch(m.id) and m.id not in ALLOWED
    }
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w’'-])(?:{alternatives})(?![\w’'-])", re.IGNORECASE)


def slugs() -> re.Pattern:
    """The sites' and spaces' slugs that are not words themselves ('la-coque', not 'auditorium' or 'parc')."""
    with (ROOT / "config" / "sites.toml").open("rb") as handle:
        sites = tomllib.load(handle)["sites"]
    found = {s["slug"] for s in sites} | {space["slug"] for s in sites for space in s.get("spaces", [])}
    return re.compile(r"(?<![\w/-])(?:" + "|".join(re.escape(s) for s in found if "-" in s) + r")(?![\w/-])")


class Reader(HTMLParser):
    """What a page says: its text outside scripts and styles, and its tooltips, alt texts and labels."""

    def __init__(self):
        super().__init__()
        self.said: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in SEEN_NOWHERE:
            self.hidden += 1
        self.said += [value for name, value in attrs if name in SPOKEN and value]

    def handle_endtag(self, tag):
        if tag in SEEN_NOWHERE:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.said.append(data)


def said(html: str) -> str:
    reader = Reader()
    reader.feed(html)
    return " ¶ ".join(" ".join(part.split()) for part in reader.said)


def around(text: str, match: re.Match) -> str:
    return text[max(0, match.start() - 40) : match.end() + 40]


@pytest.fixture
def tour(customer, staff, make_user, monday):
    fill(customer, staff, make_user, monday)
    return {"customer": customer, "staff": staff, None: None}


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("who", ["customer", "staff", None])
def test_every_page_speaks_its_language_and_names_things(client, sign_in, tour, monday, who, lang):
    if tour[who] is not None:
        sign_in(tour[who], lang=lang)
    else:
        token = csrf_of(client.get("/login").text)
        client.post("/language", data={"lang": lang, "next": "/login", "csrf_token": token})
    english = english_words() if lang == "fr" else None
    slug = slugs()
    wrong = []
    for visit in [v for v in pages(monday) if v.who == who]:
        response = client.get(visit.path, headers={"Accept": "text/html"})
        assert response.status_code in (200, 404), f"{visit.path}: {response.status_code}"
        text = said(response.text)
        found = [(what, m) for what, pattern in RAW.items() for m in pattern.finditer(text)]
        found += [("a slug", m) for m in slug.finditer(text)]
        found += [("an English word", m) for m in english.finditer(text)] if english else []
        wrong += [f"{visit.path}: {what} {m.group()!r} in …{around(text, m)}…" for what, m in found]
    assert not wrong, "\n".join(wrong)
