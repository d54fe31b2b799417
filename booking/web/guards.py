"""Who may open a page: sign-in and staff checks that send people to the login form."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import redirect, request, url_for

from booking.auth import current_user
from booking.errors import DomainError, Forbidden
from booking.models import User


def viewer() -> User | None:
    """The signed-in person, or None (a bad bearer header on a page is just "not signed in")."""
    try:
        return current_user()
    except DomainError:
        return None


def signed_in(view: Callable) -> Callable:
    """The page needs a signed-in person; others go to the login form and come back."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if viewer() is None:
            return redirect(url_for("login.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def staff_only(view: Callable) -> Callable:
    """The page is for venue staff."""

    @functools.wraps(view)
    @signed_in
    def wrapper(*args, **kwargs):
        if not viewer().is_staff:
            raise Forbidden("venue staff only")
        return view(*args, **kwargs)

    return wrapper


def company_only(view: Callable) -> Callable:
    """The page is for a company's people."""

    @functools.wraps(view)
    @signed_in
    def wrapper(*args, **kwargs):
        if viewer().organisation is None:
            raise Forbidden("for companies' accounts")
        return view(*args, **kwargs)

    return wrapper


def company_or_staff(view: Callable) -> Callable:
    """The page is for a company's people, and for staff booking on a company's behalf."""

    @functools.wraps(view)
    @signed_in
    def wrapper(*args, **kwargs):
        if viewer().organisation is None and not viewer().is_staff:
            raise Forbidden("for companies' accounts and venue staff")
        return view(*args, **kwargs)

    return wrapper
