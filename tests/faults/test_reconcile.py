"""``reconcile``: settling ``unknown`` outcomes by natural key (issue 8, point 2)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lockt_async import FailureReason
from lockt_async.errors import AuthenticationError
from lockt_async.testing import Drop, Fault, Simulator, status
from tests.support import check_invariants, users

pytestmark = pytest.mark.anyio

MESSAGE = "not applied (checked by id_num after an unknown outcome)"


async def test_dropped_after_apply_reconciles_to_found() -> None:
    """Dropped after apply: reconcile finds the applied users; nothing is left to retry."""
    sim = Simulator()
    sim.faults.add(Fault(Drop(after_apply=True), method="POST", path="/user", nth=2, times=2))
    records = users(500)
    async with sim.client() as lockt:
        result = await lockt.users.upsert(records)
        assert result.failure_counts() == {"unknown": 200}
        settled = await lockt.users.reconcile(result)
    assert settled is not result and result.failure_counts() == {"unknown": 200}
    assert settled.ok and settled.accepted == 500
    assert settled.records_to_retry() == []
    assert (settled.inserted, len(settled.pages)) == (result.inserted, len(result.pages))


async def test_mixed_unknowns_resend_completes_state_without_duplicates() -> None:
    """Reconcile: records_to_retry() is exactly what is missing; resending completes the state."""
    sim = Simulator()
    post = {"method": "POST", "path": "/user"}
    sim.faults.add(Fault(Drop(after_apply=True), nth=2, times=1, **post))
    sim.faults.add(Fault(Drop(after_apply=False), nth=3, times=1, **post))
    sim.faults.add(Fault(status(503), nth=4, times=1, **post))
    records = users(600)
    async with sim.client() as lockt:
        result = await lockt.users.upsert(records)
        check_invariants(sim, result, records)
        assert result.failure_counts() == {"unknown": 300}
        settled = await lockt.users.reconcile(result)
        stored = {u["id_num"] for u in sim.users.values()}
        retry = settled.records_to_retry()
        assert {r["id_num"] for r in retry} == {r["id_num"] for r in records} - stored
        assert len(retry) == 200
        assert {f.reason for f in settled.failures} == {FailureReason.NOT_SENT}
        assert all(f.messages == (MESSAGE,) for f in settled.failures)
        again = await lockt.users.upsert(retry)
    assert again.ok
    ids = [u["id_num"] for u in sim.users.values()]
    assert len(ids) == len(set(ids)) == 600


async def test_reconcile_leaves_other_failures_and_keyless_records() -> None:
    """Reconcile only touches unknown failures that carry a natural key (and are inserts)."""
    sim = Simulator()
    sim.faults.add(Fault(status(503), method="POST", path="/user", nth=1, times=1))
    records: list[Any] = users(3)
    records[1] = {**records[1], "id": 77}  # an update: finding it proves nothing
    async with sim.client() as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
        assert result.failure_counts() == {"unknown": 3}
        settled = await lockt.users.reconcile(result)
    by_index = {f.index: f.reason for f in settled.failures}
    assert by_index == {
        0: FailureReason.NOT_SENT,
        1: FailureReason.UNKNOWN,
        2: FailureReason.NOT_SENT,
    }


async def test_reconcile_propagates_read_errors_and_keeps_input() -> None:
    """Reconcile raises the lookup's typed error (not an ExceptionGroup); input untouched."""
    sim = Simulator()
    sim.faults.add(Fault(status(503), method="POST", path="/user", nth=1, times=1))
    async with sim.client(max_retries=0) as lockt:
        result = await lockt.users.upsert(users(5))
        sim.api_key = "revoked"
        with pytest.raises(AuthenticationError):
            await lockt.users.reconcile(result)
    assert result.failure_counts() == {"unknown": 5}


async def test_reconcile_without_unknowns_is_a_copy() -> None:
    """Reconcile of a clean result: an equal copy, no reads sent."""
    sim = Simulator()
    async with sim.client() as lockt:
        result = await lockt.users.upsert(users(10))
        reads_before = len(sim.journal)
        settled = await lockt.users.reconcile(result)
    assert settled is not result and settled.ok and settled.accepted == 10
    assert len(sim.journal) == reads_before


async def test_fobs_and_doors_reconcile() -> None:
    """fobs.reconcile (by name or card_num) and doors.reconcile (one GET /door)."""
    sim = Simulator()
    sim.faults.add(Fault(Drop(after_apply=True), method="POST", path="/fob", nth=1, times=1))
    sim.faults.add(Fault(Drop(after_apply=False), method="POST", path="/door", nth=1, times=1))
    fobs = [{"name": f"Fob {i}", "id_num": f"F{i}", "card_num": str(7000 + i)} for i in range(5)]
    doors = [{"name": f"Door {i}"} for i in range(4)]
    async with sim.client() as lockt:
        fob_result = await lockt.fobs.create(fobs)
        assert fob_result.failure_counts() == {"unknown": 5}
        assert (await lockt.fobs.reconcile(fob_result)).ok
        assert (await lockt.fobs.reconcile(fob_result, key="card_num")).ok
        door_result = await lockt.doors.create(doors)
        assert door_result.failure_counts() == {"unknown": 4}
        reads = len(sim.journal)
        settled = await lockt.doors.reconcile(door_result)
        assert len(sim.journal) == reads + 1
        assert [f.record for f in settled.failures] == doors
        assert settled.failure_counts() == {"not_sent": 4}
        assert (await lockt.doors.create(settled.records_to_retry())).ok
    assert sorted(d["name"] for d in sim.doors.values()) == sorted(d["name"] for d in doors)


async def test_lookup_concurrency_is_bounded() -> None:
    """Reconcile's reads run concurrently, never more than read_concurrency at once."""
    in_flight = peak = 0
    sim = Simulator()
    inner = sim.transport()

    class Counting(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await inner.handle_async_request(request)
            finally:
                in_flight -= 1

    sim.read_latency = 0.005
    sim.faults.add(Fault(status(503), method="POST", path="/user", nth=1, times=1))
    async with sim.client(transport=Counting(), read_concurrency=4) as lockt:
        settled = await lockt.users.reconcile(await lockt.users.upsert(users(40)))
    assert settled.failure_counts() == {"not_sent": 40}
    assert 1 < peak <= 4
