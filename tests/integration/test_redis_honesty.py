"""The Redis gate, honestly: ownership proven before each send, processes, restarts (issue 13.5)."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import pytest
import redis.asyncio as aioredis

from lockt_async import BatchResult, FailureReason, LocktClient, process_gate
from lockt_async._gate import normalize_instance_key
from lockt_async.redis_gate import _UNSURE_RELEASE_TIMEOUT, RedisWriteGate
from tests.support import redis_server
from tests.support.loopback import LoopbackServer, Reply, loopback
from tests.support.processes import python_children, tell

pytestmark = pytest.mark.anyio

# The module-scoped private redis-server, a client on it, and asyncio only (redis-py).
redis_url = redis_server.redis_url
redis_client = redis_server.redis_client
anyio_backend = redis_server.anyio_backend

_TIMEOUT = 120.0


@pytest.mark.redis
async def test_a_holder_that_cannot_prove_it_holds_does_not_send(
    redis_client: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """Point 5: ownership is checked just before the write; a lost lease means wait, not send."""
    key = "https://x.test/api/v1|proof"
    gate = RedisWriteGate(redis_client, key, lease=5.0)
    entered = anyio.Event()
    await redis_client.set(gate.settle_key, b"1", px=400)  # the holder pauses after acquiring

    async def write() -> None:
        async with gate.hold():
            entered.set()

    caplog.set_level(logging.WARNING, logger="lockt_async")
    with anyio.fail_after(_TIMEOUT):
        async with anyio.create_task_group() as tg:
            tg.start_soon(write)
            while await redis_client.get(gate.key) is None:  # noqa: ASYNC110 - polls Redis
                await anyio.sleep(0.005)
            # Meanwhile its lease ran out and another holder took the gate.
            await redis_client.set(gate.key, b"someone-else", px=60_000)
            refused = "could not prove"
            while not any(refused in r.getMessage() for r in caplog.records):  # noqa: ASYNC110
                await anyio.sleep(0.01)
            assert not entered.is_set()
            assert await redis_client.get(gate.key) == b"someone-else"
            await redis_client.delete(gate.key)  # the other holder is done
            await entered.wait()
    assert await redis_client.exists(gate.key) == 0


# A writer process: P pages under the Redis gate, then (if asked) waits and writes P more.
WRITER = r"""
import os, sys
import anyio
import redis.asyncio as aioredis
from lockt_async import LocktClient
from lockt_async import BatchResult, FailureReason, LocktClient, process_gate
from lockt_async._gate import normalize_instance_key
from lockt_async.redis_gate import _UNSURE_RELEASE_TIMEOUT, RedisWriteGate

worker, pages, per_page, phases = (int(a) for a in sys.argv[1:5])

def record(i):
    return {
        "id_num": f"W{i:07d}",
        "first_name": "Ada",
        "last_name": f"L{i}",
        "email": f"W{i:07d}@example.com",
        "phone": "5551234567",
        "pin": "1234",
    }

async def main():
    r = aioredis.Redis.from_url(os.environ["LOCKT_REDIS_URL"])
    accepted = failed = 0
    async with LocktClient(
        "u", "k", base_url=os.environ["LOCKT_BASE_URL"], timezone="America/New_York",
        record_limit=per_page, write_gate=RedisWriteGate.factory(r, lease=2.0),
    ) as lockt:
        print("READY", flush=True)
        for phase in range(phases):
            await anyio.to_thread.run_sync(sys.stdin.readline)
            base = (worker * phases + phase) * pages * per_page
            res = await lockt.users.upsert([record(base + i) for i in range(pages * per_page)])
            accepted += res.accepted
            failed += len(res.failures)
            print(f"PHASE {phase}", flush=True)
    await r.aclose()
    print(f"DONE {accepted} {failed}", flush=True)

anyio.run(main)
"""


@pytest.fixture
def writers_env(redis_url: str) -> dict[str, str]:
    return {**os.environ, "LOCKT_REDIS_URL": redis_url}


def _run_writers(
    srv: LoopbackServer,
    env: dict[str, str],
    workers: int,
    pages: int,
    per_page: int,
    phases: int,
    between: list[object] | None = None,
) -> list[str]:
    """Start the writers, release them phase by phase; returns each one's last line."""
    env = {**env, "LOCKT_BASE_URL": srv.url}
    argv = [str(pages), str(per_page), str(phases)]
    with python_children(WRITER, [[str(w), *argv] for w in range(workers)], env) as procs:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline().strip() == "READY"
        for phase in range(phases):
            if phase and between is not None:
                action = between[phase - 1]
                assert callable(action)
                action()
            tell(procs, "go")
            for p in procs:
                assert p.stdout is not None
                assert p.stdout.readline().strip() == f"PHASE {phase}"
        lines = [p.stdout.readline().strip() for p in procs if p.stdout is not None]
        outputs = [p.communicate(timeout=_TIMEOUT) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    return lines


@pytest.mark.redis
@pytest.mark.slow
def test_three_processes_never_overlap_per_the_servers_records(
    writers_env: dict[str, str],
) -> None:
    """Point 5: 3 OS processes x 20 pages through one Redis: 0 overlapping writes on the server."""
    workers, pages, per_page = 3, 20, 5
    with loopback(lambda r: Reply(stall=0.005)) as srv:
        lines = _run_writers(srv, writers_env, workers, pages, per_page, phases=1)
    assert lines == [f"DONE {pages * per_page} 0"] * workers
    assert len(srv.writes) == workers * pages
    assert srv.overlapping_pairs() == []
    ids = [u["id_num"] for u in srv.applied]
    assert len(ids) == len(set(ids)) == workers * pages * per_page


@pytest.mark.redis
@pytest.mark.slow
def test_redis_restarted_while_nobody_holds(writers_env: dict[str, str]) -> None:
    """Point 5: Redis restarted empty between writes: the gate still excludes, nothing lost."""
    workers, pages, per_page = 2, 10, 5
    proc = redis_server.RedisProcess()
    proc.start()
    try:
        env = {**writers_env, "LOCKT_REDIS_URL": proc.url}

        def restart() -> None:
            proc.stop()
            proc.start()

        with loopback(lambda r: Reply(stall=0.005)) as srv:
            lines = _run_writers(srv, env, workers, pages, per_page, phases=2, between=[restart])
    finally:
        proc.close()
    assert lines == [f"DONE {2 * pages * per_page} 0"] * workers
    assert len(srv.writes) == workers * pages * 2
    assert srv.overlapping_pairs() == []
    assert (
        len({u["id_num"] for u in srv.applied})
        == len(srv.applied)
        == 2 * workers * pages * per_page
    )


@contextmanager
def _unreachable_redis(kind: str) -> Iterator[str]:
    """A Redis URL nobody answers on: a closed port, or a socket that never replies."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        if kind == "blackhole":
            s.listen(16)  # the kernel accepts connections; nothing ever answers
        yield f"redis://127.0.0.1:{s.getsockname()[1]}/0"


@pytest.mark.parametrize("kind", ["refused", "blackhole"])
async def test_unreachable_redis_writes_wait_and_cancel_returns_promptly(kind: str) -> None:
    """Point 5 + 2: Redis unreachable: nothing is sent, and a cancel returns at once."""
    result = BatchResult()
    records = [
        {
            "id_num": f"R{i}",
            "first_name": "A",
            "last_name": "B",
            "email": f"r{i}@example.com",
            "phone": "5551234567",
            "pin": "1234",
        }
        for i in range(10)
    ]
    with loopback() as srv, _unreachable_redis(kind) as url:
        r = aioredis.Redis.from_url(url)
        async with LocktClient(
            "u", "k", base_url=srv.url, timezone="UTC", timeout=1.0,
            write_gate=RedisWriteGate.factory(r, lease=2.0),
        ) as lockt:  # fmt: skip
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as tg:

                    async def write() -> None:
                        await lockt.users.upsert(records, result=result)

                    tg.start_soon(write)
                    await anyio.sleep(1.0)  # writes wait meanwhile
                    cancelled_at = time.monotonic()
                    scope.cancel()
            took = time.monotonic() - cancelled_at
        await r.aclose()
    assert srv.writes == []
    assert result.cancelled and result.total == 10
    assert {f.reason for f in result.failures} == {FailureReason.NOT_SENT}
    assert took < _UNSURE_RELEASE_TIMEOUT + 0.5, took


@pytest.mark.redis
async def test_settle_mark_crosses_processes_through_redis(redis_client: aioredis.Redis) -> None:
    """Point 4: an ambiguous write leaves a settle mark in Redis that another holder waits out."""
    key = "https://x.test/api/v1|settle"
    gate = RedisWriteGate(redis_client, key, lease=5.0)
    async with gate.hold() as slot:
        slot.ambiguous(0.4)
    assert 0 < await redis_client.pttl(gate.settle_key) <= 400
    process_gate(normalize_instance_key(key))._quiet_until = 0.0  # as if another process
    async with gate.hold() as slot:
        assert slot.settled > 0.2
