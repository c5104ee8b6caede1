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
// new thread's block, a return address not in the cache, the stack table. Out of line so that the
// fast path in note() needs no stack frame and no saved registers.
void note_slow(Symbol s, std::uintptr_t ret) {
  ensure_init();
  Guard g = Guard::enter();
  if (g_start_state.load(std::memory_order_relaxed) != 2 || !g) {
    t_bypass_token.symbol_plus_one = 0;  // a call the hooks do not count is not marked either
    return;
  }
  // One relaxed load on the hook path; see reporting.cpp for why only the malloc family reports.
  if (__builtin_expect(g_report_requests.load(std::memory_order_relaxed) != 0, false) &&
      kSymbolFamilies[static_cast<unsigned>(s)] == Family::alloc)
    report_on_demand();
  CounterPool::Block* const b = this_thread_block();
  const ObjectId caller = attribute(ret);
  if (caller == g_self_id && caller != kUnknownObject) {  // e.g. the static libstdc++'s init
    t_bypass_token.symbol_plus_one = 0;
    return;
  }
  CounterPool::add(b, s, caller);
  if (g_process.settings.backtrace != 0 && may_unwind(caller)) {
    int entry = g_stacks->record(s, ret, g_process.settings.backtrace, unwind_host);
    if (entry >= 0) CounterPool::add_stack(b, entry);  // per thread: no shared cache line
  }
  // This thread's own block (not the shared one) goes into its state word: from now on the fast
  // path counts its calls (guard.hpp; the guard bit is cleared when g goes out of scope).
  if (b != g_pool->shared()) t_thread_word = reinterpret_cast<std::uintptr_t>(b) | kInRuntime;
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
