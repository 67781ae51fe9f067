"""The request journal: what the simulator was asked, when, and what it did."""

from __future__ import annotations

import threading
from dataclasses import dataclass

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})


@dataclass
class Entry:
    """One request. ``ended`` is None while it is in progress."""

    method: str
    path: str
    query: str
    started: float  # time.monotonic()
    records: int = 0
    ended: float | None = None
    status: int = 0
    outcome: str = ""  # ok, rejected, rate_limited, denied, not_found, invalid, fault:<kind>
    applied: bool = False

    @property
    def is_write(self) -> bool:
        """POST, PUT or DELETE."""
        return self.method in WRITE_METHODS

    def overlaps(self, other: Entry) -> bool:
        """Both were in progress at some instant (an open entry lasts forever)."""
        a_end = self.ended if self.ended is not None else float("inf")
        b_end = other.ended if other.ended is not None else float("inf")
        return self.started < b_end and other.started < a_end


class Journal:
    """Every request, in arrival order. Safe to read from any thread."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._lock = threading.Lock()

    def open(self, entry: Entry) -> Entry:
        """Record a request as started."""
        with self._lock:
            self.entries.append(entry)
        return entry

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)

    def writes(self) -> list[Entry]:
        """POST/PUT/DELETE entries, including rejected and rate-limited ones."""
        return [e for e in list(self.entries) if e.is_write]

    def overlapping_writes(self) -> list[tuple[Entry, Entry]]:
        """Pairs of writes that were in progress at the same time."""
        ws = self.writes()
        return [(a, b) for i, a in enumerate(ws) for b in ws[i + 1 :] if a.overlaps(b)]

    def max_concurrent_writes(self) -> int:
        """The largest number of writes in progress at one instant."""
        points: list[tuple[float, int]] = []
        for e in self.writes():
            points.append((e.started, 1))
            points.append((e.ended if e.ended is not None else float("inf"), -1))
        points.sort()  # at equal stamps, -1 sorts first: touching intervals do not overlap
        best = now = 0
        for _, step in points:
            now += step
            best = max(best, now)
        return best
