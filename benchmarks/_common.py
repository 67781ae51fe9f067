"""Shared helpers: a simulator in its own process, record factories, figures, checks.

Every benchmark module exposes ``NAME``, ``TITLE``, ``repeats(quick)`` and
``run(quick) -> Sample``; the runner (``__main__``) repeats it, takes the median
of every figure and writes the tables of ``results.md``.
"""

from __future__ import annotations

import json
import os
import secrets
import selectors
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

API_USER = "bench-user"
TIMEZONE = "America/New_York"
_START_TIMEOUT = 30.0


class LostRecords(AssertionError):
    """The library's result or the server's state does not account for every record."""


@dataclass
class Server:
    """A simulator serving in another process (its CPU never shares the client's GIL)."""

    base_url: str
    api_user: str
    api_key: str
    process: subprocess.Popen[str]

    def client(self, **kw: Any) -> Any:
        from lockt_async import LocktClient

        kw.setdefault("timezone", TIMEZONE)
        return LocktClient(self.api_user, self.api_key, base_url=self.base_url, **kw)

    @property
    def headers(self) -> dict[str, str]:
        return {"apiuser": self.api_user, "apikey": self.api_key}

    def users(self) -> list[dict[str, Any]]:
        """Every user the server holds (``GET /user``)."""
        with httpx.Client(timeout=300.0) as http:
            resp = http.get(self.base_url + "/user", headers=self.headers)
        resp.raise_for_status()
        data = resp.json()["data"]
        return data if isinstance(data, list) else [data]


@contextmanager
def simulator(
    *,
    latency: float = 0.0,
    read_latency: float = 0.0,
    record_limit: int = 100,
    journal: str | None = None,
) -> Iterator[Server]:
    """Start a simulator process on 127.0.0.1 and stop it (by its own pid) afterwards.

    It is the library's own ``python -m lockt_async.testing serve``; with ``journal``
    (a file path) the same simulator served by ``benchmarks._stamped_server``, which
    writes when each write began and ended there once the block exits.
    """
    key = secrets.token_hex(16)  # a throwaway key: never printed, never written
    env = dict(os.environ)
    env.pop("LOCKT_API_KEY", None)
    if journal is not None:
        env["BENCH_SIM_KEY"] = key
        cmd = [sys.executable, "-m", "benchmarks._stamped_server", journal, str(latency)]
        cmd.append(str(record_limit))
    else:
        cmd = [
            sys.executable,
            "-m",
            "lockt_async.testing",
            "serve",
            "--port",
            "0",
            "--latency",
            str(latency),
            "--record-limit",
            str(record_limit),
            "--api-user",
            API_USER,
            "--api-key",
            key,
            "--empty",
            "--read-latency",
            str(read_latency),
        ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=_project_root(),
    )
    try:
        url = _read_url(proc)
        yield Server(url, API_USER, key, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def _project_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + _START_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if not sel.select(timeout=0.2):
                if proc.poll() is not None:
                    break
                continue
            line = proc.stdout.readline()
            if not line:
                break
            if line.startswith("LOCKT_BASE_URL="):
                return line.strip().split("=", 1)[1]
    finally:
        sel.close()
    raise RuntimeError("the simulator process did not print LOCKT_BASE_URL in time")


def run_child(module: str, args: list[str], server: Server) -> dict[str, Any]:
    """``python -m benchmarks.MODULE --child ARGS... BASE_URL`` in a fresh process; the JSON
    object it prints last. The simulator's credentials pass in its environment, never argv."""
    env = dict(os.environ, BENCH_SIM_KEY=server.api_key, BENCH_SIM_USER=server.api_user)
    argv = ["-m", f"benchmarks.{module}", "--child", *args, server.base_url]
    last = _python(argv, env, 1800, f"{module} child {args}")
    out: dict[str, Any] = json.loads(last)
    return out


def script_figure(source: str) -> float:
    """Run ``source`` (``python -c``) in a fresh process from the project root; the number
    it prints last. For the one-off costs a process pays once (first use, cold caches)."""
    return float(_python(["-c", source], None, 600, "benchmark script"))


def _python(args: list[str], env: dict[str, str] | None, timeout: float, what: str) -> str:
    """``python ARGS`` from the project root; the last line it prints (stderr on failure)."""
    proc = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=timeout,
        cwd=_project_root(),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed: {proc.stderr[-2000:]}")
    return proc.stdout.strip().splitlines()[-1]


# -- records -----------------------------------------------------------------


def user_record(i: int) -> dict[str, Any]:
    """A valid new card holder, unique by ``i``."""
    return {
        "id_num": f"EMP{i:07d}",
        "first_name": "Ada",
        "last_name": f"Lovelace{i}",
        "email": f"ada{i}@example.com",
        "phone": "5551234567",
        "pin": f"{1000 + i % 9000}",
        "card_num": str(10_000_000 + i),
    }


def users(n: int) -> list[dict[str, Any]]:
    return [user_record(i) for i in range(n)]


def wire_user(i: int) -> dict[str, Any]:
    """The hand-built wire dict of ``user_record(i)``: an insert carries ``id: -1``."""
    return {"id": -1, **user_record(i)}


OPTIONS = {"update_existing": "false", "validate_fails_batch": "true", "replace_privileges": "true"}


def pages_of(seq: list[Any], size: int) -> list[list[Any]]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]


# -- checks ------------------------------------------------------------------


def check_result(result: Any, n: int, what: str) -> None:
    """The library's own accounting: every record accepted, none failed."""
    if result.total != n or result.accepted != n or result.failures:
        counts = result.failure_counts() if result.failures else {}
        raise LostRecords(
            f"{what}: total={result.total} accepted={result.accepted} of {n}; failures {counts}"
        )


def check_server(server: Server, id_nums: set[str], what: str) -> int:
    """The server's state holds every ``id_num``; returns how many are missing."""
    held = {u.get("id_num") for u in server.users()}
    missing = len(id_nums - held)
    if missing:
        raise LostRecords(f"{what}: {missing} of {len(id_nums)} records are not on the server")
    return missing


# -- figures -----------------------------------------------------------------


@dataclass
class Metric:
    """One figure of a table: how to print it, and its target (None: reported only)."""

    key: str
    label: str
    unit: str = ""
    target: str = ""
    met: Callable[[float], bool] | None = None
    fmt: str = "{:.3g}"


@dataclass
class Sample:
    """One repeat's figures and notes."""

    values: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


class Timer:
    """``with Timer() as t: ...``; ``t.elapsed`` in seconds (perf_counter)."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.elapsed = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self.start
