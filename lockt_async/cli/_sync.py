"""``lockt sync users|fobs|doors FILE``: make Lockt equal to a file, sending only what differs."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from .._results import BatchResult, Progress
from .._sync_results import SyncPlan, SyncResult
from . import _io as io
from ._config import EXIT_CONNECT, EXIT_FAILED, EXIT_OK, Config
from ._output import console, failures_table, progress
from ._run import run

_KEYS = {"users": "id_num", "fobs": "name", "doors": "name"}
_SHOWN = 20  # field differences printed


@click.command("sync")
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
    help="Remove nothing when more than N would be disabled or deleted "
    "[default: 5% of the keyed objects, at least 1].",
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
    help="Write every row that failed here (input format + reason + messages).",
)
@click.pass_obj
def sync(
    cfg: Config,
    kind: str,
    file: str,
    fmt: str | None,
    on_missing: str,
    max_removals: int | None,
    dry_run: bool,
    plan_out: str | None,
    strict_columns: bool,
    failures_path: str | None,
) -> int:
    """Make Lockt's KIND (users, fobs, doors) equal to FILE (.csv or .jsonl).

    Reads Lockt once, matches rows on their key (users: id_num; fobs: name, then
    card_num; doors: name), prints the plan (inserts, updates with the fields
    that differ, unchanged, missing), then sends only the inserts and changes.
    Run it again and it sends nothing. Exit codes as `lockt import`.
    """
    if on_missing == "disable" and kind != "users":
        raise click.UsageError(f"--on-missing disable is for users only ({kind}: keep or delete)")
    fmt = io.detect_format(file, fmt)
    out = console()
    client = cfg.client()
    with io.open_input(file) as fh:
        reader = io.Reader(fh, fmt, kind, strict_columns=strict_columns, sync=True)
        records = list(reader)
    stack = contextlib.ExitStack()
    draw: list[Callable[[Progress], None]] = []

    def on_plan(plan: SyncPlan) -> None:
        _print_plan(out, plan, len(records))
        if plan_out:
            Path(plan_out).write_text(json.dumps(plan.to_dict(), indent=1, default=str) + "\n")
        if not dry_run and plan.writes:
            draw.append(stack.enter_context(progress(out, plan.writes, f"syncing {kind}")))

    def on_progress(p: Progress) -> None:
        if draw:
            draw[0](p)

    async def go() -> SyncResult:
        async with client:
            resource = getattr(client, kind)
            result: SyncResult = await resource.sync(
                records,
                on_missing=on_missing,
                dry_run=dry_run,
                max_removals=max_removals,
                on_progress=on_progress,
                on_plan=on_plan,
            )
            return result

    with stack:
        result = run(go)
    _print_result(out, result, kind)
    if failures_path:
        with io.FailureWriter(failures_path, fmt, reader.data_columns) as writer:
            for failure in result.failures:
                writer.write_failure(failure)
        out.print(f"Wrote {len(result.failures)} failed row(s) to {failures_path}.")
    if plan_out:
        out.print(f"Wrote the plan to {plan_out}.")
    stopped = next((b.stopped_by for b in result.batches if b.stopped_by is not None), None)
    if stopped is not None and _is_connect(stopped):
        click.echo(f"error: {type(stopped).__name__}: {stopped}", err=True)
        return EXIT_CONNECT
    return EXIT_OK if result.ok else EXIT_FAILED


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
        out.print(f"[bold red]Removal guard:[/] {plan.removals_blocked}")


def _print_result(out: Console, result: SyncResult, kind: str) -> None:
    verb = "Dry run" if result.dry_run else "Sync"
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
