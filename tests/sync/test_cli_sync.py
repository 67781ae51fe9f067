"""Issue 11 point 4: ``lockt sync``, and import/sync reading export and failures files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from lockt_async.testing import Simulator
from tests.support import users
from tests.support.cli import prefilled

from .cli_support import lockt, served


def written(sim: Simulator) -> int:
    """Records carried by write requests."""
    return sum(e.records for e in sim.journal.entries if e.method != "GET")


def edit(path: Path, id_num: str, column: str, value: str) -> None:
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["id_num"] == id_num:
            row[column] = value
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def export_edited(env: dict[str, str], path: Path, id_num: str, column: str, value: str) -> None:
    """``lockt export users`` to ``path``, then one cell of ``id_num``'s row changed."""
    assert lockt(env, "export", "users", "-o", str(path)).returncode == 0
    edit(path, id_num, column, value)


def add_pins(path: Path, sim: Simulator) -> None:
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert not any(row.get("pin") for row in rows), "GET /user list rows carry no pin"
    pins = {u["id_num"]: u["pin"] for u in sim.users.values()}
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(dict.fromkeys([*rows[0], "pin"])))
        writer.writeheader()
        writer.writerows({**row, "pin": pins[row["id_num"]]} for row in rows)


def snapshot(sim: Simulator) -> dict[str, tuple[str, str, str]]:
    return {u["id_num"]: (u["last_name"], u["email"], u["phone"]) for u in sim.users.values()}


def changed_only(
    sim: Simulator, before: dict[str, tuple[str, str, str]], id_num: str
) -> tuple[str, str, str]:
    """``id_num``'s (last_name, email, phone) now, once everyone else is checked unchanged."""
    after = snapshot(sim)
    person = after.pop(id_num)
    assert after == {k: v for k, v in before.items() if k != id_num}
    return person


def test_export_edit_one_cell_then_sync_writes_only_that_person(tmp_path: Path) -> None:
    """Point 4 / done-when: export, edit one cell, sync: one record written, exit 0."""
    sim = prefilled()
    path = tmp_path / "users.csv"
    with served(sim) as env:
        export_edited(env, path, "EMP000004", "phone", "5559999999")
        before = snapshot(sim)
        sim.journal.clear()
        proc = lockt(env, "sync", "users", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "skipping column(s) name, credentials" in proc.stderr
    assert "update EMP000004: phone: '5551234567' -> '5559999999'" in proc.stdout
    assert written(sim) == 1
    assert changed_only(sim, before, "EMP000004")[2] == "5559999999"


def test_export_edit_one_cell_then_import_update_existing(tmp_path: Path) -> None:
    """Done-when: export, edit one cell, import --update-existing: that person is updated."""
    sim = prefilled()
    path = tmp_path / "users.csv"
    with served(sim) as env:
        export_edited(env, path, "EMP000002", "last_name", "Byron")
        # GET /user list rows carry no pin (the document's list table), so the export
        # has none; POST /user UPDATE requires one (validation table "pin | Missing or
        # blank"): a full re-import needs the pins added back, as an HR file would.
        add_pins(path, sim)
        before = snapshot(sim)
        proc = lockt(env, "import", "users", str(path), "--update-existing")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert changed_only(sim, before, "EMP000002")[0] == "Byron"


def test_failures_file_reimports_after_fixing_bad_cells(tmp_path: Path) -> None:
    """Done-when: the --failures file (reason, messages columns) re-imports once fixed."""
    sim = Simulator()
    src = tmp_path / "staff.csv"
    src.write_text(
        "id_num,first_name,last_name,email,phone,pin\n"
        "HR-1,Ada,Lovelace,ada@example.com,5550001,1001\n"
        "HR-2,Bad,Email,not-an-email,5550002,1002\n"
        "HR-3,Alan,Turing,alan@example.com,5550003,1003\n"
    )
    failed = tmp_path / "failed.csv"
    with served(sim) as env:
        first = lockt(env, "import", "users", str(src), "--failures", str(failed))
        assert first.returncode == 1
        with failed.open(newline="") as fh:
            assert next(iter(csv.DictReader(fh)))["reason"] == "invalid"
        failed.write_text(failed.read_text().replace("not-an-email", "bad@example.com"))
        strict = lockt(env, "import", "users", str(failed), "--strict-columns")
        again = lockt(env, "import", "users", str(failed), "--failures", str(tmp_path / "f2.csv"))
    assert strict.returncode == 2 and "reason, messages" in strict.stderr
    assert again.returncode == 0, again.stdout + again.stderr
    assert "skipping column(s) reason, messages" in again.stderr
    assert sorted(u["id_num"] for u in sim.users.values()) == ["HR-1", "HR-2", "HR-3"]
    with (tmp_path / "f2.csv").open(newline="") as fh:
        assert next(csv.reader(fh)) == ["id_num", "first_name", "last_name", "email", "phone",
                                        "pin", "reason", "messages"]  # fmt: skip


def test_dry_run_plan_out_sends_nothing(tmp_path: Path) -> None:
    """Point 4: --dry-run prints the plan and writes it as JSON; no write request."""
    sim = prefilled()
    path = tmp_path / "src.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in users(12)[2:]))
    plan = tmp_path / "plan.json"
    with served(sim) as env:
        proc = lockt(env, "sync", "users", str(path), "--dry-run", "--on-missing", "delete",
                     "--max-removals", "2", "--plan-out", str(plan))  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Dry run: nothing was sent." in proc.stdout
    data = json.loads(plan.read_text())
    counts = data["counts"]
    assert (counts["inserts"], counts["unchanged"], counts["missing"], counts["removals"]) == (
        2,
        8,
        2,
        2,
    )
    assert written(sim) == 0 and len(sim.users) == 10


def test_guard_blocks_and_exits_4(tmp_path: Path) -> None:
    """Point 4, issue 23: a source over the removal guard deletes nothing, exit 4 (the guard)."""
    sim = prefilled()
    path = tmp_path / "cut.csv"
    path.write_text("id_num,first_name,last_name\nEMP000001,Ada,Lovelace1\n")
    with served(sim) as env:
        proc = lockt(env, "sync", "users", str(path), "--on-missing", "delete")
        fobs = lockt(env, "sync", "fobs", str(path), "--on-missing", "disable")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "REMOVAL GUARD" in proc.stdout and "--max-removals 1 by default" in proc.stdout
    assert len(sim.users) == 10 and written(sim) == 0
    assert fobs.returncode == 2 and "users only" in fobs.stderr


def test_plan_is_a_rich_table_on_a_terminal() -> None:
    """Point 4: on a terminal the plan is a rich table (counts, then the field differences)."""
    from io import StringIO

    from rich.console import Console

    from lockt_async import FieldChange, PlannedUpdate, SyncPlan
    from lockt_async.cli._sync import _print_plan

    plan = SyncPlan(kind="users", key="id_num", on_missing="keep")
    plan.updates.append(PlannedUpdate(0, "EMP1", 7, (FieldChange("phone", "1", "2"),)))
    buf = StringIO()
    _print_plan(Console(file=buf, force_terminal=True, width=120), plan, 1)
    text = buf.getvalue()
    assert "Sync plan: users" in text and "First field differences" in text
    assert "│ EMP1" in text and "phone" in text and "┃" in text


def test_jsonl_failures_file_and_fob_holders(tmp_path: Path) -> None:
    """Point 4: a JSONL failures file (_reason, _messages) re-imports; sync fobs takes user_id."""
    sim = prefilled(2)
    holder = min(sim.users)
    src = tmp_path / "fobs.jsonl"
    src.write_text(
        json.dumps({"name": "Lobby", "id_num": "F1", "card_num": "5001"}) + "\n"
        + json.dumps({"name": "Dock", "id_num": "F2", "card_num": "50x2"}) + "\n"
    )  # fmt: skip
    failed = tmp_path / "failed.jsonl"
    with served(sim) as env:
        first = lockt(env, "import", "fobs", str(src), "--failures", str(failed))
        assert first.returncode == 1
        assert json.loads(failed.read_text())["_reason"] == "invalid"
        failed.write_text(failed.read_text().replace("50x2", "5002"))
        again = lockt(env, "import", "fobs", str(failed))
        assert again.returncode == 0, again.stdout + again.stderr
        src.write_text(
            json.dumps({"name": "Lobby", "id_num": "F1", "card_num": "5001", "user_id": holder})
            + "\n"
        )
        synced = lockt(env, "sync", "fobs", str(src))
    assert "skipping column(s) _reason, _messages" in again.stderr
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert {f["name"]: f["user_id"] for f in sim.fobs.values()} == {"Lobby": holder, "Dock": None}
