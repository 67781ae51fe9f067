"""Issue 23 point 3: the removal guard (a count and a percentage) and approving one plan."""

from __future__ import annotations

from typing import Any

import pytest

from lockt_async import ConfigurationError, SyncResult
from lockt_async.testing import Simulator
from tests.support import users

pytestmark = pytest.mark.anyio


async def roster(n: int) -> Simulator:
    sim = Simulator()
    async with sim.client() as lockt:
        assert (await lockt.users.upsert(users(n))).ok
    return sim


async def sync(sim: Simulator, source: list[dict[str, Any]], **options: Any) -> SyncResult:
    async with sim.client() as lockt:
        result: SyncResult = await lockt.users.sync(source, on_missing="delete", **options)
        return result


async def test_count_and_percentage_both_apply() -> None:
    """Guard: the smaller of max_removals and max_removal_percent of the keyed objects."""
    sim = await roster(40)
    src = users(40)[:30]  # 10 leavers of 40 = 25%
    by_count = await sync(sim, src, max_removals=5, dry_run=True)
    by_share = await sync(sim, src, max_removal_percent=20, dry_run=True)
    both = await sync(sim, src, max_removals=50, max_removal_percent=20, dry_run=True)
    allowed = await sync(sim, src, max_removals=10, max_removal_percent=25, dry_run=True)
    assert (by_count.plan.max_removals, by_share.plan.max_removals) == (5, 8)
    assert both.plan.max_removals == 8 and both.plan.removals_blocked
    assert "max_removals=50 and max_removal_percent=20" in (both.plan.removals_blocked or "")
    assert not allowed.plan.removals_blocked and len(allowed.plan.removals) == 10


async def test_small_roster_has_a_floor_of_one() -> None:
    """Guard: 5% of 10 is 0, but one leaver of a small roster may still go (the floor)."""
    sim = await roster(10)
    one = await sync(sim, users(10)[1:], max_removal_percent=5)
    assert one.deleted == 1 and one.plan.max_removals == 1


async def test_tripped_guard_names_the_plan_and_approve_applies_exactly_it() -> None:
    """Guard: blocked plan says its id and what it held; approve=id removes exactly those."""
    sim = await roster(20)
    src = users(20)[:12]
    dry = await sync(sim, src, dry_run=True)
    plan_id = dry.plan.plan_id
    assert plan_id and dry.plan.removals_blocked and plan_id in dry.plan.removals_blocked
    assert f"approve={plan_id!r}" in dry.plan.removals_blocked
    held = sorted(r.key for r in dry.plan.held_back)
    assert held == [f"EMP{i:06d}" for i in range(12, 20)] and dry.plan.removals == []
    blocked = await sync(sim, src)
    assert (blocked.deleted, blocked.plan.plan_id, len(sim.users)) == (0, plan_id, 20)
    approved = await sync(sim, src, approve=plan_id)
    assert approved.deleted == 8 and approved.plan.approved and approved.ok
    assert sorted(u["id_num"] for u in sim.users.values()) == [f"EMP{i:06d}" for i in range(12)]


async def test_stale_approval_removes_nothing() -> None:
    """Guard: the source changed after review: the id differs and nothing is removed."""
    sim = await roster(20)
    plan_id = (await sync(sim, users(20)[:12], dry_run=True)).plan.plan_id
    changed = await sync(sim, users(20)[:11], approve=plan_id)  # one more leaver now
    assert changed.deleted == 0 and len(sim.users) == 20
    assert changed.plan.plan_id != plan_id
    assert "is not this plan's id" in (changed.plan.removals_blocked or "")
    assert len(changed.plan.held_back) == 9


async def test_plan_id_is_stable_and_depends_on_the_mode() -> None:
    """Guard: the same source gives the same id; delete and disable are different plans."""
    sim = await roster(20)
    a = await sync(sim, users(20)[:12], dry_run=True)
    b = await sync(sim, users(20)[:12], dry_run=True)
    async with sim.client() as lockt:
        c = await lockt.users.sync(users(20)[:12], on_missing="disable", dry_run=True)
    assert a.plan.plan_id == b.plan.plan_id != c.plan.plan_id


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [("max_removal_percent", 120, "max_removal_percent"), ("max_removal_percent", True,
     "max_removal_percent"), ("approve", 12, "approve"), ("approve", " ", "approve")],
)  # fmt: skip
async def test_guard_arguments_are_checked(option: str, value: object, named: str) -> None:
    """Guard: a bad max_removal_percent or approve is a ConfigurationError naming it."""
    sim = Simulator()
    with pytest.raises(ConfigurationError, match=named):
        await sync(sim, [], **{option: value})
