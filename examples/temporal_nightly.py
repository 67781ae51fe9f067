"""A Temporal Schedule that syncs a whole fleet every night (the ``temporal`` extra).

Run once to create (or replace) the schedule; workers started with
``lockt_async.temporal.make_worker`` do the work. The schedule starts
``NightlyWorkflow``, which starts one ``SyncWorkflow`` per instance under the
instance's own workflow id (an instance still syncing is skipped) and ends.

    python examples/temporal_nightly.py fleet.toml --address 127.0.0.1:7233
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
)

from lockt_async.fleet import load_instances
from lockt_async.temporal import TASK_QUEUE, NightlyWorkflow, SyncRequest, interceptors

SCHEDULE_ID = "lockt-nightly"


def nightly_schedule(
    requests: list[SyncRequest], *, cron: str = "0 2 * * *", time_zone: str = "UTC",
    task_queue: str = TASK_QUEUE,
) -> Schedule:  # fmt: skip
    """Every night at 02:00 (``cron`` in ``time_zone``), with up to 10 minutes of jitter;
    a night whose run is still going is skipped."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            NightlyWorkflow.run, requests, id="lockt-nightly-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(
            cron_expressions=[cron], time_zone_name=time_zone, jitter=timedelta(minutes=10)
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def create(client: Client, requests: list[SyncRequest], **kw: str) -> None:
    """Create the schedule, or update it when it exists."""
    schedule = nightly_schedule(requests, **kw)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
    except ScheduleAlreadyRunningError:
        handle = client.get_schedule_handle(SCHEDULE_ID)
        await handle.update(lambda _: ScheduleUpdate(schedule=schedule))


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("fleet", help="fleet file (TOML): [[instance]] tables")
    parser.add_argument("--address", default="127.0.0.1:7233")
    parser.add_argument("--on-missing", default="disable", choices=["keep", "disable", "delete"])
    args = parser.parse_args()
    requests = [
        SyncRequest(i.name, source=str(i.extra.get("source", "")), on_missing=args.on_missing)
        for i in load_instances(args.fleet)
    ]
    client = await Client.connect(args.address, interceptors=interceptors())
    await create(client, requests)
    print(f"schedule {SCHEDULE_ID!r}: {len(requests)} instance(s), nightly")


if __name__ == "__main__":
    asyncio.run(main())
