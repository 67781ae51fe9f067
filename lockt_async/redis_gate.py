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
  * The gate is a Redis key named ``prefix`` + the SHA-256 of the instance key
    (``"base_url|api_user"``). The api key is never part of the name or the value.
  * ``hold()`` first takes an in-process FIFO lock (so the tasks of one process
    queue locally instead of polling Redis), then ``SET key token NX PX lease``
    with a random token, retried every ``poll`` seconds (jittered) while another
    holder has it. Across processes the order is not FIFO.
  * While held, a task of an anyio task group inside ``hold()`` re-arms the
    lease every ``renew_every`` seconds (compare-and-``PEXPIRE`` in Lua), and
    ``hold()`` releases with a compare-and-``DEL`` (redis-py's
    :class:`redis.asyncio.lock.Lock` supplies both scripts).
  * A holder that crashes (or is killed) stops renewing: the others get the gate
    at most ``lease`` seconds later.
  * Lease lost (the key expired or was taken, or Redis was unreachable for a
    whole lease): the gate logs an ERROR, cancels the write inside ``hold()``
    and raises :class:`WriteGateLostError` (a ``LocktError``), so the write path
    records the page as ``unknown`` instead of letting it run unprotected.

asyncio only: redis-py's asyncio client runs on asyncio, so ``hold()`` raises
``ConfigurationError`` under trio (use the default in-process gate there, or
serialize writers another way).
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import sniffio

from ._gate import LocalWriteGate, normalize_instance_key
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

#: How long releasing may take before the gate gives up (the lease then expires).
_RELEASE_TIMEOUT = 5.0


class WriteGateLostError(LocktError):
    """The Redis lease of the write gate was lost while a write held it.

    The write was cancelled; if its request had already left, it may have been
    applied (the write path reports such records as ``unknown``).
    """


class RedisWriteGate:
    """At most one write in flight per instance across every process using this Redis.

    Args:
        redis: a ``redis.asyncio.Redis`` client (``decode_responses`` either way).
        instance_key: names the instance; use :meth:`for_instance` or
            :meth:`for_client` to build it (``"base_url|api_user"``). Never the api key.
        lease: seconds the gate stays held without renewal; a crashed holder
            blocks the others at most this long.
        renew_every: seconds between renewals while held (default ``lease / 3``).
        poll: base seconds between acquisition attempts while another holds it
            (each sleep is jittered to 0.5x-1.5x).
        prefix: the Redis key prefix.

    Raises:
        ConfigurationError: a bad argument; or ``hold()`` entered under trio.
    """

    def __init__(
        self,
        redis: Redis,
        instance_key: str,
        *,
        lease: float = 10.0,
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
        self.redis = redis
        self.lease = float(lease)
        self.renew_every = float(renew)
        self.poll = float(poll)
        digest = hashlib.sha256(normalize_instance_key(instance_key).encode()).hexdigest()
        #: The Redis key of this instance's gate (a hash: no url, user or key in clear).
        self.key = f"{prefix}{digest}"
        self._local = LocalWriteGate(self.key)
        self._rng = random.Random()

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
    async def hold(self) -> AsyncIterator[None]:
        """Hold the instance's gate for one write; see the module docstring."""
        if sniffio.current_async_library() != "asyncio":
            raise ConfigurationError(
                "RedisWriteGate needs asyncio (redis-py's asyncio client); under trio "
                "use the default in-process gate"
            )
        async with self._local.hold():
            lock, deadline = await self._acquire()
            lost = False
            caught: BaseException | None = None
            try:
                async with anyio.create_task_group() as tg:

                    async def renew() -> None:
                        nonlocal lost
                        if not await self._renew(lock, deadline):
                            lost = True
                            tg.cancel_scope.cancel()

                    tg.start_soon(renew)
                    try:
                        yield
                    except BaseException as exc:  # re-raised below, outside the task group
                        caught = exc
                    finally:
                        tg.cancel_scope.cancel()
            finally:
                with anyio.CancelScope(shield=True), anyio.move_on_after(_RELEASE_TIMEOUT):
                    await self._release(lock)
            if lost and (caught is None or isinstance(caught, anyio.get_cancelled_exc_class())):
                if caught is None:
                    return  # the write finished before the loss could stop it
                raise WriteGateLostError(
                    "the Redis write-gate lease was lost while a write held it; "
                    "the write was cancelled (its outcome may be unknown)"
                ) from None
            if caught is not None:
                raise caught

    async def _acquire(self) -> tuple[Lock, float]:
        """Poll ``SET NX PX`` until it succeeds; returns the lock and its lease deadline."""
        lock = Lock(self.redis, self.key, timeout=self.lease, thread_local=False)
        token = secrets.token_hex(16)
        while True:
            started = time.monotonic()
            try:
                if await lock.acquire(blocking=False, token=token):
                    return lock, started + self.lease
            except RedisError as exc:
                logger.warning("write gate: Redis unavailable while acquiring (%s); retrying", exc)
                await anyio.sleep(min(1.0, self.lease / 4) * (0.5 + self._rng.random()))
                continue
            await anyio.sleep(self.poll * (0.5 + self._rng.random()))

    async def _renew(self, lock: Lock, deadline: float) -> bool:
        """Re-arm the lease until cancelled; False once it is lost."""
        while True:
            await anyio.sleep(self.renew_every)
            started = time.monotonic()
            remaining = deadline - started
            if remaining <= 0:
                logger.error("write gate %s: lease expired before it could be renewed", self.key)
                return False
            try:
                with anyio.fail_after(remaining):
                    await lock.reacquire()
            except LockError:  # LockNotOwnedError: expired or taken by another holder
                logger.error("write gate %s: lease lost (no longer the holder)", self.key)
                return False
            except (RedisError, OSError, TimeoutError) as exc:
                logger.warning("write gate %s: renewal failed (%s); retrying", self.key, exc)
                continue
            deadline = started + self.lease

    async def _release(self, lock: Lock) -> None:
        try:
            await lock.release()
        except LockError:
            logger.warning("write gate %s: already released or expired at release", self.key)
        except (RedisError, OSError) as exc:
            logger.warning(
                "write gate %s: release failed (%s); it expires after the lease", self.key, exc
            )
