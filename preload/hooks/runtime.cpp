// runtime.cpp — libprobe.so's part of the runtime: its init (over runtime/start.hpp), the re-entry
// guard, the counting path (note) with its dense per-thread blocks, its fork reset.
#include "runtime.hpp"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "../core/find_definition.hpp"
#include "../runtime/attribution.hpp"
#include "../runtime/start.hpp"
#include "bypass.hpp"
#include "real.hpp"
#include "state.hpp"

// Defined by the dynamic loader on x86-64 (glibc's ld.so exports it): its address tells which
// loaded object is ld.so.
extern "C" void* __tls_get_addr(void*);

namespace probe {

CounterPool* g_pool = nullptr;
// The dynamic loader (ld-linux). Its calls are counted but never unwound. ld.so calls malloc/free
// with its locks held and in the middle of changing its object tables (dlopen's
// _dl_find_object_update allocates the very tables the unwinder reads with _dl_find_object).
// With libunwind this deadlocked a host (its mutex, then dl_iterate_phdr waiting for the loader
// lock held by a dlclose thread waiting for that mutex: forkbusy_app, PROBE_BACKTRACE=16).
// libgcc's unwinder takes neither lock, but glibc promises nothing about reading those tables
// from inside their own update, and a loader's stack tells the user nothing the caller of
// dlopen/dlclose does not: the rule stays (Probe.LoaderCallsAreCountedButNeverUnwound).
ObjectId g_loader_id = kUnknownObject;
StackTable* g_stacks = nullptr;
PROBE_TLS CounterPool::Block* t_block = nullptr;

namespace {

// Storage for the counters and stacks: constructed in init, never destroyed (a hook may run during
// or after static destruction). The object map is the runtime's (runtime/start.hpp).
alignas(CounterPool) unsigned char g_pool_storage[sizeof(CounterPool)];
alignas(StackTable) unsigned char g_stacks_storage[sizeof(StackTable)];

void on_thread_exit(void* block) {
  g_pool->release(static_cast<CounterPool::Block*>(block));
  t_block = thread_gone<CounterPool::Block>();
  t_thread_word = (t_thread_word & kInRuntime) | kOffFastPath;  // counts go to the shared block
}

void after_fork_child() {
  // Only the forking thread survives: its block stays, the rest are free; counts restart so
  // the child's report holds the child's calls only (the map and the report: start.cpp).
  CounterPool::Block* keep = (t_block == kThreadGone) ? nullptr : t_block;
  g_pool->reset_after_fork(keep);
  g_stacks->reset_after_fork();
  reporting_after_fork_child();
  bypass_after_fork_child();
}

}  // namespace

namespace {

void do_init() {
  real::resolve_required();
  // The settings, which file stderr is (no descriptor is kept), the object map and libprobe's own
  // place in it (its calls are never counted), thread exit and fork (runtime/start.hpp).
  start_runtime(FrontEnd{[](const char* n) -> const char* { return ::getenv(n); }, "libprobe.so",
                         reinterpret_cast<const void*>(&do_init), on_thread_exit,
                         after_fork_child});
  g_pool = new (g_pool_storage) CounterPool();
  g_stacks = new (g_stacks_storage) StackTable();
  g_loader_id = g_map->lookup(reinterpret_cast<std::uintptr_t>(&__tls_get_addr));  // in ld.so
  sync_epoch();
  if (g_process.settings.backtrace != 0) unwind_init();
  install_report_signal();
}

}  // namespace

void notice(const char* line) { g_process.notices.add(line); }

const Settings& settings() { return g_process.settings; }

void init_slow() {
  // A nested call (dlsym's calloc during init) returns at once: the hook falls back on its pool.
  start_once([] {
    set_in_runtime(true);
    do_init();
    set_in_runtime(false);
  });
}

CounterPool::Block* this_thread_block() { return thread_counts(t_block, *g_pool); }

// Everything note() may have to do besides counting a call from a known site: initialisation, a
// new thread's block, a site not in its slot, a report on demand, the stack table. Counts the call
// and, for a site whose object is known for sure, fills its slot and publishes the thread's block
// in its state word, so that the next call from there takes the fast path.
void note_slow(Symbol s, std::uintptr_t ret) {
  ensure_init();
  Guard g = Guard::enter();
  if (g_start_state.load(std::memory_order_relaxed) != 2 || !g) {
    entry_clear();  // a call the hooks do not count is not marked either
    return;
  }
  // Read before anything is looked up: a slot filled below is stale as soon as the map changes
  // or a report is requested after this point.
  const std::uint32_t epoch = g_epoch.load(std::memory_order_acquire);
  bool fill = true;
  // See reporting.cpp for why only the malloc family reports.
  if (__builtin_expect(g_report_requests.load(std::memory_order_relaxed) != 0, false) &&
      kSymbolFamilies[static_cast<unsigned>(s)] == Family::alloc) {
    report_on_demand();
    // Another thread is still writing it, or a request came meanwhile: this site keeps asking.
    fill = g_report_requests.load(std::memory_order_relaxed) == 0;
  }
  CounterPool::Block* const b = this_thread_block();
  const ObjectId caller = attribute(ret);
  sync_epoch();
  if (caller == g_self_id && caller != kUnknownObject) {  // e.g. the static libstdc++'s init
    entry_clear();  // the probe's own call: not counted, never in a slot
    return;
  }
  CounterPool::add(b, s, caller);
  int stack = -1;  // none in the slot: the loader's calls (never unwound), a full table
  const unsigned depth = g_process.settings.backtrace;
  if (depth != 0 && may_unwind(caller)) {
    stack = g_stacks->record(s, ret, depth, unwind_host);
    if (stack >= 0) CounterPool::add_stack(b, stack);  // per thread: no shared cache line
  }
  if (b == g_pool->shared()) return;  // a thread without a block of its own stays off the path
  // attribute() cached its answer only if it is sure (not while another thread refreshed the map).
  if (const CacheEntry& known = cache_slot(t_cache, ret);
      fill && known.address == ret && known.id == caller)
    CounterPool::site(b, ret) =
        CounterPool::Site{ret, epoch, caller,
                          static_cast<std::uint16_t>(stack >= 0 ? static_cast<unsigned>(s) + 1 : 0),
                          static_cast<std::uint32_t>(stack >= 0 ? stack : 0)};
  // The thread's own block goes into its state word (guard.hpp; the guard bit is cleared when g
  // goes out of scope). A signal handler's hook meanwhile sees the guard bit and counts nothing.
  t_thread_word = reinterpret_cast<std::uintptr_t>(b) | kInRuntime | (g_bypass_on ? kModed : 0) |
                  (depth != 0 ? kBacktrace : 0);
}

void note_moded(Symbol s, std::uintptr_t ret) {
  bypass_mark(s, ret);  // PROBE_BYPASS: this call goes through the override (bypass.hpp)
  const std::uintptr_t w = t_thread_word;
  if ((w & (kInRuntime | kOffFastPath)) == 0) {
    auto* const b = reinterpret_cast<CounterPool::Block*>(w & ~kProbeFlags);
    const CounterPool::Site& c = CounterPool::site(b, ret);
    if (site_holds(c, ret)) {
      CounterPool::add_owned(b, s, c.id);
      if (g_process.settings.backtrace == 0) return;
      // The site's stack entry, found through its slot: no hash per call (issue 15). A slot
      // without one for this symbol (another symbol's call from the same site, through a pointer;
      // a full table) asks the table; the loader's calls are never unwound.
      if (c.symbol_plus_one == static_cast<unsigned>(s) + 1)
        return CounterPool::add_stack_owned(b, c.stack);
      if (may_unwind(c.id)) record_stack(b, s, ret);
      return;
    }
  }
  note_slow(s, ret);
}

void record_stack(CounterPool::Block* b, Symbol s, std::uintptr_t ret) {
  Guard g = Guard::enter();  // a new site is unwound (unwind.cpp)
  if (!g) return;
  int entry = g_stacks->record(s, ret, g_process.settings.backtrace, unwind_host);
  if (entry >= 0) CounterPool::add_stack(b, entry);
}

void* resolve_next(const char* name) {
  Guard g = Guard::enter();  // dlsym may allocate: keep that out of the counts
  if (void* p = dlsym(RTLD_NEXT, name)) return p;
  // RTLD_LOCAL objects are not in the global scope that RTLD_NEXT searches: ask each object,
  // except libprobe itself.
  void* found = find_definition_elsewhere(name, reinterpret_cast<const void*>(&resolve_next));
  if (found == nullptr) {
    char line[256];
    std::snprintf(line, sizeof line, "interprobe: no definition of %s after libprobe.so", name);
    notice(line);
  }
  return found;
}

}  // namespace probe
