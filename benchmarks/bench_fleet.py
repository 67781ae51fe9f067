"""Fleet benchmark (issue 20): many instances, one process and 3 Temporal workers.

    python -m benchmarks.bench_fleet            # 200 instances x 2,000 people
    python -m benchmarks.bench_fleet --quick    # 20 instances x 200 people

Every instance holds its people; the source changes 1% of them (one in a hundred
renamed), and every write takes 20 ms. A simulated fleet (``SimulatorFleet``) serves
all instances from its own process (its CPU never shares the client's GIL).

* **One process**, ``fleet.run(..., concurrency=50)``: wall time against the ideal,
  the slowest instance's own floor (its sync measured alone) x the number of waves
  (instances / concurrency).
* **Idle RSS per instance**: RSS of a process holding one open client per instance
  (each having made one request), minus the same process without them, per instance.
* **3 Temporal workers** (``lockt_async.temporal``) on a dev server: wall time from the
  first start to the last result, against the same ideal for 3 x 50 activity slots.
* **Replicas**: 4 clients, each with its own ``RedisWriteGate`` on one Redis,
  onboarding 200 people concurrently into one instance with ``upsert_one``:
  Redis commands per write request.

Prints a Markdown table; nothing is written to results.md by this script.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LATENCY = 0.020
CONCURRENCY = 50


def people(name: str, count: int, *, churn: bool = False) -> list[dict[str, Any]]:
    """An instance's people; with ``churn`` one in a hundred has a new last name."""
    out = []
    for i in range(count):
        out.append(
            {
                "id_num": f"{name}-{i:05d}",
                "first_name": "Ada",
                "last_name": f"Renamed{i}" if churn and i % 100 == 0 else f"Lovelace{i}",
                "email": f"{name}.{i}@example.com",
                "phone": "5551234567",
                "pin": f"{1000 + i % 9000}",
                "card_num": str(100000 + i),
            }
        )
    return out


def source(name: str, ref: str = "") -> list[dict[str, Any]]:
    """The worker's source resolver: the churned roster (size from the environment)."""
    return people(name, int(os.environ["LOCKT_BENCH_PEOPLE"]), churn=True)


# -- the simulated fleet, in its own process -------------------------------------


def serve(names: list[str], count: int) -> None:
    """Seed every instance (no latency), then serve at 20 ms per write; answer
    ``overlaps`` / ``users NAME`` on stdin with one JSON line each."""
    from lockt_async.testing import SimulatorFleet, serve_in_thread

    fleet = SimulatorFleet()

    async def seed() -> None:
        for name in names:
            sim = fleet.add(name, record_limit=100, defects=frozenset())
            if name.startswith("r-"):
                continue
            async with sim.client() as lockt:
                result = await lockt.users.upsert(people(name, count))
                assert result.ok, result

    asyncio.run(seed())
    for name in names:
        fleet[name].latency = LATENCY
        fleet[name].journal.clear()
    with serve_in_thread(fleet) as url:
        print(url, flush=True)
        for line in sys.stdin:
            command, _, arg = line.strip().partition(" ")
            if command == "overlaps":
                print(json.dumps(len(fleet.overlapping_writes())), flush=True)
            elif command == "writes":
                print(json.dumps(len(fleet[arg].journal.writes())), flush=True)
            elif command == "users":
                rows = fleet[arg].users.values()
                print(json.dumps(sorted((u["id_num"], u["last_name"]) for u in rows)), flush=True)
            else:
                return


class Server:
    def __init__(self, names: list[str], count: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_fleet", "_serve", str(count), *names],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http"), self.url

    def cpu(self) -> float:
        """CPU seconds the simulator process has used."""
        import psutil

        times = psutil.Process(self.proc.pid).cpu_times()
        return float(times.user + times.system)

    def ask(self, command: str) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


def credentials(names: list[str]) -> dict[str, str]:
    from lockt_async.fleet import env_name

    env = {}
    for name in names:
        env[env_name(name, "API_USER")] = name
        env[env_name(name, "API_KEY")] = f"sim-key-{name}"
    return env


def instances(names: list[str], url: str) -> list[Any]:
    from lockt_async.fleet import Instance

    return [Instance(n, options={"base_url": url, "timezone": "America/New_York"}) for n in names]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


# -- scenarios -----------------------------------------------------------------------


async def one_process(server: Server, names: list[str], probes: list[str]) -> dict[str, float]:
    from lockt_async.fleet import run

    reruns = 0

    async def job(lockt: Any, instance: Any) -> Any:
        nonlocal reruns
        for _ in range(3):
            result = await lockt.users.sync(source(instance.name))
            if not any(f.reason in ("unknown", "not_sent") for f in result.failures):
                break
            # A page without a usable answer (the server closed a kept-alive connection
            # as the write went out): sync again, as a fleet would; it re-reads, so
            # what was applied is matched, never sent twice.
            reruns += 1
        if result.failures:
            f = result.failures[0]
            raise AssertionError(f"{instance.name}: {len(result.failures)} {f.reason} {f.messages}")
        return result

    floors = []
    for probe in probes:  # each alone: its own floor
        started = time.perf_counter()
        (r,) = await run(instances([probe], server.url), job, concurrency=1)
        assert r.ok, r.error
        floors.append(time.perf_counter() - started)
    started, cpu, server_cpu = time.perf_counter(), time.process_time(), server.cpu()
    results = await run(instances(names, server.url), job, concurrency=CONCURRENCY)
    wall = time.perf_counter() - started
    cpu, server_cpu = time.process_time() - cpu, server.cpu() - server_cpu
    failed = [r for r in results if not r.ok]
    assert not failed, failed[0].error
    waves = math.ceil(len(names) / CONCURRENCY)
    return {
        "floor": max(floors),
        "wall": wall,
        "ideal": max(floors) * waves,
        "waves": waves,
        "cpu": cpu,
        "server_cpu": server_cpu,
        "reruns": reruns,
    }


async def idle_rss(server: Server, names: list[str]) -> float:
    import gc

    gc.collect()
    before = rss()
    async with AsyncExitStack() as stack:
        for item in instances(names, server.url):
            lockt = await stack.enter_async_context(item.client())
            await lockt.ping()
        gc.collect()
        after = rss()
    return (after - before) / len(names)


def temporal(server: Server, names: list[str], count: int) -> dict[str, float]:
    """3 worker processes on a dev server; wall from first start to last result."""
    binary = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="lockt-bench-temporal-")
    server_proc = subprocess.Popen(
        [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1", "--port", str(port),
         "--http-port", str(free_port()), "--metrics-port", str(free_port())],
        cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    env = {
        **os.environ, **credentials(names), "TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
        "LOCKT_BENCH_URL": server.url, "LOCKT_BENCH_NAMES": ",".join(names),
        "LOCKT_BENCH_PEOPLE": str(count), "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    workers: list[subprocess.Popen[bytes]] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "temporal did not start"
                time.sleep(0.1)
        for _ in range(3):
            proc = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.bench_fleet", "_worker"],
                cwd=ROOT, env=env, stdout=subprocess.PIPE,
            )  # fmt: skip
            assert proc.stdout is not None and proc.stdout.readline().startswith(b"ready")
            workers.append(proc)
        return asyncio.run(_start_all(f"127.0.0.1:{port}", names))
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(30)
        server_proc.terminate()
        server_proc.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)


async def _start_all(address: str, names: list[str]) -> dict[str, float]:
    from temporalio.client import Client

    from lockt_async.temporal import SyncRequest, start_sync

    client = await Client.connect(address)
    started = time.perf_counter()
    handles = [await start_sync(client, SyncRequest(n)) for n in names]
    reports = await asyncio.gather(*(h.result() for h in handles))
    wall = time.perf_counter() - started
    bad = [r.instance for r in reports if not r.ok]
    assert not bad, bad
    retried = sum(1 for r in reports if r.applied is not None and r.applied.attempt > 1)
    return {"wall": wall, "retried": retried}


async def _worker() -> None:
    from temporalio.client import Client

    from lockt_async.temporal import make_worker

    names = os.environ["LOCKT_BENCH_NAMES"].split(",")
    client = await Client.connect(os.environ["TEMPORAL_ADDRESS"])
    worker = make_worker(
        client, instances=instances(names, os.environ["LOCKT_BENCH_URL"]), sources=source,
        max_concurrent_activities=CONCURRENCY,
    )  # fmt: skip
    async with worker:
        print("ready", flush=True)
        await asyncio.Event().wait()


async def replicas(server: Server, name: str, requests: int = 200) -> dict[str, float]:
    """4 clients (replicas) with Redis gates onboarding into one instance."""
    import redis.asyncio as redis

    from lockt_async import LocktClient
    from lockt_async.redis_gate import RedisWriteGate
    from tests.support.redis_server import running_redis

    with running_redis() as url:
        r = redis.Redis.from_url(url)
        before = int((await r.info("stats"))["total_commands_processed"])
        records = people(name, requests)
        async with AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(
                    LocktClient(
                        name,
                        f"sim-key-{name}",
                        base_url=server.url,
                        timezone="America/New_York",
                        write_gate=RedisWriteGate.factory(redis.Redis.from_url(url)),
                    )
                )
                for _ in range(4)
            ]
            await asyncio.gather(
                *(clients[i % 4].users.upsert_one(rec) for i, rec in enumerate(records))
            )
        after = int((await r.info("stats"))["total_commands_processed"])
        await r.aclose()
    writes = server.ask(f"writes {name}")
    return {
        "writes": writes,
        "commands": after - before - 2,
        "per_write": (after - before - 2) / writes,
    }


class Rows(list[tuple[str, str]]):
    """Table rows, printed as they are added (a later scenario may fail)."""

    def __init__(self) -> None:
        super().__init__()
        print("| Figure | Value |\n|---|---:|", flush=True)

    def __iadd__(self, rows: Any) -> Rows:
        for label, value in rows:
            print(f"| {label} | {value} |", flush=True)
            self.append((label, value))
        return self


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-temporal", action="store_true")
    parser.add_argument("--only-temporal", action="store_true")
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--people", type=int, default=2000)
    args = parser.parse_args()
    n, count = (20, 200) if args.quick else (args.instances, args.people)
    os.environ["LOCKT_BENCH_PEOPLE"] = str(count)
    local = [f"p-{i:03d}" for i in range(n)]
    probes = [f"probe-{i}" for i in range(3)]
    remote = [f"t-{i:03d}" for i in range(n)]
    if args.only_temporal:
        local = []
    names = local + probes + ([] if args.skip_temporal else remote) + ["r-0"]
    os.environ.update(credentials(names))
    seeding = time.perf_counter()
    server = Server(names, count)
    seeded = time.perf_counter() - seeding
    rows = Rows()
    try:
        one = asyncio.run(one_process(server, local or probes[:1], probes))
        idle = asyncio.run(idle_rss(server, local or probes))
        assert server.ask("overlaps") == 0
        rows += [
            ("instances x people, churn, latency", f"{n} x {count:,}, 1%, {LATENCY * 1000:.0f} ms"),
            ("one instance alone (slowest of 3): sync wall", f"{one['floor']:.3f} s"),
            ("one process, concurrency 50: waves", f"{one['waves']}"),
            ("one process: wall", f"{one['wall']:.2f} s"),
            ("one process: ideal (floor x waves)", f"{one['ideal']:.2f} s"),
            ("one process: wall / ideal", f"{one['wall'] / one['ideal']:.2f} x (goal <= 1.2 x)"),
            ("one process: client CPU / simulator CPU",
             f"{one['cpu']:.1f} s / {one['server_cpu']:.1f} s"),
            ("one process: CPU floor ((client + simulator CPU) / cores)",
             f"{(one['cpu'] + one['server_cpu']) / (os.cpu_count() or 1):.2f} s"),
            ("one process: instances synced again (a write's outcome unknown)", f"{one['reruns']}"),
            ("RSS per idle instance (open client, one request made)",
             f"{idle / 1024:.0f} KiB (goal < 1 MiB)"),
        ]  # fmt: skip
        if not args.skip_temporal:
            tmp = temporal(server, remote, count)
            assert server.ask("overlaps") == 0
            ideal = one["floor"] * math.ceil(n / (3 * CONCURRENCY))
            rows += [
                ("3 Temporal workers: wall", f"{tmp['wall']:.2f} s"),
                ("3 Temporal workers: ideal (floor x waves of 150)", f"{ideal:.2f} s"),
                ("3 Temporal workers: wall / ideal", f"{tmp['wall'] / ideal:.2f} x"),
                ("3 Temporal workers: apply steps retried", f"{tmp['retried']}"),
            ]
        rep = asyncio.run(replicas(server, "r-0"))
        assert server.ask("overlaps") == 0
        rows += [
            ("replicas: 4 clients x Redis gate, 200 upsert_one: writes", f"{rep['writes']}"),
            ("replicas: Redis commands per write request", f"{rep['per_write']:.1f}"),
            ("overlapping writes on any instance", "0"),
            ("seeding the simulated fleet (not timed above)", f"{seeded:.1f} s"),
        ]  # fmt: skip
    finally:
        server.close()


if __name__ == "__main__":
    if sys.argv[1:2] == ["_serve"]:
        serve(sys.argv[3:], int(sys.argv[2]))
    elif sys.argv[1:2] == ["_worker"]:
        asyncio.run(_worker())
    else:
        main()
