"""A sync run in its own process (the kill-and-rerun test SIGKILLs it mid-way).

``python tests/sync/sync_child.py SOURCE.json [users|fobs|doors]``: syncs the
objects of the JSON list (users by default) with on_missing=delete against
LOCKT_BASE_URL; prints the result's counts.
"""

from __future__ import annotations

import json
import sys

import anyio

from lockt_async import LocktClient


async def main(records: list[dict[str, object]], kind: str) -> int:
    async with LocktClient(timezone="America/New_York") as lockt:
        group = {"users": lockt.users, "fobs": lockt.fobs, "doors": lockt.doors}[kind]
        result = await group.sync(records, on_missing="delete", max_removals=50)
    print(json.dumps({"inserted": result.inserted, "updated": result.updated,
                      "deleted": result.deleted, "ok": result.ok}), flush=True)  # fmt: skip
    return 0 if result.ok else 1


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        source = json.load(fh)
    sys.exit(anyio.run(main, source, sys.argv[2] if len(sys.argv) > 2 else "users"))
