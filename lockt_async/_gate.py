"""The write gate: at most one write in flight per Lockt instance, across the process.

The document forbids "simultaneous and overlapping POST operations"; we apply it
to every write (POST, PUT, DELETE). ``WriteGate`` is the interface; the
in-process gate below serves every ``LocktClient`` of a process (every task,
thread and event loop, asyncio or trio), keyed by the instance in its normal
form (:func:`instance_key`). ``lockt_async.redis_gate`` provides one that spans
processes and hosts.

The in-process gate is a FIFO queue behind a ``threading.Lock`` that is only
ever held for a few instructions: a waiter parks on an event of its own loop,
and the releasing thread wakes the next waiter through that loop's thread-safe
entry (``call_soon_threadsafe`` / a trio token), so no loop ever blocks on it.

Settle: a write that timed out or lost its connection may still be running on
the server. The write path marks its ``GateSlot`` ambiguous; the gate then keeps
the next write to the instance (from any client) waiting until ``settle``
seconds after that moment, and the slot of the write that waited says so.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

import anyio
import anyio.lowlevel
import sniffio

__all__ = [
    "GateSlot",
    "LocalWriteGate",
    "WriteGate",
    "instance_key",
    "normalize_base_url",
    "process_gate",
]


@runtime_checkable
class WriteGate(Protocol):
    """Serializes writes to one instance; ``hold()`` is entered around each write.

    ``hold()`` may yield a :class:`GateSlot` (the built-in gates do) to take part
    in settling after ambiguous writes; a gate whose ``hold()`` yields anything
    else gets a settle record kept per instance in this process.
    """

    def hold(self) -> AbstractAsyncContextManager[object]:
        """An async context manager held while one write is in flight."""
        ...


class GateSlot:
    """One passage through a gate: how long it waited to settle; marks an ambiguous write.

    ``guard(scope)``: the write path registers the (shielded) cancel scope of the
    request in flight; a gate that loses its hold (a Redis lease) cancels it.
    """

    __slots__ = ("_guard", "_mark", "settled")

    def __init__(
        self,
        mark: Callable[[float], None],
        settled: float = 0.0,
        guard: Callable[[anyio.CancelScope], None] | None = None,
    ):
        self._mark = mark
        self._guard = guard
        #: Seconds this write waited for an earlier ambiguous write to settle.
        self.settled = settled

    def ambiguous(self, settle: float) -> None:
        """This write may still be running on the server: hold the next one ``settle`` s."""
        if settle > 0:
            self._mark(time.monotonic() + settle)

    def guard(self, scope: anyio.CancelScope) -> None:
        """Let the gate cancel ``scope`` (the request in flight) if it loses its hold."""
        if self._guard is not None:
            self._guard(scope)


# -- gate keys -----------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _remove_dot_segments(path: str) -> str:
    out: list[str] = []
    for seg in path.split("/"):
        if seg == "..":
            if len(out) > 1:
                out.pop()
        elif seg != ".":
            out.append(seg)
    return "/".join(out)


def normalize_base_url(base_url: str) -> str:
    """One spelling per instance: scheme and host lower-cased, the host IDNA-encoded,
    the default port dropped, dot segments resolved, no trailing slash."""
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # IPv6 literal, in its compressed form
        with suppress(ValueError):
            host = str(ipaddress.IPv6Address(host.split("%")[0]))
        netloc = f"[{host}]"
    else:
        try:
            netloc = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            netloc = host.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    path = _remove_dot_segments(parts.path).rstrip("/")
    return urlunsplit((scheme, netloc, path, "", ""))


def instance_key(base_url: str, api_user: str) -> str:
    """Names an instance for the write gates: ``"normal base URL|api user"``; never a key."""
    return f"{normalize_base_url(base_url)}|{api_user.strip()}"


def normalize_instance_key(key: str) -> str:
    """``instance_key`` applied to a key someone spelled by hand (``"url|user"``)."""
    key = key.strip()
    url, sep, user = key.partition("|")
    if sep and "://" in url:
        return instance_key(url, user)
    return key


# -- the cross-loop FIFO lock ------------------------------------------------------


class _Waiter:
    """A task parked on its own loop; ``wake`` may be called from any thread."""

    __slots__ = ("granted", "wait", "wake")

    def __init__(self) -> None:
        self.granted = False
        if sniffio.current_async_library() == "trio":
            import trio

            token = trio.lowlevel.current_trio_token()
            t_event = trio.Event()
            self.wait: Callable[[], Awaitable[object]] = t_event.wait
            self.wake: Callable[[], object] = lambda: token.run_sync_soon(t_event.set)
        else:
            import asyncio

            loop = asyncio.get_running_loop()
            a_event = asyncio.Event()
            self.wait = a_event.wait
            self.wake = lambda: loop.call_soon_threadsafe(a_event.set)


class _ProcessLock:
    """A fair lock shared by every thread and event loop of the process."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._queue: deque[_Waiter] = deque()

    def locked(self) -> bool:
        return self._held

    async def acquire(self) -> None:
        await anyio.lowlevel.checkpoint_if_cancelled()
        with self._mutex:
            if not self._held and not self._queue:
                self._held = True
                return
            waiter = _Waiter()
            self._queue.append(waiter)
        try:
            await waiter.wait()
        except BaseException:
            # Cancelled while waiting: withdraw, or pass on a grant that came too late.
            with self._mutex:
                if waiter.granted:
                    self._release_locked()
                else:
                    self._queue.remove(waiter)
            raise

    def release(self) -> None:
        with self._mutex:
            self._release_locked()

    def _release_locked(self) -> None:
        while self._queue:
            waiter = self._queue.popleft()
            waiter.granted = True
            try:
                waiter.wake()
            except Exception:  # its event loop has closed: wake the next one
                continue
            return  # ownership passes to the waiter; the lock stays held
        self._held = False


class LocalWriteGate:
    """A fair (FIFO) gate shared by every task, thread and event loop of the process."""

    def __init__(self, key: str):
        self.key = key
        self._lock = _ProcessLock()
        self._quiet_until = 0.0

    def __repr__(self) -> str:
        return f"<LocalWriteGate {self.key.split('|')[0]}>"

    def _mark(self, until: float) -> None:
        self._quiet_until = max(self._quiet_until, until)

    def _settled_until(self) -> float:
        return self._quiet_until

    def hold(self) -> AbstractAsyncContextManager[GateSlot]:
        """Wait (cancellably) for the gate and any settle period; yield the slot."""
        return _Hold(self._lock, self._settled_until, self._mark)


class _Hold:
    """``LocalWriteGate.hold()``: a plain class, not a generator-based context
    manager, as it is entered once per write."""

    __slots__ = ("_lock", "_mark", "_quiet_until")

    def __init__(
        self, lock: _ProcessLock, quiet_until: Callable[[], float], mark: Callable[[float], None]
    ):
        self._lock = lock
        self._quiet_until = quiet_until
        self._mark = mark

    async def __aenter__(self) -> GateSlot:
        await self._lock.acquire()
        try:
            settled = 0.0
            wait = self._quiet_until() - time.monotonic()
            if wait > 0:
                await anyio.sleep(wait)
                settled = wait
        except BaseException:
            self._lock.release()
            raise
        return GateSlot(self._mark, settled)

    async def __aexit__(self, *exc_info: object) -> None:
        self._lock.release()


_registry: dict[str, LocalWriteGate] = {}
_registry_guard = threading.Lock()


def process_gate(instance_key: str) -> LocalWriteGate:
    """The process-wide gate of an instance, shared by every client of it (any spelling)."""
    key = normalize_instance_key(instance_key)
    with _registry_guard:
        gate = _registry.get(key)
        if gate is None:
            gate = _registry[key] = LocalWriteGate(key)
        return gate


_fallback_guard = threading.Lock()
_fallback_quiet: dict[str, float] = {}


def gate_passage(gate: WriteGate, key: str) -> AbstractAsyncContextManager[GateSlot]:
    """Enter ``gate`` and yield a ``GateSlot``; for a gate that yields none, settle
    by a per-instance record of this process."""
    if type(gate) is LocalWriteGate:  # the usual gate, whose hold() yields a slot itself
        return gate.hold()
    return _passage(gate, key)


@asynccontextmanager
async def _passage(gate: WriteGate, key: str) -> AsyncIterator[GateSlot]:
    async with gate.hold() as held:
        if isinstance(held, GateSlot):
            yield held
            return
        settled = 0.0
        wait = _fallback_quiet.get(key, 0.0) - time.monotonic()
        if wait > 0:
            await anyio.sleep(wait)
            settled = wait

        def mark(until: float) -> None:
            with _fallback_guard:
                _fallback_quiet[key] = max(_fallback_quiet.get(key, 0.0), until)

        yield GateSlot(mark, settled)
