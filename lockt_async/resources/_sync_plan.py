"""The sync planner in phases: match, diff, removals, route, enrich, checks.

Each phase is a small function over plain rows and dicts (decoded JSON rows, the
source's wire dicts), so a fast path can compare raw values before any model is
built:

1. ``match``: the roster's rows collapsed by ``id`` (one person listed twice, as a
   paging overlap shows, is one person; two ids with one key stay an ambiguity),
   indexed by key, and each source record placed: a row to compare with, an insert,
   or a refusal (invalid, ambiguous, a second claim on one object).
2. ``verify`` (async, opt-in ``unlisted="verify"``): per-id reads for matched
   records whose source carries a field the list does not show (``pin``), so that
   field is compared too.
3. ``diff``: each matched record compared with its row (only the fields the source
   supplies); a required field the source blanks is a refusal, not "unchanged".
4. ``removals``: the keyed rows no source record claimed, and the removal guard.
5. ``route``: how records to write get the server-held fields they lack (``SyncRoute``),
   chosen by estimated cost.
6. ``enrich`` (async): the per-id reads the route needs, only for records written.
7. ``checks``: every record to send built and checked as the write path will, so a
   dry run and a real run put each source record in the same one place.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .._field_map import fill_insert
from .._results import Failure, FailureReason
from .._sync_results import (
    IgnoredDifference,
    PlannedInsert,
    PlannedRemoval,
    PlannedUpdate,
    SyncPlan,
    SyncRoute,
)
from .._writes import prepare_item
from ._natural import read_each, row_id, row_key
from ._specs import pick
from ._sync_base import Context, Kind, Outgoing, Prepared, RowData, Wire

#: The default removal guard: this share of the keyed objects (at least one).
DEFAULT_REMOVAL_SHARE = 0.05

#: Per key field: key value -> the object id holding it (a list when several do).
Index = dict[str, dict[str, int | list[int]]]


@attrs.define(eq=False)
class Matching:
    """What ``match`` found."""

    #: Object id -> its row: each keyed object once (collapsed by id), in roster order.
    #: After ``removals`` only the rows still needed (updates and removals) are kept.
    roster: dict[int, RowData] = attrs.Factory(dict)
    unkeyed: int = 0
    #: Source index -> (key, row) for records matched to one object, in source order.
    #: After ``diff`` only the updates are kept: an unchanged person's row is dropped.
    matched: dict[int, tuple[str, RowData]] = attrs.Factory(dict)
    #: Source index -> key for records with no match (inserts), in source order.
    new: dict[int, str] = attrs.Factory(dict)
    failures: list[Failure] = attrs.Factory(list)
    #: Object id -> the source index that claimed it (a refused record claims too:
    #: a bad cell in the source must never disable or delete the person). Emptied by
    #: ``removals``, its last reader.
    claimed: dict[int, int] = attrs.Factory(dict)


def index_roster(
    keys: Sequence[str], found: Sequence[Any]
) -> tuple[Index, dict[int, RowData], int]:
    """Object ids by key value per key field, the keyed rows by id, and the count
    without a key.

    A row whose ``id`` was already seen is skipped: one object listed twice is one
    object. Two ids with one key value are both listed (an ambiguity ``match`` refuses).
    """
    index: Index = {k: {} for k in keys}
    roster: dict[int, RowData] = {}
    seen_unkeyed: set[int] = set()
    unkeyed = 0
    for row in found:
        # row_id and row_key, their common case inline: this runs once per roster row.
        rid = row.get("id") if type(row) is dict else None
        if type(rid) is not int or rid <= 0:
            rid = row_id(row)
            if rid is None:
                unkeyed += 1
                continue
        if rid in roster or rid in seen_unkeyed:
            continue
        keyed = False
        for k in keys:
            value = row.get(k) if type(row) is dict else None
            value = (value.strip() or None) if type(value) is str else row_key(row, k)
            if value is None:
                continue
            keyed = True
            ids = index[k]
            held = ids.setdefault(value, rid)
            if held is not rid:
                if isinstance(held, list):
                    held.append(rid)
                else:
                    ids[value] = [held, rid]
        if keyed:
            roster[rid] = row
        else:
            unkeyed += 1
            seen_unkeyed.add(rid)
    return index, roster, unkeyed


def first_key(keys: Sequence[str], row: RowData) -> str:
    """The row's first key value (what a removal is listed by)."""
    for k in keys:
        value = row_key(row, k)
        if value is not None:
            return value
    return ""


def _refuse(m: Matching, i: int, record: Any, message: str) -> None:
    m.failures.append(Failure(i, record, FailureReason.INVALID, (message,)))


def match(kind: Kind, source: Sequence[Any], prepared: Prepared, found: Sequence[Any]) -> Matching:
    """Phase 1: place each source record (see the module docstring)."""
    index, roster, unkeyed = index_roster(kind.keys, found)
    m = Matching(roster=roster, unkeyed=unkeyed)
    keys, claimed, matched, refusals = kind.keys, m.claimed, m.matched, prepared.refusals
    single = index[keys[0]] if len(keys) == 1 else None
    for i, wire in enumerate(prepared.views):
        if wire is None:
            m.failures.append(Failure(i, source[i], FailureReason.INVALID, tuple(refusals[i])))
            _claim_invalid(m, index, keys, i, source[i])
            continue
        if single is not None:  # one key field (users, doors): the common case, inline
            key = wire.get(keys[0])
            key = (key.strip() if type(key) is str else row_key(wire, keys[0])) or ""
            hit = single.get(key) if key else None
        else:
            key, hit = _lookup(index, keys, wire)
        if hit is None:
            m.new[i] = key
        elif isinstance(hit, list):
            ids = ", ".join(str(rid) for rid in hit)
            msg = f"not sent: {len(hit)} {kind.name} in Lockt carry {key!r} (ids {ids})"
            _refuse(m, i, source[i], msg)
            for rid in hit:
                claimed.setdefault(rid, i)
        elif hit in claimed:
            msg = f"not sent: it matches the object in Lockt (id {hit}) of record {claimed[hit]}"
            _refuse(m, i, source[i], msg)
        else:
            claimed[hit] = i
            matched[i] = (key, roster[hit])
    return m


def _lookup(index: Index, keys: Sequence[str], wire: Mapping[str, Any]) -> tuple[str, Any]:
    """The record's key (the first key field that matches, else its first key) and hit."""
    key = ""
    for k in keys:
        value = row_key(wire, k)
        if value is not None:
            key = key or value
            hit = index[k].get(value)
            if hit is not None:
                return value, hit
    return key, None


def _claim_invalid(m: Matching, index: Index, keys: Sequence[str], i: int, record: Any) -> None:
    """An invalid record's object in Lockt (if its key is readable) is not "missing":
    a bad cell in the source must never disable or delete the person."""
    fields = _fields(record, keys)
    for k in keys:
        value = row_key(fields, k)
        hit = index[k].get(value) if value is not None else None
        for rid in hit if isinstance(hit, list) else () if hit is None else (hit,):
            m.claimed.setdefault(rid, i)


def _fields(record: Any, keys: Sequence[str]) -> Mapping[str, Any]:
    if isinstance(record, Mapping):
        return record
    return {k: getattr(record, k, None) for k in keys}


def unlisted_targets(ctx: Context, m: Matching, prepared: Prepared) -> list[int]:
    """Matched records whose source carries a field their list row does not show."""
    out = []
    views = prepared.views
    for i, (_, row) in m.matched.items():
        wire = views[i] or {}
        if any(f not in row for f in wire if f != "id"):
            out.append(i)
    return out


async def verify(
    kind: Kind, ctx: Context, m: Matching, source: Sequence[Any], prepared: Prepared
) -> int:
    """Phase 2 (``unlisted="verify"``): per-id reads so unlisted fields are compared.

    Returns the number of reads made. A record whose object the read no longer finds
    is refused (it was removed meanwhile).
    """
    targets = unlisted_targets(ctx, m, prepared)
    rows = await fetch_rows(kind, ctx, [row_id(m.matched[i][1]) or 0 for i in targets])
    for i in targets:
        key, row = m.matched[i]
        full = rows.get(row_id(row) or 0)
        if full is None:
            del m.matched[i]
            _refuse(m, i, source[i], f"not sent: GET {kind.path}?id={row_id(row)} found no object")
        else:
            m.matched[i] = (key, {**row, **full})
    return len(targets)


async def fetch_rows(kind: Kind, ctx: Context, ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
    """One ``GET path?id=`` per id (concurrent, under the client's read bound)."""
    found = await read_each(ctx.client, kind.path, "id", [str(i) for i in ids])
    out: dict[int, Mapping[str, Any]] = {}
    for key, got in found.items():
        if len(got) == 1 and isinstance(got[0], Mapping):
            out[int(key)] = got[0]
            ctx.fetched[int(key)] = got[0]
    return out


def diff(
    kind: Kind, ctx: Context, m: Matching, source: Sequence[Any], prepared: Prepared, plan: SyncPlan
) -> None:
    """Phase 3: updates, unchanged and ignored differences; blank required fields refused.

    Afterwards ``m.matched`` holds the updates only: an unchanged person's row is not
    needed again (``removals`` drops it from ``m.roster`` too).
    """
    supplied: set[str] = set()
    views, compare, blanked, same_text = prepared.views, kind.compare, kind.blanked, kind.same_text
    updates: dict[int, tuple[str, RowData]] = {}
    for i, (key, row) in m.matched.items():
        wire: Wire = views[i] or {}
        supplied.update(wire)
        record = source[i]
        if wire is record and same_text(ctx, wire, row):  # an unchanged plain record
            plan.unchanged.append(i)
            continue
        blank = blanked(record, row)
        if blank:
            _refuse(
                m, i, record,
                f"not sent: {', '.join(blank)} blank in the source, Lockt holds a value; an "
                f"update cannot blank a required field (validation table: Missing or blank)",
            )  # fmt: skip
            continue
        changes, ignored = compare(ctx, wire, row)
        for change, reason in ignored:
            plan.ignored.append(IgnoredDifference(i, key, change, reason))
        if changes:
            plan.updates.append(PlannedUpdate(i, key, row_id(row) or 0, tuple(changes)))
            updates[i] = (key, row)
        else:
            plan.unchanged.append(i)
    m.matched = updates
    plan.inserts = [PlannedInsert(i, key) for i, key in m.new.items()]
    supplied -= {"id", *kind.keys}
    plan.not_compared = {f: kind.unlisted_reason(f) for f in sorted(ctx.unlisted & supplied)}
    plan.compared = tuple(sorted(supplied - ctx.unlisted))


def removals(
    kind: Kind,
    m: Matching,
    plan: SyncPlan,
    on_missing: str,
    max_removals: int | None,
    *,
    max_removal_percent: float | None = None,
    approve: str | None = None,
) -> None:
    """Phase 4: the keyed objects no source record claimed, and the removal guard.

    The guard's limit is the smaller of ``max_removals`` (a count) and
    ``max_removal_percent`` of the keyed objects (never below ``REMOVAL_FLOOR``, so
    a small roster can still lose one person); with neither given, 5%. Over it,
    nothing is removed: ``removals_blocked`` says so loudly, ``held_back`` lists
    the objects and ``plan_id`` (a digest of exactly those removals) is what
    ``approve`` must name to apply them. An ``approve`` that is not this plan's id
    (the source or Lockt changed since the review) removes nothing.
    """
    claimed = m.claimed
    for rid, row in m.roster.items():
        if rid not in claimed:
            name = row.get("name")
            key = first_key(kind.keys, row)
            plan.missing.append(
                PlannedRemoval(rid, key, name if isinstance(name, str) else None, kind.enabled(row))
            )
    plan.keyed, plan.unkeyed = len(m.roster), m.unkeyed
    keyed = len(m.roster)
    # Only the rows of objects missing from the source are needed again (removals).
    m.roster = {r.id: m.roster[r.id] for r in plan.missing}
    m.claimed = {}
    if max_removals is None and max_removal_percent is None:
        max_removal_percent = DEFAULT_REMOVAL_SHARE * 100
    limits = [] if max_removals is None else [max_removals]
    if max_removal_percent is not None:
        limits.append(percent_limit(keyed, max_removal_percent))
    plan.max_removals = min(limits)
    plan.max_removal_percent = max_removal_percent
    if on_missing == "keep":
        return
    # an object already disabled needs no write
    todo = [x for x in plan.missing if on_missing == "delete" or x.enabled is not False]
    if not todo:
        return
    plan.plan_id = removals_id(kind.name, on_missing, todo)
    what = f"{len(todo)} {kind.name} would be {on_missing}d"
    if approve is not None and approve != plan.plan_id:
        plan.held_back = todo
        plan.removals_blocked = (
            f"{what}, but approve={approve!r} is not this plan's id ({plan.plan_id}): the "
            "source or Lockt changed since that plan was reviewed; nothing removed. Review "
            f"this plan (a dry run) and approve its id."
        )
    elif approve is None and len(todo) > plan.max_removals:
        plan.held_back = todo
        detail = _guard_detail(keyed, max_removals, max_removal_percent, plan.max_removals)
        plan.removals_blocked = (
            f"{what}, more than the removal guard's limit of {plan.max_removals} ({detail}); "
            f"nothing removed. Plan id {plan.plan_id}: check the source is complete, then "
            f"apply exactly these removals with approve={plan.plan_id!r}."
        )
    else:
        plan.removals = todo
        plan.approved = approve is not None


def _guard_detail(keyed: int, count: int | None, percent: float | None, limit: int) -> str:
    """How the guard's limit was reached, in the arguments' names."""
    if percent is None:
        return f"max_removals={count}, of {keyed} keyed in Lockt"
    share = f"{percent:g}% of {keyed} keyed in Lockt, at least {REMOVAL_FLOOR}"
    if count is None and percent == DEFAULT_REMOVAL_SHARE * 100:
        return f"max_removals={limit} by default: {share}"
    if count is None:
        return f"max_removal_percent={percent:g}: {share}"
    return f"max_removals={count} and max_removal_percent={percent:g} ({share}): the smaller"


#: The percentage limit never drops below this many objects (a roster of 10 at 5%).
REMOVAL_FLOOR = 1


def percent_limit(keyed: int, percent: float) -> int:
    """``percent`` of ``keyed`` objects, rounded down, at least ``REMOVAL_FLOOR``."""
    return max(REMOVAL_FLOOR, math.floor(keyed * percent / 100))


def removals_id(kind: str, mode: str, todo: Sequence[PlannedRemoval]) -> str:
    """The plan id: a digest of exactly which objects would be removed, and how.

    The same source against the same instance gives the same id; one more or one
    fewer removal, or disable instead of delete, gives another.
    """
    text = json.dumps([kind, mode, sorted([r.id, r.key] for r in todo)], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def default_max_removals(keyed: int) -> int:
    """5% of the keyed objects, at least 1."""
    return max(1, int(keyed * DEFAULT_REMOVAL_SHARE))


def estimate(n: int, puttable: int, concurrency: int, limit: int) -> tuple[float, float]:
    """Round trips to give ``n`` records their server-held fields: all by per-id reads
    merged into POST pages, or ``PUT`` for the ``puttable`` ones and reads for the rest.

    The model: a read and a write each cost one round trip; reads run ``concurrency``
    at a time, writes one at a time; read-route records add ``ceil(n / limit)`` pages.
    """

    def by_read(k: int) -> float:
        return math.ceil(k / concurrency) + math.ceil(k / limit) if k else 0.0

    return by_read(n), puttable + by_read(n - puttable)


def choose_route(
    kind: Kind, ctx: Context, plan: SyncPlan, m: Matching, prepared: Prepared
) -> dict[int, bool]:
    """Phase 5: per object id needing a server-held field, True when it goes by ``PUT``.

    Sets ``plan.route``. A record whose source supplies the field needs nothing.
    """
    needs: dict[int, bool] = {}  # object id -> can go by PUT
    fields: set[str] = set()
    for u in plan.updates:
        held = kind.server_held(prepared.views[u.index], m.matched[u.index][1])
        if held:
            fields.update(held)
            needs[u.id] = kind.puttable([c.field for c in u.changes])
    if ctx.on_missing == "disable":
        for r in plan.removals:
            held = kind.server_held(None, ctx.roster[r.id])
            if held:
                fields.update(held)
                needs[r.id] = kind.puttable(["enabled"])
    if not needs:
        return {}
    n, puttable = len(needs), sum(needs.values())
    cost_read, cost_put = estimate(n, puttable, ctx.read_concurrency, ctx.client.record_limit)
    mode = ctx.route
    use_put = puttable > 0 and (mode == "put" or (mode == "auto" and cost_put <= cost_read))
    chosen = {rid: use_put and ok for rid, ok in needs.items()}
    puts = sum(chosen.values())
    name = ("read+put" if puts < n else "put") if puts else "read"
    why = "forced by route=" + repr(mode) if mode != "auto" else (
        f"estimated {cost_put:g} round trips with PUT vs {cost_read:g} by reads"
    )  # fmt: skip
    plan.route = SyncRoute(name, tuple(sorted(fields)), n - puts, puts, cost_read, cost_put, why)
    return chosen


async def enrich(kind: Kind, ctx: Context, chosen: Mapping[int, bool]) -> int:
    """Phase 6: the per-id reads of the objects that go by read (not already read)."""
    ids = [rid for rid, put in chosen.items() if not put and rid not in ctx.fetched]
    await fetch_rows(kind, ctx, ids)
    return len(ids)


def checks(
    kind: Kind,
    ctx: Context,
    plan: SyncPlan,
    m: Matching,
    prepared: Prepared,
    source: Sequence[Any],
    chosen: Mapping[int, bool],
) -> Outgoing:
    """Phase 7: build and check every record to send; refusals leave the plan's lists."""
    out = Outgoing()
    strict = pick(ctx.client, kind.spec) if kind.source_spec is not None else None
    inserts = []
    for p in plan.inserts:
        rec = {k: v for k, v in (prepared.views[p.index] or {}).items() if k != "id"}
        if ctx.on_insert is not None:
            # A new hire's pin: the hook fills blank fields; the record is then checked as
            # it will be sent, so the dry run refuses exactly what the real run would.
            rec, messages = _with_insert_hook(kind, ctx, rec)
        else:
            messages = []
        messages = messages or (strict.check(rec) if strict is not None else [])
        if messages:
            m.failures.append(
                Failure(p.index, source[p.index], FailureReason.INVALID, tuple(messages))
            )
        else:
            inserts.append(p)
            out.inserts.append((p.index, rec))
    plan.inserts = inserts
    updates = []
    for u in plan.updates:
        put = chosen.get(u.id, False)
        rec, messages = kind.outgoing_update(
            ctx, prepared.views[u.index] or {}, m.matched[u.index][1], list(u.changes), put=put
        )
        if messages:
            m.failures.append(
                Failure(u.index, source[u.index], FailureReason.INVALID, tuple(messages))
            )
            continue
        updates.append(u)
        out.updates.append((u.index, rec))
        if put:
            out.puts.add(u.index)
    plan.updates = updates
    for pos, r in enumerate(plan.removals):
        put = chosen.get(r.id, False)
        rec, messages = kind.outgoing_removal(ctx, ctx.roster[r.id], ctx.on_missing, put=put)
        if messages:
            out.removal_failures.append(Failure(pos, r, FailureReason.INVALID, tuple(messages)))
            continue
        out.removals.append((pos, rec))
        if put:
            out.removal_puts.add(pos)
    return out


def _with_insert_hook(
    kind: Kind, ctx: Context, rec: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """``rec`` with the insert hook's fields, converted as the write will (its messages)."""
    assert ctx.on_insert is not None
    filled = fill_insert(rec, ctx.on_insert)
    if filled is rec:
        return rec, []
    wire, messages = prepare_item(pick(ctx.client, kind.spec), ctx.conv, filled, None)
    return (filled if wire is None else wire), messages


__all__ = [
    "Matching",
    "Outgoing",
    "checks",
    "choose_route",
    "default_max_removals",
    "diff",
    "enrich",
    "estimate",
    "first_key",
    "index_roster",
    "match",
    "removals",
    "verify",
]
