"""Where a page may send someone next: a path on this site, however a hostile link spells another."""

from __future__ import annotations

import pytest

from booking.web.redirects import local_target

HOME = "/home"


@pytest.mark.parametrize(
    "target",
    [
        "/staff/approvals",
        "/portal/search?site=la-coque&date=2026-11-30",
        "/staff/#booking-12",  # a fragment stays on the page
        "/portal/search?title=caf%C3%A9",  # encoded text in a query is just text
        "/login",
    ],
)
def test_a_path_on_this_site_is_followed(target):
    assert local_target(target, HOME) == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/phish",  # scheme-relative: another host
        "/\t/evil.example/phish",  # browsers drop the tab: //evil.example
        "/\n/evil.example/phish",  # browsers drop newlines too, and a header cannot carry one
        "/\r\n/evil.example/phish",
        "/\r/evil.example/phish",
        "\t//evil.example/phish",  # leading whitespace is stripped by browsers
        " //evil.example/phish",
        "/\\evil.example/phish",  # a backslash reads as a slash
        "/\\/evil.example/phish",
        "\\\\evil.example/phish",
        "/staff\\..\\..\\evil",
        "https://evil.example/phish",
        "HTTPS://evil.example/phish",
        "http:evil.example",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example/phish",  # relative: resolves against wherever the form was
        "/%2F/evil.example/phish",  # encoded: // once decoded
        "/%2f%2fevil.example",
        "/%5Cevil.example",  # encoded backslash
        "/%09/evil.example",  # encoded tab
        "/%0A/evil.example",  # encoded newline
        "%2F%2Fevil.example",
        "/\x00/evil.example",  # other control characters
        "/\x7f/evil.example",
        "/\u200b/evil.example",  # an invisible format character
        "/\u2028/evil.example",  # a line separator
    ],
)
def test_anywhere_else_goes_home_instead(target):
    assert local_target(target, HOME) == HOME


@pytest.mark.parametrize("target", [None, ""])
def test_no_target_goes_home(target):
    assert local_target(target, HOME) == HOME
