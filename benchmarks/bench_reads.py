"""Q6: concurrent reads under ``read_concurrency``, and a write that arrives meanwhile.

N ``users.get(id=...)`` calls in one task group vs the same calls one after the
other, 20 ms per read on the server. While the concurrent reads run, single
writes (``users.upsert([one])``) are timed: reads must never hold up the write
gate, so a write should take about the server's write latency.

The server is ``python -m lockt_async.testing serve --read-latency 0.02`` in its own process.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import anyio

from ._common import LostRecords, Metric, Sample, Server, Timer, check_server, simulator, users

NAME = "reads"
TITLE = "6. Concurrent reads, and a write during them"
LATENCY = 0.020
READ_CONCURRENCY = 10
WRITES = 5

METRICS = [
    Metric("n", "reads", fmt="{:,.0f}"),
    Metric("seq", "sequential reads: wall", "s", fmt="{:.2f}"),
    Metric("conc", "concurrent reads (task group): wall", "s", fmt="{:.2f}"),
    Metric(
        "speedup",
        "speedup with read_concurrency=10 (ideal 10)",
        "x",
        ">= 8 (bench's own bar: 80% of ideal)",
        lambda v: v >= 8,
        "{:.2f}",
    ),
    Metric("server_write_ms", "server write latency", "ms", fmt="{:.0f}"),
    Metric(
        "write_alone_ms", "one upsert([one]) with no reads running (median)", "ms", fmt="{:.1f}"
    ),
    Metric("write_ms", "one upsert([one]) during the reads (median)", "ms", fmt="{:.1f}"),
    Metric(
        "write_max_ms",
        "one upsert([one]) during the reads (max)",
        "ms",
        "<= 1.5 x server write latency (bench's own bar)",
        lambda v: v <= 1.5 * LATENCY * 1000,
        "{:.1f}",
    ),
]


def size(quick: bool) -> int:
    return 200 if quick else 1_000


def repeats(quick: bool) -> int:
    return 1 if quick else 3


async def _go(server: Server, n: int) -> dict[str, float]:
    seeded = users(n)
    extra = [
        {
            **u,
            "id_num": f"W{u['id_num']}",
            "email": f"w{u['email']}",
            "card_num": f"9{u['card_num']}",
        }
        for u in users(2 * WRITES)
    ]
    out: dict[str, float] = {}
    async with server.client(read_concurrency=READ_CONCURRENCY) as lockt:
        # seed without read latency mattering (writes only); then learn the ids
        result = await lockt.users.upsert(seeded)
        if result.accepted != n:
            raise LostRecords(f"seeding: {result.accepted} of {n}")
        ids = [u.id for u in await lockt.users.list()]
        if len(ids) != n:
            raise LostRecords(f"seeding: the server holds {len(ids)} of {n}")

        pending = [0]

        async def get(uid: int) -> None:
            user = await lockt.users.get(id=uid)
            if user.id != uid:
                raise AssertionError(f"asked for {uid}, got {user.id}")
            pending[0] -= 1

        pending[0] = n
        with Timer() as t:
            for uid in ids:
                await get(uid)
        out["seq"] = t.elapsed

        async def write(rec: dict[str, Any]) -> float:
            start = time.perf_counter()
            res = await lockt.users.upsert([rec])
            if res.accepted != 1:
                raise LostRecords(f"write during reads: {res.failure_counts()}")
            return time.perf_counter() - start

        alone = [await write(rec) for rec in extra[:WRITES]]
        during: list[float] = []

        async def writer() -> None:
            for rec in extra[WRITES:]:
                await anyio.sleep(out["seq"] / READ_CONCURRENCY / (WRITES + 2))
                took = await write(rec)
                if pending[0] > 0:  # only writes that overlapped the reads count
                    during.append(took)

        pending[0] = n
        with Timer() as t:
            async with anyio.create_task_group() as tg:
                for uid in ids:
                    tg.start_soon(get, uid)
                tg.start_soon(writer)
        out["conc"] = t.elapsed
        out["write_alone_ms"] = statistics.median(alone) * 1000
        if not during:
            raise AssertionError("no write overlapped the concurrent reads")
        out["write_ms"] = statistics.median(during) * 1000
        out["write_max_ms"] = max(during) * 1000
        out["during"] = float(len(during))
    return out


def run(quick: bool) -> Sample:
    n = size(quick)
    s = Sample()
    with simulator(latency=LATENCY, read_latency=LATENCY) as srv:
        out = anyio.run(_go, srv, n)
        check_server(srv, {u["id_num"] for u in users(n)}, "reads seed")
    s.values["n"] = n
    s.values["seq"] = out["seq"]
    s.values["conc"] = out["conc"]
    s.values["speedup"] = out["seq"] / out["conc"]
    s.values["server_write_ms"] = LATENCY * 1000
    s.values["write_alone_ms"] = out["write_alone_ms"]
    s.values["write_ms"] = out["write_ms"]
    s.values["write_max_ms"] = out["write_max_ms"]
    s.notes.append(
        f"{out['during']:.0f} of {WRITES} timed writes finished while reads were still pending"
    )
    return s
