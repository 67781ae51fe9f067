"""The write path: pages under the record limit, one write in flight, an outcome per record.

A record enters as a model or a mapping, is converted to its wire form and
checked once (``_validation.py``), is cut into pages no larger than the
instance's limit, crosses the write gate, is sent, and comes back as an outcome
(accepted, or a ``Failure`` with its reason).

Retry rules (a write is resent only when the server certainly did not apply it):

==========================================  ==================================
answer                                      what happens to the page
==========================================  ==================================
connection refused (request not sent)       resent, with backoff
rate limited (429 / "in progress")          resent, with backoff
"Batch size exceeds maximum of X objects."  re-split into pages of X, resent
"... Batch has been terminated ...",        resent, with backoff
"The destination host is unreachable."
timeout, dropped connection, 5xx,           ``unknown``; the import goes on
"An Unexpected Error has occurred...",
a 200 that is not the documented envelope
validation errors                           ``rejected`` per record (matched
                                            through the echoed ``input_data``)
another 4xx                                 ``rejected`` (nothing applied)
401                                         ``not_sent``; the import stops
==========================================  ==================================

When resends run out the page's records are ``not_sent``. With
``validate_fails_batch=True`` (all or nothing) a rejected page also stops the
import: the rest is ``not_sent``. Pipelining: while a
page is in flight, a producer task already converts, checks and encodes the
next one, so the client adds little to the server's own time.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
import attrs

from ._results import BatchResult, Failure, FailureReason, PageResult, Progress
from ._transport import dumps
from ._validation import DuplicateTracker
from .errors import (
    APIError,
    AuthenticationError,
    BatchSizeExceededError,
    ClientValidationError,
    ConnectError,
    InstanceCommunicationError,
    LocktError,
    MalformedResponseError,
    RateLimitError,
    RecordError,
    ServerValidationError,
    WriteNotAppliedError,
    WriteOutcomeUnknownError,
    excerpt,
    parse_record_errors,
)

if TYPE_CHECKING:
    from ._client import LocktClient
    from .converters import LocktConverter

logger = logging.getLogger("lockt_async")

_SUMMARY_FIELDS = ("submitted", "inserted", "updated", "deleted", "processed", "errors")
#: How often a page is resent after an answer that proves it was not applied.
WRITE_RETRIES = 6
_BACKOFF_START = 0.05
_BACKOFF_CAP = 5.0

Check = Callable[[Mapping[str, Any]], list[str]]


@attrs.frozen(kw_only=True)
class WriteSpec:
    """What differs between write endpoints; the engine does the rest."""

    operation: str
    method: str
    path: str
    node: str
    check: Check
    #: The model a mapping is structured into; None for id-only bodies (deletes).
    model: type[Any] | None = None
    #: Wire fields sent; others (read-only ones such as ``credentials``) are dropped.
    fields: frozenset[str] = frozenset()
    duplicate_fields: tuple[str, ...] = ()
    #: Natural keys that match a server error's echoed ``input_data`` to a record.
    match_fields: tuple[str, ...] = ("id",)
    one_per_call: bool = False
    #: Fills in wire defaults (a user without ``id`` is an insert: ``id: -1``).
    prepare: Callable[[dict[str, Any]], None] | None = None
    #: Options that the endpoint takes (the others are not sent).
    option_names: tuple[str, ...] = ("validate_fails_batch",)


#: (index in the caller's input, the caller's record, its wire dict)
_Item = tuple[int, Any, dict[str, Any]]


@attrs.frozen
class _Page:
    """Records cut for one request, and their encoded body."""

    items: list[_Item]
    body: bytes | None  # None: a record JSON cannot carry is inside (the sender finds it)


def encode_options(spec: WriteSpec, options: Mapping[str, bool]) -> dict[str, str]:
    """Options as the document sends them: the strings ``"true"``/``"false"``."""
    return {k: "true" if options[k] else "false" for k in spec.option_names if k in options}


def to_wire(spec: WriteSpec, conv: LocktConverter, record: Any) -> dict[str, Any]:
    """The wire dict of one record; raises ``RecordError`` naming the field."""
    if spec.model is None:
        return {"id": _id_of(record)}
    if type(record) is dict or (not isinstance(record, spec.model) and isinstance(record, Mapping)):
        if not spec.fields.issuperset(record):
            unknown = sorted(str(k) for k in record if k not in spec.fields)
            raise RecordError(
                f"unknown field(s) {', '.join(unknown)} for {spec.operation}; "
                f"allowed: {', '.join(sorted(spec.fields))}",
                field=unknown[0],
            )
    elif not isinstance(record, spec.model):
        raise RecordError(
            f"a {spec.operation} record must be a {spec.model.__name__} or a mapping, "
            f"got {type(record).__name__}",
            field=None,
        )
    wire = conv.wire_encoder(spec.model, spec.fields)(record)
    if spec.prepare is not None:
        spec.prepare(wire)
    return wire


def _id_of(record: Any) -> Any:
    """An id for an id-only body: an int, a digit string, a model or a mapping with ``id``."""
    if isinstance(record, Mapping):
        return record.get("id")
    if isinstance(record, int | str) or record is None:
        return record
    if hasattr(record, "id"):
        return record.id
    raise RecordError(
        f"expected an id (int), a model or a mapping with 'id', got {type(record).__name__}",
        field="id",
    )


def prepare_item(
    spec: WriteSpec, conv: LocktConverter, record: Any, tracker: DuplicateTracker | None
) -> tuple[dict[str, Any] | None, list[str]]:
    """Convert and check one record: ``(wire, [])`` or ``(None, messages)``."""
    try:
        wire = to_wire(spec, conv, record)
    except RecordError as exc:
        return None, [str(exc)]
    messages = spec.check(wire)
    if tracker is not None and not messages:
        messages = tracker.check(wire)
    return (None, messages) if messages else (wire, [])


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


class _Matcher:
    """Finds the record of a page that a server error's ``input_data`` echoes."""

    def __init__(self, spec: WriteSpec, items: Sequence[_Item]):
        self._exact: dict[Any, list[int]] = {}
        self._natural: dict[tuple[str, str], list[int]] = {}
        for pos, (_, _, wire) in enumerate(items):
            self._exact.setdefault(_canonical(wire), []).append(pos)
            for f in spec.match_fields:
                v = wire.get(f)
                if v not in (None, "", -1, "-1"):
                    self._natural.setdefault((f, str(v)), []).append(pos)
        self._fields = spec.match_fields
        self._taken: set[int] = set()

    def match(self, echo: Mapping[str, Any] | None) -> int | None:
        if echo is None:
            return None
        candidates = self._exact.get(_canonical(echo), [])
        for pos in candidates:
            if pos not in self._taken:
                self._taken.add(pos)
                return pos
        for f in self._fields:
            v = echo.get(f)
            if v in (None, "", -1, "-1"):
                continue
            for pos in self._natural.get((f, str(v)), []):
                if pos not in self._taken:
                    self._taken.add(pos)
                    return pos
        return None


@attrs.define
class PageOutcome:
    """What became of one page's records (keyed by each item's index), and why."""

    failures: dict[int, tuple[FailureReason, tuple[str, ...]]] = attrs.Factory(dict)
    summary: dict[str, int] = attrs.Factory(dict)
    pages: list[PageResult] = attrs.Factory(list)
    #: An error that should stop the whole import (401, or validation with all-or-nothing).
    stop: LocktError | None = None


class PageSender:
    """Sends one page through the gate, resending only what certainly was not applied.

    Shared by bulk writes (``run_batch``) and coalesced single-record writes.
    """

    def __init__(self, client: LocktClient, spec: WriteSpec, options: Mapping[str, bool]):
        self._client = client
        self._spec = spec
        self._options = encode_options(spec, options)
        self._vfb = bool(options.get("validate_fails_batch", True))
        self._rng = random.Random()

    def body(self, items: Sequence[_Item]) -> bytes | None:
        """The encoded request body, or None when a value JSON cannot carry is inside
        (an int past 64 bits in a model field...): ``send`` then finds and refuses it."""
        payload: dict[str, Any] = {self._spec.node: [wire for _, _, wire in items]}
        if self._options:
            payload["options"] = self._options
        try:
            return dumps(payload)
        except _ENCODE_ERRORS:
            return None

    async def send(self, items: Sequence[_Item], body: bytes | None = None) -> PageOutcome:
        """Send ``items`` (splitting to the current limit first) and report every record."""
        out = PageOutcome()
        await self._send(items, body, out)
        return out

    async def _send(self, items: Sequence[_Item], body: bytes | None, out: PageOutcome) -> None:
        limit = 1 if self._spec.one_per_call else self._client.record_limit
        if len(items) > limit:
            for lo in range(0, len(items), limit):
                await self._send(items[lo : lo + limit], None, out)
            return
        if out.stop is not None:
            self._fail_all(items, out, FailureReason.NOT_SENT, "not sent: import stopped")
            return
        if body is None:
            body = self.body(items)
        if body is None:
            items = self._refuse_unencodable(items, out)
            body = self.body(items) if items else None
            if body is None:
                return
        transport = self._client._transport
        attempt = 0
        first = items[0][0]
        while True:
            attempt += 1
            start = time.perf_counter()
            try:
                async with self._client.write_gate.hold():
                    resp = await transport.send(self._spec.method, self._spec.path, body=body)
            except BatchSizeExceededError as exc:
                out.pages.append(
                    self._page(first, items, exc.status_code, start, "resplit", attempt)
                )
                if exc.limit < len(items) and exc.limit >= 1:
                    self._learn(exc.limit)
                    await self._send(items, None, out)
                    return
                self._fail_all(items, out, FailureReason.REJECTED, str(exc))
                return
            except (RateLimitError, ConnectError, InstanceCommunicationError) as exc:
                retryable = not isinstance(exc, InstanceCommunicationError) or exc.not_applied
                status = getattr(exc, "status_code", None)
                if not retryable:
                    out.pages.append(self._page(first, items, status, start, "unknown", attempt))
                    self._fail_all(items, out, FailureReason.UNKNOWN, _msg(exc))
                    return
                if attempt > WRITE_RETRIES:
                    out.pages.append(self._page(first, items, status, start, "not_sent", attempt))
                    self._fail_all(
                        items,
                        out,
                        FailureReason.NOT_SENT,
                        f"not applied after {attempt} attempts: {_msg(exc)}",
                    )
                    return
                await self._backoff(attempt, exc)
                continue
            except AuthenticationError as exc:
                out.pages.append(self._page(first, items, 401, start, "not_sent", attempt))
                self._fail_all(items, out, FailureReason.NOT_SENT, _msg(exc))
                out.stop = exc
                return
            except ServerValidationError as exc:
                out.pages.append(
                    self._page(first, items, exc.status_code, start, "rejected", attempt)
                )
                self._match_errors(items, out, exc.record_errors, batch_failed=True)
                if self._vfb:
                    out.stop = exc
                return
            except (APIError, MalformedResponseError) as exc:
                status = getattr(exc, "status_code", None)
                if isinstance(exc, APIError) and 400 <= exc.status_code < 500:
                    # The server refused the request as a whole; nothing was applied.
                    out.pages.append(self._page(first, items, status, start, "rejected", attempt))
                    self._fail_all(items, out, FailureReason.REJECTED, _msg(exc))
                    if self._vfb:
                        out.stop = exc
                    return
                out.pages.append(self._page(first, items, status, start, "unknown", attempt))
                self._fail_all(items, out, FailureReason.UNKNOWN, _msg(exc))
                return
            except LocktError as exc:  # timeouts and dropped connections
                out.pages.append(self._page(first, items, None, start, "unknown", attempt))
                self._fail_all(items, out, FailureReason.UNKNOWN, _msg(exc))
                return
            break
        body_json = resp.body
        data = body_json.get("data")
        raw_errors = body_json.get("errors")
        if (
            not isinstance(data, Mapping)
            or type(data.get("submitted")) is not int
            or (raw_errors is not None and not isinstance(raw_errors, list))
        ):
            # Every documented write answer carries an integer ``submitted``; anything
            # else (``{}``, ``{"data": []}``, ...) proves nothing was or was not applied.
            out.pages.append(self._page(first, items, resp.status_code, start, "unknown", attempt))
            self._fail_all(
                items,
                out,
                FailureReason.UNKNOWN,
                f"HTTP {resp.status_code} without the documented write summary: "
                f"{excerpt(repr(body_json))}",
            )
            return
        for k in _SUMMARY_FIELDS:
            v = data.get(k)
            if isinstance(v, int) and not isinstance(v, bool):
                out.summary[k] = out.summary.get(k, 0) + v
        errors = parse_record_errors(raw_errors)
        outcome = "partial" if errors else "ok"
        out.pages.append(self._page(first, items, resp.status_code, start, outcome, attempt))
        if errors:
            self._match_errors(items, out, errors, batch_failed=False)

    def _match_errors(
        self,
        items: Sequence[_Item],
        out: PageOutcome,
        errors: Sequence[Any],
        *,
        batch_failed: bool,
    ) -> None:
        matcher = _Matcher(self._spec, items)
        unmatched = 0
        for detail in errors:
            pos = matcher.match(detail.input_data)
            if pos is None:
                unmatched += 1
                continue
            out.failures[items[pos][0]] = (FailureReason.REJECTED, detail.messages or ("rejected",))
        if batch_failed:
            note = "not applied: another record of its page failed validation"
            self._fail_all(
                items, out, FailureReason.REJECTED, f"{note} (validate_fails_batch=True)"
            )
        elif unmatched:
            self._fail_all(
                items,
                out,
                FailureReason.UNKNOWN,
                f"the server reported {unmatched} error(s) it did not tie to a record; "
                "this one may or may not have been applied",
            )

    def _fail_all(
        self, items: Sequence[_Item], out: PageOutcome, reason: FailureReason, msg: str
    ) -> None:
        for index, _, _ in items:
            out.failures.setdefault(index, (reason, (msg,)))

    def _refuse_unencodable(self, items: Sequence[_Item], out: PageOutcome) -> list[_Item]:
        """Mark each record JSON cannot carry ``invalid``; return the others."""
        good = []
        for item in items:
            try:
                dumps(item[2])
                good.append(item)
            except _ENCODE_ERRORS as exc:
                out.failures[item[0]] = (FailureReason.INVALID, (_encode_note(exc),))
        return good

    def _learn(self, limit: int) -> None:
        if limit < self._client.record_limit:
            logger.info(
                "instance record limit is %d (was assuming %d); re-splitting",
                limit,
                self._client.record_limit,
            )
            self._client.record_limit = limit
            self._client.learned_record_limit = limit

    async def _backoff(self, attempt: int, exc: LocktError) -> None:
        wait = min(_BACKOFF_CAP, _BACKOFF_START * 2 ** (attempt - 1)) * (
            0.5 + self._rng.random() / 2
        )
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            wait = min(max(wait, exc.retry_after), _BACKOFF_CAP * 6)
        logger.debug(
            "resending %s %s (attempt %d) in %.3fs: %s",
            self._spec.method,
            self._spec.path,
            attempt + 1,
            wait,
            type(exc).__name__,
        )
        await anyio.sleep(wait)

    def _page(
        self,
        first: int,
        items: Sequence[_Item],
        status: int | None,
        start: float,
        outcome: str,
        attempts: int,
    ) -> PageResult:
        return PageResult(
            first_index=first,
            records=len(items),
            status=status,
            duration=time.perf_counter() - start,
            outcome=outcome,
            attempts=attempts,
        )


_ENCODE_ERRORS = (TypeError, ValueError, OverflowError)


def _encode_note(exc: BaseException) -> str:
    return f"record cannot be encoded as JSON: {excerpt(str(exc), 120)}"


def failure_error(operation: str, failure: Failure) -> LocktError:
    """The exception a single-record caller (``update``, ``upsert_one``) gets for its failure."""
    text = f"{operation}: " + "; ".join(failure.messages)
    if failure.reason in (FailureReason.INVALID, FailureReason.REJECTED):
        return ClientValidationError(text, failures=[failure])
    if failure.reason is FailureReason.NOT_SENT:
        return WriteNotAppliedError(text, failure=failure)
    return WriteOutcomeUnknownError(text, failure=failure)


def _msg(exc: BaseException) -> str:
    if isinstance(exc, APIError) and exc.server_message:
        return exc.server_message
    return str(exc)


class _Run:
    """One bulk write: a producer that builds pages, a consumer that sends them."""

    def __init__(
        self,
        client: LocktClient,
        spec: WriteSpec,
        options: Mapping[str, bool],
        result: BatchResult,
        on_progress: Callable[[Progress], None] | None,
        stop_on_failure: bool,
        total: int | None,
        streamed: bool,
    ):
        self.client = client
        #: A streamed input is checked for duplicates page by page (memory of one page).
        self.streamed = streamed
        self.spec = spec
        self.sender = PageSender(client, spec, options)
        self.result = result
        self.on_progress = on_progress
        self.stop_on_failure = stop_on_failure
        self.total_hint = total
        self.started = time.perf_counter()
        self.building: list[_Item] = []
        self.handoff: _Page | None = None
        #: Set by an answer that stops the import (401, all-or-nothing validation).
        self.server_stop: LocktError | None = None
        self.done = 0

    def fail(self, index: int, record: Any, reason: FailureReason, messages: Sequence[str]) -> None:
        self.result.failures.append(Failure(index, record, reason, tuple(messages)))

    def page_size(self) -> int:
        return 1 if self.spec.one_per_call else self.client.record_limit

    async def produce(
        self,
        records: Iterable[Any] | AsyncIterable[Any],
        send: anyio.abc.ObjectSendStream[_Page],
        conv: LocktConverter,
        tracker: DuplicateTracker | None,
        prebuilt: list[_Item] | None,
    ) -> None:
        async with send:
            if prebuilt is not None:
                source: Any = _prebuilt(prebuilt)
            else:
                source = _numbered(records)
            async for index, record, wire in source:
                self.result.total = index + 1
                if index % _YIELD_EVERY == 0:
                    # Let the consumer handle an answer that came in while this page
                    # is being built: the answer is on the critical path, this is not.
                    try:
                        await anyio.lowlevel.checkpoint()
                    except anyio.get_cancelled_exc_class():
                        self.fail(index, record, FailureReason.NOT_SENT, [_CANCELLED])
                        raise
                stopped = self.result.stopped_by
                if stopped is not None:
                    self.fail(index, record, FailureReason.NOT_SENT, [_stop_note(stopped)])
                    continue
                if wire is None:
                    wire, messages = prepare_item(self.spec, conv, record, tracker)
                    if wire is None:
                        self.fail(index, record, FailureReason.INVALID, messages)
                        self.done += 1
                        if self.sender._vfb:
                            # All-or-nothing per page: the page this record belonged
                            # to is not sent; pages already handed over stand.
                            for i, rec, _ in self.building:
                                self.fail(i, rec, FailureReason.NOT_SENT, [_INVALID_STOP])
                            self.building = []
                            self.result.stopped_by = ClientValidationError(
                                f"{self.spec.operation}: record {index} is invalid: "
                                + "; ".join(messages),
                                failures=[self.result.failures[-1]],
                            )
                        continue
                self.building.append((index, record, wire))
                if len(self.building) >= self.page_size():
                    if tracker is not None and self.streamed:
                        tracker.reset()
                    await self.hand_over(send)
            if self.building:
                await self.hand_over(send)

    async def hand_over(self, send: anyio.abc.ObjectSendStream[_Page]) -> None:
        """Encode the page built so far (while the previous one is in flight), pass it on."""
        items, self.building = self.building, []
        self.handoff = _Page(items, self.sender.body(items))
        await send.send(self.handoff)
        self.handoff = None

    async def consume(self, receive: anyio.abc.ObjectReceiveStream[_Page]) -> None:
        async with receive:
            async for page in receive:
                if page is self.handoff:
                    self.handoff = None
                if self.server_stop is not None:
                    note = [_stop_note(self.server_stop)]
                    for index, record, _ in page.items:
                        self.fail(index, record, FailureReason.NOT_SENT, note)
                    continue
                # Shielded: a cancelled caller still learns the fate of the page in flight.
                with anyio.CancelScope(shield=True):
                    outcome = await self.sender.send(page.items, page.body)
                    self.absorb(page.items, outcome)

    def absorb(self, page: Sequence[_Item], outcome: PageOutcome) -> None:
        r = self.result
        for k, v in outcome.summary.items():
            setattr(r, k, getattr(r, k) + v)
        r.pages.extend(outcome.pages)
        if outcome.failures:
            records = {index: record for index, record, _ in page}
            for index, (reason, messages) in sorted(outcome.failures.items()):
                self.fail(index, records[index], reason, messages)
        if self.client.learned_record_limit is not None:
            r.learned_limit = self.client.learned_record_limit
        self.done += len(page)
        if outcome.stop is not None and self.server_stop is None:
            self.server_stop = r.stopped_by = outcome.stop
        elif self.stop_on_failure and outcome.failures and self.server_stop is None:
            stop = LocktError(f"{self.spec.operation}: stopped on the first failure")
            self.server_stop = r.stopped_by = stop
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    done=self.done,
                    total=self.total_hint,
                    pages=len(r.pages),
                    failed=len(r.failures),
                    elapsed=time.perf_counter() - self.started,
                )
            )

    def abandon(self) -> None:
        """On cancellation: records taken but not sent are ``not_sent``."""
        pending = list(self.building)
        if self.handoff is not None:
            pending.extend(self.handoff.items)
        for index, record, _ in pending:
            self.fail(index, record, FailureReason.NOT_SENT, [_CANCELLED])
        self.building = []
        self.handoff = None
        self.result.cancelled = True


_YIELD_EVERY = 16
_CANCELLED = "not sent: the import was cancelled"
_INVALID_STOP = "not sent: another record of its page is invalid (validate_fails_batch=True)"


def _stop_note(exc: LocktError) -> str:
    return f"not sent: the import stopped earlier ({type(exc).__name__}: {_msg(exc)})"


async def _numbered(records: Iterable[Any] | AsyncIterable[Any]) -> Any:
    if isinstance(records, AsyncIterable):
        index = 0
        async for record in records:
            yield index, record, None
            index += 1
    else:
        for index, record in enumerate(records):
            yield index, record, None


async def _prebuilt(items: list[_Item]) -> Any:
    for item in items:
        yield item


async def run_batch(
    client: LocktClient,
    spec: WriteSpec,
    records: Iterable[Any] | AsyncIterable[Any],
    options: Mapping[str, bool],
    *,
    on_progress: Callable[[Progress], None] | None = None,
    stop_on_failure: bool = False,
    result: BatchResult | None = None,
) -> BatchResult:
    """Write ``records`` in pages; see the module docstring for the rules."""
    if isinstance(records, str | bytes | Mapping):
        raise RecordError(
            f"{spec.operation} takes an iterable of records, got a single "
            f"{type(records).__name__}; wrap it in a list",
            field="records",
        )
    if not isinstance(records, Iterable | AsyncIterable):
        raise RecordError(
            f"{spec.operation} takes an iterable of records, got {type(records).__name__}",
            field="records",
        )
    result = result if result is not None else BatchResult()
    result.operation = spec.operation
    conv = await client.converter()
    vfb = bool(options.get("validate_fails_batch", True))
    is_sequence = isinstance(records, Sequence)
    tracker = DuplicateTracker(spec.duplicate_fields) if spec.duplicate_fields else None
    prebuilt: list[_Item] | None = None
    if is_sequence and vfb:
        # All-or-nothing: a list can be checked whole before the first page goes out.
        prebuilt, invalid = [], []
        for index, record in enumerate(records):  # type: ignore[arg-type]
            wire, messages = prepare_item(spec, conv, record, tracker)
            if wire is None:
                invalid.append(Failure(index, record, FailureReason.INVALID, tuple(messages)))
            else:
                prebuilt.append((index, record, wire))
        if invalid:
            detail = "; ".join(f"[{f.index}] {' / '.join(f.messages)}" for f in invalid[:5])
            more = f" (and {len(invalid) - 5} more)" if len(invalid) > 5 else ""
            raise ClientValidationError(
                f"{spec.operation}: {len(invalid)} invalid record(s), nothing sent: {detail}{more}",
                failures=invalid,
            )
    total = len(records) if is_sequence else None  # type: ignore[arg-type]
    run = _Run(client, spec, options, result, on_progress, stop_on_failure, total, not is_sequence)
    send, receive = anyio.create_memory_object_stream[_Page](0)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(run.produce, records, send, conv, tracker, prebuilt)
            tg.start_soon(run.consume, receive)
    except anyio.get_cancelled_exc_class():
        run.abandon()
        if isinstance(records, Sequence):
            for index in range(result.total, len(records)):
                run.fail(index, records[index], FailureReason.NOT_SENT, [_CANCELLED])
            result.total = max(result.total, len(records))
        raise
    result.failures.sort(key=lambda f: f.index)
    result.elapsed = time.perf_counter() - run.started
    return result


async def send_single(client: LocktClient, method: str, path: str, body: Any) -> Any:
    """One write that is not a record batch (``/delegate?purge``, ``/unlock``): gated, sent once."""
    async with client.write_gate.hold():
        resp = await client._transport.send(
            method, path, body=dumps(body) if body is not None else None
        )
    return resp.body
