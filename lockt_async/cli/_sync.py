"""``lockt sync users|fobs|doors FILE``: make Lockt equal to a file, sending only what differs."""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import click
from rich.console import Console
from rich.table import Table

from .._field_map import OnInsert
from .._results import BatchResult, Failure, FailureReason, Progress
from .._sync_results import SyncPlan, SyncResult
from . import _io as io
from ._common import (
    KEYS,
    FileArgs,
    Source,
    check_on_missing,
    ended_early,
    file_options,
    note_ignored,
    removal_options,
    reported,
)
from ._config import Config, describe
from ._exit import EXIT_FAILED, EXIT_GUARD, EXIT_OK
from ._hr import EXIT_EPILOG, failed_line
from ._output import console, failures_table, progress
from ._report import Report
from ._run import Stop, run, until_signal

_SHOWN = 20  # field differences printed


@attrs.frozen(kw_only=True)
class SyncArgs(FileArgs):
    """``lockt sync``'s parameters."""

    on_missing: str
    max_removals: int | None
    max_removal_percent: float | None
    approve: str | None
    plan_out: str | None


@click.command("sync", epilog=EXIT_EPILOG)
@click.argument("kind", type=click.Choice(["users", "fobs", "doors"]))
@click.argument("file", type=str)
@click.option("--format", "fmt", type=click.Choice(io.FORMATS), help="Default: from the extension.")
@removal_options(
    "What to do with objects in Lockt that the file no longer has "
    "(disable: users only). Rows without the key (fob holders) are never touched.",
    "The removal guard: remove nothing when more than N would be disabled or deleted "
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
@file_options
@click.pass_obj
def sync(cfg: Config, /, **params: Any) -> int:
    """Make Lockt's KIND (users, fobs, doors) equal to FILE (.csv or .jsonl).

    Reads Lockt once, matches rows on their key (users: id_num; fobs: name, then
    card_num; doors: name), prints the plan (inserts, updates with the fields
    that differ, unchanged, missing), then sends only the inserts and changes.
    Run it again and it sends nothing. The file's own headers are read as fields
    with --map; a new user's pin can come from --new-pin. Ctrl-C or SIGTERM stops
    after the write in flight, prints and writes (--report, --failures) what was
    and was not done; run it again to finish.
    """
    args = SyncArgs(**params)
    return reported("sync", args, lambda report: _sync(cfg, report, args))


class _Live:
    """The plan as it arrives, and the progress bar its writes draw."""

    def __init__(self, args: SyncArgs, report: Report, out: Console, rows: int) -> None:
        self.args, self.report, self.out, self.rows = args, report, out, rows
        self.stack = contextlib.ExitStack()
        self.draw: list[Callable[[Progress], None]] = []
        self.stop = Stop()
        plan = SyncPlan(kind=args.kind, key=KEYS[args.kind], on_missing=args.on_missing)
        self.result = SyncResult(plan=plan)
        self.planned: list[SyncPlan] = []

    def on_plan(self, plan: SyncPlan) -> None:
        self.planned.append(plan)
        self.report.mark("plan")
        _print_plan(self.out, plan, self.rows)
        if self.args.plan_out:
            text = json.dumps(plan.to_dict(), indent=1, default=str) + "\n"
            Path(self.args.plan_out).write_text(text)
        if not self.args.dry_run and plan.writes:
            bar = progress(self.out, plan.writes, f"syncing {self.args.kind}")
            self.draw.append(self.stack.enter_context(bar))

    def on_progress(self, p: Progress) -> None:
        if self.draw:
            self.draw[0](p)


def _sync(cfg: Config, report: Report, args: SyncArgs) -> int:
    check_on_missing(args.kind, args.on_missing)
    args.check_new_pin()
    source = args.resolve()
    out = console()
    client = args.client(cfg)
    with io.open_input(args.file, source.encoding) as fh:
        reader = args.reader(fh, source, sync=True)
        records = list(reader)
    note_ignored(out, args.kind, reader)
    on_insert = args.pin_hook(source, reader)
    report.data["rows"] = len(records)
    report.mark("read")
    live = _Live(args, report, out, len(records))
    _send(client, args, records, live, on_insert, source, reader)
    result = live.result
    if not live.planned:
        report.mark("plan")  # stopped while reading Lockt or planning
        # Interrupted before the plan: nothing sent.
        result.failures = _unsent(records, None)
        result.cancelled = live.stop.signum is not None
    elif not args.dry_run:
        report.mark("write")
    result.failures = [io.explain(f) for f in result.failures]
    _print_result(out, result, args.kind)
    _report_sync(report, result, args.kind, live.stop, live.planned)
    if args.failures_path:
        _write_failures(args.failures_path, source, reader, result.failures, out)
    if args.plan_out and live.planned:
        out.print(f"Wrote the plan to {args.plan_out}.")
    return _sync_exit(args, result, live.stop, len(records))


def _send(
    client: Any,
    args: SyncArgs,
    records: list[Any],
    live: _Live,
    on_insert: OnInsert | None,
    source: Source,
    reader: io.Reader,
) -> None:
    """Plan and send; if that fails, every row is written out as not sent first."""
    guard = {"max_removals": args.max_removals, "max_removal_percent": args.max_removal_percent,
             "approve": args.approve}  # fmt: skip
    options: dict[str, Any] = {} if on_insert is None else {"on_insert": on_insert}

    async def go() -> None:
        async with client:
            resource = getattr(client, args.kind)
            await until_signal(
                lambda: resource.sync(
                    records,
                    on_missing=args.on_missing,
                    dry_run=args.dry_run,
                    **guard,
                    on_progress=live.on_progress,
                    on_plan=live.on_plan,
                    result=live.result,
                    **options,
                ),
                live.stop,
            )

    with live.stack:
        try:
            run(go)
        except Exception as exc:
            # Every row is still accounted for: none was sent (the read or the plan failed).
            unsent = _unsent(records, exc)
            live.report.failures(unsent, KEYS[args.kind])
            _write_failures(args.failures_path, source, reader, unsent, live.out)
            raise


def _sync_exit(args: SyncArgs, result: SyncResult, stop: Stop, rows: int) -> int:
    failed = [*result.failures, *result.removal_failures]
    done = result.inserted + result.updated + result.unchanged
    stopped = next((b.stopped_by for b in result.batches if b.stopped_by is not None), None)
    code = ended_early(stop, stopped, done, len(failed), args.failures_path)
    if code is not None:
        return code
    if result.failures:
        line = failed_line(result.failures, rows, args.failures_path, args.dry_run)
        click.echo(f"error: {line}", err=True)
    elif result.removal_failures:
        f = result.removal_failures[0]
        click.echo(
            f"error: {len(result.removal_failures):,} removal(s) failed; first: "
            f"{f.record.key} (id {f.record.id}): {'; '.join(f.messages) or f.reason}",
            err=True,
        )
    plan = result.plan
    if plan.removals_blocked:
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
    path: str | None, source: Source, reader: io.Reader, failures: list[Failure], out: Console
) -> None:
    if not path:
        return
    with io.FailureWriter(path, source.fmt, reader.data_columns, source.encoding) as writer:
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
    report.failures(result.failures, KEYS[kind])
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


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "[]"
    return "" if value is None else str(value)


def _print_plan(out: Console, plan: SyncPlan, rows: int) -> None:
    counts = _plan_counts(plan, rows)
    diffs = [(u.key, c.field, c.before, c.after) for u in plan.updates for c in u.changes]
    if out.is_terminal:
        _plan_tables(out, plan, counts, diffs[:_SHOWN])
    else:
        _plan_lines(out, plan, counts, diffs[:_SHOWN])
    if len(diffs) > _SHOWN:
        out.print(f"  ... and {len(diffs) - _SHOWN:,} more field difference(s) (--plan-out).")
    for d in plan.ignored[:5]:
        out.print(f"  not sendable, {d.key}: {d.change.field}: {d.reason}")
    if plan.removals_blocked:
        _print_guard(out, plan)
    elif plan.plan_id is not None:
        approved = " (approved)" if plan.approved else ""
        out.print(f"Plan id: {plan.plan_id}{approved} ({len(plan.removals):,} removal(s))")


_Diff = tuple[str, str, Any, Any]  # key, field, in Lockt, in the file


def _plan_counts(plan: SyncPlan, rows: int) -> list[tuple[str, int]]:
    invalid = rows - len(plan.inserts) - len(plan.updates) - len(plan.unchanged)
    removal = {"keep": "kept", "disable": "to disable", "delete": "to delete"}[plan.on_missing]
    return [
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


def _print_route(out: Console, plan: SyncPlan) -> None:
    """The fields compared with Lockt, and the route for server-held fields (``--report``'s)."""
    compared = ", ".join(plan.compared) or "none"
    if plan.not_compared:
        compared += f" (not compared: {', '.join(plan.not_compared)}; --plan-out says why)"
    out.print(f"  compared: {compared}")
    route = plan.route
    if route.name == "none":
        out.print("  route: none (no record needs a field only Lockt holds)")
    else:
        out.print(
            f"  route: {route.name} ({route.reads:,} read(s), {route.puts:,} PUT(s) for "
            f"{', '.join(route.fields)}; {route.reason})"
        )


def _plan_tables(
    out: Console, plan: SyncPlan, counts: list[tuple[str, int]], diffs: list[_Diff]
) -> None:
    """On a terminal: the counts, then the first field differences, as rich tables."""
    table = Table(title=f"Sync plan: {plan.kind}", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    for name, n in counts:
        table.add_row(name, f"{n:,}")
    out.print(table)
    _print_route(out, plan)
    if diffs:
        changes = Table(title="First field differences", title_justify="left")
        for col in (plan.key, "field", "in Lockt", "in the file"):
            changes.add_column(col, overflow="fold")
        for key, field, before, after in diffs:
            changes.add_row(key, field, _cell(before), _cell(after))
        out.print(changes)


def _plan_lines(
    out: Console, plan: SyncPlan, counts: list[tuple[str, int]], diffs: list[_Diff]
) -> None:
    """Elsewhere (a log, a pipe): the same as plain lines."""
    out.print(f"Sync plan: {plan.kind}")
    for name, n in counts:
        out.print(f"  {name}: {n:,}")
    _print_route(out, plan)
    for key, field, before, after in diffs:
        out.print(f"  update {key}: {field}: {_cell(before)!r} -> {_cell(after)!r}")


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
        out.print(failures_table(BatchResult(failures=result.failures), key=KEYS[kind]))
        if len(result.failures) > 20:
            out.print(f"... and {len(result.failures) - 20} more.")
    for f in result.removal_failures[:20]:
        out.print(
            f"removal of {f.record.key} (id {f.record.id}) {f.reason}: {'; '.join(f.messages)}"
        )
