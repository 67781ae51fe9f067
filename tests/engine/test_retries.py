"""``Retries``: the one retry loop every retrying part runs on its ``RetryPolicy``
(reads, write resends, the event stream, the Redis gate's polling)."""

from __future__ import annotations

import logging

import pytest

from lockt_async import RetryPolicy
from lockt_async._config import Retries

pytestmark = pytest.mark.anyio


def test_one_seeded_random_source() -> None:
    """RetryPolicy(seed=N): the same jitter, hence the same waits, every run."""
    a, b = RetryPolicy(seed=7), RetryPolicy(seed=7)
    assert [a.jitter() for _ in range(5)] == [b.jitter() for _ in range(5)]
    assert RetryPolicy(seed=7) == RetryPolicy(seed=7)  # the source is not part of equality


async def test_attempts_bound_the_retries() -> None:
    """attempts=N: N waits succeed, the next says the tries ran out."""
    retries = RetryPolicy.instant().retries("GET /user", attempts=2)
    assert [await retries.wait() for _ in range(3)] == [True, True, False]
    assert retries.done == 2


async def test_total_bounds_the_waiting() -> None:
    """total: no wait that would pass total seconds from the loop's start."""
    policy = RetryPolicy(initial_backoff=5.0, max_backoff=5.0, total=1.0)
    retries = policy.retries("resending POST /user", attempts=6)
    assert await retries.wait() is False
    assert retries.done == 0


async def test_without_end() -> None:
    """attempts=None and total=False (the event stream): it never runs out."""
    policy = RetryPolicy(initial_backoff=0.0, max_backoff=0.0, total=0.0)
    retries = policy.retries("event stream", attempts=None, total=False)
    assert all([await retries.wait() for _ in range(50)])


async def test_each_retry_is_logged_in_one_shape(caplog: pytest.LogCaptureFixture) -> None:
    """The log line: '<what>: <reason>; retry <n>/<attempts> in <s>s', at the loop's level."""
    caplog.set_level(logging.DEBUG, logger="lockt_async")
    retries = Retries(RetryPolicy.instant(), "GET /door", attempts=2, level=logging.INFO)
    await retries.wait(reason="ServerError (HTTP 503)")
    quiet = Retries(RetryPolicy.instant(), "write gate", attempts=None, level=None)
    await quiet.wait(every=0.0)
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert lines == [(logging.INFO, "GET /door: ServerError (HTTP 503); retry 1/2 in 0.000s")]


async def test_polling_waits_are_jittered_around_every(caplog: pytest.LogCaptureFixture) -> None:
    """every=s (the gate polling a lock): s x (0.5 + jitter), not the backoff formula."""
    caplog.set_level(logging.DEBUG, logger="lockt_async")
    jitters = [RetryPolicy(seed=3).jitter()]
    retries = RetryPolicy(seed=3).retries("write gate", attempts=None, total=False)
    await retries.wait(every=0.01, reason="held")
    (line,) = [r.getMessage() for r in caplog.records]
    assert line == f"write gate: held; retry 1 in {0.01 * (0.5 + jitters[0]):.3f}s"
