"""The ``lockt`` command line, run as a real subprocess against a simulator on loopback."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from lockt_async.testing import Simulator

SECRET = "s3cret-KEY-do-not-print"
HEADER = "id_num,first_name,last_name,email,phone,pin,card_num,access_effective,access_expires\n"
GOOD = [
    "HR-000001,Ada,Lovelace,ada@example.com,5550001,1001,100001,"
    "2025-01-06 08:00:00,2026-01-06 08:00:00",
    "HR-000002,Alan,Turing,alan@example.com,5550002,1002,100002,2025-01-06T13:00:00Z,",
    "HR-000003,Grace,Hopper,grace@example.com,5550003,1003,,,",
]
GOOD_IDS = ("HR-000001", "HR-000002", "HR-000003")
BAD = [
    "HR-000004,Bad,Email,not-an-email,5550004,1004,100004,,",
    "HR-000005,Card,Letters,card@example.com,5550005,1005,12AB,,",
    "HR-000006,NoLast,,nolast@example.com,5550006,1006,100006,,",
]


@pytest.fixture
def sim() -> Simulator:
    return Simulator(api_key=SECRET)


def lockt(
    env: dict[str, str], *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lockt_async", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def users_csv(tmp_path: Path) -> Path:
    path = tmp_path / "users.csv"
    path.write_text(HEADER + "\n".join([GOOD[0], BAD[0], GOOD[1], BAD[1], GOOD[2], BAD[2]]) + "\n")
    return path


def test_import_reports_bad_rows_in_failures_file(env, sim, users_csv, tmp_path):
    """import with good and bad rows exits 1; the failures file holds exactly the bad rows."""
    failures = tmp_path / "failed.csv"
    proc = lockt(env, "import", "users", str(users_csv), "--failures", str(failures))
    assert proc.returncode == 1, proc.stderr
    assert sorted(u["id_num"] for u in sim.users.values()) == [
        "HR-000001",
        "HR-000002",
        "HR-000003",
    ]
    with failures.open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id_num"] for r in rows] == ["HR-000004", "HR-000005", "HR-000006"]
    assert list(rows[0]) == [*HEADER.strip().split(","), "reason", "messages"]
    assert {r["reason"] for r in rows} == {"invalid"}
    assert "email" in rows[0]["messages"].lower()
    assert "card_num" in rows[1]["messages"]
    assert "last_name" in rows[2]["messages"]


def test_import_dates_local_or_offset(env, sim, users_csv):
    """local date strings are instance-local; ISO strings with Z are instants."""
    lockt(env, "import", "users", str(users_csv))
    by_id = {u["id_num"]: u for u in sim.users.values()}
    eight_local = datetime(2025, 1, 6, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    assert by_id["HR-000001"]["access_effective"] == eight_local
    assert by_id["HR-000002"]["access_effective"] == eight_local  # 13:00Z is 08:00 in New York


def test_import_jsonl_failures_keep_the_object(env, sim, tmp_path):
    """JSONL failures are the original objects plus _reason and _messages."""
    src = tmp_path / "users.jsonl"
    lines = [
        {
            "id_num": "J1",
            "first_name": "A",
            "last_name": "B",
            "email": "a@example.com",
            "phone": "5550001",
            "pin": "1001",
        },
        {
            "id_num": "J2",
            "first_name": "C",
            "last_name": "D",
            "email": "c@example.com",
            "phone": "5550002",
            "pin": "12x",
        },
    ]
    src.write_text("".join(json.dumps(x) + "\n" for x in lines))
    failures = tmp_path / "failed.jsonl"
    proc = lockt(env, "import", "users", str(src), "--failures", str(failures))
    assert proc.returncode == 1, proc.stderr
    rows = [json.loads(x) for x in failures.read_text().splitlines()]
    assert len(rows) == 1
    assert rows[0]["id_num"] == "J2" and rows[0]["_reason"] == "invalid"
    assert any("pin" in m for m in rows[0]["_messages"])


def test_import_stdin_all_good_exits_0(env, sim):
    """`-` reads stdin with --format; every row accepted gives exit 0."""
    proc = lockt(env, "import", "users", "-", "--format", "csv", stdin=HEADER + GOOD[0] + "\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [u["id_num"] for u in sim.users.values()] == ["HR-000001"]


def test_dry_run_sends_nothing(env, sim, users_csv, tmp_path):
    """--dry-run makes no write and still reports the bad rows."""
    failures = tmp_path / "failed.csv"
    proc = lockt(env, "import", "users", str(users_csv), "--dry-run", "--failures", str(failures))
    assert proc.returncode == 1, proc.stderr
    assert sim.journal.writes() == []
    assert not sim.users
    assert "nothing was sent" in proc.stdout
    assert "HR-000004" in proc.stdout
    with failures.open() as fh:
        assert [r["id_num"] for r in csv.DictReader(fh)] == ["HR-000004", "HR-000005", "HR-000006"]


def test_export_round_trips_import(env, users_csv, tmp_path):
    """exported users match the imported id_num/first_name/last_name/email."""
    lockt(env, "import", "users", str(users_csv))
    out = tmp_path / "export.csv"
    proc = lockt(env, "export", "users", "--format", "csv", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    keys = ("id_num", "first_name", "last_name", "email")
    with out.open() as fh:
        got = sorted(tuple(r[k] for k in keys) for r in csv.DictReader(fh))
    with users_csv.open() as fh:
        src = list(csv.DictReader(fh))
    want = sorted(
        tuple(r[k] for k in keys)
        for r in src
        if r["id_num"] in {"HR-000001", "HR-000002", "HR-000003"}
    )
    assert got == want


def test_export_jsonl_to_stdout(env, users_csv):
    """export --format jsonl writes one object per record to stdout."""
    lockt(env, "import", "users", str(users_csv))
    proc = lockt(env, "export", "users", "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    assert len([json.loads(x) for x in proc.stdout.splitlines()]) == 3


def test_wrong_key_exits_3_without_the_key(env, users_csv):
    """a wrong key gives exit 3 and one stderr line that does not contain the key."""
    bad_key = "wrong-KEY-0123456789"
    proc = lockt({**env, "LOCKT_API_KEY": bad_key}, "import", "users", str(users_csv))
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert bad_key not in proc.stderr + proc.stdout
    assert SECRET not in proc.stderr + proc.stdout


def test_debug_output_never_shows_a_key(env, users_csv):
    """--debug (tracebacks, DEBUG logs) on success and on a 401 never prints either key."""
    bad_key = "wrong-KEY-0123456789"
    ok = lockt(env, "--debug", "import", "users", str(users_csv))
    denied = lockt({**env, "LOCKT_API_KEY": bad_key}, "--debug", "import", "users", str(users_csv))
    flag = lockt(env, "--debug", "--api-key", bad_key, "ping")
    assert ok.returncode == 1  # the bad rows
    assert denied.returncode == 3 and flag.returncode == 3
    assert "Traceback" in denied.stderr  # --debug really shows the traceback
    assert "POST /user" in ok.stderr  # and the DEBUG request lines
    for proc in (ok, denied, flag):
        assert SECRET not in proc.stdout + proc.stderr
        assert bad_key not in proc.stdout + proc.stderr


def test_connection_refused_exits_3(env):
    """nothing listening gives exit 3 and a one-line error."""
    proc = lockt({**env, "LOCKT_BASE_URL": "http://127.0.0.1:9/api/v1"}, "ping")
    assert proc.returncode == 3
    assert proc.stderr.startswith("error: ") and len(proc.stderr.strip().splitlines()) == 1


def test_unknown_column_exits_2(env, sim, tmp_path):
    """an unknown column gives exit 2 naming it and listing the allowed ones."""
    src = tmp_path / "users.csv"
    src.write_text("id_num,first_name,last_name,favourite_colour\nX1,A,B,blue\n")
    proc = lockt(env, "import", "users", str(src))
    assert proc.returncode == 2
    assert "favourite_colour" in proc.stderr and "first_name" in proc.stderr
    assert sim.journal.writes() == []


def test_missing_required_column_exits_2(env, tmp_path):
    """a users file without last_name (and without id) gives exit 2 naming it."""
    src = tmp_path / "users.csv"
    src.write_text("id_num,first_name\nX1,A\n")
    proc = lockt(env, "import", "users", str(src))
    assert proc.returncode == 2
    assert "last_name" in proc.stderr


def test_missing_credentials_exit_2(env):
    """no api key configured is a configuration error: exit 2, one line."""
    env = {k: v for k, v in env.items() if k != "LOCKT_API_KEY"}
    proc = lockt(env, "ping")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "LOCKT_API_KEY" in proc.stderr


def test_console_script_is_the_same_entry_point(env):
    """The installed `lockt` console script runs the same command as python -m lockt_async."""
    script = Path(sys.executable).with_name("lockt")
    if not script.exists():
        pytest.skip("the lockt console script is not installed beside this interpreter")
    proc = subprocess.run(
        [str(script), "ping"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: http://127.0.0.1")


def test_ping_ok(env):
    """ping exits 0 and names the base URL."""
    proc = lockt(env, "ping")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok: http://127.0.0.1")
    assert SECRET not in proc.stdout


def test_events_tail_once_prints_each_event(env, sim):
    """events tail --after-id prints only later events, once each."""
    for n in range(3):
        sim.add_event(device=f"Door {n}", code_text="Access Granted")
    first = sim.events[0]["id"]
    proc = lockt(env, "events", "tail", "--after-id", str(first), "--once", "--format", "jsonl")
    assert proc.returncode == 0, proc.stderr
    got = [json.loads(x)["id"] for x in proc.stdout.splitlines()]
    assert got == [e["id"] for e in sim.events[1:]]


def test_import_doors(env, sim, tmp_path):
    """import doors creates them; a duplicate name in the file is reported."""
    src = tmp_path / "doors.csv"
    src.write_text("name\nLab 1\nLab 2\nLab 1\n")
    proc = lockt(env, "import", "doors", str(src))
    assert proc.returncode == 1, proc.stderr
    assert sorted(d["name"] for d in sim.doors.values()) == ["Lab 1", "Lab 2"]


def test_demo_non_tty_summary_and_learned_limit():
    """demo with a lower instance limit exits 0 and prints the summary and the learned limit."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lockt_async",
            "demo",
            "--records",
            "300",
            "--latency",
            "0",
            "--instance-limit",
            "40",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for word in ("submitted", "inserted", "failed", "pages", "learned record limit"):
        assert word in out
    assert "Learned the instance's record limit: 40" in out
    assert "7 of them invalid on purpose" in out


def test_ctrl_c_stops_after_page_and_writes_failures(env, sim, tmp_path):
    """Issue 23: SIGINT stops after the page in flight, exit 130; summary, every unsent row kept."""
    sim.latency = 0.05
    src = tmp_path / "big.csv"
    rows = [f"C{i},Ann,Lee,c{i}@example.com,555{i:04},{1000 + i}" for i in range(2000)]
    src.write_text("id_num,first_name,last_name,email,phone,pin\n" + "\n".join(rows) + "\n")
    failures = tmp_path / "failed.csv"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lockt_async",
            "import",
            "users",
            str(src),
            "--failures",
            str(failures),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # As at a terminal: SIGINT at its default even if pytest runs in the background.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 30
    while len(sim.journal.writes()) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "interrupted" in out and "Traceback" not in err
    assert "error: interrupted by Ctrl-C (SIGINT) after the write in flight" in err
    with failures.open() as fh:
        unsent = [r["id_num"] for r in csv.DictReader(fh)]
    stored = {u["id_num"] for u in sim.users.values()}
    assert stored and unsent
    assert sorted(stored | set(unsent)) == sorted(f"C{i}" for i in range(2000))
    assert not stored & set(unsent)
