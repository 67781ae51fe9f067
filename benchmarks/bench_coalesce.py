"""Q3: many concurrent single-record callers, coalesced (``upsert_one``) vs one page each.

The same N callers start together; each awaits its own record's outcome. With
``users.upsert_one`` the client merges them into pages; the baseline sends a
one-record ``users.upsert([record])`` per caller, serialized by the write gate.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from ._common import (
    LostRecords,
    Metric,
    Sample,
    Timer,
    check_server,
    percentile,
    simulator,
    users,
)

NAME = "coalesce"
TITLE = "3. Coalesced single-record writes (upsert_one) vs one page per caller"

METRICS = [
    Metric("callers", "concurrent callers", fmt="{:,.0f}"),
    Metric("latency_ms", "server latency per write", "ms", fmt="{:.0f}"),
    Metric("one_wall", "upsert_one: wall, all callers", "s", fmt="{:.3f}"),
    Metric("one_p50", "upsert_one: caller latency p50", "ms", fmt="{:.1f}"),
    Metric("one_p99", "upsert_one: caller latency p99", "ms", fmt="{:.1f}"),
    Metric("each_wall", "upsert([one]) per caller: wall, all callers", "s", fmt="{:.2f}"),
    Metric("each_p50", "upsert([one]) per caller: caller latency p50", "ms", fmt="{:.0f}"),
    Metric("each_p99", "upsert([one]) per caller: caller latency p99", "ms", fmt="{:.0f}"),
    Metric(
        "speedup", "speedup (wall, one page each / upsert_one)", "x", ">= 60", lambda v: v >= 60
    ),
]


def params(quick: bool) -> tuple[int, float]:
    return (200, 0.005) if quick else (1_000, 0.020)


def repeats(quick: bool) -> int:
    return 1 if quick else 3


Call = Callable[[Any, dict[str, Any]], Awaitable[Any]]


async def _callers(
    server: Any, recs: list[dict[str, Any]], call: Call
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    errors: list[BaseException] = []
    async with server.client() as lockt:

        async def one(rec: dict[str, Any]) -> None:
            start = time.perf_counter()
            try:
                await call(lockt, rec)
            except Exception as exc:  # counted below: a lost record
                errors.append(exc)
            latencies.append(time.perf_counter() - start)

        with Timer() as t:
            async with anyio.create_task_group() as tg:
                for rec in recs:
                    tg.start_soon(one, rec)
    if errors:
        raise LostRecords(f"{len(errors)} callers failed, first: {errors[0]!r}")
    return t.elapsed, latencies


async def _upsert_one(lockt: Any, rec: dict[str, Any]) -> Any:
    return await lockt.users.upsert_one(rec)


async def _upsert_each(lockt: Any, rec: dict[str, Any]) -> Any:
    result = await lockt.users.upsert([rec])
    if result.accepted != 1:
        raise LostRecords(f"one-record upsert not accepted: {result.failure_counts()}")
    return result


def run(quick: bool) -> Sample:
    n, latency = params(quick)
    recs = users(n)
    ids = {r["id_num"] for r in recs}
    s = Sample()
    s.values["callers"] = n
    s.values["latency_ms"] = latency * 1000
    with simulator(latency=latency) as srv:
        wall, lat = anyio.run(_callers, srv, recs, _upsert_one)
        check_server(srv, ids, "upsert_one callers")
    s.values["one_wall"] = wall
    s.values["one_p50"] = percentile(lat, 50) * 1000
    s.values["one_p99"] = percentile(lat, 99) * 1000
    with simulator(latency=latency) as srv:
        wall2, lat2 = anyio.run(_callers, srv, recs, _upsert_each)
        check_server(srv, ids, "upsert([one]) callers")
    s.values["each_wall"] = wall2
    s.values["each_p50"] = percentile(lat2, 50) * 1000
    s.values["each_p99"] = percentile(lat2, 99) * 1000
    s.values["speedup"] = wall2 / wall
    return s
