"""Issue 19: the library works, and makes no spans, without the ``otel`` extra and with
the API present but no provider; it turns itself on when the application set a provider.

"Without the extra" is a subprocess in which a ``sys.meta_path`` finder refuses every
``opentelemetry`` import (the same as a venv without the package, without building one).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from lockt_async import _telemetry
from tests.support import users

pytestmark = pytest.mark.anyio

_RUN = """
import sys
import anyio
{prelude}
from lockt_async import _telemetry
from lockt_async.testing import Simulator
from tests.support import users

async def main():
    async with Simulator().client() as lockt:
        result = await lockt.users.upsert(users(30))
        assert result.accepted == 30, result
        assert await lockt.users.upsert_one(users(1, start=99)[0])
        assert len(await lockt.users.list()) == 31
anyio.run(main, backend=sys.argv[1])
{check}
print("ok")
"""

_BLOCK = """
import importlib.abc
class _NoOpenTelemetry(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "opentelemetry" or name.startswith("opentelemetry."):
            raise ImportError(f"blocked: {name}")
        return None
sys.meta_path.insert(0, _NoOpenTelemetry())
"""


def _run(backend: str, prelude: str, check: str) -> None:
    code = _RUN.format(prelude=textwrap.dedent(prelude), check=textwrap.dedent(check))
    done = subprocess.run(
        [sys.executable, "-c", code, backend], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_works_without_the_extra(backend: str) -> None:
    """Issue 19: with opentelemetry unimportable the library works and imports none of it."""
    check = """
    assert _telemetry.hooks is None
    assert not [m for m in sys.modules if m.startswith("opentelemetry")]
    try:
        import lockt_async.otel
    except ImportError:
        pass
    else:
        raise AssertionError("lockt_async.otel imported without opentelemetry")
    """
    _run(backend, _BLOCK, check)


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_turns_on_when_the_application_set_a_provider(backend: str) -> None:
    """Issue 19: a process that set an SDK tracer provider gets the spans without a call."""
    prelude = """
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    """
    check = """
    names = {s.name for s in exporter.get_finished_spans()}
    assert {"users.upsert", "users.upsert page", "POST /user", "users.list"} <= names, names
    """
    _run(backend, prelude, check)


async def test_api_present_but_no_provider_makes_no_spans() -> None:
    """Issue 19: opentelemetry imported, no provider set: not instrumented, and it works."""
    from opentelemetry import trace

    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    assert _telemetry.hooks is None
    from lockt_async.testing import Simulator

    async with Simulator().client() as lockt:
        assert _telemetry.hooks is None
        result = await lockt.users.upsert(users(10))
    assert result.accepted == 10
    assert _telemetry.hooks is None


def test_instrument_without_any_provider_waits_for_one() -> None:
    """Issue 19: instrument() with no provider given or set records nothing, so costs nothing."""
    from lockt_async.otel import instrument, is_instrumented

    try:
        instrument()
        assert not is_instrumented()
        assert _telemetry.auto  # the first client after set_tracer_provider turns it on
    finally:
        _telemetry.hooks = None
        _telemetry.auto = True
