"""Bad input from callers (issue 8, point 5): typed errors before any request, or
``invalid`` outcomes naming the field; plus a fuzz test over record dicts."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockt_async import (
    FailureReason,
    LocktError,
    RecordError,
    ValidationFailedError,
)
from lockt_async.resources._specs import USER_FIELDS
from lockt_async.testing import Simulator
from tests.support import user_record
from tests.support.callers import Outcomes

pytestmark = pytest.mark.anyio

INT64_MAX = 2**63 - 1


async def _invalid_one(record: Any) -> tuple[str, ...]:
    """Upsert one record; it must be ``invalid`` with nothing sent. Returns its messages."""
    sim = Simulator()
    async with sim.client() as lockt:
        result = await lockt.users.upsert([record], validate_fails_batch=False)
    (failure,) = result.failures
    assert failure.reason is FailureReason.INVALID, failure
    assert sim.journal.writes() == []
    return failure.messages


@pytest.mark.parametrize("record", ["text", 42, None, [1, 2], 3.5, b"bytes", object()])
async def test_non_mapping_record_is_invalid(record: Any) -> None:
    """A record that is neither a model nor a mapping: invalid, says 'mapping'."""
    (message,) = await _invalid_one(record)
    assert "mapping" in message


async def test_unknown_field_names_field_and_allowed() -> None:
    """An unknown field: invalid; the message names it and lists the allowed ones."""
    (message,) = await _invalid_one({**user_record(1), "shoe_size": 9})
    assert "shoe_size" in message and "allowed" in message and "id_num" in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pin", math.nan),
        ("pin", math.inf),
        ("card_num", math.nan),
        ("card_num", -math.inf),
        ("pin", "12a4"),
        ("card_num", "A8914"),
        ("email", 12),
        ("first_name", ["a"]),
        ("enabled", "maybe"),
        ("accesslevels", "all"),
        ("access_effective", dt.datetime(2024, 1, 1, 8, 0)),  # naive
        ("access_expires", dt.datetime(2030, 1, 1)),  # naive
        ("access_effective", "not a date"),
    ],
)
async def test_bad_value_is_invalid_naming_the_field(field: str, value: Any) -> None:
    """Wrong types, non-finite floats, naive datetimes: invalid, the message names the field."""
    messages = await _invalid_one({**user_record(1), field: value})
    assert any(field in m for m in messages), messages


async def test_all_or_nothing_raises_before_any_request() -> None:
    """validate_fails_batch=True: bad input raises ValidationFailedError, journal empty."""
    sim = Simulator()
    async with sim.client() as lockt:
        with pytest.raises(LocktError):
            await lockt.users.upsert([user_record(1), {**user_record(2), "pin": math.nan}])
    assert len(sim.journal) == 0


@pytest.mark.parametrize("bad", ["", "   ", "abc", "1e3", -1, 0, None, True, 1.5, math.nan])
async def test_bad_ids_for_deletes_and_lookups(bad: Any) -> None:
    """Blank or non-numeric ids: delete invalid (nothing sent); lookups raise RecordError."""
    sim = Simulator()
    async with sim.client() as lockt:
        result = await lockt.users.delete([bad], validate_fails_batch=False)
        assert [f.reason for f in result.failures] == [FailureReason.INVALID]
        assert "id" in result.failures[0].messages[0]
        with pytest.raises(RecordError):
            await lockt.users.get(id=bad)
        with pytest.raises(ValidationFailedError):  # all-or-nothing: raised, nothing sent
            await lockt.fobs.delete([bad])
        if bad is not None:
            with pytest.raises(RecordError):
                await lockt.doors.list(user_id=bad)
    assert len(sim.journal) == 0


@pytest.mark.parametrize("bad", ["", "   ", None, 0])
async def test_blank_natural_key_lookups_raise(bad: Any) -> None:
    """Blank id_num / name lookups raise before sending (the server would return everything)."""
    sim = Simulator()
    async with sim.client() as lockt:
        for call in (
            lambda: lockt.users.get(id_num=bad),
            lambda: lockt.fobs.get(name=bad),
        ):
            if bad == 0:
                continue  # 0 is a valid text key ("0")
            with pytest.raises(RecordError):
                await call()
    assert len(sim.journal) == 0


async def test_huge_id_is_invalid_not_a_crash() -> None:
    """An id that no JSON encoder can send is invalid, like any other bad id."""
    records = [user_record(1), {**user_record(2), "id": 10**30}, user_record(3)]
    sim = Simulator()
    async with sim.client() as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    assert [f.index for f in result.failures] == [1]


async def test_unencodable_model_value_fails_only_its_record() -> None:
    """A model value JSON cannot carry (an int past 64 bits) is invalid; the page still goes."""
    from lockt_async import User

    good = [User(**user_record(i)) for i in (1, 2)]
    bad = User(**user_record(3), custom1=10**30)  # type: ignore[arg-type]
    sim = Simulator()
    async with sim.client() as lockt:
        result = await lockt.users.upsert([good[0], bad, good[1]], validate_fails_batch=False)
        coalesced = Outcomes(LocktError)
        async with anyio.create_task_group() as tg:
            tg.start_soon(coalesced.call, lockt.users.upsert_one, User(**user_record(4)))
            bad_one = User(**user_record(5), custom2=10**30)  # type: ignore[arg-type]
            tg.start_soon(coalesced.call, lockt.users.upsert_one, bad_one)
    (failure,) = result.failures
    assert failure.index == 1 and "JSON" in failure.messages[0]
    assert sorted(coalesced, key=lambda e: e is not None)[0] is None  # the good caller landed
    assert sum(e is not None for e in coalesced) == 1
    assert {u["id_num"] for u in sim.users.values()} == {"EMP000001", "EMP000002", "EMP000004"}


# -- fuzz ----------------------------------------------------------------------------

_TZ = dt.timezone(dt.timedelta(hours=-5))
values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30),  # past 64 bits too
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.lists(st.integers(min_value=-5, max_value=10**6), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(min_value=0, max_value=9), max_size=2),
    st.datetimes(),
    st.datetimes(timezones=st.just(_TZ)),
)
keys = st.one_of(st.sampled_from(sorted(USER_FIELDS)), st.text(max_size=8))
record_dicts = st.dictionaries(keys, values, max_size=8)
fuzz_records = st.lists(
    st.one_of(record_dicts, record_dicts.map(lambda d: {**user_record(7), **d})), max_size=12
)


async def _fuzz(records: list[Any]) -> None:
    sim = Simulator()
    async with sim.client() as lockt:
        try:
            result = await lockt.users.upsert(records, validate_fails_batch=False)
        except LocktError:
            return
    indexes = sorted(f.index for f in result.failures)
    assert len(indexes) == len(set(indexes))
    assert result.total == len(records) == result.accepted + len(result.failures)
    for f in result.failures:
        if f.reason is FailureReason.INVALID:
            assert f.messages and all(isinstance(m, str) and len(m) < 2000 for m in f.messages)


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(records=fuzz_records)
def test_fuzz_upsert_only_raises_documented_errors(records: list[Any]) -> None:
    """Fuzz: any record dicts -> only LocktError subclasses, and every record accounted for."""
    anyio.run(_fuzz, records, backend="asyncio")
