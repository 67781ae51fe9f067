"""The fault matrix (issue 8): one import per fault, over a real loopback socket.

Each row runs an import against the simulator served on 127.0.0.1 with the fault
armed (several times where that makes sense, so resends are exercised) and then
checks the no-loss invariant (``check_invariants``) and the row's own outcome.
The 5,000-record rows (loopback) are ``slow``; by default a 500-record copy of
each row runs in-process (``sim.transport()``), plus the mixed row over loopback.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
import pytest

from lockt_async import (
    AuthenticationError,
    BatchResult,
    FailureReason,
    LocktClient,
    Progress,
    RetryPolicy,
)
from lockt_async.testing import (
    ENUMERATE_DEPENDANT,
    HOST_UNREACHABLE,
    LOCATE_TEMPLATE,
    UNEXPECTED_ERROR,
    Delay,
    Drop,
    Fault,
    RateLimit,
    Simulator,
    communication_error,
    serve,
    status,
)
from tests.support import RefuseNthWrites, check_invariants, users

pytestmark = pytest.mark.anyio

PAGE = 100  # the simulator's and the client's default record limit


@dataclass
class Run:
    """What a row's expectation gets to look at."""

    sim: Simulator
    result: BatchResult
    records: list[dict[str, Any]]
    client: LocktClient
    transport: RefuseNthWrites | None = None


Hook = Callable[[Simulator, anyio.CancelScope], Callable[[Progress], None]]


@dataclass
class Row:
    """One fault: how to arm it, and what the import must look like afterwards."""

    faults: Callable[[], list[Fault]] = list
    expect: Callable[[Run], None] = lambda run: None
    hook: Hook | None = None
    refuse: set[int] | None = None
    client_kw: dict[str, Any] = field(default_factory=dict)
    overlap_ok: bool = False
    closed_port: bool = False


def _on_user_posts(action: Any, nth: int = 3, times: int = 2) -> Callable[[], list[Fault]]:
    return lambda: [Fault(action, method="POST", path="/user", nth=nth, times=times)]


def _unknown_pages(*pages: int, applied: bool) -> Callable[[Run], None]:
    """Pages (0-based) end ``unknown``, everything else accepted; applied or not."""

    def expect(run: Run) -> None:
        want = {i for p in pages for i in range(p * PAGE, (p + 1) * PAGE)}
        assert {f.index for f in run.result.failures} == want
        assert {f.reason for f in run.result.failures} == {FailureReason.UNKNOWN}
        assert len(run.sim.users) == len(run.records) - (0 if applied else len(want))

    return expect


def _all_accepted(resent_page: int | None = 2, attempts: int = 3) -> Callable[[Run], None]:
    def expect(run: Run) -> None:
        assert run.result.ok, run.result.failure_counts()
        assert len(run.sim.users) == len(run.records)
        if resent_page is not None:
            assert run.result.pages[resent_page].attempts == attempts

    return expect


def _shrink(sim: Simulator, scope: anyio.CancelScope) -> Callable[[Progress], None]:
    def hook(p: Progress) -> None:
        if p.pages == 2:
            sim.record_limit = 30

    return hook


def _expect_shrunk(run: Run) -> None:
    assert run.result.ok and run.result.learned_limit == 30
    assert run.client.record_limit == 30
    assert len(run.sim.users) == len(run.records)


def _revoke(sim: Simulator, scope: anyio.CancelScope) -> Callable[[Progress], None]:
    def hook(p: Progress) -> None:
        if p.pages == 3:
            sim.api_key = "revoked"

    return hook


def _expect_revoked(run: Run) -> None:
    assert isinstance(run.result.stopped_by, AuthenticationError)
    assert len(run.sim.users) == 3 * PAGE
    assert {f.index for f in run.result.failures} == set(range(3 * PAGE, len(run.records)))
    assert {f.reason for f in run.result.failures} == {FailureReason.NOT_SENT}
    assert [e.status for e in run.sim.journal.writes()][-1] == 401


def _cancel(sim: Simulator, scope: anyio.CancelScope) -> Callable[[Progress], None]:
    def hook(p: Progress) -> None:
        if p.pages == 3:
            scope.cancel()

    return hook


def _expect_cancelled(run: Run) -> None:
    assert run.result.cancelled
    assert run.result.accepted == len(run.sim.users) >= 3 * PAGE
    assert {f.reason for f in run.result.failures} == {FailureReason.NOT_SENT}


def _expect_refused(run: Run) -> None:
    _all_accepted(resent_page=2)(run)
    assert run.transport is not None and run.transport.refused == 2


def _expect_closed_port(run: Run) -> None:
    assert {f.reason for f in run.result.failures} == {FailureReason.NOT_SENT}
    assert run.sim.journal.writes() == [] and not run.sim.users
    assert all(p.attempts == RetryPolicy().write_resends + 1 for p in run.result.pages)


def _mixed() -> list[Fault]:
    post = {"method": "POST", "path": "/user"}
    return [
        Fault(RateLimit(), nth=2, times=2, **post),
        Fault(communication_error(ENUMERATE_DEPENDANT), nth=4, times=1, **post),
        Fault(status(503), nth=6, times=1, **post),
        Fault(Drop(after_apply=True), nth=8, times=1, **post),
        Fault(Drop(after_apply=False), nth=10, times=1, **post),
        Fault(communication_error(UNEXPECTED_ERROR), nth=12, times=1, **post),
    ]


ROWS: dict[str, Row] = {
    "503-before-processing": Row(_on_user_posts(status(503)), _unknown_pages(2, 3, applied=False)),
    "enumerate-dependant": Row(
        _on_user_posts(communication_error(ENUMERATE_DEPENDANT)), _all_accepted()
    ),
    "locate-template": Row(_on_user_posts(communication_error(LOCATE_TEMPLATE)), _all_accepted()),
    "host-unreachable": Row(_on_user_posts(communication_error(HOST_UNREACHABLE)), _all_accepted()),
    "unexpected-error": Row(
        _on_user_posts(communication_error(UNEXPECTED_ERROR)), _unknown_pages(2, 3, applied=False)
    ),
    "rate-limited": Row(_on_user_posts(RateLimit()), _all_accepted()),
    "connection-refused": Row(refuse={3, 4}, expect=_expect_refused),
    "closed-port": Row(closed_port=True, expect=_expect_closed_port),
    "reset-before-send": Row(
        _on_user_posts(Drop(after_apply=False)), _unknown_pages(2, 3, applied=False)
    ),
    "dropped-after-apply": Row(
        _on_user_posts(Drop(after_apply=True)), _unknown_pages(2, 3, applied=True)
    ),
    "read-timeout": Row(
        _on_user_posts(Delay(0.6), times=1),
        _unknown_pages(2, applied=True),
        client_kw={"timeout": 0.25},
        overlap_ok=True,
    ),
    "limit-shrinks": Row(hook=_shrink, expect=_expect_shrunk),
    "401-mid-import": Row(hook=_revoke, expect=_expect_revoked),
    "cancelled-mid-import": Row(hook=_cancel, expect=_expect_cancelled),
    "mixed": Row(_mixed),
}


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/v1"


@asynccontextmanager
async def _server(sim: Simulator, row: Row, loopback: bool) -> AsyncIterator[str]:
    if row.closed_port:
        yield _closed_port_url()
    elif loopback:
        async with serve(sim) as base_url:
            yield base_url
    else:
        yield Simulator.url


async def run_row(row: Row, n: int, monkeypatch: pytest.MonkeyPatch, *, loopback: bool) -> Run:
    """Arm ``row`` on a fresh simulator, import ``n`` users, check everything.

    ``loopback``: serve the simulator on 127.0.0.1 (a real socket); otherwise talk
    to it in-process through ``sim.transport()``.
    """
    sim = Simulator()
    for fault in row.faults():
        sim.faults.add(fault)
    records = users(n)
    result = BatchResult()
    wrapper: RefuseNthWrites | None = None
    async with _server(sim, row, loopback) as base_url:
        kw: dict[str, Any] = {"timezone": sim.timezone, **row.client_kw}
        if row.closed_port:
            # Every attempt is refused: keep the resends, drop the waiting.
            kw["retry"] = RetryPolicy.instant()
        inner: httpx.AsyncBaseTransport | None = None
        if not loopback and not row.closed_port:
            inner = sim.transport()
        if row.refuse is not None:
            wrapper = RefuseNthWrites(inner or httpx.AsyncHTTPTransport(), row.refuse)
            kw["transport"] = wrapper
        elif inner is not None:
            kw["transport"] = inner
        async with LocktClient(sim.api_user, sim.api_key, base_url=base_url, **kw) as client:
            with anyio.CancelScope() as scope:
                hook = row.hook(sim, scope) if row.hook is not None else None
                await client.users.upsert(records, on_progress=hook, result=result)
            run = Run(sim, result, records, client, wrapper)
    refused = wrapper.refused if wrapper is not None else 0
    if row.closed_port:
        refused = sum(p.attempts for p in result.pages)
    check_invariants(sim, result, records, refused=refused, overlap_ok=row.overlap_ok and loopback)
    row.expect(run)
    return run


@pytest.mark.parametrize("name", list(ROWS))
async def test_fault_row_500_in_process(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault matrix, 500 records in-process: every record accounted for once, none doubled."""
    await run_row(ROWS[name], 500, monkeypatch, loopback=False)


async def test_mixed_faults_500_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault matrix, six faults in one 500-record import over a real loopback socket."""
    await run_row(ROWS["mixed"], 500, monkeypatch, loopback=True)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(ROWS))
async def test_fault_row_5000_loopback(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault matrix, 5,000 records over loopback: every record accounted for once, none doubled."""
    await run_row(ROWS[name], 5000, monkeypatch, loopback=True)
