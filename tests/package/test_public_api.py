"""The public namespace is a contract, derived from ``vars(lockt_async)`` as httpx does.

A name added to the package without ``__all__`` (or a subpackage leaking into the
top-level namespace) fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

import lockt_async
import lockt_async.errors
import lockt_async.testing


def public_members(namespace: dict[str, object]) -> list[str]:
    """The names a user sees: not private, ``__version__`` included (httpx's rule)."""
    return sorted(name for name in namespace if not name.startswith("_") or name == "__version__")


def test_all_is_exactly_the_namespace_after_import() -> None:
    """Issue 15 (httpx test_exported_members): after import, vars(lockt_async) is __all__."""
    code = (
        "import json, lockt_async; "
        "print(json.dumps(sorted(n for n in vars(lockt_async) "
        "if not n.startswith('_') or n == '__version__')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert sorted(json.loads(out.stdout)) == sorted(lockt_async.__all__)


def test_no_leak_while_in_use() -> None:
    """Issue 15: once the suite ran, every other public name is only a submodule of the package."""
    exported = set(lockt_async.__all__)
    for name in public_members(vars(lockt_async)):
        if name in exported:
            continue
        value = vars(lockt_async)[name]
        assert isinstance(value, types.ModuleType), f"{name} leaks into lockt_async"
        assert value.__name__ == f"lockt_async.{name}"


def test_submodules_stay_reachable_as_attributes() -> None:
    """The namespace fix keeps `import lockt_async.errors; lockt_async.errors.X` working."""
    import lockt_async.models

    assert lockt_async.errors.LocktError is lockt_async.LocktError
    assert lockt_async.models.User is lockt_async.User
    for name in ("errors", "models", "resources"):
        assert name not in dir(lockt_async) or name in vars(lockt_async)
    with pytest.raises(AttributeError):
        lockt_async.not_a_name  # noqa: B018


def test_every_exported_name_resolves() -> None:
    """`from lockt_async import X` works for every name of __all__."""
    for name in lockt_async.__all__:
        assert getattr(lockt_async, name) is not None


def test_every_error_is_a_locktError() -> None:
    """errors: one root, so `except LocktError` catches everything the library raises."""
    for name in lockt_async.errors.__all__:
        obj = getattr(lockt_async.errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, lockt_async.LocktError), name


def test_testing_namespace() -> None:
    """lockt_async.testing exposes the simulator, its servers and its fault vocabulary."""
    for name in ("Simulator", "serve", "serve_in_thread", "Fault", "Drop", "Delay", "RateLimit"):
        assert name in lockt_async.testing.__all__
    assert "SimulatorFleet" in lockt_async.testing.__all__


def test_fleet_namespace() -> None:
    """Issue 20: lockt_async.fleet is a public submodule: run, Instance, InstanceResult."""
    import lockt_async.fleet

    assert set(lockt_async.fleet.__all__) == {
        "Instance", "InstanceResult", "env_name", "load_instances", "run",
    }  # fmt: skip


def test_core_import_needs_no_extras() -> None:
    """Importing lockt_async loads none of the extras (starlette, uvicorn, redis, temporalio).

    (rich and click are left out of the check: httpx itself imports them when present.)
    """
    code = (
        "import sys, lockt_async; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'redis', 'temporalio') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
