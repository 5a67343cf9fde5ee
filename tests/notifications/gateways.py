"""Real peers on loopback for the notification tests: an HTTP SMS gateway and an SMTP server."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _hung_up(connection: socket.socket) -> bool:
    """Whether the client closed its end (a killed process's sockets are closed by the kernel)."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class SmsGateway:
    """Accepts ``POST /`` with ``{id, to, text}``; drops a repeated id as a real gateway would,
    but counts it. ``status`` can be set to 503 (down) or 400 (bad number).

    ``confirmed`` counts, per id, the acceptances the gateway answered to a sender still
    listening: a sender killed while the gateway worked (its socket closed) was never told,
    so sending that message again is allowed; a second confirmation of one id is a duplicate.
    Any path is accepted: a test gives each sender its own, to hold the answers to one."""

    def __init__(self, port: int | None = None, delay: float = 0.0) -> None:
        self.port = port or free_port()
        self.delay = delay
        self.status = 200
        self.accepted: dict[str, dict] = {}
        self.requests = 0
        self.confirmed: Counter[str] = Counter()
        # A test holds the answers on a path (one path per sender) to kill that sender while
        # the gateway has its message and has not answered; ``parked`` counts held requests.
        self.held: set[str] = set()
        self.parked: Counter[str] = Counter()
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(gateway.delay)
                if self.path in gateway.held:
                    with gateway.lock:
                        gateway.parked[self.path] += 1
                    while self.path in gateway.held:
                        time.sleep(0.005)
                if _hung_up(self.connection):
                    return  # nobody to answer: the message was never confirmed
                with gateway.lock:
                    gateway.requests += 1
                    status = gateway.status
                    if status == 200:
                        gateway.accepted.setdefault(body["id"], body)
                        gateway.confirmed[body["id"]] += 1
                reply = b'{"error": "invalid number"}' if status == 400 else b"{}"
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def duplicates(self) -> int:
        """Messages confirmed more than once (each extra confirmation counts)."""
        with self.lock:
            return sum(n - 1 for n in self.confirmed.values())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> SmsGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpServer:
    """aiosmtpd on loopback, keeping what arrived; recipients at ``bounce.example`` are refused."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        server = self

        class Handler:
            async def handle_RCPT(self, srv, session, envelope, address, rcpt_options):  # noqa: N802
                if address.endswith("@bounce.example"):
                    return "550 5.1.1 mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, srv, session, envelope):  # noqa: N802
                import email
                from email import policy

                server.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
