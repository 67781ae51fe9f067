"""What a sync plans and what it did: ``SyncPlan`` and ``SyncResult``."""

from __future__ import annotations

from typing import Any

import attrs

from ._results import BatchResult, Failure

__all__ = [
    "FieldChange",
    "IgnoredDifference",
    "PlannedInsert",
    "PlannedRemoval",
    "PlannedUpdate",
    "SyncPlan",
    "SyncResult",
    "SyncRoute",
]


@attrs.frozen
class FieldChange:
    """One field that differs: its value in Lockt (``before``) and in the source (``after``).

    Values are in their wire form (dates as the instance's local wall time,
    access levels as sorted ids), so what is shown is what is compared.
    """

    field: str
    before: Any
    after: Any


@attrs.frozen
class PlannedInsert:
    """A source record with no match in Lockt: it is created."""

    index: int
    key: str


@attrs.frozen
class PlannedUpdate:
    """A source record whose match in Lockt (``id``) differs in ``changes``."""

    index: int
    key: str
    id: int
    changes: tuple[FieldChange, ...]


@attrs.frozen
class PlannedRemoval:
    """A keyed object in Lockt that the source no longer has."""

    id: int
    key: str
    name: str | None = None
    enabled: bool | None = None


@attrs.frozen
class IgnoredDifference:
    """A difference sync does not send, and why (the write cannot take it, or it cannot be read)."""

    index: int
    key: str
    change: FieldChange
    reason: str


@attrs.frozen
class SyncRoute:
    """How the records to write get the fields the server requires but neither the
    source nor the roster read holds (``pin`` for users: the ``GET /user`` list has none).

    ``name`` is ``"none"`` (no record needs one), ``"read"`` (one ``GET /user?id=``
    per such record, concurrent, its values merged into the ``POST /user`` pages),
    ``"put"`` (``PUT /user``: one call per record, only the fields that change) or
    ``"read+put"`` (``PUT`` for the records whose changes ``PUT /user`` takes, reads
    for the rest). ``cost_read`` and ``cost_put`` are the estimates the choice was made
    on, in round trips (see ``docs/guides/sync.md``).
    """

    name: str = "none"
    #: The server-held fields needed (``("pin",)``).
    fields: tuple[str, ...] = ()
    #: Per-id reads planned, and ``PUT /user`` calls planned.
    reads: int = 0
    puts: int = 0
    cost_read: float = 0.0
    cost_put: float = 0.0
    reason: str = ""


@attrs.define(eq=False)
class SyncPlan:
    """What a sync found: every source record is in exactly one of ``inserts``,
    ``updates``, ``unchanged`` or the result's ``failures``; ``missing`` are the
    keyed objects of Lockt absent from the source and ``removals`` those that
    ``on_missing`` would change (empty with ``keep``, or when blocked).
    """

    kind: str
    key: str
    on_missing: str
    #: Source records with no object in Lockt, checked as they will be sent.
    inserts: list[PlannedInsert] = attrs.Factory(list)
    #: Source records whose object differs, each with its field changes.
    updates: list[PlannedUpdate] = attrs.Factory(list)
    #: Indexes of the source records equal to their object: nothing is sent for them.
    unchanged: list[int] = attrs.Factory(list)
    #: Differences not sent, each with the reason (``IgnoredDifference``).
    ignored: list[IgnoredDifference] = attrs.Factory(list)
    #: Objects in Lockt with the key (candidates for matching and removal).
    keyed: int = 0
    #: Objects in Lockt without the key (fob-holder rows of ``GET /user``...): never touched.
    unkeyed: int = 0
    missing: list[PlannedRemoval] = attrs.Factory(list)
    removals: list[PlannedRemoval] = attrs.Factory(list)
    max_removals: int = 0
    #: Why nothing is removed although ``on_missing`` asked for it (the removal guard).
    removals_blocked: str | None = None
    #: Fields compared with Lockt's values (those the source supplied and the read shows).
    compared: tuple[str, ...] = ()
    #: Fields the source supplied that were NOT compared, with the reason (``pin``: the
    #: ``GET /user`` list does not show it; sent with records written anyway).
    not_compared: dict[str, str] = attrs.Factory(dict)
    #: How records get the server-held fields they need (``SyncRoute``).
    route: SyncRoute = attrs.Factory(SyncRoute)
    #: The removal guard's percentage (of ``keyed``) when one applied.
    max_removal_percent: float | None = None
    #: A digest of exactly the removals this plan would make (None when it makes none):
    #: pass it as ``approve=`` (``--approve``) to apply a guarded plan after review.
    plan_id: str | None = None
    #: The removals the guard held back (``removals_blocked`` says why).
    held_back: list[PlannedRemoval] = attrs.Factory(list)
    #: True when ``removals`` were applied under an ``approve`` naming this plan.
    approved: bool = False

    def __repr__(self) -> str:
        return (
            f"<SyncPlan {self.kind} inserts={len(self.inserts)} updates={len(self.updates)} "
            f"unchanged={len(self.unchanged)} missing={len(self.missing)} "
            f"removals={len(self.removals)} route={self.route.name}"
            f"{' BLOCKED' if self.removals_blocked else ''}>"
        )

    @property
    def writes(self) -> int:
        """Records the plan would write (inserts, updates, removals)."""
        return len(self.inserts) + len(self.updates) + len(self.removals)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data (``lockt sync --plan-out``)."""
        return {
            "kind": self.kind,
            "key": self.key,
            "on_missing": self.on_missing,
            "counts": {
                "inserts": len(self.inserts),
                "updates": len(self.updates),
                "unchanged": len(self.unchanged),
                "missing": len(self.missing),
                "removals": len(self.removals),
                "ignored": len(self.ignored),
                "keyed": self.keyed,
                "unkeyed": self.unkeyed,
            },
            "max_removals": self.max_removals,
            "max_removal_percent": self.max_removal_percent,
            "removals_blocked": self.removals_blocked,
            "plan_id": self.plan_id,
            "approved": self.approved,
            "held_back": [attrs.asdict(m) for m in self.held_back],
            "compared": list(self.compared),
            "not_compared": dict(self.not_compared),
            "route": {**attrs.asdict(self.route), "fields": list(self.route.fields)},
            "inserts": [attrs.asdict(i) for i in self.inserts],
            "updates": [
                {
                    "index": u.index,
                    "key": u.key,
                    "id": u.id,
                    "changes": [attrs.asdict(c) for c in u.changes],
                }
                for u in self.updates
            ],
            "unchanged": list(self.unchanged),
            "missing": [attrs.asdict(m) for m in self.missing],
            "removals": [attrs.asdict(m) for m in self.removals],
            "ignored": [
                {"index": d.index, "key": d.key, **attrs.asdict(d.change), "reason": d.reason}
                for d in self.ignored
            ],
        }


@attrs.define(eq=False)
class SyncResult:
    """The outcome of ``sync``: the plan, what was done, and what failed.

    ``failures`` carry the index of the caller's source record (as in
    ``BatchResult``); ``removal_failures`` carry the index into ``plan.removals``.
    """

    plan: SyncPlan
    dry_run: bool = False
    #: The write calls made (one ``BatchResult`` per call), in order.
    batches: list[BatchResult] = attrs.Factory(list)
    #: Records written: created, and changed (their write accepted).
    inserted: int = 0
    updated: int = 0
    #: Source records equal to their object in Lockt (nothing sent).
    unchanged: int = 0
    failures: list[Failure] = attrs.Factory(list)
    #: Missing objects removed, per ``on_missing``.
    disabled: int = 0
    deleted: int = 0
    removal_failures: list[Failure] = attrs.Factory(list)
    #: Why removals were skipped (the guard, or the writes stopped early), if they were.
    removals_skipped: str | None = None
    #: Per-id reads made for server-held fields (``plan.route``), and ``PUT /user`` calls.
    reads: int = 0
    puts: int = 0
    elapsed: float = 0.0
    #: True when the sync was interrupted (cancelled): the counts are what was done.
    cancelled: bool = False

    @property
    def route(self) -> SyncRoute:
        """The route the plan chose for server-held fields (``plan.route``)."""
        return self.plan.route

    def __repr__(self) -> str:
        return (
            f"<SyncResult {self.plan.kind}{' dry run' if self.dry_run else ''} "
            f"inserted={self.inserted} updated={self.updated} unchanged={self.unchanged} "
            f"disabled={self.disabled} deleted={self.deleted} failures={len(self.failures)} "
            f"removal_failures={len(self.removal_failures)} route={self.plan.route.name}>"
        )

    @property
    def ok(self) -> bool:
        """True when nothing failed and no removal was skipped."""
        return not self.failures and not self.removal_failures and self.removals_skipped is None

    @property
    def requests(self) -> int:
        """Write requests sent (pages, resends included)."""
        return sum(len(b.pages) for b in self.batches)
