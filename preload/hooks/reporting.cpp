// reporting.cpp — writing the report: at exit (a destructor) and on demand (PROBE_REPORT_SIGNAL).
//
// Both build the report with the heap (std::string, fmt), inside the re-entry guard so that the
// probe's own allocations are forwarded uncounted. The report on demand is deferred: the signal
// handler only counts the request (an atomic add: async-signal-safe), and the next malloc-family
// hook, in whichever thread, writes one report for every request so far (they merge, and the
// report says how many: report_requests) before calling the real function. Only the malloc family
// checks the count: those functions are not async-signal-safe, so a correct program never calls
// them from a signal handler — at that point the thread holds no allocator lock and may itself
// allocate. The time hooks do not check it: clock_gettime is async-signal-safe and may be called
// from inside a handler that interrupted malloc.
#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "../core/report.hpp"
#include "../runtime/report_writer.hpp"
#include "bypass.hpp"
#include "runtime.hpp"
#include "state.hpp"

namespace probe {

std::atomic<unsigned> g_report_requests{0};

namespace {

std::atomic_flag g_on_demand_busy = ATOMIC_FLAG_INIT;
unsigned g_on_demand_count = 0;          // reports on demand so far; under g_on_demand_busy

// What one report's snapshot is read into (large): one static instance per writer (the exit
// report and the report on demand), never on the stack of a host thread.
struct ReportScratch {
  Totals totals;
  std::uint64_t stack_counts[StackTable::kCapacity];
  std::uint64_t bypass_through[kNumSymbols];
  Totals bypassed;
};

// The frames are the host's only (unwind.cpp skipped the probe's own).
void symbolize(StackRecord& rec, void* const* frames, std::size_t depth) {
  for (std::size_t i = 0; i < depth; ++i) {
    Dl_info info{};
    StackFrame f{reinterpret_cast<std::uintptr_t>(frames[i]), "", "", 0};
    if (dladdr(frames[i], &info) != 0) {
      f.object = info.dli_fname != nullptr ? info.dli_fname : "";
      if (info.dli_sname != nullptr) {
        f.function = info.dli_sname;
        f.offset = f.address - reinterpret_cast<std::uintptr_t>(info.dli_saddr);
      } else {
        f.offset = f.address - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
      }
    }
    rec.frames.push_back(std::move(f));
  }
}

// The report's libprobe part, from a snapshot: the rows from the counter blocks, the stacks, the
// bypass records. `scratch` is static storage owned by the caller (large: not on a stack we do
// not own). The exit report and a report on demand can be written at the same time by two
// threads, so each has its own.
void write_probe_report(const char* trigger, const std::string& path_template,
                        std::uint64_t requests, ReportScratch& scratch) {
  write_report(*g_map, path_template, trigger, requests, [&](ReportData& d) {
    g_pool->snapshot(scratch.totals);
    g_pool->snapshot_stacks(scratch.stack_counts);
    g_stacks->for_each([&](std::size_t index, const StackTable::Entry& e) {
      std::uint64_t count = scratch.stack_counts[index];
      if (count == 0) return;
      StackRecord rec{static_cast<Symbol>(e.symbol), count, {}};
      symbolize(rec, e.frames, e.depth);
      d.stacks.push_back(std::move(rec));
    });
    d.stack_overflow = g_stacks->overflow();
    std::vector<BypassRecord> bypass;
    bypass_snapshot(scratch.bypass_through, scratch.bypassed, bypass);
    d.symbols = dense_rows(scratch.totals, bypass, d.objects);
  });
}

// The epoch bump sends every thread's next call to note_slow(), where a malloc-family one writes
// the report (note.hpp).
void request_report(int) {
  g_report_requests.fetch_add(1, std::memory_order_relaxed);
  bump_epoch();
}

static_assert(std::atomic<unsigned>::is_always_lock_free &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the signal handler needs lock-free counters");

}  // namespace

void install_report_signal() {
  const int sig = g_process.settings.report_signal;
  if (sig == 0) return;
  struct sigaction old{};
  // A disposition the program inherited (SIG_IGN across exec) or set up is left alone.
  if (sigaction(sig, nullptr, &old) != 0 || (old.sa_flags & SA_SIGINFO) != 0 ||
      old.sa_handler != SIG_DFL) {
    notice(
        "interprobe: PROBE_REPORT_SIGNAL: the signal is already handled or ignored in this "
        "process; no report on demand");
    return;
  }
  struct sigaction sa{};
  sa.sa_handler = request_report;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // the host's interrupted system calls resume where the kernel can
  sigaction(sig, &sa, nullptr);
}

void report_on_demand() {
  if (g_on_demand_busy.test_and_set(std::memory_order_acquire)) return;  // another thread writes
  const unsigned requests = g_report_requests.exchange(0, std::memory_order_relaxed);
  if (requests != 0 && !exit_report_claimed()) {
    static ReportScratch scratch;
    const std::string path = g_process.settings.report_path;
    write_probe_report("signal",
                       path.empty() ? path : path + ".signal" + std::to_string(++g_on_demand_count),
                       requests, scratch);
  }
  g_on_demand_busy.clear(std::memory_order_release);
}

void reporting_after_fork_child() {
  // The child reports its own calls: a pending request and the parent's numbering stay behind,
  // and a report on demand that another thread was writing is gone with that thread.
  report_after_fork_child();
  g_report_requests.store(0, std::memory_order_relaxed);
  g_on_demand_busy.clear(std::memory_order_relaxed);
  g_on_demand_count = 0;
}

// Runs at exit() / return from main, after the program's own destructors (libprobe is
// initialised before the program, so it is finalised after it). Other threads may still be
// running hooks: the snapshot reads their counters with atomic loads and nothing here waits for
// them.
__attribute__((destructor)) static void report_at_exit() {
  ensure_init();
  if (!claim_exit_report()) return;
  Guard g = Guard::enter();
  static ReportScratch scratch;
  // Requests no report on demand answered (no malloc-family call since the signal) are counted.
  write_probe_report("exit", g_process.settings.report_path, g_report_requests.exchange(0),
                     scratch);
}

}  // namespace probe
