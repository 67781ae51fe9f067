"""``lockt import | export | ping | events tail | simulator serve``."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import IO, Any

import anyio
import attrs
import click
from rich.console import Console
from rich.table import Table

from .. import models
from .._field_map import OnInsert, fill_insert, is_insert, map_each
from .._results import BatchResult, Failure, FailureReason
from ..errors import ConfigurationError
from . import _io as io
from ._common import KEYS, FileArgs, Source, ended_early, file_options, note_ignored, reported
from ._config import Config, describe
from ._demo import latency_option
from ._exit import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from ._hr import EXIT_EPILOG, failed_line
from ._output import console, failures_table, progress, summary_table
from ._report import Report
from ._run import Stop, interruptible, run

# --------------------------------------------------------------------------- import


@attrs.frozen(kw_only=True)
class ImportArgs(FileArgs):
    """``lockt import``'s parameters."""

    update_existing: bool
    validate_fails_batch: bool


@click.command("import", epilog=EXIT_EPILOG)
@click.argument("kind", type=click.Choice(sorted(KEYS)))
@click.argument("file", type=str)
@click.option("--format", "fmt", type=click.Choice(io.FORMATS), help="Default: from the extension.")
@click.option("--update-existing", is_flag=True, help="users: update users whose id_num exists.")
@click.option(
    "--validate-fails-batch/--no-validate-fails-batch",
    default=False,
    show_default=True,
    help="Default --no-validate-fails-batch: bad rows are reported and the rest is sent. "
    "With --validate-fails-batch the first invalid row stops the import there "
    "(earlier pages stand, the rest is not sent).",
)
@click.option(
    "--dry-run", is_flag=True, help="Check every row with the client's rules; send nothing."
)
@click.option(
    "--strict-columns",
    is_flag=True,
    help="Refuse the read-only and report columns of `lockt export` and --failures files "
    "(by default they are skipped with a notice).",
)
@file_options
@click.pass_obj
def import_(cfg: Config, /, **params: Any) -> int:
    """Import KIND (users, fobs, doors) from FILE (.csv or .jsonl; - for stdin).

    Columns are the document's field names (id_num, first_name, last_name, email,
    card_num, access_effective, ...), or the file's own read as them with --map.
    Dates without an offset are the instance's local time; ISO dates with an offset
    or Z are instants. A row that cannot be read (a byte that is not UTF-8, a
    malformed line) is reported as invalid with its line and column, and the rest is
    imported. Ctrl-C or SIGTERM stops after the page in flight and still writes the
    summary, the failures file and the report.
    """
    args = ImportArgs(**params)
    return reported("import", args, lambda report: _import(cfg, report, args))


@attrs.define
class _Outcome:
    """What an import did, filled in as it goes."""

    result: BatchResult = attrs.field(factory=BatchResult)
    stop: Stop = attrs.field(factory=Stop)
    #: The error that ended the write (reported once the failures file is complete).
    stopped: BaseException | None = None
    #: Rows never read after an interruption.
    unread: int = 0
    #: Rows written to the failures file.
    written: int = 0


def _import(cfg: Config, report: Report, args: ImportArgs) -> int:
    source = args.resolve()
    args.check_new_pin()
    total = io.count_rows(args.file, source.fmt, source.encoding)
    out = console()
    client = args.client(cfg)
    done = _Outcome()
    with io.open_input(args.file, source.encoding) as fh:
        reader = args.reader(fh, source)
        if args.kind == "users" and "id" in reader.named_columns and not args.update_existing:
            click.echo(
                "note: rows with an id are updates, which the server ignores without "
                "--update-existing",
                err=True,
            )
        records = io.Taken(reader, done.result)
        note_ignored(out, args.kind, reader)
        on_insert = args.pin_hook(source, reader)
        # Opened before anything is sent: a failures path that cannot be written
        # stops the import while it costs nothing.
        with _failure_sink(args, source, reader) as writer:
            report.mark("read")
            done.stopped = _send(client, args, records, done, on_insert, out, total)
            report.mark("write")
            _account(report, args, records, done, writer)
    report.data["rows"] = done.result.total + done.unread
    _report_batch(report, done.result, done.unread, done.stop)
    if done.stopped is not None:
        if args.failures_path:
            out.print(
                f"Wrote {done.written} failed or unsent row(s) to {args.failures_path} "
                "before stopping."
            )
        raise done.stopped
    _print_import(out, args, done)
    return _import_exit(args, done)


def _failure_sink(
    args: ImportArgs, source: Source, reader: io.Reader
) -> contextlib.AbstractContextManager[io.FailureWriter | None]:
    if not args.failures_path:
        return contextlib.nullcontext(None)
    return io.FailureWriter(args.failures_path, source.fmt, reader.data_columns, source.encoding)


def _send(
    client: Any,
    args: ImportArgs,
    records: io.Taken,
    done: _Outcome,
    on_insert: OnInsert | None,
    out: Any,
    total: int | None,
) -> Exception | None:
    """Send (or, with --dry-run, check) every row; the error that stopped it, if any."""
    result, kind = done.result, args.kind

    async def go() -> BatchResult:
        async with client:
            if args.dry_run:
                return await _dry_run(client, kind, records, result, args.unknown_fields, on_insert)
            resource = getattr(client, kind)
            write = resource.upsert if kind == "users" else resource.create
            opts: dict[str, Any] = {
                "validate_fails_batch": args.validate_fails_batch,
                "unknown_fields": args.unknown_fields,
            }
            if kind == "users":
                opts["update_existing"] = args.update_existing
                opts["on_insert"] = on_insert
            with progress(out, total, f"importing {kind}") as on_progress:
                return await interruptible(
                    lambda res: write(records, on_progress=on_progress, result=res, **opts),
                    result,
                    done.stop,
                )

    try:
        run(go)
    except Exception as exc:  # reported once the failures file is complete
        return exc
    return None


def _account(
    report: Report,
    args: ImportArgs,
    records: io.Taken,
    done: _Outcome,
    writer: io.FailureWriter | None,
) -> None:
    """Every row taken but not answered, and every row not read, becomes a failure."""
    result, key = done.result, KEYS[args.kind]
    result.failures[:] = [io.explain(f) for f in result.failures]
    lost = _lost(records, result, done.stopped, done.stop)
    result.failures.extend(lost)
    result.total += len(lost)
    report.failures(result.failures, key)
    done.unread = _write_failures(
        writer,
        result,
        records,
        done.stopped,
        stdin=args.file == "-",
        on_unread=lambda f: report.add_failure(f, key),
    )
    done.written = writer.count if writer is not None else 0


def _print_import(out: Any, args: ImportArgs, done: _Outcome) -> None:
    result, failures_path = done.result, args.failures_path
    title = f"{'Dry run' if args.dry_run else 'Import'} of {args.kind} from {args.file}"
    out.print(summary_table(result, title=title))
    if done.unread:
        where = "in the failures file" if failures_path else "use --failures to keep them"
        out.print(f"{done.unread:,} row(s) not read after the interruption ({where}).")
    if result.failures:
        out.print(failures_table(result, key=KEYS[args.kind]))
        if len(result.failures) > 20:
            out.print(f"... and {len(result.failures) - 20} more.")
    if failures_path:
        out.print(f"Wrote {done.written} failed or unsent row(s) to {failures_path}.")
    if args.dry_run:
        out.print("Dry run: nothing was sent.")


def _import_exit(args: ImportArgs, done: _Outcome) -> int:
    result = done.result
    finished, not_done = result.total - len(result.failures), len(result.failures) + done.unread
    code = ended_early(done.stop, result.stopped_by, finished, not_done, args.failures_path)
    if code is not None:
        return code
    if isinstance(result.stopped_by, ConfigurationError):  # e.g. a base URL that is not Lockt's
        click.echo(f"error: {result.stopped_by}", err=True)
        return EXIT_USAGE
    if result.failures:
        line = failed_line(result.failures, result.total, args.failures_path, args.dry_run)
        click.echo(f"error: {line}", err=True)
    return EXIT_OK if result.ok and not done.unread else EXIT_FAILED


def _lost(
    records: io.Taken, result: BatchResult, stopped: BaseException | None, stop: Stop
) -> list[Failure]:
    """Rows taken from the file that the result does not hold (the write stopped first)."""
    if stopped is None and stop.signum is None:
        return []
    why = "interrupted" if stopped is None else f"stopped: {describe(stopped)}"
    note = (f"not sent: the import was {why}",)
    return [
        Failure(i, r, FailureReason.NOT_SENT, note) for i, r in records.unaccounted(result.total)
    ]


def _report_batch(report: Report, result: BatchResult, unread: int, stop: Stop) -> None:
    report.data["outcomes"] = {
        "records_read": result.total,
        "submitted": result.submitted,
        "inserted": result.inserted,
        "updated": result.updated,
        "accepted": result.accepted,
        "failed": len(result.failures),
        "failed_by_reason": result.failure_counts(),
        "not_read": unread,
        "pages": len(result.pages),
    }
    if stop.signum is not None:
        report.data["interrupted_by"] = signal.Signals(stop.signum).name


def _write_failures(
    writer: io.FailureWriter | None,
    result: BatchResult,
    records: io.Taken,
    stopped: BaseException | None,
    *,
    stdin: bool,
    on_unread: Callable[[Failure], None],
) -> int:
    """Every failure, then the rows never read after an interruption or an error.

    The unread rows are streamed from the input (a stop early in a huge file must
    not load the rest in memory); stdin is not drained. Returns how many were unread.
    """
    if writer is not None:
        for f in result.failures:
            writer.write_failure(f)
    unread = 0
    if (result.cancelled or stopped is not None) and not stdin:
        why = "interrupted" if stopped is None else f"stopped: {describe(stopped)}"
        note = (f"not sent: the import was {why}",)
        for index, record in enumerate(records.rest(), start=result.total):
            unread += 1
            failure = Failure(index, record, FailureReason.NOT_SENT, note)
            on_unread(failure)
            if writer is not None:
                writer.write_failure(failure)
    return unread


async def _dry_run(
    client: Any,
    kind: str,
    records: Iterator[Any],
    result: BatchResult,
    unknown_fields: str,
    on_insert: OnInsert | None = None,
) -> BatchResult:
    """The library's own per-record checks (``check``); nothing sent.

    The pin hook fills new rows first, as the real run's would.
    """
    if on_insert is not None:
        hook = on_insert
        records = map_each(records, lambda r: fill_insert(r, hook) if is_insert(r) else r)
    checked: BatchResult = await getattr(client, kind).check(
        records, unknown_fields=unknown_fields, result=result
    )
    return checked


# --------------------------------------------------------------------------- export

_EXPORTS = {
    "users": ("users", "User"),
    "fobs": ("fobs", "Fob"),
    "doors": ("doors", "Door"),
    "events": ("events", "Event"),
    "access-levels": ("access_levels", "AccessLevel"),
    "locations": ("locations", "Location"),
    "schedules": ("schedules", "Schedule"),
}


@click.command("export")
@click.argument("kind", type=click.Choice(list(_EXPORTS)))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "table"]),
    default="csv",
    show_default=True,
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Default: stdout.")
@click.pass_obj
def export(cfg: Config, kind: str, fmt: str, output: str | None) -> int:
    """Export KIND as CSV, JSON lines or a table (dates in the instance's local time)."""
    attr, model_name = _EXPORTS[kind]
    cls = getattr(models, model_name)
    client = cfg.client()

    async def go() -> list[dict[str, Any]]:
        async with client:
            items = await getattr(client, attr).list()
            conv = await client.converter()
            return [io.export_row(m, conv) for m in items]

    rows = run(go)
    columns = io.columns_of(cls)
    if fmt == "table":
        _print_table(kind, columns, rows, output)
        return EXIT_OK
    with _open_output(output) as fh:
        n = io.write_csv(fh, columns, rows) if fmt == "csv" else io.write_jsonl(fh, rows)
    if output:
        click.echo(f"exported {n} {kind} to {output}", err=True)
    return EXIT_OK


@contextlib.contextmanager
def _open_output(path: str | None) -> Iterator[IO[str]]:
    if not path or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with open(path, "w", encoding="utf-8", errors=io.OUTPUT_ERRORS, newline="") as fh:
        yield fh


def _print_table(
    kind: str, columns: list[str], rows: list[dict[str, Any]], path: str | None
) -> None:
    used = [c for c in columns if any(r.get(c) not in (None, "", []) for r in rows)] or columns
    table = Table(title=f"{kind} ({len(rows)})", title_justify="left")
    for c in used:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*(io.cell(r.get(c)) for c in used))
    with _open_output(path) as fh:
        Console(file=fh, highlight=False, width=None if fh is sys.stdout else 200).print(table)


# --------------------------------------------------------------------------- ping, events


@click.command()
@click.pass_obj
def ping(cfg: Config) -> int:
    """Check connectivity and credentials (GET /ping)."""
    client = cfg.client()

    async def go() -> tuple[Any, float]:
        async with client:
            start = time.perf_counter()
            data = await client.ping()
            return data, time.perf_counter() - start

    data, took = run(go)
    click.echo(f"ok: {client.base_url} as {client.api_user} ({took * 1000:.0f} ms)")
    if data:
        click.echo(json.dumps(dict(data), default=str))
    return EXIT_OK


@click.group()
def events() -> None:
    """Door events."""


@events.command()
@click.option(
    "--after-id", type=click.IntRange(0), help="Start after this event id (default: all)."
)
@click.option("--interval", type=click.FloatRange(0.1), default=2.0, show_default=True)
@click.option("--once", is_flag=True, help="Poll once and exit.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl"]), default="text")
@click.pass_obj
def tail(cfg: Config, after_id: int | None, interval: float, once: bool, fmt: str) -> int:
    """Print new events as they arrive (polls GET /events?id=N), each once."""
    client = cfg.client()

    async def go() -> None:
        last = after_id
        async with client:
            conv = await client.converter()
            while True:
                found = await client.events.list(after_id=last)
                for event in found:
                    if event.id is None or (last is not None and event.id <= last):
                        continue
                    last = event.id
                    row = io.export_row(event, conv)
                    if fmt == "jsonl":
                        line = json.dumps({k: v for k, v in row.items() if v is not None})
                    else:
                        line = _event_line(row)
                    click.echo(line)
                sys.stdout.flush()
                if once:
                    return
                await anyio.sleep(interval)

    with contextlib.suppress(KeyboardInterrupt):
        run(go)
    return EXIT_OK


def _event_line(row: dict[str, Any]) -> str:
    when = row.get("event_time") or row.get("db_time") or ""
    what = row.get("code_text") or row.get("category_text") or ""
    parts = [f"#{row.get('id')}", str(when), str(what)]
    for key in ("device", "location", "user", "card_num"):
        if row.get(key):
            parts.append(f"{key}={row[key]}")
    return "  ".join(parts)


# --------------------------------------------------------------------------- simulator


@click.group()
def simulator() -> None:
    """A simulated Lockt instance for trying the CLI and testing your code."""


@simulator.command()
@click.option("--port", default=0, show_default=True, help="0 picks a free port.")
@latency_option
@click.option("--record-limit", default=100, show_default=True, type=click.IntRange(1))
@click.option("--empty", is_flag=True, help="Start bare (default: the document's examples).")
@click.option("--seed", is_flag=True, hidden=True)  # the default now; kept for old scripts
@click.option(
    "--defects",
    default="all",
    show_default=True,
    help="Documented server defects to reproduce: all, none, or a comma list.",
)
def serve(
    port: int, latency: float, record_limit: int, empty: bool, seed: bool, defects: str
) -> int:
    """Serve a simulator on 127.0.0.1 until Ctrl-C; prints the env lines to use it."""
    # The simulator (starlette, uvicorn) is imported only by the commands that serve it,
    # so that every other command starts without it.
    from ..testing import serve_in_thread
    from ..testing._sim import Simulator, env_lines, parse_defects

    try:
        chosen = parse_defects(defects)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--defects") from None
    sim = Simulator(record_limit=record_limit, latency=latency, seed=not empty, defects=chosen)
    with serve_in_thread(sim, port=port) as url:
        for line in env_lines(sim, url):
            click.echo(line)
        click.echo("# simulator credentials; paste with `export`. Ctrl-C stops.", err=True)
        sys.stdout.flush()
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        while not stop.wait(0.5):
            pass
    return EXIT_OK


COMMANDS = (import_, export, ping, events, simulator)
