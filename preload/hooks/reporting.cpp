// reporting.cpp — writing the report: at exit (a destructor) and on demand (PROBE_REPORT_SIGNAL).
//
// Both build the report with the heap (std::string, fmt), inside the re-entry guard so that the
// probe's own allocations are forwarded uncounted. The report on demand is deferred: the signal
// handler only sets an atomic flag (async-signal-safe), and the next malloc-family hook, in
// whichever thread, writes the report before calling the real function. Only the malloc family
// checks the flag: those functions are not async-signal-safe, so a correct program never calls
// them from a signal handler — at that point the thread holds no allocator lock and may itself
// allocate. The time hooks do not check it: clock_gettime is async-signal-safe and may be called
// from inside a handler that interrupted malloc.
#include <dlfcn.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>

#include "../core/report.hpp"
#include "../core/report_file.hpp"
#include "runtime.hpp"
#include "state.hpp"

#ifndef INTERPROBE_VERSION
#define INTERPROBE_VERSION "unknown"
#endif

namespace probe {

std::atomic<bool> g_report_requested{false};

namespace {

std::atomic<bool> g_reported{false};     // the report at exit was written (or is being written)
std::atomic_flag g_on_demand_busy = ATOMIC_FLAG_INIT;
unsigned g_on_demand_count = 0;          // reports on demand so far; under g_on_demand_busy

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

void write_all(int fd, const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    ssize_t w = write(fd, s.data() + done, s.size() - done);
    if (w <= 0) return;  // nothing to do about it without disturbing the host
    done += static_cast<std::size_t>(w);
  }
}

// Renders the report from a snapshot and writes it to `path_template` (or stderr if empty).
// `totals` is static storage owned by the caller (43 KiB: not on a stack we do not own).
void write_report(const char* trigger, const std::string& path_template, Totals& totals) {
  g_pool->snapshot(totals);
  ReportData d;
  d.version = INTERPROBE_VERSION;
  d.trigger = trigger;
  d.pid = static_cast<long>(getpid());
  d.settings = &g_settings;
  d.totals = &totals;
  for (std::size_t i = 0; i < g_map->object_count(); ++i)
    d.objects.emplace_back(g_map->object_name(static_cast<ObjectId>(i)));
  static std::uint64_t stack_counts[StackTable::kCapacity];  // 32 KiB: static, like totals
  g_pool->snapshot_stacks(stack_counts);
  g_stacks->for_each([&](std::size_t index, const StackTable::Entry& e) {
    std::uint64_t count = stack_counts[index];
    if (count == 0) return;
    StackRecord rec{static_cast<Symbol>(e.symbol), count, {}};
    symbolize(rec, e.frames, e.depth);
    d.stacks.push_back(std::move(rec));
  });
  d.stack_overflow = g_stacks->overflow();
  std::string body = g_settings.format == Format::json ? render_json(d) : render_text(d);
  ReportTarget t = open_report(path_template, d.pid);
  bool opened = false;
  const int err = find_stderr(g_original_stderr, opened);
  if (!t.message.empty() && err >= 0) write_all(err, t.message + "\n");
  if (t.fd == 2) t.fd = err;
  if (t.fd >= 0) write_all(t.fd, body);
  if (!t.path.empty()) close(t.fd);
  if (opened) close(err);
}

void request_report(int) { g_report_requested.store(true, std::memory_order_relaxed); }

static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

}  // namespace

void install_report_signal() {
  const int sig = g_settings.report_signal;
  if (sig == 0) return;
  struct sigaction old{};
  // A disposition the program inherited (SIG_IGN across exec) or set up is left alone.
  if (sigaction(sig, nullptr, &old) != 0 || (old.sa_flags & SA_SIGINFO) != 0 ||
      old.sa_handler != SIG_DFL) {
    say("interprobe: PROBE_REPORT_SIGNAL: the signal is already handled or ignored in this "
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
  if (g_report_requested.exchange(false, std::memory_order_relaxed) &&
      !g_reported.load(std::memory_order_relaxed)) {
    static Totals totals;
    const std::string path = g_settings.report_path;
    write_report("signal",
                 path.empty() ? path : path + ".signal" + std::to_string(++g_on_demand_count),
                 totals);
  }
  g_on_demand_busy.clear(std::memory_order_release);
}

void reporting_after_fork_child() {
  // The child reports its own calls: a pending request and the parent's numbering stay behind,
  // and a report on demand that another thread was writing is gone with that thread.
  g_reported.store(false, std::memory_order_relaxed);
  g_report_requested.store(false, std::memory_order_relaxed);
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
  static Totals totals;
  write_report("exit", g_settings.report_path, totals);
}

}  // namespace probe
