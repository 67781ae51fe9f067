"""A sync child SIGKILLed mid-run, then run again to the end (issue 11 pt 2, issue 22 pt 5)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lockt_async.testing import Simulator, serve_in_thread

CHILD = Path(__file__).with_name("sync_child.py")
ROOT = Path(__file__).resolve().parents[2]


def run_killed(
    sim: Simulator, path: Path, kind: str, kill_after: int, writes: Callable[[Simulator], int]
) -> tuple[int, int]:
    """``sync_child.py path kind`` SIGKILLed once ``writes(sim)`` reaches ``kill_after``; then
    a full run; then a resting one, which must send no write. Returns the first run's exit
    code and ``writes(sim)`` once it was killed."""
    with serve_in_thread(sim) as url:
        env = {**os.environ, "LOCKT_BASE_URL": url, "LOCKT_API_USER": sim.api_user,
               "LOCKT_API_KEY": sim.api_key}  # fmt: skip
        cmd = [sys.executable, str(CHILD), str(path), kind]
        first = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 60
        while writes(sim) < kill_after and first.poll() is None:
            assert time.monotonic() < deadline, "the first run never reached the kill point"
            time.sleep(0.002)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        killed_at = writes(sim)
        for attempt in ("second", "third"):
            if attempt == "third":
                sim.journal.clear()
            done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True,
                                  timeout=120)  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
        assert writes(sim) == 0, "a converged instance needs no write"
    return first.returncode, killed_at
