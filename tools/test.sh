#!/usr/bin/env bash
# Runs every test in every configuration and ends with one line "N passed, N failed".
#
#   tools/test.sh                 all configurations
#   tools/test.sh gcc clang-asan  just these
#
# Configurations: format (every source file is clang-format-19 clean), gcc, clang (GCC 12 and Clang 14 with libstdc++; debug, -O0: where GCC's
# symmetric transfer is no tail call, so the stack-depth tests mean most), clang19 (Clang 19 with
# libc++ 19, debug: the whole suite but what needs Google Benchmark (the benchmark smoke run,
# dualiter/benchmark.hpp's tests, example and compile-fail cases), as Debian's Google Benchmark
# does not link with libc++), gcc-asan, clang-asan (AddressSanitizer+UBSan), gcc-release,
# clang-release (-O3, where the optimisers rework coroutine frames), gcc-tsan (ThreadSanitizer
# on the suites whose coroutines hop threads). The Asio tests run in every configuration whose
# standard library their Asio compiles with: both flavours with libstdc++, standalone Asio only
# under clang19 (Boost 1.74's Asio does not compile with libc++ 19).
set -u
cd "$(dirname "$0")/.."
bash tools/install-deps.sh || exit 1

configs=("$@")
[ ${#configs[@]} -eq 0 ] &&
  configs=(format gcc clang clang19 gcc-asan clang-asan gcc-release clang-release gcc-tsan)

status=0
summaries=()
for config in "${configs[@]}"; do
  if [ "$config" = format ]; then
    # The tree stays formatted (.clang-format, clang-format 19): one case per source file.
    echo "=== format: clang-format-19"
    ok=0 bad=0
    while IFS= read -r file; do
      if clang-format-19 --dry-run -Werror "$file" 2>/dev/null; then
        ok=$((ok + 1))
      else
        bad=$((bad + 1)); status=1
        echo "not formatted: $file (fix: clang-format-19 -i $file)"
      fi
    done < <(git ls-files '*.hpp' '*.cpp' 2>/dev/null || find include tests examples bench support \( -name '*.hpp' -o -name '*.cpp' \))
    summaries+=("format: $ok passed, $bad failed")
    continue
  fi
  dir="build/$config"
  options=(-Dbench=enabled)
  suites=()
  targets=()
  case "$config" in
    gcc) compiler=g++ ;;
    clang) compiler=clang++ ;;
    clang19)
      compiler="clang++-19 -stdlib=libc++"
      # GoogleTest is compiled from its sources here (tests/meson.build); Google Benchmark
      # from Debian is built against libstdc++ and cannot be linked.
      options=(-Dbench=disabled) ;;
    gcc-tsan)
      compiler=g++
      options+=(-Db_sanitize=thread -Db_lundef=false -Dheader_checks=false)
      # Only sync_wait's, threads' and the Asio tests (a strand on a thread pool) resume coroutines
      # from other threads; the rest is one thread.
      suites=(sync_wait threads asio boost_asio)
      # Only their test programs are built: the rest would be built for nothing.
      targets=(test_sync_wait test_threads test_asio test_boost_asio) ;;
    gcc-release|clang-release)
      compiler=$([ "$config" = gcc-release ] && echo g++ || echo clang++)
      options+=(--buildtype=release -Dheader_checks=false)
      # The compile-fail cases, consumer builds and README blocks do not depend on optimisation.
      suites=(--no-suite compile_fail --no-suite consumer --no-suite readme) ;;
    gcc-asan|clang-asan)
      flags="-fno-sanitize-recover=undefined -fno-omit-frame-pointer"
      if [ "$config" = gcc-asan ]; then
        compiler=g++
      else
        compiler=clang++
        # Clang 14's -fsanitize=function cannot compile coroutines ("Cannot represent a
        # difference across sections", llvm/llvm-project#49689); the rest of UBSan can.
        flags="$flags -fno-sanitize=function"
      fi
      options+=(-Db_sanitize=address,undefined -Db_lundef=false "-Dcpp_args=$flags"
                -Dheader_checks=false)
      # Compile-fail cases and header checks only run the front end, and the consumer and
      # README builds are not instrumented: sanitizers change nothing in them.
      suites=(--no-suite compile_fail --no-suite consumer --no-suite readme) ;;
    *) echo "tools/test.sh: unknown configuration '$config' (format, gcc, clang, clang19, gcc-asan," \
            "clang-asan, gcc-release, clang-release, gcc-tsan)" >&2
       exit 2 ;;
  esac
  echo "=== $config: $compiler ${options[*]}"
  if [ -f "$dir/build.ninja" ]; then
    # --reconfigure, not configure: it also learns options added to meson_options.txt since.
    CXX="$compiler" meson setup --reconfigure "$dir" "${options[@]}" >/dev/null
  else
    rm -rf "$dir"
    CXX="$compiler" meson setup "$dir" "${options[@]}" >/dev/null
  fi || { status=1; summaries+=("$config: configure failed"); continue; }
  test_options=()
  if [ ${#targets[@]} -gt 0 ]; then
    # The targets this build has (the Asio ones only where Meson found Asio).
    mapfile -t targets < <(meson introspect --targets "$dir" | python3 -c '
import json, sys
have = {t["name"] for t in json.load(sys.stdin)}
print("\n".join(t for t in sys.argv[1:] if t in have))' "${targets[@]}")
    test_options=(--no-rebuild)
  fi
  if ! meson compile -C "$dir" "${targets[@]}"; then
    status=1; summaries+=("$config: build failed"); continue
  fi
  meson test -C "$dir" --print-errorlogs --num-processes 2 "${test_options[@]}" "${suites[@]}" ||
    status=1
  summaries+=("$config: $(python3 tools/count_tests.py "$dir/meson-logs")")
done

printf '%s\n' "${summaries[@]}"
python3 tools/count_tests.py --total "${summaries[@]}"
exit $status
