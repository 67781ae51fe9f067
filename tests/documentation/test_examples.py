"""Issue 25: each file of examples/ is shown by a guide and run by the tests.

A guide shows an example with a pymdownx.snippets include (``--8<-- "examples/x.py"``),
so the page and the file cannot differ. ``fastapi_app.py`` is run by test_pages.py (the
FastAPI guide's commands); the pytest examples run here as pytest files, the scripts
against a simulator served on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from lockt_async.testing import Simulator

from .snippets import ROOT, assert_passed, python_blocks, run_pytest

EXAMPLES = ROOT / "examples"
RUN_ELSEWHERE = {
    "fastapi_app.py": "tests/documentation/test_pages.py",
    "temporal_nightly.py": "tests/fleet/test_temporal.py",
    "fastapi_replicas.py": "tests/integration/test_fastapi_replicas.py",
}


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
    assert_passed(run_pytest(tmp_path))


def test_examples_not_run_here_are_run_elsewhere() -> None:
    """Issue 25: an example that is neither a pytest file nor a script run here names its test."""
    for name, test in RUN_ELSEWHERE.items():
        assert (EXAMPLES / name).is_file()
        assert name in (ROOT / test).read_text(encoding="utf-8")


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STAFF = [
    "id_num,first_name,last_name,email,phone,pin",
    "E2001,Ada,Lovelace,ada@example.com,555 123 4567,4321",
    "E2002,Alan,Turing,alan@example.com,555 123 4568,8765",
    "329359,Susan,Brown,susan.brown@web.place,33344455555,8822",
]


def test_nightly_sync_script_converges_and_reports(
    simulator_env: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 25: examples/nightly_sync.py applies the export, then the same export sends nothing."""
    nightly = load_example("nightly_sync")
    staff, report = tmp_path / "staff.csv", tmp_path / "report.json"
    staff.write_text("\n".join(STAFF) + "\n", encoding="utf-8-sig")  # as Excel saves it
    assert nightly.main([str(staff), "--report", str(report)]) == 0
    first = json.loads(report.read_text())
    assert (first["inserted"], first["updated"], first["failures"]) == (2, 1, [])

    writes = len(simulator_env.journal.writes())
    assert nightly.main([str(staff)]) == 0
    assert len(simulator_env.journal.writes()) == writes  # unchanged: nothing sent
    assert "unchanged 3" in capsys.readouterr().out


def test_nightly_sync_script_disables_a_leaver(simulator_env: Simulator, tmp_path: Path) -> None:
    """Issue 25: a person gone from the export is disabled the next night (guard allows one)."""
    nightly = load_example("nightly_sync")
    staff, report = tmp_path / "staff.csv", tmp_path / "report.json"
    staff.write_text("\n".join(STAFF) + "\n", encoding="utf-8")
    assert nightly.main([str(staff)]) == 0
    staff.write_text("\n".join(STAFF[:1] + STAFF[2:]) + "\n", encoding="utf-8")  # Ada left
    assert nightly.main([str(staff), "--report", str(report)]) == 0
    assert json.loads(report.read_text())["disabled"] == 1


def test_nightly_sync_script_exit_codes(
    simulator_env: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 25: exit 1 with the failing CSV line in the report; 3 bad credentials; 2 no file."""
    nightly = load_example("nightly_sync")
    staff, report = tmp_path / "staff.csv", tmp_path / "report.json"
    bad = "E2003,Bad,Email,not-an-email,555 123 4569,1234"
    staff.write_text("\n".join([*STAFF, bad]) + "\n", encoding="utf-8")
    assert nightly.main([str(staff), "--report", str(report), "--dry-run"]) == 1
    (failure,) = json.loads(report.read_text())["failures"]
    assert (failure["line"], failure["id_num"], failure["reason"]) == (5, "E2003", "invalid")
    assert simulator_env.journal.writes() == []  # a dry run sends nothing

    monkeypatch.setenv("LOCKT_API_KEY", "wrong-key")
    assert nightly.main([str(staff)]) == 3
    assert nightly.main([str(tmp_path / "missing.csv")]) == 2


def test_nightly_sync_script_exits_4_when_the_guard_holds_removals(
    simulator_env: Simulator, tmp_path: Path
) -> None:
    """Issue 25: an export that lost most people removes nobody, and the job exits 4."""
    nightly = load_example("nightly_sync")
    staff, report = tmp_path / "staff.csv", tmp_path / "report.json"
    staff.write_text("\n".join(STAFF) + "\n", encoding="utf-8")
    assert nightly.main([str(staff)]) == 0
    staff.write_text(STAFF[0] + "\n" + STAFF[3] + "\n", encoding="utf-8")  # Ada and Alan gone
    assert nightly.main([str(staff), "--report", str(report)]) == 4
    data = json.loads(report.read_text())
    assert data["disabled"] == 0 and data["plan"]["removals_blocked"]
