"""pytest fixtures for code that talks to Lockt (registered via the pytest11 entry point).

Imports nothing heavy at import time: the simulator and the client are
imported inside the fixtures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._sim import Simulator


def _require_simulator() -> None:
    """Fail the test with one line naming the extra when the simulator cannot run."""
    from ._extra import missing_extra

    problem = missing_extra("starlette")
    if problem is not None:
        pytest.fail(problem, pytrace=False)


@pytest.fixture
def lockt_simulator() -> Simulator:
    """A fresh simulator seeded with the document's example objects.

    Needs the ``simulator`` extra (``pip install "lockt_async[simulator]"``); without
    it the test fails with one line saying so.
    """
    _require_simulator()
    from ._sim import Simulator

    return Simulator(seed=True)


@pytest.fixture
async def lockt_client(lockt_simulator: Simulator) -> AsyncIterator[Any]:
    """A ``LocktClient`` wired in-process to ``lockt_simulator`` (needs the anyio plugin)."""
    async with lockt_simulator.client() as client:
        yield client
