"""The write classifier, row by row (``lockt_async._writes.classify``'s table), with no HTTP.

Each test names the row of the module table (and of NOTES.md, "Restrictions", the
revised resend rule) that it pins.
"""

from __future__ import annotations

from typing import Any

import pytest

from lockt_async._results import FailureReason
from lockt_async._transport import Response
from lockt_async._writes.classify import Action, Verdict, check_summary, classify
from lockt_async.errors import (
    ConnectError,
    ConnectionDropped,
    LocktError,
    MalformedResponseError,
    RequestTimeout,
    error_for_response,
)

TERMINATED = (
    "Unable to enumerate dependant record. Batch has been terminated and exception flagged."
)
TEMPLATE = "Unable to locate template. Batch has been terminated and exception flagged."
UNREACHABLE = "The destination host is unreachable."
UNEXPECTED = "An Unexpected Error has occurred. Request has been terminated and exception flagged."
VALIDATION = "Validation errors found. Batch has failed. Details provided."


def err(status: int, body: Any, retry_after: float | None = None) -> LocktError:
    """The error the transport raises for ``status`` and ``body`` (as it really does)."""
    return error_for_response(
        status, body, method="POST", path="/user", raw=b"", retry_after=retry_after
    )


def msg(text: str) -> dict[str, Any]:
    return {"data": {"error": text}}


def ok(data: dict[str, Any], **top: Any) -> Response:
    return Response(200, {"data": data, **top}, 0.0)


def verdict(answer: Response | LocktError, sent: int = 3) -> Verdict:
    return classify(answer, sent)


# --- RESEND: certainly not applied ---------------------------------------------------


def test_request_never_left_is_resent() -> None:
    """Row 'the request never left': a connection refused is RESEND."""
    assert verdict(ConnectError("POST /user: request not sent")).action is Action.RESEND


def test_429_is_resent_with_retry_after() -> None:
    """Row 'HTTP 429': RESEND, carrying the server's Retry-After."""
    v = verdict(err(429, msg("Too many requests"), retry_after=2.5))
    assert v.action is Action.RESEND
    assert v.retry_after == 2.5


@pytest.mark.parametrize(
    "text",
    [
        "Rate limit exceeded",
        "Another POST operation is in progress",
        "simultaneous operations are not allowed",
        "Request not processed, try again",
        "Rejected to prevent simultaneous and overlapping POST operations.",
        "Overlapping write operation refused",
    ],
)
def test_400_refusal_speaking_of_rate_limit_is_resent(text: str) -> None:
    """Row 'HTTP 400 whose message speaks of a rate limit / in progress / not processed'."""
    assert verdict(err(400, msg(text))).action is Action.RESEND


@pytest.mark.parametrize("status", [200, 400, 500, 502, 503])
@pytest.mark.parametrize("text", [TERMINATED, TEMPLATE, UNREACHABLE])
def test_documented_not_applied_messages_resent_under_any_status(status: int, text: str) -> None:
    """Row '"Batch has been terminated" / "destination host is unreachable", exact, any status'."""
    assert verdict(err(status, msg(text))).action is Action.RESEND


def test_not_applied_messages_need_an_exact_match() -> None:
    """Row 'matched exactly': a 5xx that merely quotes the words is not a resend."""
    text = "upstream said: The destination host is unreachable. (retrying internally)"
    assert verdict(err(502, msg(text))).action is Action.UNKNOWN


# --- RESPLIT ------------------------------------------------------------------------------


def test_batch_size_exceeded_is_resplit_with_the_limit() -> None:
    """Row '"Batch size exceeds maximum of X objects."': RESPLIT with X."""
    v = verdict(err(400, msg("Batch size exceeds maximum of 40 objects.")))
    assert (v.action, v.limit) == (Action.RESPLIT, 40)


# --- STOP ------------------------------------------------------------------------------------


def test_401_stops_the_import() -> None:
    """Row 'HTTP 401': STOP; the error is kept for the caller."""
    v = verdict(err(401, msg("Access denied")))
    assert v.action is Action.STOP
    assert v.error is not None and "Access denied" in str(v.error)


# --- REJECT ------------------------------------------------------------------------------


def test_validation_answer_is_rejected_whatever_words_it_contains() -> None:
    """Row 'HTTP 400 validation answer, whatever words': never resent even if it says
    'overlapping' (a user's access dates may overlap)."""
    body = {
        "result": [VALIDATION],
        "errors": [{"error": ["dates overlapping, in progress"], "input_data": {"id_num": "A"}}],
    }
    v = verdict(err(400, body))
    assert v.action is Action.REJECT
    assert v.others is FailureReason.REJECTED
    assert [d.input_data for d in v.record_errors] == [{"id_num": "A"}]


@pytest.mark.parametrize(
    "text",
    [
        "Access level has overlapping schedules",
        "Schedules overlapping on door 12",
        "Simultaneous entries for one card",
    ],
)
def test_overlapping_record_content_is_rejected_not_resent(text: str) -> None:
    """Row 'any other 4xx': a 400 about a record's overlapping schedules is a validation
    answer, rejected; "overlapping" resends only of operations (the document's words)."""
    v = verdict(err(400, msg(text)))
    assert (v.action, v.others) == (Action.REJECT, FailureReason.REJECTED)


def test_other_4xx_rejected_as_a_whole() -> None:
    """Row 'any other 4xx': REJECT, nothing applied."""
    for status in (400, 403, 404, 413):
        v = verdict(err(status, msg("Nope")))
        assert (v.action, v.others) == (Action.REJECT, FailureReason.REJECTED), status


# --- UNKNOWN ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["still in progress", "rate limit", "overlapping POST", UNEXPECTED, "boom"]
)
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_any_other_5xx_is_unknown_whatever_it_says(status: int, text: str) -> None:
    """Row 'any other 5xx': UNKNOWN, never resent (a 504 'still in progress' may be applied)."""
    assert verdict(err(status, msg(text))).action is Action.UNKNOWN


@pytest.mark.parametrize("text", ["operation in progress", "rate limited", UNEXPECTED])
def test_200_error_envelope_is_unknown_whatever_it_says(text: str) -> None:
    """Row 'a 200 with an error message': UNKNOWN, never resent."""
    assert verdict(err(200, msg(text))).action is Action.UNKNOWN


@pytest.mark.parametrize(
    "exc",
    [
        RequestTimeout("POST /user: no answer in time"),
        ConnectionDropped("POST /user: connection lost after sending"),
        MalformedResponseError("HTTP 200: not JSON", status_code=200),
    ],
)
def test_timeouts_drops_and_bad_bodies_are_unknown(exc: LocktError) -> None:
    """Row 'a timeout, a connection dropped after sending, an undecodable body'."""
    assert verdict(exc).action is Action.UNKNOWN


@pytest.mark.parametrize("body", [{}, {"data": []}, {"data": {"inserted": 3}}, {"ok": True}])
def test_200_without_a_write_summary_is_unknown(body: dict[str, Any]) -> None:
    """Row 'an undocumented body': a 200 without ``data.submitted`` proves nothing."""
    assert verdict(Response(200, body, 0.0)).action is Action.UNKNOWN


def test_summary_beside_an_error_message_is_unknown() -> None:
    """Row 'a 200 with an error message': a summary next to "An Unexpected Error" is no proof."""
    body = {"result": [UNEXPECTED], "data": {"submitted": 3, "inserted": 3, "errors": 0}}
    assert verdict(Response(200, body, 0.0)).action is Action.UNKNOWN


# --- ACCEPT ------------------------------------------------------------------------------


def test_summary_that_accounts_for_the_page_is_accepted() -> None:
    """Row 'a summary that accounts for the page exactly': ACCEPT, counts kept."""
    v = verdict(ok({"submitted": 3, "inserted": 2, "updated": 1, "errors": 0}))
    assert (v.action, v.others) == (Action.ACCEPT, None)
    assert v.summary == {"submitted": 3, "inserted": 2, "updated": 1, "errors": 0}


def test_partial_success_names_its_rejected_records() -> None:
    """Row 'except each record its per-record errors name': details from the top level."""
    body = ok(
        {"submitted": 3, "inserted": 2, "errors": 1},
        result=[VALIDATION],
        errors=[{"error": ["id_num Already Exists"], "input_data": {"id_num": "B"}}],
    )
    v = verdict(body)
    assert (v.action, v.others) == (Action.ACCEPT, None)
    assert v.record_errors[0].messages == ("id_num Already Exists",)


def test_per_record_errors_inside_data_are_read() -> None:
    """Summary rule: per-record errors are read from ``data.errors`` when it is a list."""
    errors = [{"error": ["bad"], "input_data": {"id_num": "C"}}]
    v = verdict(ok({"submitted": 3, "inserted": 2, "errors": errors}))
    assert (v.action, v.others) == (Action.ACCEPT, None)
    assert [d.input_data for d in v.record_errors] == [{"id_num": "C"}]


@pytest.mark.parametrize(
    "data",
    [
        {"submitted": 2, "inserted": 2, "errors": 0},  # submitted != sent
        {"submitted": 3, "inserted": -7, "errors": 0},  # negative
        {"submitted": 3, "inserted": 1_000_000, "errors": 0},  # more than sent
        {"submitted": 3, "inserted": "3", "errors": 0},  # not an int
        {"submitted": 3, "inserted": True, "errors": 0},  # a bool is no count
        {"submitted": 3, "inserted": 1, "errors": 0},  # two records unaccounted
        {"submitted": 3, "inserted": 0, "errors": 2},  # errors without details
    ],
)
def test_summary_that_does_not_add_up_vouches_for_nothing(data: dict[str, Any]) -> None:
    """Row 'a summary that does not add up': the records it cannot vouch for are UNKNOWN,
    and its counts never enter the result."""
    v = verdict(ok(data))
    assert (v.action, v.others) == (Action.ACCEPT, FailureReason.UNKNOWN)
    assert v.summary == {}


def test_every_record_counted_as_error_without_details_is_rejected() -> None:
    """Summary rule: ``errors`` == sent, nothing applied, no details: all refused."""
    v = verdict(ok({"submitted": 3, "inserted": 0, "errors": 3}))
    assert (v.action, v.others) == (Action.ACCEPT, FailureReason.REJECTED)


def test_check_summary_explains_the_mismatch() -> None:
    """``check_summary`` names what does not add up (it becomes the failure message)."""
    _, problem = check_summary({"submitted": 50, "inserted": 50}, (), 100)
    assert problem == "submitted=50 for 100 record(s) sent"
    counts, problem = check_summary({"submitted": 5, "deleted": 5, "errors": 0}, (), 5)
    assert problem is None and counts["deleted"] == 5


def test_updates_ignored_with_update_existing_false_are_named() -> None:
    """Row 'counts lack only updates sent with update_existing=false': the document says such
    records "will be ignored"; the verdict says how many, the others stay accepted."""
    v = classify(ok({"submitted": 3, "inserted": 1, "updated": 0, "errors": 0}), 3, ignorable=2)
    assert (v.action, v.others, v.ignored) == (Action.ACCEPT, None, 2)
    assert v.summary["inserted"] == 1


def test_a_gap_larger_than_the_updates_is_still_unknown() -> None:
    """Summary rule: a gap the page's updates cannot explain vouches for nothing."""
    v = classify(ok({"submitted": 3, "inserted": 0, "errors": 0}), 3, ignorable=2)
    assert (v.action, v.others, v.ignored) == (Action.ACCEPT, FailureReason.UNKNOWN, 0)
    bad = classify(ok({"submitted": 3, "inserted": -1, "errors": 0}), 3, ignorable=3)
    assert bad.others is FailureReason.UNKNOWN
