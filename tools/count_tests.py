#!/usr/bin/env python3
"""Counts test cases in a Meson testlog.json: GoogleTest cases and TAP subtests one by one
(skipped ones not at all), any other test as one. A test that failed without a failed case (a crash) counts as one failure.

  count_tests.py build/gcc/meson-logs/testlog.json   ->  "N passed, N failed"
  count_tests.py --total "gcc: 3 passed, 0 failed" "clang: build failed" ...  -> the sum
"""
import json
import re
import sys

GTEST_OK = re.compile(r"^\[       OK \] ", re.M)
GTEST_FAILED = re.compile(r"^\[  FAILED  \] .*\(\d+ ms\)$", re.M)
TAP_OK = re.compile(r"^ok \d+(?!.*# SKIP)", re.M)  # a skipped subtest is no pass
TAP_NOT_OK = re.compile(r"^not ok \d+", re.M)
SUMMARY = re.compile(r"(\d+) passed, (\d+) failed")


def count_log(path):
    passed = failed = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            test = json.loads(line)
            out = test.get("stdout") or ""
            ok = len(GTEST_OK.findall(out)) + len(TAP_OK.findall(out))
            bad = len(GTEST_FAILED.findall(out)) + len(TAP_NOT_OK.findall(out))
            if test["result"] not in ("OK", "EXPECTEDFAIL", "SKIP") and bad == 0:
                bad = 1
            if ok == 0 and bad == 0 and test["result"] == "OK":
                ok = 1
            passed += ok
            failed += bad
    return passed, failed


def main(argv):
    if argv[:1] == ["--total"]:
        passed = failed = 0
        for summary in argv[1:]:
            m = SUMMARY.search(summary)
            if m:
                passed += int(m.group(1))
                failed += int(m.group(2))
            else:
                failed += 1  # a configuration that did not build or configure
        print(f"{passed} passed, {failed} failed")
        return 0
    passed, failed = count_log(argv[0])
    print(f"{passed} passed, {failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
