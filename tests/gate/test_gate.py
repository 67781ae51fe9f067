"""The write gate: one per instance in a process, or one the caller supplies or builds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from lockt_async import ConfigurationError, LocalWriteGate, LocktClient, WriteGate, process_gate
from lockt_async.testing import Simulator
from tests.support import URL, user_record

pytestmark = pytest.mark.anyio


class CountingGate:
    """A gate that records how often it was held (and by which instance)."""

    def __init__(self, key: str):
        self.key = key
        self.holds = 0

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        self.holds += 1
        yield


def _client(sim: Simulator, **kw: object) -> LocktClient:
    return LocktClient(
        sim.api_user, sim.api_key, base_url=URL, transport=sim.transport(),
        timezone=sim.timezone, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


async def test_default_gate_is_shared_per_instance() -> None:
    """Rate limit: two clients of one instance share one gate; another api user gets its own."""
    sim = Simulator()
    a, b = _client(sim), _client(sim)
    other = LocktClient("someone-else", "k", base_url=URL, transport=sim.transport())
    assert a.write_gate is b.write_gate is process_gate(a.instance_key)
    assert isinstance(a.write_gate, LocalWriteGate)
    assert other.write_gate is not a.write_gate
    assert sim.api_key not in a.instance_key


async def test_gate_factory_gets_the_instance_key() -> None:
    """write_gate=callable: built once from the instance key, then held by every write."""
    sim = Simulator()
    built: list[CountingGate] = []

    def factory(key: str) -> WriteGate:
        built.append(CountingGate(key))
        return built[-1]

    async with _client(sim, write_gate=factory) as lockt:
        await lockt.users.upsert([user_record(i) for i in range(250)])
        await lockt.doors.create([{"name": "Gym"}])
    (gate,) = built
    assert gate.key == lockt.instance_key
    assert gate.holds == 4  # 3 user pages + 1 door page


async def test_bad_gate_is_a_configuration_error() -> None:
    """write_gate must be a WriteGate or a factory returning one."""
    sim = Simulator()
    with pytest.raises(ConfigurationError):
        _client(sim, write_gate=42)
    with pytest.raises(ConfigurationError, match="returned str"):
        _client(sim, write_gate=lambda key: "not a gate")


def test_redis_gate_factory_names_the_instance_not_the_key() -> None:
    """Redis gate: the factory keys the gate by a hash of base URL and api user, never the key."""
    redis_asyncio = pytest.importorskip("redis.asyncio")
    from lockt_async.redis_gate import RedisWriteGate

    r = redis_asyncio.Redis(host="127.0.0.1", port=1)  # never connected here
    sim = Simulator(api_key="KEY-SENTINEL-77")
    lockt = _client(sim, write_gate=RedisWriteGate.factory(r, lease=3.0))
    gate = lockt.write_gate
    assert isinstance(gate, RedisWriteGate) and gate.lease == 3.0
    assert gate.key == RedisWriteGate.for_instance(r, URL, sim.api_user).key
    assert "KEY-SENTINEL-77" not in gate.key + repr(gate)
