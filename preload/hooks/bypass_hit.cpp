// bypass_hit.cpp — the fast half of the counting entry (preload/patch/x86_64/entry.S), called at
// a patched definition's entry with the host's vector registers live: compiled
// -mgeneral-regs-only (CMakeLists.txt) and calling nothing. Returns 0 when the slow half
// (bypass.cpp) must attribute the call.
#include "bypass.hpp"
#include "bypass_state.hpp"
#include "state.hpp"

extern "C" __attribute__((visibility("hidden"))) int interprobe_bypass_hit(std::uint32_t id,
                                                                         std::uintptr_t ret) {
  using namespace probe;
  if (t_in_probe || id >= kNumSymbols) return 1;  // the probe's own work: neither kind
  BypassToken& t = t_bypass_token;
  const bool marked = t.symbol_plus_one != 0 && g_counted_as[t.symbol_plus_one - 1] == id;
  const bool from_probe = ret >= g_self_lo && ret < g_self_hi;
  // The hook's mark, and either the hook called the definition (a return address in libprobe)
  // or tail-jumped to it (its caller's return address): through the override.
  if (marked && (from_probe || t.ret == ret)) {
    t.symbol_plus_one = 0;
    g_bypass_through[id].fetch_add(1, std::memory_order_relaxed);
    return 1;
  }
  if (from_probe) return 1;  // libprobe's own call, not counted by a hook: neither kind
  const BypassCacheEntry& c = t_bypass_cache[(ret >> 2) % kBypassCacheSize];
  if (c.address == ret && c.generation == g_map->generation() && c.id < kMaxObjects) {
    g_bypassed[id][c.id].fetch_add(1, std::memory_order_relaxed);
    return 1;
  }
  return 0;
}
