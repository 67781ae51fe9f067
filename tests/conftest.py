"""Shared fixtures: every async test runs under asyncio and trio."""

from __future__ import annotations

import pytest

from lockt_async.testing import Simulator


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sim() -> Simulator:
    """A simulator seeded with the document's example objects (a module may define its own)."""
    return Simulator(seed=True)
