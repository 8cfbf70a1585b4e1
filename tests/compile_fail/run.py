#!/usr/bin/env python3
"""Must-not-compile tests: each case must fail to compile with dualiter's own message.

Usage: run.py -- COMPILER... FLAGS... -- CASE.cpp...

A case file states what its error must contain, one `// expect: TEXT` line per text (at least
one). `// expect-any: TEXT` lines are alternatives, of which at least one must appear: the
standard libraries spell some types differently (libstdc++ `std::__cxx11::basic_string<char>`,
libc++ `std::string`). A case passes when the compiler exits with status 1 (an internal compiler error or a crash
is not a pass), prints exactly one error (one misuse, one error: a second `error:` or
`fatal error:` line fails the case, notes do not count), and every expected text appears in that
error's block of at most MAX_LINES lines. File paths are stripped first, so a case named after a
type cannot "prove" that the type was named.

A `// flags: FLAG...` line adds compiler flags for that case; a `-std=` among them replaces the
standard the runner was given (a case can check what happens below C++20).

Prints TAP (one `ok`/`not ok` per case) and a closing `# N passed, N failed`.
"""

import concurrent.futures
import os
import re
import subprocess
import sys

# One misuse, one clear error: the first error block must be short enough to read.
MAX_LINES = 40
EXPECT = re.compile(r"^\s*//\s*expect:\s*(.+?)\s*$")
EXPECT_ANY = re.compile(r"^\s*//\s*expect-any:\s*(.+?)\s*$")
FLAGS = re.compile(r"^\s*//\s*flags:\s*(.+?)\s*$")
# A diagnostic line, not a note and not an echoed source line (those start with blanks or a
# line number): GCC `file:1:2: error: ...`, Clang also `error: ...` alone; `fatal error:` too.
ERROR = re.compile(r"^(?:\S.*?: )?(?:fatal )?error: ")
PATH = re.compile(r"(?:[\w.+-]*/)+[\w.+-]+\.(?:cpp|hpp|h|cc)\b|\b[\w.+-]+\.(?:cpp|hpp|h|cc)\b")


def case_lines(case, pattern):
    with open(case, encoding="utf-8") as f:
        return [m.group(1) for m in map(pattern.match, f) if m]


def command_for(compiler, case):
    flags = [flag for line in case_lines(case, FLAGS) for flag in line.split()]
    if any(flag.startswith("-std=") for flag in flags):
        compiler = [arg for arg in compiler if not arg.startswith("-std=")]
    return compiler + flags + [case]


def error_lines(output):
    return [i for i, line in enumerate(output.splitlines()) if ERROR.match(line)]


def first_error_block(output):
    lines = output.splitlines()
    errors = error_lines(output)
    end = errors[1] if len(errors) > 1 else len(lines)
    return "\n".join(lines[:end])


def run_case(compiler, case):
    name = os.path.basename(case)
    expected = case_lines(case, EXPECT)
    if not expected:
        return name, False, "no `// expect:` line in the case"
    env = dict(os.environ, LC_ALL="C", LANG="C")
    proc = subprocess.run(command_for(compiler, case), capture_output=True, text=True, env=env)
    output = proc.stdout + proc.stderr
    if proc.returncode == 0:
        return name, False, "compiled, but must not"
    if proc.returncode != 1:
        return name, False, f"compiler exit status {proc.returncode} (a crash is not a pass):\n{output}"
    errors = error_lines(output)
    if len(errors) != 1:
        return name, False, f"{len(errors)} errors, but one misuse must give exactly one:\n{output}"
    block = PATH.sub("<file>", first_error_block(output))
    if len(block.splitlines()) > MAX_LINES:
        return name, False, f"the first error takes {len(block.splitlines())} lines, over {MAX_LINES}:\n{block}"
    missing = [text for text in expected if text not in block]
    alternatives = case_lines(case, EXPECT_ANY)
    if alternatives and not any(text in block for text in alternatives):
        missing.append(" or ".join(alternatives))
    if missing:
        return name, False, f"missing {missing!r} in the first error:\n{block}"
    return name, True, f"first error has {len(block.splitlines())} lines"


def main(argv):
    if "--" not in argv:
        sys.exit(__doc__)
    argv = argv[argv.index("--") + 1:]
    if "--" not in argv:
        sys.exit(__doc__)
    split = argv.index("--")
    compiler, cases = argv[:split], sorted(argv[split + 1:])
    if not cases:
        print("1..0 # no cases given")
        print("# 0 passed, 1 failed")
        return 1
    print(f"1..{len(cases)}")
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = pool.map(lambda c: run_case(compiler, c), cases)
        for number, (name, ok, detail) in enumerate(results, start=1):
            if ok:
                passed += 1
                print(f"ok {number} - {name} # {detail}")
            else:
                failed += 1
                print(f"not ok {number} - {name}")
                for line in detail.splitlines():
                    print(f"#   {line}")
    print(f"# {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
