"""Shared by the fault suites: the no-loss invariant and a connection-refusing transport."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from lockt_async import BatchResult, FailureReason
from lockt_async.testing import Simulator
from tests.integration.helpers import user_record, users

__all__ = ["RefuseNthWrites", "check_invariants", "failed_reasons", "user_record", "users"]

#: Page outcomes that mean the server answered the page with a usable summary.
ANSWERED = frozenset({"ok", "partial"})


def key_of(record: Any) -> Any:
    """The natural key the invariants compare by (users: ``id_num``)."""
    return record.get("id_num") if isinstance(record, dict) else getattr(record, "id_num", None)


def check_invariants(
    sim: Simulator,
    result: BatchResult,
    records: Sequence[Any],
    *,
    refused: int = 0,
    overlap_ok: bool = False,
) -> None:
    """Nothing lost, nothing doubled, nothing overlapped.

    * every input index has exactly one outcome (accepted, or one failure);
    * the simulator holds exactly the accepted records, plus at most ``unknown`` ones;
    * no id_num is stored twice;
    * the journal matches the pages: each page's attempts are consecutive write
      requests of the same size, and only its last attempt may have been applied
      (a page is never resent after the server applied it). ``refused`` counts
      attempts a test transport refused before they reached the simulator;
    * one write in flight at a time (unless ``overlap_ok``: a client timeout leaves
      the server answering the timed-out request while the next one goes out).
    """
    n = len(records)
    indexes = [f.index for f in result.failures]
    assert len(indexes) == len(set(indexes)), "a record has two outcomes"
    assert all(0 <= i < n for i in indexes), "a failure points outside the input"
    assert result.total == n, f"total {result.total} != {n} records given"
    assert result.accepted + len(result.failures) == n

    failed = {f.index: f for f in result.failures}
    accepted = {key_of(records[i]) for i in range(n) if i not in failed}
    unknown = {key_of(records[i]) for i, f in failed.items() if f.reason is FailureReason.UNKNOWN}
    stored = [u["id_num"] for u in sim.users.values()]
    assert len(stored) == len(set(stored)), "an id_num is stored twice"
    missing = accepted - set(stored)
    assert not missing, f"{len(missing)} accepted record(s) not stored, e.g. {sorted(missing)[:3]}"
    extra = set(stored) - accepted - unknown
    assert not extra, (
        f"{len(extra)} stored record(s) neither accepted nor unknown: {sorted(extra)[:3]}"
    )

    writes = sim.journal.writes()
    assert sum(p.attempts for p in result.pages) == len(writes) + refused, (
        "the client's pages do not account for every write the server saw"
    )
    if refused == 0:
        at = 0
        for page in result.pages:
            entries = writes[at : at + page.attempts]
            at += page.attempts
            assert all(e.records == page.records for e in entries), "a resend changed size"
            assert not any(e.applied for e in entries[:-1]), "a page was resent after it applied"
            if entries and entries[-1].applied:
                assert page.outcome in ANSWERED | {"unknown"}, (
                    f"an applied page is reported {page.outcome}"
                )
    if not overlap_ok:
        assert sim.journal.max_concurrent_writes() <= 1, sim.journal.overlapping_writes()[:2]


class RefuseNthWrites(httpx.AsyncBaseTransport):
    """Wraps a transport; the writes numbered in ``refuse`` raise ``httpx.ConnectError``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, refuse: set[int]):
        self._inner = inner
        self._refuse = refuse
        self.writes = 0
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method in ("POST", "PUT", "DELETE"):
            self.writes += 1
            if self.writes in self._refuse:
                self.refused += 1
                raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def failed_reasons(result: BatchResult) -> dict[str, int]:
    """Failure counts by reason, for readable assertion messages."""
    return result.failure_counts()
