#!/usr/bin/env bash
# Builds dualiter optimised, runs every example, then the sync-vs-async benchmark summary.
set -eu
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
dir=build/release
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" --buildtype=release -Dtests=false -Dbench=enabled >/dev/null
fi
meson compile -C "$dir" >/dev/null
# Each example with the arguments its test gives it (benchmark_dual_items: a brief run).
while IFS= read -r example; do
  eval "set -- $example"
  echo "=== $(basename "$1")"
  "$@" </dev/null
done < <(meson introspect "$dir" --tests | python3 -c '
import json, shlex, sys
for t in json.load(sys.stdin):
    if any(s.split(":")[-1] == "examples" for s in t["suite"]):
        print(shlex.join(t["cmd"]))')

echo "=== sync vs async, per element (a brief run; bench/sync_vs_async has the full suite)"
python3 tools/bench_summary.py "$dir/bench/sync_vs_async" --python
