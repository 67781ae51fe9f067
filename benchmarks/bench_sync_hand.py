"""Q8: the library's roster sync against a hand-written one, side by side.

A 100,000-person instance (20 ms per write, pages of 100) and a source with 1%
of the people changed, 0.5% new and 0.5% leavers (``bench_sync.source``).
``users.sync(source, on_missing="disable")`` against a sync written by hand as an
expert would (``hand_sync``: plain httpx and ``json``; one ``GET /user``, the
caller's fields compared as dicts, pages of the changed rows, then the leavers
disabled). The roster's list rows carry no ``pin`` (the document's list table)
and neither does the HR source, so an update or a disable needs it from a
per-id ``GET /user?id=`` read: the hand sync reads it too (10 at a time, as the
library's ``read_concurrency``). Each
sync runs in a fresh process (``python -m benchmarks.bench_sync_hand --child``)
that reports its wall time and its peak RSS growth over its size before the sync
(the source already built); between runs the instance is put back, untimed,
and that restore's plan proves the run wrote what it should have. Targets:
library / hand-written <= 1.2 in wall time, <= 1.3 in peak RSS growth.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import httpx

from ._common import (
    TIMEZONE,
    LostRecords,
    Metric,
    Sample,
    Server,
    run_child,
    simulator,
    user_record,
)
from .bench_memory import _peak_kb
from .bench_sync import source

NAME = "sync_hand"
TITLE = "8. Roster sync vs a hand-written sync"
LIMIT = 100
LATENCY = 0.020
READ_CONCURRENCY = 10

METRICS = [
    Metric("n", "people in the instance", fmt="{:,.0f}"),
    Metric("latency_ms", "server latency per write", "ms", fmt="{:.0f}"),
    Metric("writes", "records written (changed + new + leavers disabled)", fmt="{:,.0f}"),
    Metric(
        "pin_reads",
        "per-id reads the hand sync made (pin: not in the list nor source)",
        fmt="{:,.0f}",
    ),
    Metric("lib_left", "leavers the library left enabled", "", "0", lambda v: v == 0, "{:,.0f}"),
    Metric("lib", "library users.sync: wall", "s", fmt="{:.2f}"),
    Metric("hand", "hand-written sync: wall", "s", fmt="{:.2f}"),
    Metric("ratio", "library / hand-written, wall", "x", "<= 1.2", lambda v: v <= 1.2, "{:.3f}"),
    Metric("lib_rss", "library: peak RSS growth", "MB", fmt="{:.1f}"),
    Metric("hand_rss", "hand-written: peak RSS growth", "MB", fmt="{:.1f}"),
    Metric(
        "rss_ratio",
        "library / hand-written, peak RSS growth",
        "x",
        "<= 1.3",
        lambda v: v <= 1.3,
        "{:.2f}",
    ),
]


def params(quick: bool) -> tuple[int, float]:
    return (5_000, 0.005) if quick else (100_000, LATENCY)


def repeats(quick: bool) -> int:
    return 1 if quick else 3


# -- the hand-written sync ------------------------------------------------------

OPTIONS = {"update_existing": "true", "validate_fails_batch": "false", "replace_privileges": "true"}
#: What an update must carry for the server to keep it (POST /user sets what it is given).
KEEP = ("id_num", "first_name", "last_name", "email", "phone", "pin", "enabled",
        "custom1", "custom2", "custom3", "custom4")  # fmt: skip
DATES = ("access_effective", "access_expires")


def _local(value: str, zone: ZoneInfo) -> str:
    """A date as GET /user shows it (UTC ``...Z``) as POST /user takes it (local wall time)."""
    when = datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _as_held(row: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The person as Lockt holds it, as a POST /user update (keeps what the source lacks)."""
    rec = {k: row[k] for k in KEEP if row.get(k) not in (None, "")}
    for k in DATES:
        if row.get(k):
            rec[k] = _local(row[k], zone)
    rec["id"] = row["id"]
    return rec


async def hand_sync(
    http: httpx.AsyncClient,
    base_url: str,
    headers: dict[str, str],
    src: list[dict[str, Any]],
    limit: int = LIMIT,
) -> dict[str, int]:
    """One GET /user, a dict comparison per person, pages of the writes, then the leavers."""
    zone = ZoneInfo(TIMEZONE)
    resp = await http.get(base_url + "/user", headers=headers)
    resp.raise_for_status()
    roster = json.loads(resp.content)["data"]
    by_key = {row["id_num"]: row for row in roster if row.get("id_num")}
    inserts: list[dict[str, Any]] = []
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for rec in src:
        row = by_key.pop(rec["id_num"], None)
        if row is None:
            inserts.append({**rec, "id": -1})
        elif any(k in row and row[k] != v for k, v in rec.items()):
            changed.append((rec, row))
    leavers = [row for row in by_key.values() if row.get("enabled") is not False]
    del roster, by_key
    # An update must carry pin, which the document's list rows lack: read it per id
    # for the people written whose source row lacks it too (changed people, leavers).
    lacking = [row for rec, row in changed if "pin" not in rec and "pin" not in row]
    lacking += [row for row in leavers if "pin" not in row]
    if lacking:
        sem = asyncio.Semaphore(READ_CONCURRENCY)

        async def read_pin(row: dict[str, Any]) -> None:
            async with sem:
                r = await http.get(base_url + "/user", params={"id": row["id"]}, headers=headers)
            r.raise_for_status()
            row["pin"] = json.loads(r.content)["data"][0]["pin"]

        await asyncio.gather(*(read_pin(row) for row in lacking))
    writes = [{**_as_held(row, zone), **rec, "id": row["id"]} for rec, row in changed] + inserts
    disables = [{**_as_held(row, zone), "enabled": False} for row in leavers]
    done = 0
    for batch in (writes, disables):
        for lo in range(0, len(batch), limit):
            page = batch[lo : lo + limit]
            r = await http.post(
                base_url + "/user", json={"users": page, "options": OPTIONS}, headers=headers
            )
            r.raise_for_status()
            summary = json.loads(r.content)["data"]
            done += summary["inserted"] + summary["updated"]
            if summary["errors"]:
                raise LostRecords(f"hand sync: {summary}")
    return {"writes": len(writes) + len(disables), "done": done, "pin_reads": len(lacking)}


# -- one sync in a fresh process ------------------------------------------------


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _child(mode: str, n: int, base_url: str) -> dict[str, Any]:
    key, user = os.environ.pop("BENCH_SIM_KEY"), os.environ.pop("BENCH_SIM_USER")
    src = source(n)
    headers = {"apiuser": user, "apikey": key}

    async def library() -> dict[str, Any]:
        from lockt_async import LocktClient

        async with LocktClient(user, key, base_url=base_url, timezone=TIMEZONE) as lockt:
            before = _rss_kb()
            start = time.perf_counter()
            result = await lockt.users.sync(src, on_missing="disable")
            wall = time.perf_counter() - start
        if result.failures or result.removals_skipped:
            raise LostRecords(f"library sync: {result!r}")
        # Leavers it could not disable are reported (a figure with a target of 0).
        left = len(result.removal_failures)
        writes = result.inserted + result.updated + result.disabled
        return {"wall": wall, "before": before, "writes": writes, "pin_reads": 0, "left": left}

    async def hand() -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=300.0) as http:
            before = _rss_kb()
            start = time.perf_counter()
            out = await hand_sync(http, base_url, headers, src)
            wall = time.perf_counter() - start
        if out["done"] != out["writes"]:
            raise LostRecords(f"hand sync: {out}")
        return {"wall": wall, "before": before, **out}

    out = asyncio.run(library() if mode == "lib" else hand())
    out["grown_kb"] = _peak_kb() - out.pop("before")
    return out


def _run_child(mode: str, n: int, srv: Server) -> dict[str, Any]:
    return run_child("bench_sync_hand", [mode, str(n)], srv)


def _original(n: int) -> list[dict[str, Any]]:
    return [{**user_record(i), "enabled": True} for i in range(n)]


async def _prefill(srv: Server, n: int) -> None:
    async with srv.client() as lockt:
        result = await lockt.users.upsert(_original(n))
    if not result.ok:
        raise LostRecords(f"prefill: {result!r}")


async def _restore(srv: Server, n: int, what: str, left: int = 0) -> None:
    """Put the instance back (untimed); its plan proves what the run wrote."""
    async with srv.client() as lockt:
        result = await lockt.users.sync(_original(n), on_missing="delete")
    plan = result.plan
    renamed = sum(r["last_name"].startswith("Renamed") for r in source(n))
    # inserts; renamed + re-enabled (``left`` leavers were never disabled); the new ones
    want = (0, renamed + n // 200 - left, n // 200)
    got = (len(plan.inserts), len(plan.updates), len(plan.removals))
    if got != want or not result.ok:
        raise LostRecords(f"{what}: the instance afterwards differed by {got}, expected {want}")


def run(quick: bool) -> Sample:
    n, latency = params(quick)
    s = Sample()
    s.values["n"] = n
    s.values["latency_ms"] = latency * 1000
    with simulator(latency=latency, record_limit=LIMIT) as srv:
        anyio.run(_prefill, srv, n)
        lib = _run_child("lib", n, srv)
        anyio.run(_restore, srv, n, "library sync", lib["left"])
        hand = _run_child("hand", n, srv)
        anyio.run(_restore, srv, n, "hand-written sync")
    s.values["lib_left"] = lib["left"]
    if lib["left"]:
        s.notes.append(
            f"the library left {lib['left']} leaver(s) enabled (removal failures): "
            "its wall time and memory are not comparable with the hand sync's"
        )
    elif lib["writes"] != hand["writes"]:
        raise LostRecords(f"the library wrote {lib['writes']}, the hand sync {hand['writes']}")
    s.values["writes"] = lib["writes"]
    s.values["pin_reads"] = hand["pin_reads"]
    s.values["lib"], s.values["hand"] = lib["wall"], hand["wall"]
    s.values["ratio"] = lib["wall"] / hand["wall"]
    s.values["lib_rss"], s.values["hand_rss"] = lib["grown_kb"] / 1024, hand["grown_kb"] / 1024
    s.values["rss_ratio"] = lib["grown_kb"] / max(1, hand["grown_kb"])
    return s


def profile(n: int, top: int = 30) -> str:
    """cProfile of one library sync of ``n`` people (20 ms per write), the top functions."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    with simulator(latency=LATENCY, record_limit=LIMIT) as srv:
        anyio.run(_prefill, srv, n)
        src = source(n)

        async def go() -> None:
            async with srv.client() as lockt:
                prof.enable()
                await lockt.users.sync(src, on_missing="disable")
                prof.disable()

        anyio.run(go)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--profile":
        print(profile(int(sys.argv[2])))
        sys.exit(0)
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], int(sys.argv[3]), sys.argv[4])), flush=True)
        sys.exit(0)
    sys.exit(
        "usage: python -m benchmarks.bench_sync_hand --profile N | --child lib|hand N BASE_URL"
    )
