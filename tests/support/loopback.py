"""A misbehaving Lockt server of our own, on a real 127.0.0.1 socket (issue 13).

It shares no code with the simulator and no event loop with the client: a plain
``socketserver`` in OS threads, speaking just enough HTTP/1.1 (keep-alive,
``Content-Length``). Every write (POST, PUT, DELETE) is journaled by the server
itself with ``time.monotonic()`` start and end, so overlap is counted from the
server's side, not from the client's view:

* ``start``: the whole request arrived (the server starts applying it);
* ``end``: just before the last of the answer is written (a dripped answer: once it
  is fully written), or the connection was found gone.

Behaviour per request comes from ``server.handler(request) -> Reply | None``
(``None``: the default answer). A ``Reply`` can stall before answering, drip its
body one byte every ``drip`` seconds, answer any status with any headers (429 with
``Retry-After``...), and say whether the write is applied. A write is applied
after the stall, before the answer, whether or not the client is still there:
that is what a real server does with a request whose client timed out.

``GET /time`` answers the instance's zone (New York) unless the handler says otherwise.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import attrs

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})


@attrs.define
class Request:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    #: Monotonic time the whole request had arrived.
    start: float
    seq: int

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def records(self) -> list[Any]:
        """The record list of a write body (the first list value of the JSON object)."""
        body = self.json
        if isinstance(body, dict):
            for value in body.values():
                if isinstance(value, list):
                    return value
        return []


@attrs.define
class Reply:
    """How to answer one request."""

    status: int = 200
    #: None: the default body (the write summary, or the /time row).
    body: bytes | None = None
    headers: dict[str, str] = attrs.Factory(dict)
    #: Seconds to wait before answering (the server is "applying" the write meanwhile).
    stall: float = 0.0
    #: Seconds between body bytes (0: the body goes out at once).
    drip: float = 0.0
    #: Whether a write counts as applied (after the stall, before the answer).
    apply: bool = True
    #: Close the connection instead of answering (after the stall and the apply).
    drop: bool = False


@attrs.define
class Write:
    """One write the server received: when it started and ended, and what became of it."""

    seq: int
    method: str
    path: str
    records: list[Any]
    start: float
    end: float | None = None
    applied: bool = False
    status: int | None = None
    #: The answer could not be written (the client had gone).
    client_gone: bool = False


def summary(n: int) -> bytes:
    """The documented write summary for ``n`` records, all inserted."""
    return json.dumps({"data": {"submitted": n, "inserted": n, "updated": 0, "errors": 0}}).encode()


TIME_BODY = json.dumps(
    {
        "data": [
            {
                "datetime_utc": "2026-01-01T12:00:00.000Z",
                "timezone": "America/New_York",
                "datetime_local": "2026-01-01 07:00:00",
                "offset": -5,
            }
        ]
    }
).encode()


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        sock: socket.socket = self.request
        self.server.track(sock)
        rfile = sock.makefile("rb")
        try:
            while not self.server.stopping.is_set():
                line = rfile.readline(65537)
                if not line:
                    return
                if not line.strip():
                    continue
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    h = rfile.readline(65537)
                    if h in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = h.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                body = rfile.read(length) if length else b""
                if not self._answer(sock, method, target, headers, body):
                    return
        except (OSError, ValueError):
            return
        finally:
            self.server.untrack(sock)
            rfile.close()

    def _answer(
        self, sock: socket.socket, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> bool:
        srv = self.server.owner
        path = target.split("?", 1)[0]
        req = Request(method, target, headers, body, time.monotonic(), srv.next_seq())
        srv.requests.append(req)
        reply = srv.handler(req) if srv.handler is not None else None
        reply = reply or Reply()
        write = None
        if method in WRITE_METHODS:
            write = Write(req.seq, method, target, req.records, req.start)
            srv.writes.append(write)
        if reply.stall > 0:
            self.server.stopping.wait(reply.stall)
        payload = reply.body
        if write is not None:
            write.status = reply.status
            if reply.apply and (200 <= reply.status < 300 or reply.drop):
                write.applied = True
                srv.applied.extend(write.records)
            if payload is None:
                payload = summary(len(write.records))
        elif payload is None:
            payload = TIME_BODY if path.endswith("/time") else b'{"data": []}'
        if reply.drop:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            if write is not None:
                write.end = time.monotonic()
            return False
        head = [f"HTTP/1.1 {reply.status} X", f"Content-Length: {len(payload)}"]
        head += ["Content-Type: application/json"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        ok = True
        try:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            if reply.drip > 0:
                for i in range(len(payload)):
                    sock.sendall(payload[i : i + 1])
                    if self.server.stopping.wait(reply.drip):
                        ok = False
                        break
            else:
                if write is not None:
                    # Stamped before the answer leaves: once it is sent, the client may
                    # release its gate and the next write may be stamped before this
                    # thread runs again (a false overlap on a loaded machine).
                    write.end = time.monotonic()
                sock.sendall(payload)
        except OSError:
            ok = False
        if write is not None:
            if write.end is None or reply.drip > 0:
                write.end = time.monotonic()
            write.client_gone = not ok
        return ok


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: LoopbackServer):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner
        self.stopping = threading.Event()
        self._socks: set[socket.socket] = set()
        self._guard = threading.Lock()

    def track(self, sock: socket.socket) -> None:
        with self._guard:
            self._socks.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        with self._guard:
            self._socks.discard(sock)

    def close_all(self) -> None:
        with self._guard:
            for s in self._socks:
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


class LoopbackServer:
    """The server's state: the handler, and what it received, wrote and applied."""

    def __init__(self, handler: Callable[[Request], Reply | None] | None = None):
        self.handler = handler
        self.requests: list[Request] = []
        self.writes: list[Write] = []
        #: Records of every applied write, in order (duplicates kept).
        self.applied: list[Any] = []
        self._seq = 0
        self._seq_guard = threading.Lock()
        self.url = ""

    def next_seq(self) -> int:
        with self._seq_guard:
            self._seq += 1
            return self._seq

    def max_concurrent_writes(self) -> int:
        """The most writes the server was handling at one instant (from its own clock)."""
        events: list[tuple[float, int]] = []
        for w in self.writes:
            end = w.end if w.end is not None else float("inf")
            events += [(w.start, 1), (end, -1)]
        events.sort(key=lambda e: (e[0], e[1]))  # an end at the same instant comes first
        most = now = 0
        for _, delta in events:
            now += delta
            most = max(most, now)
        return most

    def overlapping_pairs(self) -> list[tuple[Write, Write]]:
        """Every pair of writes whose [start, end] intervals intersect."""
        ws = sorted(self.writes, key=lambda w: w.start)
        pairs = []
        for i, a in enumerate(ws):
            a_end = a.end if a.end is not None else float("inf")
            for b in ws[i + 1 :]:
                if b.start >= a_end:
                    break
                pairs.append((a, b))
        return pairs

    def writes_started_after(self, t: float) -> list[Write]:
        return [w for w in self.writes if w.start > t]


@contextmanager
def loopback(
    handler: Callable[[Request], Reply | None] | None = None,
) -> Iterator[LoopbackServer]:
    """Run a loopback server in threads until the block exits; ``.url`` is its base URL."""
    state = LoopbackServer(handler)
    srv = _Server(state)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{srv.server_address[1]}/api/v1"
    try:
        yield state
    finally:
        srv.stopping.set()
        srv.shutdown()
        srv.close_all()
        srv.server_close()
        thread.join(5)
