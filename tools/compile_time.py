#!/usr/bin/env python3
"""What including each public header costs: -fsyntax-only time, best of N runs, per compiler.

    python3 tools/compile_time.py                 # GCC 12 and Clang 14, best of 5
    python3 tools/compile_time.py --runs 9 --compilers g++

Prints one Markdown table: seconds per header and the ratio to the baseline, a file that
includes only <ranges> and <coroutine> (what any C++20 coroutine library over ranges starts
from). User CPU time of the compiler, not wall time, so a busy machine disturbs it less; the
best of N runs is the one least disturbed.
"""
import argparse
import os
import resource
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADERS = [
    "concepts.hpp",
    "generator.hpp",
    "task.hpp",
    "async_generator.hpp",
    "event_loop.hpp",
    "algorithm.hpp",
    "views.hpp",
    "dualiter.hpp",
]
BASELINE = "<ranges> + <coroutine>"


def cpu_seconds(compiler, source):
    """User + system CPU seconds the compiler (and its children) took for one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        compiler.split() + ["-std=c++20", "-fsyntax-only", "-I", os.path.join(ROOT, "include"),
                            "-x", "c++", source],
        check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best_of(compiler, text, runs):
    with tempfile.NamedTemporaryFile("w", suffix=".cpp", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        return min(cpu_seconds(compiler, path) for _ in range(runs))
    finally:
        os.unlink(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compilers", nargs="+", default=["g++", "clang++"])
    args = parser.parse_args()

    rows = [(BASELINE, "#include <ranges>\n#include <coroutine>\n")]
    rows += [(f"<dualiter/{h}>", f"#include <dualiter/{h}>\n") for h in HEADERS]
    times = {c: [best_of(c, text, args.runs) for _, text in rows] for c in args.compilers}

    head = "| header | " + " | ".join(f"{c} s | {c} ×" for c in args.compilers) + " |"
    print(f"-fsyntax-only, best of {args.runs}, CPU seconds and the ratio to {BASELINE}:\n")
    print(head)
    print("|---|" + "---:|---:|" * len(args.compilers))
    for i, (name, _) in enumerate(rows):
        cells = []
        for c in args.compilers:
            seconds = times[c][i]
            cells.append(f"{seconds:.2f} | {seconds / times[c][0]:.2f}")
        print(f"| `{name}` | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
