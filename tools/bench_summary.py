#!/usr/bin/env python3
"""Runs bench/sync_vs_async briefly and prints the sync-vs-async table: ns per item (median of
the repetitions), the ratio to BM_generator with its target, and CPython's numbers beside them.

  bench_summary.py BENCH_BINARY [--items N] [--repetitions R] [--min-time S] [--python]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

# (row, benchmark case, CPython twin in python_reference.py, target). A target is a ratio to
# BM_generator, or (limit, base row) for a ratio to another row, or (limit, None) for ns per
# element. The rows keep the names the table has always had; the cases registered with
# dualiter::benchmark::register_iterable are named <iterable>/<protocol>.
ROWS = [
    ("BM_vector_loop", "vector/sync", None, None),
    # the generator against what the compiler gives for the same semantics (bench/generator_cases.cpp)
    ("BM_generator", "generator/sync", "generator", (1.0, "BM_compiler_floor_generator")),
    ("BM_compiler_floor_generator", "compiler_floor_generator/sync", None, None),
    ("BM_generator_pmr_arena", "generator_pmr_arena/sync", None, None),
    ("BM_async_generator_sync_wait", "async_generator/async_sync_wait", "async_generator", 1.5),
    ("BM_async_generator_event_loop", "async_generator/async_run", "async_generator", 2.0),
    ("BM_yield_now_round_trip", "BM_yield_now_round_trip", "sleep0_round_trip", 10.0),
    ("BM_as_async_vector", "vector/async_sync_wait", None, 1.5),
    ("BM_as_sync_async_generator", "as_sync_async_generator/sync", None, None),
    ("BM_compiler_floor_async", "BM_compiler_floor_async", None, None),
    # the algorithms' push path: for_each over an async_generator, beside a range-for
    ("BM_for_each_async_generator", "BM_for_each_async_generator", None, 1.2),
    # tasks: co_await of a task (target in ns, GCC 12 -O3), create_task + co_await, and
    # cancelling a sleeping task, per task
    ("BM_task_await", "BM_task_await", None, (6.0, None)),
    # what the compiler gives for the same task semantics and allocator (bench/task_floor_cases.cpp)
    ("BM_compiler_floor_task", "BM_compiler_floor_task", None, None),
    ("BM_create_task_await", "BM_create_task_await", "create_task_await", None),
    ("BM_cancel_sleeping_task", "BM_cancel_sleeping_task", "cancel_sleeping_task", None),
    # queue: a put/get round trip through asyncio.Queue(1)'s twin, per item
    ("BM_queue_round_trip", "BM_queue_round_trip", "queue_round_trip", None),
    # the same on Asio (when the bench was built with it), and Asio's own awaitable post
    ("BM_async_generator_asio", "BM_async_generator_asio", "async_generator", 2.0),
    ("BM_yield_now_round_trip_asio", "BM_yield_now_round_trip_asio", "sleep0_round_trip", None),
    ("BM_asio_awaitable_post_round_trip", "BM_asio_awaitable_post_round_trip", None, None),
    # views: transform | filter | take, per source element pulled (see bench/sync_vs_async.cpp)
    ("BM_pipeline_hand_loop", "BM_pipeline_hand_loop", None, None),
    ("BM_pipeline_async_views", "BM_pipeline_async_views", None, None),
    ("BM_pipeline_generator_std_views", "BM_pipeline_generator_std_views", None, None),
    ("BM_pipeline_generator_dualiter_views", "BM_pipeline_generator_dualiter_views", None, None),
    ("BM_merge_two_sources", "BM_merge_two_sources", None, None),
    # threads: calls posted from another thread, per call (queue throughput, not latency)
    ("BM_call_soon_threadsafe", "BM_call_soon_threadsafe", "call_soon_threadsafe", None),
]

# The views' goal: each of the pipeline's three stages adds at most this many ns per element
# over the same pipeline written by hand in the consumer.
VIEW_STAGES = 3
VIEW_STAGE_TARGET_NS = 0.5


def run_benchmarks(binary, items, repetitions, min_time):
    row_of = {case: row for row, case, _, _ in ROWS}
    # A case's name, or a hand-written case's with its N argument (`BM_merge_two_sources/1024`).
    wanted = "^(" + "|".join(re.escape(case) for case in row_of) + ")(/[0-9]+)?$"
    cmd = [binary, f"--items={items}", f"--benchmark_repetitions={repetitions}",
           f"--benchmark_min_time={min_time}", "--benchmark_format=json",
           f"--benchmark_filter={wanted}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    report = json.loads(out)
    medians, allocs = {}, {}
    for b in report["benchmarks"]:
        case = b["run_name"]
        if case not in row_of:
            case = re.sub(r"/[0-9]+$", "", case)
        name = row_of.get(case)
        if name is None:
            continue
        if b.get("aggregate_name") == "median":
            medians[name] = 1e9 / b["items_per_second"]
        if b.get("run_type") == "iteration":
            allocs[name] = max(allocs.get(name, 0.0), b.get("allocs_per_item", 0.0))
    return report["context"], medians, allocs


def run_python(items):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench",
                          "python_reference.py")
    python = shutil.which("python3")
    if not python:
        return None
    try:
        out = subprocess.run([python, script, f"--items={items}"], check=True,
                             capture_output=True, text=True, timeout=600).stdout
        return json.loads(out)
    except (subprocess.SubprocessError, ValueError) as e:
        print(f"(CPython column skipped: {e})", file=sys.stderr)
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("binary")
    parser.add_argument("--items", type=int, default=1 << 18)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--min-time", type=float, default=0.05)
    parser.add_argument("--python", action="store_true", help="add the CPython column")
    args = parser.parse_args()

    context, medians, allocs = run_benchmarks(args.binary, args.items, args.repetitions,
                                              args.min_time)
    python = run_python(min(args.items, 200_000)) if args.python else None
    base = medians["BM_generator"]
    py_base = python["generator"] if python else None

    print(f"dualiter sync vs async, N = {args.items}, median of {args.repetitions}, "
          f"{context.get('num_cpus')} CPUs at {context.get('mhz_per_cpu')} MHz, "
          f"dualiter's benchmark binary built {context.get('dualiter_optimization', '?')} "
          f"(Google Benchmark's own library is Debian's "
          f"{context.get('library_build_type', '?')} build; it only does the timing)")
    header = "| case | ns/item | × generator | target | allocs/item |"
    rule = "|---|---:|---:|---:|---:|"
    if python:
        header += f" CPython {python['python']} ns/item | CPython × generator |"
        rule += "---:|---:|"
    print(header)
    print(rule)
    missed = []
    for name, _, twin, target in ROWS:
        if name not in medians:
            continue
        ns = medians[name]
        ratio = ns / base
        verdict = ""
        limit, base_row = target if isinstance(target, tuple) else (target, "BM_generator")
        if limit is not None and (base_row is None or base_row in medians):
            value = ns if base_row is None else ns / medians[base_row]
            ok = value <= limit
            what = (f"≤ {limit:g} ns" if base_row is None else f"≤ {limit:g}"
                    if base_row == "BM_generator" else f"≤ {limit:g} × {base_row}")
            verdict = f"{what} {'met' if ok else 'MISSED'}"
            if not ok:
                missed.append(name)
        row = f"| {name} | {ns:.2f} | {ratio:.2f} | {verdict} | {allocs.get(name, 0):.0f} |"
        if python:
            if twin:
                row += f" {python[twin]:.0f} | {python[twin] / py_base:.1f} |"
            else:
                row += " | |"
        print(row)
    if "BM_pipeline_hand_loop" in medians and "BM_pipeline_async_views" in medians:
        per_stage = (medians["BM_pipeline_async_views"] - medians["BM_pipeline_hand_loop"]) / VIEW_STAGES
        ok = per_stage <= VIEW_STAGE_TARGET_NS
        print(f"async views: {per_stage:.2f} ns per stage per element over the hand-written loop "
              f"(target ≤ {VIEW_STAGE_TARGET_NS} ns: {'met' if ok else 'MISSED'})")
        if not ok:
            missed.append("views per stage")
    if missed:
        print(f"targets missed in this run: {', '.join(missed)} (see the README for the profile)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
