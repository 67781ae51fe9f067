"""Scripted faults: each kind answers as it says, with the write applied or not."""

from __future__ import annotations

import json

import httpx
import pytest

from lockt_async.testing import (
    COMMUNICATION_ERRORS,
    Delay,
    Drop,
    Fault,
    RateLimit,
    Respond,
    Simulator,
    error_envelope,
    html_page,
    invalid_utf8,
    status,
    truncated_json,
)

from .conftest import new_user

pytestmark = pytest.mark.anyio

BODY = {"users": [new_user()]}


def applied(sim: Simulator) -> bool:
    return "NEW-1" in sim.instance.user_by_id_num


async def test_status_fault(client: httpx.AsyncClient, sim: Simulator) -> None:
    """Status 50X: a 503 with an error body; nothing applied."""
    sim.faults.add(Fault(status(503), method="POST", path="/user"))
    r = await client.post("/user", json=BODY)
    assert (r.status_code, r.json()) == (503, {"data": {"error": "Service Unavailable"}})
    assert not applied(sim)
    assert sim.journal.writes()[0].outcome == "fault:respond"


@pytest.mark.parametrize("message", COMMUNICATION_ERRORS)
async def test_communication_errors(
    client: httpx.AsyncClient, sim: Simulator, message: str
) -> None:
    """Message | Description: each communication error, HTTP 500, nothing applied."""
    from lockt_async.testing import communication_error

    sim.faults.on("POST", "/user", communication_error(message))
    r = await client.post("/user", json=BODY)
    assert (r.status_code, r.json()) == (500, {"data": {"error": message}})
    assert not applied(sim)


async def test_forced_rate_limit(client: httpx.AsyncClient, sim: Simulator) -> None:
    """POST Operation Rate Limit: a forced 429; nothing applied; the retry succeeds."""
    sim.faults.on("POST", "/user", RateLimit())
    r = await client.post("/user", json=BODY)
    assert r.status_code == 429
    assert r.json() == {
        "data": {"error": "Rate limit exceeded: another write operation is in progress."}
    }
    assert not applied(sim)
    assert (await client.post("/user", json=BODY)).status_code == 200


async def test_delay_times_out_but_applies(client: httpx.AsyncClient, sim: Simulator) -> None:
    """Slow response: the client's read timeout fires, yet the write was applied."""
    sim.faults.on("POST", "/user", Delay(5.0))
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/user", json=BODY, timeout=httpx.Timeout(5.0, read=0.05))
    assert applied(sim)


async def test_drop_before_apply(client: httpx.AsyncClient, sim: Simulator) -> None:
    """Dropped connection before the write: RemoteProtocolError, nothing applied."""
    sim.faults.on("POST", "/user", Drop(after_apply=False))
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/user", json=BODY)
    assert not applied(sim)
    assert sim.journal.writes()[0].outcome == "fault:drop_before"


async def test_drop_after_apply(client: httpx.AsyncClient, sim: Simulator) -> None:
    """Dropped connection after the write: RemoteProtocolError, state changed."""
    sim.faults.on("POST", "/user", Drop(after_apply=True))
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/user", json=BODY)
    assert applied(sim)
    entry = sim.journal.writes()[0]
    assert (entry.outcome, entry.applied) == ("fault:drop_after", True)


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (html_page(502), 502),
        (truncated_json(), 200),
        (invalid_utf8(), 200),
        (error_envelope(), 200),
    ],
    ids=["html", "truncated-json", "invalid-utf8", "200-error-envelope"],
)
async def test_hostile_bodies(
    client: httpx.AsyncClient, sim: Simulator, action: Respond, code: int
) -> None:
    """Hostile bodies: served raw with the given status; nothing applied."""
    sim.faults.on(None, "/user", action)
    r = await client.post("/user", json=BODY)
    assert (r.status_code, r.content) == (code, action.body)
    assert not applied(sim)
    if action.content_type == "application/json" and action is not None:
        try:
            json.loads(r.content)
        except ValueError:
            return
        assert r.json()["data"]["error"]


async def test_nth_and_times(client: httpx.AsyncClient, sim: Simulator) -> None:
    """Faults: the Nth matching request fails, ``times`` times; reads don't match POST."""
    fault = sim.faults.add(Fault(status(503), method="GET", path="/door", nth=2, times=2))
    codes = [(await client.get("/door")).status_code for _ in range(5)]
    assert codes == [200, 503, 503, 200, 200]
    assert fault.fired == 2


async def test_always_and_predicate(client: httpx.AsyncClient, sim: Simulator) -> None:
    """Faults: ``times=None`` always fires; a predicate selects by request details."""
    sim.faults.add(Fault(status(503), predicate=lambda info: info.records > 1, times=None))
    users = [new_user(id_num=f"P{i}", email=f"p{i}@web.place", card_num="") for i in range(2)]
    for _ in range(2):
        assert (await client.post("/user", json={"users": users})).status_code == 503
    assert (await client.post("/user", json={"users": users[:1]})).status_code == 200
