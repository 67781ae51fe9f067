"""The simulator on a real loopback socket: overlap, drops, the CLI."""

from __future__ import annotations

import subprocess
import sys

import anyio
import httpx
import pytest

from lockt_async.testing import Drop, Simulator, serve, serve_in_thread

from .conftest import HEADERS, new_user

pytestmark = pytest.mark.anyio


async def test_overlapping_writes_rate_limited() -> None:
    """POST Operation Rate Limit: an overlapping write gets 429; the journal shows it."""
    sim = Simulator(latency=0.2)
    results: dict[str, int] = {}
    async with serve(sim) as base_url, httpx.AsyncClient(base_url=base_url, headers=HEADERS) as c:

        async def write(name: str, id_num: str) -> None:
            body = {"users": [new_user(id_num=id_num, email=f"{id_num}@web.place", card_num="")]}
            results[name] = (await c.post("/user", json=body)).status_code

        async with anyio.create_task_group() as tg:
            tg.start_soon(write, "first", "A")
            with anyio.fail_after(5):
                # Polling on purpose: the journal is filled by the server thread.
                while not sim.journal.writes():  # noqa: ASYNC110
                    await anyio.sleep(0.005)
            await write("second", "B")
    assert results == {"first": 200, "second": 429}
    first, second = sim.journal.writes()
    assert (first.outcome, second.outcome) == ("ok", "rate_limited")
    assert sim.journal.overlapping_writes() == [(first, second)]
    assert sim.journal.max_concurrent_writes() == 2
    assert list(sim.instance.user_by_id_num) == ["A"]


async def test_drop_after_apply_over_loopback() -> None:
    """Dropped connection after the write, on a real socket: no response, state changed."""
    sim = Simulator()
    sim.faults.on("POST", "/user", Drop(after_apply=True))
    async with serve(sim) as base_url, httpx.AsyncClient(base_url=base_url, headers=HEADERS) as c:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await c.post("/user", json={"users": [new_user()]})
        assert (await c.get("/user", params={"id_num": "NEW-1"})).json()["data"]


def test_serve_in_thread_sync() -> None:
    """serve_in_thread: a sync context manager yielding the base URL."""
    with serve_in_thread(Simulator(seed=True)) as base_url:
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/v1")
        r = httpx.get(f"{base_url}/about", headers=HEADERS)
    assert r.json()["data"]["version"] == "1.1.0"


def test_cli_serve_prints_url() -> None:
    """python -m lockt_async.testing serve --port 0 prints LOCKT_BASE_URL and serves."""
    cmd = [
        sys.executable,
        "-m",
        "lockt_async.testing",
        "serve",
        "--port",
        "0",
        "--seed",
        "--api-user",
        "u",
        "--api-key",
        "k",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("LOCKT_BASE_URL=http://127.0.0.1:")
        url = line.split("=", 1)[1]
        r = httpx.get(f"{url}/door", headers={"apiuser": "u", "apikey": "k"}, timeout=5)
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
