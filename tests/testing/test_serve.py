"""The simulator on a real loopback socket: overlap, drops, the CLI."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

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


def _serve_lines(*args: str, module: tuple[str, ...] = ("lockt_async.testing",)) -> Any:
    """Start a serve command, read its three LOCKT_* lines, yield (env, proc)."""
    cmd = [sys.executable, "-m", *module, "serve", "--port", "0", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    env = dict(proc.stdout.readline().strip().split("=", 1) for _ in range(3))
    return env, proc


@pytest.mark.parametrize("module", [("lockt_async.testing",), ("lockt_async", "simulator")])
def test_serve_seeds_document_examples_and_prints_credentials(module: tuple[str, ...]) -> None:
    """`python -m lockt_async.testing serve` and `lockt simulator serve`: the document's
    example data by default, the LOCKT_* lines include the credentials it accepts."""
    env, proc = _serve_lines("--api-user", "u1", "--api-key", "k1") if len(module) == 1 else (
        _serve_lines(module=module))  # fmt: skip
    try:
        assert set(env) == {"LOCKT_BASE_URL", "LOCKT_API_USER", "LOCKT_API_KEY"}
        headers = {"apiuser": env["LOCKT_API_USER"], "apikey": env["LOCKT_API_KEY"]}
        r = httpx.get(f"{env['LOCKT_BASE_URL']}/fob", headers=headers, timeout=5)
        assert r.status_code == 200
        names = {f["name"] for f in r.json()["data"]}
        assert {"Office Floor 1 FOB 1", "Office Floor 2 FOB 1"} <= names
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_empty_starts_bare() -> None:
    """serve --empty: no example data."""
    env, proc = _serve_lines("--empty")
    try:
        headers = {"apiuser": env["LOCKT_API_USER"], "apikey": env["LOCKT_API_KEY"]}
        r = httpx.get(f"{env['LOCKT_BASE_URL']}/fob", headers=headers, timeout=5)
        assert r.json() == {"data": []}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_defects_switch() -> None:
    """serve --defects: an unknown name is a usage error naming the known ones."""
    cmd = [sys.executable, "-m", "lockt_async.testing", "serve", "--defects", "nope"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 2
    assert "unknown defect(s) nope" in proc.stderr and "door_batch_duplicates" in proc.stderr
