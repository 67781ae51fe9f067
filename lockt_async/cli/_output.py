"""Progress and summaries: a live rich bar on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from .._results import BatchResult, FailureReason, Progress
from ._io import failure_line

_PLAIN_EVERY = 1.0  # seconds between plain progress lines


def console(stderr: bool = False) -> Console:
    """A console on stdout (or stderr); rich detects whether it is a terminal."""
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.0f} rec/s", style="progress.data.speed")


class _PagesColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.fields.get('pages', 0)} pages", style="cyan")


@contextmanager
def progress(out: Console, total: int | None, label: str) -> Iterator[Callable[[Progress], None]]:
    """Yields an ``on_progress`` callback that draws a bar (TTY) or prints lines (not)."""
    if out.is_terminal:
        bar = RichProgress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            _RateColumn(),
            _PagesColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=out,
            transient=False,
        )
        with bar:
            task = bar.add_task(label, total=total, pages=0, failed=0)

            def draw(p: Progress) -> None:
                bar.update(task, completed=p.done, pages=p.pages, failed=p.failed)

            yield draw
        return

    last = [0.0]
    pending: list[Progress] = []

    def plain(p: Progress) -> None:
        now = time.monotonic()
        known = p.total if p.total is not None else total
        if now - last[0] < _PLAIN_EVERY and not (known is not None and p.done >= known):
            pending[:] = [p]
            return
        last[0] = now
        pending.clear()
        of = f"/{known:,}" if known is not None else ""
        eta = ""
        if known and p.rate > 0 and p.done < known:
            eta = f", ETA {(known - p.done) / p.rate:.1f} s"
        out.print(
            f"{label}: {p.done:,}{of} records, {p.pages} pages, {p.failed} failed, "
            f"{p.rate:,.0f} records/s{eta}"
        )

    yield plain
    if pending:  # the last update, if it was throttled
        last[0] = 0.0
        plain(pending[0])


def summary_table(
    result: BatchResult,
    *,
    title: str,
    latency: float | None = None,
    extra: list[tuple[str, str]] | None = None,
) -> Table:
    """The counts of one run: server counts, failures by reason, pages, time."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", justify="right")
    table.add_row("records read", f"{result.total:,}")
    table.add_row("submitted", f"{result.submitted:,}")
    table.add_row("inserted", f"{result.inserted:,}")
    table.add_row("updated", f"{result.updated:,}")
    table.add_row("accepted", f"{result.accepted:,}")
    table.add_row("failed", f"{len(result.failures):,}")
    counts = result.failure_counts()
    for reason in FailureReason:
        if counts.get(str(reason)):
            table.add_row(f"  failed: {reason}", f"{counts[str(reason)]:,}")
    resplit = sum(1 for p in result.pages if p.outcome == "resplit")
    pages = f"{len(result.pages):,}"
    if resplit:
        pages += f" ({resplit} re-split)"
    table.add_row("pages", pages)
    table.add_row("elapsed", f"{result.elapsed:.2f} s")
    if latency is not None:
        floor = len(result.pages) * latency
        table.add_row("floor (pages x latency)", f"{floor:.2f} s")
        ratio = f"{result.elapsed / floor:.2f}" if floor > 0 else "n/a"
        table.add_row("ratio elapsed / floor", ratio)
    if result.total and result.elapsed > 0:
        table.add_row("rate", f"{result.total / result.elapsed:,.0f} records/s")
    if result.learned_limit is not None:
        table.add_row("learned record limit", str(result.learned_limit))
    for name, value in extra or []:
        table.add_row(name, value)
    if result.cancelled:
        table.add_row("interrupted", "yes (stopped after the page in flight)")
    if result.stopped_by is not None:
        table.add_row("stopped by", f"{type(result.stopped_by).__name__}")
    return table


def failures_table(result: BatchResult, *, limit: int = 20, key: str = "id_num") -> Table:
    """The first ``limit`` failures: where, which record, reason, messages."""
    table = Table(title=f"Failed records ({len(result.failures)})", title_justify="left")
    table.add_column("at")
    table.add_column(key)
    table.add_column("reason")
    table.add_column("messages", overflow="fold")
    # What needs fixing first; records merely not sent (safe to resend) after.
    ordered = sorted(result.failures, key=lambda f: (f.reason is FailureReason.NOT_SENT, f.index))
    for f in ordered[:limit]:
        # The record's field (its column renamed by --map), else an unreadable row's cell.
        rec: Any = f.record if isinstance(f.record, dict) else getattr(f.record, "raw", None)
        ident = rec.get(key, "") if hasattr(rec, "get") else ""
        table.add_row(failure_line(f), str(ident or ""), str(f.reason), "; ".join(f.messages))
    return table
