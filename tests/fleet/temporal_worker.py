"""A worker process for the Temporal fleet tests: resolves instances by name from
its environment (credentials included) and sources from ``source_for``."""

from __future__ import annotations

import asyncio
import os

from temporalio.client import Client

from lockt_async.fleet import Instance
from lockt_async.temporal import interceptors, make_worker
from tests.fleet.temporal_support import source_for


async def main() -> None:
    url = os.environ["LOCKT_TEST_FLEET_URL"]
    names = os.environ["LOCKT_TEST_FLEET_NAMES"].split(",")
    instances = [Instance(name, options={"base_url": url}) for name in names]
    client = await Client.connect(os.environ["TEMPORAL_ADDRESS"], interceptors=interceptors())
    worker = make_worker(
        client,
        instances=instances,
        sources=source_for,
        task_queue=os.environ["LOCKT_TEST_TASK_QUEUE"],
        identity=f"{os.getpid()}@lockt-test",
    )
    async with worker:
        print("ready", os.getpid(), flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
