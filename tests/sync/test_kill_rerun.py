"""Issue 11 point 2: a sync SIGKILLed at any point and run again converges, no duplicate."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import anyio
import pytest

from lockt_async.testing import Simulator
from tests.support import user_record, users

from .kill_support import run_killed

PAGE = 10


def source() -> list[dict[str, Any]]:
    """100 of the 110 users in Lockt (every third changed) and 50 new ones."""
    src = [
        user_record(i, last_name=f"Changed{i}") if i % 3 == 0 else user_record(i)
        for i in range(100)
    ]
    return src + users(50, start=200)


def write_pages(sim: Simulator) -> int:
    return sum(1 for e in list(sim.journal.entries) if e.method in ("POST", "DELETE"))


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [0, 1, 5, 9, 10], ids=lambda k: f"kill-after-{k}-pages")
def test_sigkill_then_rerun_converges(tmp_path: Path, kill_after: int) -> None:
    """Point 2: SIGKILL after N of the 11 write pages (10th: the delete), rerun: source == Lockt."""
    sim = Simulator(record_limit=PAGE)

    async def prefill() -> None:
        async with sim.client() as lockt:
            assert (await lockt.users.upsert(users(110))).ok

    anyio.run(prefill)
    sim.latency = 0.03
    sim.journal.clear()
    src = source()
    path = tmp_path / "source.json"
    path.write_text(json.dumps(src))
    returncode, killed_at = run_killed(sim, path, "users", kill_after, write_pages)
    assert returncode == -signal.SIGKILL, "the first run ended before the kill point"
    assert killed_at >= kill_after
    id_nums = [u["id_num"] for u in sim.users.values()]
    assert len(id_nums) == len(set(id_nums)), "a duplicate id_num"
    assert set(id_nums) == {r["id_num"] for r in src}
    held = {u["id_num"]: u for u in sim.users.values()}
    for rec in src:
        user = held[rec["id_num"]]
        assert (user["last_name"], user["email"], user["pin"]) == (
            rec["last_name"],
            rec["email"],
            rec["pin"],
        )
