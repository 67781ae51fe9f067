"""What a write's answer means: one pure function from the answer to a verdict.

The sender only acts on the verdict; every rule about resending lives here.
``classify(answer, sent)`` takes what came back for one page of ``sent`` records
(a decoded ``Response``, or the ``LocktError`` the transport raised) and
returns a ``Verdict``. No I/O, no state: the tests are this table's rows.

===============================================  ==========  ==============================
answer                                           verdict     the page's records
===============================================  ==========  ==============================
the request never left (connection refused,      RESEND      resent with backoff; ``not_sent``
pool timeout: ``ConnectError``)                              when resends run out
HTTP 429                                         RESEND      (same)
HTTP 400 whose message speaks of a rate limit,   RESEND      (same)
an operation in progress, "simultaneous" or
"overlapping" operations (the document's words
about POST operations) or "not processed" (and
is not a validation answer)
"... Batch has been terminated ..." or "The      RESEND      (same)
destination host is unreachable.", matched
exactly, under any status
"Batch size exceeds maximum of X objects."       RESPLIT     re-split into pages of X
HTTP 401                                         STOP        ``not_sent``; the import stops
an answer that is not a Lockt API's (a 404       STOP        (same): the base URL is wrong,
page without the Lockt envelope, an HTML page:               no Lockt instance saw the page
``NotALocktAPIError``)
HTTP 400 validation answer ("Validation errors   REJECT      each echoed record ``rejected``
found...", or per-record ``errors``), whatever               with its messages; the others
words it contains                                            ``rejected`` too (the batch failed)
any other 4xx (a record's "Access level has      REJECT      ``rejected`` (nothing applied)
overlapping schedules" included)
any other 5xx ("An Unexpected Error..."          UNKNOWN     ``unknown``: maybe applied
included), a timeout, a connection dropped
after sending, an undecodable or undocumented
body, a 200 with an error message
a 200 with a write summary that accounts for     ACCEPT      accepted, except each record its
the page exactly                                             per-record errors name: ``rejected``
a 200 whose counts lack only updates sent with   ACCEPT      those updates ``rejected``
``update_existing=false`` (the document: "records            ("ignored"); the others as above
that are determined to be updates of existing
records will be ignored")
a 200 with a summary that does not add up        ACCEPT      records it cannot vouch for:
                                                 (others     ``unknown``; those its per-record
                                                 unknown)    errors name: ``rejected``
===============================================  ==========  ==============================

A summary "accounts for the page" when ``submitted`` equals the records sent,
every count present is a non-negative int, the per-record errors (read from the
top level ``errors`` and from ``data.errors`` when it is a list) number as many
as the ``errors`` count says, and the applied counts (``inserted + updated +
deleted + processed``) plus the errors equal ``submitted``. Only such a summary's
counts enter ``BatchResult``. A per-record error the sender cannot tie to a
record (no usable ``input_data`` echo) makes the page's other records
``unknown`` too: any of them may be the one that failed.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .._results import FailureReason
from .._transport import Response
from ..errors import (
    COMMUNICATION_MESSAGES,
    VALIDATION_MESSAGE_PREFIX,
    APIError,
    ConnectError,
    LocktError,
    NotALocktAPIError,
    RecordErrorDetail,
    ValidationFailedError,
    error_message,
    excerpt,
    parse_batch_limit,
    parse_record_errors,
)

__all__ = ["Action", "Verdict", "classify"]

#: Counts of the document's write summaries ("processed" is the delegate create's).
APPLIED_FIELDS = ("inserted", "updated", "deleted", "processed")
SUMMARY_FIELDS = ("submitted", *APPLIED_FIELDS, "errors")

#: A 400 that refuses the request as a whole without processing it (NOTES.md, rate
#: limit). "Simultaneous"/"overlapping" count only as the document uses them, of
#: operations ("prevent simultaneous and overlapping POST operations"): a record's
#: "overlapping schedules" or dates are a validation answer, never a resend.
_NOT_PROCESSED_RE = re.compile(
    r"rate.?limit|in progress|not (been )?processed|try again"
    r"|\b(simultaneous|overlapping)( and (simultaneous|overlapping))?"
    r" ((POST|write) )?operations?\b",
    re.IGNORECASE,
)
#: The documented messages that prove the instance never processed the request.
_NOT_APPLIED_MESSAGES = frozenset(
    m for m, not_applied in COMMUNICATION_MESSAGES.items() if not_applied
)


class Action(enum.Enum):
    """What the sender does with a page after an answer."""

    ACCEPT = "accept"
    REJECT = "reject"
    RESEND = "resend"
    RESPLIT = "resplit"
    UNKNOWN = "unknown"
    STOP = "stop"


@attrs.frozen(kw_only=True)
class Verdict:
    """The meaning of one answer for the page it answers."""

    action: Action
    #: HTTP status, or None when no HTTP answer came.
    status: int | None
    #: Why, in words, for the failures it produces (server text quoted, shortened).
    message: str = ""
    #: ACCEPT and REJECT: per-record refusals, to be matched to records by their echo.
    record_errors: tuple[RecordErrorDetail, ...] = ()
    #: What the records not named by ``record_errors`` become: None (accepted),
    #: ``UNKNOWN`` (the summary cannot vouch for them) or ``REJECTED`` (batch failed).
    others: FailureReason | None = None
    #: ACCEPT: the summary's counts, only when they account for the page.
    summary: Mapping[str, int] = attrs.field(factory=dict)
    #: RESPLIT: the instance's record limit.
    limit: int | None = None
    #: RESEND: seconds the server asked us to wait (Retry-After), if it said.
    retry_after: float | None = None
    #: ACCEPT: how many of the page's ignorable records the server ignored (``rejected``).
    ignored: int = 0
    #: The error that caused it (a STOP's or a REJECT's), for the caller.
    error: LocktError | None = None


def classify(
    answer: Response | LocktError, sent: int, *, ignorable: int | Callable[[], int] = 0
) -> Verdict:
    """The verdict for one page of ``sent`` records; see the module's table.

    ``ignorable`` counts the page's records that the document lets the server ignore
    without an error (``POST /user`` updates sent with ``update_existing=false``);
    a callable is asked only when the summary falls short (counting walks the page).
    """
    if isinstance(answer, LocktError):
        return _classify_error(answer)
    return _classify_response(answer, sent, ignorable)


def _classify_error(exc: LocktError) -> Verdict:  # noqa: C901 - one branch per row of the module's table, in its order
    if isinstance(exc, ConnectError):
        return Verdict(action=Action.RESEND, status=None, message=str(exc))
    if isinstance(exc, NotALocktAPIError):
        return Verdict(action=Action.STOP, status=exc.status_code, message=str(exc), error=exc)
    if not isinstance(exc, APIError):
        # Timeouts, dropped connections, undecodable or undocumented bodies.
        status = getattr(exc, "status_code", None)
        return Verdict(action=Action.UNKNOWN, status=status, message=str(exc), error=exc)
    status = exc.status_code
    message = exc.server_message
    text = message or str(exc)
    if message is not None and message in _NOT_APPLIED_MESSAGES:
        return Verdict(action=Action.RESEND, status=status, message=text)
    if message is not None:
        limit = parse_batch_limit(message)
        if limit is not None:
            return Verdict(action=Action.RESPLIT, status=status, message=text, limit=limit)
    if status == 429:
        return Verdict(
            action=Action.RESEND,
            status=status,
            message=text,
            retry_after=getattr(exc, "retry_after", None),
        )
    if status == 401:
        return Verdict(action=Action.STOP, status=status, message=text, error=exc)
    if 400 <= status < 500:
        if _is_validation(exc):
            details = exc.record_errors if isinstance(exc, ValidationFailedError) else ()
            return Verdict(
                action=Action.REJECT,
                status=status,
                message=text,
                record_errors=details,
                others=FailureReason.REJECTED,
                error=exc,
            )
        if status == 400 and message is not None and _NOT_PROCESSED_RE.search(message):
            return Verdict(
                action=Action.RESEND,
                status=status,
                message=text,
                retry_after=getattr(exc, "retry_after", None),
            )
        return Verdict(
            action=Action.REJECT,
            status=status,
            message=text,
            others=FailureReason.REJECTED,
            error=exc,
        )
    # 5xx whatever it says, and a 2xx/3xx carrying an error message: maybe applied.
    return Verdict(action=Action.UNKNOWN, status=status, message=text, error=exc)


def _is_validation(exc: APIError) -> bool:
    if isinstance(exc, ValidationFailedError):
        return True
    message = exc.server_message or ""
    return message.startswith(VALIDATION_MESSAGE_PREFIX)


def _classify_response(resp: Response, sent: int, ignorable: int | Callable[[], int]) -> Verdict:
    status = resp.status_code
    body = resp.body
    data = body.get("data") if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping) or "submitted" not in data:
        # Every documented write answer carries a summary; anything else proves nothing.
        return Verdict(
            action=Action.UNKNOWN,
            status=status,
            message=f"HTTP {status} without the documented write summary: {excerpt(repr(body))}",
        )
    details = _record_errors(body, data)
    message, lines = error_message(body)
    message = message if message is not None else next(iter(lines), None)
    if message is not None and not message.startswith(VALIDATION_MESSAGE_PREFIX):
        # A summary beside an error message ("An Unexpected Error...", "terminated"):
        # the two contradict each other, so neither proves what was applied.
        return Verdict(
            action=Action.UNKNOWN,
            status=status,
            message=f"HTTP {status}: a write summary beside the error {excerpt(message)!r}",
        )
    summary, problem = check_summary(data, details, sent)
    if problem is None:
        return Verdict(action=Action.ACCEPT, status=status, record_errors=details, summary=summary)
    gap = _gap(summary)
    if (
        gap > 0
        and gap <= (ignorable() if callable(ignorable) else ignorable)
        and summary.get("submitted") == sent
        # With the ignored ones taken out, everything else must add up.
        and check_summary({**data, "submitted": sent - gap}, details, sent - gap)[1] is None
    ):
        # Only updates are missing from the counts: the server ignored them, as the
        # document says it does with update_existing=false. The sender checks that
        # exactly ``gap`` of them are left once the per-record errors are matched.
        return Verdict(
            action=Action.ACCEPT,
            status=status,
            message="ignored by the server: an update (the record has an id) sent with "
            "update_existing=False; pass update_existing=True to update it",
            record_errors=details,
            summary=summary,
            ignored=gap,
        )
    applied = sum(summary.get(f, 0) for f in APPLIED_FIELDS)
    if not details and applied == 0 and summary.get("errors") == sent == summary.get("submitted"):
        # Every record counted as an error, none named: all refused, none applied.
        return Verdict(
            action=Action.ACCEPT,
            status=status,
            message=f"the server counted an error for every record without details ({problem})",
            others=FailureReason.REJECTED,
            summary=summary,
        )
    return Verdict(
        action=Action.ACCEPT,
        status=status,
        message=f"the server's write summary does not account for the page ({problem}); "
        "this record may or may not have been applied",
        record_errors=details,
        others=FailureReason.UNKNOWN,
    )


def _gap(counts: Mapping[str, int]) -> int:
    """Records ``submitted`` counts that no applied or error count accounts for."""
    applied = sum(counts.get(f, 0) for f in APPLIED_FIELDS)
    return counts.get("submitted", 0) - applied - counts.get("errors", 0)


def _record_errors(
    body: Mapping[str, Any], data: Mapping[str, Any]
) -> tuple[RecordErrorDetail, ...]:
    """Per-record errors from every place the document puts them."""
    found: list[RecordErrorDetail] = []
    for raw in (body.get("errors"), data.get("errors")):
        if isinstance(raw, list):
            found.extend(parse_record_errors(raw))
    return tuple(found)


def check_summary(
    data: Mapping[str, Any], details: tuple[RecordErrorDetail, ...], sent: int
) -> tuple[dict[str, int], str | None]:
    """The summary's counts and, when they do not account for ``sent`` records, why not."""
    counts: dict[str, int] = {}
    for field in SUMMARY_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "errors" and isinstance(value, list):
            value = len(value)
        if type(value) is not int or value < 0:
            return counts, f"{field}={excerpt(repr(value), 40)} is not a count"
        counts[field] = value
    submitted = counts.get("submitted")
    if submitted != sent:
        return counts, f"submitted={submitted} for {sent} record(s) sent"
    errors = counts.get("errors", len(details))
    if details and errors != len(details):
        return counts, f"errors={errors} but {len(details)} per-record error(s)"
    applied = sum(counts.get(f, 0) for f in APPLIED_FIELDS)
    if applied + errors != submitted:
        return counts, f"{applied} applied + {errors} error(s) != submitted={submitted}"
    if errors and not details:
        return counts, f"errors={errors} without per-record details"
    return counts, None
