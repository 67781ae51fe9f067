"""``lockt sync-many FLEET.toml``: sync every instance of a fleet file from its source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table

from .._client import LocktClient
from .._sync_results import SyncResult
from ..errors import ConfigurationError
from ..fleet import Instance, InstanceResult, load_instances
from ..fleet import run as run_fleet
from . import _io as io
from ._common import check_on_missing, removal_options
from ._config import Config
from ._exit import EXIT_FAILED, EXIT_OK
from ._output import console
from ._run import run


@click.command("sync-many")
@click.argument("fleet_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--kind", type=click.Choice(["users", "fobs", "doors"]), default="users", show_default=True
)
@removal_options(
    "What to do with objects an instance's source no longer has (disable: users only).",
    "Per instance: remove nothing when more than N would be removed "
    "[default: 5% of its keyed objects, at least 1].",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1),
    default=10,
    show_default=True,
    help="Instances synced at once (each one still takes one write at a time).",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), help="Seconds per instance."
)
@click.option("--dry-run", is_flag=True, help="Plan every instance; send nothing.")
@click.pass_obj
def sync_many(
    cfg: Config,
    fleet_file: str,
    kind: str,
    on_missing: str,
    max_removals: int | None,
    concurrency: int,
    timeout: float | None,
    dry_run: bool,
) -> int:
    """Sync every instance of FLEET_FILE (TOML) from its `source` file.

    Each `[[instance]]` has a `name`, a `source` (.csv or .jsonl, relative to the
    fleet file), LocktClient options (`base_url`, `timezone`, `record_limit`...) and
    optionally `api_user_env` / `api_key_env`: the environment variables holding its
    credentials (default LOCKT_<NAME>_API_USER / LOCKT_<NAME>_API_KEY). Credentials
    are never read from the file. Exit 0 when every instance synced cleanly, 1 otherwise.
    """
    check_on_missing(kind, on_missing)
    instances = _instances(cfg, fleet_file)
    here = Path(fleet_file).resolve().parent
    out = console()
    common: dict[str, Any] = {"allow_insecure_http": cfg.allow_insecure_http}

    def records(item: Instance) -> list[Any]:
        path = str(here / item.extra["source"])
        fmt = io.detect_format(path, None)
        with io.open_input(path) as fh:
            return list(io.Reader(fh, fmt, kind, sync=True))

    async def job(lockt: LocktClient, item: Instance) -> SyncResult:
        resource = getattr(lockt, kind)
        result: SyncResult = await resource.sync(
            records(item), on_missing=on_missing, dry_run=dry_run, max_removals=max_removals
        )
        return result

    bar = _bar(out)
    failed = 0

    def done(result: InstanceResult[SyncResult]) -> None:
        nonlocal failed
        failed += not (result.ok and result.value is not None and result.value.ok)
        bar.update(task, advance=1, failed=failed)
        if not out.is_terminal:
            out.print(f"{result.name}: {_summary(result)}")

    async def go() -> list[InstanceResult[SyncResult]]:
        return await run_fleet(
            instances, job, concurrency=concurrency, timeout=timeout,
            client_options=common, on_result=done,
        )  # fmt: skip

    with bar:
        task = bar.add_task("sync", total=len(instances), failed=0)
        results = run(go)
    table = Table("instance", "result", title=f"{kind}{' (dry run)' if dry_run else ''}")
    for result in results:
        table.add_row(result.name, _summary(result))
    out.print(table)
    return EXIT_OK if failed == 0 else EXIT_FAILED


def _instances(cfg: Config, fleet_file: str) -> list[Instance]:
    """The fleet file's instances, each with a source file; ``--base-url`` where they have none."""
    instances = load_instances(fleet_file)
    for item in instances:
        if not isinstance(item.extra.get("source"), str):
            raise ConfigurationError(f"fleet file: instance {item.name!r} has no source file")
    if not cfg.base_url:
        return instances
    # An instance without base_url uses --base-url / LOCKT_BASE_URL.
    return [
        i if "base_url" in i.options
        else attrs.evolve(i, options={**i.options, "base_url": cfg.base_url})
        for i in instances
    ]  # fmt: skip


def _bar(out: Console) -> RichProgress:
    """Instances done and failed, on a terminal."""
    return RichProgress(
        TextColumn("[bold]syncing instances"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        console=out,
        disable=not out.is_terminal,
    )


def _summary(result: InstanceResult[SyncResult]) -> str:
    if result.error is not None:
        return f"error: {type(result.error).__name__}: {result.error}"
    value = result.value
    assert value is not None
    parts = [
        f"{value.inserted} inserted", f"{value.updated} updated", f"{value.unchanged} unchanged",
    ]  # fmt: skip
    if value.dry_run:
        plan = value.plan
        parts = [f"{len(plan.inserts)} to insert", f"{len(plan.updates)} to update",
                 f"{len(plan.removals)} to remove"]  # fmt: skip
    if value.disabled or value.deleted:
        parts.append(f"{value.disabled + value.deleted} removed")
    if value.failures or value.removal_failures:
        parts.append(f"{len(value.failures) + len(value.removal_failures)} failed")
    if value.removals_skipped:
        parts.append(f"removals skipped: {value.removals_skipped}")
    return ", ".join(parts)
