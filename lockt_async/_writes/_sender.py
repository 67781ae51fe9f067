"""Sends one page through the gate and acts on the classifier's verdict.

The sender depends on a ``WriteContext`` (send, converter, gate, limit), not on
the client: a test can drive it with a three-line fake. What it learns (a lower
record limit) it returns in the ``PageOutcome``; it writes nothing back.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import anyio.lowlevel
import attrs

from .. import _telemetry
from .._config import RetryPolicy
from .._gate import GateSlot, WriteGate, gate_passage
from .._results import FailureReason, PageResult
from .._transport import Response, dumps
from ..errors import ConnectionDropped, LocktError, RecordErrorDetail, RequestTimeout, excerpt
from ._records import Item, Matcher, WriteSpec, encode_options
from .classify import Action, Verdict, classify

if TYPE_CHECKING:
    from ..converters import LocktConverter

logger = logging.getLogger("lockt_async")

#: Slack past the request deadline before the shield around a page in flight gives
#: way (the transport's own deadline normally ends the request first).
SHIELD_SLACK = 0.5
_CANCELLED = "not sent: the import was cancelled"


class SendWrite(Protocol):
    """Sends one request once and decodes it (``Transport.send``)."""

    def __call__(self, method: str, path: str, *, body: bytes | None = None) -> Awaitable[Response]:
        """The decoded answer, or the precise ``LocktError``."""
        ...


@attrs.frozen(kw_only=True)
class WriteContext:
    """All the write path needs from a client: the narrow seam."""

    send: SendWrite
    converter: Callable[[], Awaitable[LocktConverter]]
    gate: WriteGate
    #: The instance's record limit as known when the write starts.
    record_limit: int
    #: How often and after how long a page certainly not applied is resent.
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)
    #: Names the instance: the settle record of a gate that keeps none of its own.
    instance_key: str = ""
    #: Seconds the next write to the instance waits after an ambiguous one.
    settle: float = 0.0
    #: The request deadline: how long a page in flight is shielded from the caller's cancel.
    timeout: float | None = None


@attrs.define
class PageOutcome:
    """What became of one page's records (keyed by each item's index), and why."""

    failures: dict[int, tuple[FailureReason, tuple[str, ...]]] = attrs.Factory(dict)
    summary: dict[str, int] = attrs.Factory(dict)
    pages: list[PageResult] = attrs.Factory(list)
    #: An error that should stop the whole import (401, or validation with all-or-nothing).
    stop: LocktError | None = None
    #: The record limit the server told us about, when lower than the one we had.
    learned_limit: int | None = None
    #: Indexes whose outcome is final (accepted ones included): on cancellation the
    #: others of the page were not sent.
    resolved: set[int] = attrs.Factory(set)


@attrs.define
class _Attempt:
    """What one pass through the gate got to: sent or not, and the verdict."""

    sent: bool = False
    settled: float = 0.0
    #: Seconds spent waiting for the write gate (settle included).
    gate_wait: float = 0.0
    answer: Response | LocktError | None = None
    verdict: Verdict | None = None


class PageSender:
    """Sends one page through the gate, resending only what certainly was not applied.

    Shared by bulk writes (``run_batch``) and coalesced single-record writes.
    """

    def __init__(self, ctx: WriteContext, spec: WriteSpec, options: Mapping[str, bool]):
        self._ctx = ctx
        self._spec = spec
        self._options = encode_options(spec, options)
        self.vfb = bool(options.get("validate_fails_batch", True))
        self.limit = 1 if spec.one_per_call else ctx.record_limit
        #: The coalesced callers whose records the pages carry (their spans, for links).
        self.links: Sequence[object] | None = None
        # The document: with update_existing=false "records that are determined to be
        # updates of existing records will be ignored" (a valid id makes an update).
        self._updates_ignored = "update_existing" in spec.option_names and not options.get(
            "update_existing", False
        )

    def body(self, items: Sequence[Item]) -> bytes | None:
        """The encoded request body, or None when a value JSON cannot carry is inside
        (an int past 64 bits in a model field...): ``send`` then finds and refuses it."""
        payload: dict[str, Any] = {self._spec.node: [wire for _, _, wire in items]}
        if self._options:
            payload["options"] = self._options
        try:
            return dumps(payload)
        except _ENCODE_ERRORS:
            return None

    async def send(
        self, items: Sequence[Item], body: bytes | None = None, out: PageOutcome | None = None
    ) -> PageOutcome:
        """Send ``items`` (splitting to the current limit first) and report every record.

        Cancellation takes effect at once while waiting for the gate, for a settle
        period or before a resend; only a request already on the wire is shielded,
        for at most its deadline. Pass ``out`` to keep what was resolved before a
        cancel: records not in ``out.resolved`` or ``out.failures`` were not sent.
        """
        out = out if out is not None else PageOutcome()
        await self._send(items, body, out)
        if _telemetry.hooks is not None:
            _telemetry.records(self._spec.operation, len(items), out.failures)
        return out

    async def _send(self, items: Sequence[Item], body: bytes | None, out: PageOutcome) -> None:
        if len(items) > self.limit:
            limit = self.limit
            for lo in range(0, len(items), limit):
                await self._send(items[lo : lo + limit], None, out)
            return
        if out.stop is not None:
            _fail_all(items, out, FailureReason.NOT_SENT, "not sent: import stopped")
            return
        items, body = self._encoded(items, body, out)
        if body is not None:
            await self._attempts(items, body, out)

    def _encoded(
        self, items: Sequence[Item], body: bytes | None, out: PageOutcome
    ) -> tuple[Sequence[Item], bytes | None]:
        """The page and its body; records no encoder can send are refused first
        (``invalid``), and None is the body when none is left."""
        if body is None:
            body = self.body(items)
        if body is None:
            items = self._refuse_unencodable(items, out)
            body = self.body(items) if items else None
        return items, body

    async def _attempts(self, items: Sequence[Item], body: bytes, out: PageOutcome) -> None:
        """Send the page through the gate until its verdict is final (resends, a re-split)."""
        attempt = 0
        resends = Resends(self._ctx.retry, f"{self._spec.method} {self._spec.path}")
        settled = 0.0
        while True:
            attempt += 1
            start = time.perf_counter()
            att = _Attempt()
            op = self._spec.operation
            info = _telemetry.PageInfo(
                op, self._spec.method, self._spec.path, len(items), len(body), attempt, self.links
            )
            span = _telemetry.page_start(info)
            try:
                await pass_gate(
                    self._ctx,
                    self._spec.method,
                    self._spec.path,
                    body,
                    len(items),
                    att,
                    ignorable=lambda: self._ignorable(items),
                )
            except BaseException as exc:
                _telemetry.page_end(span, info, att, start, exc)
                self._abort(items, out, att, _page(items, None, start, "", attempt, settled))
                raise
            if span is not None or _debug():
                _telemetry.page_end(span, info, att, start)
            settled += att.settled
            verdict = att.verdict
            assert verdict is not None
            action = verdict.action
            page = _page(items, verdict.status, start, "", attempt, settled)
            if action is Action.RESEND:
                try:
                    again = await resends.wait(verdict)
                except BaseException:  # certainly not applied, and not resent after a cancel
                    self._abort(items, out, att, page)
                    raise
                if again:
                    continue
            if (
                action is Action.RESPLIT
                and verdict.limit is not None
                and 1 <= verdict.limit < len(items)
            ):
                out.pages.append(attrs.evolve(page, outcome="resplit"))
                self._learn(verdict.limit, out)
                await self._send(items, None, out)
                return
            self._apply(items, verdict, out, page)
            return

    def _abort(
        self, items: Sequence[Item], out: PageOutcome, att: _Attempt, page: PageResult
    ) -> None:
        """Interrupted (cancelled) around an attempt: give the page its outcome, if known."""
        verdict = att.verdict
        if verdict is not None and verdict.action not in (Action.RESEND, Action.RESPLIT):
            self._apply(items, verdict, out, attrs.evolve(page, status=verdict.status))
            return
        if att.sent and verdict is None:
            out.pages.append(attrs.evolve(page, outcome="unknown"))
            _fail_all(items, out, FailureReason.UNKNOWN, "sent, then interrupted: no answer")
        elif att.sent:  # the answer proved it was not applied; no resend now
            status = verdict.status if verdict is not None else None
            out.pages.append(attrs.evolve(page, status=status, outcome="not_sent"))
            _fail_all(items, out, FailureReason.NOT_SENT, _CANCELLED)
        elif page.attempts > 1:  # earlier attempts were answered "not applied"
            out.pages.append(attrs.evolve(page, attempts=page.attempts - 1, outcome="not_sent"))
            _fail_all(items, out, FailureReason.NOT_SENT, _CANCELLED)
        else:
            return  # never sent: the caller accounts for it
        out.resolved.update(index for index, _, _ in items)

    def _apply(  # noqa: C901 - one branch per Action of the classify table, in its order
        self, items: Sequence[Item], verdict: Verdict, out: PageOutcome, page: PageResult
    ) -> None:
        """Record what ``verdict`` means for each record of the page."""
        out.resolved.update(index for index, _, _ in items)
        action = verdict.action
        if action is Action.ACCEPT:
            outcome = "ok" if verdict.others is None and not verdict.record_errors else "partial"
            if verdict.others is FailureReason.UNKNOWN:
                outcome = "unknown"
            if not self._match(items, out, verdict):
                outcome = "unknown"
            else:
                for k, v in verdict.summary.items():
                    out.summary[k] = out.summary.get(k, 0) + v
            out.pages.append(attrs.evolve(page, outcome=outcome))
            return
        if action is Action.REJECT:
            out.pages.append(attrs.evolve(page, outcome="rejected"))
            unmatched = _match_errors(self._spec, items, out, verdict.record_errors)
            if verdict.record_errors and not unmatched:
                # Every refused record is known; the others were not applied only
                # because they shared the page: safe to resend (records_to_retry).
                _fail_all(items, out, FailureReason.NOT_SENT, _SIBLING_NOTE)
            else:
                _fail_all(items, out, FailureReason.REJECTED, verdict.message)
            if self.vfb:
                out.stop = verdict.error or LocktError(verdict.message)
            return
        if action is Action.STOP:
            out.pages.append(attrs.evolve(page, outcome="not_sent"))
            _fail_all(items, out, FailureReason.NOT_SENT, verdict.message)
            out.stop = verdict.error or LocktError(verdict.message)
            return
        if action is Action.RESEND:  # resends ran out
            out.pages.append(attrs.evolve(page, outcome="not_sent"))
            _fail_all(
                items,
                out,
                FailureReason.NOT_SENT,
                f"not applied after {page.attempts} attempts: {verdict.message}",
            )
            return
        if action is Action.RESPLIT:  # a limit we cannot split to (>= the page, or < 1)
            out.pages.append(attrs.evolve(page, outcome="rejected"))
            _fail_all(items, out, FailureReason.REJECTED, verdict.message)
            return
        out.pages.append(attrs.evolve(page, outcome="unknown"))
        _fail_all(items, out, FailureReason.UNKNOWN, verdict.message)

    def _ignorable(self, items: Sequence[Item]) -> int:
        """How many of the page's records the server may ignore without an error."""
        if not self._updates_ignored:
            return 0
        return sum(1 for _, _, wire in items if _is_update(wire))

    def _match(self, items: Sequence[Item], out: PageOutcome, verdict: Verdict) -> bool:
        """Per-record errors to their records; the others per ``verdict.others``.

        False when the answer turned out not to vouch for the page after all.
        """
        unmatched = _match_errors(self._spec, items, out, verdict.record_errors)
        if verdict.ignored:
            left = [it for it in items if it[0] not in out.failures and _is_update(it[2])]
            if not unmatched and len(left) == verdict.ignored:
                _fail_all(left, out, FailureReason.REJECTED, verdict.message)
                return True
            _fail_all(
                items,
                out,
                FailureReason.UNKNOWN,
                "the server's write summary does not account for the page "
                f"({verdict.ignored} record(s) neither applied nor refused); "
                "this one may or may not have been applied",
            )
            return False
        if verdict.others is not None:
            _fail_all(items, out, verdict.others, verdict.message)
        elif unmatched:
            _fail_all(
                items,
                out,
                FailureReason.UNKNOWN,
                f"the server reported {unmatched} error(s) it did not tie to a record; "
                "this one may or may not have been applied",
            )
        return True

    def _refuse_unencodable(self, items: Sequence[Item], out: PageOutcome) -> list[Item]:
        """Mark each record JSON cannot carry ``invalid``; return the others."""
        good = []
        for item in items:
            try:
                dumps(item[2])
                good.append(item)
            except _ENCODE_ERRORS as exc:
                out.failures[item[0]] = (FailureReason.INVALID, (_encode_note(exc),))
        return good

    def _learn(self, limit: int, out: PageOutcome) -> None:
        if limit < self.limit:
            logger.info(
                "instance record limit is %d (was assuming %d); re-splitting", limit, self.limit
            )
            self.limit = limit
            out.learned_limit = limit


_debug = functools.partial(logger.isEnabledFor, logging.DEBUG)
_SIBLING_NOTE = (
    "not applied: another record of its page failed validation (validate_fails_batch=True); "
    "safe to resend"
)


class Resends:
    """The resends of one page, on the client's ``RetryPolicy``: at most
    ``write_resends`` of them, and no wait that would pass ``total`` seconds."""

    def __init__(self, policy: RetryPolicy, what: str):
        self._retries = policy.retries(f"resending {what}", attempts=policy.write_resends)

    async def wait(self, verdict: Verdict) -> bool:
        """Sleep before the next resend and return True, or False when resends ran out."""
        return await self._retries.wait(
            retry_after=verdict.retry_after, reason=f"HTTP {verdict.status}"
        )


def _is_update(wire: Mapping[str, Any]) -> bool:
    """A ``POST /user`` record carrying a system id (the behaviour table: an update)."""
    return wire.get("id") not in (None, -1, "-1", "")


def _ambiguous(answer: Response | LocktError) -> bool:
    """Sent, and the server may still be working on it: timed out or connection lost."""
    return isinstance(answer, RequestTimeout | ConnectionDropped)


async def pass_gate(
    ctx: WriteContext,
    method: str,
    path: str,
    body: bytes | None,
    records: int,
    att: _Attempt,
    *,
    ignorable: int | Callable[[], int] = 0,
) -> None:
    """One attempt: through the gate (cancellable), then the request (shielded), classified.

    Nothing is sent once the caller has cancelled: the last check is the moment
    before the request starts. The request itself is shielded for at most its
    deadline, so a cancelled caller still learns what became of it; a gate that
    loses its hold (a Redis lease) cuts it. A request that timed out or lost its
    connection marks the gate's slot, and the next write waits ``ctx.settle``.
    """
    asked = time.perf_counter()
    try:
        async with gate_passage(ctx.gate, ctx.instance_key) as slot:
            att.gate_wait = time.perf_counter() - asked
            att.settled = slot.settled
            await anyio.lowlevel.checkpoint_if_cancelled()
            att.sent = True
            answer = att.answer = await _in_flight(ctx, method, path, body, slot)
            att.verdict = classify(answer, records, ignorable=ignorable)
            if _ambiguous(answer):
                slot.ambiguous(ctx.settle)
    except LocktError as exc:
        if not att.sent:
            raise  # the gate failed before anything left: the caller's records are not sent
        att.answer = exc  # e.g. the Redis lease lost with the write in flight
        att.verdict = classify(exc, records)


async def _in_flight(
    ctx: WriteContext, method: str, path: str, body: bytes | None, slot: GateSlot
) -> Response | LocktError:
    with anyio.CancelScope(shield=True) as scope:
        if ctx.timeout is not None:
            scope.deadline = anyio.current_time() + ctx.timeout + SHIELD_SLACK
        slot.guard(scope)
        try:
            return await ctx.send(method, path, body=body)
        except LocktError as exc:
            return exc
    return RequestTimeout(f"{method} {path}: the request in flight was cut (no answer)")


def _match_errors(
    spec: WriteSpec, items: Sequence[Item], out: PageOutcome, errors: Sequence[RecordErrorDetail]
) -> int:
    """Mark each record a per-record error echoes ``rejected``; return how many matched none."""
    if not errors:  # the common case: the index of the page's echoes is not needed
        return 0
    matcher = Matcher(spec, items)
    unmatched = 0
    for detail in errors:
        pos = matcher.match(detail.input_data)
        if pos is None:
            unmatched += 1
            continue
        out.failures[items[pos][0]] = (FailureReason.REJECTED, detail.messages or ("rejected",))
    return unmatched


def _fail_all(items: Sequence[Item], out: PageOutcome, reason: FailureReason, msg: str) -> None:
    for index, _, _ in items:
        out.failures.setdefault(index, (reason, (msg,)))


def _page(
    items: Sequence[Item],
    status: int | None,
    start: float,
    outcome: str,
    attempts: int,
    settled: float = 0.0,
) -> PageResult:
    return PageResult(
        first_index=items[0][0],
        records=len(items),
        status=status,
        duration=time.perf_counter() - start,
        outcome=outcome,
        attempts=attempts,
        settled=settled,
    )


_ENCODE_ERRORS = (TypeError, ValueError, OverflowError)


def _encode_note(exc: BaseException) -> str:
    return f"record cannot be encoded as JSON: {excerpt(str(exc), 120)}"
