"""Nightly sync: make Lockt's users equal to an HR export, from cron.

Reads the HR system's CSV export (a header row of the document's field names:
``id_num, first_name, last_name, email, phone, pin``, ...), makes Lockt's users equal
to it with ``users.sync`` (people gone from the file are disabled, unless the
removal guard refuses), writes a JSON report, and exits with the codes of ``lockt sync``:
0 everything applied; 1 some records failed (read the report); 2 bad input or
configuration; 3 connection or authentication failure; 4 the removal guard held
removals back (review the plan in the report).

    export LOCKT_API_USER=... LOCKT_API_KEY=... LOCKT_BASE_URL=https://...
    python examples/nightly_sync.py staff.csv --report sync-report.json

A crontab entry (02:15 every night; one line in the crontab, where ``%`` is escaped):

    15 2 * * * cd /opt/lockt && .venv/bin/python examples/nightly_sync.py \\
        /data/staff.csv --report /var/log/lockt/sync-$(date +\\%F).json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import anyio

from lockt_async import ConfigurationError, LocktClient, LocktError, SyncResult, UserRecord


def read_staff(path: Path) -> list[UserRecord]:
    """The export's rows; a BOM (as Excel writes one) is skipped, empty cells dropped."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        rows = [{k: v for k, v in row.items() if v} for row in csv.DictReader(file)]
    return cast(list[UserRecord], rows)


def report(result: SyncResult) -> dict[str, Any]:
    """What a person reads in the morning: counts, each failure with its CSV line, the plan."""
    failures = []
    for failure in result.failures:
        record = failure.record if isinstance(failure.record, Mapping) else {}
        failures.append(
            {
                "line": failure.index + 2,  # the header is line 1
                "id_num": record.get("id_num"),
                "reason": failure.reason,
                "messages": list(failure.messages),
            }
        )
    return {
        "ok": result.ok,
        "dry_run": result.dry_run,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "disabled": result.disabled,
        "removals_skipped": result.removals_skipped,
        "removal_failures": [
            {"reason": f.reason, "messages": list(f.messages)} for f in result.removal_failures
        ],
        "failures": failures,
        "plan": result.plan.to_dict(),
    }


async def sync(rows: list[UserRecord], *, dry_run: bool) -> SyncResult:
    async with LocktClient() as lockt:  # LOCKT_API_USER, LOCKT_API_KEY, LOCKT_BASE_URL
        return await lockt.users.sync(rows, on_missing="disable", dry_run=dry_run)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="the HR export")
    parser.add_argument("--report", type=Path, help="write the JSON report here")
    parser.add_argument("--dry-run", action="store_true", help="plan only, send nothing")
    args = parser.parse_args(argv)
    try:
        rows = read_staff(args.csv)
        result = anyio.run(lambda: sync(rows, dry_run=args.dry_run))
    except (OSError, ConfigurationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except LocktError as exc:  # no connection, credentials refused, or the server's error
        print(f"error: {exc}", file=sys.stderr)
        return 3
    data = report(result)
    if args.report:
        args.report.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    print(
        f"inserted {result.inserted}, updated {result.updated}, unchanged "
        f"{result.unchanged}, disabled {result.disabled}, failed {len(result.failures)}"
    )
    if result.failures or result.removal_failures:
        failed = len(result.failures) + len(result.removal_failures)
        print(f"error: {failed} records failed", file=sys.stderr)
        return 1
    if result.removals_skipped:
        print(f"error: removals skipped: {result.removals_skipped}", file=sys.stderr)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
