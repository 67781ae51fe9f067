"""The page sender through its narrow seam: a fake ``WriteContext``, no HTTP, no client.

Pins the write path's contract with the classifier (``_writes.classify`` table): what
each verdict does to the records of a page, that only a RESEND goes out again, and that a
learned record limit is returned rather than written back.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from lockt_async._results import FailureReason
from lockt_async._transport import Response, dumps
from lockt_async._writes import PageSender, WriteContext
from lockt_async.errors import LocktError, error_for_response
from lockt_async.resources import _specs

pytestmark = pytest.mark.anyio

Answer = Callable[[list[dict[str, Any]]], Response | LocktError]


class FakeGate:
    """Counts entries and checks that no two sends overlap."""

    def __init__(self) -> None:
        self.entries = 0
        self.held = False

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        assert not self.held, "two writes in flight"
        self.held = True
        self.entries += 1
        try:
            yield
        finally:
            self.held = False


class FakeServer:
    """Answers each request with the next scripted answer; records what was sent."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.sent: list[list[dict[str, Any]]] = []

    async def send(self, method: str, path: str, *, body: bytes | None = None) -> Response:
        assert body is not None
        records = json.loads(body)["users"]
        self.sent.append(records)
        answer = self.answers.pop(0)(records)
        if isinstance(answer, LocktError):
            raise answer
        return answer


async def _no_converter() -> Any:
    raise AssertionError("the sender does not convert")


def context(server: FakeServer, gate: FakeGate, limit: int = 100) -> WriteContext:
    return WriteContext(send=server.send, converter=_no_converter, gate=gate, record_limit=limit)


def items(n: int) -> list[tuple[int, Any, dict[str, Any]]]:
    out = []
    for i in range(n):
        wire = {"id": -1, "id_num": f"E{i}", "first_name": "A", "last_name": "B"}
        out.append((i, wire, wire))
    return out


def summary(**counts: int) -> Answer:
    return lambda recs: Response(200, {"data": {"submitted": len(recs), **counts}}, 0.0)


def all_inserted() -> Answer:
    return lambda recs: Response(
        200, {"data": {"submitted": len(recs), "inserted": len(recs), "errors": 0}}, 0.0
    )


def error(status: int, text: str) -> Answer:
    body = {"data": {"error": text}}
    return lambda recs: error_for_response(
        status, body, method="POST", path="/user", raw=dumps(body)
    )


def sender(server: FakeServer, gate: FakeGate, limit: int = 100, vfb: bool = False) -> PageSender:
    return PageSender(
        context(server, gate, limit), _specs.USERS_UPSERT, {"validate_fails_batch": vfb}
    )


async def test_accepted_page_keeps_the_checked_counts() -> None:
    """ACCEPT with a summary that accounts for the page: no failures, counts kept."""
    server, gate = FakeServer(all_inserted()), FakeGate()
    out = await sender(server, gate).send(items(5))
    assert out.failures == {}
    assert out.summary == {"submitted": 5, "inserted": 5, "errors": 0}
    assert gate.entries == 1


async def test_summary_that_lies_makes_records_unknown_not_accepted() -> None:
    """Summary rule: ``submitted: 50`` for 100 records sent: all 100 ``unknown``."""
    lie: Answer = lambda recs: Response(  # noqa: E731
        200, {"data": {"submitted": 50, "inserted": 50, "errors": 0}}, 0.0
    )
    server, gate = FakeServer(lie), FakeGate()
    out = await sender(server, gate).send(items(100))
    assert {r for r, _ in out.failures.values()} == {FailureReason.UNKNOWN}
    assert len(out.failures) == 100
    assert out.summary == {}


async def test_gateway_still_in_progress_is_sent_once() -> None:
    """Resend rule: a 504 "still in progress" is never resent; its records are unknown."""
    server, gate = FakeServer(error(504, "operation still in progress")), FakeGate()
    out = await sender(server, gate).send(items(3))
    assert len(server.sent) == 1
    assert {r for r, _ in out.failures.values()} == {FailureReason.UNKNOWN}


async def test_validation_400_mentioning_overlap_is_rejected_not_resent() -> None:
    """Resend rule: a 400 validation answer is ``rejected`` whatever words it contains."""
    body = {
        "result": ["Validation errors found. Batch has failed. Details provided."],
        "errors": [{"error": ["access dates overlapping"], "input_data": {"id_num": "E1"}}],
    }
    refuse: Answer = lambda recs: error_for_response(  # noqa: E731
        400, body, method="POST", path="/user", raw=b""
    )
    server, gate = FakeServer(refuse), FakeGate()
    out = await sender(server, gate, vfb=True).send(items(3))
    assert len(server.sent) == 1
    assert out.failures[1] == (FailureReason.REJECTED, ("access dates overlapping",))
    # The page's other records were refused with it, unapplied: safe to resend (issue 14).
    assert {i: r for i, (r, _) in out.failures.items() if i != 1} == {
        0: FailureReason.NOT_SENT,
        2: FailureReason.NOT_SENT,
    }
    assert out.stop is not None


async def test_429_is_resent_then_accepted() -> None:
    """Resend rule: a 429 is resent; the second answer decides."""
    server, gate = FakeServer(error(429, "Too many requests"), all_inserted()), FakeGate()
    out = await sender(server, gate).send(items(2))
    assert len(server.sent) == 2 and server.sent[0] == server.sent[1]
    assert out.failures == {}
    assert [p.attempts for p in out.pages] == [2]


async def test_learned_limit_is_returned_not_written_back() -> None:
    """Narrow seam: "Batch size exceeds maximum of 2" re-splits and is returned in the outcome."""
    ctx_limit = 100
    server = FakeServer(
        error(400, "Batch size exceeds maximum of 2 objects."),
        all_inserted(),
        all_inserted(),
        all_inserted(),
    )
    gate = FakeGate()
    s = sender(server, gate, limit=ctx_limit)
    out = await s.send(items(5))
    assert [len(r) for r in server.sent] == [5, 2, 2, 1]
    assert out.learned_limit == 2
    assert out.failures == {}
    assert out.summary["inserted"] == 5


async def test_401_stops_and_nothing_is_accepted() -> None:
    """Row 'HTTP 401': the page is ``not_sent`` and the outcome carries the stop."""
    server, gate = FakeServer(error(401, "Access denied")), FakeGate()
    out = await sender(server, gate).send(items(2))
    assert {r for r, _ in out.failures.values()} == {FailureReason.NOT_SENT}
    assert out.stop is not None


async def test_partial_success_matches_errors_from_data() -> None:
    """Summary rule: per-record errors inside ``data.errors`` reject exactly their record."""
    answer: Answer = lambda recs: Response(  # noqa: E731
        200,
        {
            "data": {
                "submitted": 3,
                "inserted": 2,
                "errors": [{"error": ["id_num Already Exists"], "input_data": recs[2]}],
            }
        },
        0.0,
    )
    server, gate = FakeServer(answer), FakeGate()
    out = await sender(server, gate).send(items(3))
    assert out.failures == {2: (FailureReason.REJECTED, ("id_num Already Exists",))}
    assert out.summary["inserted"] == 2
