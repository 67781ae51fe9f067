"""Q1: bulk import against the physical floor (pages x server latency), and vs a hand loop.

At 20 ms per write the floor of N records in pages of 100 is ``ceil(N/100) x 20 ms``:
the library's wall time over that is the overhead ratio (target <= 1.05), for a
list input (checked whole before the first page) and a generator input
(streamed, converted while the previous page is in flight). At 0 ms the
library's records/s is set against a hand-written httpx loop posting pre-built
wire dicts to the same kind of server (target: library >= 0.97 of the hand
rate). At 20 ms and at 10 ms the library's wall time is set against the hand
loop's on the same kind of server (target <= 1.02), and the hand loop's against
the floor (the simulator's own cost, target <= 1.03). The 0 ms generator input
yields records built before the timer starts, as the hand loop's bodies are; a
second, informational row times a generator that builds each record as it goes.
The 0 ms runs are also given as client CPU per record (this process's CPU time; the
simulator runs in its own), which the 2-core scheduler does not blur as it does rates.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx

from ._common import (
    OPTIONS,
    LostRecords,
    Metric,
    Sample,
    Server,
    Timer,
    check_result,
    check_server,
    pages_of,
    simulator,
    user_record,
    users,
    wire_user,
)

NAME = "floor"
TITLE = "1. Bulk import vs the physical floor"
LATENCY = 0.020
LATENCY_10 = 0.010
LIMIT = 100

METRICS = [
    Metric("n", "records imported", fmt="{:,.0f}"),
    Metric(
        "ratio_list",
        "wall / (pages x 20 ms), list input",
        "x",
        "<= 1.05",
        lambda v: v <= 1.05,
        "{:.3f}",
    ),
    Metric(
        "ratio_gen",
        "wall / (pages x 20 ms), generator input",
        "x",
        "<= 1.05",
        lambda v: v <= 1.05,
        "{:.3f}",
    ),
    Metric("wall_list", "wall time at 20 ms, list input", "s", fmt="{:.2f}"),
    Metric("wall_gen", "wall time at 20 ms, generator input", "s", fmt="{:.2f}"),
    Metric("floor", "floor (pages x 20 ms)", "s", fmt="{:.2f}"),
    Metric("hand20", "hand-written httpx loop at 20 ms: wall", "s", fmt="{:.2f}"),
    Metric(
        "hand20_ratio",
        "hand-written loop at 20 ms / floor (server's own per-page cost)",
        "x",
        "<= 1.03",
        lambda v: v <= 1.03,
        "{:.3f}",
    ),
    Metric(
        "list_vs_hand20",
        "library (list) / hand-written loop, at 20 ms",
        "x",
        "<= 1.02",
        lambda v: v <= 1.02,
        "{:.3f}",
    ),
    Metric(
        "gen_vs_hand20",
        "library (generator) / hand-written loop, at 20 ms",
        "x",
        "<= 1.02",
        lambda v: v <= 1.02,
        "{:.3f}",
    ),
    Metric("hand10", "hand-written httpx loop at 10 ms: wall", "s", fmt="{:.2f}"),
    Metric("lib10", "library (list) at 10 ms: wall", "s", fmt="{:.2f}"),
    Metric(
        "list_vs_hand10",
        "library (list) / hand-written loop, at 10 ms",
        "x",
        "<= 1.02",
        lambda v: v <= 1.02,
        "{:.3f}",
    ),
    Metric(
        "lib_rate",
        "library records/s at 0 ms, list of dicts (checked whole first)",
        "rec/s",
        fmt="{:,.0f}",
    ),
    Metric(
        "lib_rate_gen",
        "library records/s at 0 ms, generator over pre-built records (pipelined)",
        "rec/s",
        fmt="{:,.0f}",
    ),
    Metric(
        "lib_rate_gen_built",
        "library records/s at 0 ms, generator building each record (includes record "
        "construction; informational)",
        "rec/s",
        fmt="{:,.0f}",
    ),
    Metric("hand_rate", "hand-written httpx loop records/s at 0 ms", "rec/s", fmt="{:,.0f}"),
    Metric(
        "rate_ratio",
        "library / hand-written rate at 0 ms, list input",
        "x",
        ">= 0.97",
        lambda v: v >= 0.97,
        "{:.3f}",
    ),
    Metric(
        "rate_ratio_gen",
        "library / hand-written rate at 0 ms, generator input (pre-built records)",
        "x",
        ">= 0.97",
        lambda v: v >= 0.97,
        "{:.3f}",
    ),
    Metric(
        "rate_ratio_gen_built",
        "library / hand-written rate at 0 ms, generator building each record "
        "(includes record construction; informational)",
        "x",
        fmt="{:.3f}",
    ),
    # The same 0 ms runs as client CPU (this process; the simulator has its own): unlike
    # the rates above, not at the mercy of which of two CPU-bound processes the 2-core
    # scheduler favours. The hand loop checks nothing; the library checks every record.
    Metric("cpu_list", "client CPU per record at 0 ms, library (list)", "us", fmt="{:.2f}"),
    Metric("cpu_gen", "client CPU per record at 0 ms, library (generator)", "us", fmt="{:.2f}"),
    Metric("cpu_hand", "client CPU per record at 0 ms, hand-written loop", "us", fmt="{:.2f}"),
    Metric(
        "cpu_ratio",
        "library / hand-written client CPU per record at 0 ms, list (informational)",
        "x",
        fmt="{:.3f}",
    ),
    Metric(
        "cpu_ratio_gen",
        "library / hand-written client CPU per record at 0 ms, generator (informational)",
        "x",
        fmt="{:.3f}",
    ),
]


def sizes(quick: bool) -> int:
    return 5_000 if quick else 100_000


def repeats(quick: bool) -> int:
    return 1 if quick else 3


async def library_import(server: Server, records: Any, n: int) -> float:
    async with server.client() as lockt:
        with Timer() as t:
            result = await lockt.users.upsert(records)
    check_result(result, n, "library import")
    return t.elapsed


async def hand_loop(server: Server, n: int) -> float:
    """The hand-written loop: pre-built dict pages, one POST at a time, httpx ``json=``."""
    pages = [
        {"users": page, "options": OPTIONS}
        for page in pages_of([wire_user(i) for i in range(n)], LIMIT)
    ]
    inserted = 0
    async with httpx.AsyncClient(timeout=30.0) as http:
        with Timer() as t:
            for body in pages:
                resp = await http.post(server.base_url + "/user", json=body, headers=server.headers)
                resp.raise_for_status()
                inserted += resp.json()["data"]["inserted"]
    if inserted != n:
        raise LostRecords(f"hand-written loop: the server inserted {inserted} of {n}")
    return t.elapsed


def _gen(n: int) -> Iterator[dict[str, Any]]:
    """Builds each record as it is taken (the construction is inside the timed region)."""
    for i in range(n):
        yield user_record(i)


def _gen_prebuilt(recs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """A generator over records built before the timer starts, as the hand loop's are."""
    yield from recs


def run(quick: bool) -> Sample:
    n = sizes(quick)
    recs = users(n)
    ids = {r["id_num"] for r in recs}
    floor = math.ceil(n / LIMIT) * LATENCY
    s = Sample()
    s.values["n"] = n
    s.values["floor"] = floor
    with simulator(latency=LATENCY, record_limit=LIMIT) as srv:
        wall = anyio.run(library_import, srv, recs, n)
        check_server(srv, ids, "library import (list, 20 ms)")
    s.values["wall_list"] = wall
    s.values["ratio_list"] = wall / floor
    with simulator(latency=LATENCY, record_limit=LIMIT) as srv:
        wall = anyio.run(library_import, srv, _gen(n), n)
        check_server(srv, ids, "library import (generator, 20 ms)")
    s.values["ratio_gen"] = wall / floor
    s.values["wall_gen"] = wall
    with simulator(latency=LATENCY, record_limit=LIMIT) as srv:
        hand20 = anyio.run(hand_loop, srv, n)
    s.values["hand20"] = hand20
    s.values["hand20_ratio"] = hand20 / floor
    s.values["gen_vs_hand20"] = wall / hand20
    s.values["list_vs_hand20"] = s.values["wall_list"] / hand20
    # 10 ms: the library's per-page overhead weighs twice as much against the wait.
    with simulator(latency=LATENCY_10, record_limit=LIMIT) as srv:
        lib10 = anyio.run(library_import, srv, recs, n)
        check_server(srv, ids, "library import (list, 10 ms)")
    with simulator(latency=LATENCY_10, record_limit=LIMIT) as srv:
        hand10 = anyio.run(hand_loop, srv, n)
    s.values["lib10"], s.values["hand10"] = lib10, hand10
    s.values["list_vs_hand10"] = lib10 / hand10
    with simulator(latency=0.0, record_limit=LIMIT) as srv:
        cpu = time.process_time()
        lib = anyio.run(library_import, srv, recs, n)
        cpu_list = time.process_time() - cpu
        check_server(srv, ids, "library import (list, 0 ms)")
    with simulator(latency=0.0, record_limit=LIMIT) as srv:
        cpu = time.process_time()
        lib_gen = anyio.run(library_import, srv, _gen_prebuilt(recs), n)
        cpu_gen = time.process_time() - cpu
        check_server(srv, ids, "library import (generator, 0 ms)")
    with simulator(latency=0.0, record_limit=LIMIT) as srv:
        lib_gen_built = anyio.run(library_import, srv, _gen(n), n)
        check_server(srv, ids, "library import (generator building records, 0 ms)")
    s.values["lib_rate_gen_built"] = n / lib_gen_built
    with simulator(latency=0.0, record_limit=LIMIT) as srv:
        cpu = time.process_time()
        hand = anyio.run(hand_loop, srv, n)
        cpu_hand = time.process_time() - cpu
    s.values["cpu_list"] = cpu_list / n * 1e6
    s.values["cpu_gen"] = cpu_gen / n * 1e6
    s.values["cpu_hand"] = cpu_hand / n * 1e6
    s.values["cpu_ratio"] = cpu_list / cpu_hand
    s.values["cpu_ratio_gen"] = cpu_gen / cpu_hand
    s.values["lib_rate"] = n / lib
    s.values["lib_rate_gen"] = n / lib_gen
    s.values["hand_rate"] = n / hand
    s.values["rate_ratio"] = (n / lib) / (n / hand)
    s.values["rate_ratio_gen"] = (n / lib_gen) / (n / hand)
    s.values["rate_ratio_gen_built"] = (n / lib_gen_built) / (n / hand)
    return s


def profile(quick: bool, top: int = 15, latency: float = 0.0) -> tuple[str, Any]:
    """cProfile of the library's import (client process only); the top functions."""
    import cProfile
    import io
    import pstats

    n = sizes(quick)
    recs = users(n)
    prof = cProfile.Profile()
    with simulator(latency=latency, record_limit=LIMIT) as srv:

        async def go() -> None:
            async with srv.client() as lockt:
                prof.enable()
                result = await lockt.users.upsert(recs)
                prof.disable()
            check_result(result, n, "profiled import")

        anyio.run(go)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    out.write("\n--- by cumulative time ---\n")
    stats.sort_stats("cumulative").print_stats(top)
    text = "\n".join(
        line for line in out.getvalue().splitlines() if line.strip() and "Ordered by" not in line
    )
    return text, stats


if __name__ == "__main__":
    import sys

    # python -m benchmarks.bench_floor --profile [LATENCY_SECONDS] [--quick]
    if len(sys.argv) >= 2 and sys.argv[1] == "--profile":
        args = [a for a in sys.argv[2:] if a != "--quick"]
        text, _ = profile("--quick" in sys.argv, 25, float(args[0]) if args else 0.0)
        print(text)
        sys.exit(0)
    sys.exit("usage: python -m benchmarks.bench_floor --profile [LATENCY_SECONDS] [--quick]")
