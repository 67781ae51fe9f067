"""Running async commands: anyio entry, error unwrapping, Ctrl-C that ends after the page."""

from __future__ import annotations

import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

from .._results import BatchResult

T = TypeVar("T")


def run(fn: Callable[[], Awaitable[T]]) -> T:
    """``anyio.run`` that re-raises the first error out of a task group unwrapped."""
    try:
        return anyio.run(fn)
    except BaseExceptionGroup as group:
        raise _first(group) from None


def _first(group: BaseExceptionGroup[Any]) -> BaseException:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            return _first(exc)
        return exc  # type: ignore[no-any-return]
    return group  # pragma: no cover - an empty group cannot be built


async def interruptible(
    write: Callable[[BatchResult], Awaitable[Any]], result: BatchResult | None = None
) -> BatchResult:
    """Run ``write(result)``; SIGINT/SIGTERM cancel it after the page in flight.

    The library shields the page in flight and marks what it had taken but not
    sent ``not_sent``; the partial ``result`` survives (pass your own ``result``
    to keep it when ``write`` raises). A second Ctrl-C exits.
    """
    result = result if result is not None else BatchResult()
    started = time.perf_counter()
    scope = anyio.CancelScope()

    async def watch() -> None:
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                scope.cancel()
                return

    async with anyio.create_task_group() as tg:
        tg.start_soon(watch)
        with scope:
            await write(result)
        tg.cancel_scope.cancel()
    if scope.cancelled_caught or not result.elapsed:
        result.cancelled = result.cancelled or scope.cancelled_caught
        result.elapsed = time.perf_counter() - started
        result.failures.sort(key=lambda f: f.index)
    return result
