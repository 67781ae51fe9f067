"""Issue 11 point 2: a sync SIGKILLed at any point and run again converges, no duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from lockt_async.testing import Simulator, serve_in_thread
from tests.support import user_record, users

CHILD = Path(__file__).with_name("sync_child.py")
ROOT = Path(__file__).resolve().parents[2]
PAGE = 10


def source() -> list[dict[str, Any]]:
    """100 of the 110 users in Lockt (every third changed) and 50 new ones."""
    src = [
        user_record(i, last_name=f"Changed{i}") if i % 3 == 0 else user_record(i)
        for i in range(100)
    ]
    return src + users(50, start=200)


def child(env: dict[str, str], path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(path)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


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
    with serve_in_thread(sim) as url:
        env = {**os.environ, "LOCKT_BASE_URL": url, "LOCKT_API_USER": sim.api_user,
               "LOCKT_API_KEY": sim.api_key}  # fmt: skip
        first = child(env, path)
        deadline = time.monotonic() + 60
        while write_pages(sim) < kill_after and first.poll() is None:
            assert time.monotonic() < deadline, "the first run never reached the kill point"
            time.sleep(0.002)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        assert first.returncode == -signal.SIGKILL, "the first run ended before the kill point"
        killed_at = write_pages(sim)
        second = child(env, path)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, out + err
        sim.journal.clear()
        third = child(env, path)
        out3, err3 = third.communicate(timeout=120)
        assert third.returncode == 0, out3 + err3
        assert write_pages(sim) == 0, "a converged instance needs no write"
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
