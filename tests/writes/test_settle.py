"""Settle after an ambiguous write: the next write waits (issue 13, point 4)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest

from lockt_async import ConfigurationError, FailureReason, LocktClient
from tests.support import user_record as _user
from tests.support.loopback import Reply, Request, loopback

pytestmark = pytest.mark.anyio

TIMEOUT = 0.3
SETTLE = 0.8
#: The first write keeps running on the server this long (past the client's deadline).
STALL = 0.9
#: Loopback transit between the client's send and the server's record of it.
TRANSIT = 0.05


def _client(url: str, **kw: Any) -> LocktClient:
    kw.setdefault("timeout", TIMEOUT)
    kw.setdefault("settle", SETTLE)
    return LocktClient("u", "k", base_url=url, timezone="America/New_York", **kw)


def _first_write(reply: Reply) -> Any:
    def handler(req: Request) -> Reply | None:
        return reply if req.seq == 1 and req.method == "POST" else None

    return handler


@pytest.mark.parametrize("fault", ["timeout", "drop"])
async def test_next_page_waits_the_settle_period(fault: str) -> None:
    """Point 4: after a timed-out or dropped page the next waits settle (per the server)."""
    reply = Reply(stall=STALL) if fault == "timeout" else Reply(stall=0.05, drop=True)
    with loopback(_first_write(reply)) as srv:
        async with _client(srv.url, record_limit=2) as lockt:
            result = await lockt.users.upsert([_user(i) for i in range(4)])
    first, second = srv.writes
    gave_up = first.start + (TIMEOUT if fault == "timeout" else 0.05)
    assert second.start >= gave_up + SETTLE - TRANSIT, second.start - first.start
    assert srv.overlapping_pairs() == []
    assert [f.reason for f in result.failures] == [FailureReason.UNKNOWN] * 2
    assert result.pages[0].settled == 0 and result.pages[1].settled > 0
    assert result.settle_waits == 1


async def test_another_client_of_the_instance_waits_too() -> None:
    """Point 4: the settle mark lives in the gate: another client's write waits as well."""
    with loopback(_first_write(Reply(stall=STALL))) as srv:
        async with _client(srv.url) as a, _client(srv.url, settle=0) as b:
            first = await a.users.upsert([_user(1)])
            second = await b.users.upsert([_user(2)])
    w1, w2 = srv.writes
    assert first.failure_counts() == {"unknown": 1} and second.ok
    assert w2.start >= w1.start + TIMEOUT + SETTLE - TRANSIT
    assert srv.overlapping_pairs() == []
    assert second.settle_waits == 1


async def test_settle_zero_turns_it_off() -> None:
    """Point 4: settle=0 sends the next page at once (and it overlaps the stalled one)."""
    with loopback(_first_write(Reply(stall=STALL))) as srv:
        async with _client(srv.url, record_limit=1, settle=0) as lockt:
            result = await lockt.users.upsert([_user(1), _user(2)])
    assert result.settle_waits == 0
    assert len(srv.overlapping_pairs()) == 1  # what settling prevents


def test_settle_default_and_checks() -> None:
    """Point 4: the default is the request deadline, at most 5 s; a bad value is refused."""
    assert LocktClient("u", "k", base_url="http://x.test/api/v1", timeout=2).settle == 2.0
    assert LocktClient("u", "k", base_url="http://x.test/api/v1").settle == 5.0
    mock = httpx.MockTransport(lambda request: httpx.Response(200))
    assert LocktClient("u", "k", base_url="http://x.test/api/v1", transport=mock).settle == 0
    for bad in (-1, "3", True, float("nan")):
        with pytest.raises(ConfigurationError, match="settle"):
            LocktClient("u", "k", base_url="http://x.test/api/v1", settle=bad)  # type: ignore[arg-type]


class _PlainGate:
    """A caller's own gate whose hold() yields nothing: settling still applies."""

    def __init__(self) -> None:
        self._lock = anyio.Lock()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        async with self._lock:
            yield


async def test_a_gate_of_your_own_settles_too() -> None:
    """Point 4: a custom WriteGate without a settle record gets the process's, per instance."""
    with loopback(_first_write(Reply(stall=STALL))) as srv:
        async with _client(srv.url, record_limit=1, write_gate=_PlainGate()) as lockt:
            result = await lockt.users.upsert([_user(1), _user(2)])
    w1, w2 = srv.writes
    assert w2.start >= w1.start + TIMEOUT + SETTLE - TRANSIT
    assert result.settle_waits == 1
