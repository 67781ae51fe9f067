"""Issue 20 point 2: a fleet synced on Temporal by 3 worker processes (asyncio-only)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

pytest.importorskip("temporalio")

from temporalio.client import Client

from lockt_async.temporal import (
    SyncReport,
    SyncRequest,
    SyncWorkflow,
    start_sync,
    workflow_id,
)
from lockt_async.testing import Drop, Simulator, SimulatorFleet, serve_in_thread
from tests.support import user_record

from .temporal_support import Workers, running_temporal, source_for

pytestmark = [pytest.mark.slow, pytest.mark.temporal]

SITES = [f"site-{i:02d}" for i in range(50)]


@dataclass
class Stack:
    fleet: SimulatorFleet
    address: str
    workers: Workers
    task_queue: str = "lockt-test"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    """A dev server, a 53-instance simulated fleet on a loopback socket, 3 workers."""
    fleet = SimulatorFleet()
    for name in SITES:
        fleet.add(name, latency=0.01, record_limit=4)
    fleet.add("slow-1", latency=0.15, record_limit=5)
    fleet.add("dup-1", latency=0.05, record_limit=3)
    dropped = fleet.add("drop-1")
    # The insert page is applied, then its connection drops: its outcome is unknown.
    dropped.faults.on("POST", "/user", Drop(after_apply=True))
    guarded = fleet.add("guard-1", record_limit=10)
    # Ten people the source keeps, ten it no longer has.
    asyncio.run(_seed(guarded, [user_record(i, id_num=f"guard-1-{i:03d}") for i in range(20)]))
    with running_temporal() as address, serve_in_thread(fleet) as url:
        workers = Workers(address, "lockt-test", url, fleet)
        try:
            workers.start(3)
            yield Stack(fleet, address, workers)
        finally:
            workers.stop()


async def _seed(sim: Simulator, records: list[dict[str, object]]) -> None:
    async with sim.client() as lockt:
        await lockt.users.upsert(records)
    sim.journal.clear()


def id_nums(fleet: SimulatorFleet, name: str) -> list[str]:
    return sorted(u["id_num"] for u in fleet[name].users.values() if u["id_num"])


def run(coro_fn: object) -> object:
    assert callable(coro_fn)
    return asyncio.run(coro_fn())


def test_fifty_instances_converge_without_overlapping_writes(stack: Stack) -> None:
    """Issue 20 done-when: 50 instances synced by 3 workers equal their sources; no overlap."""

    async def go() -> list[SyncReport]:
        client = await Client.connect(stack.address)
        handles = [
            await start_sync(client, SyncRequest(name), task_queue=stack.task_queue)
            for name in SITES
        ]
        return list(await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 180))

    reports = run(go)
    assert isinstance(reports, list)
    assert [r.instance for r in reports] == SITES
    for report in reports:
        want = sorted(r["id_num"] for r in source_for(report.instance))
        assert id_nums(stack.fleet, report.instance) == want
        assert report.ok and report.applied is not None
        assert report.applied.inserted == len(want)
    assert stack.fleet.overlapping_writes() == {}


def test_same_instance_started_twice_runs_one_sync(stack: Stack) -> None:
    """Issue 20 done-when: a second start while the first runs attaches to it (one sync)."""

    async def go() -> tuple[str | None, str | None, SyncReport, SyncReport]:
        client = await Client.connect(stack.address)
        first = await start_sync(client, SyncRequest("dup-1"), task_queue=stack.task_queue)
        second = await start_sync(client, SyncRequest("dup-1"), task_queue=stack.task_queue)
        one, two = await asyncio.wait_for(asyncio.gather(first.result(), second.result()), 60)
        return first.result_run_id, second.result_run_id, one, two

    run_a, run_b, one, two = run(go)  # type: ignore[misc]
    assert run_a == run_b
    assert one.applied is not None and one.applied.inserted == 12
    assert two.plan.plan_id == one.plan.plan_id
    sim = stack.fleet["dup-1"]
    reads = [e for e in sim.journal.entries if e.method == "GET" and e.path == "/user"]
    assert len(reads) == 2  # one plan, one apply: a single sync
    assert id_nums(stack.fleet, "dup-1") == sorted(r["id_num"] for r in source_for("dup-1"))
    assert sim.journal.overlapping_writes() == []


def test_guard_waits_for_approval_then_removes_exactly_the_plan(stack: Stack) -> None:
    """Issue 20: a guard-tripping plan waits for the approve signal, then applies that plan."""
    sim = stack.fleet["guard-1"]
    before = {u["id_num"]: uid for uid, u in sim.users.items()}
    keep = {r["id_num"] for r in source_for("guard-1")}

    async def go() -> tuple[str, SyncReport, int]:
        client = await Client.connect(stack.address)
        request = SyncRequest("guard-1", on_missing="delete")
        handle = await start_sync(client, request, task_queue=stack.task_queue)
        deadline = time.monotonic() + 60
        while (status := await handle.query(SyncWorkflow.status)).state != "awaiting_approval":
            assert time.monotonic() < deadline, status
            await asyncio.sleep(0.1)
        waiting_with = len(sim.users)
        assert status.plan_id is not None
        await handle.signal(SyncWorkflow.approve, "not-this-plan")
        await handle.signal(SyncWorkflow.approve, status.plan_id)
        return status.plan_id, await asyncio.wait_for(handle.result(), 60), waiting_with

    approved, report, waiting_with = run(go)  # type: ignore[misc]
    assert waiting_with == 20  # nothing removed while waiting
    assert report.approval == "approved" and report.plan.plan_id == approved
    assert report.plan.removals_blocked
    gone = {n for n in before if n not in keep}
    assert sorted(report.plan.removal_ids) == sorted(before[n] for n in gone)
    assert report.removed is not None and report.removed.deleted == 10
    assert id_nums(stack.fleet, "guard-1") == sorted(keep)
    assert workflow_id("guard-1") == "lockt-sync-guard-1"


def test_worker_killed_mid_sync_another_finishes(stack: Stack) -> None:
    """Issue 20 done-when: SIGKILL mid-apply; another worker converges it, no duplicate person."""
    sim = stack.fleet["slow-1"]

    async def go() -> tuple[int, SyncReport]:
        client = await Client.connect(stack.address)
        handle = await start_sync(
            client, SyncRequest("slow-1", heartbeat_timeout=2.0), task_queue=stack.task_queue
        )
        deadline = time.monotonic() + 60
        # Polling on purpose: the journal is filled by the simulator's thread.
        while len([e for e in sim.journal.writes() if e.outcome == "ok"]) < 3:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        desc = await handle.describe()
        pending = desc.raw_description.pending_activities
        assert pending and pending[0].activity_type.name == "lockt.apply"
        pid = int(pending[0].last_worker_identity.split("@")[0])
        stack.workers.kill(pid)
        return pid, await asyncio.wait_for(handle.result(), 120)

    _, report = run(go)  # type: ignore[misc]
    assert report.applied is not None and report.applied.attempt >= 2
    assert report.applied.resumed_from is not None  # the lost attempt's last progress
    stored = [u["id_num"] for u in sim.users.values()]
    assert [n for n, c in Counter(stored).items() if c > 1] == []
    assert sorted(stored) == sorted(r["id_num"] for r in source_for("slow-1"))
    assert sim.journal.overlapping_writes() == []


def test_nightly_schedule_example_starts_one_sync_per_instance(stack: Stack) -> None:
    """Issue 20: examples/temporal_nightly.py's Schedule starts each instance's own workflow."""
    from examples.temporal_nightly import SCHEDULE_ID, create

    names = SITES[:3]

    async def go() -> tuple[dict[str, list[str]], list[SyncReport]]:
        client = await Client.connect(stack.address)
        await create(client, [SyncRequest(n) for n in names], task_queue=stack.task_queue)
        schedule = client.get_schedule_handle(SCHEDULE_ID)
        await schedule.trigger()
        deadline = time.monotonic() + 60
        while not (actions := (await schedule.describe()).info.recent_actions):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        action = actions[0].action
        nightly = client.get_workflow_handle(action.workflow_id)  # type: ignore[attr-defined]
        outcome = await asyncio.wait_for(nightly.result(), 60)
        reports = [
            await asyncio.wait_for(
                client.get_workflow_handle(workflow_id(n), result_type=SyncReport).result(), 60
            )
            for n in outcome["started"]
        ]
        await schedule.delete()
        return outcome, reports

    outcome, reports = run(go)  # type: ignore[misc]
    assert outcome == {"started": names, "skipped": []}
    assert [r.instance for r in reports] == names and all(r.ok for r in reports)


def test_trace_context_travels_from_the_starter(stack: Stack) -> None:
    """Issue 20: with OpenTelemetry, the starter's trace context is in the workflow's header."""
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.trace import TracerProvider

    from lockt_async.temporal import interceptors

    tracer = TracerProvider().get_tracer("lockt-test")

    async def go() -> list[str]:
        client = await Client.connect(stack.address, interceptors=interceptors())
        with tracer.start_as_current_span("nightly"):
            handle = await start_sync(client, SyncRequest("site-07"), task_queue=stack.task_queue)
        await asyncio.wait_for(handle.result(), 60)
        async for event in handle.fetch_history_events():
            fields = event.workflow_execution_started_event_attributes.header.fields
            return sorted(fields)
        return []

    assert "_tracer-data" in run(go)  # type: ignore[operator]


def test_unknown_page_is_reconciled_by_the_retry_never_resent(stack: Stack) -> None:
    """Issue 20: a page whose fate is unknown makes the apply step retry: re-read, not resent."""
    sim = stack.fleet["drop-1"]

    async def go() -> SyncReport:
        client = await Client.connect(stack.address)
        handle = await start_sync(client, SyncRequest("drop-1"), task_queue=stack.task_queue)
        return await asyncio.wait_for(handle.result(), 90)

    report = run(go)
    assert isinstance(report, SyncReport)
    assert report.applied is not None and report.applied.attempt == 2 and report.ok
    want = sorted(r["id_num"] for r in source_for("drop-1"))
    assert id_nums(stack.fleet, "drop-1") == want  # no duplicate, none missing
    posted = [e for e in sim.journal.writes() if e.method == "POST" and e.path == "/user"]
    assert [(e.records, e.outcome) for e in posted] == [(12, "fault:drop_after")]  # not resent
    assert sim.journal.overlapping_writes() == []
