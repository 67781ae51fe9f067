"""``users/fobs/doors.check``: the bulk write's own checks, nothing sent (a dry run)."""

from __future__ import annotations

from typing import Any

import pytest

from lockt_async import BatchResult, ConfigurationError, FailureReason, RecordError
from lockt_async.testing import Simulator

pytestmark = pytest.mark.anyio


def _user(i: int, **overrides: Any) -> dict[str, Any]:
    rec = {
        "id_num": f"EMP{i:06d}",
        "first_name": "Ada",
        "last_name": f"Lovelace{i}",
        "email": f"ada{i}@example.com",
        "phone": "5551234567",
        "pin": "1234",
    }
    return {**rec, **overrides}


async def test_users_check_reports_invalid_records_and_sends_nothing() -> None:
    """check(): a bad email and a duplicate id_num are invalid; no write reaches the server."""
    sim = Simulator()
    records = [_user(1), _user(2, email="not-an-email"), _user(1)]
    async with sim.client() as lockt:
        result = await lockt.users.check(records)
    assert [(f.index, f.reason) for f in result.failures] == [
        (1, FailureReason.INVALID),
        (2, FailureReason.INVALID),
    ]
    assert result.total == 3
    assert result.operation == "users.upsert (dry run)"
    assert not sim.users
    assert len(sim.journal) == 0


async def test_fobs_and_doors_check_use_their_create_rules() -> None:
    """check() of fobs and doors: a blank name is the create's "Missing or blank name"."""
    async with Simulator().client() as lockt:
        fobs = await lockt.fobs.check([{"name": "F1", "id_num": "EMP1"}, {"name": ""}])
        doors = await lockt.doors.check([{"name": "Front"}, {"name": " "}])
    assert [f.index for f in fobs.failures] == [1]
    assert [f.index for f in doors.failures] == [1]


async def test_check_unknown_fields_and_result() -> None:
    """unknown_fields="ignore" drops a spreadsheet's extra column; result= is filled in."""
    records = [{**_user(1), "department": "R&D"}]
    async with Simulator().client() as lockt:
        refused = await lockt.users.check(records)
        given = BatchResult()
        kept = await lockt.users.check(records, unknown_fields="ignore", result=given)
    assert [f.reason for f in refused.failures] == [FailureReason.INVALID]
    assert kept is given and kept.ok


async def test_check_async_iterable_input() -> None:
    """check() reads an async iterable as the bulk write does."""

    async def source() -> Any:
        for i in range(3):
            yield _user(i)

    async with Simulator().client() as lockt:
        result = await lockt.users.check(source())
    assert result.total == 3 and result.ok


async def test_check_bad_arguments_are_typed_errors() -> None:
    """A single record, a bad unknown_fields or an unknown keyword raise, naming it."""
    async with Simulator().client() as lockt:
        with pytest.raises(RecordError, match="wrap it in a list"):
            await lockt.users.check(_user(1))  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError, match="unknown_fields"):
            await lockt.users.check([], unknown_fields="drop")  # type: ignore[typeddict-item]
        with pytest.raises(TypeError, match="validate_fails_batch"):
            await lockt.users.check([], validate_fails_batch=True)  # type: ignore[call-arg]


async def test_check_follows_required_fields_server() -> None:
    """required_fields="server": a record without pin passes check() as it would be sent."""
    record = _user(1)
    del record["pin"]
    async with (
        Simulator().client() as strict,
        Simulator().client(required_fields="server") as lenient,
    ):
        refused = await strict.users.check([record])
        passed = await lenient.users.check([record])
    assert [f.reason for f in refused.failures] == [FailureReason.INVALID]
    assert passed.ok
