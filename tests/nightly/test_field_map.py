"""Issue 23 point 1: ``field_map=`` and ``on_insert=`` (an HR file as it comes), in Python."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from lockt_async import ConfigurationError
from lockt_async.testing import Simulator

pytestmark = pytest.mark.anyio

HR = [
    {"Employee Number": f"U{i:03}", "First Name": "Ann", "Last Name": f"Lee{i}",
     "Email": f"ann{i}@uni.edu", "Phone": f"555{i:04}"}
    for i in range(5)
]  # fmt: skip
MAP = {
    "Employee Number": "id_num",
    "First Name": "first_name",
    "Last Name": "last_name",
    "Email": "email",
    "Phone": "phone",
}


async def test_unknown_target_field_is_named() -> None:
    """Issue 23: a field_map target the call does not take -> ConfigurationError naming it."""
    async with Simulator().client() as lockt:
        with pytest.raises(ConfigurationError, match="'frist_name'"):
            await lockt.users.upsert(HR, field_map={"First Name": "frist_name"})
        with pytest.raises(ConfigurationError, match="both map to 'id_num'"):
            await lockt.users.upsert(HR, field_map={"A": "id_num", "B": "id_num"})
        with pytest.raises(ConfigurationError, match="field_map must be a mapping"):
            await lockt.users.upsert(HR, field_map=["id_num"])  # type: ignore[typeddict-item]
        with pytest.raises(ConfigurationError, match="on_insert must be a callable"):
            await lockt.users.upsert(HR, on_insert="random6")  # type: ignore[typeddict-item]


async def test_hr_rows_without_pin_get_one_from_the_hook() -> None:
    """Issue 23: field_map renames HR columns; on_insert gives each new hire a pin."""
    sim = Simulator()
    pins = iter(range(100000, 100100))

    def new_pin(record: Mapping[str, Any]) -> dict[str, str]:
        assert "id_num" in record  # the hook sees the mapped record
        return {"pin": str(next(pins))}

    async with sim.client() as lockt:
        refused = await lockt.users.upsert(HR, field_map=MAP, validate_fails_batch=False)
        assert {m for f in refused.failures for m in f.messages} == {"Missing or blank pin"}
        result = await lockt.users.upsert(HR, field_map=MAP, on_insert=new_pin)
    assert result.ok and result.inserted == 5
    stored = sorted((u["id_num"], u["pin"]) for u in sim.users.values())
    assert stored == [(f"U{i:03}", str(100000 + i)) for i in range(5)]


async def test_hook_never_overrides_the_source_nor_touches_updates() -> None:
    """Issue 23: the hook fills only blank fields of inserts; an update gets nothing from it."""
    sim = Simulator()
    calls: list[str] = []

    def hook(record: Mapping[str, Any]) -> dict[str, str]:
        calls.append(record["id_num"])
        return {"pin": "9999", "email": "hook@example.com"}

    async with sim.client() as lockt:
        first = [{**r, "pin": "1234"} for r in HR[:2]]
        assert (await lockt.users.upsert(first, field_map=MAP, on_insert=hook)).ok
        again = [{**HR[0], "Last Name": "Changed", "pin": "1234"}]
        done = await lockt.users.upsert(again, field_map=MAP, on_insert=hook, update_existing=True)
    assert done.ok and done.updated == 1
    assert calls == ["U000", "U001"]
    assert sorted(u["pin"] for u in sim.users.values()) == ["1234", "1234"]
    assert {u["email"] for u in sim.users.values()} == {"ann0@uni.edu", "ann1@uni.edu"}


async def test_field_map_streams_keep_streaming() -> None:
    """Issue 23: a generator input stays a stream through field_map (one page in memory)."""
    sim = Simulator()

    def rows() -> Any:
        for r in HR:
            yield {**r, "pin": "4321"}

    async with sim.client() as lockt:
        result = await lockt.users.upsert(rows(), field_map=MAP, validate_fails_batch=False)
    assert result.ok and result.total == 5


async def test_sync_dry_run_refuses_what_the_real_run_refuses() -> None:
    """Issue 23: sync's dry run applies the write's checks (no pin: refused in both, same rows)."""
    sim = Simulator()
    async with sim.client() as lockt:
        dry = await lockt.users.sync(HR, field_map=MAP, dry_run=True)
        real = await lockt.users.sync(HR, field_map=MAP)
    assert [(f.index, f.messages) for f in dry.failures] == [
        (f.index, f.messages) for f in real.failures
    ]
    assert [f.messages for f in real.failures] == [("Missing or blank pin",)] * 5
    assert len(dry.plan.inserts) == len(real.plan.inserts) == 0 and not sim.users


async def test_sync_new_hires_get_the_hooks_pin_in_dry_run_and_real_run() -> None:
    """Issue 23: on_insert fills each planned insert, dry run and real run alike; matches never."""
    sim = Simulator()
    seen: list[str] = []

    def new_pin(record: Mapping[str, Any]) -> dict[str, str]:
        seen.append(record["id_num"])
        return {"pin": f"{len(seen):04}"}

    async with sim.client() as lockt:
        assert (await lockt.users.upsert([{**HR[0], "pin": "1111"}], field_map=MAP)).ok
        dry = await lockt.users.sync(HR, field_map=MAP, on_insert=new_pin, dry_run=True)
        real = await lockt.users.sync(HR, field_map=MAP, on_insert=new_pin)
        again = await lockt.users.sync(HR, field_map=MAP, on_insert=new_pin)
    assert (len(dry.plan.inserts), len(dry.plan.unchanged), dry.failures) == (4, 1, [])
    assert (real.inserted, real.unchanged, real.ok) == (4, 1, True)
    assert seen == ["U001", "U002", "U003", "U004"] * 2
    assert again.plan.writes == 0
    assert {u["id_num"]: u["pin"] for u in sim.users.values()}["U000"] == "1111"


async def test_sync_field_map_target_is_checked_before_any_read() -> None:
    """Issue 23: sync's field_map names a bad target before any request (ConfigurationError)."""
    sim = Simulator()
    async with sim.client() as lockt:
        with pytest.raises(ConfigurationError, match=r"doors\.sync has no field 'label'"):
            await lockt.doors.sync([{"Door": "A"}], field_map={"Door": "label"})
    assert not sim.journal.entries
