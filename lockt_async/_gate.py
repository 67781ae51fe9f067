"""The write gate: at most one write in flight per Lockt instance.

The document forbids "simultaneous and overlapping POST operations"; we apply it
to every write (POST, PUT, DELETE). ``WriteGate`` is the interface; the
in-process gate below serves every ``LocktClient`` of a process, keyed by the
instance (base URL and api user). ``lockt_async.redis_gate`` provides one that
spans processes and hosts.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, runtime_checkable

import anyio
import sniffio

__all__ = ["LocalWriteGate", "WriteGate", "process_gate"]


@runtime_checkable
class WriteGate(Protocol):
    """Serializes writes to one instance; ``hold()`` is entered around each write."""

    def hold(self) -> AbstractAsyncContextManager[None]:
        """An async context manager held while one write is in flight."""
        ...


def _loop_token() -> object:
    """Identifies the running event loop, so a lock is never shared across loops."""
    if sniffio.current_async_library() == "trio":
        import trio

        return trio.lowlevel.current_trio_token()
    import asyncio

    return asyncio.get_running_loop()


class LocalWriteGate:
    """A fair (FIFO) in-process gate; one per instance key and event loop."""

    def __init__(self, key: str):
        self.key = key
        self._locks: dict[int, tuple[object, anyio.Lock]] = {}
        self._guard = threading.Lock()

    def __repr__(self) -> str:
        return f"<LocalWriteGate {self.key.split('|')[0]}>"

    def _lock(self) -> anyio.Lock:
        token = _loop_token()
        with self._guard:
            entry = self._locks.get(id(token))
            if entry is None or entry[0] is not token:
                # A new event loop (tests run many): forget idle locks of finished loops.
                for key, (_, lock) in list(self._locks.items()):
                    if not lock.locked():
                        del self._locks[key]
                entry = (token, anyio.Lock())
                self._locks[id(token)] = entry
            return entry[1]

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        async with self._lock():
            yield


_registry: dict[str, LocalWriteGate] = {}
_registry_guard = threading.Lock()


def process_gate(instance_key: str) -> LocalWriteGate:
    """The process-wide gate of an instance, shared by every client of it."""
    with _registry_guard:
        gate = _registry.get(instance_key)
        if gate is None:
            gate = _registry[instance_key] = LocalWriteGate(instance_key)
        return gate
