"""``python -m benchmarks [--quick] [--only NAME[,NAME]] [--output PATH]``.

Runs each benchmark several times (3 full, 1 quick; the memory one once),
reports the median with min-max, states every target MET or MISSED, profiles
the library's 0 ms import, and writes a markdown report (default
``benchmarks/results.md``). Exits 1 only when a benchmark crashes or loses
records, never because of a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.metadata
import os
import platform
import pstats
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from ._common import LostRecords, Metric, Sample, median

ORDER = [
    "floor",
    "vs_hand",
    "coalesce",
    "codec",
    "memory",
    "reads",
    "sync",
    "sync_hand",
    "validation",
    "otel",
]
MODULES = {
    "floor": "bench_floor",
    "vs_hand": "bench_vs_hand",
    "coalesce": "bench_coalesce",
    "codec": "bench_codec",
    "memory": "bench_memory",
    "reads": "bench_reads",
    "sync": "bench_sync",
    "sync_hand": "bench_sync_hand",
    "validation": "bench_validation",
    "otel": "bench_otel",
}
PACKAGES = ["lockt_async", "httpx", "httpcore", "anyio", "cattrs", "attrs", "orjson", "uvicorn"]
DEFAULT_OUTPUT = Path(__file__).with_name("results.md")


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _fmt(metric: Metric, value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    return metric.fmt.format(value)


def _table(mod: ModuleType, samples: list[Sample]) -> tuple[list[str], int, int]:
    lines = [
        "| Figure | Median | Min - max | Target | Verdict |",
        "|---|---:|---:|---|---|",
    ]
    met = missed = 0
    metrics: list[Metric] = mod.METRICS
    for metric in metrics:
        vals = [s.values[metric.key] for s in samples if metric.key in s.values]
        if not vals:
            continue
        med = median(vals)
        spread = f"{_fmt(metric, min(vals))} - {_fmt(metric, max(vals))}" if len(vals) > 1 else ""
        unit = f" {metric.unit}" if metric.unit else ""
        verdict = ""
        if metric.met is not None:
            ok = metric.met(med)
            verdict = "**MET**" if ok else "**MISSED**"
            met, missed = met + ok, missed + (not ok)
        target = f"{metric.target}{unit}" if metric.target else ""
        lines.append(
            f"| {metric.label} | {_fmt(metric, med)}{unit} | {spread} | {target} | {verdict} |"
        )
    return lines, met, missed


def _profile_summary(text: str, stats: pstats.Stats | None) -> list[str]:
    lines = ["```", text.strip(), "```"]
    if stats is None:
        return lines
    buckets: dict[str, float] = {}
    total = 0.0
    for (filename, _line, name), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tt
        f = filename.replace("\\", "/")
        if "poll" in name and f == "~":
            key = "idle: waiting in epoll for the server's answer"
        elif (
            "/lockt_async/converters/" in f
            or f.startswith(("<lockt", "<attrs generated"))
            or "cattrs" in f
        ):
            key = "converter (cattrs hooks, lockt_async.converters)"
        elif "/lockt_async/_validation" in f:
            key = "validation (lockt_async._validation)"
        elif "/lockt_async/" in f:
            key = "rest of lockt_async (write path, transport, results)"
        elif "/httpx/" in f or "/httpcore/" in f or "/h11/" in f:
            key = "httpx / httpcore / h11 (HTTP client)"
        elif "/anyio/" in f or "/asyncio/" in f or "selectors" in f or "/sniffio/" in f:
            key = "event loop (asyncio, anyio, selectors)"
        elif "orjson" in f or "json" in f:
            key = "JSON (orjson)"
        elif f == "~":
            key = "builtins (C calls: socket, dict, isinstance, ...)"
        else:
            key = "other"
        buckets[key] = buckets.get(key, 0.0) + tt
    lines += ["", "| Where the client's CPU time goes (own time) | s | share |", "|---|---:|---:|"]
    for key, tt in sorted(buckets.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {key} | {tt:.2f} | {100 * tt / total:.0f}% |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (< 2 min)")
    parser.add_argument("--only", default="", help=f"comma-separated: {', '.join(ORDER)}")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile run")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()] or ORDER
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {ORDER}")

    started = time.perf_counter()
    mode = "quick" if args.quick else "full"
    out: list[str] = [
        f"# lockt_async benchmarks ({mode} run)",
        "",
        f"Generated by `python -m benchmarks{' --quick' if args.quick else ''}` on "
        f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}. Every simulator runs "
        "on 127.0.0.1 in its own process (its CPU never shares the client's GIL). "
        "Figures are the median of the repeats, with min - max.",
        "",
        "## Machine",
        "",
        f"- CPUs: {os.cpu_count()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- Platform: {platform.platform()}",
        "- Packages: " + ", ".join(f"{p} {_version(p)}" for p in PACKAGES),
        "",
    ]
    failed = False
    verdicts: list[tuple[str, int, int]] = []
    for name in names:
        mod = importlib.import_module(f"benchmarks.{MODULES[name]}")
        n_rep = mod.repeats(args.quick)
        print(f"[{name}] {mod.TITLE}: {n_rep} repeat(s)", flush=True)
        samples: list[Sample] = []
        error = ""
        t0 = time.perf_counter()
        for i in range(n_rep):
            try:
                samples.append(mod.run(args.quick))
            except LostRecords as exc:
                error = f"LOST RECORDS: {exc}"
            except Exception as exc:  # a crash: reported, and the exit status says so
                error = f"CRASHED: {type(exc).__name__}: {exc}"
                traceback.print_exc()
            if error:
                failed = True
                print(f"[{name}] repeat {i + 1}: {error}", flush=True)
                break
        secs = time.perf_counter() - t0
        out += [f"## {mod.TITLE}", ""]
        doc = (mod.__doc__ or "").strip().split("\n\n")
        out += [" ".join(doc[1].split()) if len(doc) > 1 else " ".join(doc[0].split()), ""]
        if error:
            out += [f"**{error}**", ""]
        if samples:
            lines, met, missed = _table(mod, samples)
            verdicts.append((mod.TITLE, met, missed))
            out += lines
            notes = dict.fromkeys(n for s in samples for n in s.notes)
            extras = {k: v for s in samples for k, v in s.extra.items()}
            out.append("")
            out += [f"- {k}: {v}" for k, v in extras.items()]
            out += [f"- {n}" for n in notes]
            out.append(f"- {len(samples)} repeat(s), {secs:.0f} s")
            out.append("")
            for metric in mod.METRICS:
                vals = [s.values[metric.key] for s in samples if metric.key in s.values]
                if vals:
                    print(f"  {metric.label}: {_fmt(metric, median(vals))} {metric.unit}")

    if not args.no_profile and "floor" in names:
        print("[profile] cProfile of the library's 0 ms import", flush=True)
        from . import bench_floor

        try:
            text, stats = bench_floor.profile(args.quick)
            out += [
                "## Profile: the library's import at 0 ms latency (client process)",
                "",
                f"cProfile of `users.upsert` of {bench_floor.sizes(args.quick):,} dict records "
                "(list input), top 15 by own time and by cumulative time. cProfile inflates "
                "per-call costs; read shares, not absolute times.",
                "",
                *_profile_summary(text, stats),
                "",
            ]
        except LostRecords as exc:
            failed = True
            out += [f"**Profile run LOST RECORDS: {exc}**", ""]
        except Exception as exc:
            failed = True
            traceback.print_exc()
            out += [f"**Profile run CRASHED: {type(exc).__name__}: {exc}**", ""]

    total = time.perf_counter() - started
    summary = ["## Summary", "", "| Benchmark | targets MET | targets MISSED |", "|---|---:|---:|"]
    summary += [f"| {t} | {m} | {x} |" for t, m, x in verdicts]
    summary += ["", f"Total wall time: {total:.0f} s.", ""]
    out += summary
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(out) + "\n")
    print(f"wrote {args.output} in {total:.0f} s; {'FAILED' if failed else 'ok'}", flush=True)
    return 1 if failed else 0


def _main() -> Any:
    sys.exit(main())


if __name__ == "__main__":
    _main()
