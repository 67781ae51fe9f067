"""Frozen settings of a client: retry policy and limits. No I/O here."""

from __future__ import annotations

import attrs

DEFAULT_BASE_URL = "https://cloudapi.lockt.com/api/v1"
DEFAULT_RECORD_LIMIT = 100
DEFAULT_TIMEOUT = 30.0
DEFAULT_READ_CONCURRENCY = 10
#: The default settle period is the request deadline, capped here: a page still
#: running on the server has had ``timeout`` already and is nearly done or stuck;
#: a few seconds cover the first case, no wait covers the second, and one
#: ambiguous write at default settings does not stall an import for 30 s.
DEFAULT_SETTLE_CAP = 5.0


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How reads are retried: exponential backoff with full jitter, bounded twice.

    ``max_retries`` bounds the attempts after the first; ``total`` bounds the
    seconds spent waiting between them; a ``Retry-After`` header is honoured up to
    ``max_backoff``.
    """

    max_retries: int = 2
    initial_backoff: float = 0.2
    max_backoff: float = 10.0
    total: float = 60.0

    def backoff(self, attempt: int, jitter: float) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based); ``jitter`` in [0, 1)."""
        ceiling = min(self.max_backoff, self.initial_backoff * (2**attempt))
        return float(ceiling * (0.5 + jitter / 2))
