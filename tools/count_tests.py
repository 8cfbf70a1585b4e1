#!/usr/bin/env python3
"""Counts test cases from Meson's JUnit log: GoogleTest cases and TAP subtests one by one (Meson
reads both protocols into testlog.junit.xml), any other test as one. A test Meson reports as
failed without a failed case inside (a crash, a timeout) counts as one failure; skipped cases
count as neither.

  count_tests.py build/gcc/meson-logs  ->  "N passed, N failed"
  count_tests.py --total "gcc: 3 passed, 0 failed" "clang: build failed" ...  -> the sum
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

SUMMARY = re.compile(r"(\d+) passed, (\d+) failed")


def count_log(logdir):
    passed = failed = 0
    failed_suites = set()
    root = ET.parse(os.path.join(logdir, "testlog.junit.xml")).getroot()
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                failed_suites.add(suite.get("name", ""))
            elif case.find("skipped") is None:
                passed += 1
    # A crash or timeout leaves no failed case behind: take Meson's own verdict for those.
    with open(os.path.join(logdir, "testlog.json"), encoding="utf-8") as f:
        for line in f:
            test = json.loads(line)
            if test["result"] in ("OK", "EXPECTEDFAIL", "SKIP"):
                continue
            name = test["name"]
            if not any(name in suite for suite in failed_suites):
                failed += 1
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
    path = argv[0]
    if os.path.isfile(path):  # the testlog.json path of earlier callers: use its folder
        path = os.path.dirname(path)
    passed, failed = count_log(path)
    print(f"{passed} passed, {failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
