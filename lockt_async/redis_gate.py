"""A write gate that spans processes and hosts, kept in Redis (the ``redis`` extra).

The document forbids overlapping writes to one instance. The default gate
(:func:`lockt_async.process_gate`) only covers one process; when several
processes or hosts write to the same instance, give every client the same
:class:`RedisWriteGate`::

    import redis.asyncio as redis
    from lockt_async import LocktClient
    from lockt_async.redis_gate import RedisWriteGate

    r = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    gate = RedisWriteGate.factory(r)  # the client names its instance itself
    async with LocktClient(api_user, api_key, base_url=base_url, write_gate=gate) as lockt:
        ...

How it works
  * The gate is a Redis key named ``prefix`` + the SHA-256 of the instance key in
    its normal form (``LocktClient.instance_key``: every spelling of one base URL
    gives one key). The api key is never part of the name or the value.
  * ``hold()`` first passes the process's own gate of the instance (FIFO across
    the tasks, threads and loops of the process), then ``SET key token NX PX
    lease`` with a random token, retried every ``poll`` seconds (jittered) while
    another holder has it, and every ``min(1, lease / 4)`` seconds while Redis is
    unreachable: writes wait, and stay cancellable at once. Across processes the
    order is not FIFO.
  * Once acquired, a renewal task re-arms the lease every ``renew_every`` seconds
    with a compare-and-``PEXPIRE`` (a Lua script that checks the token first).
  * Just before the write goes out, the holder proves it still holds: one more
    compare-and-``PEXPIRE``. If the key is gone or has another token, or Redis
    does not answer within the lease, nothing is sent: the holder goes back to
    waiting for the gate.
  * Lease lost while the write is in flight (a renewal finds another token, or
    Redis stayed unreachable for a whole lease): the gate logs an ERROR, cuts the
    request and raises :class:`WriteGateLostError`; the write path reports the
    page ``unknown`` (it may have been applied).
  * Settle: after an ambiguous write (timed out, connection lost, cut), the holder
    writes ``key + ":settle"`` with a TTL of the settle period before releasing;
    the next holder, in any process, waits that TTL out before sending.
  * Released with a compare-and-``DEL``; a holder that crashes (or is killed)
    stops renewing, and the others get the gate at most ``lease`` seconds later.

What this cannot promise: a holder paused (a long GC, SIGSTOP, a VM migration)
or cut off from Redis between its last ownership check and its request reaching
the server can still send after its lease ran out and another holder took the
gate. Only the server could fence that (by refusing a stale token); the Lockt
API has no such thing. ``lease`` trades the two risks: longer, and a crashed
holder blocks the others longer; shorter, and a shorter pause suffices to overlap.

asyncio only: redis-py's asyncio client runs on asyncio. A ``LocktClient`` given
this gate under trio raises ``ConfigurationError`` when it is built (or entered).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import sniffio

from ._config import RetryPolicy
from ._gate import GateSlot, normalize_instance_key, process_gate
from .errors import ConfigurationError, LocktError

try:
    from redis.asyncio.lock import Lock
    from redis.exceptions import LockError, RedisError
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "lockt_async.redis_gate needs redis-py: pip install 'lockt_async[redis]'"
    ) from exc

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from ._client import LocktClient

__all__ = ["RedisWriteGate", "WriteGateLostError"]

logger = logging.getLogger("lockt_async")

#: How long releasing (and writing the settle mark) may take before the gate gives
#: up: the lease then expires by itself. Bounds the time a cancelled write waits here.
_RELEASE_TIMEOUT = 1.0
_UNSURE_RELEASE_TIMEOUT = 0.25
#: Default lease: long enough that renewals every lease/3 ride out a slow Redis
#: answer; a crashed holder blocks the instance at most this long.
DEFAULT_LEASE = 10.0

_T = TypeVar("_T")


class WriteGateLostError(LocktError):
    """The Redis lease of the write gate was lost while a write held it.

    The write was cancelled; if its request had already left, it may have been
    applied (the write path reports such records as ``unknown``).
    """


class _Lease:
    """One holder's lease: the redis-py lock, its local deadline, and what rides on it."""

    def __init__(self, gate: RedisWriteGate):
        self.gate = gate
        self.lock: Lock | None = None
        self.deadline = 0.0
        self.lost = False
        self.cut = False
        #: The lock may or may not have been acquired (a cancelled ``SET NX``).
        self.unsure = False
        self.quiet_until = 0.0
        self.inflight: list[anyio.CancelScope] = []

    def lose(self, why: str) -> None:
        if self.lost:
            return
        self.lost = True
        logger.error("write gate %s: %s", self.gate.key, why)
        for scope in self.inflight:
            self.cut = True
            scope.cancel()

    def guard(self, scope: anyio.CancelScope) -> None:
        self.inflight.append(scope)
        if self.lost:
            self.cut = True
            scope.cancel()

    def mark(self, until: float) -> None:
        self.quiet_until = max(self.quiet_until, until)


class RedisWriteGate:
    """At most one write in flight per instance across every process using this Redis.

    Args:
        redis: a ``redis.asyncio.Redis`` client (``decode_responses`` either way).
        instance_key: names the instance; use :meth:`for_instance`, :meth:`for_client`
            or :meth:`factory` (``LocktClient.instance_key``). Never the api key.
        lease: seconds the gate stays held without renewal (default 10); a crashed
            holder blocks the others at most this long (see the module docstring
            for what it trades).
        renew_every: seconds between renewals while held (default ``lease / 3``).
        poll: base seconds between acquisition attempts while another holds it
            (each sleep is jittered to 0.5x-1.5x).
        prefix: the Redis key prefix.

    Raises:
        ConfigurationError: a bad argument, or built while trio is running.
    """

    def __init__(
        self,
        redis: Redis,
        instance_key: str,
        *,
        lease: float = DEFAULT_LEASE,
        renew_every: float | None = None,
        poll: float = 0.01,
        prefix: str = "lockt_async:gate:",
    ):
        if not isinstance(instance_key, str) or not instance_key.strip():
            raise ConfigurationError("instance_key must be a non-blank string")
        if not isinstance(lease, int | float) or lease <= 0.01:
            raise ConfigurationError(f"lease must be a number of seconds > 0.01, got {lease!r}")
        renew = lease / 3 if renew_every is None else renew_every
        if not isinstance(renew, int | float) or not 0 < renew < lease:
            raise ConfigurationError(
                f"renew_every must be > 0 and below lease ({lease}), got {renew_every!r}"
            )
        if not isinstance(poll, int | float) or poll <= 0:
            raise ConfigurationError(f"poll must be a positive number, got {poll!r}")
        self.check_runtime()
        self.redis = redis
        self.lease = float(lease)
        self.renew_every = float(renew)
        self.poll = float(poll)
        normal = normalize_instance_key(instance_key)
        digest = hashlib.sha256(normal.encode()).hexdigest()
        #: The Redis key of this instance's gate (a hash: no url, user or key in clear).
        self.key = f"{prefix}{digest}"
        #: Holds the settle period after an ambiguous write (its TTL is the wait).
        self.settle_key = f"{self.key}:settle"
        self._local = process_gate(normal)
        #: The gate's polling runs on the library's one retry loop (its jitter source).
        self._retry = RetryPolicy()

    @staticmethod
    def check_runtime() -> None:
        """Raise ``ConfigurationError`` when running under trio (redis-py needs asyncio).

        ``LocktClient`` calls it when it is built and when it is entered, so a
        misconfigured client fails before anything is sent.
        """
        try:
            library = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            return  # not inside an event loop yet: checked again when the client is entered
        if library != "asyncio":
            raise ConfigurationError(
                f"RedisWriteGate needs asyncio (redis-py's asyncio client), not {library}; "
                "under trio use the default in-process gate"
            )

    @classmethod
    def for_instance(
        cls, redis: Redis, base_url: str, api_user: str, **kwargs: Any
    ) -> RedisWriteGate:
        """The gate of the instance at ``base_url`` reached as ``api_user``."""
        return cls(redis, f"{base_url}|{api_user}", **kwargs)

    @classmethod
    def factory(cls, redis: Redis, **kwargs: Any) -> Callable[[str], RedisWriteGate]:
        """A ``write_gate=`` factory: the client calls it with its own instance key.

        ``LocktClient(..., write_gate=RedisWriteGate.factory(r, lease=5.0))``.
        """
        return lambda instance_key: cls(redis, instance_key, **kwargs)

    @classmethod
    def for_client(cls, redis: Redis, client: LocktClient, **kwargs: Any) -> RedisWriteGate:
        """The gate of ``client``'s instance (``client.instance_key``; never its api key)."""
        return cls(redis, client.instance_key, **kwargs)

    def __repr__(self) -> str:
        return f"<RedisWriteGate {self.key} lease={self.lease}s>"

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[GateSlot]:
        """Hold the instance's gate for one write; see the module docstring.

        Raises:
            ConfigurationError: under trio.
            WriteGateLostError: the lease was lost while the write was in flight.
        """
        self.check_runtime()
        async with self._local.hold() as local:
            lease = _Lease(self)
            caught: BaseException | None = None
            renewing = anyio.CancelScope(shield=True)  # stopped by us, not by the caller
            try:
                async with anyio.create_task_group() as tg:
                    try:
                        tg.start_soon(self._renew, lease, renewing)
                        settled = await self._enter(lease)
                        slot = GateSlot(lease.mark, local.settled + settled, lease.guard)
                        try:
                            yield slot
                        except BaseException as exc:  # re-raised below, outside the task group
                            caught = exc
                    finally:
                        renewing.cancel()
            finally:
                if lease.cut:
                    lease.mark(time.monotonic() + self.lease)  # the cut write may be running
                if lease.quiet_until > time.monotonic():
                    local.ambiguous(lease.quiet_until - time.monotonic())
                if lease.lock is not None:
                    # A maybe-taken lock (a SET cut by a cancel) is released on a short
                    # leash: a cancelled caller returns promptly even if Redis is gone.
                    bound = _UNSURE_RELEASE_TIMEOUT if lease.unsure else _RELEASE_TIMEOUT
                    with anyio.CancelScope(shield=True), anyio.move_on_after(bound):
                        await self._release(lease)
            if lease.cut:
                raise WriteGateLostError(
                    "the Redis write-gate lease was lost while a write was in flight; "
                    "the request was cut (its outcome is unknown)"
                ) from None
            if caught is not None:
                raise caught

    async def _bounded(self, call: Callable[[], Awaitable[_T]], limit: float) -> _T:
        """One Redis call that may not hang: TimeoutError past ``limit`` seconds."""
        with anyio.fail_after(limit):
            return await call()

    async def _enter(self, lease: _Lease) -> float:
        """Acquire, wait out a settle mark, prove ownership; returns seconds settled."""
        settled = 0.0
        while True:
            await self._acquire(lease)
            try:
                pttl = await self._bounded(lambda: self.redis.pttl(self.settle_key), self.lease)
            except (RedisError, OSError, TimeoutError):
                pttl = 0  # the ownership proof below fails too if Redis is gone
            if isinstance(pttl, int) and pttl > 0:
                await anyio.sleep(pttl / 1000)
                settled += pttl / 1000
            if await self._confirm(lease):
                return settled
            logger.warning(
                "write gate %s: could not prove it still holds the lease; not sending, "
                "waiting for the gate again",
                self.key,
            )

    async def _acquire(self, lease: _Lease) -> None:
        """Poll ``SET NX PX`` until it succeeds; fills in the lease."""
        lock = Lock(self.redis, self.key, timeout=self.lease, thread_local=False)
        token = secrets.token_hex(16)
        # Until it is free, without end: the lease bounds how long a holder keeps it.
        polls = self._retry.retries("write gate", attempts=None, total=False, level=None)
        while True:
            started = time.monotonic()
            try:
                got = await self._bounded(
                    lambda: lock.acquire(blocking=False, token=token), self.lease
                )
            except anyio.get_cancelled_exc_class():
                # Cancelled mid-call: the SET may have landed; release it (compare-and-DEL).
                lease.lock, lease.unsure = lock, True
                raise
            except (RedisError, OSError, TimeoutError) as exc:
                logger.warning("write gate: Redis unavailable while acquiring (%s); retrying", exc)
                await polls.wait(every=min(1.0, self.lease / 4))
                continue
            if got:
                lease.lock, lease.deadline, lease.lost = lock, started + self.lease, False
                return
            await polls.wait(every=self.poll)

    async def _confirm(self, lease: _Lease) -> bool:
        """Compare-and-``PEXPIRE``: True only when Redis says the token is still ours."""
        lock = lease.lock
        assert lock is not None
        started = time.monotonic()
        remaining = lease.deadline - started
        if lease.lost or remaining <= 0:
            return False
        try:
            await self._bounded(lock.reacquire, remaining)
        except (LockError, RedisError, OSError, TimeoutError):
            return False
        lease.deadline = started + self.lease
        return True

    async def _renew(self, lease: _Lease, scope: anyio.CancelScope) -> None:
        """Re-arm the lease every ``renew_every`` s until stopped; mark it lost on failure."""
        with scope:
            while True:
                await anyio.sleep(self.renew_every)
                lock = lease.lock
                if lock is None or lease.lost:
                    continue
                started = time.monotonic()
                remaining = lease.deadline - started
                if remaining <= 0:
                    lease.lose("lease expired before it could be renewed")
                    continue
                try:
                    await self._bounded(lock.reacquire, remaining)
                except LockError:  # LockNotOwnedError: expired or taken by another holder
                    lease.lose("lease lost (no longer the holder)")
                    continue
                except (RedisError, OSError, TimeoutError) as exc:
                    logger.warning("write gate %s: renewal failed (%s); retrying", self.key, exc)
                    continue
                lease.deadline = started + self.lease

    async def _release(self, lease: _Lease) -> None:
        lock = lease.lock
        assert lock is not None
        try:
            wait = lease.quiet_until - time.monotonic()
            if wait > 0:
                await self.redis.set(self.settle_key, b"1", px=max(1, int(wait * 1000)))
            await lock.release()
        except LockError:
            if not lease.unsure:
                logger.warning("write gate %s: already released or expired at release", self.key)
        except (RedisError, OSError) as exc:
            logger.warning(
                "write gate %s: release failed (%s); it expires after the lease", self.key, exc
            )
