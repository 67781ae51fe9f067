"""Q7: client-side validation per user record, in-process (no server).

The write path checks every record before sending: the stateless rows of the
document's validation table (``_validation.check_user``) and the duplicate
checks across the input (``DuplicateTracker``: id_num, card_num, email). Timed
on N valid wire dicts like an import's (``_common.wire_user`` with both dates),
as CPU time of this process (``time.process_time``; the best of 5), so other
load on the machine weighs little. Target: the table's checks under 0.8 us per user.
"""

from __future__ import annotations

import time
from typing import Any

from ._common import Metric, Sample, wire_user

NAME = "validation"
TITLE = "7. Client-side validation per user (in-process)"

_R = "{:.2f}"
METRICS = [
    Metric("n", "records", fmt="{:,.0f}"),
    Metric(
        "check_user", "check_user (validation table rows)", "us/rec", "< 0.8", lambda v: v < 0.8, _R
    ),
    Metric("duplicates", "DuplicateTracker (id_num, card_num, email)", "us/rec", fmt=_R),
    Metric("total", "both", "us/rec", fmt=_R),
]


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
    from lockt_async._validation import USER_DUPLICATE_FIELDS, DuplicateTracker, check_user

    n = size(quick)
    records = [
        {
            **wire_user(i),
            "access_effective": "2025-01-06 08:00:00",
            "access_expires": "2026-01-06 08:00:00",
        }
        for i in range(n)
    ]
    bad = [m for m in map(check_user, records) if m]
    assert not bad, bad[:3]

    def checks() -> None:
        for rec in records:
            check_user(rec)

    def duplicates() -> None:
        tracker = DuplicateTracker(USER_DUPLICATE_FIELDS)
        for rec in records:
            tracker.check(rec)

    s = Sample()
    s.values["n"] = n
    s.values["check_user"] = _best(checks, n)
    s.values["duplicates"] = _best(duplicates, n)
    s.values["total"] = s.values["check_user"] + s.values["duplicates"]
    return s
