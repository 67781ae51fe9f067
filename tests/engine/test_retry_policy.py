"""Issue 12 point 5: one ``RetryPolicy`` for reads, write resends and the event stream,
injectable, with one formula, one Retry-After cap and a public instant mode."""

from __future__ import annotations

import anyio
import httpx
import pytest

from lockt_async import (
    ConfigurationError,
    FailureReason,
    LocktClient,
    RateLimitError,
    RetryPolicy,
    ServerError,
)
from lockt_async.testing import instant_retries
from tests.support import KEY, URL, HostileServer, check_invariants, users

pytestmark = pytest.mark.anyio

#: Far longer than any test may take: a Retry-After this long must be capped, not obeyed.
HOUR = 3600
SAFETY = 30


def test_one_formula() -> None:
    """Point 5: min(max_backoff, initial * 2**attempt) * (0.5 + jitter/2), for every use."""
    p = RetryPolicy(initial_backoff=0.1, max_backoff=1.0)
    assert p.backoff(0, 0.0) == pytest.approx(0.05)
    assert p.backoff(0, 1.0) == pytest.approx(0.1)
    assert p.backoff(3, 1.0) == pytest.approx(0.8)
    assert p.backoff(10, 1.0) == pytest.approx(1.0)
    assert p.backoff(10_000, 1.0) == pytest.approx(1.0)  # no overflow on a long stream


def test_retry_after_is_honoured_up_to_one_cap() -> None:
    """Point 5: the server's Retry-After raises the wait, never past retry_after_cap."""
    p = RetryPolicy(initial_backoff=0.1, max_backoff=1.0, retry_after_cap=20.0)
    assert p.wait(0, 0.0, retry_after=5.0) == 5.0
    assert p.wait(0, 0.0, retry_after=HOUR) == 20.0
    assert p.wait(0, 1.0, retry_after=0.0) == pytest.approx(0.1)


def test_instant_keeps_counts_and_waits_nothing() -> None:
    """Point 5: RetryPolicy.instant() decides the same (counts) but every wait is 0."""
    p = RetryPolicy.instant(max_retries=4, write_resends=3)
    assert (p.max_retries, p.write_resends) == (4, 3)
    assert p.wait(5, 0.9, retry_after=HOUR) == 0.0


def test_instant_retries_context_is_process_wide_and_restored() -> None:
    """Point 5: testing.instant_retries() zeroes every policy's waits, then restores them."""
    p = RetryPolicy()
    with instant_retries():
        assert p.wait(3, 0.5, retry_after=HOUR) == 0.0
    assert p.wait(3, 0.5, retry_after=HOUR) > 0.0


@pytest.mark.parametrize(
    "bad",
    [
        {"max_retries": -1},
        {"write_resends": 1.5},
        {"initial_backoff": -0.1},
        {"max_backoff": float("nan")},
        {"retry_after_cap": "1"},
        {"total": True},
    ],
)
def test_bad_policy_is_a_configuration_error(bad: dict[str, object]) -> None:
    """Point 5: a policy field of the wrong kind is refused, naming the field."""
    with pytest.raises(ConfigurationError, match=next(iter(bad))):
        RetryPolicy(**bad)  # type: ignore[arg-type]


def test_client_takes_retry_or_max_retries_not_both() -> None:
    """Point 5: max_retries=N stays as shorthand for RetryPolicy(max_retries=N)."""
    assert LocktClient("u", KEY, base_url=URL, max_retries=5).retry == RetryPolicy(max_retries=5)
    policy = RetryPolicy.instant()
    assert LocktClient("u", KEY, base_url=URL, retry=policy).retry is policy
    assert LocktClient("u", KEY, base_url=URL).retry == RetryPolicy()
    with pytest.raises(ConfigurationError, match="not both"):
        LocktClient("u", KEY, base_url=URL, retry=policy, max_retries=1)
    with pytest.raises(ConfigurationError, match="RetryPolicy"):
        LocktClient("u", KEY, base_url=URL, retry=3)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="max_retries"):
        LocktClient("u", KEY, base_url=URL, max_retries=-1)


def _always(status: int, retry_after: int | None = None) -> HostileServer:
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        return httpx.Response(status, json={"data": {"error": "busy"}}, headers=headers)

    return HostileServer(respond)


async def test_reads_follow_the_injected_policy() -> None:
    """Point 5: reads make 1 + max_retries attempts of the client's policy."""
    server = _always(503)
    async with server.client(retry=RetryPolicy.instant(max_retries=4)) as lockt:
        with pytest.raises(ServerError):
            await lockt.users.list()
    assert len(server.requests) == 5


async def test_write_resends_follow_the_injected_policy() -> None:
    """Point 5: a page rate-limited every time is sent 1 + write_resends times, then
    not_sent; a Retry-After of an hour is capped by the policy (here at 0)."""
    server = _always(429, retry_after=HOUR)
    records = users(3)
    policy = RetryPolicy(write_resends=2, initial_backoff=0, max_backoff=0, retry_after_cap=0)
    with anyio.fail_after(SAFETY):
        async with server.client(retry=policy) as lockt:
            result = await lockt.users.upsert(records)
    check_invariants(server, result, records)
    assert len(server.requests) == 3
    assert result.failure_counts() == {"not_sent": 3}
    assert result.pages[0].attempts == 3


async def test_total_bounds_the_resends() -> None:
    """Point 5: no resend once its wait would pass ``total`` seconds of waiting."""
    server = _always(429)
    policy = RetryPolicy(write_resends=6, initial_backoff=1.0, total=0.5)
    with anyio.fail_after(SAFETY):
        async with server.client(retry=policy) as lockt:
            result = await lockt.users.upsert(users(2))
    assert len(server.requests) == 1
    assert {f.reason for f in result.failures} == {FailureReason.NOT_SENT}


async def test_instant_retries_reach_clients_built_elsewhere() -> None:
    """Point 5: within instant_retries(), a client with the default policy does not wait
    out an hour-long Retry-After on reads or writes (its counts stay the default)."""
    server = _always(429, retry_after=HOUR)
    with instant_retries(), anyio.fail_after(SAFETY):
        async with LocktClient(
            "u", KEY, base_url=URL, transport=server.transport(), timezone="UTC"
        ) as lockt:
            with pytest.raises(RateLimitError):
                await lockt.users.list()
            result = await lockt.users.upsert(users(1))
    defaults = RetryPolicy()
    assert len(server.requests) == (1 + defaults.max_retries) + (1 + defaults.write_resends)
    assert result.failure_counts() == {"not_sent": 1}


async def test_event_stream_retries_on_the_policy() -> None:
    """Point 5: the event stream survives failures waiting as the client's policy says
    (instant here), then yields the events."""
    fails = 5

    def respond(request: httpx.Request, _s: HostileServer) -> httpx.Response:
        nonlocal fails
        if fails:
            fails -= 1
            return httpx.Response(503, json={"data": {"error": "busy"}}, headers={})
        return httpx.Response(
            200, json={"data": [{"id": 1, "device": "Door"}, {"id": 2, "device": "Door"}]}
        )

    server = HostileServer(respond)
    policy = RetryPolicy.instant(max_retries=0)
    with anyio.fail_after(SAFETY):
        async with server.client(retry=policy) as lockt:
            stream = lockt.events.stream(poll_interval=0)
            assert stream.max_backoff == policy.max_backoff == 0
            got = [(await stream.__anext__()).id, (await stream.__anext__()).id]
    assert got == [1, 2]
    assert len(server.requests) == 6
