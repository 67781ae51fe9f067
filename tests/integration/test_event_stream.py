"""``client.events.stream``: tail /events once each, in order, through transient errors."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import anyio
import pytest

from lockt_async import (
    AuthenticationError,
    ConfigurationError,
    EventStream,
    LocktClient,
    RecordError,
)
from lockt_async.testing import Fault, Respond, Simulator, status, truncated_json

pytestmark = pytest.mark.anyio

POLL = 0.005
SAFETY = 10.0


def add_events(sim: Simulator, n: int) -> None:
    for i in range(n):
        sim.add_event(device=f"Door {i}", code=1, code_text="Access granted", user="Ada")


async def first_ids(stream: EventStream, n: int) -> list[int | None]:
    """The ids of the first ``n`` events ``stream`` yields (within the test's safety limit)."""
    seen: list[int | None] = []
    with anyio.fail_after(SAFETY):
        async for event in stream:
            seen.append(event.id)
            if len(seen) == n:
                break
    return seen


@pytest.fixture
def sim() -> Simulator:
    s = Simulator()
    add_events(s, 3)
    return s


@pytest.fixture
async def lockt(sim: Simulator) -> AsyncIterator[LocktClient]:
    # max_retries=0: the stream's own backoff, not the transport's retries, is under test.
    async with sim.client(max_retries=0) as c:
        yield c


async def test_cached_then_new_events_once_in_order(sim: Simulator, lockt: LocktClient) -> None:
    """after_id=None: the cached events first, then those appended while streaming, once each."""
    stream = lockt.events.stream(poll_interval=POLL)
    seen: list[int] = []
    with anyio.fail_after(SAFETY):
        async for event in stream:
            assert event.id is not None
            seen.append(event.id)
            if len(seen) == 2:
                add_events(sim, 4)  # appended mid-stream
            if len(seen) == 5:
                add_events(sim, 1)
            if len(seen) == 8:
                break
    assert seen == list(range(1, 9))
    assert stream.last_id == 8


async def test_never_goes_backwards(sim: Simulator, lockt: LocktClient) -> None:
    """A poll answering old or repeated ids (out of order) yields only the new ones."""
    old = [dict(e) for e in sim.events]
    add_events(sim, 1)  # id 4
    replay = json.dumps({"data": [old[2], sim.events[3], old[0], sim.events[3]]}).encode()
    sim.faults.add(Fault(Respond(200, replay), method="GET", path="/events", nth=2))
    stream = lockt.events.stream(after_id=2, poll_interval=POLL)
    seen: list[int | None] = []
    with anyio.fail_after(SAFETY):
        async for event in stream:
            seen.append(event.id)
            if event.id == 3:
                add_events(sim, 1)  # id 5
            if event.id == 5:
                break
    assert seen == [3, 4, 5]


async def test_transient_errors_are_survived(
    sim: Simulator, lockt: LocktClient, caplog: pytest.LogCaptureFixture
) -> None:
    """503s, a cut-off body and rate limits on /events are logged and retried; nothing lost."""
    sim.faults.add(Fault(status(503), method="GET", path="/events", times=2))
    # The first armed fault that matches wins, so these fire one after the other.
    sim.faults.add(Fault(truncated_json(), method="GET", path="/events"))
    sim.faults.add(Fault(status(429, "Rate limit exceeded"), method="GET", path="/events"))
    caplog.set_level(logging.WARNING, logger="lockt_async")
    stream = lockt.events.stream(poll_interval=POLL, max_backoff=0.05)
    assert await first_ids(stream, 3) == [1, 2, 3]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    kinds = [r.getMessage().split(":")[1].strip() for r in warnings]
    assert kinds == ["ServerError", "ServerError", "MalformedResponseError", "RateLimitError"]
    assert all("sim-key" not in r.getMessage() for r in caplog.records)


async def test_resume_from_saved_last_id(sim: Simulator, lockt: LocktClient) -> None:
    """A new stream started from a saved last_id yields only the newer events."""
    first = lockt.events.stream(poll_interval=POLL)
    with anyio.fail_after(SAFETY):
        async for event in first:
            if event.id == 2:
                break
    saved = first.last_id
    assert saved == 2
    add_events(sim, 2)
    resumed = lockt.events.stream(after_id=saved, poll_interval=POLL)
    assert await first_ids(resumed, 3) == [3, 4, 5]
    assert resumed.last_id == 5


async def test_authentication_error_is_raised(sim: Simulator, lockt: LocktClient) -> None:
    """401 is not transient: the stream raises AuthenticationError."""
    sim.api_key = "rotated"
    stream = lockt.events.stream(poll_interval=POLL)
    with anyio.fail_after(SAFETY), pytest.raises(AuthenticationError):
        await stream.__anext__()


async def test_401_after_transient_errors_is_raised(sim: Simulator, lockt: LocktClient) -> None:
    """A revoked key mid-stream ends it with AuthenticationError, after the events so far."""
    stream = lockt.events.stream(poll_interval=POLL, max_backoff=0.05)
    seen: list[int | None] = []

    async def consume() -> None:
        async for event in stream:
            seen.append(event.id)
            if len(seen) == 3:
                sim.api_key = "rotated"

    with anyio.fail_after(SAFETY), pytest.raises(AuthenticationError):
        await consume()
    assert seen == [1, 2, 3]
    assert stream.last_id == 3


async def test_bad_arguments_are_refused(lockt: LocktClient) -> None:
    """after_id must be an id (0 means from the start); intervals must be sane."""
    assert lockt.events.stream(after_id=0).last_id == 0
    with pytest.raises(RecordError):
        lockt.events.stream(after_id=-3)
    with pytest.raises(RecordError):
        lockt.events.stream(after_id="abc")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        lockt.events.stream(poll_interval=-1)
    with pytest.raises(ConfigurationError):
        lockt.events.stream(max_backoff=0)
