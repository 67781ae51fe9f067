"""A simulator process that, when stopped (SIGTERM), writes when each write began and
ended on the server: ``python -m benchmarks._stamped_server JOURNAL LATENCY LIMIT``.

The API key comes in ``BENCH_SIM_KEY`` (never argv, never printed). ``JOURNAL`` gets a
JSON list of ``[started, ended]`` per write, in ``time.monotonic()`` seconds: one
clock for every process of the machine, so a client can set its own stamps beside
them. It is the library's own simulator (``lockt_async.testing``), served as
``python -m lockt_async.testing serve`` serves it; only the journal is added.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading

from lockt_async.testing._serve import serve_in_thread
from lockt_async.testing._sim import Simulator

from ._common import API_USER


def main(argv: list[str]) -> int:
    journal, latency, limit = argv[0], float(argv[1]), int(argv[2])
    sim = Simulator(
        api_user=API_USER,
        api_key=os.environ["BENCH_SIM_KEY"],
        latency=latency,
        record_limit=limit,
        seed=False,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with serve_in_thread(sim) as url:
        print(f"LOCKT_BASE_URL={url}", flush=True)
        stop.wait()
    stamps = [[e.started, e.ended] for e in sim.journal.writes()]
    with open(journal, "w", encoding="utf-8") as out:
        json.dump(stamps, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
