"""Running ``lockt`` as a subprocess against a simulator served on loopback."""

from __future__ import annotations

import subprocess
import sys

from lockt_async.testing import Simulator
from tests.support.cli import served

__all__ = ["lockt", "served", "writes"]


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
