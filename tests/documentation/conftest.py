"""Fixtures of the documentation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lockt_async.testing import Simulator, serve_in_thread


@pytest.fixture
def simulator_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    """A seeded simulator on 127.0.0.1, named by the LOCKT_* variables the pages and
    examples read."""
    sim = Simulator(seed=True)
    with serve_in_thread(sim) as base_url:
        monkeypatch.setenv("LOCKT_BASE_URL", base_url)
        monkeypatch.setenv("LOCKT_API_USER", sim.api_user)
        monkeypatch.setenv("LOCKT_API_KEY", sim.api_key)
        yield sim
