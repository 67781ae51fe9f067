"""Issue 24 item 1: the sync fast path plans exactly what full preparation plans.

A source record whose wire form is itself is held as the caller's dict (not a
copy), and an unchanged one is compared with its roster row as text, skipping
the field-by-field comparison. These properties hold the fast path to the full
one (every record's wire form compared field by field) on random rosters and
sources: unchanged people, changed ones, new ones, invalid records (and invalid
records of people who look unchanged), blanks, duplicates, values of every type.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockt_async._sync_results import SyncPlan
from lockt_async._validation import DuplicateTracker
from lockt_async._writes import WriteSpec, prepare_item
from lockt_async.converters import make_converter
from lockt_async.resources import _specs
from lockt_async.resources import _sync_plan as phases
from lockt_async.resources._sync import prepare_source
from lockt_async.resources._sync_base import Context, Kind, Prepared
from lockt_async.resources._sync_kinds import DOORS, FOBS, USERS

pytestmark = pytest.mark.anyio

CONV = make_converter("America/New_York")  # stateless for these tests: shared across examples
KINDS = {"users": USERS, "fobs": FOBS, "doors": DOORS}


#: Reproducible runs (the same examples every time), however slow an example is.
FIXED = settings(
    deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


text = st.text(alphabet="abAB09 -@.", max_size=8)
local_date = st.sampled_from(
    ["2024-01-01 00:00:00", "2025-06-30 12:30:00", "2023-13-01 00:00:00", "2024-01-01 0000000"]
)
read_date = st.sampled_from(
    ["", "2024-01-01T05:00:00Z", "2024-01-01 00:00:00", "2025-06-30T16:30:00.000Z", "soon"]
)
#: Any value a caller may put in a field: text of every shape, and other types.
anything = st.one_of(
    text,
    st.sampled_from(["", "  ", "5551234567", "555x1234", "-1", "a@example.com", "A@EXAMPLE.COM"]),
    local_date,
    read_date,
    st.integers(-2, 99999),
    st.booleans(),
    st.none(),
    st.lists(st.builds(lambda i: {"id": i}, st.integers(0, 4)), max_size=2),
)
#: Mostly the values a plain record has (text), sometimes anything.
mostly_text = st.one_of(text, text, local_date, st.sampled_from(["", "  ", "5551234"]), anything)


@st.composite
def plain_ish(draw: st.DrawFn, spec: WriteSpec) -> dict[str, Any]:
    """A record of the spec's fields (now and then an unknown one), mostly text."""
    names = draw(st.sets(st.sampled_from([*sorted(spec.fields), "nickname"]), max_size=8))
    return {name: draw(mostly_text) for name in sorted(names)}


def full(kind: Kind, source: list[Any]) -> Prepared:
    """The reference: every record through the write path's prepare_item."""
    spec = kind.source_spec or kind.spec
    tracker = DuplicateTracker(spec.duplicate_fields) if spec.duplicate_fields else None
    return Prepared.of(prepare_item(spec, CONV, record, tracker) for record in source)


def fake_client(required: str) -> Any:
    return SimpleNamespace(required_fields=required, record_limit=100, read_concurrency=10)


async def fast(kind: Kind, source: list[Any], required: str = "client") -> Prepared:
    ctx = Context(fake_client(required), CONV, {})
    return await prepare_source(kind, ctx, source)


def same_views(kind: Kind, source: list[Any], got: Prepared, want: Prepared) -> None:
    assert got.refusals == want.refusals
    for i, (view, wire) in enumerate(zip(got.views, want.views, strict=True)):
        if view is source[i] and wire is not None and "id" in wire and "id" not in view:
            view = {**view, "id": -1}  # the caller's own dict: its wire form but for id -1
        assert view == wire, i


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("name", sorted(KINDS))
@settings(FIXED, max_examples=60)
@given(data=st.data())
def test_prepare_source_equals_prepare_item(backend: str, name: str, data: st.DataObject) -> None:
    """Issue 24 item 1: each record's view and refusal (duplicates included) are what
    prepare_item gives, record by record."""
    kind = KINDS[name]
    spec = kind.source_spec or kind.spec
    source = data.draw(st.lists(plain_ish(spec), max_size=12))
    source += source[: data.draw(st.integers(0, 3))]  # duplicates of earlier records
    got = anyio.run(fast, kind, source, backend=backend)
    same_views(kind, source, got, full(kind, source))


# -- the whole plan ---------------------------------------------------------------------

ROW_FIELDS = ("first_name", "last_name", "email", "phone", "card_num", "custom1")


@st.composite
def roster(draw: st.DrawFn) -> list[dict[str, Any]]:
    """GET /user list rows: people, a fob holder, a row listed twice, a shared id_num."""
    rows: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 8))):
        row: dict[str, Any] = {"id": i + 1, "id_num": draw(st.sampled_from([f"E{i}", f" E{i} "]))}
        for field in ROW_FIELDS:
            row[field] = draw(st.one_of(valid, valid, text))
        row["email"] = draw(
            st.sampled_from([f"p{i}@example.com", f"p{i}@example.com", f"P{i}@Example.com", "bad"])
        )
        row["phone"] = draw(st.sampled_from(["5551234567", "555x1234", ""]))
        row["enabled"] = draw(st.sampled_from([True, False, "false", None]))
        row["access_effective"] = draw(st.one_of(st.just(""), read_date))
        row["accesslevels"] = draw(
            st.sampled_from([[], [{"unid": 1, "name": "L1"}], [{"unid": 2}, {"unid": 1}]])
        )
        if draw(st.booleans()):
            row["pin"] = "1234"  # as a per-id read shows it (the list does not)
        rows.append(row)
    if draw(st.booleans()):
        rows.append({"id": 90, "id_num": "", "name": "Fob 1"})  # a fob holder: never touched
    if rows and draw(st.booleans()):
        rows.append(dict(draw(st.sampled_from(rows))))  # one person listed twice
    if draw(st.sampled_from([False, False, True])):
        rows.append({"id": 91, "id_num": "E1", "first_name": "Twin"})  # two ids, one id_num
    return rows


#: Values every text field takes (first_name, phone, pin, card_num, custom1...).
valid = st.sampled_from(["1234", "5550001111", ""])
#: What a source changes: mostly a valid value, sometimes anything.
change = st.one_of(valid, st.sampled_from(["Renamed", "x"]), anything)

COPIED = ("id_num", *ROW_FIELDS, "access_effective", "enabled", "accesslevels")
SOURCE_FIELDS = (*COPIED, "pin", "pin", "custom1", "access_expires", "credential_key", "nickname")


@st.composite
def source_for(draw: st.DrawFn, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records of people in the roster (copied as read: unchanged, even when invalid;
    or changed), new people, and duplicates."""
    people = [r for r in rows if str(r.get("id_num", "")).strip()]
    out: list[dict[str, Any]] = []
    picked = st.lists(st.sampled_from(range(len(people))), unique=True) if people else st.just([])
    for row in [people[i] for i in draw(picked)]:
        fields = draw(st.sets(st.sampled_from(COPIED), min_size=1))
        rec = {f: row[f] for f in sorted(fields) if f in row}
        rec["id_num"] = draw(st.sampled_from([row["id_num"].strip(), row["id_num"]]))
        changes = draw(st.dictionaries(st.sampled_from(SOURCE_FIELDS), change, max_size=2))
        out.append({**rec, **changes})
    for j in range(draw(st.integers(0, 3))):
        rec = {"id_num": f"N{j}", "first_name": "New", "last_name": "Hire"}
        rec.update(email=f"n{j}@example.com", phone="5551234567", pin="1234")
        rec.update(draw(st.dictionaries(st.sampled_from(SOURCE_FIELDS), change, max_size=2)))
        out.append(rec)
    return out + out[: draw(st.sampled_from([0, 0, 1, 2]))]


def planned(prepared: Prepared, source: list[Any], rows: list[Any], opts: Any) -> Any:
    """Phases match to checks (the synchronous ones) on one preparation."""
    on_missing, replace, required = opts
    ctx = Context(fake_client(required), CONV, {"replace_privileges": replace})
    ctx.on_missing = on_missing
    plan = SyncPlan("users", "id_num", on_missing)
    m = phases.match(USERS, source, prepared, list(rows))
    phases.diff(USERS, ctx, m, source, prepared, plan)
    phases.removals(USERS, m, plan, on_missing, None, max_removal_percent=100)
    ctx.roster = m.roster
    chosen = phases.choose_route(USERS, ctx, plan, m, prepared)
    out = phases.checks(USERS, ctx, plan, m, prepared, source, chosen)
    failures = sorted((f.index, f.reason, f.messages) for f in m.failures)
    sent = (out.inserts, out.updates, out.removals, out.puts, out.removal_puts)
    return plan.to_dict(), failures, sent, [(f.index, f.messages) for f in out.removal_failures]


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(FIXED, max_examples=100)
@given(
    data=st.data(),
    opts=st.tuples(
        st.sampled_from(["keep", "disable", "delete"]),
        st.booleans(),
        st.sampled_from(["client", "server"]),
    ),
)
def test_plan_of_the_fast_path_equals_full_preparation(
    backend: str, data: st.DataObject, opts: Any
) -> None:
    """Issue 24 item 1: plan, refusals (an invalid record of a person who looks
    unchanged included) and the records sent are those of full preparation."""
    rows = data.draw(roster())
    source = data.draw(source_for(rows))
    got = planned(anyio.run(fast, USERS, source, opts[2], backend=backend), source, rows, opts)
    want = planned(full(USERS, source), source, rows, opts)
    assert got == want


async def test_an_unchanged_looking_invalid_record_is_still_refused() -> None:
    """Issue 24 item 1: a source row equal to Lockt's (email "bad", which the validation
    table refuses) is refused as before, never counted unchanged."""
    rows = [{"id": 1, "id_num": "E1", "first_name": "A", "last_name": "B", "email": "bad"}]
    source = [{"id_num": "E1", "first_name": "A", "email": "bad"}]
    prepared = await fast(USERS, source)
    plan, failures, _, _ = planned(prepared, source, rows, ("keep", True, "client"))
    assert plan["counts"]["unchanged"] == 0 and [f[0] for f in failures] == [0]
    assert prepared.views == [None], "refused before any comparison"


async def test_a_plain_unchanged_record_is_held_not_copied() -> None:
    """Issue 24 item 2: a record that is its own wire form is held, not copied per person."""
    source = [{"id_num": "E1", "first_name": "A", "last_name": "B"}, {"id_num": "E2", "pin": ""}]
    prepared = await fast(USERS, source)
    assert prepared.views[0] is source[0]
    assert prepared.views[1] == {"id_num": "E2", "id": -1}, "a blank is dropped: a new dict"


async def test_unchanged_rows_are_dropped_once_compared() -> None:
    """Issue 24 item 2: after the plan, only the rows of updates and removals are held."""
    rows = [{"id": i, "id_num": f"E{i}", "last_name": f"L{i}"} for i in (1, 2, 3)]
    source = [{"id_num": "E1", "last_name": "L1"}, {"id_num": "E2", "last_name": "New"}]
    prepared = await fast(USERS, source)
    ctx = Context(fake_client("client"), CONV, {})
    plan = SyncPlan("users", "id_num", "keep")
    m = phases.match(USERS, source, prepared, rows)
    phases.diff(USERS, ctx, m, source, prepared, plan)
    phases.removals(USERS, m, plan, "keep", None)
    assert list(m.matched) == [1] and list(m.roster) == [3] and m.claimed == {}
    assert plan.unchanged == [0] and [r.id for r in plan.missing] == [3]


def test_kinds_state_their_endpoint_as_class_keywords() -> None:
    """The kinds' names, paths, keys and specs (class keywords of Kind)."""
    got = [(k.name, k.path, k.keys, k.spec) for k in (USERS, FOBS, DOORS)]
    assert got == [
        ("users", "/user", ("id_num",), _specs.USERS_UPSERT),
        ("fobs", "/fob", ("name", "card_num"), _specs.FOBS_SYNC),
        ("doors", "/door", ("name",), _specs.DOORS_CREATE),
    ]
