// runtime.cpp — initialisation, per-call accounting, fork handling and the report at exit.
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
#include "../core/report_file.hpp"
#include "bypass.hpp"
#include "real.hpp"
#include "state.hpp"

// Defined by the dynamic loader on x86-64 (glibc's ld.so exports it): its address tells which
// loaded object is ld.so.
extern "C" void* __tls_get_addr(void*);

namespace probe {

std::atomic<int> g_init_state{0};
ObjectMap* g_map = nullptr;
CounterPool* g_pool = nullptr;
StackTable* g_stacks = nullptr;
Settings g_settings;
OriginalStderr g_original_stderr;
Notices g_notices;
char g_main_path[4096] = "[main]";
char g_module_name[256] = "libprobe.so";
PROBE_TLS bool t_in_probe = false;
PROBE_TLS CounterPool::Block* t_block = nullptr;

namespace {

PROBE_TLS bool t_initialising = false;

// Per-thread cache of return address -> object, valid for one map generation.
struct CacheEntry {
  std::uintptr_t address;
  std::uint32_t generation;
  ObjectId id;
};
constexpr std::size_t kCacheSize = 64;
PROBE_TLS CacheEntry t_cache[kCacheSize];

// Storage for the core objects: constructed in init, never destroyed (a hook may run during
// or after static destruction).
alignas(ObjectMap) unsigned char g_map_storage[sizeof(ObjectMap)];
alignas(CounterPool) unsigned char g_pool_storage[sizeof(CounterPool)];
alignas(StackTable) unsigned char g_stacks_storage[sizeof(StackTable)];
pthread_key_t g_thread_key;
ObjectId g_self_id = kUnknownObject;  // libprobe.so itself: its own calls are never counted
// The dynamic loader (ld-linux). Its calls are counted but never unwound. ld.so calls malloc/free
// with its locks held and in the middle of changing its object tables (dlopen's
// _dl_find_object_update allocates the very tables the unwinder reads with _dl_find_object).
// With libunwind this deadlocked a host (its mutex, then dl_iterate_phdr waiting for the loader
// lock held by a dlclose thread waiting for that mutex: forkbusy_app, PROBE_BACKTRACE=16).
// libgcc's unwinder takes neither lock, but glibc promises nothing about reading those tables
// from inside their own update, and a loader's stack tells the user nothing the caller of
// dlopen/dlclose does not: the rule stays (Probe.LoaderCallsAreCountedButNeverUnwound).
ObjectId g_loader_id = kUnknownObject;

bool may_unwind(ObjectId caller) { return caller != g_loader_id || caller == kUnknownObject; }

void on_thread_exit(void* block) {
  g_pool->release(static_cast<CounterPool::Block*>(block));
  t_block = kThreadGone;
}

void after_fork_child() {
  // Only the forking thread survives: its block stays, the rest are free; counts restart so
  // the child's report holds the child's calls only.
  CounterPool::Block* keep = (t_block == kThreadGone) ? nullptr : t_block;
  g_pool->reset_after_fork(keep);
  g_stacks->reset_after_fork();
  g_map->reset_after_fork();
  reporting_after_fork_child();
  bypass_after_fork_child();
}

}  // namespace

ObjectId attribute_caller(std::uintptr_t ret) {
  const std::uint32_t gen = g_map->generation();
  CacheEntry& c = t_cache[(ret >> 2) % kCacheSize];
  if (c.address == ret && c.generation == gen) return c.id;
  ObjectId id = g_map->lookup(ret);
  if (id == kUnknownObject) {
    // An object loaded since the last refresh (dlopen, or libc's own loads). learn() asks
    // _dl_find_object, which takes no loader lock, so a miss never waits — not even in a fork
    // child whose parent had a thread inside dlopen. Code in no object at all (JIT) stays unknown.
    auto learned = g_map->learn(ret, g_main_path);
    if (!learned) return id;  // another thread is refreshing: unknown this once, not cached
    id = *learned;
  }
  c = CacheEntry{ret, g_map->generation(), id};
  return id;
}

namespace {

void do_init() {
  real::resolve_required();
  g_settings = parse_settings([](const char* n) -> const char* { return ::getenv(n); },
                              getauxval(AT_SECURE) != 0, g_notices);
  ssize_t n = readlink("/proc/self/exe", g_main_path, sizeof g_main_path - 1);
  if (n > 0) g_main_path[n] = '\0';
  g_map = new (g_map_storage) ObjectMap();
  g_pool = new (g_pool_storage) CounterPool();
  g_stacks = new (g_stacks_storage) StackTable();
  g_map->refresh_from_loader(g_main_path);
  g_self_id = g_map->lookup(reinterpret_cast<std::uintptr_t>(&do_init));
  remember_module_name(reinterpret_cast<const void*>(&do_init), g_module_name,
                       sizeof g_module_name);
  g_loader_id = g_map->lookup(reinterpret_cast<std::uintptr_t>(&__tls_get_addr));  // in ld.so
  if (g_settings.backtrace != 0) unwind_init();
  g_original_stderr = remember_stderr();  // which file; no descriptor is kept (stderr_file.hpp)
  pthread_key_create(&g_thread_key, on_thread_exit);
  pthread_atfork(nullptr, nullptr, after_fork_child);
  install_report_signal();
}

}  // namespace

Guard Guard::enter() {
  if (t_in_probe) return Guard(false);
  t_in_probe = true;
  return Guard(true);
}

Guard::~Guard() {
  if (held_) t_in_probe = false;
}

void notice(const char* line) { g_notices.add(line); }

const Settings& settings() { return g_settings; }

void init_slow() {
  int expected = 0;
  if (g_init_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
    t_initialising = true;
    t_in_probe = true;
    do_init();
    t_in_probe = false;
    t_initialising = false;
    g_init_state.store(2, std::memory_order_release);
    return;
  }
  if (t_initialising) return;  // dlsym's calloc during init: the hook falls back on its pool
  while (g_init_state.load(std::memory_order_acquire) != 2) sched_yield();
}

CounterPool::Block* this_thread_block() {
  CounterPool::Block* b = t_block;
  if (b == nullptr) {
    b = g_pool->acquire();
    t_block = b;
    pthread_setspecific(g_thread_key, b);
  } else if (b == kThreadGone) {
    b = g_pool->shared_block();
  }
  return b;
}

namespace {

// Everything note() may have to do besides counting a call from a known site: initialisation, a
// new thread's block, a return address not in the cache, the stack table. Out of line so that the
// fast path in note() needs no stack frame and no saved registers.
__attribute__((noinline, cold)) void note_slow(Symbol s, std::uintptr_t ret) {
  ensure_init();
  Guard g = Guard::enter();
  if (g_init_state.load(std::memory_order_relaxed) != 2 || !g) {
    t_bypass_token.symbol_plus_one = 0;  // a call the hooks do not count is not marked either
    return;
  }
  // One relaxed load on the hook path; see reporting.cpp for why only the malloc family reports.
  if (__builtin_expect(g_report_requests.load(std::memory_order_relaxed) != 0, false) &&
      kSymbolFamilies[static_cast<unsigned>(s)] == Family::alloc)
    report_on_demand();
  CounterPool::Block* const b = this_thread_block();
  const ObjectId caller = attribute_caller(ret);
  if (caller == g_self_id && caller != kUnknownObject) {  // e.g. the static libstdc++'s init
    t_bypass_token.symbol_plus_one = 0;
    return;
  }
  CounterPool::add(b, s, caller);
  if (g_settings.backtrace != 0 && may_unwind(caller)) {
    int entry = g_stacks->record(s, ret, g_settings.backtrace, unwind_host);
    if (entry >= 0) CounterPool::add_stack(b, entry);  // per thread: no shared cache line
  }
}

__attribute__((noinline)) void record_stack(CounterPool::Block* b, Symbol s, std::uintptr_t ret) {
  Guard g = Guard::enter();  // a new site is unwound (unwind.cpp)
  if (!g) return;
  int entry = g_stacks->record(s, ret, g_settings.backtrace, unwind_host);
  if (entry >= 0) CounterPool::add_stack(b, entry);
}

}  // namespace

// The hook path (bench/ measures it: docs/PERFORMANCE.md). A call from a site already in this
// thread's attribution cache, on a thread that owns a counter block, is counted with loads,
// compares and one store to the thread's own block; anything else goes to note_slow(), which does
// exactly what this did before the split. The re-entry guard is only read here, not taken: nothing
// on this path calls out, so nothing can re-enter.
void note(Symbol s, void* return_address) {
  const auto ret = reinterpret_cast<std::uintptr_t>(return_address);
  bypass_mark(s, ret);  // PROBE_BYPASS: this call goes through the override (bypass.hpp)
  CounterPool::Block* b = t_block;
  // A pending report on demand (PROBE_REPORT_SIGNAL) is written by note_slow().
  if (__builtin_expect(g_init_state.load(std::memory_order_acquire) == 2 && !t_in_probe &&
                           b != nullptr && b != kThreadGone &&
                           g_report_requests.load(std::memory_order_relaxed) == 0,
                       1)) {
    const CacheEntry& c = t_cache[(ret >> 2) % kCacheSize];
    if (__builtin_expect(c.address == ret && c.generation == g_map->generation(), 1)) {
      if (c.id == g_self_id && c.id != kUnknownObject) {
        t_bypass_token.symbol_plus_one = 0;  // the probe's own call: not counted, not marked
        return;
      }
      CounterPool::add(b, s, c.id);
      if (g_settings.backtrace != 0 && may_unwind(c.id)) record_stack(b, s, ret);
      return;
    }
  }
  note_slow(s, ret);
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
