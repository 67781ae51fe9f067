"""The activities: read & plan, apply, remove. They run in the worker process,
where the instance name is resolved to its URL and credentials."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from .._results import FailureReason
from ..errors import AuthenticationError, ConfigurationError, LocktError
from ..fleet import Instance
from ._types import ApplyReport, PlanSummary, RemovalReport, RemovalRequest, SyncRequest

if TYPE_CHECKING:
    from .._results import Failure, Progress
    from .._sync_results import SyncPlan, SyncResult

#: Entries kept per list of the plan in a result (Temporal payloads are bounded).
PLAN_DETAIL = 1000
KINDS = ("users", "fobs", "doors")
_DEFAULT_BEAT = timedelta(seconds=30)
_UNSETTLED = frozenset({FailureReason.UNKNOWN, FailureReason.NOT_SENT})

Instances = Mapping[str, Instance] | Callable[[str], Instance]
#: ``source(instance_name, request.source)`` -> the records (or an awaitable of them).
Sources = Callable[[str, str], Iterable[Any] | Awaitable[Iterable[Any]]]


def plan_id(plan: SyncPlan) -> str:
    """A content hash of the plan: an approval names exactly what it approves."""
    text = json.dumps(plan.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _cut(plan: SyncPlan) -> dict[str, Any]:
    data = plan.to_dict()
    for key, value in list(data.items()):
        if isinstance(value, list) and len(value) > PLAN_DETAIL:
            data[key] = value[:PLAN_DETAIL]
            data[f"{key}_truncated"] = len(value)
    return data


def _failures(failures: Iterable[Failure]) -> list[dict[str, Any]]:
    """Failures without their records (a result lives in the workflow history)."""
    return [
        {"index": f.index, "reason": str(f.reason), "messages": list(f.messages)} for f in failures
    ]


def _non_retryable(exc: LocktError) -> ApplicationError:
    kind = "AuthenticationError" if isinstance(exc, AuthenticationError) else type(exc).__name__
    return ApplicationError(str(exc), type=kind, non_retryable=True)


class LocktActivities:
    """The activities of ``SyncWorkflow``, bound to how this worker finds things.

    ``instances`` maps an instance name to its :class:`~lockt_async.fleet.Instance`
    (a mapping or a function); its credentials are read from the worker's
    environment. ``sources`` returns the system of record's records for an
    instance. ``client_options`` go to every ``LocktClient`` (e.g. a Redis
    write gate factory when other processes write to the same instances).
    """

    def __init__(
        self,
        instances: Instances,
        sources: Sources,
        *,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._instances = instances
        self._sources = sources
        self._client_options = dict(client_options or {})
        if not {"transport", "http_client", "ssl_context"} & set(self._client_options):
            # One certificate store for every instance this worker syncs (~75 ms of CPU each).
            self._client_options["ssl_context"] = httpx.create_ssl_context()

    def _instance(self, name: str) -> Instance:
        found = (
            self._instances.get(name)
            if isinstance(self._instances, Mapping)
            else self._instances(name)
        )
        if found is None:
            raise ApplicationError(
                f"instance {name!r} is not known to this worker", type="UnknownInstance",
                non_retryable=True,
            )  # fmt: skip
        return found

    async def _source(self, request: SyncRequest) -> list[Any]:
        got = self._sources(request.instance, request.source)
        if inspect.isawaitable(got):
            got = await got
        return list(got)

    async def _sync(
        self, request: SyncRequest, *, on_plan: Callable[[SyncPlan], None] | None = None,
        **kw: Any,
    ) -> SyncResult:  # fmt: skip
        """One ``sync`` of the request's kind, heartbeating while it runs."""
        if request.kind not in KINDS:
            raise ApplicationError(
                f"kind must be one of {', '.join(KINDS)}, got {request.kind!r}",
                type="ConfigurationError", non_retryable=True,
            )  # fmt: skip
        instance = self._instance(request.instance)
        source = await self._source(request)
        last: dict[str, Any] = {}

        def progress(p: Progress) -> None:
            last.update(done=p.done, total=p.total, pages=p.pages, failed=p.failed)
            activity.heartbeat(dict(last))

        interval = max(
            0.2, (activity.info().heartbeat_timeout or _DEFAULT_BEAT).total_seconds() / 3
        )

        async def beat() -> None:
            while True:  # a long read or a slow page still shows the worker alive
                activity.heartbeat(dict(last))
                await asyncio.sleep(interval)

        # Temporal runs activities on asyncio: a plain task, cancelled when sync ends
        # (an anyio task group would wrap sync's own errors in an ExceptionGroup).
        beating = asyncio.create_task(beat())
        try:
            async with instance.client(**self._client_options) as lockt:
                resource = getattr(lockt, request.kind)
                result: SyncResult = await resource.sync(
                    source, on_progress=progress, on_plan=on_plan, **kw
                )
                return result
        except (ConfigurationError, AuthenticationError) as exc:
            raise _non_retryable(exc) from None
        finally:
            beating.cancel()

    @activity.defn(name="lockt.plan")
    async def plan(self, request: SyncRequest) -> PlanSummary:
        """Read the instance and plan against the source; sends nothing."""
        result = await self._sync(
            request, dry_run=True, on_missing=request.on_missing,
            max_removals=request.max_removals,
        )  # fmt: skip
        plan = result.plan
        if request.on_missing == "keep":
            removal = []
        elif plan.removals_blocked:
            removal = [m.id for m in plan.held_back]
        else:
            removal = [m.id for m in plan.removals]
        return PlanSummary(
            # sync's own id of the held-back removals (what approve= names), else a digest.
            plan_id=plan.plan_id or plan_id(plan),
            inserts=len(plan.inserts),
            updates=len(plan.updates),
            unchanged=len(plan.unchanged),
            missing=len(plan.missing),
            removal_ids=removal,
            removals_blocked=plan.removals_blocked,
            failures=len(result.failures),
            plan=_cut(plan),
        )

    @activity.defn(name="lockt.apply")
    async def apply(self, request: SyncRequest) -> ApplyReport:
        """Send inserts and updates (no removal). A retry re-reads and re-plans, so
        what an earlier attempt applied is matched, never sent twice."""
        info = activity.info()
        details = list(info.heartbeat_details)
        resumed = details[0] if details and isinstance(details[0], dict) else None
        result = await self._sync(request, on_missing="keep")
        unsettled = [f for f in result.failures if f.reason in _UNSETTLED]
        limit = info.retry_policy.maximum_attempts if info.retry_policy else 0
        if unsettled and (limit == 0 or info.attempt < limit):
            # Records whose page got no usable answer (or never went out): the retry
            # re-reads the instance, so what was applied is matched, never resent blindly.
            raise ApplicationError(
                f"{len(unsettled)} record(s) not settled (outcome unknown or not sent); "
                "retrying re-reads the instance and sends only what is still missing",
                type="WritesUnsettled",
            )
        return ApplyReport(
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
            requests=result.requests,
            failures=_failures(result.failures),
            attempt=info.attempt,
            resumed_from=resumed,
        )

    @activity.defn(name="lockt.remove")
    async def remove(self, removal: RemovalRequest) -> RemovalReport:
        """Remove the approved objects that are still missing from the source;
        anything else the instance's plan would now remove is refused (``PlanChanged``)."""
        request = removal.request
        approved = set(removal.approved_ids)

        def check(plan: SyncPlan) -> None:
            extra = sorted({m.id for m in plan.removals} - approved)
            if extra:
                raise ApplicationError(
                    f"plan {removal.plan_id} was approved but the instance now also has "
                    f"{len(extra)} other object(s) to remove (ids {extra[:10]}); nothing removed",
                    type="PlanChanged", non_retryable=True,
                )  # fmt: skip

        limits: dict[str, Any] = (
            # the guard tripped and a person approved this plan id: sync applies exactly
            # those removals, and none if the plan is no longer the approved one
            {"max_removals": request.max_removals, "approve": removal.plan_id}
            if removal.guarded
            else {"max_removals": max(1, len(approved))}
        )
        result = await self._sync(request, on_plan=check, on_missing=request.on_missing, **limits)
        return RemovalReport(
            disabled=result.disabled,
            deleted=result.deleted,
            failures=_failures(result.removal_failures),
            attempt=activity.info().attempt,
            skipped=result.removals_skipped,
        )

    def all(self) -> list[Callable[..., Any]]:
        """The activity functions to register on a worker."""
        return [self.plan, self.apply, self.remove]
