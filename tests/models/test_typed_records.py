"""Issue 15, typed records: the ``...Record`` TypedDicts match the write specs and the models,
the bulk methods take them, and mypy catches a misspelt field or option."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

import lockt_async
from lockt_async import models
from lockt_async.resources import _specs

#: Every write call that takes records: (its TypedDict, its spec, its model).
CALLS: list[tuple[Any, Any, type]] = [
    (models.UserRecord, _specs.USERS_UPSERT, models.User),
    (models.UserUpdateRecord, _specs.USERS_UPDATE, models.User),
    (models.FobRecord, _specs.FOBS_CREATE, models.Fob),
    (models.FobReassignRecord, _specs.FOBS_REASSIGN, models.Fob),
    (models.FobSyncRecord, _specs.FOBS_SYNC, models.Fob),
    (models.DoorRecord, _specs.DOORS_CREATE, models.Door),
    (models.AccessLevelRecord, _specs.ACCESS_LEVELS_CREATE, models.AccessLevel),
    (models.CredentialUpdateRecord, _specs.CREDENTIALS_UPDATE, models.Credential),
    (models.DelegateRecord, _specs.DELEGATES_CREATE, models.Delegate),
    (models.LocationRecord, _specs.LOCATIONS_CREATE, models.Location),
]


def keys(td: Any) -> frozenset[str]:
    return frozenset(td.__required_keys__ | td.__optional_keys__)


@pytest.mark.parametrize(
    ("record", "spec", "model"), CALLS, ids=lambda x: getattr(x, "__name__", "")
)
def test_record_keys_are_the_fields_the_call_sends(record: Any, spec: Any, model: type) -> None:
    """Issue 15: each TypedDict has exactly its write spec's fields, all fields of the model."""
    assert keys(record) == spec.fields, record.__name__
    assert keys(record) <= {f.name for f in attrs.fields(model)}
    assert spec.model is model


def test_every_record_call_has_a_typeddict() -> None:
    """Issue 15: every write spec with a model is covered (a new write call needs its record)."""
    covered = {id(spec) for _, spec, _ in CALLS}
    with_model = [
        name
        for name, spec in vars(_specs).items()
        if isinstance(spec, _specs.WriteSpec) and spec.model is not None
    ]
    assert with_model and all(id(getattr(_specs, n)) in covered for n in with_model), with_model


@pytest.mark.parametrize(
    ("record", "required"),
    [
        (models.UserRecord, {"id_num", "first_name", "last_name"}),
        (models.FobRecord, {"name", "id_num"}),
        (models.DoorRecord, {"name"}),
        (models.UserUpdateRecord, {"id"}),
        (models.FobReassignRecord, {"id"}),
    ],
)
def test_required_keys_follow_the_validation_table(record: Any, required: set[str]) -> None:
    """Validation table: 'Missing or blank' fields are the TypedDicts' required keys."""
    assert record.__required_keys__ == required


def test_records_are_exported() -> None:
    """Issue 15: the TypedDicts are importable from lockt_async."""
    for record, _, _ in CALLS:
        assert getattr(lockt_async, record.__name__) is record


SNIPPET = """from lockt_async import FobRecord, LocktClient, UserRecord

async def main(lockt: LocktClient) -> None:
    good: list[UserRecord] = [{"id_num": "E1", "first_name": "Ada", "last_name": "L"}]
    await lockt.users.upsert(good, validate_fails_batch=False, unknown_fields="ignore")
    await lockt.fobs.create([{"name": "Fob 1", "id_num": "F1"}], stop_on_failure=True)
    await lockt.users.upsert([{"id_num": "E2", "frist_name": "Ada", "last_name": "L"}])  # 7
    bad: UserRecord = {"id_num": "E3", "first_name": "A", "last_name": "B", "emial": "x"}  # 8
    await lockt.fobs.create([{"name": "Fob 2"}])  # 9: id_num is required
    await lockt.users.upsert(good, validate_fail_batch=True)  # 10
    await lockt.users.upsert(good, unknown_fields="drop")  # 11
"""


def test_mypy_catches_misspelt_fields_and_options(tmp_path: Path) -> None:
    """Issue 15: mypy --strict flags a misspelt field, a missing required one, a bad option."""
    (tmp_path / "snippet.py").write_text(SNIPPET)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / ".mypy_cache"),
            str(tmp_path / "snippet.py"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = {
        int(line.split(":")[1])
        for line in proc.stdout.splitlines()
        if line.startswith(str(tmp_path)) and ": error:" in line
    }
    assert lines == {7, 8, 9, 10, 11}, proc.stdout
    assert '"emial"' in proc.stdout and "validate_fails_batch" in proc.stdout
