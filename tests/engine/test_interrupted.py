"""Issue 12 point 4 (write half): no raw exception escapes a bulk write or ``upsert_one``;
an input that raises ends the import with every record taken accounted for."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import httpx
import pytest

from lockt_async import (
    BatchFailedError,
    BatchInterruptedError,
    BatchResult,
    ClientValidationError,
    FailureReason,
    WriteOutcomeUnknownError,
)
from tests.support import HostileServer, check_invariants, users

pytestmark = pytest.mark.anyio


class InputBroke(Exception):
    """What a caller's CSV reader might raise halfway."""


def _breaking(records: list[dict[str, Any]], after: int) -> Iterator[dict[str, Any]]:
    yield from records[:after]
    raise InputBroke(f"line {after + 1}: bad quoting")


async def _abreaking(records: list[dict[str, Any]], after: int) -> AsyncIterator[dict[str, Any]]:
    for r in records[:after]:
        yield r
    raise InputBroke(f"line {after + 1}: bad quoting")


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("vfb", [True, False])
async def test_input_that_raises_ends_the_import_accounted(kind: str, vfb: bool) -> None:
    """Point 4: the iterator raises after 151 records: BatchInterruptedError from it, and
    the result= passed in says 100 accepted (page 1) and 51 not_sent, never 151 accepted."""
    server = HostileServer()
    records = users(300)
    source = _breaking(records, 151) if kind == "sync" else _abreaking(records, 151)
    mine = BatchResult()
    async with server.client() as lockt:
        with pytest.raises(BatchInterruptedError) as info:
            await lockt.users.upsert(source, validate_fails_batch=vfb, result=mine)
    err = info.value
    assert isinstance(err, BatchFailedError)
    assert isinstance(err.__cause__, InputBroke)
    assert err.result is mine and mine.stopped_by is err
    assert mine.total == 151 and mine.accepted == 100 == len(server.applied)
    assert mine.failure_counts() == {"not_sent": 51}
    assert "InputBroke" in str(err) and "151" in str(err)
    check_invariants(server, mine, records[:151])
    back = pickle.loads(pickle.dumps(err))  # the result inside points back at the error
    assert back.result.stopped_by is back and back.result.accepted == 100


class BrokenSequence(Sequence[Any]):
    """A sequence (checked whole before sending) that raises while being read."""

    def __init__(self, records: list[dict[str, Any]], after: int):
        self._records, self._after = records, after

    def __len__(self) -> int:
        return len(self._records)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, int) and i >= self._after:
            raise InputBroke(f"row {i}")
        return self._records[i]


async def test_sequence_that_raises_while_checked_sends_nothing() -> None:
    """Point 4: all-or-nothing reads a sequence whole first; if that raises, nothing is
    sent and every record taken is not_sent."""
    server = HostileServer()
    mine = BatchResult()
    async with server.client() as lockt:
        with pytest.raises(BatchInterruptedError) as info:
            await lockt.users.upsert(BrokenSequence(users(50), 20), result=mine)
    assert isinstance(info.value.__cause__, InputBroke)
    assert not server.requests
    assert mine.total == 20 and mine.failure_counts() == {"not_sent": 20}


class Hostile:
    """A value whose every conversion raises something no rule foresaw."""

    def __str__(self) -> str:
        raise RuntimeError("no str for you")

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq for you")

    __hash__ = None  # type: ignore[assignment]


async def test_unforeseen_conversion_failure_is_invalid_for_that_record() -> None:
    """Point 4: a value that raises RuntimeError when converted makes its record invalid
    (validate_fails_batch=False) and the others go through."""
    server = HostileServer()
    records = users(5)
    records[2]["custom1"] = Hostile()
    async with server.client() as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
        with pytest.raises(ClientValidationError):
            await lockt.users.upsert_one(records[2])
    check_invariants(server, result, records)
    (failure,) = result.failures
    assert failure.index == 2 and failure.reason is FailureReason.INVALID
    assert "RuntimeError" in failure.messages[0]


async def test_transport_defect_mid_page_is_unknown() -> None:
    """Point 4: an injected transport raising a non-httpx error mid-write: that page is
    unknown (it may have gone out), later pages not_sent, BatchInterruptedError raised;
    upsert_one gets WriteOutcomeUnknownError carrying the cause."""
    calls = 0

    def respond(request: httpx.Request, s: HostileServer) -> httpx.Response | None:
        nonlocal calls
        calls += 1
        if calls == 2:
            s.apply(request)
            raise RuntimeError("transport bug after the bytes left")
        return None

    server = HostileServer(respond)
    records = users(300)
    mine = BatchResult()
    async with server.client() as lockt:
        with pytest.raises(BatchInterruptedError) as info:
            await lockt.users.upsert(records, validate_fails_batch=False, result=mine)
        assert isinstance(info.value.__cause__, RuntimeError)
        check_invariants(server, mine, records)
        assert mine.failure_counts() == {"unknown": 100, "not_sent": 100}
        calls = 1
        with pytest.raises(WriteOutcomeUnknownError) as one:
            await lockt.users.upsert_one(users(1, start=900)[0])
        assert isinstance(one.value.__cause__, RuntimeError)
