"""Issue 19 point 3: ``lockt -v`` writes one INFO line per library call with the counts of
its result, ``-vv`` one DEBUG line per page, ``--log-format json`` one object a line;
neither shows the api key or apiuser."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lockt_async.testing import Simulator, serve_in_thread
from tests.cli.test_cli import GOOD, HEADER

KEY = "KEY-cli-logs-93be0f"
USER = "USER-cli-logs-17ac"

pytestmark = pytest.mark.slow  # a subprocess and a served simulator per test


def _lockt(*args: str) -> subprocess.CompletedProcess[str]:
    sim = Simulator(api_key=KEY, api_user=USER)
    with serve_in_thread(sim) as url:
        env = {**os.environ, "LOCKT_BASE_URL": url, "LOCKT_API_USER": USER, "LOCKT_API_KEY": KEY}
        return subprocess.run(
            [sys.executable, "-m", "lockt_async", *args, "import", "users", "-", "--format", "csv"],
            env=env,
            input=HEADER + "\n".join(GOOD) + "\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def test_v_is_one_info_line_per_call_with_its_counts() -> None:
    """Issue 19 point 3: -v gives the call's INFO line (records, accepted), no page lines."""
    proc = _lockt("-v")
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if "users.upsert" in ln]
    assert len(lines) == 1, proc.stderr
    assert "INFO lockt_async: users.upsert: records 3, accepted 3, inserted 3, pages 1" in lines[0]
    assert " page:" not in proc.stderr and "HTTP Request" not in proc.stderr
    assert KEY not in proc.stderr + proc.stdout and USER not in proc.stderr


def test_vv_json_is_one_object_per_line_with_page_lines() -> None:
    """Issue 19 point 3: -vv --log-format json: every line is JSON, page and HTTP lines included."""
    proc = _lockt("-vv", "--log-format", "json")
    assert proc.returncode == 0, proc.stderr
    entries = [json.loads(ln) for ln in proc.stderr.splitlines() if ln.startswith("{")]
    assert entries and all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
    messages = [e["message"] for e in entries if e["logger"] == "lockt_async"]
    assert any(m.startswith("users.upsert page: 3 record(s)") for m in messages), messages
    assert any(e["logger"].startswith("httpcore") for e in entries)
    assert KEY not in proc.stderr and USER not in proc.stderr
