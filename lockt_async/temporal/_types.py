"""What goes through Temporal: requests, plans and reports (no credential, ever).

Plain dataclasses so Temporal's default converter stores them as JSON in the
workflow history. An instance is named, never described: the worker resolves
the name to its URL and credentials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Task queue the helpers use unless told otherwise.
TASK_QUEUE = "lockt-sync"
#: Error types a retry cannot fix: the activity fails at once.
NON_RETRYABLE = [
    "ConfigurationError",
    "AuthenticationError",
    "UnknownInstance",
    "PlanChanged",
]


@dataclass
class SyncRequest:
    """Sync one instance. ``instance`` is a name the worker resolves (never a
    credential); ``source`` is a reference the worker's source resolver
    understands (a path, a query name; "" for its default)."""

    instance: str
    source: str = ""
    kind: str = "users"
    on_missing: str = "keep"
    max_removals: int | None = None
    #: Seconds without a heartbeat before an activity is retried elsewhere.
    heartbeat_timeout: float = 30.0
    #: Attempts per activity (a worker lost mid-sync is one attempt).
    max_attempts: int = 10
    #: Seconds a guard-tripping plan waits for ``approve``; None waits forever.
    approval_timeout: float | None = None


@dataclass
class PlanSummary:
    """The read-and-plan step's answer: counts, what removal needs, and the plan."""

    plan_id: str
    inserts: int
    updates: int
    unchanged: int
    missing: int
    #: Lockt ids the removal step may touch: the plan's removals, or the ones
    #: the guard held back (``plan.held_back``) when it tripped.
    removal_ids: list[int]
    removals_blocked: str | None
    failures: int
    #: ``SyncPlan.to_dict()``, each list cut to ``PLAN_DETAIL`` entries.
    plan: dict[str, Any]


@dataclass
class ApplyReport:
    """The apply step: inserts and updates sent page by page."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    requests: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    #: The activity attempt that finished (1 unless a worker was lost or a retry ran).
    attempt: int = 1
    #: The last progress heartbeat of the attempt before this one, if any.
    resumed_from: dict[str, Any] | None = None


@dataclass
class RemovalRequest:
    """Remove exactly ``approved_ids`` (those still present and still absent from the source)."""

    request: SyncRequest
    plan_id: str
    approved_ids: list[int]
    #: The removal guard held these back and ``plan_id`` was approved (``sync(approve=)``).
    guarded: bool = False


@dataclass
class RemovalReport:
    """The removal step."""

    disabled: int = 0
    deleted: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    attempt: int = 1
    #: Why nothing was removed (the instance's plan no longer had the approved id...).
    skipped: str | None = None


@dataclass
class SyncStatus:
    """The ``status`` query: where the workflow is."""

    state: str
    plan_id: str | None = None
    removals_blocked: str | None = None
    removal_count: int = 0


@dataclass
class SyncReport:
    """The workflow's result: the plan and what each step did."""

    instance: str
    plan: PlanSummary
    applied: ApplyReport | None = None
    removed: RemovalReport | None = None
    #: "not_needed", "approved", "rejected" or "timed_out".
    approval: str = "not_needed"

    @property
    def ok(self) -> bool:
        """True when nothing failed and no needed removal was left undone."""
        failed = bool(self.applied and self.applied.failures) or bool(
            self.removed and (self.removed.failures or self.removed.skipped)
        )
        return not failed and self.approval in ("not_needed", "approved")


#: What ``lockt_async.temporal`` exports of these.
__all__ = [
    "TASK_QUEUE",
    "ApplyReport",
    "PlanSummary",
    "RemovalReport",
    "RemovalRequest",
    "SyncReport",
    "SyncRequest",
    "SyncStatus",
]
