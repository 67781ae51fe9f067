"""``lockt sync users|fobs|doors FILE``: make Lockt equal to a file, sending only what differs."""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from .._results import BatchResult, Failure, FailureReason, Progress
from .._sync_results import SyncPlan, SyncResult
from . import _io as io
from ._config import (
    EXIT_CONNECT,
    EXIT_FAILED,
    EXIT_GUARD,
    EXIT_OK,
    Config,
    describe,
    exit_code_for,
)
from ._hr import (
    EXIT_EPILOG,
    encoding_option,
    failed_line,
    load_map,
    map_options,
    pin_hook,
    report_option,
    stopped_line,
    unknown_fields_option,
)
from ._output import console, failures_table, progress
from ._report import Report
from ._run import Stop, run, until_signal

_KEYS = {"users": "id_num", "fobs": "name", "doors": "name"}
_SHOWN = 20  # field differences printed


@click.command("sync", epilog=EXIT_EPILOG)
@click.argument("kind", type=click.Choice(["users", "fobs", "doors"]))
@click.argument("file", type=str)
@click.option("--format", "fmt", type=click.Choice(io.FORMATS), help="Default: from the extension.")
@click.option(
    "--on-missing",
    type=click.Choice(["keep", "disable", "delete"]),
    default="keep",
    show_default=True,
    help="What to do with objects in Lockt that the file no longer has "
    "(disable: users only). Rows without the key (fob holders) are never touched.",
)
@click.option(
    "--max-removals",
    type=click.IntRange(0),
    help="The removal guard: remove nothing when more than N would be disabled or deleted "
    "[default: 5% of the keyed objects, at least 1].",
)
@click.option(
    "--max-removal-percent",
    type=click.FloatRange(0, 100),
    help="The removal guard as a share: remove nothing when more than this percent of the "
    "keyed objects would go (at least 1 may). With --max-removals both apply.",
)
@click.option(
    "--approve",
    metavar="PLAN_ID",
    help="Apply the removals the guard held back, exactly those: the plan id a dry run or "
    "a guarded run printed. If the plan computed now has another id (the file or Lockt "
    "changed), nothing is removed.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan; send nothing.")
@click.option(
    "--plan-out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the whole plan here as JSON.",
)
@click.option(
    "--strict-columns",
    is_flag=True,
    help="Refuse the read-only and report columns of `lockt export` and --failures files.",
)
@click.option(
    "--failures",
    "failures_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Write every row that failed or was not sent here (input format + reason + messages).",
)
@unknown_fields_option
@encoding_option
@map_options
@report_option
@click.pass_obj
def sync(
    cfg: Config,
    kind: str,
    file: str,
    fmt: str | None,
    on_missing: str,
    max_removals: int | None,
    max_removal_percent: float | None,
    approve: str | None,
    dry_run: bool,
    plan_out: str | None,
    strict_columns: bool,
    failures_path: str | None,
    unknown_fields: str,
    encoding: str | None,
    maps: tuple[str, ...],
    map_file: str | None,
    new_pin: str | None,
    required_fields: str | None,
    report_path: str | None,
) -> int:
    """Make Lockt's KIND (users, fobs, doors) equal to FILE (.csv or .jsonl).

    Reads Lockt once, matches rows on their key (users: id_num; fobs: name, then
    card_num; doors: name), prints the plan (inserts, updates with the fields
    that differ, unchanged, missing), then sends only the inserts and changes.
    Run it again and it sends nothing. The file's own headers are read as fields
    with --map; a new user's pin can come from --new-pin. Ctrl-C or SIGTERM stops
    after the write in flight, prints and writes (--report, --failures) what was
    and was not done; run it again to finish.
    """
    report = Report(report_path, "sync", kind, file, dry_run)
    try:
        guard = {"max_removals": max_removals, "max_removal_percent": max_removal_percent,
                 "approve": approve}  # fmt: skip
        code = _sync(cfg, report, kind, file, fmt, on_missing, guard, dry_run, plan_out,
                     strict_columns, failures_path, unknown_fields, encoding, maps, map_file,
                     new_pin, required_fields)  # fmt: skip
    except BaseException as exc:
        report.finish(exit_code_for(exc), error=describe(exc))
        raise
    report.finish(code)
    return code


def _sync(
    cfg: Config,
    report: Report,
    kind: str,
    file: str,
    fmt: str | None,
    on_missing: str,
    guard: dict[str, Any],
    dry_run: bool,
    plan_out: str | None,
    strict_columns: bool,
    failures_path: str | None,
    unknown_fields: str,
    encoding: str | None,
    maps: tuple[str, ...],
    map_file: str | None,
    new_pin: str | None,
    required_fields: str | None,
) -> int:
    if on_missing == "disable" and kind != "users":
        raise click.UsageError(f"--on-missing disable is for users only ({kind}: keep or delete)")
    if new_pin is not None and kind != "users":
        raise click.UsageError(f"--new-pin is for users only, not {kind}")
    fmt = io.detect_format(file, fmt)
    encoding = io.check_encoding(encoding)
    field_map = load_map(maps, map_file)
    out = console()
    client = cfg.client(**({"required_fields": required_fields} if required_fields else {}))
    with io.open_input(file, encoding) as fh:
        reader = io.Reader(
            fh, fmt, kind, encoding, unknown_fields, strict_columns=strict_columns, sync=True,
            field_map=field_map,
        )  # fmt: skip
        records = list(reader)
    if reader.ignored:
        out.print(f"Ignoring column(s) {kind} do not take: {', '.join(reader.ignored)}.")
    on_insert = pin_hook(new_pin, io.column_values(file, fmt, encoding, reader, "pin"))
    report.data["rows"] = len(records)
    report.mark("read")
    stack = contextlib.ExitStack()
    draw: list[Callable[[Progress], None]] = []
    stop = Stop()
    result = SyncResult(plan=SyncPlan(kind=kind, key=_KEYS[kind], on_missing=on_missing))
    planned: list[SyncPlan] = []

    def on_plan(plan: SyncPlan) -> None:
        planned.append(plan)
        report.mark("plan")
        _print_plan(out, plan, len(records))
        if plan_out:
            Path(plan_out).write_text(json.dumps(plan.to_dict(), indent=1, default=str) + "\n")
        if not dry_run and plan.writes:
            draw.append(stack.enter_context(progress(out, plan.writes, f"syncing {kind}")))

    def on_progress(p: Progress) -> None:
        if draw:
            draw[0](p)

    async def go() -> None:
        async with client:
            resource = getattr(client, kind)
            options: dict[str, Any] = {}
            if on_insert is not None:
                options["on_insert"] = on_insert
            await until_signal(
                lambda: resource.sync(
                    records,
                    on_missing=on_missing,
                    dry_run=dry_run,
                    **guard,
                    on_progress=on_progress,
                    on_plan=on_plan,
                    result=result,
                    **options,
                ),
                stop,
            )

    with stack:
        try:
            run(go)
        except Exception as exc:
            # Every row is still accounted for: none was sent (the read or the plan failed).
            unsent = _unsent(records, exc)
            report.failures(unsent, _KEYS[kind])
            _write_failures(failures_path, fmt, reader, encoding, unsent, out)
            raise
    if not planned:
        report.mark("plan")  # stopped while reading Lockt or planning
    elif not dry_run:
        report.mark("write")
    if not planned:  # interrupted before the plan: nothing sent
        result.failures = _unsent(records, None)
        result.cancelled = stop.signum is not None
    result.failures = [io.explain(f) for f in result.failures]
    _print_result(out, result, kind)
    _report_sync(report, result, kind, stop, planned)
    if failures_path:
        _write_failures(failures_path, fmt, reader, encoding, result.failures, out)
    if plan_out and planned:
        out.print(f"Wrote the plan to {plan_out}.")
    failed = [*result.failures, *result.removal_failures]
    if stop.exit_code is not None:
        done = result.inserted + result.updated + result.unchanged
        line = stopped_line(stop, done, len(failed), failures_path)
        click.echo(f"error: {line}", err=True)
        return stop.exit_code
    stopped = next((b.stopped_by for b in result.batches if b.stopped_by is not None), None)
    if stopped is not None and _is_connect(stopped):
        click.echo(f"error: {describe(stopped)}", err=True)
        return EXIT_CONNECT
    if result.failures:
        line = failed_line(result.failures, len(records), failures_path, dry_run)
        click.echo(f"error: {line}", err=True)
    elif result.removal_failures:
        f = result.removal_failures[0]
        click.echo(
            f"error: {len(result.removal_failures):,} removal(s) failed; first: "
            f"{f.record.key} (id {f.record.id}): {'; '.join(f.messages) or f.reason}",
            err=True,
        )
    if result.plan.removals_blocked:
        plan = result.plan
        click.echo(
            f"error: removal guard: {len(plan.held_back):,} {plan.kind} held back, nothing "
            f"removed; plan id {plan.plan_id} (--approve {plan.plan_id} applies exactly "
            "these, once reviewed)",
            err=True,
        )
        return EXIT_GUARD
    return EXIT_OK if result.ok else EXIT_FAILED


_HELD_SHOWN = 10  # held-back removals named in the guard's message


def _print_guard(out: Console, plan: SyncPlan) -> None:
    """A tripped guard, loudly: what it held back, the plan id, how to approve."""
    held = plan.held_back
    out.print(f"[bold red]REMOVAL GUARD: nothing was {plan.on_missing}d.[/]")
    out.print(f"  {io.cli_hint(plan.removals_blocked or '')}")
    names = ", ".join(f"{r.key} (id {r.id})" for r in held[:_HELD_SHOWN])
    more = (
        f" and {len(held) - _HELD_SHOWN:,} more (--plan-out lists all)"
        if len(held) > _HELD_SHOWN
        else ""
    )
    out.print(f"  held back ({len(held):,}): {names}{more}")
    out.print(f"  plan id: {plan.plan_id}")
    out.print(
        f"  to apply exactly these {len(held):,} removal(s) once reviewed: run the same "
        f"command with --approve {plan.plan_id} (if the file or Lockt changes first, the "
        "id changes and nothing is removed)"
    )


def _unsent(records: list[Any], exc: BaseException | None) -> list[Failure]:
    why = "interrupted before the plan" if exc is None else f"stopped: {describe(exc)}"
    note = (f"not sent: the sync was {why}",)
    return [Failure(i, r, FailureReason.NOT_SENT, note) for i, r in enumerate(records)]


def _write_failures(
    path: str | None,
    fmt: str,
    reader: io.Reader,
    encoding: str,
    failures: list[Failure],
    out: Console,
) -> None:
    if not path:
        return
    with io.FailureWriter(path, fmt, reader.data_columns, encoding) as writer:
        for failure in failures:
            writer.write_failure(failure)
    out.print(f"Wrote {len(failures)} failed or unsent row(s) to {path}.")


def _report_sync(
    report: Report, result: SyncResult, kind: str, stop: Stop, planned: list[SyncPlan]
) -> None:
    plan = result.plan
    if planned:
        data = plan.to_dict()
        report.data["plan"] = {
            "counts": data["counts"],
            "refused": len([f for f in result.failures if f.reason == FailureReason.INVALID]),
            "route": data["route"],
            "plan_id": plan.plan_id,
        }
    report.data["outcomes"] = {
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "disabled": result.disabled,
        "deleted": result.deleted,
        "failed": len(result.failures),
        "failed_by_reason": _by_reason(result.failures),
        "removal_failures": len(result.removal_failures),
        "write_requests": result.requests,
    }
    report.failures(result.failures, _KEYS[kind])
    report.data["removal_failures"] = [
        {
            "id": f.record.id,
            "key": f.record.key,
            "reason": str(f.reason),
            "messages": list(f.messages),
        }
        for f in result.removal_failures
    ]
    report.data["guard"] = {
        "on_missing": plan.on_missing,
        "missing": len(plan.missing),
        "max_removals": plan.max_removals,
        "blocked": plan.removals_blocked is not None,
        "message": plan.removals_blocked,
        "removals_skipped": result.removals_skipped,
        "plan_id": plan.plan_id,
        "max_removal_percent": plan.max_removal_percent,
        "held_back": [{"id": r.id, "key": r.key} for r in plan.held_back],
        "approved": plan.approved,
    }
    if stop.signum is not None:
        report.data["interrupted_by"] = signal.Signals(stop.signum).name


def _by_reason(failures: list[Failure]) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in failures:
        out[str(f.reason)] = out.get(str(f.reason), 0) + 1
    return out


def _is_connect(exc: Exception) -> bool:
    from ..errors import AuthenticationError, TransportError

    return isinstance(exc, AuthenticationError | TransportError)


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "[]"
    return "" if value is None else str(value)


def _print_plan(out: Console, plan: SyncPlan, rows: int) -> None:
    invalid = rows - len(plan.inserts) - len(plan.updates) - len(plan.unchanged)
    removal = {"keep": "kept", "disable": "to disable", "delete": "to delete"}[plan.on_missing]
    counts = [
        ("rows in the file", rows),
        ("to insert", len(plan.inserts)),
        ("to update", len(plan.updates)),
        ("unchanged", len(plan.unchanged)),
        ("refused (see below)", invalid),
        ("missing from the file", len(plan.missing)),
        (f"missing: {removal}", len(plan.removals)),
        ("differences not sendable", len(plan.ignored)),
        (f"in Lockt without {plan.key} (never touched)", plan.unkeyed),
    ]
    diffs = [(u.key, c.field, c.before, c.after) for u in plan.updates for c in u.changes]
    if out.is_terminal:
        table = Table(title=f"Sync plan: {plan.kind}", show_header=False, title_justify="left")
        table.add_column("what", style="bold")
        table.add_column("count", justify="right")
        for name, n in counts:
            table.add_row(name, f"{n:,}")
        out.print(table)
        if diffs:
            changes = Table(title="First field differences", title_justify="left")
            for col in (plan.key, "field", "in Lockt", "in the file"):
                changes.add_column(col, overflow="fold")
            for key, field, before, after in diffs[:_SHOWN]:
                changes.add_row(key, field, _cell(before), _cell(after))
            out.print(changes)
    else:
        out.print(f"Sync plan: {plan.kind}")
        for name, n in counts:
            out.print(f"  {name}: {n:,}")
        for key, field, before, after in diffs[:_SHOWN]:
            out.print(f"  update {key}: {field}: {_cell(before)!r} -> {_cell(after)!r}")
    if len(diffs) > _SHOWN:
        out.print(f"  ... and {len(diffs) - _SHOWN:,} more field difference(s) (--plan-out).")
    for d in plan.ignored[:5]:
        out.print(f"  not sendable, {d.key}: {d.change.field}: {d.reason}")
    if plan.removals_blocked:
        _print_guard(out, plan)
    elif plan.plan_id is not None:
        approved = " (approved)" if plan.approved else ""
        out.print(f"Plan id: {plan.plan_id}{approved} ({len(plan.removals):,} removal(s))")


def _print_result(out: Console, result: SyncResult, kind: str) -> None:
    verb = "Dry run" if result.dry_run else "Interrupted sync" if result.cancelled else "Sync"
    parts = [
        f"{result.inserted:,} inserted",
        f"{result.updated:,} updated",
        f"{result.unchanged:,} unchanged",
        f"{result.disabled:,} disabled",
        f"{result.deleted:,} deleted",
        f"{len(result.failures) + len(result.removal_failures):,} failed",
        f"{result.requests:,} write request(s)",
        f"{result.elapsed:.2f} s",
    ]
    out.print(f"{verb} of {kind}: " + ", ".join(parts))
    if result.dry_run:
        out.print("Dry run: nothing was sent.")
    if result.removals_skipped and not result.plan.removals_blocked:
        out.print(f"Removals skipped: {result.removals_skipped}")
    if result.failures:
        out.print(failures_table(BatchResult(failures=result.failures), key=_KEYS[kind]))
        if len(result.failures) > 20:
            out.print(f"... and {len(result.failures) - 20} more.")
    for f in result.removal_failures[:20]:
        out.print(
            f"removal of {f.record.key} (id {f.record.id}) {f.reason}: {'; '.join(f.messages)}"
        )
