"""Handing finished messages to a mail server (``smtp://``, ``smtps://``) or to a local catcher (``maildir://``).

``ONEXP_MAIL_URL`` semantics (DESIGN.md): ``smtp://`` upgrades with STARTTLS whenever the server
offers it, and always before sending credentials; a server that offers none (a local relay, the
tests' server) is spoken to in plain text only when the URL carries no credentials. ``smtps://``
is TLS from the first byte (port 465). ``maildir:///FOLDER`` delivers into a Maildir folder (what
``make run`` uses: the ``/dev/mail`` page and any mail reader open it); no Flask, no database here.
"""

from __future__ import annotations

import mailbox
import smtplib
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""
    final: bool = False  # retrying cannot help: the server refused this address or this message for good


class ConnectionLost(Exception):
    """The server went away (or never answered): nothing more can be sent on this connection."""


@dataclass(frozen=True)
class MailServer:
    """Where ``ONEXP_MAIL_URL`` points, parsed."""

    scheme: str  # smtp | smtps | maildir
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = ""
    path: str = ""

    @classmethod
    def from_url(cls, url: str) -> MailServer:
        parts = urlsplit(url)
        if parts.scheme == "maildir":
            return cls("maildir", path=unquote(parts.path))
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError(f"ONEXP_MAIL_URL={url!r}: use smtp://HOST:587, smtps://HOST:465 or maildir:///FOLDER")
        username, password = unquote(parts.username or ""), unquote(parts.password or "")
        default_port = 465 if parts.scheme == "smtps" else (587 if username else 25)
        return cls(parts.scheme, parts.hostname, parts.port or default_port, username, password)

    @property
    def label(self) -> str:
        """Where mail goes, without the password (for logs and pages)."""
        if self.scheme == "maildir":
            return f"maildir://{self.path}"
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """Certificates checked against the system's authorities, or the operator's own CA."""
    return ssl.create_default_context(cafile=ca_file or None)


class SmtpConnection:
    """One SMTP session for a batch of messages; ``send`` never raises except ``ConnectionLost``."""

    def __init__(self, server: MailServer, *, timeout: float, ca_file: str = "", local_hostname: str | None = None):
        self.server = server
        context = tls_context(ca_file)
        try:
            if server.scheme == "smtps":
                self.smtp = smtplib.SMTP_SSL(
                    server.host, server.port, timeout=timeout, context=context, local_hostname=local_hostname
                )
                self.smtp.ehlo()
            else:
                self.smtp = smtplib.SMTP(server.host, server.port, timeout=timeout, local_hostname=local_hostname)
                self.smtp.ehlo()
                if self.smtp.has_extn("starttls"):
                    self.smtp.starttls(context=context)
                    self.smtp.ehlo()
                elif server.username:
                    self.smtp.close()
                    raise ConnectionLost(
                        f"{server.host}:{server.port} offers no STARTTLS: credentials are never sent in plain text"
                    )
            if server.username:
                self.smtp.login(server.username, server.password)
        except ConnectionLost:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise ConnectionLost(f"the mail server refused the credentials: {_reply(exc)}") from None
        except (smtplib.SMTPException, OSError) as exc:  # refused, unreachable, timed out, bad certificate
            raise ConnectionLost(_describe(exc, timeout)) from None
        self.timeout = timeout

    def send(self, raw: bytes, sender: str, recipient: str) -> Outcome:
        """Offer one message for one recipient; a 5xx about the address or the message is final."""
        try:
            self.smtp.sendmail(sender, [recipient], raw)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            return Outcome(False, f"{code} {_text(reply)}", final=code >= 500)
        except smtplib.SMTPDataError as exc:
            return Outcome(False, f"{exc.smtp_code} {_text(exc.smtp_error)}", final=exc.smtp_code >= 500)
        except smtplib.SMTPSenderRefused as exc:  # our own From: an operator's fix, not the address's fault
            return Outcome(False, f"sender refused: {exc.smtp_code} {_text(exc.smtp_error)}")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise ConnectionLost(_describe(exc, self.timeout)) from None
        except smtplib.SMTPResponseException as exc:
            return Outcome(False, f"{exc.smtp_code} {_text(exc.smtp_error)}", final=False)
        return Outcome(True)

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()


class MaildirConnection:
    """The local catcher: each message becomes a file in ``<folder>/new``, written atomically."""

    def __init__(self, server: MailServer, **_options):
        Path(server.path).parent.mkdir(parents=True, exist_ok=True)
        self.box = mailbox.Maildir(server.path, create=True)

    def send(self, raw: bytes, sender: str, recipient: str) -> Outcome:
        try:
            self.box.add(raw)
        except OSError as exc:
            raise ConnectionLost(f"cannot write to the mail folder: {exc}") from None
        return Outcome(True)

    def close(self) -> None:
        self.box.close()


def connect(server: MailServer, *, timeout: float, ca_file: str = "") -> SmtpConnection | MaildirConnection:
    """A connection to send a batch on; raises ``ConnectionLost`` when there is none to be had."""
    if server.scheme == "maildir":
        return MaildirConnection(server)
    return SmtpConnection(server, timeout=timeout, ca_file=ca_file)


def _text(reply: bytes | str) -> str:
    return (reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply))[:300]


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def _describe(exc: Exception, timeout: float) -> str:
    # smtplib reports a read that timed out as a disconnection "...: timed out"
    if isinstance(exc, socket.timeout | TimeoutError) or str(exc).endswith("timed out"):
        return f"no answer from the mail server within {timeout:g} s"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the mail server answered {_reply(exc)}"
    return f"{exc.__class__.__name__}: {str(exc)[:300]}"
