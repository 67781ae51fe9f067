"""The per-instance sync workflow: plan, apply, then removals (approved if guarded)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from ._ids import workflow_id
    from ._types import (
        NON_RETRYABLE,
        ApplyReport,
        PlanSummary,
        RemovalReport,
        RemovalRequest,
        SyncReport,
        SyncRequest,
        SyncStatus,
    )

#: The longest one activity may run (a 100,000-record first import at one write at a time).
ACTIVITY_DEADLINE = timedelta(hours=6)


@workflow.defn(name="LocktSync")
class SyncWorkflow:
    """One sync of one instance. Its id names the instance (``workflow_id``), so at
    most one runs per instance across every worker and host.

    Steps (activities, each retried on another worker if its worker is lost):
    ``lockt.plan`` reads and plans (read-only); ``lockt.apply`` sends inserts and
    updates page by page with a heartbeat carrying progress (a retry re-reads
    and re-plans: what an earlier attempt applied reads back as existing, a page
    whose fate was unknown is matched, never resent blindly); ``lockt.remove``
    disables or deletes what the plan listed. When the removal guard blocked the
    plan, the workflow waits for the ``approve(plan_id)`` signal (or ``reject``)
    instead of failing, then removes exactly the approved plan's objects
    (``sync(approve=plan_id)``: nothing if the plan changed since).
    """

    def __init__(self) -> None:
        self._state = "planning"
        self._plan: PlanSummary | None = None
        self._approved: str | None = None
        self._rejected = False

    @workflow.run
    async def run(self, request: SyncRequest) -> SyncReport:
        """Plan, apply, remove; the report is the workflow's result."""
        retry = RetryPolicy(
            initial_interval=timedelta(seconds=1),
            maximum_interval=timedelta(seconds=30),
            maximum_attempts=request.max_attempts,
            non_retryable_error_types=NON_RETRYABLE,
        )
        heartbeat = timedelta(seconds=request.heartbeat_timeout)
        plan = await workflow.execute_activity(
            "lockt.plan",
            request,
            result_type=PlanSummary,
            start_to_close_timeout=ACTIVITY_DEADLINE,
            heartbeat_timeout=heartbeat,
            retry_policy=retry,
        )
        self._plan = plan
        report = SyncReport(instance=request.instance, plan=plan)
        if plan.inserts or plan.updates:
            self._state = "applying"
            report.applied = await workflow.execute_activity(
                "lockt.apply",
                request,
                result_type=ApplyReport,
                start_to_close_timeout=ACTIVITY_DEADLINE,
                heartbeat_timeout=heartbeat,
                retry_policy=retry,
            )
        if plan.removal_ids:
            if plan.removals_blocked:
                self._state = "awaiting_approval"
                report.approval = await self._approval(plan.plan_id, request.approval_timeout)
            if report.approval in ("not_needed", "approved"):
                self._state = "removing"
                report.removed = await workflow.execute_activity(
                    "lockt.remove",
                    RemovalRequest(
                        request, plan.plan_id, list(plan.removal_ids), bool(plan.removals_blocked)
                    ),
                    result_type=RemovalReport,
                    start_to_close_timeout=ACTIVITY_DEADLINE,
                    heartbeat_timeout=heartbeat,
                    retry_policy=retry,
                )
        self._state = "done"
        return report

    async def _approval(self, plan_id: str, timeout: float | None) -> str:
        try:
            await workflow.wait_condition(
                lambda: self._approved == plan_id or self._rejected,
                timeout=None if timeout is None else timedelta(seconds=timeout),
            )
        except TimeoutError:
            return "timed_out"
        return "rejected" if self._rejected else "approved"

    @workflow.signal
    def approve(self, plan_id: str) -> None:
        """Approve the guarded removals of the plan ``plan_id`` (another id is ignored)."""
        if self._plan is not None and plan_id == self._plan.plan_id:
            self._approved = plan_id

    @workflow.signal
    def reject(self) -> None:
        """Finish without the guarded removals."""
        self._rejected = True

    @workflow.query
    def status(self) -> SyncStatus:
        """The current step, and the plan id an approval must name."""
        plan = self._plan
        if plan is None:
            return SyncStatus(self._state)
        return SyncStatus(self._state, plan.plan_id, plan.removals_blocked, len(plan.removal_ids))


@workflow.defn(name="LocktNightly")
class NightlyWorkflow:
    """Start one ``SyncWorkflow`` per request, each under its instance's own id, and
    end (the syncs run on, abandoned by this parent). An instance whose sync is
    still running is skipped, not started twice. Meant to be started by a
    Temporal Schedule (``examples/temporal_nightly.py``), whose own workflow ids
    carry a timestamp and so could not keep one sync per instance by themselves.
    """

    @workflow.run
    async def run(self, requests: list[SyncRequest]) -> dict[str, list[str]]:
        """``{"started": [names], "skipped": [names already syncing]}``."""
        started: list[str] = []
        skipped: list[str] = []
        for request in requests:
            try:
                await workflow.start_child_workflow(
                    SyncWorkflow.run,
                    request,
                    id=workflow_id(request.instance),
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                )
            except WorkflowAlreadyStartedError:
                skipped.append(request.instance)
            else:
                started.append(request.instance)
        return {"started": started, "skipped": skipped}
