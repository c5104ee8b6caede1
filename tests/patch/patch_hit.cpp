// patch_hit.cpp — patch_app's C half of the counting entry (preload/patch/x86_64/entry.S), in the
// role of a front-end's interprobe_bypass_hit: compiled -mgeneral-regs-only like theirs (the entry
// calls it with the host's vector registers live) and calling nothing. A function's first call
// goes to the slow path (patch_app.cpp); the next one is counted here and fills the thread's entry
// site for its call site, as a front-end does for a bypassed call (runtime/entry_counter.hpp); the
// calls after that are counted by the entry itself, into the site's cell: a row per thread, the
// thread's own, as a front-end's counts are.
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "entry_counter.hpp"
#include "guard.hpp"

// What the entry's fast path reads of the runtime (preload/runtime/): the state word, 0 here (the
// thread owns its counts and is never inside a runtime), and the epoch (never changes here).
namespace probe {
constinit PROBE_TLS std::uintptr_t t_thread_word = 0;
std::atomic<std::uint32_t> g_epoch{1};
}  // namespace probe

namespace {
constexpr std::size_t kMaxIds = 64, kThreads = 16;
std::atomic<std::uint64_t> g_hit[kMaxIds];
std::uint64_t g_entry_counts[kThreads][kMaxIds];  // row: a thread; written by that thread only
std::atomic<std::size_t> g_threads{0};
constinit PROBE_TLS std::size_t t_row_plus_one = 0;
}  // namespace

std::atomic<bool> g_seen[kMaxIds];

extern "C" __attribute__((visibility("hidden"))) int interprobe_bypass_hit(std::uint32_t id,
                                                                         std::uintptr_t ret) {
  if (id >= kMaxIds || !g_seen[id].load(std::memory_order_relaxed)) return 0;
  g_hit[id].fetch_add(1, std::memory_order_relaxed);
  if (t_row_plus_one == 0) t_row_plus_one = g_threads.fetch_add(1) % kThreads + 1;
  probe::entry_site_fill(ret, id, probe::g_epoch.load(std::memory_order_relaxed),
                         &g_entry_counts[t_row_plus_one - 1][id]);
  return 1;
}

// Every call of `id` counted here or by the entry (after the threads joined).
std::uint64_t counted_by_hit(std::size_t id) {
  std::uint64_t n = g_hit[id].load();
  for (auto& row : g_entry_counts) n += std::atomic_ref<std::uint64_t>(row[id]).load();
  return n;
}
