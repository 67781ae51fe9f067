"""What ``lockt import``, ``sync`` and ``sync-many`` share.

The run's arguments as one value (click hands each parameter by name) that
resolves the input file, the report written whatever ends the run, the shared
options, and the exit code of a run that a signal or a lost connection ended early.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

import attrs
import click
from rich.console import Console

from .._field_map import OnInsert
from ..errors import AuthenticationError, TransportError
from . import _io as io
from ._config import Config, describe, exit_code_for
from ._exit import EXIT_CONNECT
from ._hr import (
    encoding_option,
    load_map,
    map_options,
    pin_hook,
    report_option,
    stopped_line,
    unknown_fields_option,
)
from ._report import Report
from ._run import Stop

__all__ = [
    "KEYS",
    "FileArgs",
    "Source",
    "check_on_missing",
    "ended_early",
    "file_options",
    "is_connect",
    "note_ignored",
    "removal_options",
    "reported",
]

#: The column each kind is matched and reported by.
KEYS = {"users": "id_num", "fobs": "name", "doors": "name"}


@attrs.frozen
class Source:
    """The input file resolved: its format, its encoding and its column map."""

    fmt: str
    encoding: str
    field_map: dict[str, str]


@attrs.frozen(kw_only=True)
class FileArgs:
    """The parameters ``import`` and ``sync`` both take, as click names them."""

    kind: str
    file: str
    fmt: str | None
    dry_run: bool
    strict_columns: bool
    failures_path: str | None
    unknown_fields: str
    encoding: str | None
    maps: tuple[str, ...]
    map_file: str | None
    new_pin: str | None
    required_fields: str | None
    report_path: str | None

    def resolve(self) -> Source:
        """Format, encoding and ``--map``/``--map-file``, each checked (a bad one: exit 2)."""
        fmt = io.detect_format(self.file, self.fmt)
        encoding = io.check_encoding(self.encoding)
        return Source(fmt, encoding, load_map(self.maps, self.map_file))

    def check_new_pin(self) -> None:
        """``--new-pin`` makes a user's pin: any other kind is a usage error."""
        if self.new_pin is not None and self.kind != "users":
            raise click.UsageError(f"--new-pin is for users only, not {self.kind}")

    def client(self, cfg: Config) -> Any:
        """The run's client; ``--required-fields`` only when given."""
        extra = {"required_fields": self.required_fields} if self.required_fields else {}
        return cfg.client(**extra)

    def reader(self, fh: IO[str], source: Source, *, sync: bool = False) -> io.Reader:
        """The rows of ``fh`` as the run reads them."""
        return io.Reader(
            fh, source.fmt, self.kind, source.encoding, self.unknown_fields,
            strict_columns=self.strict_columns, sync=sync, field_map=source.field_map,
        )  # fmt: skip

    def pin_hook(self, source: Source, reader: io.Reader) -> OnInsert | None:
        """``--new-pin``'s insert hook, unlike every pin the file holds (None without it)."""
        pins = io.column_values(self.file, source.fmt, source.encoding, reader, "pin")
        return pin_hook(self.new_pin, pins)


def reported(command: str, args: FileArgs, body: Callable[[Report], int]) -> int:
    """``body(report)``; the report is finished (and written) whatever ends it."""
    report = Report(args.report_path, command, args.kind, args.file, args.dry_run)
    try:
        code = body(report)
    except BaseException as exc:
        report.finish(exit_code_for(exc), error=describe(exc))
        raise
    report.finish(code)
    return code


_failures_option = click.option(
    "--failures",
    "failures_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Write every failed or unsent row here (input format + reason + messages).",
)


def file_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options ``import`` and ``sync`` end with: failures, columns, encoding, mapping,
    report."""
    for option in (report_option, map_options, encoding_option, unknown_fields_option):
        fn = option(fn)
    return _failures_option(fn)


def removal_options(
    on_missing_help: str, max_removals_help: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--on-missing keep|disable|delete`` (default keep) and the guard's ``--max-removals``."""
    on_missing = click.option(
        "--on-missing",
        type=click.Choice(["keep", "disable", "delete"]),
        default="keep",
        show_default=True,
        help=on_missing_help,
    )
    max_removals = click.option("--max-removals", type=click.IntRange(0), help=max_removals_help)
    return lambda fn: on_missing(max_removals(fn))


def check_on_missing(kind: str, on_missing: str) -> None:
    """Only users can be disabled."""
    if on_missing == "disable" and kind != "users":
        raise click.UsageError(f"--on-missing disable is for users only ({kind}: keep or delete)")


def note_ignored(out: Console, kind: str, reader: io.Reader) -> None:
    """Name the columns the kind does not take (skipped, not an error)."""
    if reader.ignored:
        out.print(f"Ignoring column(s) {kind} do not take: {', '.join(reader.ignored)}.")


def is_connect(exc: BaseException) -> bool:
    """A connection or authentication failure (exit 3)."""
    return isinstance(exc, AuthenticationError | TransportError)


def ended_early(
    stop: Stop, cause: BaseException | None, done: int, not_done: int, failures_path: str | None
) -> int | None:
    """The exit code of a run a signal or a lost connection ended, its ``error:`` line shown.

    None when the run went to its end (its own outcome decides).
    """
    if stop.exit_code is not None:
        click.echo(f"error: {stopped_line(stop, done, not_done, failures_path)}", err=True)
        return stop.exit_code
    if cause is not None and is_connect(cause):
        click.echo(f"error: {describe(cause)}", err=True)
        return EXIT_CONNECT
    return None
