"""Sync: keep one kind of Lockt object equal to a system of record, run after run.

``users.sync(records)`` (and ``fobs.sync``, ``doors.sync``) reads the instance's
objects once, matches the caller's records to them on a natural key, plans, and
sends only what differs:

1. **Plan** (in phases, ``_sync_plan``: match, verify, diff, removals, route,
   enrich, checks). Each source record is converted and checked exactly as a write
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
   empty or cut source file cannot wipe an instance; ``max_removal_percent``
   adds a share of the keyed objects (both apply). A tripped guard names the plan
   id (``plan.plan_id``, a digest of exactly the held-back removals): after review,
   ``approve=PLAN_ID`` applies those removals, and only while the plan computed
   then still has that id. Removals also wait when the writes stopped early (a
   revoked key...).

5. **Server-held fields.** A record written needs every field the server requires
   on update; what neither the source nor the roster read holds (a user's ``pin``)
   comes by the plan's route (``SyncRoute``): per-id reads merged into the POST
   pages, ``PUT /user`` (only the changed fields), or the source's own value.

A sync is idempotent: run twice, the second sends no write. Killed at any
point and run again, it converges: what the first run applied reads back as
existing and is matched, never inserted twice.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

import anyio
import anyio.lowlevel
import attrs

from .._duplicates import refuse_duplicates
from .._field_map import OnInsert, check_field_map, check_on_insert, rename
from .._gcpause import PAUSE_ROWS, gc_paused
from .._results import Failure, FailureReason
from .._sync_results import SyncPlan, SyncResult
from .._telemetry import in_phase, phase
from .._writes import prepare_item
from ..errors import ConfigurationError, LocktError, RecordError
from . import _sync_plan as phases
from ._sync_base import ON_MISSING, Context, Kind, OnProgress, Prepared, Sent, Wire, _Progress
from ._sync_plan import DEFAULT_REMOVAL_SHARE, default_max_removals

if TYPE_CHECKING:
    from .._protocol import ResourceClient

ROUTES = ("auto", "read", "put")
UNLISTED = ("carry", "verify")


class SyncOptions(TypedDict, total=False):
    """The keyword arguments of ``users.sync``, ``fobs.sync`` and ``doors.sync``.

    ``on_missing``: what happens to objects in Lockt the source no longer has
    ("disable" is for users only). ``max_removals`` and ``max_removal_percent``: the
    removal guard, a count and a share of the keyed objects, both applying (with
    neither: 5%, at least 1). ``approve``: the ``plan_id`` of a reviewed plan whose
    removals the guard held back; applied only when the plan computed now has it.
    ``dry_run``: plan (and read) only. ``on_plan``: called with the plan before
    anything is sent. ``route`` (users): how records get
    the fields the server requires but the source and the list lack ("auto" by
    estimated cost, or "read" / "put"). ``unlisted`` (users): fields the list does
    not show (``pin``) are "carry" (not compared; sent with records written anyway)
    or "verify" (one ``GET /user?id=`` per matched record carrying one, compared).
    ``field_map``: the source's columns renamed to fields (``{"Employee Number":
    "id_num"}``). ``on_insert`` (users): fields for each planned insert (a new hire's
    ``pin``), filling only blank ones; the record is then checked as it will be sent.
    ``result``: a ``SyncResult`` filled in as the sync goes, so the caller of a
    cancelled sync reads what was done (``cancelled`` True; unsent records ``not_sent``).
    """

    on_missing: Literal["keep", "disable", "delete"]
    dry_run: bool
    max_removals: int | None
    max_removal_percent: float | None
    approve: str | None
    on_progress: OnProgress
    on_plan: Callable[[SyncPlan], None] | None
    route: Literal["auto", "read", "put"]
    unlisted: Literal["carry", "verify"]
    field_map: Mapping[str, str] | None
    on_insert: OnInsert | None
    result: SyncResult | None


def _choice(name: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ConfigurationError(f"{name} must be one of {shown}, got {value!r}")


def check_arguments(kind: Kind, options: Mapping[str, Any]) -> None:
    """Arguments are checked before any I/O (``ConfigurationError`` names the argument)."""
    on_missing = options.get("on_missing", "keep")
    if on_missing not in kind.removal_modes:
        raise ConfigurationError(
            f"on_missing must be one of {', '.join(repr(m) for m in kind.removal_modes)} "
            f"for {kind.name}, got {on_missing!r}"
        )
    max_removals = options.get("max_removals")
    if max_removals is not None and (
        not isinstance(max_removals, int) or isinstance(max_removals, bool) or max_removals < 0
    ):
        raise ConfigurationError(f"max_removals must be an int >= 0 or None, got {max_removals!r}")
    percent = options.get("max_removal_percent")
    if percent is not None and (
        not isinstance(percent, int | float) or isinstance(percent, bool) or not 0 <= percent <= 100
    ):
        raise ConfigurationError(
            f"max_removal_percent must be a number from 0 to 100 or None, got {percent!r}"
        )
    approve = options.get("approve")
    if approve is not None and (not isinstance(approve, str) or not approve.strip()):
        raise ConfigurationError(f"approve must be a plan id (a string) or None, got {approve!r}")
    _choice("route", options.get("route", "auto"), ROUTES if kind.has_routes else ("auto",))
    _choice(
        "unlisted", options.get("unlisted", "carry"), UNLISTED if kind.has_routes else ("carry",)
    )
    if not isinstance(options.get("dry_run", False), bool):
        raise ConfigurationError(f"dry_run must be True or False, got {options['dry_run']!r}")
    unexpected = sorted(set(options) - set(SyncOptions.__annotations__))
    if unexpected:
        raise TypeError(f"{kind.name}.sync() got an unexpected keyword argument {unexpected[0]!r}")
    check_field_map(options.get("field_map"), kind.spec.fields, f"{kind.name}.sync")
    if options.get("on_insert") is not None and not kind.has_routes:
        raise ConfigurationError(f"on_insert is for users.sync, not {kind.name}.sync")
    check_on_insert(options.get("on_insert"))
    result = options.get("result")
    if result is not None and not isinstance(result, SyncResult):
        raise ConfigurationError(f"result must be a SyncResult or None, got {result!r}")


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


async def prepare_source(kind: Kind, ctx: Context, source: Sequence[Any]) -> Prepared:
    """Each record converted and checked as a write would (``prepare_item``), in order.

    A record whose wire form is itself (but for ``id: -1``) is held as the caller's
    own dict, not a copy (a 100,000-row source: ~40 MB less), and ``diff`` can
    compare it as text. Runs while the roster read is in flight: it yields to the
    event loop every few hundred records, so the read's bytes keep arriving meanwhile.
    Values repeated within the source are found for the whole list at once, as the
    write path's list check does (``refuse_duplicates``): the same records refused,
    with the same messages, as one ``DuplicateTracker`` fed the valid ones in order.
    """
    spec = kind.source_spec or kind.spec
    out = Prepared()
    views, refusals = out.views, out.refusals
    conv = ctx.conv
    large = len(source) > PAUSE_ROWS
    for lo in range(0, len(source), _YIELD_EVERY):
        await anyio.lowlevel.checkpoint()
        # Each chunk is synchronous and makes a container or two per record, none in
        # a cycle: with the collector paused it runs once per chunk, not every few
        # hundred records over the whole heap (the roster's rows included).
        with gc_paused(large):
            for i, record in enumerate(source[lo : lo + _YIELD_EVERY], lo):
                wire, messages = prepare_item(spec, conv, record, None)
                if wire is None:
                    refusals[i] = messages
                elif type(record) is dict and is_own_wire(record, wire):
                    wire = record  # nothing in the planner writes to it; what is sent is new
                views.append(wire)
    if spec.duplicate_fields:
        await anyio.lowlevel.checkpoint()
        with gc_paused(large):
            _refuse_repeated(spec.duplicate_fields, out)
    return out


def _refuse_repeated(fields: tuple[str, ...], prepared: Prepared) -> None:
    """Refuse the valid views that repeat a value of ``fields`` (the tracker's rules)."""
    views, refusals = prepared.views, prepared.refusals
    valid: Sequence[int] = (
        range(len(views)) if not refusals else [i for i in range(len(views)) if i not in refusals]
    )
    # Only valid places are passed, and a valid place's view is a wire (never None).
    wire_at = cast("Callable[[int], Wire]", views.__getitem__)
    _, repeated = refuse_duplicates(fields, valid, wire_at)
    for i, messages in repeated:
        views[i] = None
        refusals[i] = messages


def is_own_wire(record: dict[str, Any], wire: Wire) -> bool:
    """``wire`` is ``record`` itself, value for value (the same objects), but for an
    ``id: -1`` that ``record`` lacks (nothing compares it)."""
    extra = len(wire) - len(record)
    if extra and (extra != 1 or "id" in record or wire.get("id") != -1):
        return False
    get = wire.get
    for k, v in record.items():  # noqa: SIM110 - a loop: half the cost of all(genexpr), per record
        if get(k, _ABSENT) is not v:
            return False
    return True


_ABSENT = object()
_YIELD_EVERY = 512


async def _read_and_prepare(
    kind: Kind, ctx: Context, source: Sequence[Any]
) -> tuple[list[Any], Prepared]:
    """The roster read, with the source converted and checked meanwhile (the read is
    mostly waiting)."""
    got: list[Any] = []
    read_errors: list[LocktError] = []

    async def read() -> None:
        try:
            got.append(await in_phase("sync.read", kind.read(ctx.client)))
        except LocktError as exc:  # raised below as itself, not inside a group
            read_errors.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(read)
        prepared = await prepare_source(kind, ctx, source)
    if read_errors:
        raise read_errors[0]
    return got[0], prepared


async def plan(
    kind: Kind, ctx: Context, source: Sequence[Any], prepared: Prepared, found: list[Any],
    max_removals: int | None, *, max_removal_percent: float | None = None,
    approve: str | None = None,
) -> tuple[SyncPlan, phases.Matching, phases.Outgoing, int]:  # fmt: skip
    """Every phase up to the records to send (the same in a dry run and a real run).

    Returns the plan, the matching (its ``failures``), what to send, and the reads made.
    ``found`` is emptied once indexed: from then on the planner holds each row only
    while it is needed (an unchanged person's row is dropped once compared).
    """
    plan = SyncPlan(kind=kind.name, key=" or ".join(kind.keys), on_missing=ctx.on_missing)
    large = len(found) + len(source) > PAUSE_ROWS
    # Planning allocates a container or two per record, none in a cycle: the
    # collector's scans would cost more than the plan (gc_paused's note).
    with gc_paused(large):
        m = phases.match(kind, source, prepared, found)
        found.clear()
    reads = 0
    if ctx.unlisted_mode == "verify":
        reads += await in_phase("sync.enrich", phases.verify(kind, ctx, m, source, prepared))
    with gc_paused(large):
        phases.diff(kind, ctx, m, source, prepared, plan)
        phases.removals(
            kind, m, plan, ctx.on_missing, max_removals,
            max_removal_percent=max_removal_percent, approve=approve,
        )  # fmt: skip
    ctx.roster = m.roster
    chosen = phases.choose_route(kind, ctx, plan, m, prepared)
    reads += await in_phase("sync.enrich", phases.enrich(kind, ctx, chosen))
    out = phases.checks(kind, ctx, plan, m, prepared, source, chosen)
    m.failures.sort(key=lambda f: f.index)
    return plan, m, out, reads


async def run_sync(
    kind: Kind,
    client: ResourceClient,
    records: Any,
    options: SyncOptions,
    wire_options: Mapping[str, bool],
) -> SyncResult:
    """Plan and (unless ``dry_run``) apply; see the module docstring."""
    check_arguments(kind, options)
    for name, value in wire_options.items():
        if not isinstance(value, bool):
            raise ConfigurationError(f"{name} must be True or False, got {value!r}")
    started = time.perf_counter()
    source = await _collect(records)
    fmap = check_field_map(options.get("field_map"), kind.spec.fields, f"{kind.name}.sync")
    if fmap:
        source = [rename(r, fmap) for r in source]
    ctx = Context(client, await client.converter(), wire_options)
    ctx.on_insert = options.get("on_insert")
    ctx.on_missing = options.get("on_missing", "keep")
    ctx.route = options.get("route", "auto")
    ctx.unlisted_mode = options.get("unlisted", "carry")
    found, prepared = await _read_and_prepare(kind, ctx, source)
    with phase("sync.plan"):
        the_plan, m, out, reads = await plan(
            kind, ctx, source, prepared, found, options.get("max_removals"),
            max_removal_percent=options.get("max_removal_percent"),
            approve=options.get("approve"),
        )  # fmt: skip
    del found, prepared  # a 100,000-row roster kept alive during the writes costs the collector
    result = options.get("result") or SyncResult(plan=the_plan)
    result.plan, result.failures = the_plan, m.failures
    result.dry_run = options.get("dry_run", False)
    result.unchanged = len(the_plan.unchanged)
    result.removals_skipped = the_plan.removals_blocked
    result.reads = reads
    result.removal_failures = list(out.removal_failures)
    on_plan = options.get("on_plan")
    if on_plan is not None:
        on_plan(the_plan)
    if not result.dry_run:
        try:
            await _apply(kind, ctx, out, source, result, options.get("on_progress"))
        except anyio.get_cancelled_exc_class():
            result.cancelled = True
            result.elapsed = time.perf_counter() - started
            raise
    result.elapsed = time.perf_counter() - started
    return result


async def _apply(
    kind: Kind,
    ctx: Context,
    out: phases.Outgoing,
    source: Sequence[Any],
    result: SyncResult,
    on_progress: OnProgress,
) -> None:
    """Send what the plan built: inserts and updates, then removals.

    Each write call is recorded as it starts (``ctx.sent``), so a cancelled sync
    still accounts for every planned record: what a call took has its outcome,
    what no call took is ``not_sent``, and removals not reached are skipped.
    """
    progress = _Progress(on_progress, len(out.inserts) + len(out.updates) + len(out.removals))
    inserting = {i for i, _ in out.inserts}
    planned = inserting | {i for i, _ in out.updates}
    ctx.sent = []
    try:
        if out.inserts or out.updates:
            await in_phase("sync.write", kind.write(ctx, out, progress))
    except anyio.get_cancelled_exc_class():
        _account_writes(result, ctx.sent, source, inserting, planned, interrupted=True)
        if out.removals:
            result.removals_skipped = "the sync was interrupted; nothing removed"
        raise
    stopped = _account_writes(result, ctx.sent, source, inserting, planned)
    result.puts = len(out.puts)
    if not out.removals:
        return
    if stopped is not None:
        result.removals_skipped = (
            f"the writes stopped early ({type(stopped).__name__}); nothing removed"
        )
        return
    result.puts += len(out.removal_puts)
    ctx.sent = []
    try:
        await in_phase("sync.removals", kind.remove(ctx, out, ctx.on_missing, progress))
    finally:  # interrupted or not: what was removed, and what was not
        _account_removals(result, ctx.sent, out, ctx.on_missing)


_INTERRUPTED = "not sent: the sync was interrupted"


def _account_writes(
    result: SyncResult,
    sent: Sent,
    source: Sequence[Any],
    inserting: set[int],
    planned: set[int],
    *,
    interrupted: bool = False,
) -> Exception | None:
    """Each planned write's outcome from the write calls made; returns what stopped them.

    A new fob's holder is a second write: one outcome per record. Interrupted, a
    record no call took is ``not_sent``.
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
    result: SyncResult,
    sent: Sent,
    out: phases.Outgoing,
    mode: str,
) -> None:
    """The removals' outcomes (items carry their position in ``plan.removals``)."""
    plan = result.plan
    failed: dict[int, Failure] = {}
    done: set[int] = set()
    for batch, items in sent:
        result.batches.append(batch)
        for f in batch.failures:
            pos = items[f.index][0]
            failed.setdefault(pos, attrs.evolve(f, index=pos, record=plan.removals[pos]))
        done.update(pos for pos, _ in items[: batch.total])
    for pos, _ in out.removals:
        if pos not in done and pos not in failed:
            failed[pos] = Failure(pos, plan.removals[pos], FailureReason.NOT_SENT, (_INTERRUPTED,))
    result.removal_failures = sorted(
        [*result.removal_failures, *failed.values()], key=lambda f: f.index
    )
    removed = len(done - set(failed))
    if mode == "disable":
        result.disabled = removed
    else:
        result.deleted = removed


__all__ = [
    "DEFAULT_REMOVAL_SHARE",
    "ON_MISSING",
    "Context",
    "Kind",
    "SyncOptions",
    "default_max_removals",
    "plan",
    "run_sync",
]
