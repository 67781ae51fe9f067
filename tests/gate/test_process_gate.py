"""The in-process gate spans the process: threads, event loops, spellings (issue 13, point 3)."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

from lockt_async import LocalWriteGate, LocktClient, process_gate
from lockt_async._gate import normalize_base_url
from tests.support import user_record as _user
from tests.support.loopback import Reply, loopback

pytestmark = pytest.mark.anyio

_TIMEOUT = 60.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://LOCKT.test/api/v1", "http://lockt.test:80/api/v1/"),
        ("HTTPS://Lockt.Test:443/api/v1", "https://lockt.test/api/./v1"),
        ("https://bücher.test/api/v1", "https://XN--BCHER-KVA.test/api/v1/"),
        ("http://[::1]:8080/api/v1", "http://[0:0:0:0:0:0:0:1]:8080/api/v1"),
    ],
)
def test_every_spelling_of_an_instance_shares_one_gate(a: str, b: str) -> None:
    """Point 3: scheme, host case, default port, trailing slash, IDNA: one gate per instance."""
    ca, cb = (LocktClient("u", "k", base_url=url, timezone="UTC") for url in (a, b))
    assert ca.instance_key == cb.instance_key
    assert ca.write_gate is cb.write_gate is process_gate(ca.instance_key)
    redis_gate = pytest.importorskip("lockt_async.redis_gate")
    r: Any = object()  # never contacted
    ra, rb = (redis_gate.RedisWriteGate(r, c.instance_key) for c in (ca, cb))
    assert ra.key == rb.key
    assert ra.key == redis_gate.RedisWriteGate.for_instance(r, a, "u").key


def test_different_instances_keep_different_gates() -> None:
    """Point 3: another port, host, path or api user is another instance."""
    base = normalize_base_url("http://lockt.test/api/v1")
    for other in ("http://lockt.test:8080/api/v1", "https://lockt.test/api/v1",
                  "http://other.test/api/v1", "http://lockt.test/api/v2"):  # fmt: skip
        assert normalize_base_url(other) != base
    a = LocktClient("u", "k", base_url="http://lockt.test/api/v1", timezone="UTC")
    b = LocktClient("v", "k", base_url="http://lockt.test/api/v1", timezone="UTC")
    assert a.write_gate is not b.write_gate


async def test_gate_is_fifo_and_a_cancelled_waiter_withdraws() -> None:
    """Point 3: waiters enter in arrival order; one cancelled while waiting leaves no trace."""
    gate = LocalWriteGate("fifo-test")
    order: list[int] = []
    scopes: dict[int, anyio.CancelScope] = {}

    async def writer(i: int) -> None:
        with anyio.CancelScope() as scope:
            scopes[i] = scope
            async with gate.hold():
                order.append(i)

    with anyio.fail_after(_TIMEOUT):
        async with anyio.create_task_group() as tg, gate.hold():
            for i in range(5):
                tg.start_soon(writer, i)
                await anyio.wait_all_tasks_blocked()
            scopes[2].cancel()  # withdraws while waiting
            await anyio.wait_all_tasks_blocked()
    assert order == [0, 1, 3, 4]
    assert not gate._lock.locked()


async def test_a_grant_that_comes_too_late_is_passed_on() -> None:
    """Point 3: a waiter cancelled just as the gate is handed to it passes the gate on."""
    gate = LocalWriteGate("late-grant")
    entered: list[int] = []
    first = anyio.CancelScope()

    async def w1() -> None:
        with first:
            async with gate.hold():
                entered.append(1)

    async def w2() -> None:
        async with gate.hold():
            entered.append(2)

    with anyio.fail_after(_TIMEOUT):
        async with anyio.create_task_group() as tg:
            async with gate.hold():
                tg.start_soon(w1)
                await anyio.wait_all_tasks_blocked()
                tg.start_soon(w2)
                await anyio.wait_all_tasks_blocked()
            first.cancel()  # no checkpoint between the release (grant to w1) and the cancel
    assert entered in ([2], [1, 2])
    assert not gate._lock.locked()


_LOOPS = {
    "asyncio": ["asyncio", "asyncio", "asyncio"],
    "trio": ["trio", "trio", "trio"],
    "mixed": ["asyncio", "trio", "asyncio"],
}


@pytest.mark.parametrize("loops", sorted(_LOOPS))
def test_threads_with_their_own_loops_never_overlap(loops: str) -> None:
    """Point 3: 3 OS threads, each with its own event loop and client: 0 overlapping writes."""
    backends = _LOOPS[loops]
    pages, per_page = 10, 5
    errors: list[BaseException] = []
    results: list[Any] = []
    with loopback(lambda r: Reply(stall=0.01)) as srv:
        port_url = srv.url.replace("/api/v1", "")
        spellings = [f"{port_url}/api/v1", f"{port_url.upper()}/api/v1/",
                     f"{port_url}/api/./v1"]  # fmt: skip
        start = threading.Barrier(len(backends))

        async def work(t: int) -> None:
            records = [_user(t * 1000 + i) for i in range(pages * per_page)]
            async with LocktClient(
                "u", "k", base_url=spellings[t], timezone="America/New_York",
                record_limit=per_page,
            ) as lockt:  # fmt: skip
                await anyio.to_thread.run_sync(start.wait)
                results.append(await lockt.users.upsert(records))

        def run(t: int) -> None:
            try:
                anyio.run(work, t, backend=backends[t])
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(t,)) for t in range(len(backends))]
        for th in threads:
            th.start()
        for th in threads:
            th.join(_TIMEOUT)
    assert not errors, errors
    assert [r.ok for r in results] == [True] * len(backends)
    assert len(srv.writes) == len(backends) * pages
    assert srv.overlapping_pairs() == []
    assert srv.max_concurrent_writes() == 1
    assert len(srv.applied) == len({u["id_num"] for u in srv.applied}) == 3 * pages * per_page
