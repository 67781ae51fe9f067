"""The pytest plugin's fixtures: a seeded simulator and a client pointed at it."""

from __future__ import annotations

import pytest

from lockt_async import LocktClient
from lockt_async.testing import Simulator

pytestmark = pytest.mark.anyio


async def test_fixtures_work_together(
    lockt_simulator: Simulator, lockt_client: LocktClient
) -> None:
    """README 'Testing your own code': the fixtures talk to each other in-process."""
    doors = await lockt_client.doors.list()
    assert {d.id for d in doors} >= {166, 174, 603}  # the document's seeded doors
    result = await lockt_client.doors.create([{"name": "Lab 1"}, {"name": "Lab 2"}])
    assert result.ok
    assert {d["name"] for d in lockt_simulator.doors.values()} >= {"Lab 1", "Lab 2"}


async def test_events_after_id_zero_means_all(lockt_client: LocktClient) -> None:
    """GET /events?id=0: every event after id 0, in ascending order."""
    events = await lockt_client.events.list(after_id=0)
    ids = [e.id for e in events]
    assert ids == sorted(ids) and ids
