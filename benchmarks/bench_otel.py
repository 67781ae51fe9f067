"""Q9: what observability costs: a 0 ms import of 100,000 users, instrumented or not.

Four configurations, run side by side in each round (their order rotated), each
importing its own 100,000 users into the same simulator process at 0 ms:

* ``off``: not instrumented (the library without the ``otel`` extra);
* ``no provider``: the extra installed, ``lockt_async.otel.instrument()`` called,
  no provider set: nothing would record, so the hooks stay off;
* ``hooks, no recording``: the hooks forced on over the API's proxy providers
  (non-recording spans, no-op instruments): what a process pays that set a meter
  provider but no tracer provider, the worst case short of recording;
* ``SDK``: the OpenTelemetry SDK, every span exported to memory
  (``SimpleSpanProcessor(InMemorySpanExporter())``) and metrics read by an
  ``InMemoryMetricReader``.

Each is reported as a ratio to ``off`` of the same round: wall time (what the
targets name: no provider <= 1.01, SDK <= 1.10) and the client process's CPU time
(less sensitive to a contended machine: the server runs in its own process).
"""

from __future__ import annotations

import time
from typing import Any

import anyio

from ._common import Metric, Sample, Server, check_result, simulator, user_record

NAME = "otel"
TITLE = "9. Observability cost (OpenTelemetry spans and metrics)"
LIMIT = 100
CONFIGS = ("off", "noprov", "proxy", "sdk")

METRICS = [
    Metric("n", "records per import", fmt="{:,.0f}"),
    Metric("wall_off", "wall, not instrumented", "s", fmt="{:.2f}"),
    Metric("wall_noprov", "wall, instrument() without a provider", "s", fmt="{:.2f}"),
    Metric("wall_proxy", "wall, hooks on without recording", "s", fmt="{:.2f}"),
    Metric("wall_sdk", "wall, SDK exporting to memory", "s", fmt="{:.2f}"),
    Metric(
        "ratio_noprov",
        "no provider / not instrumented, wall",
        "x",
        "<= 1.01",
        lambda v: v <= 1.01,
        "{:.3f}",
    ),
    Metric("ratio_proxy", "hooks on without recording / not instrumented, wall", "x", fmt="{:.3f}"),
    Metric(
        "ratio_sdk",
        "SDK to memory / not instrumented, wall",
        "x",
        "<= 1.10",
        lambda v: v <= 1.10,
        "{:.3f}",
    ),
    Metric("cpu_noprov", "no provider / not instrumented, client CPU", "x", fmt="{:.3f}"),
    Metric(
        "cpu_proxy", "hooks on without recording / not instrumented, client CPU", "x", fmt="{:.3f}"
    ),
    Metric("cpu_sdk", "SDK to memory / not instrumented, client CPU", "x", fmt="{:.3f}"),
    Metric("spans", "spans exported per SDK import", fmt="{:,.0f}"),
]


def sizes(quick: bool) -> int:
    return 5_000 if quick else 100_000


def repeats(quick: bool) -> int:
    return 1 if quick else 5


_round = 0


def _configure(config: str) -> Any:
    """Set the library's hooks for ``config``; the SDK's exporter when there is one."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from lockt_async import _telemetry
    from lockt_async.otel import OtelHooks, instrument

    _telemetry.hooks = None
    if config == "noprov":
        instrument()
        assert _telemetry.hooks is None
    elif config == "proxy":
        _telemetry.hooks = OtelHooks()
    elif config == "sdk":
        exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        instrument(tracer_provider, meter_provider)
        return exporter
    return None


async def _import(server: Server, records: list[dict[str, Any]]) -> tuple[float, float]:
    async with server.client() as lockt:
        wall, cpu = time.perf_counter(), time.process_time()
        result = await lockt.users.upsert(records)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    check_result(result, len(records), "instrumented import")
    return wall, cpu


def run(quick: bool) -> Sample:
    global _round
    from lockt_async import _telemetry

    n = sizes(quick)
    order = CONFIGS[_round % len(CONFIGS) :] + CONFIGS[: _round % len(CONFIGS)]
    _round += 1
    walls: dict[str, float] = {}
    cpus: dict[str, float] = {}
    s = Sample()
    s.values["n"] = n
    try:
        with simulator(latency=0.0, record_limit=LIMIT) as srv:
            _configure("off")  # a warm-up import first: the first one pays one-time costs
            anyio.run(_import, srv, [user_record(10 * n + i) for i in range(n // 20)])
            for k, config in enumerate(order):
                records = [user_record(k * n + i) for i in range(n)]
                exporter = _configure(config)
                walls[config], cpus[config] = anyio.run(_import, srv, records)
                if exporter is not None:
                    s.values["spans"] = len(exporter.get_finished_spans())
    finally:
        _telemetry.hooks = None
    for config in CONFIGS:
        s.values[f"wall_{config}"] = walls[config]
        if config != "off":
            s.values[f"ratio_{config}"] = walls[config] / walls["off"]
            s.values[f"cpu_{config}"] = cpus[config] / cpus["off"]
    return s
