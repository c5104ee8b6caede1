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
#include "../core/report_file.hpp"
#include "bypass.hpp"
#include "runtime.hpp"
#include "state.hpp"

#ifndef INTERPROBE_VERSION
#define INTERPROBE_VERSION "unknown"
#endif

namespace probe {

std::atomic<unsigned> g_report_requests{0};

namespace {

std::atomic<bool> g_reported{false};     // the report at exit was written (or is being written)
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

// Renders the report from a snapshot and writes it where `path_template` says (stderr if empty;
// nowhere for /dev/null). `scratch` is static storage owned by the caller (large: not on a stack
// we do not own). The exit report and a report on demand can be written at the same time by two
// threads, so each has its own.
void write_report(const char* trigger, const std::string& path_template, std::uint64_t requests,
                  ReportScratch& scratch) {
  Totals& totals = scratch.totals;
  ReportData d;
  d.pid = static_cast<long>(getpid());
  ReportTarget t = open_report(path_template, d.pid, g_module_name);
  if (t.kind == ReportTarget::Kind::discard) return;
  g_pool->snapshot(totals);
  d.version = INTERPROBE_VERSION;
  d.trigger = trigger;
  d.report_requests = requests;
  d.process = ProcessIdentity{d.pid, static_cast<long>(getppid()),
                              program_invocation_name != nullptr ? program_invocation_name : "",
                              g_main_path};
  d.settings = &g_settings;
  d.totals = &totals;
  for (std::size_t i = 0; i < g_map->object_count(); ++i)
    d.objects.emplace_back(g_map->object_name(static_cast<ObjectId>(i)));
  std::uint64_t* const stack_counts = scratch.stack_counts;
  g_pool->snapshot_stacks(stack_counts);
  g_stacks->for_each([&](std::size_t index, const StackTable::Entry& e) {
    std::uint64_t count = stack_counts[index];
    if (count == 0) return;
    StackRecord rec{static_cast<Symbol>(e.symbol), count, {}};
    symbolize(rec, e.frames, e.depth);
    d.stacks.push_back(std::move(rec));
  });
  d.stack_overflow = g_stacks->overflow();
  bypass_snapshot(scratch.bypass_through, scratch.bypassed, d.bypass);
  g_notices.for_each([&](std::string_view line) { d.notices.emplace_back(line); });
  if (g_notices.dropped() != 0)
    d.notices.push_back(fmt::format("interprobe: {} more notices dropped", g_notices.dropped()));
  if (!t.message.empty()) d.notices.push_back(t.message);
  const std::string body = g_settings.format == Format::json ? render_json(d) : render_text(d);
  deliver(t, body, g_original_stderr);
}

void request_report(int) { g_report_requests.fetch_add(1, std::memory_order_relaxed); }

static_assert(std::atomic<unsigned>::is_always_lock_free,
              "the signal handler needs a lock-free counter");

}  // namespace

void install_report_signal() {
  const int sig = g_settings.report_signal;
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
  if (requests != 0 && !g_reported.load(std::memory_order_relaxed)) {
    static ReportScratch scratch;
    const std::string path = g_settings.report_path;
    write_report("signal",
                 path.empty() ? path : path + ".signal" + std::to_string(++g_on_demand_count),
                 requests, scratch);
  }
  g_on_demand_busy.clear(std::memory_order_release);
}

void reporting_after_fork_child() {
  // The child reports its own calls: a pending request and the parent's numbering stay behind,
  // and a report on demand that another thread was writing is gone with that thread.
  g_reported.store(false, std::memory_order_relaxed);
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
  if (g_reported.exchange(true)) return;
  Guard g = Guard::enter();
  static ReportScratch scratch;
  // Requests no report on demand answered (no malloc-family call since the signal) are counted.
  write_report("exit", g_settings.report_path, g_report_requests.exchange(0), scratch);
}

}  // namespace probe
