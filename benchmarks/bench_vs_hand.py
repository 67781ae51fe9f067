"""Q2: the document's way (sequential requests), the naive async way (gather), the library.

Records lost = records the server does not hold afterwards (``GET /user``).
The naive gather overlaps writes, which the instance (and the simulator)
rejects with 429, so it loses records; the library must lose none.
"""

from __future__ import annotations

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
    return s
