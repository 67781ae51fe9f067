"""Frozen settings of a client (retry policy, limits), and the one retry loop.

``RetryPolicy`` says how long to wait; ``Retries`` is the loop every retrying
part of the library runs on it: reads (``Transport.read``), write resends
(``_writes``), the event stream and the Redis gate's polling.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import attrs

from .errors import ConfigurationError

DEFAULT_BASE_URL = "https://cloudapi.lockt.com/api/v1"
DEFAULT_RECORD_LIMIT = 100
DEFAULT_TIMEOUT = 30.0
DEFAULT_READ_CONCURRENCY = 10
#: Seconds an idle pooled connection is kept: under the 5 s keep-alive of common servers.
KEEPALIVE_EXPIRY = 4.0
#: The bound on one response body (after content decoding). ``GET /user`` of a
#: large instance is the biggest answer the document has: about 650 bytes per
#: user with credentials and access levels, so 256 MiB holds some 400,000 users,
#: far past any roster we know of, while still stopping a runaway or hostile answer
#: long before it can exhaust a small container.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024

_instant = False


def _non_negative(name: str) -> Callable[[Any, Any, Any], None]:
    def check(_inst: object, _attr: object, value: object) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise ConfigurationError(f"RetryPolicy.{name} must be a number >= 0, got {value!r}")

    return check


def _count(name: str) -> Callable[[Any, Any, Any], None]:
    def check(_inst: object, _attr: object, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigurationError(f"RetryPolicy.{name} must be an int >= 0, got {value!r}")

    return check


#: The default settle period is the request deadline, capped here: a page still
#: running on the server has had ``timeout`` already and is nearly done or stuck;
#: a few seconds cover the first case, no wait covers the second, and one
#: ambiguous write at default settings does not stall an import for 30 s.
DEFAULT_SETTLE_CAP = 5.0


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When and how long to wait before trying again: one policy for the whole client.

    Used by reads (``max_retries`` retries of a GET on connection errors, timeouts,
    429, 5xx and the instance communication errors), by write resends
    (``write_resends`` resends of a page the server certainly did not apply) and by
    ``events.stream()`` (which retries without end). Every wait is::

        min(max_backoff, initial_backoff * 2**attempt) * (0.5 + jitter / 2)

    with ``attempt`` counted from 0 and ``jitter`` uniform in [0, 1), raised to a
    ``Retry-After`` the server sent, which is honoured up to ``retry_after_cap``.
    Reads and write resends stop once ``total`` seconds of waiting would be passed.

    ``RetryPolicy.instant()`` keeps the counts but waits 0 s: for tests (see also
    ``lockt_async.testing.instant_retries()`` for clients you do not build yourself).
    ``seed`` seeds the policy's one source of jitter (None: seeded by the system),
    for tests that want the same waits every run.
    """

    max_retries: int = attrs.field(default=2, validator=_count("max_retries"))
    write_resends: int = attrs.field(default=6, validator=_count("write_resends"))
    initial_backoff: float = attrs.field(default=0.1, validator=_non_negative("initial_backoff"))
    max_backoff: float = attrs.field(default=10.0, validator=_non_negative("max_backoff"))
    retry_after_cap: float = attrs.field(default=60.0, validator=_non_negative("retry_after_cap"))
    total: float = attrs.field(default=60.0, validator=_non_negative("total"))
    seed: int | None = attrs.field(default=None)
    #: The one source of jitter of everything that retries on this policy.
    _rng: random.Random = attrs.field(init=False, eq=False, repr=False)

    @_rng.default
    def _seeded(self) -> random.Random:
        return random.Random(self.seed)

    def jitter(self) -> float:
        """The next jitter in [0, 1), from the policy's one random source."""
        return self._rng.random()

    def retries(
        self,
        what: str,
        *,
        attempts: int | None,
        total: bool = True,
        level: int | None = logging.DEBUG,
    ) -> Retries:
        """A retry loop on this policy: see :class:`Retries`."""
        return Retries(self, what, attempts=attempts, total=total, level=level)

    @classmethod
    def instant(cls, *, max_retries: int = 2, write_resends: int = 6) -> RetryPolicy:
        """The same decisions with no waiting (every wait is 0 s): for tests."""
        return cls(
            max_retries=max_retries,
            write_resends=write_resends,
            initial_backoff=0.0,
            max_backoff=0.0,
            retry_after_cap=0.0,
        )

    def backoff(self, attempt: int, jitter: float) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based); ``jitter`` in [0, 1)."""
        if _instant:
            return 0.0
        ceiling = min(self.max_backoff, self.initial_backoff * 2.0 ** min(attempt, 64))
        return float(ceiling * (0.5 + jitter / 2))

    def wait(self, attempt: int, jitter: float, retry_after: float | None = None) -> float:
        """``backoff``, raised to the server's ``Retry-After`` (capped at ``retry_after_cap``)."""
        wait = self.backoff(attempt, jitter)
        if retry_after is not None and not _instant:
            wait = max(wait, min(retry_after, self.retry_after_cap))
        return wait


logger = logging.getLogger("lockt_async")


class Retries:
    """One retry loop on a ``RetryPolicy``: the tries made, the ``total`` deadline, the log.

    The caller tries, and on a failure it may retry calls ``await retries.wait(...)``:
    True after sleeping the policy's wait, False when the tries ran out (``attempts``
    retries made, or the wait would pass the policy's ``total`` seconds from the
    loop's start; ``attempts=None`` and ``total=False`` retry without end). Each
    retry is logged at ``level`` (None: not logged) as
    ``"<what>: <reason>; retry <n>[/<attempts>] in <s>s"``.
    """

    __slots__ = ("_deadline", "_level", "_policy", "attempts", "done", "what")

    def __init__(
        self,
        policy: RetryPolicy,
        what: str,
        *,
        attempts: int | None,
        total: bool = True,
        level: int | None = logging.DEBUG,
    ):
        self._policy = policy
        self.what = what
        self.attempts = attempts
        self._deadline = time.monotonic() + policy.total if total else math.inf
        self._level = level
        #: Retries made so far.
        self.done = 0

    async def wait(
        self, *, retry_after: float | None = None, reason: str = "", every: float | None = None
    ) -> bool:
        """Sleep before the next try and return True; False when the tries ran out.

        The wait is the policy's (``retry_after``: the server's Retry-After), or,
        with ``every``, a poll of ``every`` seconds jittered to 0.5x-1.5x (polling
        a lock, not backing off; never shortened by ``instant_retries``).
        """
        if self.attempts is not None and self.done >= self.attempts:
            return False
        jitter = self._policy.jitter()
        if every is not None:
            delay = every * (0.5 + jitter)
        else:
            delay = self._policy.wait(self.done, jitter, retry_after)
        if time.monotonic() + delay > self._deadline:
            return False
        self.done += 1
        if self._level is not None and logger.isEnabledFor(self._level):
            of = f"/{self.attempts}" if self.attempts is not None else ""
            logger.log(
                self._level, "%s: %s; retry %d%s in %.3fs", self.what, reason, self.done, of, delay
            )
        await anyio.sleep(delay)
        return True


@contextmanager
def instant_retries() -> Iterator[None]:
    """Within this block every ``RetryPolicy`` waits 0 s (counts unchanged), process-wide.

    For tests of code that builds its own ``LocktClient``; where you build the
    client, prefer ``LocktClient(retry=RetryPolicy.instant())``.
    """
    global _instant
    before, _instant = _instant, True
    try:
        yield
    finally:
        _instant = before
