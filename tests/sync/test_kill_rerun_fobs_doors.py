"""Issue 22 point 5: fobs.sync and doors.sync SIGKILLed at any point and run again converge.

As ``test_kill_rerun`` does for users: a child process syncs, is killed after N
write requests, a second run completes, and a third sends no write. Fobs go through
POST /fob, PUT /fob (holders, dates) and DELETE /fob; doors through POST and DELETE /door.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from lockt_async.testing import DEFAULT_DEFECTS, Simulator
from tests.support import users

from .kill_support import run_killed

PAGE = 5


def fob(i: int, **kw: Any) -> dict[str, Any]:
    return {"name": f"Fob {i}", "id_num": f"F{i}", "card_num": str(900 + i), **kw}


def write_requests(sim: Simulator) -> int:
    return sum(1 for e in list(sim.journal.entries) if e.method != "GET")


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0, 1, 3, 5, 7], ids=lambda k: f"kill-after-{k}")
def test_fobs_sigkill_then_rerun_converges(tmp_path: Path, kill_after: int) -> None:
    """Point 5: fobs (create, holder PUT, delete) killed after N writes, rerun: source == Lockt."""
    sim = Simulator(record_limit=PAGE)

    async def prefill() -> list[int]:
        async with sim.client() as lockt:
            assert (await lockt.users.upsert(users(3))).ok
            assert (await lockt.fobs.create([fob(i) for i in range(12)])).ok
        return sorted(sim.users)

    holders = anyio.run(prefill)
    sim.latency = 0.03
    sim.journal.clear()
    src = [fob(i, user_id=holders[i % 3]) if i % 2 else fob(i) for i in range(2, 12)]
    src += [fob(i, user_id=holders[0]) for i in range(20, 26)]
    path = tmp_path / "fobs.json"
    path.write_text(json.dumps(src))
    run_killed(sim, path, "fobs", kill_after, write_requests)
    held = {f["name"]: f for f in sim.fobs.values()}
    assert sorted(held) == sorted(r["name"] for r in src), "no duplicate, none missing"
    for rec in src:
        assert (held[rec["name"]]["user_id"] or 0) == rec.get("user_id", 0), rec["name"]


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0, 1, 3, 4], ids=lambda k: f"kill-after-{k}")
def test_doors_sigkill_then_rerun_converges(tmp_path: Path, kill_after: int) -> None:
    """Point 5: doors (create, delete) killed after N writes, rerun: source == Lockt."""
    sim = Simulator(record_limit=PAGE, defects=DEFAULT_DEFECTS - {"door_delete_rejects_valid_ids"})

    async def prefill() -> None:
        async with sim.client() as lockt:
            assert (await lockt.doors.create([{"name": f"Door {i}"} for i in range(12)])).ok

    anyio.run(prefill)
    sim.latency = 0.03
    sim.journal.clear()
    src = [{"name": f"Door {i}"} for i in range(4, 22)]
    path = tmp_path / "doors.json"
    path.write_text(json.dumps(src))
    run_killed(sim, path, "doors", kill_after, write_requests)
    names = [d["name"] for d in sim.doors.values()]
    assert sorted(names) == sorted(r["name"] for r in src), "no duplicate, none missing"
