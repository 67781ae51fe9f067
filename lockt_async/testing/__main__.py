"""``python -m lockt_async.testing serve``: run a simulator on a loopback port."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from ._serve import serve_in_thread
from ._sim import KNOWN_DEFECTS, Simulator, env_lines, parse_defects


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, serve, print the ``LOCKT_*`` lines, block until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m lockt_async.testing")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve a simulated Lockt instance")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=0, help="0 picks a free port")
    run.add_argument("--latency", type=float, default=0.0, help="seconds per write")
    run.add_argument("--read-latency", type=float, default=0.0, help="seconds per read")
    run.add_argument("--record-limit", type=int, default=100)
    run.add_argument(
        "--empty", action="store_true", help="start bare (default: the document's examples)"
    )
    run.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)  # now the default
    run.add_argument(
        "--defects",
        default="all",
        help="documented server defects to reproduce: all (default), none, or a comma list of "
        + ", ".join(sorted(KNOWN_DEFECTS)),
    )
    run.add_argument("--api-user", default="sim-user")
    run.add_argument("--api-key", default="sim-key")
    run.add_argument("--timezone", default="America/New_York")
    args = parser.parse_args(argv)
    try:
        defects = parse_defects(args.defects)
    except ValueError as exc:
        parser.error(f"--defects: {exc}")
    sim = Simulator(
        api_user=args.api_user,
        api_key=args.api_key,
        timezone=args.timezone,
        record_limit=args.record_limit,
        latency=args.latency,
        seed=not args.empty,
        defects=defects,
    )
    sim.read_latency = args.read_latency
    with serve_in_thread(sim, host=args.host, port=args.port) as url:
        for line in env_lines(sim, url):
            print(line, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
