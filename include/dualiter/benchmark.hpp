// dualiter::benchmark — benchmark your own iterable through every protocol it has, in one line.
//
// Optional: needs Google Benchmark (link -lbenchmark); dualiter.hpp does not include it.
//
//   DUALITER_BENCHMARK_COUNT_ALLOCATIONS();  // optional, once per program: allocs_per_item
//
//   int main(int argc, char** argv) {
//     dualiter::benchmark::register_iterable("my_items", [] { return my_items(1 << 16); });
//     return dualiter::benchmark::main(argc, argv);  // the cases, then the summary table
//   }
//
// What one run (one Google Benchmark iteration) times, and what it does not:
//   timed      every element: begin/end and the range-for (sync); aiter and every anext
//              awaited in a task, with sync_wait's driver or a fresh event loop's set-up and
//              tear-down around it (async); each element is handed to benchmark::DoNotOptimize.
//   not timed  factory() and the destruction of what it returned (the timer is paused), and
//              allocating the consuming task's frame. Pausing costs about a microsecond per
//              run, outside the measurement but in the wall time: give a run thousands of
//              elements, not ten.
// ns_per_item is the thread's CPU time in the timed part over the elements, the clock
// items_per_second uses too (unless a case is set to ->UseRealTime()). allocs_per_item counts
// heap allocations from the first element on (coroutine frames made before it are not per
// element), allocs_per_run every allocation a run makes, the factory's included.
//
// After `using namespace dualiter;`, a bare `benchmark::State` is ambiguous between Google
// Benchmark and dualiter::benchmark: write `::benchmark::State` there.
#ifndef DUALITER_BENCHMARK_HPP
#define DUALITER_BENCHMARK_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/allocation_counter.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

/// Write it once, at global scope, in one source file of a benchmark program: it replaces the
/// global operator new/delete with counting ones, and the cases report allocs_per_item and
/// allocs_per_run. Without it those counters are absent (never a wrong number). A second
/// expansion in the same program is a link error naming
/// `dualiter_count_allocations_expanded_in_more_than_one_translation_unit`.
#define DUALITER_BENCHMARK_COUNT_ALLOCATIONS() DUALITER_DETAIL_DEFINE_COUNTING_NEW()

// Inside namespace dualiter, `benchmark` names this namespace: Google Benchmark is always
// spelled `::benchmark` below.
namespace dualiter::benchmark {

/// The ways a case drives an iterable: its suffix in the case name, and a column of the summary.
enum class protocol { sync, async_sync_wait, async_run };

/// "sync", "async_sync_wait" or "async_run".
constexpr const char* name_of(protocol p) noexcept {
  switch (p) {
    case protocol::sync:
      return "sync";
    case protocol::async_sync_wait:
      return "async_sync_wait";
    case protocol::async_run:
      return "async_run";
  }
  return "?";
}

namespace detail {

/// What a factory's result must be: iterable, as the lvalue the cases iterate, one way or both.
template <class Result>
concept iterable_result =
    !std::is_void_v<Result> && (dualiter::SyncIterable<std::remove_reference_t<Result>&> ||
                                dualiter::AsyncIterable<std::remove_reference_t<Result>&>);

// A bool, not the concept, in the assertion: Clang then names the type in one line
// (`requirement 'is_iterable_result<T>'`) instead of a page of unsatisfied-concept notes.
template <class Result>
inline constexpr bool is_iterable_result = iterable_result<Result>;

template <class Result>
constexpr auto assert_iterable_result() {
  static_assert(is_iterable_result<Result>,
                "dualiter::benchmark::register_iterable: the factory's result is neither sync "
                "iterable (begin/end) nor async iterable (aiter). Fix: return the iterable "
                "itself, by value, from the factory, e.g. [] { return make_items(); }");
}

template <class Factory>
constexpr auto assert_factory() {
  if constexpr (!std::is_invocable_v<Factory&>) {
    static_assert(std::is_invocable_v<Factory&>,
                  "dualiter::benchmark::register_iterable: the factory cannot be called without "
                  "arguments. Fix: pass a function object that returns a fresh iterable, e.g. "
                  "[] { return make_items(); }");
  } else {
    detail::assert_iterable_result<std::invoke_result_t<Factory&>>();
  }
}

/// Every registered name, in order, and the case each benchmark name stands for.
struct registry {
  struct entry {
    std::size_t name_index;
    protocol how;
  };
  std::vector<std::string> names;
  std::map<std::string, entry, std::less<>> cases;
};

inline registry& registered() {
  static registry r;
  return r;
}

/// The calling thread's CPU time, the clock Google Benchmark's CPU time reads.
inline std::int64_t thread_cpu_ns() noexcept {
#if defined(CLOCK_THREAD_CPUTIME_ID)
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
#else
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
#endif
}

/// Time, elements and allocations of one case, summed over its runs.
class meter {
 public:
  void run_starting() noexcept { run_start_allocations_ = allocations(); }
  void timed_part_starts() noexcept {
    first_element_allocations_ = allocations();
    timed_start_ns_ = detail::thread_cpu_ns();
  }
  void first_element() noexcept { first_element_allocations_ = allocations(); }
  void timed_part_ends(std::int64_t items) noexcept {
    ns_ += detail::thread_cpu_ns() - timed_start_ns_;
    const long now = allocations();
    per_element_allocations_ += now - first_element_allocations_;
    per_run_allocations_ += now - run_start_allocations_;
    items_ += items;
    ++runs_;
  }

  [[gnu::cold, gnu::noinline]] void report(::benchmark::State& state) const {
    const auto items = static_cast<double>(items_);
    state.SetItemsProcessed(items_);
    state.counters["ns_per_item"] = static_cast<double>(ns_) / items;
    if (counting()) {
      state.counters["allocs_per_item"] = static_cast<double>(per_element_allocations_) / items;
      state.counters["allocs_per_run"] =
          static_cast<double>(per_run_allocations_) / static_cast<double>(runs_);
    }
  }

 private:
  static bool counting() noexcept {
    return dualiter::detail::allocation_counter::installed.load(std::memory_order_relaxed);
  }
  static long allocations() noexcept {
    return dualiter::detail::allocation_counter::allocations.load(std::memory_order_relaxed);
  }

  long run_start_allocations_ = 0, first_element_allocations_ = 0;
  long per_element_allocations_ = 0, per_run_allocations_ = 0;
  std::int64_t timed_start_ns_ = 0, ns_ = 0, items_ = 0, runs_ = 0;
};

/// Hands an element to the optimiser's blind spot. Small trivially copyable elements go in a
/// register; others by address (their bytes must exist: the asm reads memory).
template <class T>
inline void consume(T& element) noexcept {
  using value = std::remove_cv_t<T>;
  if constexpr (std::is_trivially_copyable_v<value> && sizeof(value) <= 2 * sizeof(void*)) {
    value copy = element;
    ::benchmark::DoNotOptimize(copy);
  } else {
    auto* address = std::addressof(element);
    ::benchmark::DoNotOptimize(address);
  }
}

template <class Iterable>
std::int64_t consume_sync(Iterable& iterable, meter& m) {
  std::int64_t items = 0;
  auto it = std::ranges::begin(iterable);
  const auto last = std::ranges::end(iterable);
  m.first_element();
  for (; it != last; ++it) {
    auto&& element = *it;
    detail::consume(element);
    ++items;
  }
  return items;
}

// One co_await in the loop, the first element found by a test in it: peeling the first element
// off before the loop doubles the inlined anext code, and an async_generator's element then
// cost 88 instructions instead of 78 (callgrind, GCC 12 -O3, bench/sync_vs_async).
template <class Iterable>
dualiter::task<std::int64_t> consume_async(Iterable& iterable, meter& m) {
  std::int64_t items = 0;
  auto it = dualiter::aiter(iterable);
  while (auto x = co_await dualiter::anext(it)) {
    if (items == 0) m.first_element();
    auto&& element = *x;
    detail::consume(element);
    ++items;
  }
  co_return items;
}

/// The iterable of the current run: made by the factory in place (an immovable type is fine),
/// or, for a factory that returns a reference, the object referred to.
template <class Result>
class current_iterable {
  using stored = std::remove_cv_t<Result>;

 public:
  current_iterable() noexcept {}
  current_iterable(const current_iterable&) = delete;
  current_iterable& operator=(const current_iterable&) = delete;
  ~current_iterable() { reset(); }

  template <class Factory>
  Result& make(Factory& factory) {
    reset();
    ::new (static_cast<void*>(std::addressof(value_))) stored(factory());
    engaged_ = true;
    return value_;
  }
  void reset() noexcept {
    if (engaged_) {
      engaged_ = false;
      value_.~stored();
    }
  }

 private:
  union {
    stored value_;
  };
  bool engaged_ = false;
};

template <class Result>
  requires std::is_reference_v<Result>
class current_iterable<Result> {
 public:
  template <class Factory>
  std::remove_reference_t<Result>& make(Factory& factory) {
    auto&& made = factory();  // an rvalue reference too: the object outlives the call
    return made;
  }
};

/// Ends a case with `<case>: <what>` as the error Google Benchmark prints. Cold, as is everything
/// here but the loops: GCC's inlining budget is per translation unit (inline-unit-growth), and
/// what the kit spends of it is not spent on the awaiters of the iterables measured. Without
/// the cold attributes an async_generator's element cost 93 instructions instead of 78 in
/// bench/sync_vs_async (callgrind, GCC 12 -O3).
[[gnu::cold, gnu::noinline]] inline void fail(::benchmark::State& state,
                                              const std::string& case_name, const char* what,
                                              const char* detail = "") {
  state.SkipWithError((case_name + ": " + what + detail).c_str());
}

/// The body of one case: `runs` of make, time, consume; counters at the end. An exception from
/// the factory or the iterable ends the case with its what() as the error Google Benchmark
/// prints, instead of ending the program.
template <protocol How, class Result, class Factory>
void run_case(::benchmark::State& state, Factory& factory, const std::string& case_name) {
  if (state.threads() > 1) {
    // The allocation counter is the program's, and the per-element numbers are per thread.
    detail::fail(state, case_name,
                 "dualiter::benchmark cases run on one thread. Fix: leave out ->Threads(n)");
    return;
  }
  current_iterable<Result> iterable;
  meter m;
  try {
    for (auto _ : state) {
      state.PauseTiming();
      m.run_starting();
      auto& made = iterable.make(factory);
      std::int64_t items = 0;
      if constexpr (How == protocol::sync) {
        state.ResumeTiming();
        m.timed_part_starts();
        items = detail::consume_sync(made, m);
      } else {
        auto consumer = detail::consume_async(made, m);
        state.ResumeTiming();
        m.timed_part_starts();
        if constexpr (How == protocol::async_sync_wait) {
          items = dualiter::sync_wait(std::move(consumer));
        } else {
          items = dualiter::run(std::move(consumer));
        }
      }
      m.timed_part_ends(items);
      if (items == 0) {
        detail::fail(state, case_name,
                     "a run gave no elements, and a time or an allocation count per element "
                     "needs at least one. Fix: make the factory return a fresh, non-empty "
                     "iterable on every call (one it returns by reference is the same, "
                     "exhausted, object the next time)");
        return;
      }
    }
  } catch (const std::exception& e) {
    detail::fail(state, case_name, "the factory or the iterable threw: ", e.what());
    return;
  } catch (...) {
    detail::fail(state, case_name, "the factory or the iterable threw a non-std::exception");
    return;
  }
  m.report(state);
}

template <class Run>
bool failed(const Run& run) {
  if constexpr (requires { run.skipped; }) {
    return static_cast<bool>(run.skipped);  // Google Benchmark 1.8 and later
  } else {
    return run.error_occurred;
  }
}

[[gnu::cold]] inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/// `text` as one cell of a Markdown table: a `|` in it would end the cell.
[[gnu::cold]] inline std::string markdown_cell(const std::string& text) {
  std::string cell;
  for (char c : text) {
    if (c == '|') cell += '\\';
    cell += c;
  }
  return cell;
}

[[gnu::cold]] inline std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace detail

/// Registers one Google Benchmark case per protocol `factory()`'s result supports:
/// `<name>/sync` if it is SyncIterable, `<name>/async_sync_wait` and `<name>/async_run` if it
/// is AsyncIterable (a DualIterable gets all three). `factory` is called once per run and
/// should return a fresh iterable by value. Returns the cases, to set options on (->Unit(...),
/// ->Repetitions(...)). Throws std::invalid_argument for an empty name or one registered before.
template <class Factory>
std::vector<::benchmark::internal::Benchmark*> register_iterable(std::string name,
                                                                 Factory factory) {
  detail::assert_factory<Factory>();
  std::vector<::benchmark::internal::Benchmark*> cases;
  if constexpr (std::is_invocable_v<Factory&>) {
    using result = std::invoke_result_t<Factory&>;
    if constexpr (detail::iterable_result<result>) {
      using iterable = std::remove_reference_t<result>&;
      auto& known = detail::registered();
      if (name.empty()) {
        throw std::invalid_argument(
            "dualiter::benchmark::register_iterable: the name is empty; the cases are named "
            "<name>/sync, <name>/async_sync_wait, <name>/async_run");
      }
      if (std::find(known.names.begin(), known.names.end(), name) != known.names.end()) {
        throw std::invalid_argument("dualiter::benchmark::register_iterable: \"" + name +
                                    "\" is registered already; give each iterable a name of its "
                                    "own");
      }
      const std::size_t index = known.names.size();
      known.names.push_back(name);
      auto shared = std::make_shared<Factory>(std::move(factory));
      const auto add = [&]<protocol How>() {
        std::string case_name = name + "/" + dualiter::benchmark::name_of(How);
        known.cases.insert_or_assign(case_name, detail::registry::entry{index, How});
        cases.push_back(::benchmark::RegisterBenchmark(
            case_name.c_str(), [shared, case_name](::benchmark::State& state) {
              detail::run_case<How, result>(state, *shared, case_name);
            }));
      };
      if constexpr (dualiter::SyncIterable<iterable>) add.template operator()<protocol::sync>();
      if constexpr (dualiter::AsyncIterable<iterable>) {
        add.template operator()<protocol::async_sync_wait>();
        add.template operator()<protocol::async_run>();
      }
    }
  }
  return cases;
}

/// Google Benchmark's console output, then one Markdown table: a row per iterable registered
/// with register_iterable that ran, its ns per element through each protocol (the median when
/// there are repetitions) and how many times the sync cost each async protocol costs.
class summary_reporter : public ::benchmark::ConsoleReporter {
 public:
  explicit summary_reporter(OutputOptions options = OO_None) : ConsoleReporter(options) {}

  [[gnu::cold]] void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    const auto& cases = detail::registered().cases;
    for (const Run& run : runs) {
      const auto found = cases.find(run.run_name.function_name);
      if (found == cases.end() || detail::failed(run)) continue;
      const auto counter = run.counters.find("ns_per_item");
      if (counter == run.counters.end()) continue;
      measured& m = results_[{found->second.name_index, found->second.how}];
      if (run.run_type == Run::RT_Iteration) {
        m.runs.push_back(counter->second.value);
      } else if (run.aggregate_name == "median") {
        m.median = counter->second.value;
      }
    }
  }

  [[gnu::cold]] void Finalize() override {
    ConsoleReporter::Finalize();
    GetOutputStream() << '\n' << table();
  }

  /// The table Finalize prints (empty when no registered iterable ran).
  [[gnu::cold]] std::string table() const {
    const auto& names = detail::registered().names;
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const double sync = ns_per_item(i, protocol::sync);
      const double sync_wait = ns_per_item(i, protocol::async_sync_wait);
      const double run = ns_per_item(i, protocol::async_run);
      if (sync < 0 && sync_wait < 0 && run < 0) continue;
      if (out.empty()) {
        out =
            "| iterable | sync ns/item | async_sync_wait ns/item | async_run ns/item | "
            "async_sync_wait / sync | async_run / sync |\n"
            "|---|---:|---:|---:|---:|---:|\n";
      }
      const auto ns = [](double v) { return v < 0 ? std::string("—") : detail::format_number(v); };
      const auto ratio = [sync](double v) {
        return v < 0 || sync <= 0 ? std::string("—") : detail::format_number(v / sync);
      };
      out += "| " + detail::markdown_cell(names[i]) + " | " + ns(sync) + " | " + ns(sync_wait) +
             " | " + ns(run) + " | " + ratio(sync_wait) + " | " + ratio(run) + " |\n";
    }
    return out;
  }

  /// The ns per element measured for `name` through `how`, or a negative number if none was.
  double ns_per_item(std::string_view name, protocol how) const {
    const auto& names = detail::registered().names;
    const auto found = std::find(names.begin(), names.end(), name);
    return found == names.end() ? -1
                                : ns_per_item(static_cast<std::size_t>(found - names.begin()), how);
  }

 private:
  struct measured {
    std::vector<double> runs;
    double median = -1;
  };

  double ns_per_item(std::size_t index, protocol how) const {
    const auto found = results_.find({index, how});
    if (found == results_.end()) return -1;
    const measured& m = found->second;
    return !m.runs.empty() ? detail::median(m.runs) : m.median;
  }

  std::map<std::pair<std::size_t, protocol>, measured> results_;
};

namespace detail {

/// The value of `--flag=value` among the arguments, or `fallback`.
[[gnu::cold]] inline std::string flag_value(int argc, char** argv, std::string_view flag,
                                            std::string fallback) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.size() > flag.size() + 2 && arg.substr(0, 2) == "--" &&
        arg.substr(2, flag.size()) == flag && arg[flag.size() + 2] == '=') {
      fallback = std::string(arg.substr(flag.size() + 3));
    }
  }
  return fallback;
}

[[gnu::cold]] inline std::string environment_or(const char* variable, std::string fallback) {
  const char* value = std::getenv(variable);
  return value != nullptr ? std::string(value) : fallback;
}

}  // namespace detail

/// Runs the registered benchmarks as BENCHMARK_MAIN does, with summary_reporter as the console
/// display (with --benchmark_format=json or csv the output is Google Benchmark's, unchanged).
/// Returns main's exit status.
[[gnu::cold]] inline int main(int argc, char** argv) {
  const std::string format = detail::flag_value(
      argc, argv, "benchmark_format", detail::environment_or("BENCHMARK_FORMAT", "console"));
  const std::string color = detail::flag_value(argc, argv, "benchmark_color", "auto");
  const std::string tabular = detail::flag_value(argc, argv, "benchmark_counters_tabular", "");
  ::benchmark::Initialize(&argc, argv);
  if (::benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (format == "console") {
    int options = ::benchmark::ConsoleReporter::OO_None;
    if (color == "true" || color == "yes" || color == "1") {
      options |= ::benchmark::ConsoleReporter::OO_Color;
    }
    if (tabular == "true" || tabular == "yes" || tabular == "1") {
      options |= ::benchmark::ConsoleReporter::OO_Tabular;
    }
    summary_reporter reporter(static_cast<::benchmark::ConsoleReporter::OutputOptions>(options));
    ::benchmark::RunSpecifiedBenchmarks(&reporter);
  } else {
    ::benchmark::RunSpecifiedBenchmarks();
  }
  ::benchmark::Shutdown();
  return 0;
}

}  // namespace dualiter::benchmark

#endif  // DUALITER_BENCHMARK_HPP
