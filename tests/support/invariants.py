"""The one invariant checker of the write tests: nothing lost, nothing doubled.

Checked from the server's own store (a :class:`~tests.support.server.HostileServer`'s
``applied`` counts, or a :class:`~lockt_async.testing.Simulator`'s users and journal),
never from the client's view alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from lockt_async import BatchResult, FailureReason
from lockt_async.testing import Simulator

from .server import HostileServer

__all__ = ["assert_accounted", "check_invariants", "key_of", "stored_id_nums"]

#: Page outcomes that mean the server answered the page with a usable summary.
ANSWERED = frozenset({"ok", "partial"})


def key_of(record: Any) -> Any:
    """The natural key the invariants compare by (users: ``id_num``)."""
    return record.get("id_num") if isinstance(record, dict) else getattr(record, "id_num", None)


def stored_id_nums(sim: Simulator) -> list[str]:
    """Every id_num the simulator holds (duplicates included)."""
    return [u["id_num"] for u in sim.users.values()]


def assert_accounted(result: BatchResult, n: int) -> None:
    """Every input index is accepted or failed, exactly once."""
    indexes = [f.index for f in result.failures]
    assert len(indexes) == len(set(indexes)), "a record has two outcomes"
    assert all(0 <= i < n for i in indexes), "a failure points outside the input"
    assert result.total == n, f"total {result.total} != {n} records given"
    assert result.accepted + len(result.failures) == n


def check_invariants(
    server: HostileServer | Simulator,
    result: BatchResult,
    records: Sequence[Any],
    *,
    lied: bool = False,
    refused: int = 0,
    overlap_ok: bool = False,
) -> None:
    """Nothing lost, nothing doubled, nothing overlapped.

    * every input index has exactly one outcome (accepted, or one failure);
    * nothing is accepted that the server did not apply; nothing is applied twice;
    * whatever the server applied is accepted or ``unknown`` (not checked when the
      server ``lied``: one that applies a page and answers an error cannot be caught);
    * with a simulator, its journal matches the pages: each page's attempts are
      consecutive write requests of the same size, and only its last attempt may
      have been applied (``refused`` counts attempts a test transport refused before
      they reached it); and one write is in flight at a time (unless ``overlap_ok``:
      a client timeout leaves the server answering while the next one goes out).
    """
    n = len(records)
    assert_accounted(result, n)
    failed = {f.index: f for f in result.failures}
    accepted = {key_of(records[i]) for i in range(n) if i not in failed}
    unknown = {key_of(records[i]) for i, f in failed.items() if f.reason is FailureReason.UNKNOWN}
    applied = Counter(stored_id_nums(server)) if isinstance(server, Simulator) else server.applied
    missing = accepted - set(applied)
    assert not missing, f"{len(missing)} accepted record(s) never applied: {sorted(missing)[:3]}"
    assert all(c == 1 for c in applied.values()), "a record was applied twice"
    if not lied:
        extra = set(applied) - accepted - unknown
        assert not extra, (
            f"{len(extra)} applied record(s) reported not applied: {sorted(extra)[:3]}"
        )
    if isinstance(server, Simulator):
        _check_journal(server, result, refused=refused, overlap_ok=overlap_ok)
    else:
        assert result.accepted <= sum(applied.values())


def _check_journal(sim: Simulator, result: BatchResult, *, refused: int, overlap_ok: bool) -> None:
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
