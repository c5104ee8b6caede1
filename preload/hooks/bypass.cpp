// bypass.cpp — PROBE_BYPASS=1 (bypass.hpp): the real definitions' entries patched at start-up, the
// slow half of the counting entry, and the records for the report. The fast half, which runs with
// the host's vector registers live, is bypass_hit.cpp.
#include "bypass.hpp"

#include <dlfcn.h>
#include <sys/single_threaded.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "bypass_state.hpp"
#include "definitions.hpp"
#include "real.hpp"
#include "state.hpp"

extern "C" void interprobe_bypass_entry();  // preload/patch/x86_64/entry.S

namespace probe {

bool g_bypass_on = false;
PROBE_TLS BypassToken t_bypass_token{0, 0};
PROBE_TLS CacheEntry t_bypass_cache[kCacheSize];
std::uintptr_t g_self_lo = 0, g_self_hi = 0;

namespace {

namespace patch = interprobe::patch;

// What became of each symbol's real definition (preload/patch/definitions.hpp). Written during
// start-up (single-threaded) and by bypass_learn under g_learn_busy; read at report time.
patch::Definition g_definitions[kNumSymbols];
}  // namespace

unsigned g_counted_as[kNumSymbols];

namespace {
std::atomic_flag g_learn_busy = ATOMIC_FLAG_INIT;

// Patches `symbols` (their definitions in `defs`); a symbol sharing an earlier one's definition
// is counted under it (g_counted_as).
void patch_all(const Symbol* symbols, void* const* defs, std::size_t n) {
  std::uint32_t ids[kNumSymbols];
  for (std::size_t k = 0; k < n; ++k) ids[k] = static_cast<std::uint32_t>(symbols[k]);
  patch::patch_definitions(ids, defs, n,
                           {reinterpret_cast<std::uintptr_t>(&interprobe_bypass_entry)},
                           g_process.main_path, g_definitions);
  for (std::size_t k = 0; k < n; ++k)
    if (const auto same = g_definitions[ids[k]].same_as; same >= 0)
      g_counted_as[ids[k]] = static_cast<unsigned>(same);
}

}  // namespace

void bypass_install() {
  if (!g_process.settings.bypass) return;
  Guard g = Guard::enter();
  if (!g) return;
  for (unsigned i = 0; i < kNumSymbols; ++i) g_counted_as[i] = i;
  const auto self = patch::code_of(reinterpret_cast<std::uintptr_t>(&bypass_install));
  for (const patch::CodeRange& r : self) {
    if (g_self_lo == 0 || r.lo < g_self_lo) g_self_lo = r.lo;
    if (r.hi > g_self_hi) g_self_hi = r.hi;
  }
  Symbol symbols[kNumSymbols];
  void* defs[kNumSymbols];
  std::size_t n = 0;
  auto want = [&](Symbol s, void* def) {
    if (def == nullptr) return;
    symbols[n] = s;
    defs[n++] = def;
  };
  // The required symbols' pointers (real.hpp); the optional ones', if their library is loaded.
#define PROBE_DEF_required(name) want(Symbol::name, reinterpret_cast<void*>(real::next.name));
#define PROBE_DEF_optional(name) want(Symbol::name, dlsym(RTLD_NEXT, #name));
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) PROBE_DEF_##requirement(name)
#include "../core/symbols.def"
#undef PROBE_DEF_required
#undef PROBE_DEF_optional
  patch_all(symbols, defs, n);
  g_bypass_on = true;  // from now on the hooks mark their calls
  bump_epoch();        // every thread's next call republishes its state word with kModed
}

void bypass_learn(Symbol s, void* definition) {
  if (!g_bypass_on || definition == nullptr) return;
  patch::Definition& d = g_definitions[static_cast<unsigned>(s)];
  if (d.address != 0 || g_learn_busy.test_and_set(std::memory_order_acquire)) return;
  {
    Guard g = Guard::enter();
    if (d.address == 0 && g) {
      if (!__libc_single_threaded) {
        patch::Function fn;
        const patch::Refusal r = patch::plan_definition(definition, static_cast<std::uint32_t>(s),
                                                        g_process.main_path, d, fn);
        d.refusal = r != patch::Refusal::none ? r : patch::Refusal::threads_running;
      } else {
        patch_all(&s, &definition, 1);
      }
    }
  }
  g_learn_busy.clear(std::memory_order_release);
}

void bypass_snapshot(std::uint64_t (&through)[kNumSymbols], Totals& bypassed,
                     std::vector<BypassRecord>& out) {
  if (!g_bypass_on) return;
  g_pool->snapshot_bypass(through, bypassed);
  for (unsigned i = 0; i < kNumSymbols; ++i) {
    const patch::Definition& d = g_definitions[i];
    if (d.address == 0) continue;
    BypassRecord rec;
    rec.symbol = static_cast<Symbol>(i);
    rec.definition = d.object;
    if (d.same_as >= 0) {
      rec.definition = g_definitions[d.same_as].object;
      rec.same_as = symbol_name(static_cast<Symbol>(d.same_as));
    } else if (d.refusal != patch::Refusal::none) {
      rec.refused = patch::describe(d.refusal);
    }
    rec.through = through[i];
    for (std::size_t o = 0; o < kMaxObjects; ++o)
      if (const auto c = bypassed[i][o]; c != 0) rec.callers.emplace_back(static_cast<ObjectId>(o), c);
    out.push_back(std::move(rec));
  }
}

void bypass_after_fork_child() {
  // The child counts its own calls from zero: its counter blocks are reset with the hooks' counts
  // (CounterPool::reset_after_fork, runtime.cpp).
  g_learn_busy.clear(std::memory_order_relaxed);
}

}  // namespace probe

// The slow half of the counting entry (entry.S saved the vector state): this thread's first
// counted arrival (it takes a counter block), or a return address not in its cache yet, which it
// attributes as the hooks do (runtime.cpp).
extern "C" __attribute__((visibility("hidden"))) void interprobe_bypass_slow(std::uint32_t id,
                                                                           std::uintptr_t ret) {
  using namespace probe;
  if (!runtime_ready() || id >= kNumSymbols) return;
  Guard g = Guard::enter();
  if (!g) return;
  CounterPool::Block* const b = this_thread_block();
  if (bypass_decide(id, ret, b)) return;
  // Through the bypass counter's own cache (bypass_state.hpp), which attribute() fills.
  const ObjectId caller = attribute(ret, t_bypass_cache);
  sync_epoch();
  if (caller < kMaxObjects) CounterPool::bump(b, b->bypassed[id][caller]);
}

namespace {
// After the constructors of libc and of the libraries loaded with the program, before main: the
// process is single-threaded and every library linked in is mapped.
__attribute__((constructor)) void bypass_at_start() {
  probe::ensure_init();
  probe::bypass_install();
}
}  // namespace
