"""Issue 11: ``lockt import users --update-existing`` works on the second run."""

from __future__ import annotations

from pathlib import Path

from lockt_async.testing import Simulator

from .cli_support import lockt, served


def test_import_update_existing_second_run_updates(tmp_path: Path) -> None:
    """Point 1: the second run of the same file (one cell changed) updates, exit 0."""
    sim = Simulator()
    rows = [f"HR-{i},First{i},Last{i},p{i}@example.com" for i in range(60)]
    path = tmp_path / "staff.csv"
    path.write_text("id_num,first_name,last_name,email\n" + "\n".join(rows) + "\n")
    with served(sim) as env:
        first = lockt(env, "import", "users", str(path), "--update-existing")
        assert first.returncode == 0, first.stdout + first.stderr
        rows[3] = "HR-3,First3,Renamed,p3@example.com"
        path.write_text("id_num,first_name,last_name,email\n" + "\n".join(rows) + "\n")
        second = lockt(env, "import", "users", str(path), "--update-existing")
    assert second.returncode == 0, second.stdout + second.stderr
    assert len(sim.users) == 60
    assert sorted(u["last_name"] for u in sim.users.values() if u["id_num"] == "HR-3") == [
        "Renamed"
    ]
