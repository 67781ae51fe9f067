"""CSV and JSONL in and out: column mapping, streaming readers, failure and export writers.

Input columns are the document's field names, or renamed to them with ``--map``
(see ``_hr``). Rows are streamed
(one page of memory); each record carries its original row so a failure can be
written back in the input's own format, ready to fix and re-import.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io as _stdio
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import IO, Any

import attrs
import click

from .._field_map import check_field_map
from .._results import Failure
from ..resources.doors import Doors
from ..resources.fobs import Fobs
from ..resources.users import Users

FORMATS = ("csv", "jsonl")

#: The default input encoding: UTF-8, with or without a byte-order mark.
DEFAULT_ENCODING = "utf-8-sig"

# Input is decoded with ``surrogateescape``: a byte that is not valid in the
# encoding becomes one of these code points, so the row is still read, reported
# as invalid (naming the line, the column and the byte) and written back to the
# failures file byte for byte.
_ESCAPED = re.compile("[\udc80-\udcff]")


def _restore_or_escape(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Encode error handler for output files: escaped input bytes go back as they were;
    anything else the encoding cannot carry (a lone surrogate from a JSON escape, a
    character outside a legacy code page) is written as a backslash escape."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    code = ord(exc.object[exc.start])
    if 0xDC80 <= code <= 0xDCFF:
        return bytes([code - 0xDC00]), exc.start + 1
    text = f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else ""
    return text or f"\\U{code:08x}", exc.start + 1


OUTPUT_ERRORS = "lockt.restore"
codecs.register_error(OUTPUT_ERRORS, _restore_or_escape)


def check_encoding(encoding: str | None) -> str:
    """The codec name to read with; ``UsageError`` (exit 2) for an unknown one."""
    if not encoding:
        return DEFAULT_ENCODING
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise click.UsageError(
            f"unknown encoding {encoding!r} (try utf-8, cp1252, latin-1, utf-16)"
        ) from None
    return encoding


def _encoding_label(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "UTF-8" if name in ("utf-8", "utf-8-sig") else name


def _escaped_byte(text: str) -> int | None:
    """The first input byte the encoding could not decode, if ``text`` holds one."""
    m = _ESCAPED.search(text)
    return None if m is None else ord(m.group()) - 0xDC00


def _undecodable(raw: Mapping[Any, Any]) -> tuple[str, int] | None:
    """(column, byte) of the first undecodable byte in a row's keys or values."""
    for key, value in raw.items():
        if isinstance(key, str):
            byte = _escaped_byte(key)
            if byte is not None:
                return "a field name", byte
        found = _undecodable_value(value)
        if found is not None:
            return str(key), found
    return None


def _undecodable_value(value: Any) -> int | None:
    if isinstance(value, str):
        return _escaped_byte(value)
    if isinstance(value, list):
        for item in value:
            found = _undecodable_value(item)
            if found is not None:
                return found
    elif isinstance(value, dict):
        found_pair = _undecodable(value)
        if found_pair is not None:
            return found_pair[1]
    return None


def undecodable_message(line: int, column: str, byte: int, encoding: str) -> str:
    """``line 502, first_name: byte 0xE9 is not UTF-8; save the file as UTF-8 ...``."""
    label = _encoding_label(encoding)
    where = f"line {line}, {column}" if line else column
    if label == "UTF-8":
        hint = "save the file as UTF-8, or name its encoding with --encoding (e.g. cp1252)"
    else:
        hint = "check --encoding"
    return f"{where}: byte 0x{byte:02X} is not {label}; {hint}"


#: Fields a user may give per import kind (those its write takes), and those every row needs.
KINDS: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "users": (Users.record_fields, ("id_num", "first_name", "last_name")),
    "fobs": (Fobs.record_fields, ("name", "id_num")),
    "doors": (Doors.record_fields, ("name",)),
}


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
    allowed = KINDS[kind][0] | (SYNC_EXTRA_COLUMNS.get(kind, frozenset()) if sync else set())
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


def check_columns(
    kind: str, columns: Sequence[str], unknown_fields: str = "error", *, sync: bool = False
) -> list[str]:
    """Exit 2 (UsageError) naming unknown or missing columns; returns the unknown ones
    when ``unknown_fields`` is ``"ignore"`` (they are then left out of every record)."""
    allowed, required = KINDS[kind]
    if sync:
        allowed = allowed | SYNC_EXTRA_COLUMNS.get(kind, frozenset())
    unknown = [c for c in columns if c not in allowed]
    if unknown and unknown_fields != "ignore":
        raise click.UsageError(
            f"unknown column(s) for {kind}: {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))} (--map 'COLUMN=field' reads a column "
            "as a field; --unknown-fields ignore leaves unknown columns out)"
        )
    # A users file with ids updates existing users: names are then optional.
    if kind == "users" and "id" in columns:
        required = ()
    missing = [c for c in required if c not in columns]
    if missing:
        raise click.UsageError(f"missing required column(s) for {kind}: {', '.join(missing)}")
    return unknown


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
    raw: Mapping[str, Any],
    line: int,
    *,
    from_csv: bool,
    skip: frozenset[str] = frozenset(),
    field_map: Mapping[str, str] | None = None,
) -> Row:
    """The library record for one input row (blank CSV cells and ``skip`` columns left out;
    columns renamed by ``field_map`` first; ``raw`` keeps the file's own names)."""
    row = Row()
    row.raw = raw
    row.line = line
    for key, value in raw.items():
        if field_map:
            key = field_map.get(key, key)
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
def open_input(path: str, encoding: str = DEFAULT_ENCODING) -> Iterator[IO[str]]:
    """A text stream for ``path`` (``-`` is stdin), decoded with ``surrogateescape``."""
    if path == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is None:  # a replaced stdin (tests, embedding): already text
            yield sys.stdin
            return
        wrapper = _stdio.TextIOWrapper(
            buffer, encoding=encoding, errors="surrogateescape", newline=""
        )
        try:
            yield wrapper
        finally:
            wrapper.detach()  # leave sys.stdin's buffer open
        return
    try:
        fh = open(path, encoding=encoding, errors="surrogateescape", newline="")  # noqa: SIM115
    except OSError as exc:
        raise click.UsageError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        yield fh


class Reader:
    """Streams one input file; ``columns`` is known before the first record is taken.

    Rows that cannot be read (an undecodable byte, a CSV error, a line that is
    not a JSON object) come out as ``UnreadableLine`` naming the line and the
    problem: the import reports them as ``invalid`` and goes on.
    """

    def __init__(
        self,
        fh: IO[str],
        fmt: str,
        kind: str,
        encoding: str = DEFAULT_ENCODING,
        unknown_fields: str = "error",
        *,
        strict_columns: bool = False,
        sync: bool = False,
        field_map: Mapping[str, str] | None = None,
    ):
        self.fmt = fmt
        self.kind = kind
        self.encoding = encoding
        self.columns: list[str] = []
        #: Export/failures-file columns left out of every record (see ``skipped_columns``).
        self.skipped: list[str] = []
        #: Columns the endpoint does not take, left out (``--unknown-fields ignore``).
        self.ignored: list[str] = []
        self._fh = fh
        self._first: dict[str, Any] | None = None
        self._first_line = 0
        try:
            self._read_header()
        except csv.Error as exc:
            raise click.UsageError(f"line 1 (the header) cannot be read: {exc}") from None
        for column in self.columns:
            byte = _escaped_byte(column)
            if byte is not None:
                where = "line 1 (the header)" if fmt == "csv" else f"line {self._first_line}"
                raise click.UsageError(
                    undecodable_message(0, f"{where}, a column name", byte, encoding)
                )
        self.field_map = self._check_map(field_map or {}, sync)
        named = [self.field_map.get(c, c) for c in self.columns]
        self.skipped = skipped_columns(kind, named, strict=strict_columns, sync=sync)
        self._skip = frozenset(self.skipped)
        kept = [c for c in named if c not in self._skip]
        self.ignored = check_columns(kind, kept, unknown_fields, sync=sync)
        self._skip = self._skip | frozenset(self.ignored)
        if self.skipped:
            click.echo(
                f"note: skipping column(s) {', '.join(self.skipped)} (read-only fields or a "
                "failures report; --strict-columns makes them an error)",
                err=True,
            )

    def _check_map(self, field_map: Mapping[str, str], sync: bool) -> dict[str, str]:
        """``--map`` checked: each target a field of the kind, each source a column of the file."""
        allowed = KINDS[self.kind][0]
        if sync:
            allowed = allowed | SYNC_EXTRA_COLUMNS.get(self.kind, frozenset())
        fmap = check_field_map(field_map, allowed, f"{self.kind}", argument="--map")
        absent = [c for c in fmap if c not in self.columns]
        if absent:
            raise click.UsageError(
                f"--map: column(s) not in the file: {', '.join(repr(c) for c in absent)} "
                f"(its columns: {', '.join(repr(c) for c in self.columns)})"
            )
        clash = [t for s, t in fmap.items() if t in self.columns and fmap.get(t, t) == t]
        if clash:
            raise click.UsageError(
                f"--map: the file already has a column {clash[0]!r}; map or drop one of them"
            )
        return fmap

    @property
    def named_columns(self) -> list[str]:
        """The file's columns as fields (``--map`` applied)."""
        return [self.field_map.get(c, c) for c in self.columns]

    @property
    def data_columns(self) -> list[str]:
        """The input's columns without failures-report ones (a failures file's own columns)."""
        return [c for c in self.columns if c not in REPORT_COLUMNS]

    def _read_header(self) -> None:
        if self.fmt == "csv":
            self._csv = csv.DictReader(self._fh)
            self.columns = list(self._csv.fieldnames or [])
            if not self.columns:
                raise click.UsageError("the CSV file is empty (no header row)")
            blank = [c for c in self.columns if not c or not c.strip()]
            if blank:
                raise click.UsageError("the CSV header has a blank column name")
            return
        self._lines = enumerate(self._fh, start=1)
        for number, text in self._lines:
            if not text.strip():
                continue
            obj = _json_obj(text)
            if not isinstance(obj, dict):
                raise click.UsageError(f"line {number} is not a JSON object")
            self._first, self._first_line = obj, number
            self.columns = list(obj)
            break

    def __iter__(self) -> Iterator[Row | UnreadableLine]:
        if self.fmt == "csv":
            yield from self._csv_rows()
            return
        if self._first is not None:
            yield self._record(self._first, self._first_line, from_csv=False)
        for number, text in self._lines:
            if not text.strip():
                continue
            obj = _json_obj(text)
            if isinstance(obj, dict):
                yield self._record(obj, number, from_csv=False)
            else:
                line = text.rstrip("\r\n")
                byte = _escaped_byte(line)
                error = (
                    f"line {number}: not a JSON object"
                    if byte is None
                    else undecodable_message(number, "the line", byte, self.encoding)
                )
                yield UnreadableLine(line, number, error)

    def _csv_rows(self) -> Iterator[Row | UnreadableLine]:
        rows = self._csv
        while True:
            try:
                raw = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a field over the csv module's size limit
                yield UnreadableLine("", rows.line_num, f"line {rows.line_num}: {exc}")
                continue
            extra = raw.pop(None, None)
            if extra:
                bad = UnreadableLine(raw, rows.line_num, "")
                bad.error = f"line {rows.line_num}: {len(extra)} more cell(s) than the header"
                yield bad
                continue
            yield self._record(raw, rows.line_num, from_csv=True)

    def _record(self, raw: dict[str, Any], line: int, *, from_csv: bool) -> Row | UnreadableLine:
        found = _undecodable(raw)
        if found is not None:
            column, byte = found
            return UnreadableLine(raw, line, undecodable_message(line, column, byte, self.encoding))
        return to_record(raw, line, from_csv=from_csv, skip=self._skip, field_map=self.field_map)


def _json_obj(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def count_rows(path: str, fmt: str, encoding: str = DEFAULT_ENCODING) -> int | None:
    """How many records a regular file holds (for the ETA); None for stdin or when unsure."""
    if path == "-":
        return None
    try:
        with open(path, encoding=encoding, errors="surrogateescape", newline="") as fh:
            if fmt == "csv":
                return max(0, sum(1 for _ in csv.reader(fh)) - 1)
            return sum(1 for line in fh if line.strip())
    except (OSError, csv.Error, UnicodeError):
        return None


def column_values(path: str, fmt: str, encoding: str, reader: Reader, field: str) -> list[Any]:
    """Every value the file holds for ``field`` (its column after ``--map``); a second read.

    Empty for stdin (it cannot be read twice) or when the file has no such column.
    """
    if path == "-" or field not in reader.named_columns:
        return []
    column = next(c for c in reader.columns if reader.field_map.get(c, c) == field)
    out: list[Any] = []
    with open(path, encoding=encoding, errors="surrogateescape", newline="") as fh:
        if fmt == "csv":
            out.extend(row.get(column) for row in csv.DictReader(fh))
        else:
            for line in fh:
                obj = _json_obj(line) if line.strip() else None
                if isinstance(obj, dict):
                    out.append(obj.get(column))
    return [v for v in out if v not in (None, "")]


# --------------------------------------------------------------------------- failures file


class FailureWriter:
    """Writes failed or unsent records in the input's format, with reason and messages.

    The file uses the input's encoding; a row holding bytes that encoding could
    not decode is written back with those same bytes, and nothing a row holds
    can make a write fail (see ``_restore_or_escape``).
    """

    def __init__(
        self, path: str, fmt: str, columns: Sequence[str], encoding: str = DEFAULT_ENCODING
    ):
        self.path = path
        self.fmt = fmt
        self.columns = list(columns)
        self.encoding = "utf-8" if encoding == DEFAULT_ENCODING else encoding
        self.count = 0
        self._fh: IO[str] | None = None
        self._csv: Any = None

    def __enter__(self) -> FailureWriter:
        self._fh = open(self.path, "w", encoding=self.encoding, errors=OUTPUT_ERRORS, newline="")
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
        msgs = [*messages, extra] if extra and extra not in messages else list(messages)
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


#: The library's hints name Python arguments; the command line names its options.
_CLI_HINTS = (
    ("pass update_existing=True to update it", "run with --update-existing to update it"),
    ("update_existing=False", "--update-existing not given"),
    ("pass a larger max_removals", "pass a larger --max-removals"),
    ('required_fields="server"', "--required-fields server"),
    ('unknown_fields="ignore"', "--unknown-fields ignore"),
    ("pass api_user=... or set LOCKT_API_USER", "pass --api-user or set LOCKT_API_USER"),
    ("pass api_key=... or set LOCKT_API_KEY", "set LOCKT_API_KEY (or pass --api-key)"),
)


_OPTION_HINT = re.compile(
    r"\b(approve|max_removals|max_removal_percent)=(?:'([^']*)'|(\S+?))(?=[.,;:)]?(?:\s|$))"
)


def cli_hint(text: str) -> str:
    """``text`` with the library's Python-argument hints put as the CLI's options."""
    for api, option in _CLI_HINTS:
        text = text.replace(api, option)
    return _OPTION_HINT.sub(
        lambda m: f"--{m.group(1).replace('_', '-')} {m.group(2) or m.group(3)}", text
    )


def explain(failure: Failure) -> Failure:
    """A failure as the command line shows it.

    A row the reader could not read says only why (line, column, problem): the
    library refuses such a row as "not a mapping", and the reader's own message
    is the one a user can act on. Hints name CLI options, not Python arguments.
    """
    record = failure.record
    if isinstance(record, UnreadableLine) and failure.reason == "invalid" and record.error:
        return attrs.evolve(failure, messages=(record.error,))
    messages = tuple(cli_hint(m) for m in failure.messages)
    if messages != failure.messages:
        return attrs.evolve(failure, messages=messages)
    return failure


class Taken:
    """The reader's records as the library takes them, remembering those not yet accounted.

    A write can take records and stop before its result holds them (ids looked
    up for the first 50 rows, then a 401): those rows are given back by
    ``unaccounted(total)`` so the failures file still holds every input row.
    Memory is bounded: only records at or past the result's ``total`` are kept.
    """

    def __init__(self, records: Iterable[Any], result: Any):
        self._it = iter(records)
        self._held: dict[int, Any] = {}
        self.count = 0
        #: The write's ``BatchResult``: records before its ``total`` have an outcome.
        self._result = result

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        record = next(self._it)
        if len(self._held) > 256:
            done = self._result.total
            for index in [i for i in self._held if i < done]:
                del self._held[index]
        self._held[self.count] = record
        self.count += 1
        return record

    def unaccounted(self, total: int) -> list[tuple[int, Any]]:
        """Records taken from the file whose index is ``total`` or more (no outcome yet)."""
        return sorted((i, r) for i, r in self._held.items() if i >= total)

    def rest(self) -> Iterator[Any]:
        """The records never taken (streamed from the file)."""
        return self._it


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
