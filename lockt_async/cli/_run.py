"""Running async commands: anyio entry, error unwrapping, Ctrl-C that ends after the page.

SIGINT is honoured only when the parent did not ignore it: a job started in the
background by a non-interactive shell (``cmd &``, ``nohup``) inherits SIGINT
ignored, and a Ctrl-C meant for the foreground must not stop it. Python itself
keeps an inherited ``SIG_IGN``; ``note_inherited_signals`` reads it at start,
before anything installs a handler. SIGTERM (``kill``, a task runner's stop)
always is.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio

from .._results import BatchResult

T = TypeVar("T")

_inherited = {"sigint_ignored": False}


class Terminated(BaseException):
    """SIGTERM arrived outside a write (reading the file, planning): stop as Ctrl-C does."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def note_inherited_signals() -> None:
    """Remember whether SIGINT was ignored by the parent (call first thing in ``main``).

    SIGTERM, unless ignored, raises ``Terminated`` until a write's own handler takes
    over (``until_signal``), so a stop while the file is read still writes the report.
    """
    _inherited["sigint_ignored"] = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)


def watched_signals() -> tuple[signal.Signals, ...]:
    """The signals that stop a write: SIGTERM, and SIGINT unless the parent ignored it."""
    if _inherited["sigint_ignored"]:
        return (signal.SIGTERM,)
    return (signal.SIGINT, signal.SIGTERM)


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


class Stop:
    """Which signal stopped the work (None: it ran to its end)."""

    def __init__(self) -> None:
        self.signum: int | None = None

    @property
    def exit_code(self) -> int | None:
        """130 for SIGINT, 143 for SIGTERM (128 + the signal's number), None when not stopped."""
        return None if self.signum is None else 128 + self.signum


async def until_signal(work: Callable[[], Awaitable[Any]], stop: Stop) -> None:
    """Run ``work``; a watched signal cancels it (the library finishes the page in flight).

    ``stop.signum`` says which signal, if one came. A second signal, once the
    first has been taken, gets the default behaviour (a second Ctrl-C exits).
    """
    scope = anyio.CancelScope()

    async def watch() -> None:
        with anyio.open_signal_receiver(*watched_signals()) as signals:
            async for signum in signals:
                stop.signum = signum
                scope.cancel()
                return

    async with anyio.create_task_group() as tg:
        tg.start_soon(watch)
        with scope:
            await work()
        tg.cancel_scope.cancel()


async def interruptible(
    write: Callable[[BatchResult], Awaitable[Any]],
    result: BatchResult | None = None,
    stop: Stop | None = None,
) -> BatchResult:
    """Run ``write(result)``; SIGINT/SIGTERM cancel it after the page in flight.

    The library shields the page in flight and marks what it had taken but not
    sent ``not_sent``; the partial ``result`` survives (pass your own ``result``
    to keep it when ``write`` raises).
    """
    result = result if result is not None else BatchResult()
    stop = stop if stop is not None else Stop()
    started = time.perf_counter()
    await until_signal(lambda: write(result), stop)
    if stop.signum is not None or not result.elapsed:
        result.cancelled = result.cancelled or stop.signum is not None
        result.elapsed = time.perf_counter() - started
        result.failures.sort(key=lambda f: f.index)
    return result
