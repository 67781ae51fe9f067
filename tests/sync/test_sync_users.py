"""Issue 11 point 2: ``users.sync`` keeps Lockt equal to a system of record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lockt_async import ConfigurationError, FieldChange, Progress, RecordError, SyncResult
from lockt_async.testing import Simulator
from tests.support import user_record, users

pytestmark = pytest.mark.anyio


def writes(sim: Simulator) -> list[str]:
    return [e.method for e in sim.journal.entries if e.method in ("POST", "PUT", "DELETE")]


def by_id_num(sim: Simulator) -> dict[str, dict[str, Any]]:
    return {u["id_num"]: u for u in sim.users.values() if u["id_num"]}


def source() -> list[dict[str, Any]]:
    """Users 0-7 of the ten in Lockt (2 changed), plus two new ones (10, 11)."""
    src = users(8)
    src[2] = {**src[2], "last_name": "Changed"}
    src[5] = {**src[5], "phone": "5550000000"}
    return src + users(2, start=10)


async def synced(sim: Simulator, records: Any, **kw: Any) -> SyncResult:
    async with sim.client() as lockt:
        return await lockt.users.sync(records, **kw)


async def seeded_ten() -> Simulator:
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert(users(10))
    sim.journal.clear()
    return sim


async def test_dry_run_plans_and_sends_nothing() -> None:
    """Point 2: the plan lists inserts, updates with before/after, unchanged, missing; no write."""
    sim = await seeded_ten()
    result = await synced(sim, source(), dry_run=True, on_missing="delete", max_removals=5)
    plan = result.plan
    assert writes(sim) == []
    assert [(p.index, p.key) for p in plan.inserts] == [(8, "EMP000010"), (9, "EMP000011")]
    assert [(u.index, u.key, u.changes) for u in plan.updates] == [
        (2, "EMP000002", (FieldChange("last_name", "Lovelace2", "Changed"),)),
        (5, "EMP000005", (FieldChange("phone", "5551234567", "5550000000"),)),
    ]
    assert plan.unchanged == [0, 1, 3, 4, 6, 7]
    assert sorted(m.key for m in plan.missing) == ["EMP000008", "EMP000009"]
    assert plan.removals == plan.missing and plan.removals_blocked is None
    assert (result.dry_run, result.inserted, result.deleted) == (True, 0, 0)
    assert plan.to_dict()["counts"]["updates"] == 2


async def test_apply_then_second_sync_sends_no_write() -> None:
    """Point 2: sync applies the plan; an immediate second sync of the source sends no write."""
    sim = await seeded_ten()
    first = await synced(sim, source(), on_missing="delete", max_removals=2)
    assert (first.inserted, first.updated, first.unchanged, first.deleted) == (2, 2, 6, 2)
    assert first.ok and first.failures == []
    held = by_id_num(sim)
    assert sorted(held) == sorted(r["id_num"] for r in source())
    assert held["EMP000002"]["last_name"] == "Changed"
    assert held["EMP000005"]["phone"] == "5550000000"
    sim.journal.clear()
    second = await synced(sim, source(), on_missing="delete", max_removals=2)
    assert writes(sim) == []
    assert (second.unchanged, second.plan.writes, second.requests) == (10, 0, 0)


async def test_fields_left_out_keep_their_values() -> None:
    """Point 2: only supplied fields are compared, and an update keeps the fields left out."""
    sim = await seeded_ten()
    slim = [
        {"id_num": r["id_num"], "first_name": "Ada", "last_name": r["last_name"]} for r in users(10)
    ]
    slim[4]["last_name"] = "Byron"
    result = await synced(sim, slim)
    assert [u.index for u in result.plan.updates] == [4]
    stored = by_id_num(sim)["EMP000004"]
    expected = user_record(4)
    assert (stored["last_name"], stored["email"], stored["pin"], stored["phone"]) == (
        "Byron",
        expected["email"],
        expected["pin"],
        expected["phone"],
    )
    assert sim.instance.user_credentials(stored["id"])[0]["card_num"] == expected["card_num"]


async def test_dates_compare_as_instants_in_the_instance_zone() -> None:
    """Point 2: an aware UTC datetime equal to the stored local wall time is unchanged."""
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert([user_record(1, access_expires="2030-01-06 08:00:00")])
    sim.journal.clear()
    same = user_record(1, access_expires=datetime(2030, 1, 6, 13, 0, tzinfo=UTC))
    result = await synced(sim, [same])
    assert result.plan.unchanged == [0] and writes(sim) == []
    later = user_record(1, access_expires=datetime(2030, 1, 6, 14, 0, tzinfo=UTC))
    moved = await synced(sim, [later])
    assert moved.plan.updates[0].changes == (
        FieldChange("access_expires", "2030-01-06 08:00:00", "2030-01-06 09:00:00"),
    )


async def test_card_of_a_user_who_has_one_is_ignored_not_resent() -> None:
    """Point 2 / behaviour table card_num: an update ignores it when the user has a card."""
    sim = Simulator()
    async with sim.client() as lockt:
        await lockt.users.upsert([user_record(1), user_record(2, card_num="")])
    sim.journal.clear()
    src = [user_record(1, card_num="777001"), user_record(2, card_num="777002")]
    first = await synced(sim, src)
    (ignored,) = first.plan.ignored
    assert (ignored.index, ignored.change.field, ignored.change.after) == (0, "card_num", "777001")
    assert [u.index for u in first.plan.updates] == [1]
    assert "777002" in sim.instance.cred_by_card and "777001" not in sim.instance.cred_by_card
    sim.journal.clear()
    second = await synced(sim, src)
    assert writes(sim) == [] and second.plan.unchanged == [0, 1]


async def test_access_levels_compare_as_sets() -> None:
    """Point 2: access levels are a set; replace_privileges=False differs only on a new level."""
    sim = Simulator(seed=True)
    rec = user_record(1, accesslevels=[{"id": 208}, {"id": 364}])
    async with sim.client() as lockt:
        await lockt.users.upsert([rec])
    sim.journal.clear()
    reordered = user_record(1, accesslevels=[{"id": 364}, {"id": 208}])
    assert (await synced(sim, [reordered])).plan.unchanged == [0]
    subset = user_record(1, accesslevels=[{"id": 364}])
    assert (await synced(sim, [subset], replace_privileges=False, dry_run=True)).plan.unchanged
    plan = (await synced(sim, [subset], dry_run=True)).plan
    assert plan.updates[0].changes == (FieldChange("accesslevels", [208, 364], [364]),)
    assert writes(sim) == []


async def test_rows_without_id_num_are_never_touched() -> None:
    """Point 2 / GET /user example: fob-holder rows (no id_num) are never matched or removed."""
    sim = Simulator(seed=True)
    holder = sim.add_fob_holder("Lobby fob", card_num="55501")
    holder["enabled"] = True
    unkeyed = {uid for uid, u in sim.users.items() if not u["id_num"]}
    result = await synced(sim, [], on_missing="delete", max_removals=10)
    assert result.deleted == 1  # the seeded person with an id_num (329359)
    assert result.plan.unkeyed == len(unkeyed)
    assert set(sim.users) == unkeyed
    disabled = await synced(sim, [], on_missing="disable", max_removals=10)
    assert disabled.plan.missing == [] and holder["enabled"] is True


async def test_disable_missing_then_nothing_more() -> None:
    """Point 2: on_missing=disable sets enabled=false; a disabled user needs no further write."""
    sim = await seeded_ten()
    result = await synced(sim, users(8), on_missing="disable", max_removals=2)
    assert result.disabled == 2
    held = by_id_num(sim)
    assert [held[f"EMP00000{i}"]["enabled"] for i in (7, 8, 9)] == [True, False, False]
    assert held["EMP000008"]["email"] == user_record(8)["email"]
    sim.journal.clear()
    again = await synced(sim, users(8), on_missing="disable", max_removals=2)
    assert writes(sim) == [] and again.disabled == 0 and len(again.plan.missing) == 2


async def test_removal_guard_blocks_an_empty_source() -> None:
    """Point 2 guard: removing more than max_removals (default 5%, min 1) removes nothing."""
    sim = await seeded_ten()
    result = await synced(sim, [], on_missing="delete")
    assert result.plan.max_removals == 1 and result.deleted == 0
    assert result.removals_skipped and "max_removals=1" in result.removals_skipped
    assert not result.ok and len(sim.users) == 10 and writes(sim) == []
    allowed = await synced(sim, [], on_missing="delete", max_removals=10)
    assert allowed.deleted == 10 and sim.users == {}


async def test_failures_carry_the_input_index_and_spare_the_person() -> None:
    """Point 2: failures are indexed by the caller's input; a bad row never removes its person."""
    sim = await seeded_ten()
    src = users(10)
    src[3] = {**src[3], "email": "not-an-email"}
    src[6] = {**src[6], "email": user_record(1)["email"]}  # held by EMP000001
    result = await synced(sim, src, on_missing="delete", max_removals=5)
    # src[6] repeats src[1]'s email within the input: caught before sending (issue 14).
    assert [(f.index, str(f.reason)) for f in result.failures] == [(3, "invalid"), (6, "invalid")]
    assert result.failures[0].record is src[3]
    assert result.plan.missing == [] and len(sim.users) == 10


async def test_progress_adds_up_across_phases() -> None:
    """Point 2: on_progress reports writes then removals as one count."""
    sim = await seeded_ten()
    seen: list[Progress] = []
    await synced(sim, source(), on_missing="delete", max_removals=2, on_progress=seen.append)
    assert seen[-1].done == seen[-1].total == 6


@pytest.mark.parametrize(
    ("kw", "name"),
    [({"on_missing": "purge"}, "on_missing"), ({"max_removals": -1}, "max_removals"),
     ({"dry_run": "yes"}, "dry_run"), ({"replace_privileges": 1}, "replace_privileges")],
)  # fmt: skip
async def test_bad_arguments_are_refused_before_any_read(kw: dict[str, Any], name: str) -> None:
    """Point 2: bad arguments raise ConfigurationError naming the argument, nothing read."""
    sim = Simulator()
    with pytest.raises(ConfigurationError, match=name):
        await synced(sim, [], **kw)
    assert sim.journal.entries == []


async def test_a_single_mapping_is_refused() -> None:
    """Point 2: a single record instead of an iterable is a RecordError naming records."""
    with pytest.raises(RecordError, match="iterable"):
        await synced(Simulator(), user_record(1))


async def test_disabled_person_back_in_the_source_is_enabled_again() -> None:
    """Point 2 decision: with on_missing=disable, presence in the source means enabled."""
    sim = await seeded_ten()
    await synced(sim, users(9), on_missing="disable")
    assert by_id_num(sim)["EMP000009"]["enabled"] is False
    kept = await synced(sim, users(10), on_missing="keep", dry_run=True)
    assert kept.plan.unchanged == list(range(10))  # "keep": a hand-disabled user stays so
    back = await synced(sim, users(10), on_missing="disable")
    assert [(u.key, u.changes) for u in back.plan.updates] == [
        ("EMP000009", (FieldChange("enabled", False, True),))
    ]
    assert by_id_num(sim)["EMP000009"]["enabled"] is True
    assert (await synced(sim, users(10), on_missing="disable")).plan.writes == 0


async def test_models_and_async_iterables_are_sources_too() -> None:
    """Point 2: a source of User models, or an async iterable, plans like mappings."""
    from collections.abc import AsyncIterator

    from lockt_async import AccessLevelRef, User

    sim = Simulator(seed=True)
    async with sim.client() as lockt:
        await lockt.users.upsert([user_record(1, accesslevels=[{"id": 208}])])
    model = User(
        id_num="EMP000001",
        first_name="Ada",
        last_name="Lovelace1",
        accesslevels=(AccessLevelRef(id=208),),
    )

    async def stream() -> AsyncIterator[Any]:
        yield model
        yield user_record(2)

    result = await synced(sim, stream())
    assert result.plan.unchanged == [0]
    assert [p.key for p in result.plan.inserts] == ["EMP000002"]
    assert result.inserted == 1 and result.ok
