"""Issue 20 point 3: 4 uvicorn workers onboard into one instance through the Redis gate
(examples/fastapi_replicas.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from lockt_async.testing import Simulator, serve_in_thread
from tests.support import user_record
from tests.support.processes import free_port
from tests.support.redis_server import running_redis

pytestmark = [pytest.mark.slow, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 200
INVALID = {7, 77, 177}  # these employees carry a phone Lockt refuses


def employee(i: int) -> dict[str, Any]:
    rec = user_record(i, id_num=f"R{i:04d}")
    body = {k: rec[k] for k in ("id_num", "first_name", "last_name", "email", "phone", "pin")}
    if i in INVALID:
        body["phone"] = "call me"
    return body


def test_replicas_onboard_without_overlapping_writes() -> None:
    """Issue 20 done-when: 200 concurrent requests, 4 workers, no overlap, each its own answer."""
    sim = Simulator(latency=0.02, record_limit=25)
    port = free_port()
    with serve_in_thread(sim) as url, running_redis() as redis_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKT_")}
        env.update(
            LOCKT_BASE_URL=url, LOCKT_API_USER=sim.api_user, LOCKT_API_KEY=sim.api_key,
            LOCKT_REDIS_URL=redis_url, PYTHONPATH=str(ROOT),
        )  # fmt: skip
        args = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "examples.fastapi_replicas:create_app",
        ]
        args += ["--workers", "4", "--host", "127.0.0.1", "--port", str(port)]
        args += ["--log-level", "warning"]
        service = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        try:
            answers = asyncio.run(_onboard(port))
        finally:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait(30)
    assert len(answers) == REQUESTS
    for i, (status, body) in answers.items():
        if i in INVALID:
            assert status == 422, body
            assert any("phone" in m.lower() for m in body["messages"]), body
        else:
            assert status == 201, body
            assert body["id_num"] == f"R{i:04d}" and body["summary"]["inserted"] == 1
    stored = sorted(u["id_num"] for u in sim.users.values())
    assert stored == sorted(f"R{i:04d}" for i in range(REQUESTS) if i not in INVALID)
    assert sim.journal.overlapping_writes() == []
    assert not [e for e in sim.journal.entries if e.outcome == "rate_limited"]


async def _onboard(port: int) -> dict[int, tuple[int, Any]]:
    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=REQUESTS)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
        deadline = time.monotonic() + 60
        while True:  # every worker shares the port: one answer means the service is up
            try:
                if (await http.get("/events/recent")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not start"
            await asyncio.sleep(0.1)

        async def one(i: int) -> tuple[int, tuple[int, Any]]:
            reply = await http.post("/employees", json=employee(i))
            return i, (reply.status_code, reply.json())

        return dict(await asyncio.gather(*(one(i) for i in range(REQUESTS))))
