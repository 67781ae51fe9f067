"""Issue 20 point 1: ``lockt sync-many FLEET.toml`` (credentials from environment variables)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from lockt_async.fleet import env_name
from lockt_async.testing import SimulatorFleet, serve_in_thread
from tests.support import users
from tests.sync.cli_support import lockt


def write_source(path: Path, start: int, n: int) -> None:
    rows = users(n, start=start)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_sync_many_syncs_each_instance_and_reports_the_failing_one(tmp_path: Path) -> None:
    """Issue 20: every instance synced from its source; one without credentials fails alone."""
    fleet = SimulatorFleet()
    for name in ("acme", "globex", "initech"):
        fleet.add(name, record_limit=4)
    write_source(tmp_path / "acme.csv", 0, 9)
    write_source(tmp_path / "globex.csv", 100, 5)
    write_source(tmp_path / "initech.csv", 200, 3)
    text = "".join(
        f'[[instance]]\nname = "{n}"\nsource = "{n}.csv"\n' for n in ("acme", "globex", "initech")
    )
    (tmp_path / "fleet.toml").write_text(text)
    with serve_in_thread(fleet) as url:
        env = {"LOCKT_BASE_URL": url, "COLUMNS": "200"}
        for name in ("acme", "globex"):  # initech's variables are left unset
            env[env_name(name, "API_USER")] = fleet[name].api_user
            env[env_name(name, "API_KEY")] = fleet[name].api_key
        full = {k: v for k, v in os.environ.items() if not k.startswith("LOCKT_")} | env
        proc = lockt(full, "sync-many", str(tmp_path / "fleet.toml"), "--concurrency", "2")
        again = lockt(full, "sync-many", str(tmp_path / "fleet.toml"), "--dry-run")
    assert proc.returncode == 1, proc.stderr
    assert "acme: 9 inserted, 0 updated, 0 unchanged" in proc.stdout
    assert "globex: 5 inserted" in proc.stdout
    assert "environment variable LOCKT_INITECH_API_USER is not set" in proc.stdout
    assert len(fleet["acme"].users) == 9 and len(fleet["globex"].users) == 5
    assert fleet["initech"].users == {}
    assert "acme: 0 to insert, 0 to update, 0 to remove" in again.stdout
    assert fleet.overlapping_writes() == {}


def test_sync_many_refuses_a_key_in_the_file(tmp_path: Path) -> None:
    """Issue 20: a credential written in the fleet file is a usage error (exit 2), not echoed."""
    (tmp_path / "fleet.toml").write_text(
        '[[instance]]\nname = "acme"\nsource = "a.csv"\napi_key = "s3cret"\n'
    )
    proc = lockt({"PATH": "/usr/bin:/bin"}, "sync-many", str(tmp_path / "fleet.toml"))
    assert proc.returncode == 2
    assert "credentials never go in the file" in proc.stderr
    assert "s3cret" not in proc.stderr + proc.stdout
