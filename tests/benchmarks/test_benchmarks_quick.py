"""The benchmark suite runs end to end in quick mode (issue 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_benchmarks_run_and_write_results(tmp_path: Path) -> None:
    """Issue 7: `--quick` exits 0 (no crash, no lost record), writing only to --output."""
    committed = ROOT / "benchmarks" / "results.md"
    before = committed.read_bytes() if committed.exists() else None
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--output", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = out.read_text()
    assert "# lockt_async benchmarks (quick run)" in text
    for title in ("1. Bulk import", "2. Library vs", "3. Coalesced", "4. Codec", "5. Peak RSS"):
        assert title in text
    assert "6. Concurrent reads" in text
    assert "7. Roster sync" in text
    assert "8. Roster sync vs a hand-written sync" in text
    # Section 2's per-page decomposition: client and server stamps paired page by page.
    assert "(d) per page, hand loop: transit" in text
    assert "LOST RECORDS" not in text and "CRASHED" not in text
    assert "MET" in text
    after = committed.read_bytes() if committed.exists() else None
    assert after == before, "the quick run must not touch the committed results.md"
