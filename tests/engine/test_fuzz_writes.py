"""Issue 12 point 4, "Done when": arbitrary values into every field of a bulk write and
of ``upsert_one`` give only documented errors or ``invalid`` outcomes, and the invariant
holds (each index once, nothing accepted that was not applied, nothing applied twice)."""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockt_async import (
    BatchResult,
    ClientValidationError,
    FailureReason,
    ServerValidationError,
    User,
    ValidationFailedError,
    WriteNotAppliedError,
    WriteOutcomeUnknownError,
)
from lockt_async.resources._specs import USER_FIELDS
from tests.support import HostileServer, contact

_EXTREMES = [
    10**5000,  # past the 4,300-digit str limit
    -(10**5000),
    2**64,
    dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=14))),
    dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-14))),
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
    dt.date(2024, 1, 1),
    dt.time(12, 0),
    decimal.Decimal("NaN"),
    decimal.Decimal("1e999"),
    float("nan"),
    float("-inf"),
    "\ud800",  # a lone surrogate: no JSON encoder takes it
    "\x00",
    "9" * 10_000,
    b"bytes",
    bytearray(b"x"),
    {1, 2},
    frozenset(),
    (1, 2),
    [[[[[]]]]],
    {"id": {"id": {"id": 1}}},
    [{"id": 10**30}],
    [{"id": -1}, {"id": -1}],
    object(),
    True,
    type,
    Ellipsis,
]
VALUES = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.booleans(),
    st.datetimes(timezones=st.none() | st.timezones()),
    st.lists(st.integers(min_value=-(2**65), max_value=2**65), max_size=3),
    st.lists(st.fixed_dictionaries({"id": st.integers()}), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
    st.sampled_from(_EXTREMES),
)
FIELDS = sorted(USER_FIELDS)
MODEL_FIELDS = sorted(USER_FIELDS - {"accesslevels"})


def _base(i: int) -> dict[str, Any]:
    return {"id_num": f"E{i}", "first_name": "Ada", "last_name": f"L{i}", **contact(i)}


@st.composite
def records(draw: st.DrawFn) -> list[Any]:
    """Records that are valid but for some fields set to anything, as dicts or models."""
    out: list[Any] = []
    for i in range(draw(st.integers(min_value=0, max_value=12))):
        fields = draw(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4))
        rec = {**_base(i), **fields}
        if draw(st.booleans()):
            # A model built from anything (attrs does not check types).
            with contextlib.suppress(Exception):
                rec = User(**{k: v for k, v in rec.items() if k in MODEL_FIELDS})
        out.append(rec)
    return out


def _key(record: Any) -> str | None:
    value = record.get("id_num") if isinstance(record, dict) else record.id_num
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # as the converter reads a number given for a text field
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        return str(value)
    except ValueError:
        return None


def _check(server: HostileServer, result: BatchResult, given: list[Any]) -> None:
    n = len(given)
    indexes = [f.index for f in result.failures]
    assert len(indexes) == len(set(indexes)), "a record has two outcomes"
    assert result.total == n == result.accepted + len(result.failures)
    failed = {f.index: f for f in result.failures}
    accepted = {_key(given[i]) for i in range(n) if i not in failed}
    assert None not in accepted, "a record without a usable id_num was accepted"
    assert accepted <= set(server.applied), "accepted but never applied"
    assert set(server.applied) <= accepted, "applied but not accepted (honest server)"
    assert all(c == 1 for c in server.applied.values()), "applied twice"
    for f in result.failures:
        assert f.reason is FailureReason.INVALID, f  # the server is honest: only input fails
        assert f.messages and all(isinstance(m, str) and len(m) < 2000 for m in f.messages)


async def _bulk(given: list[Any], vfb: bool) -> None:
    server = HostileServer()
    mine = BatchResult()
    async with server.client() as lockt:
        refused: ClientValidationError | None = None
        try:
            result = await lockt.users.upsert(given, validate_fails_batch=vfb, result=mine)
        except ClientValidationError as exc:  # all or nothing: refused before sending
            refused = exc
    if refused is not None:
        assert vfb and refused.failures and not server.requests
        assert all(f.reason is FailureReason.INVALID for f in refused.failures)
        return
    assert result is mine
    _check(server, mine, given)


async def _one_by_one(given: list[Any]) -> None:
    server = HostileServer()
    outcomes: dict[int, BaseException | None] = {}
    async with server.client() as lockt:

        async def one(i: int, rec: Any) -> None:
            try:
                await lockt.users.upsert_one(rec)
                outcomes[i] = None
            except (ValidationFailedError, WriteNotAppliedError, WriteOutcomeUnknownError) as e:
                outcomes[i] = e

        async with anyio.create_task_group() as tg:
            for i, rec in enumerate(given):
                tg.start_soon(one, i, rec)
    assert sorted(outcomes) == list(range(len(given)))
    landed = {_key(given[i]) for i, e in outcomes.items() if e is None}
    assert None not in landed and landed == set(server.applied)
    assert all(c == 1 for c in server.applied.values())
    for e in outcomes.values():
        if e is not None and not isinstance(e, ClientValidationError):
            # Two callers with one id_num: the second hears the server's "already exists".
            assert isinstance(e, ServerValidationError) and "Already exists" in str(e), e


def _settings(n: int) -> Any:
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@_settings(200)
@given(given=records(), vfb=st.booleans())
def test_bulk_write_of_anything(backend: str, given: list[Any], vfb: bool) -> None:
    """Point 4: any values in any field of users.upsert: only ClientValidationError or
    invalid outcomes, and the invariant against the server's own count."""
    anyio.run(_bulk, given, vfb, backend=backend)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@_settings(120)
@given(given=records())
def test_upsert_one_of_anything(backend: str, given: list[Any]) -> None:
    """Point 4: any values in any field of concurrent upsert_one calls: each caller gets
    its own documented error or lands, and what landed is exactly what was applied."""
    anyio.run(_one_by_one, given, backend=backend)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@_settings(2000)
@given(given=records(), vfb=st.booleans())
def test_bulk_write_of_anything_long(backend: str, given: list[Any], vfb: bool) -> None:
    """Point 4 (long run): as test_bulk_write_of_anything, ten times the examples."""
    anyio.run(_bulk, given, vfb, backend=backend)
