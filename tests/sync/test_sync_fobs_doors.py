"""Issue 11 point 3: ``fobs.sync`` (key name, then card_num) and ``doors.sync`` (key name)."""

from __future__ import annotations

from typing import Any

import pytest

from lockt_async import ConfigurationError
from lockt_async.testing import DEFAULT_DEFECTS, Simulator
from tests.support import user_record

pytestmark = pytest.mark.anyio


def fob(i: int, **kw: Any) -> dict[str, Any]:
    return {"name": f"Fob {i}", "id_num": f"F{i}", "card_num": str(900 + i), **kw}


def writes(sim: Simulator) -> list[str]:
    return [f"{e.method} {e.path}" for e in sim.journal.entries if e.method != "GET"]


def fobs_by_name(sim: Simulator) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in sim.fobs.values()}


async def test_fobs_sync_creates_reassigns_deletes_then_rests() -> None:
    """Point 3: create missing, PUT /fob for holder and dates, delete missing; then no write."""
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert([user_record(1), user_record(2)])
        holder, other = sorted(sim.users)
        await lockt.fobs.create([fob(i) for i in range(5)])
        sim.journal.clear()
        source = [
            fob(0),
            fob(1, user_id=holder),
            fob(2, access_expires="2031-05-01 08:00:00"),
            {**fob(3), "name": "Renamed 3"},  # matched by card_num: a name PUT cannot change
            fob(5, user_id=other),
        ]
        result = await lockt.fobs.sync(source, on_missing="delete")
        assert (result.inserted, result.updated, result.unchanged, result.deleted) == (1, 2, 2, 1)
        assert result.ok, result.failures
        assert [(d.index, d.change.field) for d in result.plan.ignored] == [(3, "name")]
        held = fobs_by_name(sim)
        assert sorted(held) == ["Fob 0", "Fob 1", "Fob 2", "Fob 3", "Fob 5"]
        assert (held["Fob 1"]["user_id"], held["Fob 5"]["user_id"]) == (holder, other)
        assert held["Fob 2"]["access_expires"].strftime("%Y-%m-%d %H") == "2031-05-01 08"
        assert writes(sim) == ["POST /fob", "PUT /fob", "DELETE /fob"]
        sim.journal.clear()
        again = await lockt.fobs.sync(source, on_missing="delete")
    assert writes(sim) == [] and again.unchanged == 5


async def test_fobs_cannot_be_disabled() -> None:
    """Point 3: a fob has no disable call, so on_missing='disable' is refused before any I/O."""
    sim = Simulator()
    async with sim.client() as lockt:
        with pytest.raises(ConfigurationError, match="'keep', 'delete'"):
            await lockt.fobs.sync([], on_missing="disable")
    assert sim.journal.entries == []


async def test_doors_sync_creates_and_deletes_by_name() -> None:
    """Point 3: doors are matched on name, created when missing, deleted when gone; then rest."""
    # The DELETE /door defect (a valid id refused the first time) is pinned on its own.
    sim = Simulator(defects=DEFAULT_DEFECTS - {"door_delete_rejects_valid_ids"})
    async with sim.client() as lockt:
        await lockt.doors.create([{"name": n} for n in ("A", "B", "C")])
        sim.journal.clear()
        source = [{"name": "B"}, {"name": "C"}, {"name": "D"}]
        result = await lockt.doors.sync(source, on_missing="delete")
        assert (result.inserted, result.unchanged, result.deleted) == (1, 2, 1)
        assert sorted(d["name"] for d in sim.doors.values()) == ["B", "C", "D"]
        sim.journal.clear()
        again = await lockt.doors.sync(source, on_missing="delete")
        kept = await lockt.doors.sync([{"name": "B"}], on_missing="keep")
    assert writes(sim) == [] and again.unchanged == 3
    assert len(kept.plan.missing) == 2 and kept.plan.removals == []


async def test_doors_compare_location_id_and_list_it_as_not_sendable() -> None:
    """Issue 22 point 5: location_id is compared (GET /door shows the location's name,
    GET /location its id); no call updates a door, so a difference is ignored, never sent."""
    sim = Simulator(seed=True)
    async with sim.client() as lockt:
        first, second = list(sim.instance.locations)[:2]
        await lockt.doors.create([{"name": "Lab", "location_id": first}, {"name": "Hall"}])
        sim.journal.clear()
        same = await lockt.doors.sync([{"name": "Lab", "location_id": first}, {"name": "Hall"}])
        moved = await lockt.doors.sync([{"name": "Lab", "location_id": second}])
    assert same.plan.ignored == [] and same.unchanged == 2
    ((ignored,),) = [moved.plan.ignored]
    assert (ignored.key, ignored.change.field) == ("Lab", "location_id")
    assert (ignored.change.before, ignored.change.after) == (first, second)
    assert "no call changes an existing door" in ignored.reason
    assert writes(sim) == [] and moved.plan.unchanged == [0]
