"""Servers that lie about what they applied, written from the document alone (issue 12).

Each liar keeps its own store and counts how often it applied each record, then answers
in a way the document allows in shape but not in substance. The invariant is checked
from the liar's own records, not from the client's view: every input index has exactly
one outcome, nothing is reported accepted that the server did not apply, nothing is
applied twice, and a summary that does not add up never reaches the result's counts.
"""

from __future__ import annotations

from typing import Any

import pytest

from lockt_async import BatchResult, FailureReason, LocktClient, RetryPolicy
from tests.support import HostileServer, Script, check_invariants, lying, users

pytestmark = pytest.mark.anyio

VALIDATION = "Validation errors found. Valid records have been processed."
UNEXPECTED = "An Unexpected Error has occurred. Request has been terminated and exception flagged."


def Liar(script: Script) -> HostileServer:
    """A server that applies what ``script`` says and answers what it says."""
    return HostileServer(respond=lying(script))


def client(liar: HostileServer) -> LocktClient:
    return liar.client(retry=RetryPolicy())


async def run(liar: HostileServer, n: int) -> tuple[BatchResult, list[dict[str, Any]]]:
    records = users(n)
    async with client(liar) as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    return result, records


def check(result: BatchResult, records: list[dict[str, Any]], liar: HostileServer) -> None:
    """Each index once; accepted => applied; nothing applied twice (the server lies)."""
    check_invariants(liar, result, records, lied=True)


def reasons(result: BatchResult) -> set[FailureReason]:
    return {f.reason for f in result.failures}


async def test_submitted_half_of_the_page_is_unknown_not_accepted() -> None:
    """Issue 12: "submitted: 50 for 100 records sent (applies 50)" -> none accepted."""
    liar = Liar(
        lambda recs: (
            recs[:50],
            200,
            {"data": {"submitted": 50, "inserted": 50, "updated": 0, "errors": 0}},
        )
    )
    result, records = await run(liar, 100)
    check(result, records, liar)
    assert reasons(result) == {FailureReason.UNKNOWN} and len(result.failures) == 100
    assert result.inserted == 0


async def test_errors_counted_without_details_vouch_for_nobody() -> None:
    """Issue 12: "errors: 5, inserted: 95" with no per-record details -> all unknown."""
    liar = Liar(
        lambda recs: (
            recs[5:],
            200,
            {"data": {"submitted": len(recs), "inserted": len(recs) - 5, "errors": 5}},
        )
    )
    result, records = await run(liar, 100)
    check(result, records, liar)
    assert reasons(result) == {FailureReason.UNKNOWN}


async def test_errors_inside_data_reject_exactly_their_records() -> None:
    """Issue 12: per-record errors placed inside ``data.errors`` are read, not ignored."""

    def script(recs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, Any]:
        bad = recs[:2]
        errors = [{"error": ["id_num Already Exists"], "input_data": r} for r in bad]
        body = {
            "result": [VALIDATION],
            "data": {"submitted": len(recs), "inserted": len(recs) - 2, "errors": errors},
        }
        return recs[2:], 200, body

    liar = Liar(script)
    result, records = await run(liar, 10)
    check(result, records, liar)
    assert [(f.index, f.reason) for f in result.failures] == [
        (0, FailureReason.REJECTED),
        (1, FailureReason.REJECTED),
    ]
    assert result.inserted == 8


async def test_summary_beside_unexpected_error_is_unknown() -> None:
    """Issue 12: a summary next to an "Unexpected Error" message is not success."""
    liar = Liar(
        lambda recs: (
            recs,
            200,
            {
                "result": [UNEXPECTED],
                "data": {"submitted": len(recs), "inserted": len(recs), "errors": 0},
            },
        )
    )
    result, records = await run(liar, 7)
    check(result, records, liar)
    assert reasons(result) == {FailureReason.UNKNOWN}


@pytest.mark.parametrize("inserted", [-7, 1_000_000])
async def test_absurd_counts_never_reach_the_result(inserted: int) -> None:
    """Issue 12: "inserted of -7, or 1,000,000 for a 5-record page" is not summed."""
    liar = Liar(lambda recs: (recs, 200, {"data": {"submitted": len(recs), "inserted": inserted}}))
    result, records = await run(liar, 5)
    check(result, records, liar)
    assert result.inserted == 0
    assert reasons(result) == {FailureReason.UNKNOWN}


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (504, "Request still in progress"),
        (503, "rate limit: simultaneous operations"),
        (200, "Another operation is in progress"),
    ],
)
async def test_applied_page_with_rate_limit_words_is_sent_once(status: int, text: str) -> None:
    """NOTES.md resend rule: a 5xx or a 200 is never resent whatever its text; the page
    (which this server applied) is ``unknown``, never ``not_sent``."""
    liar = Liar(lambda recs: (recs, status, {"data": {"error": text}}))
    result, records = await run(liar, 4)
    check(result, records, liar)
    assert liar.writes == 1
    assert reasons(result) == {FailureReason.UNKNOWN}
    assert result.records_to_retry() == []


async def test_validation_400_with_overlapping_in_its_text_is_rejected() -> None:
    """NOTES.md resend rule: a 400 validation answer is ``rejected`` whatever its words."""

    def script(recs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, Any]:
        body = {
            "result": ["Validation errors found. Batch has failed. Details provided."],
            "errors": [
                {"error": ["access dates overlapping"], "input_data": recs[0]},
            ],
        }
        return [], 400, body

    liar = Liar(script)
    records = users(3)
    async with client(liar) as lockt:
        result = await lockt.users.upsert(records, validate_fails_batch=False)
    check(result, records, liar)
    assert liar.writes == 1
    assert result.failures[0].reason is FailureReason.REJECTED
    assert result.failures[0].messages == ("access dates overlapping",)


async def test_overlapping_schedules_400_is_rejected_and_sent_once() -> None:
    """Fixed defect: a 400 "Access level has overlapping schedules" is a validation answer,
    ``rejected`` after one request (it was resent seven times and reported ``not_sent``)."""
    text = "Access level has overlapping schedules"
    liar = Liar(lambda recs: ([], 400, {"data": {"error": text}}))
    result, records = await run(liar, 3)
    check(result, records, liar)
    assert liar.writes == 1
    assert reasons(result) == {FailureReason.REJECTED}
    assert result.records_to_retry() == []
