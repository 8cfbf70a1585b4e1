#!/usr/bin/env python3
"""Compiles the README's code, so that what it shows cannot drift from what dualiter does.

Usage: check.py README.md COMPILER_ID -- COMPILER... FLAGS...

Every ```cpp block is compiled with the compiler and flags given (those the tests use), as it
stands: it must be a complete program (it has `int main`: then it is linked and run, and must
exit with 0) or header-level code that compiles on its own. A comment line right before the
fence changes that:

  <!-- fragment -->        the block is an excerpt, not compiled
  <!-- does not compile --> the block must fail to compile with exactly one error
  <!-- output: gcc -->     (before any fenced block, usually ```text) every line of it must appear
  <!-- output: clang -->   in what that compiler printed for the nearest `does not compile` block
                           above, with file names and line numbers taken out; checked only when
                           COMPILER_ID (Meson's compiler id) matches

Prints TAP, one line per block, and a closing `# N passed, N failed`.
"""
import os
import re
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*(fragment|does not compile|output:\s*(\w+))\s*-->\s*$")
ERROR = re.compile(r"^(?:\S.*?: )?(?:fatal )?error: ")
# `path/file.hpp:12:3: ` or `path/file.cpp: ` at the start of a diagnostic line.
LOCATION = re.compile(r"^(?:In file included from )?[^\s:]+\.(?:cpp|hpp|h)(?::\d+)*:\s?")


def blocks(readme):
    """(line number, language, marker, marker argument, text) for each fenced block."""
    with open(readme, encoding="utf-8") as f:
        lines = f.read().splitlines()
    found, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        marker = MARKER.match(lines[start - 1]) if start > 0 else None
        kind = arg = None
        if marker:
            kind = "output" if marker.group(1).startswith("output") else marker.group(1)
            arg = marker.group(2)
        found.append((start + 1, m.group(1), kind, arg, "\n".join(lines[start + 1:j]) + "\n"))
        i = j + 1
    return found


def normalise(output):
    return [LOCATION.sub("", line).strip() for line in output.splitlines()]


def main(argv):
    if len(argv) < 4 or "--" not in argv:
        sys.exit(__doc__)
    readme, compiler_id = argv[0], argv[1]
    compiler = argv[argv.index("--") + 1:]
    env = dict(os.environ, LC_ALL="C", LANG="C")
    results = []
    last_failure = None  # (line, output) of the latest `does not compile` block
    with tempfile.TemporaryDirectory(prefix="dualiter-readme-") as scratch:
        for number, (line, language, kind, arg, text) in enumerate(blocks(readme), start=1):
            name = f"README.md:{line} ```{language}"
            if kind == "output":
                if arg != compiler_id:
                    results.append((name, True, f"skip: output of {arg}, this is {compiler_id}"))
                elif last_failure is None:
                    results.append((name, False, "no `does not compile` block above it"))
                else:
                    seen = normalise(last_failure[1])
                    missing = [q.strip() for q in text.splitlines()
                               if q.strip() and not any(q.strip() in s for s in seen)]
                    ok = not missing
                    detail = (f"{len(text.splitlines())} lines found in the output of the block "
                              f"at line {last_failure[0]}" if ok else
                              f"not in the output of the block at line {last_failure[0]}: "
                              f"{missing!r}\n{last_failure[1]}")
                    results.append((name, ok, detail))
                continue
            if language != "cpp":
                continue
            if kind == "fragment":
                results.append((name, True, "skip: marked as a fragment"))
                continue
            source = os.path.join(scratch, f"block_{line}.cpp")
            with open(source, "w", encoding="utf-8") as f:
                f.write(text)
            program = os.path.join(scratch, f"block_{line}")
            runs = kind is None and re.search(r"^int main\(", text, re.M) is not None
            cmd = compiler + ([source, "-o", program] if runs else ["-c", source, "-o",
                                                                    program + ".o"])
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            output = proc.stdout + proc.stderr
            if kind == "does not compile":
                last_failure = (line, output)
                errors = [l for l in output.splitlines() if ERROR.match(l)]
                ok = proc.returncode == 1 and len(errors) == 1
                results.append((name, ok, "fails with one error" if ok else
                                f"must fail with exactly one error; exit status "
                                f"{proc.returncode}, {len(errors)} errors:\n{output}"))
                continue
            if proc.returncode != 0:
                results.append((name, False, f"does not compile:\n{output}"))
                continue
            if not runs:
                results.append((name, True, "compiles"))
                continue
            run = subprocess.run([program], capture_output=True, text=True, timeout=60)
            ok = run.returncode == 0
            results.append((name, ok, "compiles and runs" if ok else
                            f"exit status {run.returncode}:\n{run.stdout}{run.stderr}"))

    print(f"1..{len(results)}")
    for number, (name, ok, detail) in enumerate(results, start=1):
        lines = detail.splitlines() or [""]
        skip = lines[0].startswith("skip:")
        if ok:
            print(f"ok {number} - {name} # {'SKIP ' + lines[0][5:].strip() if skip else lines[0]}")
        else:
            print(f"not ok {number} - {name}")
            for l in lines:
                print(f"#   {l}")
    failed = sum(1 for _, ok, _ in results if not ok)
    compiled = sum(1 for _, ok, d in results if ok and not d.startswith("skip:"))
    print(f"# {compiled} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
