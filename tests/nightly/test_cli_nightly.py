"""Issue 23: the nightly job from cron, run as a real ``lockt`` subprocess (asyncio only).

An HR file as it comes (its own headers, no pin), every row accounted for
whatever stops the run, distinct exit codes, the ``--report`` file, and
signals: SIGINT/SIGTERM stop after the write in flight; an ignored SIGINT is
not honoured.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lockt_async.testing import Simulator
from tests.support.cli import prefilled
from tests.sync.cli_support import lockt, served

HR_HEADER = "Employee Number,First Name,Last Name,Work Email,Mobile,Department\n"
MAP_TOML = """# HR export -> Lockt user fields
[columns]
"Employee Number" = "id_num"
"First Name" = "first_name"
"Last Name" = "last_name"
"Work Email" = "email"
"Mobile" = "phone"
"""
MAP_ARGS = ("--unknown-fields", "ignore")


def hr_file(path: Path, n: int, *, bad: tuple[int, ...] = (), start: int = 0) -> Path:
    """An HR export: its own headers, no pin column, a Department column Lockt has no field for."""
    lines = [HR_HEADER]
    for i in range(start, start + n):
        email = "not-an-email" if i in bad else f"p{i}@uni.edu"
        lines.append(f"U{i:05},Pat{i},Smith,{email},555{i:04},Physics\n")
    path.write_text("".join(lines))
    return path


def map_file(tmp: Path) -> Path:
    path = tmp / "map.toml"
    path.write_text(MAP_TOML)
    return path


def report(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_hr_file_with_map_dry_run_then_real_run_same_counts_and_pins(tmp_path: Path) -> None:
    """Done-when: HR headers, no pin: --dry-run and the real run report the same; pins from hook."""
    sim = Simulator()
    src = hr_file(tmp_path / "hr.csv", 30, bad=(7, 21))
    mapping = map_file(tmp_path)
    args = ("import", "users", str(src), "--map-file", str(mapping), *MAP_ARGS,
            "--new-pin", "random6")  # fmt: skip
    with served(sim) as env:
        dry = lockt(env, *args, "--dry-run", "--report", str(tmp_path / "dry.json"))
        real = lockt(env, *args, "--report", str(tmp_path / "real.json"))
    assert dry.returncode == real.returncode == 1, dry.stderr + real.stderr
    d, r = report(tmp_path / "dry.json"), report(tmp_path / "real.json")
    assert [f["row"] for f in d["failures"]] == [f["row"] for f in r["failures"]] == [9, 23]
    assert d["failures"][0]["messages"] == r["failures"][0]["messages"]
    assert r["outcomes"]["inserted"] == 28 and d["outcomes"]["failed"] == 2
    pins = [u["pin"] for u in sim.users.values()]
    assert len(pins) == 28 and len(set(pins)) == 28
    assert all(len(p) == 6 and p.isdigit() for p in pins)
    assert "error: 2 of 30 record(s) would fail; first: line 9" in dry.stderr


def test_hr_file_sync_dry_run_then_real_run_same_plan_and_refusals(tmp_path: Path) -> None:
    """Done-when: `sync --map ... --dry-run` then the real run: same counts, same refusals."""
    sim = Simulator()
    mapping = map_file(tmp_path)
    with served(sim) as env:
        seed = lockt(env, "import", "users", str(hr_file(tmp_path / "old.csv", 10)),
                     "--map-file", str(mapping), *MAP_ARGS, "--new-pin", "random4")  # fmt: skip
        assert seed.returncode == 0, seed.stdout + seed.stderr
        before = {u["id_num"]: u["pin"] for u in sim.users.values()}
        src = hr_file(tmp_path / "hr.csv", 30, bad=(12, 25))
        args = ("sync", "users", str(src), "--map-file", str(mapping), *MAP_ARGS,
                "--new-pin", "random6")  # fmt: skip
        dry = lockt(env, *args, "--dry-run", "--report", str(tmp_path / "dry.json"))
        real = lockt(env, *args, "--report", str(tmp_path / "real.json"))
    d, r = report(tmp_path / "dry.json"), report(tmp_path / "real.json")
    assert dry.returncode == real.returncode == 1, dry.stdout + real.stdout
    assert d["plan"]["counts"] == r["plan"]["counts"]
    assert (d["plan"]["counts"]["inserts"], d["plan"]["counts"]["unchanged"]) == (18, 10)
    assert d["failures"] == r["failures"] and [f["row"] for f in r["failures"]] == [14, 27]
    assert "  refused (see below): 2" in dry.stdout and "  refused (see below): 2" in real.stdout
    assert r["outcomes"]["inserted"] == 18
    pins = {u["id_num"]: u["pin"] for u in sim.users.values()}
    assert {k: pins[k] for k in before} == before  # matched users keep theirs
    new = [p for k, p in pins.items() if k not in before]
    assert len(new) == 18 and all(len(p) == 6 for p in new) and len(set(new)) == 18


def test_map_option_names_an_unknown_field_and_a_missing_column(tmp_path: Path) -> None:
    """Issue 23: --map to a field Lockt lacks, or from a column the file lacks: exit 2, named."""
    src = hr_file(tmp_path / "hr.csv", 2)
    with served(Simulator()) as env:
        bad_field = lockt(env, "sync", "users", str(src), "--map", "First Name=frist_name")
        bad_column = lockt(env, "import", "users", str(src), "--map", "Surname=last_name")
        unmapped = lockt(env, "sync", "users", str(src))
    assert bad_field.returncode == 2 and "'frist_name'" in bad_field.stderr
    assert bad_column.returncode == 2 and "'Surname'" in bad_column.stderr
    assert unmapped.returncode == 2 and "--map 'COLUMN=field'" in unmapped.stderr


def test_wrong_key_with_update_existing_accounts_for_every_row(tmp_path: Path) -> None:
    """Done-when (the 51-of-1,968 gap): a 401 during id lookup leaves no row out of the files."""
    src = hr_file(tmp_path / "hr.csv", 120)
    failed = tmp_path / "failed.csv"
    out = tmp_path / "report.json"
    with served(Simulator()) as env:
        env = {**env, "LOCKT_API_KEY": "wrong-key"}
        proc = lockt(env, "import", "users", str(src), "--map-file", str(map_file(tmp_path)),
                     *MAP_ARGS, "--update-existing", "--failures", str(failed),
                     "--report", str(out))  # fmt: skip
    assert proc.returncode == 3, proc.stdout + proc.stderr
    kept = rows_of(failed)
    assert [r["Employee Number"] for r in kept] == [f"U{i:05}" for i in range(120)]
    assert {r["reason"] for r in kept} == {"not_sent"}
    data = report(out)
    assert data["status"] == "connection" and data["rows"] == 120
    assert [f["row"] for f in data["failures"]] == list(range(2, 122))


def test_connection_error_names_the_host(tmp_path: Path) -> None:
    """Issue 23: a connection error names the host it could not reach."""
    src = hr_file(tmp_path / "hr.csv", 1)
    env = {**os.environ, "LOCKT_API_USER": "u", "LOCKT_API_KEY": "k",
           "LOCKT_BASE_URL": "http://127.0.0.1:9/api/v1"}  # fmt: skip
    proc = lockt(env, "sync", "users", str(src), "--map-file", str(map_file(tmp_path)), *MAP_ARGS)
    assert proc.returncode == 3
    assert "(host 127.0.0.1:9)" in proc.stderr and "Traceback" not in proc.stderr


CRON = """#!/bin/sh
# The nightly job, as cron runs it: no terminal, exit code and report read by the wrapper.
lockt() {{ "{python}" -m lockt_async "$@"; }}
lockt sync users "$1" --map-file "$2" --unknown-fields ignore --new-pin random6 \\
    --on-missing disable --failures "$3/failed.csv" --report "$3/report.json" >"$3/out.txt" 2>&1
echo $? >"$3/exit_code"
"""


def cron(env: dict[str, str], tmp: Path, src: Path, mapping: Path) -> tuple[int, dict[str, Any]]:
    script = tmp / "nightly.sh"
    script.write_text(CRON.format(python=sys.executable))
    run = tmp / "run"
    run.mkdir(exist_ok=True)
    subprocess.run(["sh", str(script), str(src), str(mapping), str(run)], env=env, check=True,
                   timeout=120)  # fmt: skip
    return int((run / "exit_code").read_text()), report(run / "report.json")


@pytest.mark.slow
def test_cron_script_sees_each_exit_code_and_a_report(tmp_path: Path) -> None:
    """Done-when: a cron-style script gets 0, 1, 2, 3 and 4 and a report file each time."""
    sim = prefilled(0)
    mapping = map_file(tmp_path)
    with served(sim) as env:
        ok_code, ok = cron(env, tmp_path, hr_file(tmp_path / "a.csv", 40), mapping)
        bad_code, bad = cron(env, tmp_path, hr_file(tmp_path / "b.csv", 41, bad=(40,)), mapping)
        cut_code, cut = cron(env, tmp_path, hr_file(tmp_path / "c.csv", 10), mapping)
        (tmp_path / "broken.toml").write_text('[columns]\n"Mobile" = "mobile_phone"\n')
        usage_code, usage = cron(env, tmp_path, tmp_path / "a.csv", tmp_path / "broken.toml")
        key_code, key = cron({**env, "LOCKT_API_KEY": "wrong"}, tmp_path, tmp_path / "a.csv",
                             mapping)  # fmt: skip
    assert (ok_code, ok["status"], ok["outcomes"]["inserted"]) == (0, "ok", 40)
    assert ok["plan"]["counts"]["inserts"] == 40 and ok["durations"]["total"] > 0
    assert (bad_code, bad["status"]) == (1, "failed")
    assert bad["failures"] == [
        {"row": 42, "index": 40, "key": "U00040", "reason": "invalid",
         "messages": ["Invalid email address found: not-an-email"]}
    ]  # fmt: skip
    assert (cut_code, cut["status"], cut["guard"]["blocked"]) == (4, "guard", True)
    assert cut["guard"]["missing"] == 30 and cut["outcomes"]["disabled"] == 0
    assert (usage_code, usage["status"]) == (2, "bad-input")
    assert "'mobile_phone'" in usage["error"]
    assert (key_code, key["status"]) == (3, "connection")
    assert sorted(int(f["row"]) for f in key["failures"]) == list(range(2, 42))


def _popen(env: dict[str, str], *args: str, ignore_sigint: bool = False) -> subprocess.Popen[str]:
    def ignore() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def foreground() -> None:
        # A Ctrl-C at a terminal reaches a command whose SIGINT is at its default;
        # pytest itself may run with SIGINT ignored (started in the background).
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    return subprocess.Popen(
        [sys.executable, "-m", "lockt_async", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ignore if ignore_sigint else foreground,  # the test's point
    )


def _after_writes(sim: Simulator, n: int) -> None:
    deadline = time.monotonic() + 60
    while len(sim.journal.writes()) < n:
        assert time.monotonic() < deadline, "the run never reached the signal point"
        time.sleep(0.005)


def _signalled(
    env: dict[str, str],
    sim: Simulator,
    args: tuple[str, ...],
    sig: int,
    *,
    after: int,
    ignore_sigint: bool = False,
) -> tuple[subprocess.Popen[str], str, str]:
    """``lockt ARGS`` sent ``sig`` once ``after`` writes reached ``sim``; its stdout, stderr."""
    proc = _popen(env, *args, ignore_sigint=ignore_sigint)
    _after_writes(sim, after)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return proc, stdout, stderr


def _hr_import(src: Path, tmp_path: Path, *extra: str) -> tuple[str, ...]:
    """``import users SRC`` of the HR file, mapped, new pins made."""
    return ("import", "users", str(src), "--map-file", str(map_file(tmp_path)), *MAP_ARGS,
            "--new-pin", "random6", *extra)  # fmt: skip


@pytest.mark.slow
def test_ctrl_c_mid_sync_reports_exits_130_and_a_rerun_converges(tmp_path: Path) -> None:
    """Done-when: SIGINT mid-sync (served with latency): report, exit 130, rerun converges."""
    sim = Simulator(latency=0.05)
    src = hr_file(tmp_path / "hr.csv", 1500)
    out = tmp_path / "report.json"
    failed = tmp_path / "failed.csv"
    args = ("sync", "users", str(src), "--map-file", str(map_file(tmp_path)), *MAP_ARGS,
            "--new-pin", "random6", "--failures", str(failed), "--report", str(out))  # fmt: skip
    with served(sim) as env:
        first, stdout, stderr = _signalled(env, sim, args, signal.SIGINT, after=2)
        stored_after_stop = len(sim.users)
        data = report(out)
        unsent = rows_of(failed)
        rerun = lockt(env, *args)
        again = lockt(env, *args)
    assert first.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr and "Interrupted sync of users" in stdout
    assert "error: interrupted by Ctrl-C (SIGINT) after the write in flight" in stderr
    assert data["status"] == "interrupted" and data["interrupted_by"] == "SIGINT"
    done = data["outcomes"]["inserted"]
    assert 0 < done == stored_after_stop < 1500
    assert len(unsent) == len(data["failures"]) == 1500 - done
    assert {r["reason"] for r in unsent} == {"not_sent"}
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert sorted(u["id_num"] for u in sim.users.values()) == [f"U{i:05}" for i in range(1500)]
    assert again.returncode == 0 and "to insert: 0" in again.stdout


def test_sigterm_mid_import_exits_143_with_the_report(tmp_path: Path) -> None:
    """Issue 23: SIGTERM stops after the write in flight: report written, exit 143."""
    sim = Simulator(latency=0.05)
    src = hr_file(tmp_path / "hr.csv", 1500)
    out = tmp_path / "report.json"
    with served(sim) as env:
        args = _hr_import(src, tmp_path, "--report", str(out))
        proc, stdout, stderr = _signalled(env, sim, args, signal.SIGTERM, after=2)
    assert proc.returncode == 143, stdout + stderr
    data = report(out)
    assert data["status"] == "terminated" and data["interrupted_by"] == "SIGTERM"
    assert data["outcomes"]["inserted"] + len(data["failures"]) == 1500 == data["rows"]


def test_sigint_ignored_by_the_parent_is_not_honoured(tmp_path: Path) -> None:
    """Issue 23: a background job (SIGINT ignored by its parent) runs on through a Ctrl-C."""
    sim = Simulator(latency=0.02)
    src = hr_file(tmp_path / "hr.csv", 600)
    with served(sim) as env:
        args = _hr_import(src, tmp_path)
        proc, stdout, stderr = _signalled(env, sim, args, signal.SIGINT, after=1,
                                          ignore_sigint=True)  # fmt: skip
    assert proc.returncode == 0, stdout + stderr
    assert len(sim.users) == 600


@pytest.mark.slow
def test_guard_cut_file_approve_exactly_and_stale_id(tmp_path: Path) -> None:
    """Done-when: a cut file trips the guard loudly (plan id); --approve applies exactly it."""
    sim = Simulator()
    mapping = map_file(tmp_path)
    args = ("--map-file", str(mapping), *MAP_ARGS, "--new-pin", "random6",
            "--on-missing", "delete")  # fmt: skip
    with served(sim) as env:
        full = lockt(env, "sync", "users", str(hr_file(tmp_path / "full.csv", 40)), *args)
        assert full.returncode == 0, full.stdout + full.stderr
        cut = hr_file(tmp_path / "cut.csv", 30)
        dry = lockt(env, "sync", "users", str(cut), *args, "--dry-run")
        tripped = lockt(env, "sync", "users", str(cut), *args, "--report",
                        str(tmp_path / "r.json"))  # fmt: skip
        plan_id = report(tmp_path / "r.json")["guard"]["plan_id"]
        cut_more = hr_file(tmp_path / "cut2.csv", 29)
        stale = lockt(env, "sync", "users", str(cut_more), *args, "--approve", plan_id)
        after_stale = len(sim.users)
        approved = lockt(env, "sync", "users", str(cut), *args, "--approve", plan_id,
                         "--report", str(tmp_path / "a.json"))  # fmt: skip
    assert dry.returncode == 4 and f"plan id: {plan_id}" in dry.stdout
    assert tripped.returncode == 4, tripped.stdout + tripped.stderr
    assert "REMOVAL GUARD: nothing was deleted." in tripped.stdout
    assert "held back (10): U00030 (id" in tripped.stdout
    assert f"--approve {plan_id}" in tripped.stdout and f"plan id {plan_id}" in tripped.stderr
    assert stale.returncode == 4 and "is not this plan's id" in stale.stdout
    assert after_stale == 40
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert f"Plan id: {plan_id} (approved)" in approved.stdout
    assert sorted(u["id_num"] for u in sim.users.values()) == [f"U{i:05}" for i in range(30)]
    a = report(tmp_path / "a.json")
    assert a["outcomes"]["deleted"] == 10 and a["guard"]["approved"] is True


def test_hints_name_cli_options_not_python_arguments(tmp_path: Path) -> None:
    """Issue 23: hints say --update-existing, --api-user, --approve, not Python arguments."""
    from lockt_async.cli._io import cli_hint

    ignored = "sent with update_existing=False; pass update_existing=True to update it"
    assert cli_hint(ignored) == "sent with --update-existing not given; run with " \
        "--update-existing to update it"  # fmt: skip
    assert cli_hint("apply them with approve='ab12'.") == "apply them with --approve ab12."
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCKT_")}
    proc = lockt(env, "sync", "users", str(hr_file(tmp_path / "hr.csv", 1)))
    assert proc.returncode == 2 and "pass --api-user or set LOCKT_API_USER" in proc.stderr


def test_exit_code_of_each_stop() -> None:
    """Issue 23: the documented exit code of each way a run ends, in one table."""
    import click

    from lockt_async import AuthenticationError, ConfigurationError
    from lockt_async.cli import EXIT_CODES
    from lockt_async.cli._config import exit_code_for
    from lockt_async.cli._run import Terminated

    assert EXIT_CODES == {0: "ok", 1: "failed", 2: "bad-input", 3: "connection", 4: "guard",
                          130: "interrupted", 143: "terminated"}  # fmt: skip
    cases = [(KeyboardInterrupt(), 130), (Terminated(), 143), (click.UsageError("x"), 2),
             (ConfigurationError("x"), 2), (AuthenticationError("x", status_code=401), 3),
             (OSError(), 2), (RuntimeError(), 1)]  # fmt: skip
    assert [exit_code_for(exc) for exc, _ in cases] == [code for _, code in cases]
