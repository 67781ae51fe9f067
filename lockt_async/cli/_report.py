"""``--report FILE``: one JSON document a wrapper script reads after an unattended run.

Written whatever ends the run (success, failed rows, the removal guard, Ctrl-C or
SIGTERM, a connection or configuration error), atomically (a temporary file
renamed over ``FILE``), so a script never reads half a report. The fields are
listed in docs/guides/nightly.md; ``version`` changes only when one is removed
or changes meaning.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from .._results import Failure
from ._exit import EXIT_CODES

__all__ = ["REPORT_VERSION", "Report"]

REPORT_VERSION = 1


def _key_of(record: Any, key: str) -> Any:
    rec: Any = getattr(record, "raw", None)
    row = record if isinstance(record, Mapping) else rec
    if isinstance(row, Mapping):
        for k in key.split(" or "):
            if row.get(k) not in (None, ""):
                return row.get(k)
    return getattr(record, "key", None)


def failure_entry(failure: Failure, key: str) -> dict[str, Any]:
    """One failure: its input row (file line), position, key, reason and messages."""
    line = getattr(failure.record, "line", 0)
    return {
        "row": line or None,
        "index": failure.index,
        "key": _key_of(failure.record, key),
        "reason": str(failure.reason),
        "messages": list(failure.messages)
        + (
            [failure.record.error]
            if getattr(failure.record, "error", "") and failure.record.error not in failure.messages
            else []
        ),
    }


class Report:
    """What one ``lockt import``/``sync`` run did, filled in as it goes."""

    def __init__(self, path: str | None, command: str, kind: str, file: str, dry_run: bool):
        self.path = path
        self.started = time.time()
        self._clock = time.perf_counter()
        self._marks: dict[str, float] = {}
        self.data: dict[str, Any] = {
            "version": REPORT_VERSION,
            "command": command,
            "kind": kind,
            "file": file,
            "dry_run": dry_run,
            "started": _iso(self.started),
            "finished": None,
            "status": None,
            "exit_code": None,
            "rows": None,
            "plan": None,
            "outcomes": {},
            "failures": [],
            "guard": None,
            "interrupted_by": None,
            "error": None,
            "durations": {},
        }

    def mark(self, phase: str) -> None:
        """End of ``phase``: its duration is the time since the previous mark (or the start)."""
        now = time.perf_counter()
        last = max(self._marks.values(), default=self._clock)
        self._marks[phase] = now
        self.data["durations"][phase] = round(now - last, 4)

    def failures(self, failures: Iterable[Failure], key: str) -> None:
        """Every failure of the run (replaces any listed before)."""
        self.data["failures"] = [failure_entry(f, key) for f in failures]

    def add_failure(self, failure: Failure, key: str) -> None:
        """One more failure (a row never read after a stop)."""
        self.data["failures"].append(failure_entry(failure, key))

    def finish(self, exit_code: int, *, error: str | None = None) -> None:
        """Status from the exit code; writes the file when ``--report`` was given."""
        self.data["exit_code"] = exit_code
        self.data["status"] = EXIT_CODES.get(exit_code, "failed")
        if error is not None:
            self.data["error"] = error
        self.data["finished"] = _iso(time.time())
        self.data["durations"]["total"] = round(time.perf_counter() - self._clock, 4)
        if self.path:
            write_json(self.path, self.data)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def write_json(path: str, data: Any) -> None:
    """``data`` as JSON at ``path``, replaced atomically (a reader sees old or new, never half)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".lockt-report-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, default=str, ensure_ascii=False)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
