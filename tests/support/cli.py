"""Running ``lockt`` as a subprocess against a simulator served on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import anyio

from lockt_async.testing import Simulator, serve_in_thread

from .records import users


@contextmanager
def served(sim: Simulator) -> Iterator[dict[str, str]]:
    """The environment a ``lockt`` subprocess needs to reach ``sim`` (served on loopback)."""
    with serve_in_thread(sim) as url:
        yield {
            **os.environ,
            "LOCKT_BASE_URL": url,
            "LOCKT_API_USER": sim.api_user,
            "LOCKT_API_KEY": sim.api_key,
            "COLUMNS": "200",
        }


def prefilled(n: int = 10) -> Simulator:
    """A simulator holding ``users(n)``, its journal cleared."""
    sim = Simulator()

    async def fill() -> None:
        async with sim.client() as c:
            assert (await c.users.upsert(users(n))).ok

    anyio.run(fill)
    sim.journal.clear()
    return sim
