"""One e-mail as the standard library builds it: text, HTML and an optional iTIP invitation.

Every header value goes through ``one_line`` and every address through ``headerregistry.Address``,
so no name, company or booking title can start a header of its own (``Bcc:``) however it is
spelt; the standard library's SMTP policy refuses a line break in a header besides. No Flask here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, parseaddr

# every control character (CR, LF, TAB, NUL...), the Unicode line and paragraph separators
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
MAX_SUBJECT = 200


class BadAddress(ValueError):
    """Not an address a message can be sent to."""


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """Text safe for a header: breaks and control characters become spaces, trimmed to ``limit``."""
    flat = " ".join(_BREAKS.sub(" ", text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def address(addr_spec: str, display_name: str = "") -> Address:
    """A recipient or sender, validated: a stray comma, bracket or line break cannot add another one."""
    addr_spec = (addr_spec or "").strip()
    if not addr_spec or _BREAKS.search(addr_spec) or any(c in addr_spec for c in ',;<>()[]"\\ '):
        raise BadAddress(f"{addr_spec!r} is not a single e-mail address")
    try:
        parsed = Address(display_name=one_line(display_name, 100), addr_spec=addr_spec)
    except (ValueError, IndexError) as exc:  # the header registry's own checks
        raise BadAddress(f"{addr_spec!r} is not an e-mail address: {exc}") from None
    if not parsed.domain or "." not in parsed.domain:
        raise BadAddress(f"{addr_spec!r} has no domain")
    return parsed


def sender_address(configured: str) -> Address:
    """``ONEXP_MAIL_FROM`` ("OneXperience <reservations@...>" or a bare address) as an Address."""
    name, addr_spec = parseaddr(configured)
    return address(addr_spec, name)


@dataclass(frozen=True)
class Invitation:
    """An iTIP part (RFC 5546): the VCALENDAR's bytes and its METHOD."""

    ics: bytes
    method: str  # REQUEST | CANCEL


def build(
    *, sender: Address, to: Address, subject: str, text: str, html: str, message_id: str, date: datetime,
    language: str, invitation: Invitation | None = None, reply_to: Address | None = None,
) -> EmailMessage:  # fmt: skip
    """multipart/alternative: text/plain, text/html, then text/calendar when there is an invitation.

    The calendar part sits among the alternatives, with ``method=`` on its Content-Type, which is
    where Outlook, Gmail and Apple Mail look for an invitation to add, update or remove in place.
    """
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to
    if reply_to is not None:
        message["Reply-To"] = reply_to
    message["Subject"] = one_line(subject)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if invitation is not None:
        message.add_alternative(
            invitation.ics.decode(), subtype="calendar", params={"method": invitation.method}, cte="base64"
        )
    message["Content-Language"] = language  # after the parts: setting content drops Content-* headers
    return message


def display(addr: Address) -> str:
    """An address as a person reads it: « Alice <alice@example.org> »."""
    return formataddr((addr.display_name, addr.addr_spec))
