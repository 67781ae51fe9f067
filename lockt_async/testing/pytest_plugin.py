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


_EMPTY_MARKER = "lockt_empty"


def pytest_configure(config: pytest.Config) -> None:
    """Registers the ``lockt_empty`` marker (a ``lockt_simulator`` that starts bare)."""
    config.addinivalue_line(
        "markers",
        f"{_EMPTY_MARKER}: the lockt_simulator fixture starts empty, without the document's "
        "example objects",
    )


@pytest.fixture
def lockt_simulator(request: pytest.FixtureRequest) -> Simulator:
    """A fresh simulator, seeded with the document's example objects.

    The seed is the API document's examples: 5 users (one with an ``id_num``,
    "329359", Susan Brown; 4 rows without one, fob holders among them), 3 fobs,
    8 doors, 5 access levels, 3 locations, 2 schedules and their credentials.
    A test that counts users or syncs with ``on_missing="disable"`` or
    ``"delete"`` touches them too: mark it ``@pytest.mark.lockt_empty`` to
    start with an empty instance instead.

    Needs the ``simulator`` extra (``pip install "lockt_async[simulator]"``); without
    it the test fails with one line saying so.
    """
    _require_simulator()
    from ._sim import Simulator

    return Simulator(seed=request.node.get_closest_marker(_EMPTY_MARKER) is None)


@pytest.fixture
async def lockt_client(lockt_simulator: Simulator) -> AsyncIterator[Any]:
    """A ``LocktClient`` wired in-process to ``lockt_simulator`` (needs the anyio plugin)."""
    async with lockt_simulator.client() as client:
        yield client
