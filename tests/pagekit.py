"""Helpers for tests of the pages: the factories' password and the CSRF token of a page."""

from __future__ import annotations

import re

PASSWORD = "correct horse battery"  # what tests/conftest.py's make_user gives everyone
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page put in its forms."""
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)
