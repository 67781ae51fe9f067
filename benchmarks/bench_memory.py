"""Q5: peak RSS of a streamed import (generator input), large vs small, fresh processes.

Each import runs in its own Python process (``python -m benchmarks.bench_memory
--child N``) against its own simulator process (limit 100, latency 0); the child
reports ``ru_maxrss`` at the end. The difference is what the import itself
holds: with a streamed input it should stay near one page, whatever N.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from collections.abc import Iterator
from typing import Any

from ._common import LostRecords, Metric, Sample, Timer, run_child, simulator, user_record

NAME = "memory"
TITLE = "5. Peak RSS of a streamed import"

METRICS = [
    Metric("small_n", "small run: records", fmt="{:,.0f}"),
    Metric("small_rss", "small run: peak RSS", "MB", fmt="{:.1f}"),
    Metric("large_n", "large run: records", fmt="{:,.0f}"),
    Metric("large_rss", "large run: peak RSS", "MB", fmt="{:.1f}"),
    Metric("large_secs", "large run: import wall time", "s", fmt="{:.1f}"),
    Metric("delta", "large - small peak RSS", "MB", "<= 5", lambda v: v <= 5, "{:.1f}"),
]

LARGE_FULL = 1_000_000
LARGE_QUICK = 100_000
SMALL = 10_000


def params(quick: bool) -> tuple[int, int]:
    return (SMALL, LARGE_QUICK) if quick else (SMALL, LARGE_FULL)


def repeats(quick: bool) -> int:
    return 1


def _child(n: int, base_url: str) -> dict[str, Any]:
    import anyio

    from lockt_async import LocktClient

    def gen() -> Iterator[dict[str, Any]]:
        for i in range(n):
            yield user_record(i)

    async def go() -> dict[str, Any]:
        key = os.environ.pop("BENCH_SIM_KEY")
        user = os.environ.pop("BENCH_SIM_USER")
        async with LocktClient(user, key, base_url=base_url, timezone="America/New_York") as lockt:
            with Timer() as t:
                result = await lockt.users.upsert(gen())
        return {
            "total": result.total,
            "accepted": result.accepted,
            "inserted": result.inserted,
            "failures": len(result.failures),
            "elapsed": t.elapsed,
        }

    out = anyio.run(go)
    out["maxrss_kb"] = _peak_kb()
    return out


def _peak_kb() -> int:
    """Peak RSS in KiB: ``VmHWM`` (reset by exec), else ``ru_maxrss``.

    On Linux ``ru_maxrss`` of a child started by fork+exec can report the
    parent's size at fork time, so ``/proc/self/status`` is read first.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def one_run(n: int) -> dict[str, Any]:
    with simulator(latency=0.0, record_limit=100) as srv:
        out = run_child("bench_memory", [str(n)], srv)
    # The server's own summary (``inserted``) says it holds every record.
    if out["accepted"] != n or out["failures"] or out["total"] != n or out["inserted"] != n:
        raise LostRecords(f"streamed import of {n}: {out}")
    return out


def run(quick: bool) -> Sample:
    small, large = params(quick)
    s = Sample()
    a = one_run(small)
    b = one_run(large)
    s.values["small_n"] = small
    s.values["large_n"] = large
    s.values["small_rss"] = a["maxrss_kb"] / 1024
    s.values["large_rss"] = b["maxrss_kb"] / 1024
    s.values["large_secs"] = b["elapsed"]
    s.values["delta"] = (b["maxrss_kb"] - a["maxrss_kb"]) / 1024
    s.notes.append(
        "records held: the library's accounting plus the server's own `inserted` summary "
        "(a GET /user of the large run is not fetched)"
    )
    return s


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(_child(int(sys.argv[2]), sys.argv[3])), flush=True)
        sys.exit(0)
    sys.exit("usage: python -m benchmarks.bench_memory --child N BASE_URL")
