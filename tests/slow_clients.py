"""Clients that send half a request and then a byte now and then: what a slow link, or an attacker, does.

    with SlowClients("127.0.0.1", 8443, count=200, context=ssl_context) as clients:
        clients.all_open.wait(60)   # every connection open and holding, at once
        ...                          # meanwhile, see whether the server still answers others

Half of them never finish their headers, the other half send whole headers and never finish their
body. A connection the server drops is opened again at the next round, so ``count`` stay held for
as long as the block lasts. One thread drives them all.
"""

from __future__ import annotations

import socket
import ssl
import threading

HALF_HEADERS = b"GET /healthz HTTP/1.1\r\nHost: %s\r\nUser-Agent: slow-client\r\n"
HALF_BODY = (
    b"POST /api/v1/bookings HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
    b'Content-Length: 100000\r\n\r\n{"site": '
)
ROUND = 1.0  # seconds between two trickles on every connection


class SlowClients:
    def __init__(self, host: str, port: int, *, count: int, context: ssl.SSLContext | None = None) -> None:
        self.host, self.port, self.count, self.context = host, port, count, context
        self.sockets: list[socket.socket | None] = [None] * count
        self.opened = self.dropped = self.refused = 0
        self.all_open = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def _open(self, index: int) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=10)
            if self.context is not None:
                sock = self.context.wrap_socket(sock, server_hostname=self.host)
            start = HALF_HEADERS if index % 2 == 0 else HALF_BODY
            sock.sendall(start % self.host.encode())
        except OSError:
            self.refused += 1
            return None
        self.opened += 1
        return sock

    def _trickle(self, index: int, sock: socket.socket) -> bool:
        """One more byte or header line; False when the server has dropped the connection."""
        try:
            sock.sendall(b"X-Slow: 1\r\n" if index % 2 == 0 else b" ")
        except OSError:
            return False
        return True

    def _run(self) -> None:
        while not self.stop.is_set():
            for index, sock in enumerate(self.sockets):
                if self.stop.is_set():
                    break
                if sock is not None and not self._trickle(index, sock):
                    self.dropped += 1
                    sock.close()
                    sock = None
                if sock is None:
                    self.sockets[index] = sock = self._open(index)
            if all(self.sockets):
                self.all_open.set()
            self.stop.wait(ROUND)

    def held(self) -> int:
        """Connections open right now."""
        return sum(sock is not None for sock in self.sockets)

    def __enter__(self) -> SlowClients:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(30)
        for sock in self.sockets:
            if sock is not None:
                sock.close()
