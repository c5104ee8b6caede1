// hit.cpp — the counting path of a trampoline call that its fast path did not count: count,
// fill the call site for the fast path, return the real definition.
//
// The trampoline's fast path (trampoline_x86_64.S) counts a call by itself when the thread's
// table holds the call's site (SparseCounts::Site); this is where a site is filled. Compiled
// with -mgeneral-regs-only (CMakeLists.txt), and calls no function except the ObjectMap lookup
// (also compiled that way): the trampoline does not save vector registers before calling here,
// so nothing here may touch them. Anything that needs libc — initialisation, resolving the real
// definition, a thread's first table, refreshing the object map — makes this return nullptr, and
// the trampoline takes the slow path (interprobe_shim_slow, which saves the whole extended state
// first).
#include "bypass.hpp"
#include "shim_abi.h"
#include "state.hpp"

namespace shim {

constinit PROBE_TLS SparseCounts::Table* t_table = nullptr;

}  // namespace shim

using namespace shim;

namespace {

// A cache miss: looks the address up in the map. Out of line so that the common case (a hit)
// needs no callee-saved registers and stays short.
[[gnu::noinline]] probe::ObjectId attribute_miss(CacheEntry& c, std::uintptr_t ret,
                                                 std::uint32_t gen) {
  const probe::ObjectId id = g_map->lookup(ret);
  if (id != probe::kUnknownObject) c = CacheEntry{ret, gen, id};
  return id;
}

}  // namespace

namespace shim {

probe::ObjectId cached_object(std::uintptr_t ret) {
  const std::uint32_t gen = g_map->generation();
  CacheEntry& c = probe::cache_slot(probe::t_cache, ret);
  if (__builtin_expect(probe::cache_holds(c, ret, gen), 1)) return c.id;
  return attribute_miss(c, ret, gen);
}

void count_call(SparseCounts::Table* t, std::uint32_t index, std::uintptr_t ret,
                probe::ObjectId id, std::uint32_t epoch) {
  std::uint64_t* const cell = SparseCounts::cell(t, SparseCounts::make_key(index, id));
  SparseCounts::increment(t, *cell);
  // The fast paths count only into the thread's own table (the shared one takes atomic adds).
  if (!owned(t)) return;
  // The trampoline's does not mark calls for PROBE_BYPASS: with it on, no site, and kMarking in
  // the word keeps every trampoline call here (bypass_install bumps the epoch when marking
  // starts); the counting entry's fast path needs only the table published.
  if (!g_bypass_on) SparseCounts::site(t, ret) = SparseCounts::Site{ret, index, epoch, cell, 0};
  // The guard bit as it is (the slow path runs inside it); kOffFastPath cleared.
  probe::t_thread_word = reinterpret_cast<std::uintptr_t>(t) |
                         (probe::t_thread_word & probe::kInRuntime) | (g_bypass_on ? kMarking : 0);
}

}  // namespace shim

extern "C" void* interprobe_shim_hit(std::uint32_t index, std::uintptr_t ret) {
  void* target = __atomic_load_n(&interprobe_shim_targets[index], __ATOMIC_ACQUIRE);
  if (__builtin_expect(target == nullptr, 0)) return nullptr;
  if (probe::in_runtime()) {  // the runtime's own calls (e.g. a shim of libc): never counted
    bypass_clear();
    return target;
  }
  if (__builtin_expect(!probe::runtime_ready(), 0)) return nullptr;
  SparseCounts::Table* t = t_table;
  if (__builtin_expect(t == nullptr, 0)) return nullptr;  // the slow path gives it one
  if (t == kThreadGone) t = g_counts->shared();
  const std::uint32_t epoch = probe::g_epoch.load(std::memory_order_acquire);  // before the lookup
  const probe::ObjectId id = cached_object(ret);
  if (id == probe::kUnknownObject) return nullptr;  // maybe a library loaded since: slow path
  if (id == g_self_id) {
    bypass_clear();
    return target;
  }
  count_call(t, index, ret, id, epoch);
  bypass_mark(t, index, ret, id);  // PROBE_BYPASS: the definition's entry sees it as "through"
  return target;
}
