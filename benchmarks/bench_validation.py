"""Q7: client-side validation per user record, in-process (no server).

The write path checks every record before sending: the stateless rows of the
document's validation table and the duplicate checks across the input
(id_num, card_num, email). Timed on N valid records like an import's
(``_common.user_record`` with both dates), as CPU time of this process
(``time.process_time``; the best of 5), so other load on the machine weighs little.

The target row times what the write path really runs for the table's rows: a
plain dict is converted and checked by one generated call, the fused writer
(``WireEncoder.plain_writer`` with ``_validation.plain_rules(check_user)``), so
its checks cost the difference between that writer with the rules and the same
writer without them (which only builds the wire dict). Target: under 0.8 us per
user. ``check_user`` alone (the table as one function on a wire dict, its fast
accept first, every row in turn on suspicion) is informational: the write path
runs it only for a record the fused writer does not take. Duplicates: a list is
proved free of repeats in C-level passes (``refuse_duplicates``, what a list's
check runs); ``DuplicateTracker`` is what a streamed input runs per record.
The last row runs a list's whole check (``_batch._check_whole``, the fused writer and the
duplicate proof) in a fresh process, on 20,000 records with 336 dates it has not seen:
the first check of an HR file whose start dates vary.
"""

from __future__ import annotations

import time
from typing import Any

from ._common import Metric, Sample, median, script_figure, user_record

NAME = "validation"
TITLE = "9. Client-side validation per user (in-process)"

_R = "{:.2f}"
METRICS = [
    Metric("n", "records", fmt="{:,.0f}"),
    Metric(
        "write_check",
        "write path: the fused writer's checks (validation table rows)",
        "us/rec",
        "< 0.8",
        lambda v: v < 0.8,
        _R,
    ),
    Metric("writer", "write path: the fused writer with its checks (convert + check)", "us/rec",
           fmt=_R),
    Metric("check_user", "check_user alone (informational)", "us/rec", fmt=_R),
    Metric("list_duplicates", "duplicates, a list's proof (refuse_duplicates)", "us/rec", fmt=_R),
    Metric("duplicates", "duplicates, DuplicateTracker per record (streamed)", "us/rec", fmt=_R),
    Metric("total", "check_user + DuplicateTracker", "us/rec", fmt=_R),
    Metric("fresh_list", "a list's whole check, fresh process, new dates (informational)",
           "us/rec", fmt=_R),
]  # fmt: skip


def repeats(quick: bool) -> int:
    return 1 if quick else 3


def size(quick: bool) -> int:
    return 20_000 if quick else 100_000


def _best(fn: Any, n: int) -> float:
    times = []
    for _ in range(5):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times) * 1e6 / n


def run(quick: bool) -> Sample:
    from lockt_async._duplicates import refuse_duplicates
    from lockt_async._validation import (
        USER_DUPLICATE_FIELDS,
        DuplicateTracker,
        check_user,
        plain_rules,
    )
    from lockt_async.converters import make_converter
    from lockt_async.resources._specs import USERS_UPSERT

    n = size(quick)
    records = [
        {
            **user_record(i),
            "access_effective": "2025-01-06 08:00:00",
            "access_expires": "2026-01-06 08:00:00",
        }
        for i in range(n)
    ]
    spec = USERS_UPSERT
    assert spec.model is not None
    encoder = make_converter("America/New_York").wire_encoder(spec.model, spec.fields)
    rules = plain_rules(spec.check)
    assert rules is not None
    plain = encoder.plain_writer(spec.defaults)
    checked = encoder.plain_writer(spec.defaults, rules)
    wires = list(map(plain, records))
    bad = [m for m in map(check_user, wires) if m]
    assert not bad, bad[:3]
    assert list(map(checked, records)) == wires  # every record taken, the same wire dicts

    def checks() -> None:
        for rec in wires:
            check_user(rec)

    def duplicates() -> None:
        tracker = DuplicateTracker(USER_DUPLICATE_FIELDS)
        for rec in wires:
            tracker.check(rec)

    def list_duplicates() -> None:
        _, refused = refuse_duplicates(USER_DUPLICATE_FIELDS, wires, _same)
        assert not refused

    s = Sample()
    s.values["n"] = n
    # Alternated, so that drift on a shared machine weighs on both alike.
    with_rules = _best(lambda: list(map(checked, records)), n)
    without = _best(lambda: list(map(plain, records)), n)
    with_rules = min(with_rules, _best(lambda: list(map(checked, records)), n))
    without = min(without, _best(lambda: list(map(plain, records)), n))
    s.values["write_check"] = with_rules - without
    s.values["writer"] = with_rules
    s.values["check_user"] = _best(checks, n)
    s.values["duplicates"] = _best(duplicates, n)
    s.values["list_duplicates"] = _best(list_duplicates, n)
    s.values["total"] = s.values["check_user"] + s.values["duplicates"]
    s.values["fresh_list"] = median([script_figure(_FRESH_LIST) for _ in range(3)])
    return s


_FRESH_LIST = """
import time
from benchmarks._common import user_record
from lockt_async._results import BatchResult
from lockt_async._validation import DuplicateTracker
from lockt_async._writes._batch import _check_whole
from lockt_async.converters import make_converter
from lockt_async.resources._specs import USERS_UPSERT as spec
n = 20_000
recs = [
    {**user_record(i), "access_effective": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d} 08:00:00",
     "access_expires": "2030-12-31 23:59:59"}
    for i in range(n)
]
conv = make_converter("America/Toronto")
start = time.process_time()
items = _check_whole(spec, conv, recs, DuplicateTracker(spec.duplicate_fields), BatchResult())
print((time.process_time() - start) * 1e6 / n)
assert len(items) == n
"""


def _same(wire: Any) -> Any:
    return wire
