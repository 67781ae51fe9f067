"""The request deadline: ``timeout`` bounds a request as a whole (issue 13, point 1)."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import pytest

from lockt_async import FailureReason, LocktClient, RequestTimeout
from tests.support import user_record as _user
from tests.support.loopback import Reply, Request, loopback

pytestmark = pytest.mark.anyio

#: Slack over a configured deadline for scheduling and loopback round trips.
MARGIN = 1.0

#: A body of 200 bytes at one byte every 0.1 s: each gap is well under the
#: per-operation timeout httpx applies, but the whole body takes 20 s.
DRIP = 0.1
LONG_BODY = b'{"data": [' + b" " * 180 + b"]}"


def _client(url: str, **kw: Any) -> LocktClient:
    return LocktClient("u", "k", base_url=url, timezone="America/New_York", **kw)


async def test_loopback_counts_overlap_from_its_own_records() -> None:
    """The test server's overlap count is real: two unserialized writes do overlap."""
    with loopback(lambda r: Reply(stall=0.3)) as srv:
        async with httpx.AsyncClient() as http:

            async def post() -> None:
                await http.post(srv.url + "/user", content=b'{"user": [{}]}')

            async with anyio.create_task_group() as tg:
                tg.start_soon(post)
                tg.start_soon(post)
        assert srv.max_concurrent_writes() == 2
        assert len(srv.overlapping_pairs()) == 1


async def test_read_with_dripping_body_times_out_at_the_deadline() -> None:
    """Point 1: a read whose body drips in byte by byte fails at ``timeout``, not at the end."""
    timeout = 0.5

    def drip(req: Request) -> Reply:
        return Reply(body=LONG_BODY, drip=DRIP)

    with loopback(drip) as srv:
        async with _client(srv.url, timeout=timeout, max_retries=0) as lockt:
            started = time.monotonic()
            with pytest.raises(RequestTimeout, match="deadline"):
                await lockt.users.list()
            elapsed = time.monotonic() - started
    assert timeout <= elapsed < timeout + MARGIN, elapsed
    assert len(LONG_BODY) * DRIP > 10 * (timeout + MARGIN)  # the body alone would take longer


async def test_read_retries_each_bounded_by_the_deadline() -> None:
    """Point 1: every retry of a read has its own deadline; the total is bounded by them."""
    timeout, retries = 0.3, 2
    with loopback(lambda r: Reply(body=LONG_BODY, drip=DRIP)) as srv:
        async with _client(srv.url, timeout=timeout, max_retries=retries) as lockt:
            started = time.monotonic()
            with pytest.raises(RequestTimeout):
                await lockt.users.list()
            elapsed = time.monotonic() - started
        assert len(srv.requests) == retries + 1
    backoff = sum(lockt._transport.retry.backoff(a, 1.0) for a in range(retries))
    assert elapsed < (retries + 1) * timeout + backoff + MARGIN, elapsed


async def test_stalled_time_lookup_times_out() -> None:
    """Point 1: the deadline covers waiting for the headers (GET /time that never answers)."""
    timeout = 0.3
    with loopback(lambda r: Reply(stall=30)) as srv:
        lockt = LocktClient("u", "k", base_url=srv.url, timeout=timeout, max_retries=0)
        async with lockt:
            started = time.monotonic()
            with pytest.raises(RequestTimeout):
                await lockt.timezone()
            assert time.monotonic() - started < timeout + MARGIN


async def test_write_with_dripping_answer_is_unknown_at_the_deadline() -> None:
    """Point 1 + resend rule: a write whose answer drips past the deadline is ``unknown``."""
    timeout = 0.5
    body = b'{"data": {"submitted": 2, "inserted": 2, "errors": 0}' + b" " * 150 + b"}"
    with loopback(lambda r: Reply(body=body, drip=DRIP)) as srv:
        async with _client(
            srv.url,
            timeout=timeout,
        ) as lockt:
            started = time.monotonic()
            result = await lockt.users.upsert([_user(1), _user(2)])
            elapsed = time.monotonic() - started
        assert len(srv.writes) == 1  # never resent
    assert elapsed < timeout + MARGIN, elapsed
    assert [f.reason for f in result.failures] == [FailureReason.UNKNOWN] * 2
