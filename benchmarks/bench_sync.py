"""Q7: a nightly roster sync against re-upserting everyone.

A 100,000-user instance (20 ms per write, pages of 100) and a source with 1%
of the people changed, 0.5% new and 0.5% gone. ``users.sync(on_missing="delete")``
against ``users.upsert(source, update_existing=True)`` of the same source (which
resolves ids with one roster read, then re-sends everyone and deletes nobody).
Targets: sync at least 20x faster than the re-upsert, and at most 1.1x its
floor, the roster read plus the changed pages x 20 ms. Also measured: the two
lookups ``update_existing`` chooses between (one ``?id_num=`` read, and the
roster read per user), which set ``LOOKUP_READS_MAX``.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

import anyio

from ._common import LostRecords, Metric, Sample, Server, Timer, simulator, user_record

NAME = "sync"
TITLE = "7. Roster sync vs a full re-upsert"
LATENCY = 0.020
LIMIT = 100

METRICS = [
    Metric("n", "users in the instance", fmt="{:,.0f}"),
    Metric("writes", "records sync writes (changed + new + deleted)", fmt="{:,.0f}"),
    Metric("pages", "write pages sync sends", fmt="{:,.0f}"),
    Metric("sync", "sync: wall", "s", fmt="{:.2f}"),
    Metric("roster", "roster read (GET /user, raw) alone, median of 3", "s", fmt="{:.2f}"),
    Metric("plan", "sync dry run (roster read + plan)", "s", fmt="{:.2f}"),
    Metric("floor", "floor: roster read + pages x 20 ms", "s", fmt="{:.2f}"),
    Metric("ratio_floor", "sync / floor", "x", "<= 1.1", lambda v: v <= 1.1, "{:.3f}"),
    Metric("reupsert", "full re-upsert (update_existing=True): wall", "s", fmt="{:.2f}"),
    Metric("speedup", "re-upsert / sync", "x", ">= 20", lambda v: v >= 20, "{:.1f}"),
    Metric("page_ms", "server time per sync write page (median)", "ms", fmt="{:.1f}"),
    Metric("idnum_ms", "one GET /user?id_num= read (median of 50)", "ms", fmt="{:.2f}"),
    Metric("roster_us", "roster read per user", "us", fmt="{:.1f}"),
]


def sizes(quick: bool) -> int:
    return 5_000 if quick else 100_000


def repeats(quick: bool) -> int:
    # A repeat builds a 100,000-user instance at 20 ms per page (about 25 s) and
    # re-upserts it (about 25 s more): one repeat for the full run.
    return 1


def source(n: int) -> list[dict[str, Any]]:
    """Users 0 .. n-1 minus the last 0.5%, every 100th changed, plus 0.5% new ones."""
    gone = n // 200
    out = []
    for i in range(n - gone):
        rec = user_record(i)
        if i % 100 == 0:
            rec["last_name"] = f"Renamed{i}"
        out.append(rec)
    return out + [user_record(i) for i in range(n, n + gone)]


async def _prefill(server: Server, n: int) -> None:
    async with server.client() as lockt:
        result = await lockt.users.upsert([user_record(i) for i in range(n)])
    if not result.ok:
        raise LostRecords(f"prefill: {result!r}")


async def _lookups(server: Server, n: int) -> tuple[float, float]:
    async with server.client() as lockt:
        times = []
        for i in range(0, n, max(1, n // 50))[:50]:
            start = time.perf_counter()
            await lockt.get("/user", {"id_num": user_record(i)["id_num"]})
            times.append(time.perf_counter() - start)
        reads = []
        for _ in range(3):
            with Timer() as t:
                await lockt.get("/user")
            reads.append(t.elapsed)
    return statistics.median(times), statistics.median(reads)


async def _sync(server: Server, src: list[dict[str, Any]], dry_run: bool) -> tuple[Any, float]:
    async with server.client() as lockt:
        with Timer() as t:
            result = await lockt.users.sync(src, on_missing="delete", dry_run=dry_run)
    return result, t.elapsed


async def _reupsert(server: Server, src: list[dict[str, Any]]) -> tuple[Any, float]:
    async with server.client() as lockt:
        with Timer() as t:
            result = await lockt.users.upsert(src, update_existing=True)
    return result, t.elapsed


def _check_state(server: Server, src: list[dict[str, Any]]) -> None:
    held = {u["id_num"]: u for u in server.users() if u.get("id_num")}
    want = {r["id_num"]: r for r in src}
    if held.keys() != want.keys():
        raise LostRecords(
            f"sync: {len(want.keys() - held.keys())} missing, "
            f"{len(held.keys() - want.keys())} extra id_num(s) on the server"
        )
    wrong = [k for k, r in want.items() if held[k]["last_name"] != r["last_name"]]
    if wrong:
        raise LostRecords(f"sync: {len(wrong)} user(s) not updated, e.g. {wrong[0]}")


def run(quick: bool) -> Sample:
    n = sizes(quick)
    src = source(n)
    s = Sample()
    s.values["n"] = n
    with simulator(latency=LATENCY, record_limit=LIMIT) as srv:
        anyio.run(_prefill, srv, n)
        idnum, roster = anyio.run(_lookups, srv, n)
        dry, plan_wall = anyio.run(_sync, srv, src, True)
        result, wall = anyio.run(_sync, srv, src, False)
        if not result.ok:
            raise LostRecords(f"sync: {result!r} {result.failures[:3]}")
        _check_state(srv, src)
        again, _ = anyio.run(_sync, srv, src, False)
        if again.requests:
            raise LostRecords(f"a second sync sent {again.requests} write(s)")
        full, full_wall = anyio.run(_reupsert, srv, src)
        if not full.ok:
            raise LostRecords(f"re-upsert: {full!r}")
    plan = dry.plan
    changed = len(plan.inserts) + len(plan.updates)
    pages = math.ceil(changed / LIMIT) + math.ceil(len(plan.removals) / LIMIT)
    s.values["writes"] = changed + len(plan.removals)
    s.values["pages"] = result.requests
    s.values["sync"] = wall
    s.values["roster"] = roster
    s.values["plan"] = plan_wall
    s.values["floor"] = roster + pages * LATENCY
    s.values["ratio_floor"] = wall / s.values["floor"]
    s.values["reupsert"] = full_wall
    s.values["speedup"] = full_wall / wall
    s.values["idnum_ms"] = idnum * 1000
    durations = [p.duration for b in result.batches for p in b.pages]
    s.values["page_ms"] = statistics.median(durations) * 1000 if durations else float("nan")
    s.values["roster_us"] = roster / n * 1e6
    s.notes.append(
        f"plan: {len(plan.inserts):,} inserts, {len(plan.updates):,} updates, "
        f"{len(plan.unchanged):,} unchanged, {len(plan.removals):,} deletions"
    )
    return s
