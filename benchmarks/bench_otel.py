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
(less sensitive to a contended machine: the server runs in its own process). On a
machine shared with other work both swing by tens of percent from run to run, so
the cost is also measured where it is paid: the seams of one page (its page span,
its HTTP span around a request that does nothing, its record counts), in CPU
seconds, the least of 7 runs of 2,000 pages (the least is the run the machine
disturbed least). Per page this is set against the CPU the uninstrumented import
spent per page: the estimated ratio, 1 + seams' extra cost / import CPU per page.
"""

from __future__ import annotations

import time
from typing import Any

import anyio

from ._common import Metric, Sample, Server, check_result, simulator, user_record

NAME = "otel"
TITLE = "10. Observability cost (OpenTelemetry spans and metrics)"
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
    Metric(
        "page_cpu_off",
        "client CPU per page, not instrumented (import / pages)",
        "us",
        fmt="{:,.0f}",
    ),
    Metric("seam_off", "seams of one page, not instrumented (least of 7)", "us", fmt="{:.2f}"),
    Metric("seam_proxy", "seams of one page, hooks on without recording", "us", fmt="{:.2f}"),
    Metric("seam_sdk", "seams of one page, SDK to memory", "us", fmt="{:.2f}"),
    Metric(
        "est_proxy",
        "estimated ratio, hooks on without recording (1 + extra seam CPU / page CPU)",
        "x",
        fmt="{:.4f}",
    ),
    Metric(
        "est_sdk",
        "estimated ratio, SDK to memory (1 + extra seam CPU / page CPU)",
        "x",
        "<= 1.10",
        lambda v: v <= 1.10,
        "{:.4f}",
    ),
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


class _Answer:
    status_code = 200


async def _nothing() -> _Answer:
    return _Answer()


async def _seams(pages: int) -> float:
    """CPU seconds per page spent in the seams of ``pages`` pages (no request is made)."""
    from lockt_async import _telemetry
    from lockt_async._writes._sender import _Attempt
    from lockt_async._writes.classify import Action, Verdict

    att = _Attempt()
    att.verdict = Verdict(action=Action.ACCEPT, status=200)
    start = time.process_time()
    for _ in range(pages):
        # What _sender and _transport build per page and per request.
        info = _telemetry.PageInfo("users.upsert", "POST", "/user", LIMIT, 20_000, 1, None)
        span = _telemetry.page_start(info)
        tel = _telemetry.hooks
        if tel is not None and tel.http_spans:
            request = _telemetry.HttpRequest("http://x.test/api/v1", "POST", "/user", None)
            await tel.http(_nothing, request)
        else:
            await _nothing()
        if span is not None:
            _telemetry.page_end(span, info, att, 0.0)
        if _telemetry.hooks is not None:
            _telemetry.records("users.upsert", LIMIT, {})
    return (time.process_time() - start) / pages


def _seam_cost(config: str) -> float:
    _configure(config)
    return min(anyio.run(_seams, 2000) for _ in range(7))


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
        for config in ("off", "proxy", "sdk"):
            s.values[f"seam_{config}"] = _seam_cost(config) * 1e6
    finally:
        _telemetry.hooks = None
    pages = -(-n // LIMIT)
    s.values["page_cpu_off"] = cpus["off"] / pages * 1e6
    for config in ("proxy", "sdk"):
        extra = s.values[f"seam_{config}"] - s.values["seam_off"]
        s.values[f"est_{config}"] = 1 + extra / s.values["page_cpu_off"]
    for config in CONFIGS:
        s.values[f"wall_{config}"] = walls[config]
        if config != "off":
            s.values[f"ratio_{config}"] = walls[config] / walls["off"]
            s.values[f"cpu_{config}"] = cpus[config] / cpus["off"]
    return s
