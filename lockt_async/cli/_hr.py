"""The HR file as it comes: ``--map``/``--map-file`` and the new hire's ``--new-pin``.

The mapping file is TOML (Python reads it with the standard library's
``tomllib``, no new dependency): its quoted keys carry any header an HR system
writes ("Employee Number", "Last, First"), it takes comments, and a value is
plainly a field name::

    # HR export (Workday) -> Lockt user fields
    [columns]
    "Employee Number" = "id_num"
    "First Name" = "first_name"

A CSV of two columns would need its own quoting rules for headers with commas,
and has no comments to say why a column is mapped.
"""

from __future__ import annotations

import secrets
import signal
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import click

from .._field_map import OnInsert
from .._results import Failure, FailureReason
from . import _io as io
from ._run import Stop

__all__ = [
    "EXIT_EPILOG",
    "encoding_option",
    "failed_line",
    "load_map",
    "map_options",
    "pin_hook",
    "report_option",
    "stopped_line",
    "unknown_fields_option",
]

EXIT_EPILOG = (
    "Exit codes: 0 everything applied; 1 some records failed; 2 bad input or configuration; "
    "3 connection or authentication failure; 4 the removal guard held removals back "
    "(sync; see --approve); 130 interrupted (Ctrl-C); 143 stopped by SIGTERM."
)
REPORT_HELP = (
    "Write a JSON report here whatever ends the run: counts, outcomes, every failure "
    "with its input row and reason, durations, the removal guard's decision, the exit "
    "code (docs/guides/nightly.md lists the fields)."
)

NEW_PIN_HELP = (
    "users: the pin of a NEW user (an insert) when the file has none: randomN (N digits, "
    "4-8, e.g. random6), unique within the run and unlike every pin the file holds. Lockt's "
    "user list does not show pins, so a clash with an existing user's pin cannot be checked "
    "(the server does not refuse duplicate pins either). Updates never get one."
)


def _pair(text: str) -> tuple[str, str]:
    source, sep, target = text.rpartition("=")
    if not sep or not source.strip() or not target.strip():
        raise click.BadParameter(
            f"{text!r} is not COLUMN=FIELD (e.g. 'Employee Number=id_num')", param_hint="--map"
        )
    return source.strip(), target.strip()


def load_map(pairs: Sequence[str], path: str | None) -> dict[str, str]:
    """``{file column: field}`` from ``--map-file`` then ``--map`` (a ``--map`` wins)."""
    out: dict[str, str] = {}
    if path:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise click.BadParameter(
                f"cannot read {path}: {exc.strerror}", param_hint="--map-file"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise click.BadParameter(f"{path}: not TOML: {exc}", param_hint="--map-file") from None
        extra = sorted(set(data) - {"columns"})
        columns = data.get("columns")
        if extra or not isinstance(columns, dict):
            raise click.BadParameter(
                f'{path}: expected one [columns] table of "File column" = "field" lines'
                + (f" (found {', '.join(extra)})" if extra else ""),
                param_hint="--map-file",
            )
        for source, target in columns.items():
            if not isinstance(target, str):
                raise click.BadParameter(
                    f"{path}: {source!r} = {target!r}: the field must be a string",
                    param_hint="--map-file",
                )
            out[source] = target.strip()
    for text in pairs:
        source, target = _pair(text)
        out[source] = target
    return out


def pin_hook(spec: str | None, file_pins: Iterable[Any]) -> OnInsert | None:
    """The insert hook for ``--new-pin randomN``: unique within the run and the file's pins."""
    if spec is None:
        return None
    digits = spec[len("random") :] if spec.startswith("random") else ""
    if not digits.isdigit() or not 4 <= int(digits) <= 8:
        raise click.BadParameter(
            f"{spec!r}: use randomN with N from 4 to 8 digits (e.g. random6)",
            param_hint="--new-pin",
        )
    width = int(digits)
    used = {str(p).strip() for p in file_pins if p not in (None, "")}
    room = 10**width - len(used)

    def new_pin(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
        nonlocal room
        if room <= 0:
            return None  # every value taken: the record is refused ("Missing or blank pin")
        while True:
            pin = f"{secrets.randbelow(10**width):0{width}d}"
            if pin not in used:
                used.add(pin)
                room -= 1
                return {"pin": pin}

    return new_pin


REQUIRED_HELP = (
    "Who checks the document's required fields (email, phone, pin on insert): client (the "
    "default: refused before sending, also in --dry-run) or server (sent; the server refuses)."
)

MAP_HELP = (
    "FILE COLUMN=FIELD: read the file's column as the document's field, e.g. "
    "--map 'Employee Number=id_num' (repeatable; wins over --map-file)."
)
MAP_FILE_HELP = 'A TOML file of a [columns] table: "File column" = "field" lines.'


def map_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The options shared by ``import`` and ``sync``: mapping, pin hook, required fields."""
    for option in reversed(
        [
            click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help=MAP_HELP),
            click.option("--map-file", type=click.Path(dir_okay=False), help=MAP_FILE_HELP),
            click.option("--new-pin", metavar="randomN", help=NEW_PIN_HELP),
            click.option(
                "--required-fields", type=click.Choice(["client", "server"]), help=REQUIRED_HELP
            ),
        ]
    ):
        fn = option(fn)
    return fn


def report_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--report FILE``."""
    return click.option(
        "--report", "report_path", type=click.Path(dir_okay=False), help=REPORT_HELP
    )(fn)


def unknown_fields_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--unknown-fields error|ignore``."""
    return click.option(
        "--unknown-fields",
        type=click.Choice(["error", "ignore"]),
        default="error",
        show_default=True,
        help="A column that is not a field (after --map): an error (exit 2), or left out of "
        "every row (a spreadsheet's extra columns, e.g. pandas' 'Unnamed: 0'). The failures "
        "file keeps every column.",
    )(fn)


def encoding_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--encoding``."""
    return click.option(
        "--encoding",
        help="The input's text encoding, e.g. cp1252 or latin-1 [default: UTF-8, with or "
        "without a BOM]. The failures file is written in the same encoding.",
    )(fn)


def failed_line(
    failures: Sequence[Failure], total: int, failures_path: str | None, dry_run: bool
) -> str:
    """One stderr line for scripts: how many failed, the first problem, where the rest are."""
    first = min(failures, key=lambda f: (f.reason is FailureReason.NOT_SENT, f.index))
    where = io.failure_line(first)
    message = first.messages[0] if first.messages else str(first.reason)
    if not message.startswith(where):
        message = f"{where}: {message}"
    verb = "would fail" if dry_run else "failed"
    rest = f"all in {failures_path}" if failures_path else "use --failures FILE to keep them"
    return (
        f"{len(failures):,} of {total:,} record(s) {verb}; "
        f"first: {' '.join(message.split())} ({rest})"
    )


def stopped_line(stop: Stop, done: int, not_done: int, failures_path: str | None) -> str:
    """The ``error:`` line of a run stopped by a signal: what was and was not done."""
    name = "Ctrl-C (SIGINT)" if stop.signum == signal.SIGINT else "SIGTERM"
    rest = f"all in {failures_path}" if failures_path else "use --failures FILE to keep them"
    return (
        f"interrupted by {name} after the write in flight: {done:,} record(s) done, "
        f"{not_done:,} failed or not sent ({rest}); run it again to finish"
    )
