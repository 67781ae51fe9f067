"""Q7: a nightly roster sync from an HR export (no pin) against re-upserting everyone.

A 100,000-user instance (20 ms per write and per read, pages of 100) and an HR
source without ``pin`` (HR systems do not hold door PINs): 1% of the people
renamed, 0.5% new hires (with an initial pin: an insert requires one) and 0.5%
leavers. ``users.sync(on_missing="disable")`` must disable every leaver and update
every renamed person, although the ``GET /user`` list shows no pin and a
``POST /user`` update requires one: the plan chooses a route (per-id reads merged
into the POST pages, or ``PUT /user``) and the route is reported here.

Against: ``users.upsert(source, update_existing=True)`` of the same people WITH
their pins (a pin-less re-upsert is refused record by record), which resolves ids
with one roster read, re-sends everyone and disables nobody. Targets: sync at
least 20x faster than the re-upsert, and at most 1.1x its floor: the roster read
+ the route's reads (``ceil(reads / read_concurrency)`` x 20 ms) + its ``PUT``
calls x 20 ms + the write pages x 20 ms. Also measured: one ``?id_num=`` read and
the roster read per user, which set ``LOOKUP_READS_MAX``.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

import anyio
import httpx

from lockt_async._config import DEFAULT_READ_CONCURRENCY

from ._common import LostRecords, Metric, Sample, Server, Timer, simulator, user_record

NAME = "sync"
TITLE = "7. Roster sync (pin-less HR source, leavers disabled) vs a full re-upsert"
LATENCY = 0.020
#: A remote instance answers a read in a round trip too: per-id reads are not free.
READ_LATENCY = 0.020
LIMIT = 100

METRICS = [
    Metric("n", "users in the instance", fmt="{:,.0f}"),
    Metric("writes", "records sync writes (changed + new + disabled)", fmt="{:,.0f}"),
    Metric("reads", "per-id reads the route made (GET /user?id=)", fmt="{:,.0f}"),
    Metric("puts", "PUT /user calls the route made", fmt="{:,.0f}"),
    Metric("pages", "write requests sync sends", fmt="{:,.0f}"),
    Metric("sync", "sync: wall", "s", fmt="{:.2f}"),
    Metric("roster", "roster read (GET /user, raw) alone, median of 3", "s", fmt="{:.2f}"),
    Metric("plan", "sync dry run (roster read + plan + the route's reads)", "s", fmt="{:.2f}"),
    Metric(
        "floor",
        "floor: roster + reads/10 x 20 ms + PUTs x 20 ms + pages x 20 ms",
        "s",
        fmt="{:.2f}",
    ),
    Metric("ratio_floor", "sync / floor", "x", "<= 1.1", lambda v: v <= 1.1, "{:.3f}"),
    Metric("raw_reads", "the route's reads again, by plain httpx, 10 at a time", "s", fmt="{:.2f}"),
    Metric(
        "floor_measured",
        "measured floor: roster + raw reads + (PUTs + pages) x 20 ms",
        "s",
        fmt="{:.2f}",
    ),
    Metric("ratio_measured", "sync / measured floor", "x", fmt="{:.3f}"),
    Metric("reupsert", "full re-upsert with pins (update_existing=True): wall", "s", fmt="{:.2f}"),
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


def _gone(n: int) -> int:
    return n // 200


def source(n: int) -> list[dict[str, Any]]:
    """Users 0 .. n-1 minus the last 0.5% (leavers), every 100th renamed, all without
    pin; plus 0.5% new hires, with their initial pin."""
    out = []
    for i in range(n - _gone(n)):
        rec = {k: v for k, v in user_record(i).items() if k != "pin"}
        if i % 100 == 0:
            rec["last_name"] = f"Renamed{i}"
        out.append(rec)
    return out + [user_record(i) for i in range(n, n + _gone(n))]


def with_pins(src: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same people with their pins (what a re-upsert needs)."""
    pins = {user_record(i)["id_num"]: user_record(i)["pin"] for i in range(len(src) * 2)}
    return [{**r, "pin": pins[r["id_num"]]} for r in src]


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
            result = await lockt.users.sync(src, on_missing="disable", dry_run=dry_run)
    return result, t.elapsed


async def _raw_reads(server: Server, count: int) -> float:
    """``count`` ``GET /user?id=`` reads with plain httpx, 10 in flight: what the route's
    reads cost on this machine and server, without the library."""
    ids = [str(r["id"]) for r in server.users()[:count]]
    limit = anyio.Semaphore(DEFAULT_READ_CONCURRENCY)
    async with httpx.AsyncClient(headers=server.headers, timeout=60) as http:

        async def one(ident: str) -> None:
            async with limit:
                (await http.get(server.base_url + "/user", params={"id": ident})).raise_for_status()

        with Timer() as t:
            async with anyio.create_task_group() as tg:
                for ident in ids:
                    tg.start_soon(one, ident)
    return t.elapsed


async def _reupsert(server: Server, src: list[dict[str, Any]]) -> tuple[Any, float]:
    async with server.client() as lockt:
        with Timer() as t:
            result = await lockt.users.upsert(src, update_existing=True)
    return result, t.elapsed


def _check_state(server: Server, src: list[dict[str, Any]], n: int) -> None:
    held = {u["id_num"]: u for u in server.users() if u.get("id_num")}
    want = {r["id_num"]: r for r in src}
    if not want.keys() <= held.keys():
        raise LostRecords(f"sync: {len(want.keys() - held.keys())} id_num(s) missing")
    wrong = [k for k, r in want.items() if held[k]["last_name"] != r["last_name"]]
    if wrong:
        raise LostRecords(f"sync: {len(wrong)} user(s) not updated, e.g. {wrong[0]}")
    leavers = [user_record(i)["id_num"] for i in range(n - _gone(n), n)]
    still = [k for k in leavers if held[k]["enabled"] is not False]
    if still:
        raise LostRecords(f"sync: {len(still)} leaver(s) not disabled, e.g. {still[0]}")


def run(quick: bool) -> Sample:
    n = sizes(quick)
    src = source(n)
    s = Sample()
    s.values["n"] = n
    with simulator(latency=LATENCY, read_latency=READ_LATENCY, record_limit=LIMIT) as srv:
        anyio.run(_prefill, srv, n)
        idnum, roster = anyio.run(_lookups, srv, n)
        dry, plan_wall = anyio.run(_sync, srv, src, True)
        result, wall = anyio.run(_sync, srv, src, False)
        if not result.ok:
            raise LostRecords(f"sync: {result!r} {result.failures[:3]}")
        _check_state(srv, src, n)
        again, _ = anyio.run(_sync, srv, src, False)
        if again.requests:
            raise LostRecords(f"a second sync sent {again.requests} write(s)")
        raw_reads = anyio.run(_raw_reads, srv, result.reads)
        full, full_wall = anyio.run(_reupsert, srv, with_pins(src))
        if not full.ok:
            raise LostRecords(f"re-upsert: {full!r}")
    plan = dry.plan
    route = plan.route
    written = len(plan.inserts) + len(plan.updates) + len(plan.removals)
    if result.puts:  # the POST pages actually needed beside the PUT calls
        pages = result.requests - result.puts
    else:  # inserts and updates share pages; the disables follow in their own
        pages = math.ceil((len(plan.inserts) + len(plan.updates)) / LIMIT)
        pages += math.ceil(len(plan.removals) / LIMIT)
    reads_wait = math.ceil(result.reads / DEFAULT_READ_CONCURRENCY) * READ_LATENCY
    s.values["writes"] = written
    s.values["reads"] = result.reads
    s.values["puts"] = result.puts
    s.values["pages"] = result.requests
    s.values["sync"] = wall
    s.values["roster"] = roster
    s.values["plan"] = plan_wall
    s.values["floor"] = roster + reads_wait + (result.puts + pages) * LATENCY
    s.values["ratio_floor"] = wall / s.values["floor"]
    s.values["raw_reads"] = raw_reads
    s.values["floor_measured"] = roster + raw_reads + (result.puts + pages) * LATENCY
    s.values["ratio_measured"] = wall / s.values["floor_measured"]
    s.values["reupsert"] = full_wall
    s.values["speedup"] = full_wall / wall
    s.values["idnum_ms"] = idnum * 1000
    durations = [p.duration for b in result.batches for p in b.pages]
    s.values["page_ms"] = statistics.median(durations) * 1000 if durations else float("nan")
    s.values["roster_us"] = roster / n * 1e6
    s.notes.append(
        f"plan: {len(plan.inserts):,} inserts, {len(plan.updates):,} updates, "
        f"{len(plan.unchanged):,} unchanged, {len(plan.removals):,} disables"
    )
    s.notes.append(
        f"route chosen: {route.name} for {', '.join(route.fields)} ({route.reads:,} reads, "
        f"{route.puts:,} PUTs; {route.reason})"
    )
    s.notes.append(
        "the floor counts 20 ms per read; the measured floor times the same reads by plain "
        "httpx (what they cost on this machine and server, without the library)"
    )
    return s
