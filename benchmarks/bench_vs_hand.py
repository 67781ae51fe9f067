"""Q2: the document's way (sequential requests), the naive async way (gather), the library.

Records lost = records the server does not hold afterwards (``GET /user``).
The naive gather overlaps writes, which the instance (and the simulator)
rejects with 429, so it loses records; the library must lose none.

(d) says where the library's extra time goes: the library and a hand-written
httpx loop each run once more on one ``httpx.AsyncClient`` with event hooks that
stamp every request as it is sent and every response as its headers arrive, against
a simulator that stamps each write's start and end on the same clock. Per page, a
response to the next request is the client's own turn-around (reading the body,
accounting, the next page's body); a request to its response is the server's own
time (its latency, its work inside it) plus the transit both ways (sockets, uvicorn,
httpx, two processes waking). Before its first page the library checks the whole
list (all or nothing) and builds its converter.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
import requests

from ._common import (
    OPTIONS,
    Metric,
    Sample,
    Server,
    Timer,
    check_result,
    check_server,
    pages_of,
    simulator,
    users,
    wire_user,
)

NAME = "vs_hand"
TITLE = "2. Library vs the document's way and the naive async way"
LIMIT = 100

METRICS = [
    Metric("n", "records", fmt="{:,.0f}"),
    Metric("latency_ms", "server latency per write", "ms", fmt="{:.0f}"),
    Metric("a_wall", "(a) requests, sequential pages: wall", "s", fmt="{:.2f}"),
    Metric("a_lost", "(a) requests: records lost", "", fmt="{:,.0f}"),
    Metric("b_wall", "(b) httpx asyncio.gather of all pages: wall", "s", fmt="{:.2f}"),
    Metric("b_lost", "(b) gather: records lost (429-rejected pages)", "", fmt="{:,.0f}"),
    Metric("b_429", "(b) gather: pages answered 429", "", fmt="{:,.0f}"),
    Metric("c_wall", "(c) library users.upsert: wall", "s", fmt="{:.2f}"),
    Metric("c_lost", "(c) library: records lost", "", "0", lambda v: v == 0, "{:,.0f}"),
    Metric(
        "c_vs_a",
        "(c) library wall / (a) requests wall",
        "x",
        "<= 1.0",
        lambda v: v <= 1.0,
        "{:.3f}",
    ),
    Metric(
        "d_lib_turn", "(d) per page, a response to the next request: library", "us", fmt="{:,.0f}"
    ),
    Metric(
        "d_hand_turn",
        "(d) per page, a response to the next request: hand httpx loop",
        "us",
        fmt="{:,.0f}",
    ),
    Metric(
        "d_turn_ratio", "(d) library / hand turn-around per page (informational)", "x", fmt="{:.3f}"
    ),
    Metric("d_lib_rtt", "(d) per page, a request to its response: library", "ms", fmt="{:.2f}"),
    Metric(
        "d_hand_rtt", "(d) per page, a request to its response: hand httpx loop", "ms", fmt="{:.2f}"
    ),
    Metric(
        "d_server",
        "(d) per page, hand loop: the server's own time, its start to its end",
        "ms",
        fmt="{:.2f}",
    ),
    Metric(
        "d_transit",
        "(d) per page, hand loop: transit, request sent to server start + server end to response",
        "ms",
        fmt="{:.2f}",
    ),
    Metric(
        "d_first",
        "(d) library: the call to its first request (the list's whole check)",
        "ms",
        fmt="{:.1f}",
    ),
    Metric("d_gap", "(d) library wall - hand httpx wall, same hooks", "ms", fmt="{:.1f}"),
]


def params(quick: bool) -> tuple[int, float]:
    return (2_000, 0.005) if quick else (20_000, 0.020)


def repeats(quick: bool) -> int:
    return 1 if quick else 3


def _lost(server: Server, ids: set[str]) -> int:
    held = {u.get("id_num") for u in server.users()}
    return len(ids - held)


def document_way(server: Server, n: int) -> float:
    """The vendor document's sample, looped: requests.post per hand-cut page of 100."""
    pages = pages_of([wire_user(i) for i in range(n)], LIMIT)
    headers = {"Content-type": "application/json", **server.headers}
    with requests.Session() as http, Timer() as t:
        for page in pages:
            r = http.post(
                server.base_url + "/user",
                json={"users": page, "options": OPTIONS},
                headers=headers,
                timeout=30,
            )
            r.raise_for_status()
    return t.elapsed


async def naive_gather(server: Server, n: int) -> tuple[float, int]:
    import asyncio

    pages = pages_of([wire_user(i) for i in range(n)], LIMIT)
    limits = httpx.Limits(max_connections=len(pages), max_keepalive_connections=len(pages))
    async with httpx.AsyncClient(timeout=60.0, limits=limits) as http:

        async def post(page: list[dict[str, object]]) -> int:
            r = await http.post(
                server.base_url + "/user",
                json={"users": page, "options": OPTIONS},
                headers=server.headers,
            )
            return r.status_code

        with Timer() as t:
            codes = await asyncio.gather(*(post(p) for p in pages))
    return t.elapsed, sum(1 for c in codes if c == 429)


async def library(server: Server, n: int) -> float:
    recs = users(n)
    async with server.client() as lockt:
        with Timer() as t:
            result = await lockt.users.upsert(recs)
    check_result(result, n, "library (vs hand)")
    return t.elapsed


class _Stamps:
    """Event hooks for one ``httpx.AsyncClient``: when each request was sent and each
    response's headers arrived (``time.monotonic``, the simulator's journal clock)."""

    def __init__(self) -> None:
        self.sent: list[float] = []
        self.answered: list[float] = []

    async def _request(self, request: httpx.Request) -> None:
        self.sent.append(time.monotonic())

    async def _response(self, response: httpx.Response) -> None:
        self.answered.append(time.monotonic())

    def client(self) -> httpx.AsyncClient:
        hooks: dict[str, list[Callable[[Any], Awaitable[None]]]] = {
            "request": [self._request],
            "response": [self._response],
        }
        return httpx.AsyncClient(timeout=60.0, event_hooks=hooks)

    def per_page(self, start: float, end: float, journal: str) -> dict[str, float]:
        """Medians per page: turn-around (us), round trip, server's own time and transit
        (ms); the lead-in (ms) and the wall (s). Every page must have been sent once and
        answered once: no retries to blur the pairing with the server's writes."""
        with open(journal, encoding="utf-8") as f:
            server: list[list[float]] = json.load(f)
        sent, answered = self.sent, self.answered
        if not sent or not len(sent) == len(answered) == len(server):
            raise AssertionError(f"{len(sent)} sent, {len(answered)} answered, {len(server)} held")
        med = statistics.median
        turns = [b - a for a, b in zip(answered, sent[1:], strict=False)]
        return {
            "turn": med(turns) * 1e6 if turns else 0.0,
            "rtt": med(b - a for a, b in zip(sent, answered, strict=True)) * 1e3,
            "server": med(e - b for b, e in server) * 1e3,
            "transit": med(
                (b - s) + (a - e) for s, a, (b, e) in zip(sent, answered, server, strict=True)
            )
            * 1e3,
            "first": (sent[0] - start) * 1e3,
            "wall": end - start,
        }


async def library_stamped(server: Server, n: int) -> tuple[_Stamps, float, float]:
    """The library's ``users.upsert`` of a list on a hooked client (settle as by default)."""
    recs = users(n)
    stamps = _Stamps()
    async with stamps.client() as http, server.client(http_client=http, settle=5.0) as lockt:
        start = time.monotonic()
        result = await lockt.users.upsert(recs)
        end = time.monotonic()
    check_result(result, n, "library (stamped)")
    return stamps, start, end


async def hand_stamped(server: Server, n: int) -> tuple[_Stamps, float, float]:
    """The hand-written httpx loop (pre-built pages, ``json=``) on a hooked client."""
    pages = pages_of([wire_user(i) for i in range(n)], LIMIT)
    stamps = _Stamps()
    async with stamps.client() as http:
        start = time.monotonic()
        for page in pages:
            r = await http.post(
                server.base_url + "/user",
                json={"users": page, "options": OPTIONS},
                headers=server.headers,
            )
            r.raise_for_status()
        end = time.monotonic()
    return stamps, start, end


def run(quick: bool) -> Sample:
    n, latency = params(quick)
    ids = {u["id_num"] for u in users(n)}
    s = Sample()
    s.values["n"] = n
    s.values["latency_ms"] = latency * 1000
    with simulator(latency=latency, record_limit=LIMIT) as srv:
        s.values["a_wall"] = document_way(srv, n)
        s.values["a_lost"] = _lost(srv, ids)
    with simulator(latency=latency, record_limit=LIMIT) as srv:
        wall, rejected = anyio.run(naive_gather, srv, n, backend="asyncio")
        s.values["b_wall"], s.values["b_429"] = wall, rejected
        s.values["b_lost"] = _lost(srv, ids)
    with simulator(latency=latency, record_limit=LIMIT) as srv:
        s.values["c_wall"] = anyio.run(library, srv, n)
        s.values["c_lost"] = check_server(srv, ids, "library (vs hand)")
    s.values["c_vs_a"] = s.values["c_wall"] / s.values["a_wall"]
    with tempfile.TemporaryDirectory() as tmp:
        journal = os.path.join(tmp, "journal.json")
        with simulator(latency=latency, record_limit=LIMIT, journal=journal) as srv:
            stamps, start, end = anyio.run(library_stamped, srv, n)
            check_server(srv, ids, "library (stamped)")
        lib = stamps.per_page(start, end, journal)
        with simulator(latency=latency, record_limit=LIMIT, journal=journal) as srv:
            stamps, start, end = anyio.run(hand_stamped, srv, n)
            check_server(srv, ids, "hand httpx loop (stamped)")
        hand = stamps.per_page(start, end, journal)
    s.values["d_lib_turn"], s.values["d_hand_turn"] = lib["turn"], hand["turn"]
    s.values["d_turn_ratio"] = lib["turn"] / hand["turn"]
    s.values["d_lib_rtt"], s.values["d_hand_rtt"] = lib["rtt"], hand["rtt"]
    s.values["d_server"], s.values["d_transit"] = hand["server"], hand["transit"]
    s.values["d_first"] = lib["first"]
    s.values["d_gap"] = (lib["wall"] - hand["wall"]) * 1e3
    return s
