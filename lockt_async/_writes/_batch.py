"""One bulk write: a producer that converts, checks and pages records while a
consumer sends the previous page, and the ``BatchResult`` that accounts for all."""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import anyio.lowlevel
import attrs

from .._duplicates import refuse_duplicates
from .._gcpause import PAUSE_ROWS, gc_paused
from .._results import BatchResult, Failure, FailureReason, Progress
from .._transport import dumps
from .._validation import DuplicateTracker
from ..errors import (
    APIError,
    BatchInterruptedError,
    ClientValidationError,
    LocktError,
    RecordError,
)
from ._records import Item, WriteSpec, plain_wires, prepare_item
from ._sender import (
    _CANCELLED,
    PageOutcome,
    PageSender,
    Resends,
    WriteContext,
    _Attempt,
    pass_gate,
)
from .classify import Action

if TYPE_CHECKING:
    from ..converters import LocktConverter


@attrs.frozen
class _Page:
    """Records cut for one request, and their encoded body."""

    items: list[Item]
    body: bytes | None  # None: a record JSON cannot carry is inside (the sender finds it)


def _msg(exc: BaseException) -> str:
    if isinstance(exc, APIError) and exc.server_message:
        return exc.server_message
    return str(exc)


class _Run:
    """One bulk write: a producer that builds pages, a consumer that sends them."""

    def __init__(
        self,
        ctx: WriteContext,
        spec: WriteSpec,
        options: Mapping[str, bool],
        result: BatchResult,
        on_progress: Callable[[Progress], None] | None,
        stop_on_failure: bool,
        total: int | None,
        streamed: bool,
    ):
        #: A streamed input is checked for duplicates page by page (memory of one page).
        self.streamed = streamed
        self.spec = spec
        self.sender = PageSender(ctx, spec, options)
        self.result = result
        self.on_progress = on_progress
        self.stop_on_failure = stop_on_failure
        self.total_hint = total
        self.started = time.perf_counter()
        self.building: list[Item] = []
        #: ``spec.page_keys`` of the records in ``building``.
        self.building_keys: set[Any] = set()
        self.handoff: _Page | None = None
        #: Set by an answer that stops the import (401, all-or-nothing validation).
        self.server_stop: LocktError | None = None
        self.done = 0
        #: An exception that is not an answer: the caller's input raised while being
        #: read, or (a defect) the library did. It ends the import; see run_batch.
        self.interrupted: Exception | None = None
        self.interrupted_note = ""

    def fail(self, index: int, record: Any, reason: FailureReason, messages: Sequence[str]) -> None:
        self.result.failures.append(Failure(index, record, reason, tuple(messages)))

    def page_size(self) -> int:
        return self.sender.limit

    async def produce(
        self,
        records: Iterable[Any] | AsyncIterable[Any],
        send: anyio.abc.ObjectSendStream[_Page],
        conv: LocktConverter,
        tracker: DuplicateTracker | None,
        prebuilt: list[Item] | None,
    ) -> None:
        # A plain iterator where the input is not asynchronous: an async generator
        # around it cost ~0.25 us per record.
        source: Any
        if prebuilt is not None:
            source = iter(prebuilt)
        elif isinstance(records, AsyncIterable):
            source = _numbered(records)
        else:
            source = _numbered_sync(records)
        async with send:
            try:
                await self._produce(source, send, conv, tracker)
            except Exception as exc:  # a defect: account for what was taken, then report it
                self._interrupt(exc, f"interrupted by {type(exc).__name__}")

    def _interrupt(self, exc: Exception, note: str) -> None:
        """End the import on ``exc``: the records taken but not handed over are ``not_sent``."""
        if self.interrupted is None:
            self.interrupted, self.interrupted_note = exc, note
        pending = list(self.building)
        if self.handoff is not None:
            pending.extend(self.handoff.items)
        for index, record, _ in pending:
            self.fail(index, record, FailureReason.NOT_SENT, [f"not sent: {note}"])
        self.building = []
        self.handoff = None

    async def _let_answers_in(self, index: int, record: Any) -> None:
        """Let the consumer handle an answer that came in while this page is being
        built: the answer is on the critical path, this is not."""
        try:
            await anyio.lowlevel.checkpoint()
        except anyio.get_cancelled_exc_class():
            self.fail(index, record, FailureReason.NOT_SENT, [_CANCELLED])
            raise

    async def _produce(  # noqa: C901 - the producer's per-record loop, in one frame: a call per record is what it saves
        self,
        source: Any,  # an iterator or async iterator of (index, record, wire or None)
        send: anyio.abc.ObjectSendStream[_Page],
        conv: LocktConverter,
        tracker: DuplicateTracker | None,
    ) -> None:
        anext = getattr(source, "__anext__", None)
        while True:
            try:
                if anext is None:
                    index, record, wire = next(source)
                else:
                    index, record, wire = await anext()
            except (StopIteration, StopAsyncIteration):
                break
            except Exception as exc:  # the caller's iterable raised: the import ends here
                taken = self.result.total
                self._interrupt(
                    exc,
                    f"reading the input raised {type(exc).__name__} after {taken} record(s)",
                )
                return
            self.result.total = index + 1
            if index % _YIELD_EVERY == 0:
                await self._let_answers_in(index, record)
            stopped = self.result.stopped_by
            if stopped is not None:
                self.fail(index, record, FailureReason.NOT_SENT, [_stop_note(stopped)])
                continue
            if wire is None:
                wire, messages = prepare_item(self.spec, conv, record, tracker)
                if wire is None:
                    self._refuse(index, record, messages)
                    continue
            if self.spec.page_keys is None and len(self.building) + 1 < self.sender.limit:
                self.building.append((index, record, wire))  # _add's common case, no await
            else:
                await self._add(send, tracker, (index, record, wire))
        if self.building:
            await self.hand_over(send)

    def _refuse(self, index: int, record: Any, messages: list[str]) -> None:
        """An invalid record; with validate_fails_batch, its page and the rest are not sent."""
        self.fail(index, record, FailureReason.INVALID, messages)
        self.done += 1
        if self.sender.vfb:
            # All-or-nothing per page: the page this record belonged
            # to is not sent; pages already handed over stand.
            for i, rec, _ in self.building:
                self.fail(i, rec, FailureReason.NOT_SENT, [_INVALID_STOP])
            self.building = []
            self.result.stopped_by = ClientValidationError(
                f"{self.spec.operation}: record {index} is invalid: " + "; ".join(messages),
                failures=[self.result.failures[-1]],
            )

    async def _add(
        self,
        send: anyio.abc.ObjectSendStream[_Page],
        tracker: DuplicateTracker | None,
        item: Item,
    ) -> None:
        """Add a checked record to the page being built; hand the page over when full
        (or first, when the record's page keys meet it)."""
        if self.spec.page_keys is not None:
            keys = self.spec.page_keys(item[2])
            if self.building and not self.building_keys.isdisjoint(keys):
                await self.hand_over(send)
            self.building_keys.update(keys)
        self.building.append(item)
        if len(self.building) >= self.page_size():
            if tracker is not None and self.streamed:
                tracker.reset()
            await self.hand_over(send)

    async def hand_over(self, send: anyio.abc.ObjectSendStream[_Page]) -> None:
        """Encode the page built so far (while the previous one is in flight), pass it on."""
        items, self.building = self.building, []
        self.handoff = _Page(items, None)  # accounted for should encoding itself fail
        self.building_keys.clear()
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
                # Not shielded as a whole: the sender shields only the request on the
                # wire. On a cancel, what it resolved stands and the rest was not sent.
                outcome = PageOutcome()
                try:
                    await self.sender.send(page.items, page.body, outcome)
                except Exception as exc:  # a defect, not an answer: it may have gone out
                    self._crashed(page, exc, outcome)
                except BaseException:
                    self.absorb(page.items, outcome, progress=False)
                    settled = outcome.resolved | outcome.failures.keys()
                    for index, record, _ in page.items:
                        if index not in settled:
                            self.fail(index, record, FailureReason.NOT_SENT, [_CANCELLED])
                    raise
                self.absorb(page.items, outcome)

    def _crashed(self, page: _Page, exc: Exception, out: PageOutcome) -> None:
        """A page whose send raised something that is not an answer: what the sender
        resolved stands, the rest is ``unknown`` (it may have gone out); the import stops."""
        note = f"interrupted by {type(exc).__name__} while its page was being sent"
        if self.interrupted is None:
            self.interrupted, self.interrupted_note = exc, note
        settled = out.resolved | out.failures.keys()
        for index, _, _ in page.items:
            if index not in settled:
                out.failures[index] = (
                    FailureReason.UNKNOWN,
                    (f"{note}: it may have been applied",),
                )
        out.stop = LocktError(f"{self.spec.operation}: {note}")

    def absorb(self, page: Sequence[Item], outcome: PageOutcome, *, progress: bool = True) -> None:
        r = self.result
        for k, v in outcome.summary.items():
            setattr(r, k, getattr(r, k) + v)
        r.pages.extend(outcome.pages)
        if outcome.failures:
            records = {index: record for index, record, _ in page}
            for index, (reason, messages) in sorted(outcome.failures.items()):
                self.fail(index, records[index], reason, messages)
        if outcome.learned_limit is not None:
            r.learned_limit = outcome.learned_limit
        self.done += len(page)
        if outcome.stop is not None and self.server_stop is None:
            self.server_stop = r.stopped_by = outcome.stop
        elif self.stop_on_failure and outcome.failures and self.server_stop is None:
            stop = LocktError(f"{self.spec.operation}: stopped on the first failure")
            self.server_stop = r.stopped_by = stop
        if progress and self.on_progress is not None:
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
_WIRE = itemgetter(2)  # an Item's wire
_INDEX = attrgetter("index")
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


def _numbered_sync(records: Iterable[Any]) -> Iterator[Item | tuple[int, Any, None]]:
    for index, record in enumerate(records):
        yield index, record, None


def _require_records(spec: WriteSpec, records: object) -> None:
    """``records`` is an iterable of records (not one record, not a string)."""
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


async def check_batch(
    conv: LocktConverter,
    spec: WriteSpec,
    records: Iterable[Any] | AsyncIterable[Any],
    *,
    result: BatchResult | None = None,
) -> BatchResult:
    """The checks a write makes before sending, and nothing sent: every record is
    converted to its wire form and checked (formats, required fields, duplicates
    within the input); each refused one is an ``invalid`` failure."""
    _require_records(spec, records)
    result = result if result is not None else BatchResult()
    result.operation = f"{spec.operation} (dry run)"
    tracker = DuplicateTracker(spec.duplicate_fields) if spec.duplicate_fields else None
    started = time.perf_counter()
    try:
        async for index, record, _ in _numbered(records):
            result.total = index + 1
            wire, messages = prepare_item(spec, conv, record, tracker)
            if wire is None:
                result.failures.append(
                    Failure(index, record, FailureReason.INVALID, tuple(messages))
                )
    finally:
        result.elapsed = time.perf_counter() - started
    return result


async def run_batch(
    ctx: WriteContext,
    spec: WriteSpec,
    records: Iterable[Any] | AsyncIterable[Any],
    options: Mapping[str, bool],
    *,
    on_progress: Callable[[Progress], None] | None = None,
    stop_on_failure: bool = False,
    result: BatchResult | None = None,
) -> BatchResult:
    """Write ``records`` in pages; see the module docstring for the rules."""
    _require_records(spec, records)
    result = result if result is not None else BatchResult()
    result.operation = spec.operation
    conv = await _converter(ctx, records, result)
    vfb = bool(options.get("validate_fails_batch", True))
    is_sequence = isinstance(records, Sequence)
    tracker = DuplicateTracker(spec.duplicate_fields) if spec.duplicate_fields else None
    prebuilt: list[Item] | None = None
    if is_sequence and vfb:
        # All-or-nothing: a list can be checked whole before the first page goes out.
        prebuilt = _check_whole(spec, conv, records, tracker, result)  # type: ignore[arg-type]
    total = len(records) if is_sequence else None  # type: ignore[arg-type]
    run = _Run(ctx, spec, options, result, on_progress, stop_on_failure, total, not is_sequence)
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
    if run.interrupted is not None:
        raise _interrupted(spec, result, run.interrupted_note) from run.interrupted
    return result


async def _converter(
    ctx: WriteContext, records: Iterable[Any] | AsyncIterable[Any], result: BatchResult
) -> LocktConverter:
    """The converter (may read ``GET /time`` first); cancelled there, a list's records
    are all ``not_sent``."""
    try:
        return await ctx.converter()
    except anyio.get_cancelled_exc_class():
        result.cancelled = True
        if isinstance(records, Sequence):
            for index, record in enumerate(records):
                result.failures.append(
                    Failure(index, record, FailureReason.NOT_SENT, (_CANCELLED,))
                )
            result.total = len(records)
        raise


def _check_whole(
    spec: WriteSpec,
    conv: LocktConverter,
    records: Sequence[Any],
    tracker: DuplicateTracker | None,
    result: BatchResult,
) -> list[Item]:
    """Every record of a list checked before the first page goes out (all or nothing).

    Raises:
        ClientValidationError: some records are invalid (nothing is sent).
        BatchInterruptedError: the sequence raised while being read.
    """
    prebuilt: list[Item] = []
    invalid: list[Failure] = []
    taken: list[Any] = []
    try:
        # Synchronous, and it makes two containers per record, none in a cycle: with
        # the collector paused it does not walk the ever larger heap every few
        # hundred records (the read path's reason, see _gcpause).
        with gc_paused(len(records) > PAUSE_ROWS):
            # A list of plain dicts: the fused writer mapped over it, and the items
            # zipped, in C-level passes (no Python frame per record but the writer's).
            wires = plain_wires(spec, conv, records)
            if wires is not None and None not in wires:
                # Each wire is a dict here (no None): the items as the loop below makes them.
                prebuilt = list(zip(range(len(wires)), records, wires, strict=True))  # type: ignore[arg-type]
                taken = records  # type: ignore[assignment] # a list or tuple, read whole
            else:
                for record in records:
                    index = len(taken)
                    taken.append(record)
                    wire = wires[index] if wires is not None else None
                    if wire is None:
                        # Duplicates are found below for the whole list at once.
                        wire, messages = prepare_item(spec, conv, record, None)
                        if wire is None:
                            invalid.append(
                                Failure(index, record, FailureReason.INVALID, tuple(messages))
                            )
                            continue
                    prebuilt.append((index, record, wire))
            if tracker is not None:
                prebuilt, repeated = refuse_duplicates(tracker.fields, prebuilt, _WIRE)
                if repeated:
                    invalid.extend(
                        Failure(i, r, FailureReason.INVALID, tuple(m)) for (i, r, _), m in repeated
                    )
                    invalid.sort(key=_INDEX)
    except Exception as exc:  # the caller's sequence raised while being read
        note = f"reading the input raised {type(exc).__name__} after {len(taken)} record(s)"
        result.total = len(taken)
        result.failures.extend(
            Failure(i, r, FailureReason.NOT_SENT, (f"not sent: {note}",))
            for i, r in enumerate(taken)
        )
        raise _interrupted(spec, result, note) from exc
    if invalid:
        detail = "; ".join(f"[{f.index}] {' / '.join(f.messages)}" for f in invalid[:5])
        more = f" (and {len(invalid) - 5} more)" if len(invalid) > 5 else ""
        raise ClientValidationError(
            f"{spec.operation}: {len(invalid)} invalid record(s), nothing sent: {detail}{more}",
            failures=invalid,
        )
    return prebuilt


def _interrupted(spec: WriteSpec, result: BatchResult, note: str) -> BatchInterruptedError:
    """The error that ends an interrupted import; it is also the result's ``stopped_by``."""
    counts = ", ".join(f"{v} {k}" for k, v in sorted(result.failure_counts().items()))
    error = BatchInterruptedError(
        f"{spec.operation}: {note}; the result accounts for all {result.total} record(s) "
        f"taken ({result.accepted} accepted{', ' + counts if counts else ''})",
        result=result,
    )
    result.stopped_by = error
    return error


async def send_single(
    ctx: WriteContext, method: str, path: str, body: Any, *, records: int = 1
) -> Any:
    """One write that is not a record batch (``/delegate?purge``, ``/unlock``): gated,
    resent only when the classifier says it certainly was not applied; its answer's body,
    or the error the transport raised."""
    encoded = dumps(body) if body is not None else None
    resends = Resends(ctx.retry, f"{method} {path}")
    while True:
        att = _Attempt()
        await pass_gate(ctx, method, path, encoded, records, att)
        answer, verdict = att.answer, att.verdict
        assert answer is not None and verdict is not None
        if not isinstance(answer, LocktError):
            return answer.body
        if verdict.action is not Action.RESEND or not await resends.wait(verdict):
            raise answer
