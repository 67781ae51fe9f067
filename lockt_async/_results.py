"""What a write returns: an outcome for every record the caller gave."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterator
from typing import Any

import attrs

from .errors import BatchFailedError, LocktError

__all__ = ["BatchResult", "Failure", "FailureReason", "PageResult", "Progress"]


class FailureReason(enum.StrEnum):
    """Why a record is not among the accepted ones."""

    #: The client's own checks refused it; it was never sent.
    INVALID = "invalid"
    #: The server refused it and said why (matched back through the echoed ``input_data``).
    REJECTED = "rejected"
    #: It certainly was not applied: never sent (the import stopped before its
    #: page, or retries ran out on an error that proves the server did not apply
    #: it), or refused with its whole page because of another record that the
    #: server named (``validate_fails_batch=True``). Safe to resend.
    NOT_SENT = "not_sent"
    #: Its request was sent but no usable answer came back: it may or may not have
    #: been applied. Resolve with ``reconcile`` before resending.
    UNKNOWN = "unknown"


@attrs.frozen
class Failure:
    """One record that did not make it: its position in the input, and why."""

    index: int
    record: Any = attrs.field(repr=False)
    reason: FailureReason
    messages: tuple[str, ...]


@attrs.frozen
class PageResult:
    """One request sent: which records, what came back, how long it took."""

    first_index: int
    records: int
    status: int | None
    duration: float
    outcome: str
    attempts: int = 1
    #: Seconds this page waited, holding the gate, for an earlier ambiguous write
    #: (timed out, connection lost) to settle before it went out.
    settled: float = 0.0


@attrs.frozen
class Progress:
    """Handed to ``on_progress`` after every page."""

    done: int
    total: int | None
    pages: int
    failed: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Records resolved per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


@attrs.define(eq=False)
class BatchResult:
    """The outcome of a write call.

    Every record taken from the input is either accepted or in ``failures``,
    exactly once. The counts (``submitted``, ``inserted``, ...) are the server's
    own, summed over the pages.
    """

    operation: str = ""
    total: int = 0
    submitted: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    processed: int = 0
    errors: int = 0
    pages: list[PageResult] = attrs.Factory(list)
    failures: list[Failure] = attrs.Factory(list)
    #: The instance's record limit, when the server said it is lower than assumed.
    learned_limit: int | None = None
    #: True when the caller was cancelled; records never taken from a streamed input
    #: (from index ``total`` on) are not in ``failures``.
    cancelled: bool = False
    #: The error that stopped the import early (e.g. a revoked key), if any.
    stopped_by: LocktError | None = None
    elapsed: float = 0.0

    def __repr__(self) -> str:
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(self.failure_counts().items()))
        return (
            f"<BatchResult {self.operation} total={self.total} accepted={self.accepted} "
            f"pages={len(self.pages)} failures=[{reasons}]>"
        )

    @property
    def accepted(self) -> int:
        """Records taken from the input and not in ``failures``."""
        return self.total - len(self.failures)

    @property
    def ok(self) -> bool:
        """True when every record was accepted and the import ran to its end."""
        return not self.failures and not self.cancelled and self.stopped_by is None

    @property
    def settle_waits(self) -> int:
        """Pages that waited for an earlier ambiguous write to settle (``PageResult.settled``)."""
        return sum(1 for p in self.pages if p.settled > 0)

    def failure_counts(self) -> dict[str, int]:
        """How many failures of each reason."""
        return dict(Counter(str(f.reason) for f in self.failures))

    def failures_of(self, *reasons: FailureReason) -> Iterator[Failure]:
        """The failures with one of ``reasons``."""
        return (f for f in self.failures if f.reason in reasons)

    def records_to_retry(self, *, include_unknown: bool = False) -> list[Any]:
        """Records that certainly were not applied and can be resent as they are.

        ``unknown`` ones are left out unless asked: resolve them with
        ``reconcile`` first, or resend only to an endpoint where a duplicate is harmless.
        """
        reasons = {FailureReason.NOT_SENT}
        if include_unknown:
            reasons.add(FailureReason.UNKNOWN)
        return [f.record for f in self.failures if f.reason in reasons]

    def raise_for_failures(self) -> None:
        """Raise ``BatchFailedError`` unless every record was accepted.

        Raises:
            BatchFailedError: carries this result as ``.result``.
        """
        if self.ok:
            return
        counts = ", ".join(f"{v} {k}" for k, v in sorted(self.failure_counts().items()))
        extra = ""
        if self.stopped_by is not None:
            extra = f"; stopped by {type(self.stopped_by).__name__}"
        if self.cancelled:
            extra += "; cancelled"
        raise BatchFailedError(
            f"{self.operation}: {len(self.failures)} of {self.total} record(s) failed"
            f" ({counts or 'none'}){extra}",
            result=self,
        )
