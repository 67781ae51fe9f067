"""examples/fastapi_app.py against the simulator: coalesced onboarding, errors, events."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx
import pytest

from lockt_async import LocktClient
from lockt_async.testing import Fault, RateLimit, Simulator
from tests.support import user_record

pytestmark = pytest.mark.anyio

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi_app.py"
SAFETY = 60.0


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lockt_fastapi_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


example = _load_example()


@pytest.fixture
def anyio_backend() -> str:
    """FastAPI is an asyncio integration."""
    return "asyncio"


@pytest.fixture
def sim() -> Simulator:
    return Simulator(seed=True, latency=0.02, record_limit=100)


@pytest.fixture
async def http(sim: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    def factory() -> LocktClient:
        return sim.client()

    app = example.create_app(factory, event_poll_interval=0.01)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://service.test"
        ) as client,
    ):
        yield client


def employee(i: int, **overrides: Any) -> dict[str, Any]:
    """A new hire's POST /employees body: a valid card holder with an access level."""
    return user_record(i, id_num=f"NEW{i:05d}", access_level_id=208, **overrides)


async def test_500_concurrent_onboardings_share_pages(
    sim: Simulator, http: httpx.AsyncClient
) -> None:
    """500 concurrent POST /employees: each its own answer, ~5 pages, one write at a time."""
    n, bad = 500, 137
    answers: dict[int, httpx.Response] = {}

    async def onboard(i: int) -> None:
        body = employee(i, email="not-an-email") if i == bad else employee(i)
        answers[i] = await http.post("/employees", json=body)

    with anyio.fail_after(SAFETY):
        async with anyio.create_task_group() as tg:
            for i in range(n):
                tg.start_soon(onboard, i)

    assert answers[bad].status_code == 422
    messages = answers[bad].json()["messages"]
    assert messages and any("email" in m.lower() for m in messages)
    for i, resp in answers.items():
        if i != bad:
            assert resp.status_code == 201, (i, resp.text)
            assert resp.json()["id_num"] == f"NEW{i:05d}"
            assert resp.json()["summary"]["submitted"] == 1
    stored = {u["id_num"]: u for u in sim.users.values()}
    assert all(f"NEW{i:05d}" in stored for i in range(n) if i != bad)
    assert f"NEW{bad:05d}" not in stored
    posts = [e for e in sim.journal.writes() if e.method == "POST" and e.path.endswith("/user")]
    assert len(posts) <= 15
    assert sim.journal.max_concurrent_writes() == 1


async def test_not_applied_write_is_a_503(sim: Simulator, http: httpx.AsyncClient) -> None:
    """A write that certainly did not land (rate limits exhausted) answers 503, retryable."""
    sim.faults.add(Fault(RateLimit(), method="POST", path="/user", times=None))
    resp = await http.post("/employees", json=employee(1))
    assert resp.status_code == 503
    assert "safe to retry" in resp.json()["detail"]


async def test_low_battery_doors(http: httpx.AsyncClient) -> None:
    """GET /doors/low-battery?below=N lists the doors under N."""
    resp = await http.get("/doors/low-battery", params={"below": 70})
    assert resp.status_code == 200
    assert {(d["id"], d["battery_level"]) for d in resp.json()} == {(187, 64)}
    assert (await http.get("/doors/low-battery", params={"below": 101})).status_code == 422


async def test_recent_events_follow_the_instance(sim: Simulator, http: httpx.AsyncClient) -> None:
    """The background follower picks up new events and keeps the newest 100."""
    for i in range(120):
        sim.add_event(device=f"Door {i}", code=1, code_text="Access granted")
    newest = sim.events[-1]["id"]
    with anyio.fail_after(SAFETY):
        while True:
            body = (await http.get("/events/recent")).json()
            if body["last_id"] == newest:
                break
            await anyio.sleep(0.01)
    ids = [e["id"] for e in body["events"]]
    assert ids == list(range(newest - 99, newest + 1))
    assert body["error"] is None
