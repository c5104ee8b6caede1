// bypass.cpp — PROBE_BYPASS=1 (bypass.hpp): the real definitions' entries patched at start-up and
// when objects are loaded later, the records forgotten when their objects are unloaded, the slow
// half of the counting entry, and the records for the report. The fast half, which runs with the
// host's vector registers live, is bypass_hit.cpp.
#include "bypass.hpp"

#include <dlfcn.h>
#include <link.h>
#include <sys/single_threaded.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "../core/find_definition.hpp"
#include "../runtime/dl_points.hpp"
#include "bypass_state.hpp"
#include "definitions.hpp"
#include "real.hpp"
#include "state.hpp"

extern "C" void interprobe_bypass_entry();  // preload/patch/x86_64/entry.S

namespace probe {

bool g_bypass_on = false;
PROBE_TLS CacheEntry t_bypass_cache[kCacheSize];

namespace {

namespace patch = interprobe::patch;

// What became of each symbol's real definition (preload/patch/definitions.hpp). Written during
// start-up (single-threaded), by bypass_learn and bypass_catch_up under g_learn_busy; read at
// report time.
patch::Definition g_definitions[kNumSymbols];

// The symbols resolved at their first call (symbols.def `optional`): their library may be loaded
// and unloaded at any time (the victim family); the `required` ones are the C library's or a
// preload's, loaded with the program and never unloaded.
constexpr bool kOptional[kNumSymbols] = {
#define PROBE_OPT_required false,
#define PROBE_OPT_optional true,
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) PROBE_OPT_##requirement
#include "../core/symbols.def"
#undef PROBE_OPT_required
#undef PROBE_OPT_optional
};

// The loader's counts of objects added and removed (dl_phdr_info's dlpi_adds, dlpi_subs) when
// the definitions were last brought up to date: a safe point with the same counts has nothing to do.
unsigned long long g_seen_adds = 0, g_seen_subs = 0;

bool loader_changed() {
  struct Counts {
    unsigned long long adds, subs;
  } now{0, 0};
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t size, void* data) -> int {
        auto* c = static_cast<Counts*>(data);
        if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
          *c = {info->dlpi_adds, info->dlpi_subs};
        return 1;  // the counts are the loader's, the same in every entry: the first is enough
      },
      &now);
  const bool changed = now.adds != g_seen_adds || now.subs != g_seen_subs;
  g_seen_adds = now.adds;
  g_seen_subs = now.subs;
  return changed;
}

// A patched definition whose object is gone (or mapped again, fresh): its patch no longer exists.
// still_loaded() first: still_patched() reads the entry's bytes.
bool patch_gone(const patch::Definition& d) {
  return d.address != 0 && d.same_as < 0 && d.refusal == patch::Refusal::none &&
         (!patch::still_loaded(d) || !patch::still_patched(d.address));
}
}  // namespace

unsigned g_counted_as[kNumSymbols];

namespace {
std::atomic_flag g_learn_busy = ATOMIC_FLAG_INIT;

// Patches `symbols` (their definitions in `defs`); a symbol sharing an earlier one's definition
// is counted under it (g_counted_as).
void patch_all(const Symbol* symbols, void* const* defs, std::size_t n) {
  std::uint32_t ids[kNumSymbols] = {};
  for (std::size_t k = 0; k < n; ++k) {
    ids[k] = static_cast<std::uint32_t>(symbols[k]);
    g_definitions[ids[k]] = patch::Definition{};  // a library loaded again: its record anew
  }
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
    if (g_own_code_lo == 0 || r.lo < g_own_code_lo) g_own_code_lo = r.lo;
    if (r.hi > g_own_code_hi) g_own_code_hi = r.hi;
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
#define PROBE_DEF_required(name) want(Symbol::name, real::found(Symbol::name));
#define PROBE_DEF_optional(name) want(Symbol::name, dlsym(RTLD_NEXT, #name));
#define PROBE_SYMBOL(name, ret, params, family, requirement, fails) PROBE_DEF_##requirement(name)
#include "../core/symbols.def"
#undef PROBE_DEF_required
#undef PROBE_DEF_optional
  patch_all(symbols, defs, n);
  loader_changed();    // the objects of now are dealt with
  g_bypass_on = true;  // from now on the hooks mark their calls
  bump_epoch();        // every thread's next call republishes its state word with kModed
}

void bypass_learn(Symbol s, void* definition) {
  if (!g_bypass_on || definition == nullptr) return;
  patch::Definition& d = g_definitions[static_cast<unsigned>(s)];
  // Learnt already, unless its library was unloaded since (bypass_catch_up marks it).
  auto known = [&] { return d.address != 0 && d.refusal != patch::Refusal::unloaded; };
  if (known() || g_learn_busy.test_and_set(std::memory_order_acquire)) return;
  {
    Guard g = Guard::enter();
    if (!known() && g) {
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

void bypass_catch_up() {
  if (!g_bypass_on) return;
  Guard g = Guard::enter();  // libprobe's own dlsym and dlopen come here too: nothing to do
  if (!g || g_learn_busy.test_and_set(std::memory_order_acquire)) return;
  if (loader_changed()) {
    Symbol symbols[kNumSymbols];
    void* defs[kNumSymbols];
    std::size_t n = 0;
    for (unsigned i = 0; i < kNumSymbols; ++i) {
      if (!kOptional[i]) continue;
      patch::Definition& d = g_definitions[i];
      const auto s = static_cast<Symbol>(i);
      // Unloaded, or mapped again afresh: the counts stay (they are the counter blocks'), a
      // patched record says what became of its patch, the hook's pointer into the old copy goes.
      bool gone = d.address != 0 && d.same_as < 0 && !patch::still_loaded(d);
      if (patch_gone(d)) {
        d.refusal = patch::Refusal::unloaded;
        gone = true;
      }
      if (gone) real::repoint_optional(s, reinterpret_cast<void*>(d.address), nullptr);
      if (d.address != 0 && !gone && d.refusal != patch::Refusal::unloaded)
        continue;  // learnt, and its object is still there
      // As the hook would resolve it (resolve_next), without its notice: absent is normal here.
      void* def = dlsym(RTLD_NEXT, symbol_name(s).data());
      if (def == nullptr) def = find_definition_elsewhere(symbol_name(s).data(), &g_definitions);
      if (def == nullptr) continue;
      real::repoint_optional(s, nullptr, def);  // the hook's next call needs no resolving
      symbols[n] = s;
      defs[n++] = def;
    }
    if (n != 0 && __libc_single_threaded) {
      patch_all(symbols, defs, n);
    } else {
      for (std::size_t k = 0; k < n; ++k) {  // code other threads may run is never rewritten
        patch::Definition& d = g_definitions[static_cast<unsigned>(symbols[k])];
        d = patch::Definition{};
        patch::Function fn;
        const patch::Refusal r = patch::plan_definition(
            defs[k], static_cast<std::uint32_t>(symbols[k]), g_process.main_path, d, fn);
        d.refusal = r != patch::Refusal::none ? r : patch::Refusal::threads_running;
      }
    }
  }
  g_learn_busy.clear(std::memory_order_release);
}

void dl_safe_point() {
  real::drop_unloaded();  // with or without PROBE_BYPASS
  bypass_catch_up();
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
    } else if (patch_gone(d)) {  // unloaded since the last safe point (bypass_catch_up)
      rec.refused = patch::describe(patch::Refusal::unloaded);
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
  const std::uint32_t epoch = g_epoch.load(std::memory_order_acquire);  // before the lookup
  const ObjectId caller = attribute(ret, t_bypass_cache);
  sync_epoch();
  if (caller >= kMaxObjects) return;
  // A site only for an answer attribute() is sure of (it cached it), as note_slow's.
  if (const CacheEntry& known = cache_slot(t_bypass_cache, ret);
      known.address == ret && known.id == caller)
    bypass_count_from(b, id, ret, caller, epoch);
  else
    CounterPool::bump(b, b->bypassed[id][caller]);
}

namespace {
// After the constructors of libc and of the libraries loaded with the program, before main: the
// process is single-threaded and every library linked in is mapped.
__attribute__((constructor)) void bypass_at_start() {
  probe::ensure_init();
  probe::bypass_install();
}
}  // namespace
