"""A throwaway ``redis-server`` on 127.0.0.1 for the write-gate tests.

``running_redis()`` starts one on a free port (no persistence), waits for PING
and stops it. Without ``redis-server`` on PATH the tests are skipped, except in
CI (``CI=true``), which installs it: there a missing server is a failure.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
import redis.asyncio as aioredis

from .processes import free_port, installed, stop

_START_TIMEOUT = 10.0


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_server_binary() -> str:
    """The path of ``redis-server``; skips the test (fails it under CI) when absent."""
    message = "redis-server is not on PATH (apt-get install redis-server)"
    return installed(shutil.which("redis-server"), message)


def _spawn(binary: str, port: int, workdir: str) -> subprocess.Popen[bytes] | None:
    """A redis-server on ``port`` once it answers PING; None if it died or never answered."""
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", workdir]
    proc = subprocess.Popen([binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + _START_TIMEOUT
    while proc.poll() is None and time.monotonic() < deadline and not _ping(port):
        time.sleep(0.02)
    if proc.poll() is None and _ping(port):
        return proc
    proc.kill()
    proc.wait()
    return None


@contextmanager
def running_redis() -> Iterator[str]:
    """Run a private redis-server until the block exits; yields ``redis://127.0.0.1:PORT/0``."""
    binary = redis_server_binary()
    with tempfile.TemporaryDirectory(prefix="lockt-redis-") as workdir:
        for _ in range(3):  # the port may be taken between probing and binding
            port = free_port()
            proc = _spawn(binary, port, workdir)
            if proc is not None:
                break
        else:
            pytest.fail("redis-server did not start", pytrace=False)
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            stop(proc, 5)


class RedisProcess:
    """A redis-server on a fixed free port that a test can stop and start again (empty)."""

    def __init__(self) -> None:
        self.binary = redis_server_binary()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._workdir = tempfile.TemporaryDirectory(prefix="lockt-redis-")
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._proc = _spawn(self.binary, self.port, self._workdir.name)
        if self._proc is None:
            pytest.fail("redis-server did not start", pytrace=False)

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None

    def close(self) -> None:
        self.stop()
        self._workdir.cleanup()


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A private redis-server for the module; its URL."""
    with running_redis() as url:
        yield url


@pytest.fixture
def anyio_backend() -> str:
    """redis-py's asyncio client: the gate runs under asyncio only."""
    return "asyncio"


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A redis-py asyncio client on the module's server, its database emptied first."""
    r = aioredis.Redis.from_url(redis_url)
    try:
        await r.flushdb()
        yield r
    finally:
        await r.aclose()
