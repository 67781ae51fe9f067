"""The Redis write gate: one write in flight per instance across processes (issue: redis gate)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

import anyio
import pytest
import redis.asyncio as aioredis

from lockt_async import ConfigurationError, LocktClient, RateLimitError
from lockt_async.redis_gate import RedisWriteGate, WriteGateLostError
from lockt_async.testing import Simulator, serve_in_thread
from tests.support import redis_server
from tests.support.processes import python_children, tell

pytestmark = pytest.mark.anyio

# The module-scoped private redis-server, a client on it, and asyncio only (redis-py).
redis_url = redis_server.redis_url
redis_client = redis_server.redis_client
anyio_backend = redis_server.anyio_backend

_PROCESS_TIMEOUT = 120.0


def _env(redis_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(LOCKT_REDIS_URL=redis_url, LOCKT_API_USER="sim-user", LOCKT_API_KEY="sim-key")
    env.update(extra)
    return env


# A writer process: waits for "go" on stdin, then imports its users in 3 concurrent calls.
IMPORTER = r"""
import os, sys
import anyio
import redis.asyncio as aioredis
from lockt_async import LocktClient
from lockt_async.redis_gate import RedisWriteGate

worker, n = int(sys.argv[1]), int(sys.argv[2])
base_url = os.environ["LOCKT_BASE_URL"]

def record(i):
    return {"id_num": f"P{i:06d}", "first_name": "Ada", "last_name": f"L{i}",
            "email": f"p{i}@example.com", "phone": "5551234567",
            "pin": str(1000 + i % 9000), "card_num": str(500000 + i)}

async def main():
    r = aioredis.Redis.from_url(os.environ["LOCKT_REDIS_URL"])
    gate = RedisWriteGate.for_instance(r, base_url, os.environ["LOCKT_API_USER"], lease=5.0)
    recs = [record(worker * n + i) for i in range(n)]
    accepted = failed = 0
    async with LocktClient(timezone="America/New_York", record_limit=25, write_gate=gate) as c:
        print("READY", flush=True)
        await anyio.to_thread.run_sync(sys.stdin.readline)

        async def part(k):
            nonlocal accepted, failed
            res = await c.users.upsert(recs[k::3])
            accepted += res.accepted
            failed += len(res.failures)

        async with anyio.create_task_group() as tg:
            for k in range(3):
                tg.start_soon(part, k)
    await r.aclose()
    print(f"DONE {accepted} {failed}", flush=True)

anyio.run(main)
"""

# A holder process: takes the gate, says so, and holds it (renewing) until killed.
HOLDER = r"""
import os
import anyio
import redis.asyncio as aioredis
from lockt_async.redis_gate import RedisWriteGate

async def main():
    r = aioredis.Redis.from_url(os.environ["LOCKT_REDIS_URL"])
    gate = RedisWriteGate(r, os.environ["LOCKT_INSTANCE_KEY"], lease=1.0)
    async with gate.hold():
        print("HELD", flush=True)
        await anyio.sleep_forever()

anyio.run(main)
"""


@pytest.mark.redis
async def test_two_gates_on_one_key_never_overlap(redis_client: aioredis.Redis) -> None:
    """Mutual exclusion: two gate objects of one instance never hold at once."""
    gates = [RedisWriteGate(redis_client, "https://x.test/api/v1|u", poll=0.002) for _ in "ab"]
    inside = most = done = 0

    async def write(gate: RedisWriteGate) -> None:
        nonlocal inside, most, done
        async with gate.hold():
            inside += 1
            most = max(most, inside)
            await anyio.sleep(0.002)
            inside -= 1
            done += 1

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            for i in range(30):
                tg.start_soon(write, gates[i % 2])
    assert (most, done) == (1, 30)
    assert await redis_client.exists(gates[0].key) == 0  # released


@pytest.mark.redis
async def test_errors_inside_the_gate_propagate_unchanged(redis_client: aioredis.Redis) -> None:
    """The write path sees the write's own exception (not an exception group), gate released."""
    gate = RedisWriteGate(redis_client, "https://x.test/api/v1|u")
    with pytest.raises(RateLimitError):
        async with gate.hold():
            raise RateLimitError("busy", status_code=429)
    assert await redis_client.exists(gate.key) == 0
    with anyio.fail_after(10):
        async with gate.hold():
            assert await redis_client.exists(gate.key) == 1


@pytest.mark.redis
async def test_lost_lease_cancels_the_write(redis_client: aioredis.Redis) -> None:
    """Lease lost while held: the write is cancelled and WriteGateLostError raised."""
    gate = RedisWriteGate(redis_client, "https://x.test/api/v1|u", lease=2.0, renew_every=0.02)
    reached_end = False

    async def write() -> None:
        nonlocal reached_end
        async with gate.hold() as slot:
            with anyio.CancelScope(shield=True) as in_flight:  # as the write path does
                slot.guard(in_flight)
                await redis_client.delete(gate.key)  # expired or taken by someone else
                await anyio.sleep_forever()
                reached_end = True

    with anyio.fail_after(10), pytest.raises(WriteGateLostError):
        await write()
    assert not reached_end


@pytest.mark.redis
@pytest.mark.slow
async def test_renewal_keeps_the_gate_past_the_lease(redis_client: aioredis.Redis) -> None:
    """A live holder renews: another waiter does not get in after one lease."""
    key = "https://x.test/api/v1|u"
    holder = RedisWriteGate(redis_client, key, lease=0.5)
    other = RedisWriteGate(redis_client, key, lease=0.5)
    got_in = anyio.Event()

    async def wait_for_gate() -> None:
        async with other.hold():
            got_in.set()

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            async with holder.hold():
                tg.start_soon(wait_for_gate)
                await anyio.sleep(2.0)  # four leases
                assert not got_in.is_set()
            await got_in.wait()


@pytest.mark.redis
async def test_the_key_never_holds_the_api_key(redis_client: aioredis.Redis) -> None:
    """The Redis key (and value) name the instance by hash: no api key, no url, no user."""
    secret = "very-secret-api-key-0123456789"
    client = LocktClient("gate-user", secret, base_url="https://lockt.example/api/v1/")
    try:
        gate = RedisWriteGate.for_client(redis_client, client)
        assert (
            gate.key
            == RedisWriteGate.for_instance(
                redis_client, "https://lockt.example/api/v1", "gate-user"
            ).key
        )
        async with gate.hold():
            stored = {k: await redis_client.get(k) for k in await redis_client.keys("*")}
        assert list(stored) == [gate.key.encode()]
        for text in (gate.key, repr(gate), *(v.decode() for v in stored.values() if v)):
            assert secret not in text
            assert "gate-user" not in text and "lockt.example" not in text
    finally:
        await client.aclose()


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_trio_is_refused_at_client_construction() -> None:
    """Issue 13 point 5: under trio the client refuses the Redis gate before anything starts."""
    r = aioredis.Redis.from_url("redis://127.0.0.1:1/0")  # never contacted
    with pytest.raises(ConfigurationError, match="asyncio"):
        LocktClient("u", "k", base_url="http://x.test/api/v1",
                    write_gate=RedisWriteGate.factory(r))  # fmt: skip


def test_trio_is_refused_when_a_client_built_outside_is_entered() -> None:
    """Issue 13 point 5: a gate built outside any loop is refused on `async with` under trio."""
    r = aioredis.Redis.from_url("redis://127.0.0.1:1/0")  # never contacted
    gate = RedisWriteGate(r, "https://x.test/api/v1|u")
    lockt = LocktClient("u", "k", base_url="http://x.test/api/v1", write_gate=gate)

    async def enter() -> None:
        async with lockt:
            pass

    with pytest.raises(ConfigurationError, match="asyncio"):
        anyio.run(enter, backend="trio")
    anyio.run(lockt.aclose)


def test_bad_arguments_are_refused() -> None:
    """Configuration is checked up front."""
    r: Any = object()
    with pytest.raises(ConfigurationError):
        RedisWriteGate(r, " ")
    with pytest.raises(ConfigurationError):
        RedisWriteGate(r, "k", lease=1.0, renew_every=1.0)
    with pytest.raises(ConfigurationError):
        RedisWriteGate(r, "k", poll=0)


@pytest.mark.redis
@pytest.mark.slow
def test_three_processes_share_one_instance(redis_url: str) -> None:
    """Several OS processes importing at once: never two writes in flight, each record once."""
    sim = Simulator(latency=0.005)
    workers, per_worker = 3, 300
    with serve_in_thread(sim) as base_url:
        env = _env(redis_url, LOCKT_BASE_URL=base_url)
        argvs = [[str(w), str(per_worker)] for w in range(workers)]
        with python_children(IMPORTER, argvs, env) as procs:
            for p in procs:  # every worker is set up before any of them writes
                assert p.stdout is not None
                line = p.stdout.readline()
                assert line.strip() == "READY", (line, p.stderr.read() if p.stderr else "")
            tell(procs, "go")
            outputs = [p.communicate(timeout=_PROCESS_TIMEOUT) for p in procs]
    for p, (out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
        assert out.split() == ["DONE", str(per_worker), "0"], err
    writes = sim.journal.writes()
    assert sim.journal.max_concurrent_writes() == 1
    assert [e for e in writes if e.status == 429] == []
    assert sum(e.records for e in writes) == workers * per_worker
    id_nums = [u["id_num"] for u in sim.users.values()]
    assert len(id_nums) == len(set(id_nums)) == workers * per_worker


@pytest.mark.redis
@pytest.mark.slow
async def test_killed_holder_blocks_others_at_most_a_lease(
    redis_client: aioredis.Redis, redis_url: str
) -> None:
    """A holder killed with SIGKILL frees the instance once its lease runs out."""
    key = "https://x.test/api/v1|sim-user"
    lease = 1.0
    gate = RedisWriteGate(redis_client, key, lease=lease)
    env = _env(redis_url, LOCKT_INSTANCE_KEY=key)
    got_in = anyio.Event()

    async def wait_for_gate() -> None:
        async with gate.hold():
            got_in.set()

    async with await anyio.open_process(
        [sys.executable, "-c", HOLDER], env=env, stderr=subprocess.DEVNULL
    ) as proc:
        assert proc.stdout is not None
        with anyio.fail_after(_PROCESS_TIMEOUT):
            seen = b""
            while b"HELD" not in seen:
                seen += await proc.stdout.receive()
        async with anyio.create_task_group() as tg:
            tg.start_soon(wait_for_gate)
            with anyio.move_on_after(2 * lease):  # alive and renewing: still held
                await got_in.wait()
            assert not got_in.is_set()
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            with anyio.fail_after(lease + 10):  # generous slack over the lease
                await got_in.wait()
