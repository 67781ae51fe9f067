"""The simulator's declared write latency: a write holds its slot at least that long."""

from __future__ import annotations

import time

import httpx
import pytest

from lockt_async.testing import Simulator
from lockt_async.testing._app import sleep_until

from .conftest import BASE_URL, HEADERS, new_user

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("ahead", [0.0, 0.0004, 0.0031, -0.001])
async def test_sleep_until_never_returns_early(ahead: float) -> None:
    """Simulator latency: the precise sleep ends at or after its deadline, never before."""
    deadline = time.monotonic() + ahead
    await sleep_until(deadline)
    assert time.monotonic() >= deadline


async def test_write_lasts_its_declared_latency() -> None:
    """Simulator latency is the write's whole server time: the journal shows at least it."""
    sim = Simulator(latency=0.012)
    async with httpx.AsyncClient(
        transport=sim.transport(), base_url=BASE_URL, headers=HEADERS
    ) as c:
        for i in range(3):
            body = {"users": [new_user(id_num=f"L{i}", email=f"l{i}@web.place", card_num="")]}
            assert (await c.post("/user", json=body)).status_code == 200
    writes = sim.journal.writes()
    assert len(writes) == 3
    assert all(e.ended is not None and e.ended - e.started >= 0.012 for e in writes)
