"""``lockt_async.temporal``: sync a fleet of instances on Temporal (the ``temporal`` extra).

One workflow per instance, its id derived from the instance's name
(:func:`workflow_id`), so at most one sync runs per instance across every
worker and host; starting it again while it runs attaches to the running one.
A worker lost mid-sync has its activity retried on another worker, and a
retried step is safe: sync re-reads and converges. Credentials never enter
Temporal: requests name the instance, and each worker resolves the name to its
URL and credentials (:class:`~lockt_async.fleet.Instance`, from environment
variables)::

    client = await Client.connect("127.0.0.1:7233", interceptors=interceptors())
    worker = make_worker(client, instances={i.name: i for i in load_instances("fleet.toml")},
                         sources=read_source)
    await worker.run()
    # elsewhere (a starter, a Schedule):
    handle = await start_sync(client, SyncRequest("acme", on_missing="disable"))
    report = await handle.result()

When the removal guard blocks a plan, the workflow waits for
``handle.signal(SyncWorkflow.approve, plan_id)`` (``status`` query gives the id)
and then removes exactly that plan's objects; ``SyncWorkflow.reject`` ends it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from ..fleet import Instance
from . import _types
from ._activities import Instances, LocktActivities, Sources, plan_id
from ._ids import workflow_id
from ._types import *  # noqa: F403  (the requests and reports: ``_types.__all__``)
from ._types import TASK_QUEUE, SyncReport, SyncRequest
from ._workflow import NightlyWorkflow, SyncWorkflow

__all__ = [
    "Instance",
    "LocktActivities",
    "NightlyWorkflow",
    "SyncWorkflow",
    "interceptors",
    "make_worker",
    "plan_id",
    "start_sync",
    "workflow_id",
]
__all__ += _types.__all__


def interceptors() -> list[Any]:
    """Temporal's OpenTelemetry ``TracingInterceptor`` when OpenTelemetry (with its
    SDK) is installed, else ``[]``: pass it to ``Client.connect(interceptors=...)``
    on the starter and the worker so a sync's spans join the starter's trace."""
    try:
        from temporalio.contrib.opentelemetry import TracingInterceptor
    except ImportError:
        return []
    return [TracingInterceptor()]


async def start_sync(
    client: Client, request: SyncRequest, *, task_queue: str = TASK_QUEUE
) -> WorkflowHandle[SyncWorkflow, SyncReport]:
    """Start the sync of ``request.instance``, or attach to the one already running
    (one sync per instance at a time); a finished one may be started again."""
    return await client.start_workflow(
        SyncWorkflow.run,
        request,
        id=workflow_id(request.instance),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )


def make_worker(
    client: Client,
    *,
    instances: Instances | Iterable[Instance],
    sources: Sources,
    task_queue: str = TASK_QUEUE,
    client_options: Mapping[str, Any] | None = None,
    max_concurrent_activities: int = 50,
    **worker_options: Any,
) -> Worker:
    """A Temporal ``Worker`` running ``SyncWorkflow`` and its activities.

    ``instances``: the fleet this worker may sync (``Instance`` objects, a mapping
    by name, or a function of the name); ``sources(name, ref)`` returns an
    instance's records. ``max_concurrent_activities`` is how many instances one
    worker syncs at once (each waits on its own instance's writes).
    """
    if not isinstance(instances, Mapping) and not callable(instances):
        instances = {i.name: i for i in instances}
    activities = LocktActivities(instances, sources, client_options=client_options)
    runner = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("lockt_async")
    )
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[SyncWorkflow, NightlyWorkflow],
        activities=activities.all(),
        workflow_runner=runner,
        max_concurrent_activities=max_concurrent_activities,
        **worker_options,
    )
