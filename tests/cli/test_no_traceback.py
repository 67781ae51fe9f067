"""Issue 15, "The CLI never shows a traceback": run through the INSTALLED ``lockt`` script.

Undecodable bytes, far and impossible dates, odd JSON values: each is an
``invalid`` row naming the line, the column and the problem; stderr is one
``error:`` line; the failures file holds every failed row, byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lockt_async.testing import Simulator

LOCKT = Path(sys.executable).with_name("lockt")
HEADER = b"id_num,first_name,last_name,email,phone,pin\n"


def contact(i: int) -> dict[str, str]:
    """email, phone and pin: the validation table requires them on a user."""
    return {"email": f"u{i}@example.com", "phone": f"555000{i}", "pin": f"100{i}"}


@pytest.fixture
def sim() -> Simulator:
    return Simulator()


def lockt(
    env: dict[str, str], *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script (not ``python -m``), as a user would."""
    assert LOCKT.exists(), f"the lockt console script is not installed at {LOCKT}"
    proc = subprocess.run(
        [str(LOCKT), *args],
        env=env,
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "backslashreplace"),
        proc.stderr.decode("utf-8", "backslashreplace"),
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """stderr is exactly one ``error:`` line and no traceback anywhere."""
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    return lines[0]


def failure_rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    text = path.read_bytes().decode(encoding, "surrogateescape")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def latin1_file(tmp_path: Path) -> Path:
    """Four users; line 3 holds 'Ren\\xe9' in Latin-1 (byte 0xE9, not UTF-8)."""
    path = tmp_path / "staff.csv"
    path.write_bytes(
        HEADER
        + b"E1,Ada,Lovelace,ada@example.com,5550001,1001\n"
        + b"E2,Ren\xe9,Descartes,rene@example.com,5550002,1002\n"
        + b"E3,Alan,Turing,alan@example.com,5550003,1003\n"
    )
    return path


def test_undecodable_byte_is_an_invalid_row_naming_line_column_byte(env, sim, tmp_path):
    """Issue 15: a 0xE9 byte is `invalid` (line, column, byte); the rest imports; exit 1."""
    failures = tmp_path / "failed.csv"
    proc = lockt(env, "import", "users", str(latin1_file(tmp_path)), "--failures", str(failures))
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert "line 3, first_name: byte 0xE9 is not UTF-8; save the file as UTF-8" in line
    assert sorted(u["id_num"] for u in sim.users.values()) == ["E1", "E3"]
    rows = failure_rows(failures)
    assert [(r["id_num"], r["reason"]) for r in rows] == [("E2", "invalid")]
    assert rows[0]["messages"].startswith("line 3, first_name: byte 0xE9 is not UTF-8")
    # The row goes back byte for byte, ready to fix in the editor that wrote it.
    assert b"E2,Ren\xe9,Descartes,rene@example.com,5550002,1002,invalid," in failures.read_bytes()


def test_undecodable_byte_through_stdin(env, sim, tmp_path):
    """Issue 15: the same file on stdin gives the same row, message and complete file."""
    failures = tmp_path / "failed.csv"
    data = latin1_file(tmp_path).read_bytes()
    proc = lockt(
        env, "import", "users", "-", "--format", "csv", "--failures", str(failures), stdin=data
    )
    assert proc.returncode == 1
    assert "line 3, first_name: byte 0xE9 is not UTF-8" in one_error_line(proc)
    assert sorted(u["id_num"] for u in sim.users.values()) == ["E1", "E3"]
    assert [r["id_num"] for r in failure_rows(failures)] == ["E2"]
    assert b"Ren\xe9" in failures.read_bytes()


def test_encoding_option_reads_a_cp1252_file(env, sim, tmp_path):
    """Issue 15, --encoding: the same file read as cp1252 imports every row, 'René' intact."""
    proc = lockt(env, "import", "users", str(latin1_file(tmp_path)), "--encoding", "cp1252")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {u["id_num"]: u["first_name"] for u in sim.users.values()}["E2"] == "René"


def test_unknown_encoding_exits_2(env, tmp_path):
    """Issue 15, --encoding: an unknown codec is a usage error (exit 2, one line)."""
    proc = lockt(env, "import", "users", str(latin1_file(tmp_path)), "--encoding", "klingon")
    assert proc.returncode == 2
    assert "klingon" in proc.stderr and "Traceback" not in proc.stderr


def test_undecodable_header_exits_2_naming_the_byte(env, sim, tmp_path):
    """Issue 15: a header that is not UTF-8 is a usage error naming line 1 and the byte."""
    path = tmp_path / "bad-header.csv"
    path.write_bytes(b"id_num,first_name,last_name,r\xe9gion\nE1,A,B,x\n")
    proc = lockt(env, "import", "users", str(path))
    assert proc.returncode == 2
    assert "line 1 (the header)" in proc.stderr and "0xE9" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sim.journal.writes() == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0001-01-01T00:00:00Z", "is out of range"),
        ("2026-02-30 08:00:00", "day 30 does not exist in February 2026"),
    ],
)
def test_far_and_impossible_dates_are_invalid_rows(env, sim, tmp_path, value, problem):
    """Issue 15: a far date and an impossible date are `invalid` rows after 100+ good ones."""
    path = tmp_path / "dates.csv"
    good = [
        f"D{i:03d},Ann,Lee,d{i}@example.com,5550000,1234,2026-01-05 08:00:00" for i in range(150)
    ]
    path.write_text(
        "id_num,first_name,last_name,email,phone,pin,access_effective\n"
        + "\n".join(
            [*good[:120], f"BAD,Far,Date,bad@example.com,5550000,1234,{value}", *good[120:]]
        )
        + "\n"
    )
    failures = tmp_path / "failed.csv"
    proc = lockt(env, "import", "users", str(path), "--failures", str(failures))
    assert proc.returncode == 1
    line = one_error_line(proc)
    assert "line 122: access_effective" in line and problem in line
    assert len(sim.users) == 150
    rows = failure_rows(failures)
    assert [(r["id_num"], r["access_effective"], r["reason"]) for r in rows] == [
        ("BAD", value, "invalid")
    ]
    assert problem in rows[0]["messages"]


def test_failures_file_complete_whatever_the_rows_hold(env, sim, tmp_path):
    """Issue 15: lone surrogates, nested values and bad lines all reach the JSONL failures file."""
    path = tmp_path / "odd.jsonl"
    lines = [
        json.dumps({"id_num": "J1", "first_name": "A", "last_name": "B", **contact(1)}),
        '{"id_num": "J2", "first_name": "\\ud800", "last_name": "B"}',  # a lone surrogate
        json.dumps({"id_num": "J3", "first_name": {"x": [1]}, "last_name": "B"}),
        json.dumps({"id_num": "J4", "first_name": "A", "last_name": 1e308 * 10}),
        "this is not json",
        '{"id_num": "J6", "first_name": "Ren\xe9", "last_name": "B"}',
        json.dumps({"id_num": "J7", "first_name": "A", "last_name": "B", **contact(7)}),
    ]
    data = "\n".join(lines).encode("utf-8", "surrogatepass").replace("Ren\xe9".encode(), b"Ren\xe9")
    path.write_bytes(data + b"\n")
    failures = tmp_path / "failed.jsonl"
    proc = lockt(env, "import", "users", str(path), "--failures", str(failures))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    one_error_line(proc)
    assert sorted(u["id_num"] for u in sim.users.values()) == ["J1", "J7"]
    text = failures.read_bytes().decode("utf-8", "surrogateescape")
    written = [json.loads(x) for x in text.splitlines()]
    assert len(written) == 5
    assert [w.get("id_num") for w in written] == ["J2", "J3", "J4", None, "J6"]
    assert written[3]["_line"] == "this is not json"
    assert all(w["_reason"] == "invalid" and w["_messages"] for w in written)
    assert "line 6, first_name: byte 0xE9 is not UTF-8" in written[4]["_messages"][0]
    assert b"Ren\xe9" in failures.read_bytes()


def test_allow_insecure_http_reaches_a_plain_http_test_host(env, sim):
    """Issue 15: --allow-insecure-http lets the CLI use http:// to a non-loopback host."""
    url = env["LOCKT_BASE_URL"].replace("127.0.0.1", "0.0.0.0")
    refused = lockt({**env, "LOCKT_BASE_URL": url}, "ping")
    assert refused.returncode == 2
    assert "--allow-insecure-http" in one_error_line(refused)
    allowed = lockt({**env, "LOCKT_BASE_URL": url}, "--allow-insecure-http", "ping")
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.startswith("ok: http://0.0.0.0")


def test_unwritable_failures_file_is_one_line(env, sim, tmp_path):
    """Issue 15: a failures path in a missing directory is one error line (exit 2)."""
    failures = tmp_path / "missing-dir" / "failed.csv"
    proc = lockt(env, "import", "users", str(latin1_file(tmp_path)), "--failures", str(failures))
    assert proc.returncode == 2
    assert "missing-dir" in one_error_line(proc)
    assert sim.journal.writes() == []  # checked before anything was sent


def test_unexpected_error_is_one_line_without_debug(monkeypatch, capsys):
    """Issue 15: even a bug is one `error:` line (exit 1); --debug shows the traceback."""
    from lockt_async import cli
    from lockt_async.cli import _commands

    def boom(*_args: object, **_kw: object) -> None:
        raise RuntimeError("something no one expected")

    monkeypatch.setattr(_commands.io, "detect_format", boom)
    monkeypatch.setattr("logging.basicConfig", lambda **_kw: None)  # keep pytest's logging
    for argv, traceback_shown in (
        (["import", "users", "x.csv"], False),
        (["--debug", "import", "users", "x.csv"], True),
    ):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 1
        err = capsys.readouterr().err
        assert ("Traceback" in err) is traceback_shown
        last = err.strip().splitlines()[-1]
        assert last.startswith("error: unexpected RuntimeError: something no one expected")


def test_base_url_without_api_v1_exits_2_with_every_row_in_the_failures_file(env, sim, tmp_path):
    """Issue 15: a base URL that is not a Lockt API: exit 2, one line naming it; rows kept."""
    root = env["LOCKT_BASE_URL"].removesuffix("/api/v1")
    failures = tmp_path / "failed.csv"
    src = latin1_file(tmp_path)
    proc = lockt(
        {**env, "LOCKT_BASE_URL": root}, "import", "users", str(src), "--failures", str(failures)
    )
    assert proc.returncode == 2
    line = one_error_line(proc)
    assert "NotFoundError" not in line
    assert repr(root) in line and "/api/v1" in line
    assert [(r["id_num"], r["reason"]) for r in failure_rows(failures)] == [
        ("E1", "not_sent"),
        ("E2", "not_sent"),
        ("E3", "not_sent"),
    ]
    assert not sim.users


def test_unknown_fields_ignore_imports_a_frame_with_extra_columns(env, sim, tmp_path):
    """Issue 15: --unknown-fields ignore leaves pandas' 'Unnamed: 0' and 'department' out."""
    path = tmp_path / "frame.csv"
    header = "Unnamed: 0,id_num,first_name,last_name,email,phone,pin,department\n"
    path.write_text(
        header
        + "0,P1,Ada,Lovelace,ada@example.com,5550001,1001,Maths\n"
        + "1,P2,,Turing,alan@example.com,5550002,1002,CS\n"
    )
    refused = lockt(env, "import", "users", str(path))
    assert refused.returncode == 2
    assert "Unnamed: 0" in refused.stderr and "--unknown-fields ignore" in refused.stderr
    failures = tmp_path / "failed.csv"
    proc = lockt(
        env, "import", "users", str(path), "--unknown-fields", "ignore", "--failures", str(failures)
    )
    assert proc.returncode == 1  # P2 has no first_name
    assert "Ignoring column(s) users do not take: Unnamed: 0, department." in proc.stdout
    assert [u["id_num"] for u in sim.users.values()] == ["P1"]
    (row,) = failure_rows(failures)
    assert (row["Unnamed: 0"], row["department"], row["id_num"]) == ("1", "CS", "P2")
    assert "first_name" in row["messages"]
