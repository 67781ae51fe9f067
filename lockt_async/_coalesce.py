"""Many single-record callers, one page: coalesced writes (``upsert_one`` and friends).

A flush is scheduled when a queue goes from empty to non-empty and fires after
a short window, or as soon as a page is full. Callers with different options
go to different queues. Pages are sent with ``validate_fails_batch=false`` so
one caller's bad record never fails another's; each caller gets its own
outcome or its own exception. The queue is bounded (callers wait for room),
closing the client flushes what is queued, and every waiter is resolved
whatever fails. Flushes run in a task group owned by the client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import anyio
import anyio.abc

from . import _telemetry
from ._results import Failure, FailureReason
from ._validation import DuplicateTracker
from ._writes import PageSender, WriteContext, WriteSpec, failure_error, prepare_item
from .errors import ConfigurationError, LocktError
from .models import WriteSummary

_Key = tuple[str, tuple[tuple[str, bool], ...]]


class _Pending:
    __slots__ = ("done", "error", "link", "record", "summary", "wire")

    def __init__(self, record: Any, wire: dict[str, Any]):
        self.record = record
        self.wire = wire
        self.done = anyio.Event()
        self.summary: WriteSummary | None = None
        self.error: BaseException | None = None
        #: The caller's span (tracing on): its page span links to it, and back.
        self.link = _telemetry.capture()


class _Queue:
    def __init__(self, spec: WriteSpec, options: Mapping[str, bool]):
        self.spec = spec
        self.options = dict(options)
        self.items: list[_Pending] = []
        self.full = anyio.Event()
        self.scheduled = False


class Coalescer:
    """Merges concurrent single-record writes of one client into pages."""

    def __init__(
        self,
        context: Callable[[], WriteContext],
        remember_limit: Callable[[int | None], None],
        task_group: anyio.abc.TaskGroup,
        *,
        window: float,
        max_pending: int,
    ):
        self._context = context
        self._remember_limit = remember_limit
        self._tg = task_group
        self._window = window
        self._room = anyio.Semaphore(max_pending)
        self._queues: dict[_Key, _Queue] = {}
        self._closing = False

    async def submit(
        self, spec: WriteSpec, record: Any, options: Mapping[str, bool]
    ) -> WriteSummary:
        """Queue one record, wait for its page, return its summary or raise its failure."""
        if self._closing:
            raise ConfigurationError("the client is closing; no new writes are accepted")
        opts = {**options, "validate_fails_batch": False}
        conv = await self._context().converter()
        wire, messages = prepare_item(spec, conv, record, None)
        if wire is None:
            failure = Failure(0, record, FailureReason.INVALID, tuple(messages))
            raise failure_error(spec.operation, failure)
        async with self._room:
            pending = _Pending(record, wire)
            queue = self._enqueue(spec, opts, pending)
            try:
                await pending.done.wait()
            except anyio.get_cancelled_exc_class():
                # Not yet taken by a flush: withdraw it, it will not be sent.
                if pending in queue.items:
                    queue.items.remove(pending)
                    _telemetry.queued(spec.operation, -1)
                raise
        if pending.error is not None:
            raise pending.error
        assert pending.summary is not None
        return pending.summary

    def _enqueue(self, spec: WriteSpec, opts: Mapping[str, bool], pending: _Pending) -> _Queue:
        key: _Key = (spec.operation, tuple(sorted(opts.items())))
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = _Queue(spec, opts)
        queue.items.append(pending)
        _telemetry.queued(spec.operation, 1)
        if len(queue.items) >= self._page_size(spec):
            queue.full.set()
        if not queue.scheduled:
            queue.scheduled = True
            self._tg.start_soon(self._flush_loop, queue)
        return queue

    def _page_size(self, spec: WriteSpec) -> int:
        return 1 if spec.one_per_call else self._context().record_limit

    async def _flush_loop(self, queue: _Queue) -> None:
        """Wait for the window (or a full page), send pages until the queue is empty."""
        try:
            if not self._closing:
                with anyio.move_on_after(self._window):
                    await queue.full.wait()
            while queue.items:
                size = self._page_size(queue.spec)
                batch, queue.items = queue.items[:size], queue.items[size:]
                _telemetry.queued(queue.spec.operation, -len(batch))
                queue.full = anyio.Event()
                if len(queue.items) >= size:
                    queue.full.set()
                await self._send(queue, batch)
        finally:
            queue.scheduled = False
            if queue.items:  # arrived while the last page was being resolved
                queue.scheduled = True
                self._tg.start_soon(self._flush_loop, queue)

    async def _send(self, queue: _Queue, batch: list[_Pending]) -> None:
        batch = self._refuse_duplicates(queue.spec, batch)
        if not batch:
            return
        items = [(i, p.record, p.wire) for i, p in enumerate(batch)]
        try:
            with anyio.CancelScope(shield=True):
                sender = PageSender(self._context(), queue.spec, queue.options)
                if _telemetry.hooks is not None:
                    sender.links = [p.link for p in batch if p.link is not None]
                outcome = await sender.send(items)
                self._remember_limit(outcome.learned_limit)
        except BaseException as exc:  # never leave a waiter hanging
            for p in batch:
                p.error = exc if isinstance(exc, LocktError) else _unknown(queue, p, exc)
                p.done.set()
            if not isinstance(exc, Exception):
                raise
            return
        for pos, p in enumerate(batch):
            failed = outcome.failures.get(pos)
            if failed is None:
                p.summary = _summary_for(queue, p.wire)
            else:
                reason, messages = failed
                failure = Failure(0, p.record, reason, messages)
                p.error = failure_error(queue.spec.operation, failure)
            p.done.set()

    @staticmethod
    def _refuse_duplicates(spec: WriteSpec, batch: list[_Pending]) -> list[_Pending]:
        """The page's callers whose unique fields no earlier caller of the page used.

        The bulk calls check these across their input; here two callers may send
        the same name in one page, which the server does not always catch (POST
        /door names within a batch, a documented defect). The later one fails
        alone; in a later page the server's "Already exists" answers it.
        """
        if not spec.duplicate_fields or len(batch) < 2:
            return batch
        tracker = DuplicateTracker(spec.duplicate_fields)
        kept = []
        for p in batch:
            messages = tracker.check(p.wire)
            if not messages:
                kept.append(p)
                continue
            note = "another caller's record of the same page has it"
            failure = Failure(
                0, p.record, FailureReason.INVALID, tuple(f"{m} ({note})" for m in messages)
            )
            p.error = failure_error(spec.operation, failure)
            p.done.set()
        return kept

    async def aclose(self) -> None:
        """Flush everything queued now (no more waiting for windows)."""
        self._closing = True
        for queue in self._queues.values():
            queue.full.set()


def _summary_for(queue: _Queue, wire: Mapping[str, Any]) -> WriteSummary:
    """One caller's share of the page: inferred from its record (the server only counts)."""
    # Only an upsert endpoint (one that takes update_existing) can update by id.
    upsert = "update_existing" in queue.spec.option_names
    if upsert and wire.get("id") not in (None, -1, "-1"):
        updated = 1 if queue.options.get("update_existing") else 0
        return WriteSummary(submitted=1, updated=updated)
    return WriteSummary(submitted=1, inserted=1)


def _unknown(queue: _Queue, pending: _Pending, exc: BaseException) -> LocktError:
    """A waiter's error when its page's send raised something that is not an answer:
    the page may have gone out, so its outcome is unknown (the cause is attached)."""
    note = f"interrupted by {type(exc).__name__} while its page was being sent"
    failure = Failure(0, pending.record, FailureReason.UNKNOWN, (note,))
    err = failure_error(queue.spec.operation, failure)
    err.__cause__ = exc
    return err
