"""Serve a simulator on a real loopback socket (uvicorn in a daemon thread).

A thread with its own asyncio loop serves the app whatever loop the test
runs (asyncio or trio), so :func:`serve` works under both.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

import anyio.to_thread

from ._faults import SimulatedDrop

if TYPE_CHECKING:
    from ._fleet import SimulatorFleet
    from ._sim import Simulator

_START_TIMEOUT = 10.0


class _QuietDrops(logging.Filter):
    """Hide uvicorn's traceback for a connection the simulator drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedDrop)


_FILTER = _QuietDrops()


@contextmanager
def serve_in_thread(
    sim: Simulator | SimulatorFleet, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve ``sim`` (or a whole ``SimulatorFleet``) until the block exits; yields
    ``http://HOST:PORT/api/v1``.

    Raises RuntimeError if the server does not start listening within 10 s.
    """
    from ._extra import require_extra

    require_extra("uvicorn")
    import uvicorn

    logging.getLogger("uvicorn.error").addFilter(_FILTER)
    config = uvicorn.Config(sim.app, host=host, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="lockt-simulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"simulator server did not start on {host}:{port}")
        time.sleep(0.005)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}{sim.base_path}"
    finally:
        server.should_exit = True
        thread.join(_START_TIMEOUT)


@asynccontextmanager
async def serve(
    sim: Simulator | SimulatorFleet, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[str]:
    """Async form of :func:`serve_in_thread`, usable under asyncio and trio."""
    manager = serve_in_thread(sim, host=host, port=port)
    url = await anyio.to_thread.run_sync(manager.__enter__)
    try:
        yield url
    finally:
        await anyio.to_thread.run_sync(manager.__exit__, None, None, None)
