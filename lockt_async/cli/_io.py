"""CSV and JSONL in and out: column mapping, streaming readers, failure and export writers.

Input columns are the document's field names, exactly. Rows are streamed
(one page of memory); each record carries its original row so a failure can be
written back in the input's own format, ready to fix and re-import.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import IO, Any

import attrs
import click

from .._results import Failure

FORMATS = ("csv", "jsonl")

#: Fields a user may give per import kind, and those every row needs.
KINDS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {}


def _kinds() -> dict[str, tuple[frozenset[str], tuple[str, ...]]]:
    if not KINDS:
        from ..resources import _specs

        KINDS["users"] = (_specs.USERS_UPSERT.fields, ("id_num", "first_name", "last_name"))
        KINDS["fobs"] = (_specs.FOBS_CREATE.fields, ("name", "id_num"))
        KINDS["doors"] = (_specs.DOORS_CREATE.fields, ("name",))
    return KINDS


_DATE_FIELDS = frozenset({"access_effective", "access_expires"})


class Row(dict[str, Any]):
    """A record for the library (document field names) that remembers its input row."""

    raw: Any = None
    line: int = 0


class UnreadableLine:
    """A JSONL line that is not a JSON object; the library reports it as invalid."""

    def __init__(self, raw: Any, line: int, error: str):
        self.raw: Any = raw
        self.line = line
        self.error = error


def detect_format(path: str, given: str | None) -> str:
    """``csv`` or ``jsonl`` from ``--format`` or the file's extension."""
    if given:
        return given
    lower = path.lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if path == "-":
        raise click.UsageError("reading stdin ('-') needs --format csv|jsonl")
    raise click.UsageError(f"cannot tell the format of {path!r}: use .csv or .jsonl, or --format")


#: Columns ``lockt export`` writes that no write takes (read-only fields), per kind.
READ_ONLY_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"name", "credentials"}),
    "fobs": frozenset({"id", "credential_key", "enabled", "accesslevels", "user_id"}),
    "doors": frozenset({"id", "type", "location", "enabled", "controller"}),
}
#: Columns a ``--failures`` file adds (CSV) or keys it adds (JSON lines).
REPORT_COLUMNS = frozenset({"reason", "messages", "_reason", "_messages", "_line"})
#: Fields ``lockt sync`` takes beyond what the import's write takes.
SYNC_EXTRA_COLUMNS: dict[str, frozenset[str]] = {"fobs": frozenset({"user_id"})}


def skipped_columns(
    kind: str, columns: Sequence[str], *, strict: bool, sync: bool = False
) -> list[str]:
    """Export and failures-file columns to leave out (exit 2 with ``strict``)."""
    allowed = _kinds()[kind][0] | (SYNC_EXTRA_COLUMNS.get(kind, frozenset()) if sync else set())
    skip = [
        c
        for c in columns
        if c not in allowed and (c in READ_ONLY_COLUMNS[kind] or c in REPORT_COLUMNS)
    ]
    if skip and strict:
        raise click.UsageError(
            f"read-only or report column(s) for {kind}: {', '.join(skip)} "
            "(drop --strict-columns to skip them)"
        )
    return skip


def check_columns(kind: str, columns: Sequence[str], *, sync: bool = False) -> None:
    """Exit 2 (UsageError) naming unknown or missing columns."""
    allowed, required = _kinds()[kind]
    if sync:
        allowed = allowed | SYNC_EXTRA_COLUMNS.get(kind, frozenset())
    unknown = [c for c in columns if c not in allowed]
    if unknown:
        raise click.UsageError(
            f"unknown column(s) for {kind}: {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    # A users file with ids updates existing users: names are then optional.
    if kind == "users" and "id" in columns:
        required = ()
    missing = [c for c in required if c not in columns]
    if missing:
        raise click.UsageError(f"missing required column(s) for {kind}: {', '.join(missing)}")


def _date(value: Any) -> Any:
    """ISO strings with an offset (or Z) become aware datetimes; local strings pass through."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return value  # the library names the field and the bad value
    return parsed if parsed.tzinfo is not None else text


def _levels(value: str) -> Any:
    """``accesslevels`` in a CSV cell: ``1;2;3``, ``1,2`` or a JSON list."""
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            return value
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


def to_record(
    raw: Mapping[str, Any], line: int, *, from_csv: bool, skip: frozenset[str] = frozenset()
) -> Row:
    """The library record for one input row (blank CSV cells and ``skip`` columns left out)."""
    row = Row()
    row.raw = raw
    row.line = line
    for key, value in raw.items():
        if key in skip:
            continue
        if from_csv:
            if value is None or value == "":
                continue
            if key == "accesslevels":
                value = _levels(value)
        if key in _DATE_FIELDS:
            value = _date(value)
        row[key] = value
    return row


@contextlib.contextmanager
def open_input(path: str) -> Iterator[IO[str]]:
    """A text stream for ``path`` (``-`` is stdin)."""
    if path == "-":
        yield sys.stdin
        return
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        yield fh


class Reader:
    """Streams one input file; ``columns`` is known before the first record is taken."""

    def __init__(
        self,
        fh: IO[str],
        fmt: str,
        kind: str,
        *,
        strict_columns: bool = False,
        sync: bool = False,
    ):
        self.fmt = fmt
        self.kind = kind
        self.columns: list[str] = []
        #: Export/failures-file columns left out of every record (see ``skipped_columns``).
        self.skipped: list[str] = []
        self._fh = fh
        self._first: dict[str, Any] | None = None
        self._first_line = 0
        if fmt == "csv":
            self._csv = csv.DictReader(fh)
            self.columns = list(self._csv.fieldnames or [])
            if not self.columns:
                raise click.UsageError("the CSV file is empty (no header row)")
            blank = [c for c in self.columns if not c or not c.strip()]
            if blank:
                raise click.UsageError("the CSV header has a blank column name")
        else:
            self._lines = enumerate(fh, start=1)
            for number, text in self._lines:
                if not text.strip():
                    continue
                obj = _json_obj(text)
                if not isinstance(obj, dict):
                    raise click.UsageError(f"line {number} is not a JSON object")
                self._first, self._first_line = obj, number
                self.columns = list(obj)
                break
        self.skipped = skipped_columns(kind, self.columns, strict=strict_columns, sync=sync)
        self._skip = frozenset(self.skipped)
        check_columns(kind, [c for c in self.columns if c not in self._skip], sync=sync)
        if self.skipped:
            click.echo(
                f"note: skipping column(s) {', '.join(self.skipped)} (read-only fields or a "
                "failures report; --strict-columns makes them an error)",
                err=True,
            )

    @property
    def data_columns(self) -> list[str]:
        """The input's columns without failures-report ones (a failures file's own columns)."""
        return [c for c in self.columns if c not in REPORT_COLUMNS]

    def __iter__(self) -> Iterator[Row | UnreadableLine]:
        if self.fmt == "csv":
            for raw in self._csv:
                extra = raw.pop(None, None)
                if extra:
                    bad = UnreadableLine(",".join(str(v) for v in raw.values()), 0, "")
                    bad.raw = raw
                    bad.line = self._csv.line_num
                    bad.error = f"row has {len(extra)} more cell(s) than the header"
                    yield bad
                    continue
                yield to_record(raw, self._csv.line_num, from_csv=True, skip=self._skip)
            return
        if self._first is not None:
            yield to_record(self._first, self._first_line, from_csv=False, skip=self._skip)
        for number, text in self._lines:
            if not text.strip():
                continue
            obj = _json_obj(text)
            if isinstance(obj, dict):
                yield to_record(obj, number, from_csv=False, skip=self._skip)
            else:
                yield UnreadableLine(text.rstrip("\n"), number, "not a JSON object")


def _json_obj(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def count_rows(path: str, fmt: str) -> int | None:
    """How many records a regular file holds (for the ETA); None for stdin."""
    if path == "-":
        return None
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            if fmt == "csv":
                return max(0, sum(1 for _ in csv.reader(fh)) - 1)
            return sum(1 for line in fh if line.strip())
    except OSError:
        return None


# --------------------------------------------------------------------------- failures file


class FailureWriter:
    """Writes failed or unsent records in the input's format, with reason and messages."""

    def __init__(self, path: str, fmt: str, columns: Sequence[str]):
        self.path = path
        self.fmt = fmt
        self.columns = list(columns)
        self.count = 0
        self._fh: IO[str] | None = None
        self._csv: Any = None

    def __enter__(self) -> FailureWriter:
        self._fh = open(self.path, "w", encoding="utf-8", newline="")
        if self.fmt == "csv":
            self._csv = csv.writer(self._fh)
            self._csv.writerow([*self.columns, "reason", "messages"])
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()

    def write(self, record: Any, reason: str, messages: Sequence[str]) -> None:
        """One record: its original row plus why it failed."""
        assert self._fh is not None
        raw = getattr(record, "raw", record)
        extra = getattr(record, "error", "")
        msgs = [*messages, extra] if extra else list(messages)
        self.count += 1
        if self.fmt == "csv":
            cells = (
                [raw.get(c, "") for c in self.columns]
                if isinstance(raw, Mapping)
                else [raw, *([""] * (len(self.columns) - 1))]
            )
            self._csv.writerow([*cells, reason, " | ".join(msgs)])
            return
        obj = dict(raw) if isinstance(raw, Mapping) else {"_line": raw}
        obj["_reason"] = reason
        obj["_messages"] = msgs
        self._fh.write(json.dumps(obj, default=str, ensure_ascii=False) + "\n")

    def write_failure(self, failure: Failure) -> None:
        self.write(failure.record, str(failure.reason), failure.messages)


def failure_line(failure: Failure) -> str:
    """Where a failure came from: ``line N`` of the input, else ``#index``."""
    line = getattr(failure.record, "line", 0)
    return f"line {line}" if line else f"#{failure.index}"


# --------------------------------------------------------------------------- export


def export_row(model: Any, conv: Any) -> dict[str, Any]:
    """A model as a flat dict of the document's field names (dates instance-local)."""
    out: dict[str, Any] = {}
    for field in attrs.fields(type(model)):
        if field.name == "extra":
            continue
        value = getattr(model, field.name)
        if isinstance(value, datetime):
            value = conv.format_datetime(value, field=field.name)
        elif isinstance(value, tuple):
            value = [conv.unstructure(v) if attrs.has(type(v)) else v for v in value]
        elif attrs.has(type(value)):
            value = conv.unstructure(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[field.name] = value
    return out


def columns_of(cls: type) -> list[str]:
    """Export columns of a model: its fields in order, without ``extra``."""
    return [f.name for f in attrs.fields(cls) if f.name != "extra"]


def cell(value: Any) -> str:
    """One CSV or table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, separators=(",", ":"))
    return str(value)


def write_csv(out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Rows as CSV with a header; returns the row count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    n = 0
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
        n += 1
    return n


def write_jsonl(out: IO[str], rows: Iterable[Mapping[str, Any]]) -> int:
    """Rows as JSON lines (None fields left out); returns the row count."""
    n = 0
    for row in rows:
        clean = {k: v for k, v in row.items() if v is not None and v != []}
        out.write(json.dumps(clean, default=str, ensure_ascii=False) + "\n")
        n += 1
    return n
