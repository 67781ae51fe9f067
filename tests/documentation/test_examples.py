"""Issue 25: each file of examples/ is shown by a guide and run by the tests.

A guide shows an example with a pymdownx.snippets include (``--8<-- "examples/x.py"``),
so the page and the file cannot differ. ``fastapi_app.py`` is run by test_pages.py (the
FastAPI guide's commands); the pytest examples run here as pytest files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .snippets import ROOT, python_blocks

EXAMPLES = ROOT / "examples"
RUN_ELSEWHERE = {"fastapi_app.py": "tests/documentation/test_pages.py"}


def included() -> dict[str, str]:
    """Each included file -> the page that includes it."""
    return {b.include: b.page for b in python_blocks() if b.include is not None}


def test_every_example_is_included_in_a_guide() -> None:
    """Issue 25: every examples/*.py appears on a page, and every include names a file."""
    files = {f"examples/{p.name}" for p in EXAMPLES.glob("*.py") if p.name != "__init__.py"}
    assert files <= set(included())
    for path in included():
        assert (ROOT / path).is_file(), path


@pytest.mark.parametrize(
    "example", sorted(p.name for p in EXAMPLES.glob("test_*.py")), ids=lambda n: n
)
def test_pytest_example_passes(example: str, tmp_path: Path) -> None:
    """Issue 25: a pytest example passes as it is, with the installed plugin's fixtures."""
    shutil.copy(EXAMPLES / example, tmp_path / example)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("LOCKT_")},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"\b\d+ passed", proc.stdout) and "failed" not in proc.stdout


def test_examples_not_run_here_are_run_elsewhere() -> None:
    """Issue 25: an example that is neither a pytest file nor a script run here names its test."""
    for name, test in RUN_ELSEWHERE.items():
        assert (EXAMPLES / name).is_file()
        assert name in (ROOT / test).read_text(encoding="utf-8")
