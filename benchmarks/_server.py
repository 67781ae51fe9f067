"""``python -m benchmarks._server serve``: the simulator CLI plus ``--read-latency``.

``python -m lockt_async.testing serve`` has no flag for ``Simulator.read_latency``;
this serves the same ``Simulator`` the same way (``serve_in_thread``) with it set.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from lockt_async.testing import Simulator, serve_in_thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._server")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per write")
    parser.add_argument("--read-latency", type=float, default=0.0, help="seconds per read")
    parser.add_argument("--record-limit", type=int, default=100)
    parser.add_argument("--api-user", default="sim-user")
    parser.add_argument("--api-key", default="sim-key")
    parser.add_argument("--timezone", default="America/New_York")
    args = parser.parse_args(argv)
    sim = Simulator(
        api_user=args.api_user,
        api_key=args.api_key,
        timezone=args.timezone,
        record_limit=args.record_limit,
        latency=args.latency,
    )
    sim.read_latency = args.read_latency
    with serve_in_thread(sim, host="127.0.0.1", port=args.port) as url:
        print(f"LOCKT_BASE_URL={url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
