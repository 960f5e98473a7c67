"""A TCP relay between the browser and the live server that can take the network away.

Playwright's offline switch does not cover a service worker's own fetches, so the browser
tests talk to the live server through this gate instead: `down()` closes every connection
and stops listening, so new ones are refused (nothing reaches the server), `block(b"/api/")` refuses only requests
whose request line holds the bytes, and `cut_next(b"POST /api/v1/visits/")` lets the next
such request reach the server but drops its answer and then takes the network down — a send
cut off after the server committed it; `answer(b"POST ", b"503 …")` answers such requests
itself, as a proxy does while the application server restarts. Written here because no kept library does this
inside one test process (toxiproxy is a separate server)."""

from __future__ import annotations

import contextlib
import socket
import threading


class Gate:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.mode = "up"
        self.blocked: bytes | None = None
        self.cut: bytes | None = None
        self.answered: tuple[bytes, bytes] | None = None  # (pattern, status line) for answer()
        self.answers = 0  # requests answered by the gate itself
        self.turned_away: list[bytes] = []  # request lines refused or answered by the gate
        self.dropped = 0  # answers dropped by cut_next
        self.refused = 0  # requests refused by block()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._listen()

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def down(self) -> None:
        """No listener and no open connection: the browser's connections are refused."""
        with self._lock:
            if self.mode == "down":
                return
            self.mode = "down"
            self._close(self.listener)
            for s in list(self._open):
                self._close(s)

    def up(self) -> None:
        with self._lock:
            if self.mode == "down":
                self.listener = socket.create_server(("127.0.0.1", self.port))
                self._listen()
            self.mode, self.blocked, self.cut, self.answered = "up", None, None, None

    def block(self, pattern: bytes) -> None:
        self.blocked = pattern

    def answer(self, pattern: bytes, status: bytes = b"503 Service Unavailable") -> None:
        self.answered = (pattern, status)

    def cut_next(self, pattern: bytes) -> None:
        self.cut = pattern

    def close(self) -> None:
        self.down()

    # ---- plumbing
    def _close(self, s: socket.socket) -> None:
        self._open.discard(s)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            s.close()

    def _listen(self) -> None:
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return
            if self.mode == "down":
                self._close(client)
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                self._close(client)
                continue
            with self._lock:
                self._open.update({client, server})
            state = {"request": b""}
            threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, state: dict) -> None:
        """Browser → server: refuse while down or blocked; note each request's first line."""
        while True:
            try:
                data = client.recv(65536)
            except OSError:
                data = b""
            if not data or self.mode == "down":
                break
            first = data.split(b"\r\n", 1)[0]
            if first.endswith((b"HTTP/1.1", b"HTTP/1.0")):
                state["request"] = first
                if self.blocked and self.blocked in first:
                    self.refused += 1
                    self.turned_away.append(first)
                    break
                if self.answered and self.answered[0] in first:
                    self.answers += 1
                    self.turned_away.append(first)
                    body = self.answered[1]
                    head = b"HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                    with contextlib.suppress(OSError):
                        client.sendall(
                            head % (body, len(body)) + b"Connection: close\r\n\r\n" + body
                        )
                        # Read the rest of the request (a form's body) before closing, as a
                        # proxy does: closing on unread data resets the connection instead.
                        client.settimeout(2)
                        while client.recv(65536):
                            pass
                    break
            try:
                server.sendall(data)
            except OSError:
                break
        self._close(client)
        self._close(server)

    def _down(self, server: socket.socket, client: socket.socket, state: dict) -> None:
        """Server → browser: drop the answer `cut_next` asked for, then go down."""
        while True:
            try:
                data = server.recv(65536)
            except OSError:
                data = b""
            if not data or self.mode == "down":
                break
            if self.cut and self.cut in state["request"]:
                self.dropped += 1
                self.cut = None
                self.down()
                break
            try:
                client.sendall(data)
            except OSError:
                break
        self._close(client)
        self._close(server)
