"""Property-based chaos (issue 8, point 3): random records, limits and fault schedules.

Hypothesis drives mixed valid/invalid record sets, a random instance record limit
(the client assumes 100) and a random schedule of faults through
``users.upsert(..., validate_fails_batch=False)`` against the in-process simulator,
under asyncio and trio (a sync test calling ``anyio.run``). The no-loss invariant
(``check_invariants``) holds for every example. About 3 s: in the default run.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockt_async.testing import (
    ENUMERATE_DEPENDANT,
    HOST_UNREACHABLE,
    LOCATE_TEMPLATE,
    UNEXPECTED_ERROR,
    Drop,
    Fault,
    RateLimit,
    Simulator,
    communication_error,
    error_envelope,
    html_page,
    instant_retries,
    status,
    truncated_json,
)
from tests.support import check_invariants, user_record

ACTIONS = [
    RateLimit(),
    status(503),
    communication_error(ENUMERATE_DEPENDANT),
    communication_error(LOCATE_TEMPLATE),
    communication_error(HOST_UNREACHABLE),
    communication_error(UNEXPECTED_ERROR),
    Drop(after_apply=False),
    Drop(after_apply=True),
    html_page(502),
    truncated_json(),
    error_envelope(200),
]

#: Corruptions: a field and a value that is (usually) invalid for it.
CORRUPTIONS: list[tuple[str, Any]] = [
    ("id_num", ""),
    ("id_num", "   "),
    ("first_name", ""),
    ("last_name", None),
    ("email", "nope@@x"),
    ("email", 12),
    ("pin", "12a4"),
    ("pin", "1"),
    ("card_num", "A8914"),
    ("card_num", -5),
    ("phone", "call me"),
    ("enabled", "maybe"),
    ("access_effective", "2023-13-45 00:00:00"),
    ("access_expires", "yesterday"),
    ("accesslevels", "all"),
    ("shoe_size", 9),
    ("custom1", "x" * 5000),
]


@st.composite
def record_sets(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(min_value=0, max_value=260))
    corrupt = draw(
        st.dictionaries(
            st.integers(min_value=0, max_value=max(n - 1, 0)),
            st.sampled_from(CORRUPTIONS),
            max_size=min(n, 30),
        )
    )
    records = [user_record(i) for i in range(n)]
    for i, (name, value) in corrupt.items():
        if i < n:
            records[i] = {**records[i], name: value}
    return records


schedules = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=8),
        st.sampled_from(ACTIONS),
        st.integers(min_value=1, max_value=3),
    ),
    max_size=4,
)


async def _one(records: list[dict[str, Any]], limit: int, schedule: list[Any]) -> None:
    sim = Simulator(record_limit=limit)
    for nth, action, times in schedule:
        sim.faults.add(Fault(action, method="POST", path="/user", nth=nth, times=times))
    async with sim.client() as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    check_invariants(sim, result, records)
    assert result.learned_limit in (None, limit)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    records=record_sets(),
    limit=st.integers(min_value=1, max_value=150),
    schedule=schedules,
)
def test_chaos_never_loses_or_doubles(
    backend: str, records: list[dict[str, Any]], limit: int, schedule: list[Any]
) -> None:
    """Chaos: any records x any limit x any fault schedule keeps the no-loss invariant."""
    # Resends keep their count; only the waiting between them goes (the public test mode).
    with instant_retries():
        anyio.run(_one, records, limit, schedule, backend=backend)
