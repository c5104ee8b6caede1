// entry_counter.hpp — what the bypass counter's entry (preload/patch/x86_64/entry.S) reads to count
// an arrival at a patched definition by itself, without a call into the front-end: both
// front-ends' PROBE_BYPASS (libprobe.so's hooks/bypass*.{hpp,cpp}, a shim's shim/bypass*) mark and
// fill it, the entry's fast path consumes it.
//
// Two kinds of arrival are decided there (docs/BYPASS.md):
//   - through the override: the hook or trampoline marked the call (t_entry_token: the
//     definition's id, the return address its tail jump keeps, and the count to add one to) and
//     the arrival has both (or the id, from the front-end's own code: a hook that called): the
//     token is consumed and its count incremented;
//   - bypassed, from a call site seen before: the thread's entry sites (t_entry_sites, by return
//     address, as the hooks' sites are: hooks/note.hpp) hold the (id, return address) pair and the
//     count of its calls from that caller's object, valid while the runtime's epoch
//     (attribution.hpp) is the one it was filled in.
// Anything else — no mark, an unknown site, a thread not on the fast path (the state word's guard
// or kOffFastPath bit: runtime/guard.hpp), a mark without a count — goes to the front-end's C half
// (interprobe_bypass_hit), which decides as before and fills what the next arrival needs. A count
// is only ever one of the thread's own (CounterPool block, SparseCounts table): single writer,
// one `addq`. The thread-exit handback sets kOffFastPath, so a block or table given back is never
// written through a token or site of the thread that gave it back; a fork child's sites point
// into the counts it keeps (reset to zero).
#pragma once

#include <cstddef>
#include <cstdint>

#include "count_site.hpp"
#include "entry_layout.h"
#include "tls.hpp"

#pragma GCC visibility push(hidden)  // as start.hpp says

namespace probe {

struct EntryToken {
  std::uint32_t id_plus_one;  // 0 = none
  std::uint32_t unused;
  std::uintptr_t ret;
  std::uint64_t* cell;  // nullptr: the C half counts it
};
extern constinit PROBE_TLS EntryToken t_entry_token;
// The front-end's own code (libprobe.so's, set when PROBE_BYPASS patches; empty in a shim, whose
// trampolines always jump): a marked call arriving from there came from a hook that called the
// definition instead of jumping to it (a hook with work after the call), so it is the marked one
// although its return address is the hook's.
extern std::uintptr_t g_own_code_lo, g_own_code_hi;
extern constinit PROBE_TLS CountSite t_entry_sites[kCountSites];

// A hook or trampoline is about to jump to the definition whose entry counts as `id`, from the
// call whose return address is `ret`; `through`: that call's count of the thread's own (nullptr
// when it has none yet).
inline void entry_mark(std::uint32_t id, std::uintptr_t ret, std::uint64_t* through) {
  t_entry_token = EntryToken{id + 1, 0, ret, through};
}
// A call the front-end does not count (its own): nothing may take it for a marked one.
inline void entry_clear() { t_entry_token.id_plus_one = 0; }
// An arrival at `id` from `ret` comes from the front-end's own code.
inline bool from_own_code(std::uintptr_t ret) {
  return ret >= g_own_code_lo && ret < g_own_code_hi;
}
// The C halves' test: an arrival at `id` from `ret` is the marked call. Consumes the mark.
inline bool entry_take_mark(std::uint32_t id, std::uintptr_t ret) {
  EntryToken& t = t_entry_token;
  if (t.id_plus_one != id + 1 || (t.ret != ret && !from_own_code(ret))) return false;
  t.id_plus_one = 0;
  return true;
}
// The next arrival at `id` from `ret` counts into `bypassed` (the thread's own count of that
// caller's object) while the epoch is `epoch` (read before the caller was looked up).
inline void entry_site_fill(std::uintptr_t ret, std::uint32_t id, std::uint32_t epoch,
                            std::uint64_t* bypassed) {
  count_site(t_entry_sites, ret) = CountSite{ret, id, epoch, bypassed, 0};
}

// The assembler's view (entry_layout.h).
static_assert(offsetof(EntryToken, id_plus_one) == ENTRY_TOKEN_ID);
static_assert(offsetof(EntryToken, ret) == ENTRY_TOKEN_RET);
static_assert(offsetof(EntryToken, cell) == ENTRY_TOKEN_CELL);

}  // namespace probe

#pragma GCC visibility pop
