"""Issue 22: the sync planner's phases (match, diff, removals, route, checks), one by one."""

from __future__ import annotations

from typing import Any

import pytest

from lockt_async import SyncPlan
from lockt_async.resources import _sync_plan as phases
from lockt_async.resources._sync_base import Context, Prepared
from lockt_async.resources._sync_kinds import USERS
from lockt_async.testing import Simulator

pytestmark = pytest.mark.anyio


def row(rid: int, id_num: str, **fields: Any) -> dict[str, Any]:
    """A GET /user list row (the list table: no pin)."""
    base = {"id": rid, "id_num": id_num, "first_name": "Ada", "last_name": f"L{rid}",
            "email": f"a{rid}@example.com", "phone": "5550001", "enabled": True}  # fmt: skip
    return {**base, **fields}


def wire(id_num: str, **fields: Any) -> tuple[dict[str, Any], list[str]]:
    return {"id_num": id_num, "first_name": "Ada", **fields}, []


def test_index_roster_collapses_a_row_listed_twice() -> None:
    """Point 4: a roster read repeating a row (same id, a paging overlap) is one object."""
    index, roster, unkeyed = phases.index_roster(
        ("id_num",), [row(1, "E1"), row(1, "E1"), row(2, "E2"), {"id": 3, "id_num": ""}]
    )
    assert list(roster) == [1, 2] and unkeyed == 1
    assert index["id_num"]["E1"] == 1


def test_match_repeated_row_is_one_match_not_an_ambiguity() -> None:
    """Point 4: one person listed twice is matched once; no "2 users carry" refusal."""
    m = phases.match(USERS, [{}], Prepared.of([wire("E1")]), [row(1, "E1"), row(1, "E1")])
    assert m.failures == [] and list(m.matched) == [0] and m.matched[0][1]["id"] == 1


def test_match_two_ids_with_one_key_stay_an_ambiguity() -> None:
    """Point 4: two ids with one id_num are refused, and both are claimed (never removed)."""
    m = phases.match(USERS, [{}], Prepared.of([wire("E1")]), [row(1, "E1"), row(2, "E1")])
    (failure,) = m.failures
    assert "2 users in Lockt carry 'E1' (ids 1, 2)" in failure.messages[0]
    assert m.claimed == {1: 0, 2: 0} and m.matched == {}


def test_match_places_each_record_once() -> None:
    """Point 4: a record is matched, new, or refused (a second claim on one object)."""
    source = [{}, {}, {}, {"id_num": "E9"}]
    prepared = Prepared.of(
        [wire("E1"), wire("E1"), wire("E5"), (None, ["Missing or blank last_name"])]
    )
    m = phases.match(USERS, source, prepared, [row(1, "E1"), row(9, "E9")])
    assert list(m.matched) == [0] and m.new == {2: "E5"}
    assert [f.index for f in m.failures] == [1, 3]
    assert m.claimed == {1: 0, 9: 3}, "an invalid record's person is not missing"


def test_removals_guard_and_already_disabled() -> None:
    """Removal guard: more than max_removals blocks all; a disabled user needs no write."""
    m = phases.Matching(roster={1: row(1, "E1"), 2: row(2, "E2", enabled=False)})
    plan = SyncPlan("users", "id_num", "disable")
    phases.removals(USERS, m, plan, "disable", 1)
    assert [r.id for r in plan.missing] == [1, 2] and [r.id for r in plan.removals] == [1]
    blocked = SyncPlan("users", "id_num", "delete")
    m = phases.Matching(roster={1: row(1, "E1"), 2: row(2, "E2", enabled=False)})
    phases.removals(USERS, m, blocked, "delete", 1)
    assert blocked.removals == [] and "2 users would be deleted" in (blocked.removals_blocked or "")


@pytest.mark.parametrize(
    ("n", "puttable", "expected"),
    [(1, 1, (2, 1)), (4, 4, (2, 4)), (1500, 500, (165, 610)), (3, 0, (2, 2))],
)
def test_estimate_in_round_trips(n: int, puttable: int, expected: tuple[float, float]) -> None:
    """Route model: reads 10 at a time + ceil(n/100) pages, vs one PUT per record."""
    assert phases.estimate(n, puttable, concurrency=10, limit=100) == expected


async def context(**options: Any) -> tuple[Context, Any]:
    client = Simulator().client()
    await client.__aenter__()
    ctx = Context(client, await client.converter(), {"replace_privileges": True})
    for name, value in options.items():
        setattr(ctx, name, value)
    return ctx, client


async def test_diff_blank_required_field_is_a_refusal_not_unchanged() -> None:
    """Point 4: first_name "" on an existing person is refused, never "unchanged"."""
    ctx, client = await context()
    source = [{"id_num": "E1", "first_name": "", "last_name": "L1"}]
    prepared = Prepared.of([({"id_num": "E1", "last_name": "L1"}, [])])  # blanks dropped
    m = phases.match(USERS, source, prepared, [row(1, "E1")])
    plan = SyncPlan("users", "id_num", "keep")
    phases.diff(USERS, ctx, m, source, prepared, plan)
    await client.aclose()
    (failure,) = m.failures
    assert "first_name blank in the source" in failure.messages[0]
    assert plan.unchanged == [] and plan.updates == []


async def test_diff_reports_compared_and_not_compared_fields() -> None:
    """Point 3: pin (not in the list table) is not compared; the plan says so and why."""
    ctx, client = await context()
    source = [{"id_num": "E1", "first_name": "Ada", "last_name": "L1", "pin": "1234"}]
    prepared = Prepared.of([(dict(source[0]), [])])
    m = phases.match(USERS, source, prepared, [row(1, "E1")])
    plan = SyncPlan("users", "id_num", "keep")
    phases.diff(USERS, ctx, m, source, prepared, plan)
    await client.aclose()
    assert plan.unchanged == [0] and plan.compared == ("first_name", "last_name")
    assert list(plan.not_compared) == ["pin"] and "does not return pin" in plan.not_compared["pin"]


@pytest.mark.parametrize(
    ("leavers", "route"), [(1, "put"), (2, "put"), (4, "read")], ids=["1", "2", "4"]
)
async def test_route_by_cost_for_leavers(leavers: int, route: str) -> None:
    """Point 2: a leaver or two go by PUT /user (one call each); more by reads + one page."""
    ctx, client = await context(on_missing="disable")
    rows = [row(i, f"E{i}") for i in range(1, 40)]
    source = [{"id_num": r["id_num"]} for r in rows[leavers:]]
    prepared = Prepared.of(({"id_num": r["id_num"]}, []) for r in rows[leavers:])
    m = phases.match(USERS, source, prepared, rows)
    plan = SyncPlan("users", "id_num", "disable")
    phases.diff(USERS, ctx, m, source, prepared, plan)
    phases.removals(USERS, m, plan, "disable", 5)
    ctx.roster = m.roster
    chosen = phases.choose_route(USERS, ctx, plan, m, prepared)
    out = phases.checks(USERS, ctx, plan, m, prepared, source, chosen)
    await client.aclose()
    assert plan.route.name == route and plan.route.fields == ("pin",)
    assert (plan.route.puts, plan.route.reads) == ((leavers, 0) if route == "put" else (0, leavers))
    if route == "put":
        assert next(rec for _, rec in out.removals) == {"id": 1, "enabled": False}


async def test_checks_refuse_an_update_the_route_cannot_complete() -> None:
    """Never a blank: a POST update whose pin no read returned is refused before sending."""
    ctx, client = await context(on_missing="keep", route="read")
    source = [{"id_num": "E1", "last_name": "New"}]
    prepared = Prepared.of([({"id_num": "E1", "last_name": "New"}, [])])
    m = phases.match(USERS, source, prepared, [row(1, "E1")])
    plan = SyncPlan("users", "id_num", "keep")
    phases.diff(USERS, ctx, m, source, prepared, plan)
    chosen = phases.choose_route(USERS, ctx, plan, m, prepared)
    out = phases.checks(USERS, ctx, plan, m, prepared, source, chosen)  # no read was made
    await client.aclose()
    assert plan.updates == [] and out.updates == []
    assert "pin not in the source" in m.failures[0].messages[0]


async def test_checks_refuse_an_insert_missing_a_required_field() -> None:
    """Point 4: plan.inserts never lists a record refused before sending (pin on INSERT)."""
    ctx, client = await context()
    source = [{"id_num": "E5", "first_name": "A", "last_name": "B"}]
    prepared = Prepared.of([({"id_num": "E5", "first_name": "A", "last_name": "B", "id": -1}, [])])
    m = phases.match(USERS, source, prepared, [])
    plan = SyncPlan("users", "id_num", "keep")
    phases.diff(USERS, ctx, m, source, prepared, plan)
    out = phases.checks(USERS, ctx, plan, m, prepared, source, {})
    await client.aclose()
    assert plan.inserts == [] and out.inserts == []
    assert "Missing or blank pin" in m.failures[0].messages


async def test_route_estimate_uses_the_clients_read_bound() -> None:
    """Point 2: with read_concurrency=1, reads cost one round trip each: 4 leavers go by PUT."""
    async with Simulator().client(read_concurrency=1) as client:
        ctx = Context(client, await client.converter(), {})
        ctx.on_missing = "disable"
        rows = [row(i, f"E{i}") for i in range(1, 40)]
        source = [{"id_num": r["id_num"]} for r in rows[4:]]
        prepared = Prepared.of(({"id_num": r["id_num"]}, []) for r in rows[4:])
        m = phases.match(USERS, source, prepared, rows)
        plan = SyncPlan("users", "id_num", "disable")
        phases.diff(USERS, ctx, m, source, prepared, plan)
        phases.removals(USERS, m, plan, "disable", 5)
        ctx.roster = m.roster
        phases.choose_route(USERS, ctx, plan, m, prepared)
    assert ctx.read_concurrency == 1
    assert (plan.route.name, plan.route.cost_read, plan.route.cost_put) == ("put", 5, 4)
