"""Cancellation that takes effect (issue 13, point 2), at many seeded cancel points.

Each run imports users into the loopback server, whose writes stall, answer 429
with Retry-After, or outlast the request deadline, while the import is cancelled
at a seeded moment: before ``GET /time`` answers, at the gate (another holder),
in a back-off, with a page in flight, or in a slow streamed producer. After each
run the invariants are checked from the server's own records.
"""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from lockt_async import BatchResult, FailureReason, LocktClient
from lockt_async._writes._sender import SHIELD_SLACK
from tests.support import user_record as _user
from tests.support.loopback import LoopbackServer, Reply, Request, loopback

pytestmark = pytest.mark.anyio

TIMEOUT = 0.4
SETTLE = 0.3
RETRY_AFTER = 0.5
N_RECORDS, PAGE = 40, 8
#: Scheduling slack on top of the bounds derived from the configured timeouts.
MARGIN = 0.5
#: A request the client decided to send before the cancel may reach the server this late.
TRANSIT = 0.25
#: Cancel-to-return: the page on the wire is shielded for at most its deadline.
BOUND = TIMEOUT + SHIELD_SLACK + MARGIN

#: Filled by the runs: (seed, backend, seconds from cancel to return).
MEASURED: list[tuple[int, str, float]] = []


def _handler(rng: random.Random) -> Any:
    def handle(req: Request) -> Reply | None:
        if req.method == "GET":
            return Reply(stall=0.1)  # GET /time: a window to cancel in
        roll = rng.random()
        if roll < 0.2:
            return Reply(status=429, headers={"Retry-After": str(RETRY_AFTER)}, body=b"{}")
        if roll < 0.3:
            return Reply(stall=TIMEOUT + 0.3)  # outlasts the deadline: unknown, then settle
        return Reply(stall=rng.uniform(0.01, 0.08))

    return handle


async def _streamed(records: list[Any], rng: random.Random) -> AsyncIterator[Any]:
    for rec in records:
        if rng.random() < 0.1:
            await anyio.sleep(0.02)  # a slow producer
        yield rec


def _check(srv: LoopbackServer, result: BatchResult, records: list[Any], streamed: bool) -> None:
    n = len(records)
    indexes = [f.index for f in result.failures]
    assert len(indexes) == len(set(indexes)), "a record has two outcomes"
    if streamed:
        assert 0 <= result.total <= n and all(0 <= i < result.total for i in indexes)
    else:
        assert result.total == n, "a list input accounts for every index"
        assert all(0 <= i < n for i in indexes)
    failed = {f.index: f.reason for f in result.failures}
    accepted = {records[i]["id_num"] for i in range(result.total) if i not in failed}
    unknown = {records[i]["id_num"] for i, r in failed.items() if r is FailureReason.UNKNOWN}
    applied = [u["id_num"] for u in srv.applied]
    assert len(applied) == len(set(applied)), "a record was applied twice"
    assert accepted <= set(applied), "accepted but never applied"
    assert set(applied) <= accepted | unknown, "applied but reported not sent or rejected"


async def _one_run(seed: int, backend: str) -> None:
    rng = random.Random(seed)
    streamed = rng.random() < 0.4
    contended = rng.random() < 0.3
    cancel_at = rng.uniform(0.0, 2.0)
    records = [_user(seed * 1000 + i) for i in range(N_RECORDS)]
    result = BatchResult()
    cancelled_at: float | None = None
    finished = False
    returned = 0.0
    with loopback(_handler(random.Random(seed + 1))) as srv:
        lockt = LocktClient(
            "u", "k", base_url=srv.url, record_limit=PAGE, timeout=TIMEOUT, settle=SETTLE,
            max_retries=0,
        )  # fmt: skip
        async with lockt, anyio.create_task_group() as tg:
            scope = anyio.CancelScope()

            async def importer() -> None:
                nonlocal finished, returned
                with scope:
                    source = _streamed(records, rng) if streamed else records
                    await lockt.users.upsert(source, validate_fails_batch=False, result=result)
                    finished = True
                returned = time.monotonic()

            async def other_holder() -> None:  # another writer of the instance holds the gate
                async with lockt.write_gate.hold():
                    await anyio.sleep(rng.uniform(0.1, 1.0))

            if contended:
                tg.start_soon(other_holder)
            tg.start_soon(importer)
            await anyio.sleep(cancel_at)
            cancelled_at = time.monotonic()
            scope.cancel()
    assert cancelled_at is not None
    took = max(0.0, returned - cancelled_at)
    MEASURED.append((seed, backend, took))
    _check(srv, result, records, streamed)
    sent = sum(p.attempts for p in result.pages)
    assert sent == len(srv.writes), f"seed {seed}: pages account for {sent} of {len(srv.writes)}"
    late = [w for w in srv.writes if w.start > cancelled_at + TRANSIT]
    assert not late, f"seed {seed}: {len(late)} write(s) sent after the cancel"
    assert took <= BOUND, f"seed {seed}: returned {took:.3f}s after the cancel (bound {BOUND})"
    assert result.cancelled is not finished, "cancelled exactly when it had not finished"


@pytest.fixture(scope="module", autouse=True)
def _report() -> Any:
    """Print the worst cancel-to-return time measured (visible with ``-s``)."""
    yield
    if MEASURED:
        seed, backend, worst = max(MEASURED, key=lambda m: m[2])
        print(
            f"\ncancel-to-return over {len(MEASURED)} runs: worst {worst:.3f}s "
            f"(seed {seed}, {backend}); bound {BOUND:.2f}s"
        )


@pytest.mark.parametrize("seed", range(6))
async def test_cancel_at_seeded_points(seed: int, anyio_backend: str) -> None:
    """Point 2: every cancel point keeps the invariants and returns within the deadline bound."""
    await _one_run(seed, anyio_backend)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6, 66))
async def test_cancel_at_many_seeded_points(seed: int, anyio_backend: str) -> None:
    """Point 2 (slow): 60 more seeded cancel points per backend, same invariants and bound."""
    await _one_run(seed, anyio_backend)


async def test_cancel_before_time_accounts_for_every_record() -> None:
    """Point 2: cancelled during the first GET /time, a list import is total=n, cancelled."""
    result = BatchResult()
    records = [_user(i) for i in range(10)]
    with loopback(lambda r: Reply(stall=5.0)) as srv:
        async with LocktClient("u", "k", base_url=srv.url, timeout=TIMEOUT) as lockt:
            with anyio.move_on_after(0.1):
                await lockt.users.upsert(records, result=result)
        assert srv.writes == []
    assert (result.total, result.cancelled) == (10, True)
    assert sorted(f.index for f in result.failures) == list(range(10))
    assert {f.reason for f in result.failures} == {FailureReason.NOT_SENT}


async def test_cancel_during_a_long_back_off_returns_at_once() -> None:
    """Point 2: a 429 with Retry-After 30 s: the back-off is cancelled at once, nothing resent."""
    with loopback(lambda r: Reply(status=429, headers={"Retry-After": "30"}, body=b"{}")) as srv:
        async with LocktClient(
            "u", "k", base_url=srv.url, timezone="UTC", timeout=TIMEOUT
        ) as lockt:
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as tg:
                    tg.start_soon(_upsert_one_user, lockt)
                    while not srv.writes:  # noqa: ASYNC110 - polls the server's journal
                        await anyio.sleep(0.01)
                    await anyio.sleep(0.05)
                    cancelled_at = time.monotonic()
                    scope.cancel()
            took = time.monotonic() - cancelled_at
    assert len(srv.writes) == 1
    assert took < MARGIN


async def _upsert_one_user(lockt: LocktClient) -> None:
    await lockt.users.upsert([_user(1)])
