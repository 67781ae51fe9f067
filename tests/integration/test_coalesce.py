"""Coalesced single-record writes: many callers, shared pages, own outcomes (issue 5)."""

from __future__ import annotations

import math

import anyio
import pytest

from lockt_async import (
    ConfigurationError,
    LocktError,
    ValidationFailedError,
    WriteOutcomeUnknownError,
    WriteSummary,
)
from lockt_async.testing import Drop, Fault, Simulator
from tests.support import user_record

pytestmark = pytest.mark.anyio


async def test_concurrent_callers_share_pages() -> None:
    """250 concurrent upsert_one callers go out as ceil(250/100) pages, never overlapping."""
    sim = Simulator(latency=0.01)
    outcomes: dict[int, WriteSummary] = {}
    async with sim.client() as lockt:

        async def one(i: int) -> None:
            outcomes[i] = await lockt.users.upsert_one(user_record(i))

        async with anyio.create_task_group() as tg:
            for i in range(250):
                tg.start_soon(one, i)
    assert len(outcomes) == 250
    assert all(o.inserted == 1 for o in outcomes.values())
    writes = sim.journal.writes()
    assert len(writes) <= math.ceil(250 / 100) + 1
    assert sum(w.records for w in writes) == 250
    assert sim.journal.max_concurrent_writes() == 1
    assert len(sim.users) == 250


async def test_bad_caller_gets_its_own_error_others_succeed() -> None:
    """One caller's invalid or rejected record fails only that caller, with its messages."""
    sim = Simulator()
    errors: dict[int, LocktError] = {}
    ok: set[int] = set()
    async with sim.client() as lockt:
        await lockt.users.upsert([user_record(7)])

        async def one(i: int) -> None:
            rec = user_record(i)
            if i == 3:
                rec["email"] = "bad@@example"  # client-side invalid
            if i == 5:
                rec = user_record(7, email="x7@example.com", card_num="777777")  # id_num exists
            try:
                await lockt.users.upsert_one(rec)
                ok.add(i)
            except LocktError as exc:
                errors[i] = exc

        async with anyio.create_task_group() as tg:
            for i in range(10):
                if i != 7:
                    tg.start_soon(one, i)
    assert set(errors) == {3, 5}
    assert isinstance(errors[3], ValidationFailedError)
    assert "email" in str(errors[3])
    assert isinstance(errors[5], ValidationFailedError)
    assert "EMP000007" in str(errors[5])
    assert ok == {0, 1, 2, 4, 6, 8, 9}


async def test_options_go_to_different_pages() -> None:
    """Calls with different options are never merged into one page."""
    sim = Simulator(latency=0.005)
    async with sim.client() as lockt, anyio.create_task_group() as tg:
        for i in range(6):
            tg.start_soon(
                lambda i=i: lockt.users.upsert_one(user_record(i), update_existing=i % 2 == 0)
            )
    writes = sim.journal.writes()
    assert len(writes) == 2
    assert sorted(w.records for w in writes) == [3, 3]


async def test_dropped_page_fails_every_waiter_with_unknown() -> None:
    """A page lost after apply resolves every waiter (unknown), none left hanging."""
    sim = Simulator()
    sim.faults.add(Fault(Drop(after_apply=True), method="POST", path="/user"))
    failures: list[BaseException] = []
    async with sim.client() as lockt:

        async def one(i: int) -> None:
            try:
                await lockt.users.upsert_one(user_record(i))
            except LocktError as exc:
                failures.append(exc)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for i in range(20):
                    tg.start_soon(one, i)
    assert len(failures) == 20
    assert all(isinstance(f, WriteOutcomeUnknownError) for f in failures)


async def test_close_flushes_queued_records() -> None:
    """Closing the client flushes what is queued, without waiting for the window."""
    sim = Simulator()
    results: list[WriteSummary] = []
    with anyio.fail_after(10):
        # The callers' task group outlives the client: its exit must flush them.
        async with anyio.create_task_group() as tg, sim.client(coalesce_window=30.0) as lockt:

            async def one(i: int) -> None:
                rec = {"name": f"Fob {i}", "id_num": f"F{i}", "card_num": str(7000 + i)}
                results.append(await lockt.fobs.create_one(rec))

            for i in range(3):
                tg.start_soon(one, i)
            await anyio.wait_all_tasks_blocked()
            assert sim.journal.writes() == []  # still inside the 30 s window
    assert len(results) == 3
    assert len(sim.fobs) == 3


async def test_needs_an_open_client() -> None:
    """upsert_one without `async with` is a clear ConfigurationError, not a hang."""
    sim = Simulator()
    lockt = sim.client()
    with pytest.raises(ConfigurationError, match="async with"):
        await lockt.users.upsert_one(user_record(1))
    await lockt.aclose()


async def test_bounded_queue_backpressure() -> None:
    """The queue is bounded: with max_pending=5, 40 callers still all complete."""
    sim = Simulator(latency=0.002)
    done = 0
    async with sim.client(coalesce_max_pending=5) as lockt:

        async def one(i: int) -> None:
            nonlocal done
            await lockt.doors.create_one({"name": f"Door {i}"})
            done += 1

        async with anyio.create_task_group() as tg:
            for i in range(40):
                tg.start_soon(one, i)
    assert done == 40
    assert max(w.records for w in sim.journal.writes()) <= 5


@pytest.mark.parametrize(
    "kw", [{"coalesce_max_pending": 0}, {"coalesce_max_pending": 2.5}, {"coalesce_window": -1}]
)
def test_bad_coalesce_settings_are_refused(kw: dict[str, object]) -> None:
    """A queue of no room would block every caller forever: refused at construction."""
    with pytest.raises(ConfigurationError):
        Simulator().client(**kw)
