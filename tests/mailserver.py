"""A real SMTP server for the tests: aiosmtpd on a free port, in this process.

It records every message it accepts (envelope and bytes) and can be told, mid-test, to be down,
slow, to answer 4xx, or to refuse some addresses for good (5xx). ``tls=True`` offers STARTTLS
with a throwaway certificate (made by the ``openssl`` command); ``users`` requires AUTH.

    with SmtpServer() as smtp:
        app.config["MAIL_URL"] = smtp.url     # smtp://127.0.0.1:PORT
        ...; smtp.wait_for(2)                 # the messages, once two have arrived
        smtp.stop(); smtp.start()             # down, then back on the same port
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import subprocess
import tempfile
import threading
import warnings
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from servers import HOST, free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    authenticated: bool

    @property
    def message(self) -> EmailMessage:
        """The message parsed back by the standard library's MIME parser."""
        return message_from_bytes(self.content, policy=policy.default)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, from the openssl command line tool."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO


class SmtpServer:
    def __init__(self, *, tls: bool = False, implicit_tls: bool = False, users: dict[str, str] | None = None):
        self.port = free_port()
        self.received: list[Received] = []
        self.refused: dict[str, str] = {}  # address -> the reply to RCPT TO (e.g. "550 5.1.1 no such user")
        self.temporary_failure = ""  # e.g. "451 4.3.0 try again later": answered to every RCPT
        self.greeting_delay = 0.0  # seconds before answering EHLO: a slow server
        self.users = users or {}
        self.arrived = threading.Condition()
        self.folder = Path(tempfile.mkdtemp(prefix="onexp-smtp-"))
        self.implicit_tls = implicit_tls
        self.auth_attempts = 0
        self.tls_context = None
        self.cert: Path | None = None
        if tls or implicit_tls:
            self.cert, key = self_signed_certificate(self.folder)
            self.tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.tls_context.load_cert_chain(self.cert, key)
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{HOST}:{self.port}"

    def url_with(self, user: str, password: str) -> str:
        return self.url.replace("://", f"://{user}:{password}@")

    # --- what the server says ----------------------------------------------------------------

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802 (aiosmtpd's name)
        if self.greeting_delay:
            await asyncio.sleep(self.greeting_delay)
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return self.refused[address]
        if self.temporary_failure:
            return self.temporary_failure
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        received = Received(
            envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content,
            # on implicit TLS aiosmtpd leaves session.ssl empty, but nothing else gets in
            tls=self.implicit_tls or session.ssl is not None, authenticated=bool(session.authenticated),
        )  # fmt: skip
        with self.arrived:
            self.received.append(received)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        self.auth_attempts += 1
        ok = self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> SmtpServer:
        options = {}
        if self.implicit_tls:
            options |= {"ssl_context": self.tls_context}
        elif self.tls_context is not None:
            options |= {"tls_context": self.tls_context, "require_starttls": False}
        if self.users:
            # aiosmtpd only knows of STARTTLS: on implicit TLS the connection is encrypted already
            options |= {"authenticator": self._authenticate, "auth_required": True,
                        "auth_require_tls": not self.implicit_tls}  # fmt: skip
        self.controller = Controller(self, hostname=HOST, port=self.port, decode_data=False, **options)
        with warnings.catch_warnings():  # "AUTH without requiring TLS" on implicit TLS, where all is TLS
            warnings.simplefilter("ignore", UserWarning)
            self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- what arrived ------------------------------------------------------------------------

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        """The messages received, once there are at least ``count`` of them."""
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} message(s) arrived, expected {count}")
            return list(self.received)

    def to(self, address: str) -> list[Received]:
        with self.arrived:
            return [r for r in self.received if address in r.rcpt_tos]
