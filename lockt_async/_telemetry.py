"""The core's telemetry seams: no-op hooks, and the library's INFO/DEBUG log lines.

Nothing here imports OpenTelemetry. ``hooks`` is None until
``lockt_async.otel.instrument()`` (the ``otel`` extra) sets it; each seam of the
core reads that one module attribute and, when it is None, does nothing more
than its log-level check. The seams:

* a library call (``users.upsert``, ``users.sync``, ``users.list``...): every
  public coroutine method of a resource group is wrapped by :func:`traced`
  (``Resource.__init_subclass__``); one INFO line per call with the counts of
  its result (DEBUG for single-record calls, so nothing per record above DEBUG);
* a page attempt (``PageSender``): :func:`page_start` / :func:`page_end`, one
  DEBUG line per page;
* a sync phase (:func:`phase`), an HTTP request (``Transport.send`` asks
  ``hooks.http``), the coalescer's queue (:func:`queued`) and the records a page
  wrote (:func:`records`).

Log lines are formatted only when their level is on (``%``-style arguments).
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ._results import BatchResult
from ._sync_results import SyncResult

logger = logging.getLogger("lockt_async")

_F = TypeVar("_F", bound=Callable[..., Awaitable[Any]])
_T = TypeVar("_T")


class CallSpan(Protocol):
    """A library call's span, current while the call runs."""

    def done(self, counts: Mapping[str, int]) -> None:
        """The call returned: its counts (``records.in``, ``accepted``, ``rejected``...)."""


class PageSpan(Protocol):
    """One page attempt's span, current while it passes the gate and is sent."""

    def close(
        self, verdict: str | None, status: int | None, gate_wait: float, error: BaseException | None
    ) -> None:
        """The attempt ended: its verdict (None: interrupted), HTTP status, gate wait."""


class Attempt(Protocol):
    """What :func:`page_end` reads of a page attempt (``_writes._sender._Attempt``)."""

    #: The classifier's ``Verdict`` (``action``, ``status``), None when interrupted.
    verdict: Any
    gate_wait: float


@dataclass(frozen=True, slots=True)
class PageInfo:
    """One page attempt as its span and DEBUG line name it."""

    operation: str
    method: str
    #: The endpoint (``/user``), not the URL.
    path: str
    records: int
    nbytes: int
    #: 1 for the first send, 2 for the first resend...
    attempt: int
    #: The coalesced callers' spans to link the page to (None: not a coalesced page).
    links: Sequence[object] | None


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request as its client span names it."""

    base_url: str
    method: str
    path: str
    params: Mapping[str, str] | None


class Hooks(Protocol):
    """What ``lockt_async.otel`` implements; the core calls nothing else."""

    #: False when another instrumentation (opentelemetry-instrumentation-httpx) makes
    #: the HTTP spans and the request-duration metric.
    http_spans: bool

    def call(self, name: str, client: object) -> AbstractContextManager[CallSpan]:
        """Start a library call's span (made current)."""
        ...

    def page(self, page: PageInfo) -> PageSpan:
        """Start one page attempt's span and make it current."""
        ...

    def phase(self, name: str) -> AbstractContextManager[object]:
        """A sync phase's span (made current)."""
        ...

    def http(self, send: Callable[[], Awaitable[Any]], request: HttpRequest) -> Awaitable[Any]:
        """Run ``send()`` (one HTTP request) inside an HTTP client span."""
        ...

    def capture(self) -> object:
        """The current span (a coalesced caller's), to link its page to."""
        ...

    def queued(self, operation: str, delta: int) -> None:
        """The coalescer's queue grew (+) or shrank (-)."""
        ...

    def records(self, operation: str, counts: Mapping[str, int]) -> None:
        """Records a page resolved, by outcome."""
        ...

    def resplit(self, operation: str) -> None:
        """A page was split again to a lower record limit."""
        ...


#: Set by ``lockt_async.otel.instrument()``; None: every seam is a no-op.
hooks: Hooks | None = None
#: Whether a new client may turn the hooks on by itself (``lockt_async.otel``).
auto = True


def autodetect() -> None:
    """At client construction: turn the hooks on when the application already imported
    OpenTelemetry and set a real provider. Without it, a ``sys.modules`` lookup."""
    if hooks is not None or not auto:
        return
    if "opentelemetry.trace" not in sys.modules and "opentelemetry.metrics" not in sys.modules:
        return
    try:
        from .otel import autodetect as detect
    except ImportError:  # the extra is not installed (only a part of OpenTelemetry is)
        return
    detect()


_NULL: AbstractContextManager[Any] = nullcontext()

#: What a page attempt's verdict is called in spans, metrics and logs.
VERDICTS = {
    "accept": "accepted",
    "reject": "rejected",
    "stop": "rejected",
    "resend": "resent",
    "resplit": "resplit",
    "unknown": "unknown",
}


# library calls --------------------------------------------------------------------


def counts_of(result: object) -> dict[str, int]:
    """The counts a call's result reports (what its INFO line and span show)."""
    if isinstance(result, BatchResult):
        counts = {
            "records": result.total,
            "accepted": result.accepted,
            "inserted": result.inserted,
            "updated": result.updated,
            "deleted": result.deleted,
            "pages": len(result.pages),
        }
        counts.update(result.failure_counts())
        return counts
    if isinstance(result, SyncResult):
        return {
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "disabled": result.disabled,
            "deleted": result.deleted,
            "failed": len(result.failures) + len(result.removal_failures),
        }
    if isinstance(result, list):
        return {"rows": len(result)}
    summary = {}
    for name in ("submitted", "inserted", "updated", "deleted"):
        value = getattr(result, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            summary[name] = value
    return summary


def _level(name: str) -> int:
    """Single-record calls log at DEBUG (nothing per record above DEBUG), the others at INFO."""
    method = name.rpartition(".")[2]
    return logging.DEBUG if method.endswith("_one") or method == "get" else logging.INFO


def traced(name: str, fn: _F) -> _F:
    """``fn`` (a resource group's coroutine method) as a library call named ``name``."""
    level = _level(name)

    @functools.wraps(fn)
    async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if hooks is None and not logger.isEnabledFor(level):
            return await fn(self, *args, **kwargs)
        return await _observed(name, level, fn, self, args, kwargs)

    call.__lockt_call__ = fn  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]


async def _observed(
    name: str,
    level: int,
    fn: Callable[..., Awaitable[Any]],
    group: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    tel = hooks
    start = time.perf_counter()
    span_cm = tel.call(name, group.client) if tel is not None else _NULL
    try:
        with span_cm as span:
            result = await fn(group, *args, **kwargs)
            counts = counts_of(result)
            if span is not None:
                span.done(counts)
    except Exception as exc:
        if logger.isEnabledFor(level):
            logger.log(
                level,
                "%s failed in %.3f s: %s",
                name,
                time.perf_counter() - start,
                type(exc).__name__,
            )
        raise
    if logger.isEnabledFor(level):
        logger.log(
            level,
            "%s: %s in %.3f s",
            name,
            ", ".join(f"{k} {v}" for k, v in counts.items() if v or k in ("records", "rows")),
            time.perf_counter() - start,
        )
    return result


def trace_group(cls: type, group: str) -> None:
    """Wrap every public coroutine method of resource group ``cls`` with :func:`traced`."""
    for attr in dir(cls):
        if attr.startswith("_"):
            continue
        fn = getattr(cls, attr)
        fn = getattr(fn, "__lockt_call__", fn)
        if inspect.iscoroutinefunction(fn):
            setattr(cls, attr, traced(f"{group}.{attr}", fn))


# pages ----------------------------------------------------------------------------


def page_start(page: PageInfo) -> PageSpan | None:
    """Start a page attempt's span when tracing is on (None otherwise)."""
    tel = hooks
    if tel is None:
        return None
    return tel.page(page)


def page_end(
    span: PageSpan | None,
    page: PageInfo,
    att: Attempt,
    start: float,
    error: BaseException | None = None,
) -> None:
    """A page attempt ended: close its span, and write its DEBUG line."""
    verdict = att.verdict
    name = VERDICTS.get(verdict.action.value) if verdict is not None else None
    status = verdict.status if verdict is not None else None
    if span is not None:
        span.close(name, status, att.gate_wait, error)
        if name == "resplit" and hooks is not None:
            hooks.resplit(page.operation)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s page: %d record(s), %d bytes, attempt %d: %s (HTTP %s) in %.1f ms, "
            "gate wait %.1f ms",
            page.operation,
            page.records,
            page.nbytes,
            page.attempt,
            name or f"interrupted ({type(error).__name__})",
            status,
            (time.perf_counter() - start) * 1000,
            att.gate_wait * 1000,
        )


def records(operation: str, total: int, failures: Mapping[int, tuple[object, object]]) -> None:
    """The records of one page by outcome (``accepted`` or a failure reason)."""
    tel = hooks
    if tel is None:
        return
    counts: dict[str, int] = {}
    for reason, _ in failures.values():
        key = str(reason)
        counts[key] = counts.get(key, 0) + 1
    accepted = total - len(failures)
    if accepted:
        counts["accepted"] = accepted
    tel.records(operation, counts)


# sync phases, the coalescer ----------------------------------------------------------


def phase(name: str) -> AbstractContextManager[object]:
    """A sync phase (``read``, ``plan``, ``enrich``, ``write``, ``removals``) as a span."""
    tel = hooks
    if tel is None:
        return _NULL
    return tel.phase(name)


async def in_phase(name: str, step: Awaitable[_T]) -> _T:
    """Await ``step`` inside the sync phase ``name``."""
    with phase(name):
        return await step


def capture() -> object | None:
    """The caller's current span, when tracing is on (a coalesced caller's link)."""
    tel = hooks
    return tel.capture() if tel is not None else None


def queued(operation: str, delta: int) -> None:
    """The coalescer's queue depth changed by ``delta``."""
    tel = hooks
    if tel is not None:
        tel.queued(operation, delta)
