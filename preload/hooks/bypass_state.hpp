// bypass_state.hpp — what the two halves of the counting entry share (bypass.cpp, bypass_hit.cpp).
#pragma once

#include <atomic>
#include <cstdint>

#include "../core/object_map.hpp"
#include "../core/symbols.hpp"
#include "runtime.hpp"

namespace probe {

// libprobe.so's own code: a call arriving from there came from a hook.
extern std::uintptr_t g_self_lo, g_self_hi;
// The symbol whose entry counts a symbol's calls: itself, or the first hooked name of the same
// definition (bypass.cpp).
extern unsigned g_counted_as[kNumSymbols];
// Calls that came through the override, per symbol; bypassed calls, per symbol and caller.
extern std::atomic<std::uint64_t> g_bypass_through[kNumSymbols];
extern std::atomic<std::uint64_t> g_bypassed[kNumSymbols][kMaxObjects];

// Per-thread cache of return address -> object for bypassed calls (the hooks' cache is theirs).
struct BypassCacheEntry {
  std::uintptr_t address;
  std::uint32_t generation;
  ObjectId id;
};
inline constexpr std::size_t kBypassCacheSize = 64;
extern PROBE_TLS BypassCacheEntry t_bypass_cache[kBypassCacheSize];

}  // namespace probe
