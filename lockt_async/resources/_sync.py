"""Sync: keep one kind of Lockt object equal to a system of record, run after run.

``users.sync(records)`` (and ``fobs.sync``, ``doors.sync``) reads the instance's
objects once, matches the caller's records to them on a natural key, plans, and
sends only what differs:

1. **Plan.** Each source record is converted and checked exactly as a write
   would be (so dates are compared as the instance's local wall time, access
   levels as sets of ids, booleans as booleans) and matched on its key. No
   match: an insert. A match: the fields the caller supplied are compared with
   the object's (fields the caller left out are never compared). Equal:
   unchanged. Different: an update listing each field's before and after.
   Objects in Lockt with the key but absent from the source are ``missing``;
   objects without the key (the fob-holder rows of ``GET /user``) are never
   matched, disabled or deleted.
2. **Differences that cannot be sent** are listed in ``plan.ignored`` with the
   reason, never sent for their own sake, so a record is not re-sent forever
   (the rules per kind are in ``_sync_kinds``).
3. **Writes** go through the bulk write path (pages, the write gate, an outcome
   per record, the learned record limit), with ``validate_fails_batch=False``:
   one bad record does not hold back the others.
4. **Missing objects** are kept, disabled or deleted per ``on_missing``. The
   guard: when more than ``max_removals`` would be removed (default: 5% of the
   keyed objects, at least 1), nothing is removed and the plan says why, so an
   empty or cut source file cannot wipe an instance. Removals also wait when
   the writes stopped early (a revoked key...).

A sync is idempotent: run twice, the second sends no write. Killed at any
point and run again, it converges: what the first run applied reads back as
existing and is matched, never inserted twice.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
import attrs

from .._envelope import rows
from .._field_map import OnInsert, check_field_map, check_on_insert, fill_insert, rename
from .._gcpause import PAUSE_ROWS, gc_paused
from .._results import BatchResult, Failure, FailureReason, Progress
from .._sync_results import (
    FieldChange,
    IgnoredDifference,
    PlannedInsert,
    PlannedRemoval,
    PlannedUpdate,
    SyncPlan,
    SyncResult,
)
from .._telemetry import in_phase, phase
from .._validation import DuplicateTracker
from .._writes import WriteSpec, prepare_item
from ..errors import ConfigurationError, LocktError, RecordError
from ._natural import row_id, row_key
from ._specs import pick

if TYPE_CHECKING:
    from .._protocol import ResourceClient
    from ..converters import LocktConverter

ON_MISSING = ("keep", "disable", "delete")
#: The default removal guard: this share of the keyed objects (at least one).
DEFAULT_REMOVAL_SHARE = 0.05

OnProgress = Callable[[Progress], None] | None
#: (source index, the record to send)
Item = tuple[int, dict[str, Any]]


class Context:
    """One sync run: the client, its converter, options, and a cache of normalized dates."""

    def __init__(
        self, client: ResourceClient, conv: LocktConverter, options: Mapping[str, bool]
    ) -> None:
        self.client = client
        self.conv = conv
        self.options = options
        self.on_missing = "keep"
        self._dates: dict[str, str] = {}
        #: Every write call of this phase as it starts: (its result, the items it was given).
        #: Filled before the call returns, so an interrupted sync still accounts for them.
        self.sent: list[tuple[BatchResult, list[Item]]] = []

    def date(self, value: Any, field: str) -> str:
        """A date read from the server as the wire form (local wall time), or "" for none."""
        if value is None or value == "":
            return ""
        if not isinstance(value, str):
            return str(value)
        try:
            return self._dates[value]
        except KeyError:
            pass
        try:
            parsed = self.conv.parse_datetime(value, field=field)
            text = "" if parsed is None else self.conv.format_datetime(parsed, field=field)
        except RecordError:
            text = value  # unreadable: compared as sent, so it shows as a difference
        self._dates[value] = text
        return text


class Kind:
    """What differs between users, fobs and doors; the engine does the rest."""

    name = ""
    path = ""
    #: Key fields in match order (fobs: ``name``, then ``card_num``).
    keys: tuple[str, ...] = ()
    #: The spec source records are converted and checked with.
    spec: WriteSpec
    #: When set, source records are checked with this one instead (a source may
    #: leave out fields an update keeps); what is sent is checked with ``spec``.
    source_spec: WriteSpec | None = None
    removal_modes: tuple[str, ...] = ("keep", "delete")
    #: The spec an update record is checked with before sending (None: not checked).
    update_spec: WriteSpec | None = None

    async def read(self, client: ResourceClient) -> list[Any]:
        """The instance's rows of this kind (one read of ``path``)."""
        return rows(await client.get(self.path), self.path)

    def compare(
        self, ctx: Context, wire: dict[str, Any], row: Mapping[str, Any]
    ) -> tuple[list[FieldChange], list[tuple[FieldChange, str]]]:
        """The differences to send, and those that cannot be sent (with the reason)."""
        raise NotImplementedError

    async def write(
        self, ctx: Context, inserts: list[Item], updates: list[Item], progress: _Progress
    ) -> list[tuple[BatchResult, list[Item]]]:
        """Send inserts and updates; each batch with the items it was given, in order."""
        raise NotImplementedError

    def update_record(
        self, ctx: Context, wire: dict[str, Any], row: Mapping[str, Any], changes: list[FieldChange]
    ) -> dict[str, Any]:
        """The record an update sends."""
        raise NotImplementedError

    async def remove(
        self, ctx: Context, rows: list[Mapping[str, Any]], mode: str, progress: _Progress
    ) -> BatchResult:
        """Disable or delete ``rows``; the result's indexes are positions in ``rows``."""
        raise NotImplementedError

    def enabled(self, row: Mapping[str, Any]) -> bool | None:
        value = row.get("enabled")
        if isinstance(value, str):
            return value.strip().lower() not in ("false", "0", "no")
        return None if value is None else bool(value)


class _Progress:
    """One ``on_progress`` across the phases (writes, then removals): counts add up."""

    def __init__(self, callback: OnProgress, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = self.pages = self.failed = 0
        self.started = time.perf_counter()

    def phase(self) -> OnProgress:
        if self.callback is None:
            return None
        callback = self.callback

        def report(p: Progress) -> None:
            callback(
                Progress(
                    done=self.done + p.done,
                    total=self.total,
                    pages=self.pages + p.pages,
                    failed=self.failed + p.failed,
                    elapsed=time.perf_counter() - self.started,
                )
            )

        return report

    def end(self, result: BatchResult) -> None:
        self.done += result.total
        self.pages += len(result.pages)
        self.failed += len(result.failures)


def check_arguments(kind: Kind, on_missing: object, max_removals: object) -> None:
    """Arguments are checked before any I/O (``ConfigurationError`` names the argument)."""
    if on_missing not in kind.removal_modes:
        raise ConfigurationError(
            f"on_missing must be one of {', '.join(repr(m) for m in kind.removal_modes)} "
            f"for {kind.name}, got {on_missing!r}"
        )
    if max_removals is not None and (
        not isinstance(max_removals, int) or isinstance(max_removals, bool) or max_removals < 0
    ):
        raise ConfigurationError(f"max_removals must be an int >= 0 or None, got {max_removals!r}")


async def _collect(records: Any) -> list[Any]:
    if isinstance(records, str | bytes | Mapping):
        raise RecordError(
            f"sync takes an iterable of records, got a single {type(records).__name__}",
            field="records",
        )
    if isinstance(records, AsyncIterable):
        return [r async for r in records]
    if isinstance(records, Iterable):
        return list(records)
    raise RecordError(
        f"sync takes an iterable of records, got {type(records).__name__}", field="records"
    )


def default_max_removals(keyed: int) -> int:
    """5% of the keyed objects, at least 1."""
    return max(1, int(keyed * DEFAULT_REMOVAL_SHARE))


Prepared = list[tuple[dict[str, Any] | None, list[str]]]
#: A keyed row of the roster: (its id, its first key value, the row).
_Row = tuple[int, str, Mapping[str, Any]]


async def prepare_source(kind: Kind, ctx: Context, source: Sequence[Any]) -> Prepared:
    """Each record converted and checked as a write would (``prepare_item``), in order.

    Runs while the roster read is in flight: it yields to the event loop every
    few hundred records, so the read's bytes keep arriving meanwhile.
    """
    spec = kind.source_spec or kind.spec
    tracker = DuplicateTracker(spec.duplicate_fields) if spec.duplicate_fields else None
    out: Prepared = []
    for i, record in enumerate(source):
        if i % _YIELD_EVERY == 0:
            await anyio.lowlevel.checkpoint()
        out.append(prepare_item(spec, ctx.conv, record, tracker))
    return out


_YIELD_EVERY = 512


def plan_sync(
    kind: Kind,
    ctx: Context,
    source: Sequence[Any],
    prepared: Prepared,
    found: list[Any],
    on_missing: str,
    max_removals: int | None,
) -> tuple[SyncPlan, list[Failure], dict[int, Any], dict[int, dict[str, Any]]]:
    """The plan, the source's invalid records, matched rows and wire dicts by source index."""
    # Each keyed row once, with its id and first key: (id, key, row).
    index: dict[str, dict[str, list[_Row]]] = {k: {} for k in kind.keys}
    keyed: list[_Row] = []
    unkeyed = 0
    for row in found:
        rid = row_id(row)
        first = None
        if rid is not None:
            for k in kind.keys:
                value = row_key(row, k)
                if value is not None:
                    entry = (rid, first or value, row)
                    first = first or value
                    index[k].setdefault(value, []).append(entry)
        if first is None:
            unkeyed += 1
        else:
            keyed.append((rid or 0, first, row))
    plan = SyncPlan(kind=kind.name, key=" or ".join(kind.keys), on_missing=on_missing)
    plan.keyed, plan.unkeyed = len(keyed), unkeyed
    failures: list[Failure] = []
    claimed: dict[int, int] = {}
    matched: dict[int, Any] = {}
    wires: dict[int, dict[str, Any]] = {}
    for i, record in enumerate(source):
        wire, messages = prepared[i]
        if wire is None:
            failures.append(Failure(i, record, FailureReason.INVALID, tuple(messages)))
            # Its object in Lockt (if the key is readable) is not "missing": a bad
            # cell in the source must never disable or delete the person.
            for k in kind.keys:
                value = row_key(_fields(record), k)
                for rid, _, _ in index[k].get(value, []) if value is not None else []:
                    claimed.setdefault(rid, i)
            continue
        key, hits = "", []
        for k in kind.keys:
            value = row_key(wire, k)
            if value is not None:
                key = key or value
                hits = index[k].get(value, [])
                if hits:
                    key = value
                    break
        if len(hits) > 1:
            ids = ", ".join(str(rid) for rid, _, _ in hits)
            msg = f"not sent: {len(hits)} {kind.name} in Lockt carry {key!r} (ids {ids})"
            failures.append(Failure(i, record, FailureReason.INVALID, (msg,)))
            for rid, _, _ in hits:
                claimed.setdefault(rid, i)
            continue
        if not hits:
            wires[i] = wire
            plan.inserts.append(PlannedInsert(i, key))
            continue
        rid, _, row = hits[0]
        if rid in claimed:
            msg = f"not sent: it matches the object in Lockt (id {rid}) of record {claimed[rid]}"
            failures.append(Failure(i, record, FailureReason.INVALID, (msg,)))
            continue
        claimed[rid] = i
        wires[i] = wire
        matched[i] = row
        changes, ignored = kind.compare(ctx, wire, row)
        for change, reason in ignored:
            plan.ignored.append(IgnoredDifference(i, key, change, reason))
        if changes:
            plan.updates.append(PlannedUpdate(i, key, rid, tuple(changes)))
        else:
            plan.unchanged.append(i)
    for rid, key, row in keyed:
        if rid not in claimed:
            name = row.get("name")
            plan.missing.append(
                PlannedRemoval(rid, key, name if isinstance(name, str) else None, kind.enabled(row))
            )
    plan.max_removals = default_max_removals(len(keyed)) if max_removals is None else max_removals
    if on_missing != "keep":
        todo = [
            m for m in plan.missing if on_missing == "delete" or m.enabled is not False
        ]  # an object already disabled needs no write
        if len(todo) > plan.max_removals:
            plan.removals_blocked = (
                f"{len(todo)} {kind.name} would be {on_missing}d, more than max_removals="
                f"{plan.max_removals} (of {len(keyed)} keyed in Lockt); nothing removed. "
                "Check the source is complete, or pass a larger max_removals."
            )
        else:
            plan.removals = todo
    return plan, failures, matched, wires


async def run_sync(
    kind: Kind,
    client: ResourceClient,
    records: Any,
    *,
    on_missing: str,
    dry_run: bool,
    max_removals: int | None,
    options: Mapping[str, bool],
    on_progress: OnProgress,
    on_plan: Callable[[SyncPlan], None] | None = None,
    result: SyncResult | None = None,
    on_insert: OnInsert | None = None,
    field_map: Mapping[str, str] | None = None,
) -> SyncResult:
    """Plan and (unless ``dry_run``) apply; see the module docstring.

    ``result`` (optional) is filled in as the sync goes: keep a reference to read
    what an interrupted (cancelled) sync did; its ``cancelled`` is then True.
    """
    check_arguments(kind, on_missing, max_removals)
    if not isinstance(dry_run, bool):
        raise ConfigurationError(f"dry_run must be True or False, got {dry_run!r}")
    for name, value in options.items():
        if not isinstance(value, bool):
            raise ConfigurationError(f"{name} must be True or False, got {value!r}")
    fmap = check_field_map(field_map, kind.spec.fields, f"{kind.name}.sync")
    on_insert = check_on_insert(on_insert)
    started = time.perf_counter()
    source = await _collect(records)
    if fmap:
        source = [rename(r, fmap) for r in source]
    conv = await client.converter()
    ctx = Context(client, conv, options)
    ctx.on_missing = on_missing

    # The roster read is mostly waiting: convert and check the source meanwhile.
    got: list[Any] = []
    read_errors: list[LocktError] = []

    async def read() -> None:
        try:
            got.append(await in_phase("sync.read", kind.read(client)))
        except LocktError as exc:  # raised below as itself, not inside a group
            read_errors.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(read)
        prepared = await prepare_source(kind, ctx, source)
    if read_errors:
        raise read_errors[0]
    found = got[0]
    # Planning is synchronous and allocates a dict per record and row, none in a
    # cycle: the collector's scans would cost more than the plan (gc_paused's note).
    with gc_paused(len(found) + len(source) > PAUSE_ROWS), phase("sync.plan"):
        plan, failures, matched, wires = plan_sync(
            kind, ctx, source, prepared, found, on_missing, max_removals
        )
        inserts, updates = check_writes(
            kind, ctx, source, plan, failures, wires, matched, on_insert
        )
    result = result if result is not None else SyncResult(plan=plan)
    result.plan, result.dry_run, result.failures = plan, dry_run, failures
    result.unchanged = len(plan.unchanged)
    result.removals_skipped = plan.removals_blocked
    if on_plan is not None:
        on_plan(plan)
    if dry_run:
        result.elapsed = time.perf_counter() - started
        return result
    progress = _Progress(on_progress, plan.writes)
    inserting = {p.index for p in plan.inserts}
    wanted = {m.id for m in plan.removals}
    targets = [r for r in found if isinstance(r, Mapping) and row_id(r) in wanted]
    # The roster, the wire dicts and the matches are done with: let them go
    # before the writes (a 100,000-row roster kept alive costs the collector).
    del found, prepared, wires, matched
    stage = "writes"
    try:
        if inserts or updates:
            await in_phase("sync.write", kind.write(ctx, inserts, updates, progress))
        stopped = _account_writes(result, ctx.sent, source, inserting)
        stage = "removals"
        ctx.sent = []
        if plan.removals and stopped is not None:
            result.removals_skipped = (
                f"the writes stopped early ({type(stopped).__name__}); nothing removed"
            )
        elif plan.removals:
            by_id = {row_id(r): r for r in targets}
            targets = [by_id[m.id] for m in plan.removals]
            await in_phase("sync.removals", kind.remove(ctx, targets, on_missing, progress))
            _account_removals(result, ctx.sent, plan, on_missing)
    except anyio.get_cancelled_exc_class():
        result.cancelled = True
        if stage == "writes":
            _account_writes(result, ctx.sent, source, inserting, interrupted=True)
            if plan.removals:
                result.removals_skipped = "the sync was interrupted; nothing removed"
        else:
            _account_removals(result, ctx.sent, plan, on_missing)
        result.elapsed = time.perf_counter() - started
        raise
    result.elapsed = time.perf_counter() - started
    return result


_INTERRUPTED = "not sent: the sync was interrupted"


def check_writes(
    kind: Kind,
    ctx: Context,
    source: Sequence[Any],
    plan: SyncPlan,
    failures: list[Failure],
    wires: dict[int, dict[str, Any]],
    matched: dict[int, Any],
    on_insert: OnInsert | None,
) -> tuple[list[Item], list[Item]]:
    """The checks phase: each planned write as it will be sent, checked as it will be.

    A new record first gets the insert hook's fields (``on_insert``: a new hire's
    pin), then it and each update (the record Lockt holds with the source's
    changes laid over it) are checked with the write's own spec, required fields
    as the client says (``required_fields``). A refused one leaves the plan for
    ``failures`` with the write's messages: the dry run reports exactly the
    refusals the real run would, and the real run sends what was checked here.
    Duplicates within the source were checked when it was prepared.
    """
    insert_spec = pick(ctx.client, kind.spec)
    update_spec = pick(ctx.client, kind.update_spec) if kind.update_spec is not None else None
    refused: set[int] = set()

    def check(index: int, spec: WriteSpec, record: dict[str, Any]) -> bool:
        _, messages = prepare_item(spec, ctx.conv, record, None)
        if messages:
            refused.add(index)
            failures.append(Failure(index, source[index], FailureReason.INVALID, tuple(messages)))
        return not messages

    inserts: list[Item] = []
    for p in plan.inserts:
        record = _without_id(wires[p.index])
        if on_insert is not None:
            record = fill_insert(record, on_insert)
        if check(p.index, insert_spec, record):
            inserts.append((p.index, record))
    updates: list[Item] = []
    for u in plan.updates:
        record = kind.update_record(ctx, wires[u.index], matched[u.index], list(u.changes))
        if update_spec is None or check(u.index, update_spec, record):
            updates.append((u.index, record))
    if refused:
        plan.inserts = [p for p in plan.inserts if p.index not in refused]
        plan.updates = [u for u in plan.updates if u.index not in refused]
        failures.sort(key=lambda f: f.index)
    return inserts, updates


def _account_writes(
    result: SyncResult,
    sent: list[tuple[BatchResult, list[Item]]],
    source: Sequence[Any],
    inserting: set[int],
    *,
    interrupted: bool = False,
) -> Exception | None:
    """Each planned write's outcome from the write calls made; returns what stopped them.

    A record whose call was never made or never took it (an interrupted sync)
    is ``not_sent``; a new fob's holder is a second write: one outcome per record.
    """
    stopped = None
    done: set[int] = set()
    failed: set[int] = set()
    for batch, items in sent:
        result.batches.append(batch)
        stopped = stopped or batch.stopped_by
        for f in batch.failures:
            src = items[f.index][0]
            if src not in failed:
                failed.add(src)
                result.failures.append(attrs.evolve(f, index=src, record=source[src]))
        done.update(src for src, _ in items[: batch.total])
    if interrupted:
        planned = {p.index for p in result.plan.inserts} | {p.index for p in result.plan.updates}
        for src in sorted(planned - done - failed):
            failed.add(src)
            result.failures.append(
                Failure(src, source[src], FailureReason.NOT_SENT, (_INTERRUPTED,))
            )
    result.inserted = len((done & inserting) - failed)
    result.updated = len(done - inserting - failed)
    result.failures.sort(key=lambda f: f.index)
    return stopped


def _account_removals(
    result: SyncResult, sent: list[tuple[BatchResult, list[Item]]], plan: SyncPlan, mode: str
) -> None:
    """The removals' outcomes; an interrupted removal's untaken rows are failures too."""
    for batch, items in sent:
        result.batches.append(batch)
        failed = {f.index for f in batch.failures}
        result.removal_failures = [
            attrs.evolve(f, record=plan.removals[f.index]) for f in batch.failures
        ]
        for pos in range(batch.total, len(items)):
            if pos not in failed:
                result.removal_failures.append(
                    Failure(pos, plan.removals[pos], FailureReason.NOT_SENT, (_INTERRUPTED,))
                )
        done = min(batch.total, len(items)) - len(failed)
        if mode == "disable":
            result.disabled = done
        else:
            result.deleted = done


def _fields(record: Any) -> Mapping[str, Any]:
    if isinstance(record, Mapping):
        return record
    return {k: getattr(record, k, None) for k in ("id_num", "name", "card_num")}


def _without_id(wire: dict[str, Any]) -> dict[str, Any]:
    """An insert: whatever ``id`` the source carried (an export's), the write path sends -1."""
    return {k: v for k, v in wire.items() if k != "id"}


async def send_batch(
    ctx: Context,
    spec: WriteSpec,
    items: list[Item],
    options: Mapping[str, bool],
    progress: _Progress,
) -> BatchResult:
    """One bulk write of ``items`` through the write path (per-record outcomes).

    The call is recorded in ``ctx.sent`` before it starts (see ``Context.sent``).
    """
    from ._write_api import bulk

    result = BatchResult()
    ctx.sent.append((result, items))
    await bulk(
        ctx.client,
        spec,
        [record for _, record in items],
        {
            **options,
            "validate_fails_batch": False,
            "on_progress": progress.phase(),
            "result": result,
        },
    )
    progress.end(result)
    return result


__all__ = ["ON_MISSING", "Context", "Kind", "default_max_removals", "plan_sync", "run_sync"]
