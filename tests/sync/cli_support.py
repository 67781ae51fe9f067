"""Running ``lockt`` as a subprocess against a simulator served on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from lockt_async.testing import Simulator, serve_in_thread


@contextmanager
def served(sim: Simulator) -> Iterator[dict[str, str]]:
    """The environment a ``lockt`` subprocess needs to reach ``sim``."""
    with serve_in_thread(sim) as url:
        yield {
            **os.environ,
            "LOCKT_BASE_URL": url,
            "LOCKT_API_USER": sim.api_user,
            "LOCKT_API_KEY": sim.api_key,
            "COLUMNS": "200",
        }


def lockt(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m lockt_async ARGS``; never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-m", "lockt_async", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def writes(sim: Simulator) -> list[str]:
    """The write requests the simulator received, as ``METHOD path`` lines."""
    return [
        f"{e.method} {e.path}" for e in sim.journal.entries if e.method in ("POST", "PUT", "DELETE")
    ]
